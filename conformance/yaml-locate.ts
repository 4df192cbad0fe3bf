/**
 * Finding which object and field a line of a multi-document YAML file belongs to, so that tools that
 * report `file:line` (istioctl analyze) can be turned into `file object field`.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, Node, parseAllDocuments } from 'yaml';
import { keySegment } from './object-diff';

/** Where a line is: the object (`Kind namespace/name`), its 0-based document index and the field path. */
export interface YamlLocation {
  readonly document: number;
  readonly object?: string;
  /** Path like `.spec.http[0].route[0].destination.host`; list items with a `name` are written `[name]`. */
  readonly field?: string;
}

/** Locates 1-based `line` in `text`; undefined when the line is outside every document. */
export function locateLine(text: string, line: number): YamlLocation | undefined {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i];
    const [start, , end] = doc.range;
    if (lineCounter.linePos(start).line > line || lineCounter.linePos(Math.max(start, end - 1)).line < line) continue;
    const value = doc.toJS() as unknown;
    return { document: i, object: describeObject(value), field: doc.contents ? pathAt(doc.contents as Node, line, lineCounter, '') : undefined };
  }
  return undefined;
}

/** Locates the `index`-th (0-based) document of `text`: its object name. */
export function describeDocument(text: string, index: number): string | undefined {
  const docs = parseAllDocuments(text);
  return docs[index] ? describeObject(docs[index].toJS()) : undefined;
}

function describeObject(value: unknown): string | undefined {
  const v = value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
  if (!v || typeof v.kind !== 'string' || typeof v.metadata?.name !== 'string') return undefined;
  return typeof v.metadata.namespace === 'string' ? `${v.kind} ${v.metadata.namespace}/${v.metadata.name}` : `${v.kind} ${v.metadata.name}`;
}

function lineOf(node: { range?: [number, number, number] | null } | null | undefined, lc: LineCounter, which: 0 | 2): number | undefined {
  if (!node?.range) return undefined;
  const offset = which === 0 ? node.range[0] : Math.max(node.range[0], node.range[2] - 1);
  return lc.linePos(offset).line;
}

function covers(node: Node | null | undefined, line: number, lc: LineCounter): boolean {
  const first = lineOf(node, lc, 0);
  const last = lineOf(node, lc, 2);
  return first !== undefined && last !== undefined && first <= line && line <= last;
}

/** Deepest path under `node` whose key (or item) starts on `line`, or that spans it. */
function pathAt(node: Node, line: number, lc: LineCounter, prefix: string): string | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const seg = `${prefix}${keySegment(String(pair.key.value))}`;
      const keyLine = lineOf(pair.key, lc, 0);
      const value = pair.value as Node | null;
      if (keyLine === line) {
        // The key is on the line; go deeper only for flow collections or values continuing on the line.
        return value && (isMap(value) || isSeq(value)) && lineOf(value, lc, 0) === line ? (pathAt(value, line, lc, seg) ?? seg) : seg;
      }
      if (value && covers(value, line, lc)) return pathAt(value, line, lc, seg) ?? seg;
    }
    return undefined;
  }
  if (isSeq(node)) {
    for (let i = 0; i < node.items.length; i++) {
      const item = node.items[i] as Node | null;
      if (!item || !covers(item, line, lc)) continue;
      const js = item.toJSON() as { name?: unknown } | null;
      const seg = js && typeof js === 'object' && (typeof js.name === 'string' || typeof js.name === 'number') ? `${prefix}[${js.name}]` : `${prefix}[${i}]`;
      return pathAt(item, line, lc, seg) ?? seg;
    }
  }
  return undefined;
}

/**
 * Guesses the field a tool message is about when the tool names none: the path of the longest scalar
 * value of `object` (outside metadata, at least 3 characters) that the message quotes as a whole word.
 * Undefined when the message quotes no such value.
 */
export function fieldForMessage(object: unknown, message: string): string | undefined {
  let best: { path: string; score: number } | undefined;
  const visit = (value: unknown, p: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        const name = item && typeof item === 'object' ? (item as { name?: unknown }).name : undefined;
        visit(item, typeof name === 'string' || typeof name === 'number' ? `${p}[${name}]` : `${p}[${i}]`);
      });
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (p === '' && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
        visit(v, `${p}${keySegment(k)}`);
      }
    } else if (value !== null && value !== undefined) {
      const text = String(value);
      const found = text.length >= 3 ? quotes(message, text) : 0;
      // A value the message puts in quotes beats one it merely contains; then the longer one wins.
      const score = found === 0 ? 0 : found * 100000 + text.length;
      if (score > 0 && (!best || score > best.score)) best = { path: p, score };
    }
  };
  visit(object, '');
  return best?.path;
}

/** 2 when `message` quotes `text` ("text" or 'text'), 1 when it holds it as a whole word, else 0. */
function quotes(message: string, text: string): number {
  let found = 0;
  for (let at = message.indexOf(text); at >= 0; at = message.indexOf(text, at + 1)) {
    const before = message[at - 1] ?? ' ';
    const after = message[at + text.length] ?? ' ';
    if (/[A-Za-z0-9]/.test(before) || /[A-Za-z0-9]/.test(after)) continue;
    found = Math.max(found, (before === '"' && after === '"') || (before === '\'' && after === '\'') ? 2 : 1);
  }
  return found;
}

/** The parsed object of the document in `text` named `resource` (`Kind namespace/name` or `Kind name`). */
export function findDocument(text: string, resource: string): unknown {
  for (const doc of parseAllDocuments(text)) {
    const value = doc.toJS() as unknown;
    if (describeObject(value) === resource) return value;
  }
  return undefined;
}

/** The parsed object of the `index`-th (0-based) document in `text`. */
export function documentAt(text: string, index: number): unknown {
  return parseAllDocuments(text)[index]?.toJS();
}
