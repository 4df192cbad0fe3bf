/**
 * Admission emulation of custom resources against their CustomResourceDefinition, as the API
 * server applies it to a create request:
 *
 * - the `openAPIV3Schema` of the CRD version the object uses, compiled with ajv. Unknown fields are
 *   errors: the API server prunes them from structural schemas and `kubectl apply` (strict field
 *   validation, the default since Kubernetes 1.27) rejects the object;
 *   `x-kubernetes-preserve-unknown-fields` opts out. `null` values of non-nullable fields are
 *   dropped first, as the API server does.
 * - every `x-kubernetes-validations` CEL rule on the nodes present in the object (see k8s-cel.ts).
 *
 * Used at synth time (the analyzer's IST0106) and by the conformance suite, so the costly parts are
 * paid once per process and only when needed: ajv is loaded on the first object validated, each
 * CRD version's schema is compiled on its first object, and each CEL rule is compiled once
 * (k8s-cel.ts). Caches are module level, keyed by the schema objects, so validators sharing CRD
 * objects (`CrdValidator.istio()` and its `extend()`s) share the compiled code.
 */
import type Ajv from 'ajv';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import { childSchema, compileRule, evaluateRule, Schema, toCelValue } from './k8s-cel';
import { ISTIO_CRDS_JSON } from '../../imports/istio-crds';

/** One problem in an object: where (JSON pointer, and the same as a readable field path) and what. */
export interface CrdProblem {
  /** JSON pointer into the object, e.g. `/spec/http/0/route/0/weight` (`''` for the object itself). */
  readonly pointer: string;
  /** The pointer as a field path, list items named by their `name` (`.spec.http[main].route[0].weight`). */
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

/** Result of validating one custom resource against its CRD. */
export interface CrdValidation {
  readonly problems: CrdProblem[];
  /** CEL rules evaluated on this object (rule × node). */
  readonly celEvaluated: number;
  /** Rules present on this object's nodes that were not evaluated (unsupported function, transition rule). */
  readonly celNotEvaluated: Array<CelRuleIssue & { readonly pointer: string; readonly field: string }>;
}

/** Every CEL rule of the served CRD versions: how many, and those not evaluated on create. */
export interface CelInventory {
  readonly rules: number;
  readonly notEvaluable: CelRuleIssue[];
  readonly transition: CelRuleIssue[];
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

/** A problem before its field path is rendered. */
interface RawProblem {
  readonly pointer: string;
  readonly message: string;
}

/** Validates custom resources against the schemas and CEL rules of their CRDs. */
export class CrdValidator {
  /** A shared validator for the Istio CRDs of lib/imports/istio-crds.ts (parsed on first call). */
  public static istio(): CrdValidator {
    CrdValidator.shared ??= new CrdValidator(JSON.parse(ISTIO_CRDS_JSON) as unknown[]);
    return CrdValidator.shared;
  }

  private static shared?: CrdValidator;

  private readonly crds = new Map<string, Crd>();

  /** @param crds CustomResourceDefinition objects; a later CRD for the same group and kind wins. */
  constructor(crds: readonly unknown[]) {
    for (const c of crds as Crd[]) this.crds.set(`${c.spec.group}/${c.spec.names.kind}`, c);
  }

  /** A validator for these CRDs plus `crds` (which win on the same group and kind); compiled schemas are shared. */
  public extend(crds: readonly unknown[]): CrdValidator {
    return new CrdValidator([...this.crds.values(), ...crds]);
  }

  /** True when a CRD is known for this apiVersion's group and kind. */
  public hasCrd(apiVersion: string, kind: string): boolean {
    return this.crds.has(`${groupOf(apiVersion)}/${kind}`);
  }

  /**
   * Validates one object (as synthesized, or a parsed YAML document) against the CRD of its group
   * and kind; undefined when no CRD is known for it (or it has no string apiVersion and kind).
   */
  public validate(obj: unknown): CrdValidation | undefined {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
    const o = obj as Obj;
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return undefined;
    const crd = this.crds.get(`${groupOf(o.apiVersion)}/${o.kind}`);
    if (!crd) return undefined;
    const r = validateCustom(crd, o);
    return {
      problems: r.problems.map((p) => ({ pointer: p.pointer, field: pointerToField(p.pointer, o) || undefined, message: p.message })),
      celEvaluated: r.celEvaluated,
      celNotEvaluated: r.celNotEvaluated.map((i) => ({ ...i, field: pointerToField(i.pointer, o) })),
    };
  }

