/**
 * Admission emulation for synthesized objects, usable from the conformance suite and from jest.
 *
 * - Istio kinds: the `openAPIV3Schema` of the CRD version the object uses (our CRD asset,
 *   lib/imports/istio-crds.ts) compiled with ajv, then every `x-kubernetes-validations` CEL rule on
 *   the nodes present in the object (see k8s-cel.ts). Unknown fields are errors: the API server
 *   prunes them from structural schemas and `kubectl apply` (strict field validation, the default
 *   since Kubernetes 1.27) rejects the object; `x-kubernetes-preserve-unknown-fields` opts out.
 * - Core kinds: kubernetes-models 4.x validators (see core-schemas.ts).
 * - Every object: the API server's metadata rules (name, namespace, label and annotation syntax).
 *
 * Problems name the object (`Kind namespace/name`) and the field (`.spec.http[0].route`; list items
 * that have a `name` are shown by name, `.spec.template.spec.containers[discovery].image`).
 */
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ajvMessage, coreModel, kubernetesModelsAvailable, RawProblem, validateCore, validateMetadata } from './core-schemas';
import { childSchema, compileRule, evaluateRule, Schema, toCelValue } from './k8s-cel';
import { loadThirdPartyCrds } from './third-party-crds';
import { ISTIO_CRDS_JSON } from '../lib/imports/istio-crds';

/** One schema problem, in the shape of the conformance report's `Failure`. */
export interface SchemaProblem {
  readonly file?: string;
  readonly object: string;
  readonly field?: string;
  readonly message: string;
}

/** A CEL rule of a CRD that this validator cannot evaluate, and why. */
export interface CelRuleIssue {
  /** `Kind group/version` of the CRD version holding the rule. */
  readonly crd: string;
  /** Schema location of the rule, e.g. `.spec.rules[].from[].source`. */
  readonly schemaPath: string;
  readonly rule: string;
  readonly reason: string;
}

/** Result of validating one object. */
export interface ObjectValidation {
  readonly file?: string;
  readonly object: string;
  /** What validated it; `none` means it could not be validated (see `unvalidatedReason`). */
  readonly validatedBy: 'crd' | 'kubernetes-models' | 'none';
  readonly unvalidatedReason?: string;
  /** API group of an object that could not be validated (`''` for the core group). */
  readonly group?: string;
  readonly problems: SchemaProblem[];
  /** CEL rules evaluated on this object (rule × node). */
  readonly celEvaluated: number;
  /** Rules present on this object's nodes that were not evaluated (unsupported function, transition rule). */
  readonly celNotEvaluated: Array<CelRuleIssue & { field: string }>;
}

/** Minimal shape of a CustomResourceDefinition. */
interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    versions: Array<{ name: string; served: boolean; schema?: { openAPIV3Schema: Schema } }>;
  };
}

type Obj = Record<string, unknown>;

/** `Kind namespace/name`, or `Kind name` for cluster-scoped objects. */
export function describeObject(obj: unknown): string {
  const o = (obj ?? {}) as Obj;
  const meta = (o.metadata ?? {}) as Obj;
  const name = String(meta.name ?? meta.generateName ?? '<unnamed>');
  return `${String(o.kind ?? '<no kind>')} ${meta.namespace ? `${String(meta.namespace)}/` : ''}${name}`;
}

/** Renders a JSON pointer inside `obj` as `.a.b[0].c`, naming list items by their `name` when they have one. */
export function pointerToField(pointer: string, obj: unknown): string {
  if (pointer === '') return '';
  let cur: unknown = obj;
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      const item = cur[Number(seg)] as Obj | undefined;
      const name = item && typeof item === 'object' ? item.name : undefined;
      out += typeof name === 'string' && /^[A-Za-z][\w.-]*$/.test(name) ? `[${name}]` : `[${seg}]`;
    } else {
      out += /^[A-Za-z_$][\w$-]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
    }
    cur = cur && typeof cur === 'object' ? (cur as Obj)[seg] : undefined;
  }
  return out;
}

/** Validates Kubernetes objects like the API server's admission of a create request would. */
export class SchemaValidator {
  /** A shared validator for the Istio 1.30.3 CRDs of lib/imports/istio-crds.ts. */
  public static istio(): SchemaValidator {
    if (!SchemaValidator.shared) SchemaValidator.shared = new SchemaValidator(JSON.parse(ISTIO_CRDS_JSON) as Crd[]);
    return SchemaValidator.shared;
  }

