/**
 * The apiserver suite's report: every rejection, stored-field difference and drift as
 * `file object field: message`, the server's warnings, then one summary table with the figures
 * (build and start time, per example accepted/total, stored-equal and drift), and the closing line.
 */
import { DriftOutcome } from './drift';
import { ExampleOutcome } from './dry-run';
import { KustomizeOutcome } from './kustomize';
import { Failure, formatFailure, renderTable } from '../report';

/** Everything the run measured; optional parts are absent when the run stopped before them. */
export interface SuiteFigures {
  readonly kubernetesVersion?: string;
  /** What happened to the binaries; absent when the run stopped before. */
  readonly build?: 'built' | 'reused' | 'failed';
  /** Seconds the build took (when built). */
  readonly buildSeconds?: number;
  readonly startSeconds?: number;
  readonly examples: readonly ExampleOutcome[];
  readonly drift?: DriftOutcome;
  /** `kubectl kustomize` builds of the examples written by a GitOpsApp (see kustomize.ts). */
  readonly kustomize?: readonly KustomizeOutcome[];
  /** Problems of the suite itself (build, start, timeout, missing example...), each failing the run. */
  readonly setupFailures: readonly Failure[];
  /** Free-form lines printed before the failures (stubbed kinds, unused external-crds entries...). */
  readonly notes: readonly string[];
}

/** Objects, accepted, rejected and warned-about objects of one example. */
export function exampleCounts(e: ExampleOutcome): { objects: number; accepted: number; rejected: number; warned: number } {
  const accepted = e.outcomes.filter((o) => o.accepted).length;
  const warned = e.outcomes.filter((o) => o.warnings.length > 0).length;
  return { objects: e.outcomes.length, accepted, rejected: e.outcomes.length - accepted, warned };
}

/** Every failure of the run: setup, rejections, then drift-check findings. */
export function allFailures(f: SuiteFigures): Failure[] {
  const rejections = f.examples.flatMap((e) => e.outcomes.filter((o) => !o.accepted).map((o): Failure => ({
    file: o.file,
    object: o.object,
    message: `rejected${o.persisted ? '' : ' (dry-run)'}: ${o.message ?? 'no message'}`,
  })));
  return [...f.setupFailures, ...rejections, ...(f.kustomize ?? []).flatMap((k) => k.failures), ...(f.drift?.failures ?? [])];
}

/**
 * Items, passed and failed for the closing line: one item per object dry-run, per folder built by
 * kustomize and per object drift-checked.
 */
export function closingCounts(f: SuiteFigures): { passed: number; failed: number } {
  let passed = 0;
  let failed = f.setupFailures.length;
  for (const e of f.examples) {
    const c = exampleCounts(e);
    passed += c.accepted;
    failed += c.rejected;
  }
  for (const k of f.kustomize ?? []) {
    const ok = k.builds.filter((b) => b.ok).length;
    passed += ok;
    failed += k.builds.length - ok;
  }
  if (f.drift) {
    const bad = Math.min(f.drift.objects, Math.max(f.drift.objects - f.drift.storedEqual, 0) + f.drift.drift);
    passed += f.drift.objects - bad;
    failed += bad;
  }
  return { passed, failed };
}

const seconds = (s: number | undefined): string => (s === undefined ? '-' : s.toFixed(1));

/** The summary table: build, start, one row per example, the drift check and a total. */
export function summaryTable(f: SuiteFigures): string {
  const header = ['step', 'objects', 'accepted', 'rejected', 'warned', 'stored-equal', 'drift', 'seconds', 'status'];
  const rows: Array<Array<string | number>> = [];
  const buildStatus = f.build === undefined ? 'NOT RUN' : f.build === 'failed' ? 'FAIL' : 'ok';
  rows.push(['build kube-apiserver/kubectl/etcd', '-', '-', '-', '-', '-', '-', f.build === 'reused' ? 'reused' : seconds(f.buildSeconds), buildStatus]);
  rows.push(['start etcd + kube-apiserver', '-', '-', '-', '-', '-', '-', seconds(f.startSeconds), f.startSeconds === undefined ? 'NOT RUN' : 'ok']);
  let objects = 0;
  let accepted = 0;
  let rejected = 0;
  let warned = 0;
  for (const e of f.examples) {
    const c = exampleCounts(e);
    objects += c.objects;
    accepted += c.accepted;
    rejected += c.rejected;
    warned += c.warned;
    rows.push([`dry-run ${e.name}`, c.objects, `${c.accepted}/${c.objects}`, c.rejected, c.warned, '-', '-', seconds(e.seconds), c.rejected > 0 ? 'FAIL' : 'ok']);
  }
  for (const k of f.kustomize ?? []) {
    const root = k.builds[0];
    const failedBuilds = k.builds.filter((b) => !b.ok).length;
    const status = failedBuilds > 0 || k.failures.length > 0 ? 'FAIL' : 'ok';
    rows.push([`kustomize ${k.name} (${k.builds.length} folders)`, root?.expected ?? '-', `${root?.built ?? 0}/${root?.expected ?? 0}`, failedBuilds, '-', '-', '-', seconds(k.seconds), status]);
  }
  const d = f.drift;
  if (d) {
    const bad = d.failures.length > 0 || d.storedEqual < d.objects || d.drift > 0;
    rows.push([`apply + drift ${d.name}`, d.objects, `${d.applied}/${d.objects}`, d.objects - d.applied, '-', `${d.storedEqual}/${d.objects}`, d.drift, seconds(d.seconds), bad ? 'FAIL' : 'ok']);
  }
  const failing = allFailures(f).length > 0;
  rows.push(['total', objects, `${accepted}/${objects}`, rejected, warned, d ? `${d.storedEqual}/${d.objects}` : '-', d ? d.drift : '-', '-', failing ? 'FAIL' : 'ok']);
  return renderTable(header, rows);
}

/**
 * Prints notes, failures (capped at `maxFailures`), the server's warnings (not failures), fields the
 * drift check found stored in an equal form, the table and the closing line
 * `apiserver: N passed, M failed`.
 */
export function printSuiteReport(f: SuiteFigures, out: (line: string) => void = console.log, maxFailures = 200): void {
  out('');
  out('== apiserver (kube-apiserver admission, server-side dry-run and drift) ==');
  for (const n of f.notes) out(`  ${n}`);
  const failures = allFailures(f);
  for (const x of failures.slice(0, maxFailures)) out(`  FAIL ${formatFailure(x)}`);
  if (failures.length > maxFailures) out(`  ... and ${failures.length - maxFailures} more failures`);
  for (const e of f.examples) {
    for (const o of e.outcomes) for (const w of o.warnings) out(`  WARN ${o.file} ${o.object}: ${w}`);
  }
  for (const n of f.drift?.notes ?? []) out(`  NOTE ${formatFailure(n)}`);
  out('');
  out(summaryTable(f));
  const { passed, failed } = closingCounts(f);
  out(`apiserver: ${passed} passed, ${failed} failed`);
}
