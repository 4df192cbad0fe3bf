/**
 * Shared types of the conformance suite and the summary table printer.
 *
 * Every check (parity, injection, validate/analyze, schema) returns one CheckResult;
 * run.ts prints them as a single table and exits non-zero when any check has failures.
 */

/** One problem found by a check: where it is (file, object, field) and what is wrong. */
export interface Failure {
  /** File the problem was found in (relative to the repo root when possible). */
  readonly file?: string;
  /** Object, written as `Kind namespace/name` (or `Kind name` for cluster-scoped objects). */
  readonly object?: string;
  /** Field path inside the object, e.g. `.spec.template.spec.containers[discovery].image`. */
  readonly field?: string;
  /** What is wrong, in one line. */
  readonly message: string;
}

/** Outcome of one check. `items` counts what was checked; passed + failed + allowlisted should equal it. */
export interface CheckResult {
  /** Short name shown in the summary table, e.g. `parity`. */
  readonly name: string;
  /** Number of things checked (objects, files, messages...; each check documents its unit). */
  items: number;
  /** Items with no problem. */
  passed: number;
  /** Items with at least one unallowlisted problem. */
  failed: number;
  /** Items whose only problems are covered by an allowlist entry. */
  allowlisted: number;
  /** Every unallowlisted problem, named by file/object/field. */
  failures: Failure[];
  /** Free-form lines printed under the check's heading (per-variant counts, unused allowlist entries...). */
  details?: string[];
  /** True when the check could not run at all (missing tool, crash); counts as a failure. */
  skipped?: boolean;
}

/** What every check receives from the runner. */
export interface ConformanceContext {
  /** Absolute path of the repository root. */
  readonly repoRoot: string;
  /** Absolute path of the istioctl binary to use. */
  readonly istioctl: string;
  /** Absolute path of the synthesized examples (`dist/examples`), one folder per example app. */
  readonly examplesDir: string;
}

/** Creates an empty result for a check. */
export function emptyResult(name: string): CheckResult {
  return { name, items: 0, passed: 0, failed: 0, allowlisted: 0, failures: [], details: [] };
}

/** Formats one failure as `file: object field: message`, leaving out the parts it lacks. */
export function formatFailure(f: Failure): string {
  const where = [f.file, f.object, f.field].filter((p) => p !== undefined && p !== '').join(' ');
  return where ? `${where}: ${f.message}` : f.message;
}

/** True when the result must fail the run. */
export function isFailing(r: CheckResult): boolean {
  return r.failed > 0 || r.failures.length > 0 || r.skipped === true;
}

/** Renders rows as a plain-text table with a header line and right-aligned numeric columns. */
export function renderTable(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(cells[0]), sep, ...cells.slice(1).map(line)].join('\n');
}

/** Renders the one summary table of the run, with a total row. */
export function summaryTable(results: CheckResult[]): string {
  const header = ['check', 'items', 'passed', 'failed', 'allowlisted', 'status'];
  const rows = results.map((r) => [r.name, r.items, r.passed, r.failed, r.allowlisted, statusOf(r)]);
  const sum = (k: 'items' | 'passed' | 'failed' | 'allowlisted'): number => results.reduce((n, r) => n + r[k], 0);
  rows.push(['total', sum('items'), sum('passed'), sum('failed'), sum('allowlisted'), results.some(isFailing) ? 'FAIL' : 'ok']);
  return renderTable(header, rows);
}

function statusOf(r: CheckResult): string {
  if (r.skipped) return 'NOT RUN';
  return isFailing(r) ? 'FAIL' : 'ok';
}

/**
 * Prints each check's details and failures, then the summary table. Failures are capped per check
 * (`maxFailures`) so a badly broken run stays readable; the count of hidden ones is printed.
 */
export function printReport(results: CheckResult[], out: (line: string) => void = console.log, maxFailures = 200): void {
  for (const r of results) {
    out('');
    out(`== ${r.name} ==`);
    for (const d of r.details ?? []) out(`  ${d}`);
    const shown = r.failures.slice(0, maxFailures);
    for (const f of shown) out(`  FAIL ${formatFailure(f)}`);
    if (r.failures.length > shown.length) out(`  ... and ${r.failures.length - shown.length} more failures`);
  }
  out('');
  out(summaryTable(results));
}
