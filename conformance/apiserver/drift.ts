/**
 * What a GitOps tool (Argo CD, Flux) would see after syncing an example: the example is applied for
 * real with server-side apply and our field manager, then
 *
 * 1. stored = sent: every field we sent is read back from the server with the same value. Fields the
 *    server adds (defaults, uid, resourceVersion, managedFields...) are ignored; a field we sent that
 *    the server dropped or rewrote (a namespace on a cluster-scoped object, a value replaced by
 *    another) is a difference. A quantity stored in canonical form (`2048Mi` as `2Gi`) is listed as a
 *    note, not a difference (see FieldDifference.sameQuantity). `null` and empty
 *    maps, lists and strings we send count as absent, as server-side apply treats them; `status` is
 *    not ours (the main resource ignores it).
 * 2. no drift: applying the same objects again changes no resourceVersion, and
 *    `kubectl diff --server-side` shows nothing.
 *
 * This stores the example's webhook configurations too (failurePolicy Fail towards an istiod that
 * does not run), so run.ts runs it after every dry-run. The Istio webhooks only match Pods and Istio
 * resources labelled with the revision, and none are sent after this point.
 */
import { Failure } from '../report';
import { applyObjects } from './dry-run';
import { FIELD_MANAGER, Kubectl, applyArgs, errorMessageOf, listInput, parseKubectlJson } from './kubectl';
import { identity, matchReturned, relativeFile } from './objects';
import { isPlainObject, K8sObject, objectRef, readManifests } from '../manifests';

/** One field whose stored value is not the one we sent. */
export interface FieldDifference {
  /** Path like `.spec.template.spec.containers[discovery].resources.requests.cpu`. */
  readonly field: string;
  readonly sent: unknown;
  readonly stored: unknown;
  /**
   * Both are the same quantity and the server stored it in canonical form (`2048Mi` -> `2Gi`,
   * `2000m` -> `2`). Not drift: server-side apply and `kubectl diff --server-side` see no change,
   * and Argo CD compares known kinds after the same conversion. Only a plain text comparison would
   * see it.
   */
  readonly sameQuantity?: boolean;
}

const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * A Kubernetes resource quantity (`500m`, `2Gi`, `1.5`, `1e3`) as an exact fraction, or undefined
 * when `value` is not one.
 */
export function parseQuantity(value: string | number): { num: bigint; den: bigint } | undefined {
  const text = String(value);
  const m = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  const [intPart, fracPart = ''] = m[2].split('.');
  let num = BigInt(`${intPart || '0'}${fracPart}`) * (m[1] === '-' ? -1n : 1n);
  let den = 10n ** BigInt(fracPart.length);
  const exp10 = m[4] !== undefined ? DECIMAL_SUFFIX[m[4]] : m[5] !== undefined ? Number(m[5]) : 0;
  if (exp10 >= 0) num *= 10n ** BigInt(exp10);
  else den *= 10n ** BigInt(-exp10);
  if (m[3] !== undefined) num *= 2n ** BigInt(BINARY_SUFFIX[m[3]]);
  return { num, den };
}

/** True when both are quantities of the same value. */
export function sameQuantity(a: unknown, b: unknown): boolean {
  if ((typeof a !== 'string' && typeof a !== 'number') || (typeof b !== 'string' && typeof b !== 'number')) return false;
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  return x !== undefined && y !== undefined && x.num * y.den === y.num * x.den;
}