  /**
   * The Istio CRDs plus the third-party CRDs of `third-party-crds.ts` (Prometheus Operator, Argo
   * Rollouts, Flagger, cert-manager), which need Go to fetch.
   */
  public static withThirdParty(): SchemaValidator {
    if (!SchemaValidator.sharedAll) {
      SchemaValidator.sharedAll = new SchemaValidator([...JSON.parse(ISTIO_CRDS_JSON) as Crd[], ...loadThirdPartyCrds() as Crd[]]);
    }
    return SchemaValidator.sharedAll;
  }

  private static shared?: SchemaValidator;
  private static sharedAll?: SchemaValidator;

  private readonly crds = new Map<string, Crd>();
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly ajv: Ajv;

  constructor(crds: unknown[]) {
    for (const c of crds as Crd[]) this.crds.set(`${c.spec.group}/${c.spec.names.kind}`, c);
    this.ajv = new Ajv({ strict: false, allErrors: true, verbose: true, formats: KUBERNETES_FORMATS });
    this.ajv.addKeyword({ keyword: 'x-kubernetes-list-type', validate: listTypeValidator(), errors: true });
  }

  /** True when a CRD schema is known for this apiVersion's group and kind. */
  public hasCrd(apiVersion: string, kind: string): boolean {
    return this.crds.has(`${groupOf(apiVersion)}/${kind}`);
  }

