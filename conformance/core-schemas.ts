/**
 * Validation of core Kubernetes objects (Deployment, Service, RBAC, webhooks, CRDs...) with the
 * validators of `kubernetes-models` 4.x (Kubernetes OpenAPI schemas compiled with ajv; v4 is the
 * last major that runs on Node 20), plus the metadata rules the API server applies to every object.
 *
 * What kubernetes-models checks: types, required fields, enums, formats (quantity, int-or-string,
 * date-time, byte...). What it does not: unknown fields (the Kubernetes OpenAPI schemas do not close
 * objects), and server-side semantic validation (e.g. selector must match template labels).
 */
import type { ErrorObject } from 'ajv';
import { ajvMessage } from '../lib/private/schema/crd-validator';

/** A problem inside one object, with the field as a JSON pointer (`/spec/replicas`). */
export interface RawProblem {
  readonly pointer: string;
  readonly message: string;
}

type ModelClass = new (data: unknown) => { validate(): void };

let modelsAvailable: boolean | undefined;

/** True when `kubernetes-models` can be loaded (it is needed for core kinds). */
export function kubernetesModelsAvailable(): boolean {
  if (modelsAvailable === undefined) {
    try {
      require.resolve('kubernetes-models/v1');
      modelsAvailable = true;
    } catch {
      modelsAvailable = false;
    }
  }
  return modelsAvailable;
}

/** The kubernetes-models class for an apiVersion/kind, or undefined when it has none. */
export function coreModel(apiVersion: string, kind: string): ModelClass | undefined {
  if (!kubernetesModelsAvailable() || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion)) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(`kubernetes-models/${apiVersion}`) as Record<string, unknown>;
    const cls = mod[kind];
    return typeof cls === 'function' ? (cls as ModelClass) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Validates a core object with its kubernetes-models class; returns the schema problems. The errors
 * of the alternatives of a oneOf (int-or-string, quantity) are folded into one line per field.
 */
export function validateCore(model: ModelClass, obj: Record<string, unknown>): RawProblem[] {
  try {
    new model(obj).validate();
    return [];
  } catch (e) {
    const errors = (e as { errors?: ErrorObject[] }).errors;
    if (!errors) return [{ pointer: '', message: (e as Error).message }];
    const withData = errors.map((err) => ({ ...err, data: err.data ?? atPointer(obj, err.instancePath) }));
    const folded = new Set(withData.filter((err) => err.keyword === 'oneOf' || err.keyword === 'anyOf').map((err) => err.instancePath));
    const out: RawProblem[] = [];
    for (const pointer of folded) {
      const alternatives = withData.filter((err) => err.instancePath === pointer && err.keyword !== 'oneOf' && err.keyword !== 'anyOf');
      const got = JSON.stringify(atPointer(obj, pointer));
      out.push({ pointer, message: `matches none of the alternatives (${alternatives.map((a) => ajvMessage(a).replace(/, got .*$/, '')).join(' | ')}), got ${got}` });
    }
    for (const err of withData.filter((x) => !folded.has(x.instancePath))) out.push({ pointer: err.instancePath, message: ajvMessage(err) });
    return out;
  }
}

/** The value at a JSON pointer. */
export function atPointer(obj: unknown, pointer: string): unknown {
  let cur = obj;
  for (const seg of pointer.split('/').slice(1)) {
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return cur;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * The metadata rules of the API server (apimachinery ValidateObjectMeta) that apply to every
 * object: name present and a DNS-1123 subdomain, namespace a DNS-1123 label, label keys/values and
 * annotation keys well-formed, annotations at most 256 KiB in total.
 */
export function validateMetadata(obj: Record<string, unknown>): RawProblem[] {
  const out: RawProblem[] = [];
  const meta = obj.metadata as Record<string, unknown> | undefined;
  if (!meta || typeof meta !== 'object') return [{ pointer: '/metadata', message: 'missing metadata' }];
  const name = meta.name;
  if (typeof name !== 'string' || name === '') {
    if (typeof meta.generateName !== 'string') out.push({ pointer: '/metadata/name', message: 'name or generateName is required' });
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    out.push({ pointer: '/metadata/name', message: `${JSON.stringify(name)} is not a DNS-1123 subdomain (lowercase alphanumerics, '-', '.')` });
  }
  const ns = meta.namespace;
  if (ns !== undefined && (typeof ns !== 'string' || ns.length > 63 || !DNS1123_LABEL.test(ns))) {
    out.push({ pointer: '/metadata/namespace', message: `${JSON.stringify(ns)} is not a DNS-1123 label` });
  }
  for (const [key, value] of Object.entries((meta.labels ?? {}) as Record<string, unknown>)) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) out.push({ pointer: `/metadata/labels/${escapePointer(key)}`, message: `label key ${keyProblem}` });
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      out.push({ pointer: `/metadata/labels/${escapePointer(key)}`, message: `invalid label value ${JSON.stringify(value)}` });
    }
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries((meta.annotations ?? {}) as Record<string, unknown>)) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) out.push({ pointer: `/metadata/annotations/${escapePointer(key)}`, message: `annotation key ${keyProblem}` });
    if (typeof value !== 'string') out.push({ pointer: `/metadata/annotations/${escapePointer(key)}`, message: 'annotation value must be a string' });
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (annotationBytes > 256 * 1024) out.push({ pointer: '/metadata/annotations', message: `annotations total ${annotationBytes} bytes, > 256 KiB` });
  return out;
}

/** Why a label/annotation key is invalid (`[prefix/]name`), or undefined when it is valid. */
function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return `${JSON.stringify(key)} has more than one '/'`;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return `${JSON.stringify(key)}: prefix is not a DNS-1123 subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return `${JSON.stringify(key)}: name must be 1-63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`;
  }
  return undefined;
}

/** Escapes a JSON pointer segment. */
export function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}