function isEmptyValue(v: unknown): boolean {
  if (v === null || v === undefined || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return isPlainObject(v) && Object.keys(v).length === 0;
}

/** `.name` for identifier-like keys, `["istio.io/rev"]` for the others. */
function keyPath(field: string, key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${field}.${key}` : `${field}[${JSON.stringify(key)}]`;
}

/** List items are named by their `name` (as elsewhere in the suite), else by index. */
function itemPath(field: string, item: unknown, index: number): string {
  return isPlainObject(item) && typeof item.name === 'string' ? `${field}[${item.name}]` : `${field}[${index}]`;
}

function walk(sent: unknown, stored: unknown, field: string, out: FieldDifference[]): void {
  if (isEmptyValue(sent)) {
    // Nothing to own: server-side apply treats null as "not set", and empty values are dropped.
    if (sent === null || sent === undefined || isEmptyValue(stored)) return;
    out.push({ field, sent, stored });
    return;
  }
  if (Array.isArray(sent)) {
    if (!Array.isArray(stored) || stored.length !== sent.length) {
      out.push({ field, sent, stored });
      return;
    }
    sent.forEach((item, i) => walk(item, stored[i], itemPath(field, item, i), out));
    return;
  }
  if (isPlainObject(sent)) {
    if (!isPlainObject(stored)) {
      out.push({ field, sent, stored });
      return;
    }
    for (const [k, v] of Object.entries(sent)) walk(v, stored[k], keyPath(field, k), out);
    return;
  }
  if (sent !== stored) out.push(sameQuantity(sent, stored) ? { field, sent, stored, sameQuantity: true } : { field, sent, stored });
}

/**
 * Every field of `sent` whose value the server did not store as sent, ignoring what the server added
 * and the top-level `status`.
 */
export function compareStored(sent: K8sObject, stored: K8sObject): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const [k, v] of Object.entries(sent)) {
    if (k === 'status') continue;
    walk(v, (stored as Record<string, unknown>)[k], keyPath('', k), out);
  }
  return out;
}

/** A value as a short one-line string for a failure message. */
export function brief(value: unknown, max = 120): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/**
 * Objects a `kubectl diff` output shows, as `Kind namespace/name` (or `Kind name`). kubectl names the
 * two sides of each object `<group.>version.Kind.namespace.name` in the `diff -u -N LIVE MERGED` line.
 */
export function parseDiffObjects(output: string): string[] {
  const out: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('diff ')) continue;
    const base = line.trim().split(/\s+/).pop()!.split('/').pop()!;
    const m = /^(?:.+\.)?v\d+(?:(?:alpha|beta)\d+)?\.([A-Z][A-Za-z0-9]*)\.([a-z0-9-]*)\.(.+)$/.exec(base);
    out.push(m ? (m[2] ? `${m[1]} ${m[2]}/${m[3]}` : `${m[1]} ${m[3]}`) : base);
  }
  return out;
}

/** What the drift check found for one example. */
export interface DriftOutcome {
  readonly name: string;
  /** Objects sent. */
  readonly objects: number;
  /** Objects the server stored (first apply accepted). */
  readonly applied: number;
  /** Stored objects whose every sent field reads back unchanged. */
  readonly storedEqual: number;
  /** Objects a second apply changed or `kubectl diff --server-side` shows. */
  readonly drift: number;
  readonly failures: Failure[];
  /** Fields stored in another but equal form (canonical quantities); not failures. */
  readonly notes: Failure[];
  readonly seconds: number;
}

/**
 * Applies every file of the example for real, then compares stored with sent, re-applies and diffs.
 * Throws only when kubectl itself hangs.
 */
export async function checkDrift(kubectl: Kubectl, repoRoot: string, example: { name: string; files: readonly string[] }): Promise<DriftOutcome> {
  const started = Date.now();
  const failures: Failure[] = [];
  const notes: Failure[] = [];
  let objects = 0;
  let applied = 0;
  let storedEqual = 0;
  const drifted = new Set<string>();
  for (const file of [...example.files].sort()) {
    const rel = relativeFile(repoRoot, file);
    let sent: K8sObject[];
    try {
      sent = readManifests(file);
    } catch (e) {
      failures.push({ file: rel, message: (e as Error).message });
      continue;
    }
    objects += sent.length;

    // 1. Apply for real; the rejected ones are named (the dry-run has named them already too).
    const first = await applyObjects(kubectl, sent, false);
    const kept = sent.filter((o, i) => {
      if (first[i].returned) return true;
      failures.push({ file: rel, object: objectRef(o), message: `not stored by a real server-side apply: ${first[i].message}` });
      return false;
    });
    applied += kept.length;
    if (kept.length === 0) continue;

    // 2. Read back what is stored and compare it with what we sent.
    const got = await kubectl.run(['get', '-o', 'json', '-f', '-'], listInput(kept));
    const stored = matchReturned(kept, got.status === 0 ? parseKubectlJson(got.stdout) : []);
    if (got.status !== 0) failures.push({ file: rel, message: `kubectl get of the applied objects failed: ${errorMessageOf(got.stderr)}` });
    const versions = new Map<string, string | undefined>();
    kept.forEach((o, i) => {
      const s = stored[i];
      if (!s) return;
      versions.set(identity(o), resourceVersionOf(s));
      const diffs = compareStored(o, s);
      if (diffs.every((d) => d.sameQuantity)) storedEqual++;
      for (const d of diffs) {
        const entry = { file: rel, object: objectRef(o), field: d.field, message: `stored ${brief(d.stored)}, sent ${brief(d.sent)}` };
        if (d.sameQuantity) notes.push({ ...entry, message: `${entry.message} (the same quantity in canonical form)` });
        else failures.push(entry);
      }
    });

    // 3. A second apply must be a no-op, and kubectl diff must show nothing.
    const again = await kubectl.run(applyArgs(false), listInput(kept));
    if (again.status !== 0) failures.push({ file: rel, message: `second server-side apply failed: ${errorMessageOf(again.stderr)}` });
    const second = matchReturned(kept, again.status === 0 ? parseKubectlJson(again.stdout) : []);
    kept.forEach((o, i) => {
      const before = versions.get(identity(o));
      const after = second[i] ? resourceVersionOf(second[i]!) : undefined;
      if (before !== undefined && after !== undefined && before !== after) {
        drifted.add(`${rel}|${objectRef(o)}`);
        failures.push({ file: rel, object: objectRef(o), message: `a second identical apply changed resourceVersion ${before} -> ${after} (drift)` });
      }
    });
    const diff = await kubectl.run(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], listInput(kept));
    if (diff.status === 1) {
      for (const ref of parseDiffObjects(diff.stdout)) {
        drifted.add(`${rel}|${ref}`);
        failures.push({ file: rel, object: ref, message: 'kubectl diff --server-side shows a change after apply (drift)' });
      }
    } else if (diff.status !== 0) {
      failures.push({ file: rel, message: `kubectl diff --server-side failed (exit ${diff.status}): ${errorMessageOf(diff.stderr)}` });
    }
  }
  return { name: example.name, objects, applied, storedEqual, drift: drifted.size, failures, notes, seconds: (Date.now() - started) / 1000 };
}

function resourceVersionOf(o: K8sObject): string | undefined {
  const rv = o.metadata.resourceVersion;
  return typeof rv === 'string' ? rv : undefined;
}
