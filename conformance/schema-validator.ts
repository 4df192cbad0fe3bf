/**
 * Admission emulation for synthesized objects, usable from the conformance suite and from jest.
 *
 * - Custom resources (Istio's, and the third-party CRDs of third-party-crds.ts): the library's
 *   `CrdValidator` (lib/private/schema/crd-validator.ts): the `openAPIV3Schema` of the CRD version
 *   the object uses with unknown fields as errors, then every `x-kubernetes-validations` CEL rule on
 *   the nodes present in the object. The analyzer's IST0106 runs the same code at synth time.
 * - Core kinds: kubernetes-models 4.x validators (see core-schemas.ts).
 * - Every object: the API server's metadata rules (name, namespace, label and annotation syntax).
 *
 * Problems name the file, the object (`Kind namespace/name`) and the field (`.spec.http[0].route`;
 * list items that have a `name` are shown by name, `.spec.template.spec.containers[discovery].image`).
 */
import { coreModel, kubernetesModelsAvailable, RawProblem, validateCore, validateMetadata } from './core-schemas';
import { loadThirdPartyCrds } from './third-party-crds';
import { CelInventory, CelRuleIssue, CrdValidator, pointerToField } from '../lib/private/schema/crd-validator';

export type { CelRuleIssue };

/** One schema problem, in the shape of the conformance report's `Failure`. */
export interface SchemaProblem {
  readonly file?: string;
  readonly object: string;
  readonly field?: string;
  readonly message: string;
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

type Obj = Record<string, unknown>;

/** `Kind namespace/name`, or `Kind name` for cluster-scoped objects. */
export function describeObject(obj: unknown): string {
  const o = (obj ?? {}) as Obj;
  const meta = (o.metadata ?? {}) as Obj;
  const name = String(meta.name ?? meta.generateName ?? '<unnamed>');
  return `${String(o.kind ?? '<no kind>')} ${meta.namespace ? `${String(meta.namespace)}/` : ''}${name}`;
}

/** Validates Kubernetes objects like the API server's admission of a create request would. */
export class SchemaValidator {
  /** A shared validator for the Istio 1.30.3 CRDs of lib/imports/istio-crds.ts. */
  public static istio(): SchemaValidator {
    SchemaValidator.shared ??= new SchemaValidator(CrdValidator.istio());
    return SchemaValidator.shared;
  }

  /**
   * The Istio CRDs plus the third-party CRDs of `third-party-crds.ts` (Prometheus Operator, Argo
   * Rollouts, Flagger, cert-manager), which need Go to fetch.
   */
  public static withThirdParty(): SchemaValidator {
    SchemaValidator.sharedAll ??= new SchemaValidator(CrdValidator.istio().extend(loadThirdPartyCrds()));
    return SchemaValidator.sharedAll;
  }

  private static shared?: SchemaValidator;
  private static sharedAll?: SchemaValidator;

  private readonly crds: CrdValidator;

  /** @param crds CustomResourceDefinition objects, or a `CrdValidator` built from them. */
  constructor(crds: unknown[] | CrdValidator) {
    this.crds = crds instanceof CrdValidator ? crds : new CrdValidator(crds);
  }

  /** True when a CRD schema is known for this apiVersion's group and kind. */
  public hasCrd(apiVersion: string, kind: string): boolean {
    return this.crds.hasCrd(apiVersion, kind);
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
    const custom = this.crds.validate(o);
    if (custom) {
      return {
        ...base,
        validatedBy: 'crd',
        problems: [...metadata, ...custom.problems.map((p) => ({ file, object, field: p.field, message: p.message }))],
        celEvaluated: custom.celEvaluated,
        celNotEvaluated: custom.celNotEvaluated,
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
  public celInventory(): CelInventory {
    return this.crds.celInventory();
  }
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}