  /**
   * Every CEL rule of every served CRD version, compiled: how many there are, and those that cannot
   * be evaluated here (unsupported function, parse error) or are transition rules (not run on create).
   */
  public celInventory(): CelInventory {
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

/** An ajv error (with `data`) as one readable line, with allowed values and missing property names. */
export function ajvMessage(err: ErrorObject): string {
  const p = err.params as Record<string, unknown>;
  const got = err.data === undefined ? '' : `, got ${JSON.stringify(err.data)}`;
  switch (err.keyword) {
    case 'required': return `missing required field "${p.missingProperty}"`;
    case 'enum': return `must be one of ${JSON.stringify(p.allowedValues)}${got}`;
    case 'type': return `must be ${p.type}${got}`;
    case 'format': return `must be a valid ${p.format}${got}`;
    default: return `${err.message ?? err.keyword}${['pattern', 'maximum', 'minimum', 'maxLength', 'minLength'].includes(err.keyword) ? got : ''}`;
  }
}

type CustomResult = { problems: RawProblem[]; celEvaluated: number; celNotEvaluated: Array<CelRuleIssue & { pointer: string }> };

function validateCustom(crd: Crd, o: Obj): CustomResult {
  const version = String(o.apiVersion).split('/')[1];
  const v = crd.spec.versions.find((x) => x.name === version);
  const where = `${crd.spec.names.kind} ${crd.spec.group}/${version}`;
  if (!v || !v.served || !v.schema) {
    const served = crd.spec.versions.filter((x) => x.served).map((x) => x.name).join(', ');
    return { problems: [{ pointer: '/apiVersion', message: `${where} is not served by the CRD (served: ${served})` }], celEvaluated: 0, celNotEvaluated: [] };
  }
  const schema = v.schema.openAPIV3Schema;
  const pruned = applyDefaults(schema, pruneNulls(schema, o));
  const validate = compiled(schema);
  const problems: RawProblem[] = validate(pruned) ? [] : readableErrors(validate.errors ?? []);
  const cel: CustomResult = { problems, celEvaluated: 0, celNotEvaluated: [] };
  runCel(schema, pruned, '', '', where, cel);
  return cel;
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

/**
 * The ajv instance, created on first use: loading ajv costs 20-60 ms, which apps without custom
 * resources never pay. Compile time is what matters (each CRD version used is compiled once per
 * process, so on every synth), so ajv's code optimisation passes and its check of every schema
 * against the JSON Schema meta-schema are off: together they cut compile time 2.5-5x per Istio kind
 * (the Istio schemas are checked against the meta-schema by test/private/crd-validator.test.ts);
 * validation is as fast. `allErrors` and `verbose` (every problem, with its data and schema, for the
 * messages) were measured to cost neither compile time nor time on valid objects, so there is no
 * separate first-error pass.
 */
let ajv: Ajv | undefined;

const AJV_OPTIONS: Options = {
  strict: false,
  allErrors: true,
  verbose: true,
  formats: KUBERNETES_FORMATS,
  validateSchema: false,
  code: { optimize: false },
};

function ajvInstance(): Ajv {
  if (!ajv) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const AjvClass = (require('ajv') as { default: typeof Ajv }).default;
    ajv = new AjvClass(AJV_OPTIONS);
    ajv.addKeyword({ keyword: 'x-kubernetes-list-type', validate: listTypeValidator(), errors: true });
  }
  return ajv;
}

/** Compiled validators per CRD version schema (module level: shared by every validator of the process). */
const validators = new WeakMap<Schema, ValidateFunction>();

function compiled(schema: Schema): ValidateFunction {
  let fn = validators.get(schema);
  if (!fn) {
    fn = ajvInstance().compile(structuralForAjv(schema));
    validators.set(schema, fn);
  }
  return fn;
}

/**
 * Drops `null` values of fields that are not `nullable`, as the API server does before validating
 * a custom resource (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#defaulting-and-nullable).
 * Copies only the parts that change: a value without such nulls (the usual case) is returned as is.
 */
function pruneNulls(s: Schema | undefined, v: unknown): unknown {
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    v.forEach((x, i) => {
      const y = pruneNulls(s?.items, x);
      if (y !== x && !copy) copy = v.slice(0, i);
      copy?.push(y);
    });
    return copy ?? v;
  }
  if (!v || typeof v !== 'object') return v;
  const entries = Object.entries(v as Obj);
  let copy: Obj | undefined;
  entries.forEach(([k, x], i) => {
    const cs = childSchema(s, k);
    const drop = x === null && !cs?.nullable;
    const y = drop ? undefined : pruneNulls(cs, x);
    if ((drop || y !== x) && !copy) {
      copy = {};
      for (const [pk, px] of entries.slice(0, i)) copy[pk] = px;
    }
    if (copy && !drop) copy[k] = y;
  });
  return copy ?? v;
}

/**
 * Sets the schema's `default` on every absent field, as the API server does when it decodes a custom
 * resource, before the OpenAPI and CEL validation: a rule never sees a defaulted field as absent (the
 * Gateway API's rules read `group` and `kind` of references, which default to `""`/`Service` or the
 * Gateway API group/`Gateway`). A default is itself defaulted inside. Copies only the parts that change.
 */
function applyDefaults(s: Schema | undefined, v: unknown): unknown {
  if (!s) return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    v.forEach((x, i) => {
      const y = applyDefaults(s.items, x);
      if (y !== x && !copy) copy = v.slice(0, i);
      copy?.push(y);
    });
    return copy ?? v;
  }
  if (!v || typeof v !== 'object') return v;
  const o = v as Obj;
  let copy: Obj | undefined;
  const set = (k: string, y: unknown): void => {
    copy ??= { ...o };
    copy[k] = y;
  };
  for (const [k, cs] of Object.entries(s.properties ?? {})) {
    if (o[k] === undefined && cs.default !== undefined) set(k, applyDefaults(cs, JSON.parse(JSON.stringify(cs.default))));
  }
  for (const [k, x] of Object.entries(o)) {
    const y = applyDefaults(childSchema(s, k), x);
    if (y !== x) set(k, y);
  }
  return copy ?? o;
}

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

/** Per schema node: whether it or a node below it (properties, items, additionalProperties) has CEL rules. */
const withRules = new WeakMap<Schema, boolean>();

function hasRules(s: Schema): boolean {
  let r = withRules.get(s);
  if (r === undefined) {
    r = (s['x-kubernetes-validations'] ?? []).length > 0
      || Object.values(s.properties ?? {}).some(hasRules)
      || (s.items !== undefined && hasRules(s.items))
      || (typeof s.additionalProperties === 'object' && hasRules(s.additionalProperties));
    withRules.set(s, r);
  }
  return r;
}

/** Walks schema and value together, evaluating the rules of every node present in the value (skips rule-free subtrees). */
function runCel(s: Schema, v: unknown, pointer: string, schemaPath: string, where: string, acc: CustomResult): void {
  if (v === undefined || v === null || !hasRules(s) || !typeMatches(s, v)) return;
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
