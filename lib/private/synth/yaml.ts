/**
 * YAML exactly as cdk8s' `Yaml.stringify` writes it (the `yaml` package, YAML 1.1 schema,
 * `lineWidth: 0`, block style, 2-space indent, sequences indented under their key), emitted
 * directly for the documents Kubernetes objects are made of, about 5x faster.
 *
 * Only what is certain is emitted here: maps and sequences of strings, finite numbers and
 * booleans. A single-line string is written plain when the `yaml` package would write it plain
 * (the same indicator, comment and schema tests it applies); otherwise its quoted form is asked
 * from `Yaml.stringify` itself; either is remembered per distinct string. A multi-line value (a
 * block scalar, whose lines depend on the indentation) is asked from `Yaml.stringify` at the same
 * depth, once per string and depth. Anything else (null, a multi-line key or one starting like a
 * document marker, a block scalar keeping its trailing newlines, a very long key, an object used
 * twice in one document, which `yaml` writes as an anchor and alias) makes the whole document go
 * through `Yaml.stringify`. test/private/synth-yaml.test.ts compares both on generated documents and on
 * every object of every example.
 */
import * as path from 'path';
import { Yaml } from 'cdk8s';

/** Characters and positions that keep a scalar from being plain (the `yaml` package's own test). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** Characters only a double-quoted scalar can hold. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
/** Document markers: `yaml` treats these strings differently at the top level. */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
/** Longest key written as an implicit key. */
const MAX_IMPLICIT_KEY = 1024;

/** Signals that a document is left to `Yaml.stringify`. */
class NotFast extends Error {}
const NOT_FAST = new NotFast();

/**
 * The tests of the YAML 1.1 schema's non-string tags (bool, int, float, null, timestamp, merge) of
 * the `yaml` package cdk8s uses: a plain string matching one would read back as another type, so
 * `yaml` quotes it. Undefined when that package does not expose them as expected: then nothing is
 * emitted here.
 */
const NON_STRING_TESTS: RegExp[] | undefined = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const yaml = require(require.resolve('yaml', { paths: [path.dirname(require.resolve('cdk8s'))] }));
    const tags = new yaml.Document(undefined, { version: '1.1' }).schema.tags as Array<{ default?: unknown; tag?: string; test?: unknown }>;
    const tests = tags.filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test instanceof RegExp).map((t) => t.test as RegExp);
    return tests.length > 0 ? tests : undefined;
  } catch {
    return undefined;
  }
})();

/**
 * Scalar forms of the strings seen so far (keys, names and label values repeat across objects);
 * bounded, so an app of unique strings does not grow it without limit.
 */
const scalars = new Map<string, string>();
const MAX_REMEMBERED = 200_000;

function scalarString(s: string): string {
  let out = scalars.get(s);
  if (out === undefined) {
    out = scalarStringOf(s);
    if (scalars.size < MAX_REMEMBERED) scalars.set(s, out);
  }
  return out;
}

function scalarStringOf(s: string): string {
  if (s.includes('\n') || DOCUMENT_MARKER.test(s)) throw NOT_FAST;
  if (!NOT_PLAIN.test(s) && !CONTROL.test(s) && !NON_STRING_TESTS!.some((t) => t.test(s))) return s;
  const q = Yaml.stringify(s);
  // A single-line scalar document: the scalar and one newline.
  if (q.indexOf('\n') !== q.length - 1) throw NOT_FAST;
  return q.slice(0, -1);
}

/** Forms of multi-line (or document-marker) values by depth and string. */
const deepValues = new Map<string, string>();

/**
 * A string value (of a map entry or a sequence item) whose own lines are indented by `inner`: a
 * single-line string as `scalarString`; a multi-line one as `Yaml.stringify` writes it at that
 * indentation, read from a document that nests it as deep.
 */