  /** Validates one object (a parsed YAML document). */
  public validateObject(obj: unknown, file?: string): ObjectValidation {
    const object = describeObject(obj);
    const base = { file, object, celEvaluated: 0, celNotEvaluated: [] as ObjectValidation['celNotEvaluated'] };
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
      return { ...base, validatedBy: 'none', problems: [{ file, object, message: 'document is not an object' }] };
    }
    const o = obj as Obj;
    const problem = (p: RawProblem): SchemaProblem => ({ file, object, field: pointerToField(p.pointer, o) || undefined, message: p.message });
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
      return { ...base, validatedBy: 'none', problems: [{ file, object, message: 'apiVersion and kind are required' }] };
    }
    const metadata = validateMetadata(o).map(problem);
    const crd = this.crds.get(`${groupOf(o.apiVersion)}/${o.kind}`);
    if (crd) {
      const r = this.validateCustom(crd, o);
      return {
        ...base,
        validatedBy: 'crd',
        problems: [...metadata, ...r.problems.map(problem)],
        celEvaluated: r.celEvaluated,
        celNotEvaluated: r.celNotEvaluated.map((i) => ({ ...i, field: pointerToField(i.pointer, o) })),
      };
    }
    const model = coreModel(o.apiVersion, o.kind);
    if (model) return { ...base, validatedBy: 'kubernetes-models', problems: [...metadata, ...validateCore(model, o).map(problem)] };
    const unvalidatedReason = kubernetesModelsAvailable() || groupOf(o.apiVersion).includes('.')
      ? `no schema known for ${o.apiVersion} ${o.kind} (not an Istio CRD, not in kubernetes-models 4.x)`
      : 'kubernetes-models 4.x is not installed (npm install --no-save kubernetes-models@4): core kinds not validated';
    return { ...base, validatedBy: 'none', unvalidatedReason, group: groupOf(o.apiVersion), problems: metadata };
  }

  /** Validates many objects (e.g. every document of a synthesized file). */
  public validateAll(docs: unknown[], file?: string): ObjectValidation[] {
    return docs.filter((d) => d !== null && d !== undefined).map((d) => this.validateObject(d, file));
  }

  /**
   * Every CEL rule of every served CRD version, compiled: how many there are, and those that cannot
   * be evaluated here (unsupported function, parse error) or are transition rules (not run on create).
   */
  public celInventory(): { rules: number; notEvaluable: CelRuleIssue[]; transition: CelRuleIssue[] } {
    let rules = 0;
    const notEvaluable: CelRuleIssue[] = [];
    const transition: CelRuleIssue[] = [];
    for (const crd of this.crds.values()) {
      for (const v of crd.spec.versions.filter((x) => x.served && x.schema)) {
        const where = `${crd.spec.names.kind} ${crd.spec.group}/${v.name}`;
        forEachRule(v.schema!.openAPIV3Schema, '', (schemaPath, rule) => {
          rules++;
          const c = compileRule(rule);
          if (!c.ok) notEvaluable.push({ crd: where, schemaPath, rule, reason: c.reason });
          else if (c.transition) transition.push({ crd: where, schemaPath, rule, reason: 'transition rule (reads oldSelf): not run on create' });
        });
      }
    }
    return { rules, notEvaluable, transition };
  }

  private validateCustom(crd: Crd, o: Obj): {
    problems: RawProblem[]; celEvaluated: number; celNotEvaluated: Array<CelRuleIssue & { pointer: string }>;
  } {
    const version = String(o.apiVersion).split('/')[1];
    const v = crd.spec.versions.find((x) => x.name === version);
    const where = `${crd.spec.names.kind} ${crd.spec.group}/${version}`;
    if (!v || !v.served || !v.schema) {
      const served = crd.spec.versions.filter((x) => x.served).map((x) => x.name).join(', ');
      return { problems: [{ pointer: '/apiVersion', message: `${where} is not served by the CRD (served: ${served})` }], celEvaluated: 0, celNotEvaluated: [] };
    }
    const key = `${crd.spec.group}/${version}/${crd.spec.names.kind}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(structuralForAjv(v.schema.openAPIV3Schema));
      this.compiled.set(key, validate);
    }
    const pruned = pruneNulls(v.schema.openAPIV3Schema, o);
    const problems: RawProblem[] = validate(pruned) ? [] : readableErrors(validate.errors ?? []);
    const cel = { problems, celEvaluated: 0, celNotEvaluated: [] as Array<CelRuleIssue & { pointer: string }> };
    runCel(v.schema.openAPIV3Schema, pruned, '', '', where, cel);
    return cel;
  }
}

/**
 * Drops `null` values of fields that are not `nullable`, as the API server does before validating
 * a custom resource (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#defaulting-and-nullable).
 */
function pruneNulls(s: Schema | undefined, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => pruneNulls(s?.items, x));
  if (!v || typeof v !== 'object') return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v as Obj)) {
    const cs = childSchema(s, k);
    if (x === null && !cs?.nullable) continue;
    out[k] = pruneNulls(cs, x);
  }
  return out;
}

/** Formats the API server validates for CRDs, as used by the Istio CRDs; numeric formats are not enforced. */
const KUBERNETES_FORMATS = {
  'int32': { type: 'number' as const, validate: () => true },
  'int64': { type: 'number' as const, validate: () => true },
  'double': { type: 'number' as const, validate: () => true },
  'float': { type: 'number' as const, validate: () => true },
  'byte': /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
};

/** ajv keyword for `x-kubernetes-list-type`: `set` items unique, `map` items unique by their map keys. */
function listTypeValidator(): (schema: string, data: unknown, parent?: Schema) => boolean {
  const fn = (schema: string, data: unknown, parent?: Schema): boolean => {
    (fn as { errors?: Partial<ErrorObject>[] }).errors = [];
    if (!Array.isArray(data) || (schema !== 'set' && schema !== 'map')) return true;
    const keyOf = (item: unknown): string => schema === 'set'
      ? JSON.stringify(item)
      : JSON.stringify((parent?.['x-kubernetes-list-map-keys'] ?? []).map((k) => (item as Obj)?.[k]));
    const seen = new Set<string>();
    for (const item of data) {
      const k = keyOf(item);
      if (seen.has(k)) {
        const what = schema === 'set' ? 'items' : `items by ${JSON.stringify(parent?.['x-kubernetes-list-map-keys'])}`;
        (fn as { errors?: Partial<ErrorObject>[] }).errors = [{ keyword: 'x-kubernetes-list-type', message: `duplicate entry ${k}: ${what} must be unique` }];
        return false;
      }
      seen.add(k);
    }
    return true;
  };
  return fn;
}

/**
 * A copy of a structural schema for ajv: objects with `properties` are closed (unknown fields are
 * errors) unless `x-kubernetes-preserve-unknown-fields`; the root accepts apiVersion, kind, metadata.
 */
function structuralForAjv(root: Schema): Schema {
  const close = (s: Schema): Schema => {
    const out: Schema = { ...s };
    if (s.properties) {
      out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, close(v)]));
      if (s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
    }
    if (s.items) out.items = close(s.items);
    if (typeof s.additionalProperties === 'object') out.additionalProperties = close(s.additionalProperties);
    return out;
  };
  const closed = close(root);
  closed.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...closed.properties };
  return closed;
}

/** ajv errors as readable problems: combinator branches folded into one line, unknown fields named. */
function readableErrors(errors: ErrorObject[]): RawProblem[] {
  const out: RawProblem[] = [];
  for (const e of errors) {
    if (/\/(oneOf|anyOf|allOf)\/\d+\//.test(e.schemaPath) || /\/not\//.test(e.schemaPath) || e.keyword === 'if') continue;
    const p = e.params as Record<string, unknown>;
    if (e.keyword === 'additionalProperties') {
      out.push({ pointer: `${e.instancePath}/${String(p.additionalProperty)}`, message: 'unknown field (not in the CRD schema; the API server prunes it and kubectl rejects it)' });
    } else if (e.keyword === 'oneOf' || e.keyword === 'anyOf') {
      out.push({ pointer: e.instancePath, message: combinatorMessage(e) });
    } else {
      out.push({ pointer: e.instancePath, message: ajvMessage(e) });
    }
  }
  return out;
}

/** Istio's oneOf encodes "at most one of these fields"; int-or-string is an anyOf of integer and string. */
function combinatorMessage(e: ErrorObject): string {
  const parent = e.parentSchema as Schema | undefined;
  if (parent?.['x-kubernetes-int-or-string']) return `must be an integer or a string, got ${JSON.stringify(e.data)}`;
  const branches = (parent?.[e.keyword] ?? []) as Schema[];
  const fields = [...new Set(branches.flatMap((b) => b.required ?? []))];
  const set = fields.filter((f) => e.data && typeof e.data === 'object' && f in (e.data as Obj));
  if (fields.length === 0) return ajvMessage(e);
  return e.keyword === 'oneOf'
    ? `at most one of ${fields.join(', ')} may be set (found ${set.join(', ') || 'none'})`
    : `at least one of ${fields.join(', ')} must be set`;
}

/** Calls `fn(schemaPath, rule)` for every CEL rule of a schema. */
function forEachRule(s: Schema, path: string, fn: (schemaPath: string, rule: string) => void): void {
  for (const r of s['x-kubernetes-validations'] ?? []) fn(path || '.', r.rule);
  for (const [k, v] of Object.entries(s.properties ?? {})) forEachRule(v, `${path}.${k}`, fn);
  if (s.items) forEachRule(s.items, `${path}[]`, fn);
  if (typeof s.additionalProperties === 'object') forEachRule(s.additionalProperties, `${path}[*]`, fn);
}

function typeMatches(s: Schema, v: unknown): boolean {
  switch (s.type) {
    case 'object': return !!v && typeof v === 'object' && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string' || (s['x-kubernetes-int-or-string'] === true && Number.isInteger(v));
    case 'integer': return Number.isInteger(v);
    case 'number': return typeof v === 'number';
    case 'boolean': return typeof v === 'boolean';
    default: return true;
  }
}

/** Walks schema and value together, evaluating the rules of every node present in the value. */
function runCel(s: Schema, v: unknown, pointer: string, schemaPath: string, where: string, acc: {
  problems: RawProblem[]; celEvaluated: number; celNotEvaluated: Array<CelRuleIssue & { pointer: string }>;
}): void {
  if (v === undefined || v === null || !typeMatches(s, v)) return;
  const rules = s['x-kubernetes-validations'] ?? [];
  const self = rules.length > 0 ? toCelValue(s, v) : undefined;
  for (const r of rules) {
    const c = compileRule(r.rule);
    const issue = { crd: where, schemaPath: schemaPath || '.', rule: r.rule, pointer };
    if (!c.ok) {
      acc.celNotEvaluated.push({ ...issue, reason: c.reason });
      continue;
    }
    if (c.transition) {
      acc.celNotEvaluated.push({ ...issue, reason: 'transition rule (reads oldSelf): not run on create' });
      continue;
    }
    acc.celEvaluated++;
    const out = evaluateRule(c, self);
    const at = `${pointer}${r.fieldPath ? fieldPathToPointer(r.fieldPath) : ''}`;
    if (out.result === 'fail') acc.problems.push({ pointer: at, message: `${r.message ?? 'failed rule'} (CEL: ${oneLine(r.rule)})` });
    if (out.result === 'error') acc.problems.push({ pointer: at, message: `CEL rule errored, the API server rejects the object: ${out.message} (CEL: ${oneLine(r.rule)})` });
  }
  if (Array.isArray(v)) {
    if (s.items) v.forEach((x, i) => runCel(s.items!, x, `${pointer}/${i}`, `${schemaPath}[]`, where, acc));
  } else if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Obj)) {
      const cs = childSchema(s, k);
      const sp = s.properties && k in s.properties ? `${schemaPath}.${k}` : `${schemaPath}[*]`;
      if (cs) runCel(cs, x, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, sp, where, acc);
    }
  }
}

/** `.spec.foo['bar']` (a rule's fieldPath) as a JSON pointer suffix. */
function fieldPathToPointer(fieldPath: string): string {
  return fieldPath.replace(/\[['"]([^'"]*)['"]\]/g, '.$1').split('.').filter(Boolean).map((s) => `/${s}`).join('');
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ');
}
