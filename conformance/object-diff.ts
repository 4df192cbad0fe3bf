/**
 * Field-level diff of two (normalised) Kubernetes objects, and which differences fail the parity check.
 *
 * Paths are written like `.spec.template.spec.containers[discovery].env[PILOT_CERT_PROVIDER]`:
 * - `.key` for a map key (`["key"]` when the key holds characters other than letters, digits, `_`, `-`);
 * - `[name]` for a list item matched by its key field (see LIST_KEYS: `name`, then `key`, `mountPath`...);
 * - `[3]` for a list item matched by position (lists of maps without a usable key field);
 * - `[=value]` for an element of a list of scalars that is only on one side.
 *
 * Lists of scalars compare as sets (order ignored) except `args` and `command`, where a different
 * order of the same elements is reported as an `order` difference. Lists of maps without a key field
 * compare as multisets first (same items in another order are equal), then by position.
 */
import { isPlainObject } from './manifests';

/** `missing`: in istioctl's output only; `extra`: in ours only; `changed`: both, different; `order`: same elements, other order. */
export type DiffKind = 'missing' | 'extra' | 'changed' | 'order';

/** One field that differs between istioctl's object (reference) and ours. */
export interface FieldDiff {
  /** Path of the field, `(object)` for an object that exists on one side only. */
  readonly path: string;
  readonly kind: DiffKind;
  /** Value in istioctl's output (absent for `extra`). */
  readonly reference?: unknown;
  /** Value in ours (absent for `missing`). */
  readonly ours?: unknown;
}

/** Fields tried, in order, to match the items of a list of maps; the first one that every item has, unique, wins. */
export const LIST_KEYS: readonly string[] = ['name', 'key', 'mountPath', 'containerPort', 'port', 'ip'];

/** Lists of scalars whose order is meaningful. */
const ORDERED_SCALAR_LISTS = new Set(['args', 'command']);

/** Path written for a whole object that exists on one side only. */
export const OBJECT_PATH = '(object)';

/** Compares two values (normally two normalised objects) and returns every difference. */
export function diffValues(reference: unknown, ours: unknown, path = ''): FieldDiff[] {
  const out: FieldDiff[] = [];
  walk(reference, ours, path, out);
  return out;
}

function walk(ref: unknown, ours: unknown, path: string, out: FieldDiff[]): void {
  if (ref === undefined && ours === undefined) return;
  if (ref === undefined) {
    out.push({ path, kind: 'extra', ours });
    return;
  }
  if (ours === undefined) {
    out.push({ path, kind: 'missing', reference: ref });
    return;
  }
  if (isPlainObject(ref) && isPlainObject(ours)) {
    const keys = [...new Set([...Object.keys(ref), ...Object.keys(ours)])].sort();
    for (const k of keys) walk(ref[k], ours[k], `${path}${keySegment(k)}`, out);
    return;
  }
  if (Array.isArray(ref) && Array.isArray(ours)) {
    walkList(ref, ours, path, out);
    return;
  }
  if (!sameValue(ref, ours)) out.push({ path, kind: 'changed', reference: ref, ours });
}

function walkList(ref: unknown[], ours: unknown[], path: string, out: FieldDiff[]): void {
  const allScalars = [...ref, ...ours].every((v) => !isPlainObject(v) && !Array.isArray(v));
  if (allScalars) {
    walkScalarList(ref, ours, path, out);
    return;
  }
  const keyField = listKey(ref, ours);
  if (keyField !== undefined) {
    const refByKey = new Map(ref.map((v) => [String((v as Record<string, unknown>)[keyField]), v]));
    const oursByKey = new Map(ours.map((v) => [String((v as Record<string, unknown>)[keyField]), v]));
    const keys = [...new Set([...refByKey.keys(), ...oursByKey.keys()])];
    for (const k of keys) walk(refByKey.get(k), oursByKey.get(k), `${path}[${k}]`, out);
    return;
  }
  const refCanon = ref.map(canonical);
  const oursCanon = ours.map(canonical);
  if (sameMultiset(refCanon, oursCanon)) return;
  if (ref.length === ours.length) {
    ref.forEach((v, i) => walk(v, ours[i], `${path}[${i}]`, out));
    return;
  }
  const remaining = [...oursCanon];
  ref.forEach((v, i) => {
    const at = remaining.indexOf(refCanon[i]);
    if (at >= 0) remaining.splice(at, 1);
    else out.push({ path: `${path}[${i}]`, kind: 'missing', reference: v });
  });
  const leftover = [...refCanon];
  ours.forEach((v, i) => {
    const at = leftover.indexOf(oursCanon[i]);
    if (at >= 0) leftover.splice(at, 1);
    else out.push({ path: `${path}[${i}]`, kind: 'extra', ours: v });
  });
}

function walkScalarList(ref: unknown[], ours: unknown[], path: string, out: FieldDiff[]): void {
  const refCanon = ref.map(canonical);
  const oursCanon = ours.map(canonical);
  const oursSet = new Set(oursCanon);
  const refSet = new Set(refCanon);
  ref.forEach((v, i) => {
    if (!oursSet.has(refCanon[i])) out.push({ path: `${path}[=${String(v)}]`, kind: 'missing', reference: v });
  });
  ours.forEach((v, i) => {
    if (!refSet.has(oursCanon[i])) out.push({ path: `${path}[=${String(v)}]`, kind: 'extra', ours: v });
  });
  const field = path.slice(path.lastIndexOf('.') + 1);
  if (ORDERED_SCALAR_LISTS.has(field) && sameMultiset(refCanon, oursCanon) && refCanon.join('\u0000') !== oursCanon.join('\u0000')) {
    out.push({ path, kind: 'order', reference: ref, ours });
  }
}

/** The LIST_KEYS field usable to match items of both lists, if any. */
export function listKey(ref: unknown[], ours: unknown[]): string | undefined {
  return LIST_KEYS.find((field) => [ref, ours].every((list) => uniqueScalarField(list, field)));
}

function uniqueScalarField(list: unknown[], field: string): boolean {
  const seen = new Set<string>();
  for (const item of list) {
    if (!isPlainObject(item)) return false;
    const v = item[field];
    if (typeof v !== 'string' && typeof v !== 'number') return false;
    if (seen.has(String(v))) return false;
    seen.add(String(v));
  }
  return true;
}

/** Path segment for a map key. */
export function keySegment(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || canonical(a) === canonical(b);
}

function sameMultiset(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((v, i) => v === sb[i]);
}

/** JSON with sorted map keys, used to compare values regardless of key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isPlainObject(value)) return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
  return value;
}

/** Short one-line rendering of a value for messages (JSON, cut at `max` characters). */
export function preview(value: unknown, max = 140): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : canonical(value);
  return text === undefined ? 'undefined' : text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