function valueString(s: string, inner: string): string {
  if (!s.includes('\n') && !DOCUMENT_MARKER.test(s)) return scalarString(s);
  const key = `${inner.length}\u0000${s}`;
  let out = deepValues.get(key);
  if (out === undefined) {
    const depth = inner.length / 2 - 1;
    let doc: Record<string, unknown> = { v: s };
    for (let i = 0; i < depth; i++) doc = { a: doc };
    const text = Yaml.stringify(doc);
    const marker = `${' '.repeat(2 * depth)}v: `;
    const at = depth === 0 ? 0 : text.indexOf(`\n${marker}`) + 1;
    if (!text.startsWith(marker, at) || !text.endsWith('\n')) throw NOT_FAST;
    out = text.slice(at + marker.length, -1);
    // Keep-chomped block scalars (|+) change how the document ends: left to Yaml.stringify.
    if (/^[|>][0-9]?\+/.test(out)) throw NOT_FAST;
    if (deepValues.size < MAX_REMEMBERED) deepValues.set(key, out);
  }
  return out;
}

/** A scalar value at indentation `inner`, or undefined for a collection. */
function valueScalar(v: unknown, inner: string): string | undefined {
  return typeof v === 'string' ? valueString(v, inner) : scalar(v);
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A scalar, or undefined for a collection. */
function scalar(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string': return scalarString(v);
    case 'number':
      if (!Number.isFinite(v) || Object.is(v, -0)) throw NOT_FAST;
      return String(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'object':
      if (v === null) throw NOT_FAST;
      return undefined;
    default: throw NOT_FAST;
  }
}

class Emitter {
  public out = '';
  private readonly seen = new Set<object>();

  /** A collection that is not empty, at `indent`: its first line continues the current one. */
  public collection(v: object, indent: string): void {
    if (this.seen.has(v)) throw NOT_FAST;
    this.seen.add(v);
    if (Array.isArray(v)) this.sequence(v, indent);
    else this.map(v as Record<string, unknown>, indent);
  }

  private map(m: Record<string, unknown>, indent: string): void {
    if (!isPlainObject(m)) throw NOT_FAST;
    const keys = Object.keys(m);
    const inner = `${indent}  `;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const key = scalarString(k);
      if (key.length > MAX_IMPLICIT_KEY) throw NOT_FAST;
      if (i > 0) this.out += `\n${indent}`;
      this.out += `${key}:`;
      const v = m[k];
      const s = valueScalar(v, inner);
      if (s !== undefined) {
        this.out += ` ${s}`;
      } else if (isEmpty(v as object)) {
        this.out += Array.isArray(v) ? ' []' : ' {}';
      } else {
        this.out += `\n${inner}`;
        this.collection(v as object, inner);
      }
    }
  }

  private sequence(a: unknown[], indent: string): void {
    const inner = `${indent}  `;
    for (let i = 0; i < a.length; i++) {
      if (!(i in a)) throw NOT_FAST;
      if (i > 0) this.out += `\n${indent}`;
      this.out += '- ';
      const v = a[i];
      const s = valueScalar(v, inner);
      if (s !== undefined) this.out += s;
      else if (isEmpty(v as object)) this.out += Array.isArray(v) ? '[]' : '{}';
      else this.collection(v as object, inner);
    }
  }
}

function isEmpty(v: object): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (!isPlainObject(v)) throw NOT_FAST;
  for (const _ in v) return false;
  return true;
}

/** One document as `Yaml.stringify(doc)` writes it. */
export function stringifyDocument(doc: unknown): string {
  if (NON_STRING_TESTS === undefined || doc === null || typeof doc !== 'object' || Array.isArray(doc)) return Yaml.stringify(doc);
  try {
    if (isEmpty(doc)) return Yaml.stringify(doc);
    const e = new Emitter();
    e.collection(doc, '');
    return `${e.out}\n`;
  } catch (err) {
    if (err === NOT_FAST) return Yaml.stringify(doc);
    throw err;
  }
}

/** Documents as `Yaml.stringify(...docs)` writes them: `---` between them, `\n` for an undefined one. */
export function stringifyDocuments(docs: readonly unknown[]): string {
  return docs.map((d) => (d === undefined ? '\n' : stringifyDocument(d))).join('---\n');
}
