import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { POD_TEMPLATES } from './analyzer/model';
import { describeValue, MeshValidationError } from './errors';

/**
 * Workloads, Services and ServiceAccounts handed to the public API, read structurally from the
 * object they synthesize: a cdk8s-plus construct of any major version (27 through 34), a `k8s`
 * L1 (`KubeDeployment`, ...) or a raw `ApiObject`. Nothing here depends on cdk8s-plus classes.
 */

type Labels = { [key: string]: string };

/** What every accepted input is told, in error messages. */
const ANY_MAJOR = 'cdk8s-plus of any major, a k8s L1 or an ApiObject';

/** A workload kind whose pods can be selected (apps/v1). */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

/** A workload of this app, as synthesized. */
export interface AppWorkload {
  readonly obj: ApiObject;
  readonly kind: WorkloadKind;
  readonly name: string;
  /** metadata.namespace, else the chart's namespace. */
  readonly namespace?: string;
  /** spec.selector.matchLabels. */
  readonly matchLabels: Labels;
  /** spec.selector.matchExpressions, when any. */
  readonly hasMatchExpressions: boolean;
  /** Labels of the pod template. */
  readonly podLabels: Labels;
  /** spec.template.spec.serviceAccountName, else `default`. */
  readonly serviceAccount: string;
  /** spec.template.spec.containers. */
  readonly containers: Array<{ name?: string; image?: string; ports?: Array<{ containerPort?: number }> }>;
  /** spec.replicas. */
  readonly replicas?: number;
  /**
   * Adds a label to the pod template, when the construct can (cdk8s-plus workloads of any major
   * have `podMetadata.addLabel`); undefined for L1s and ApiObjects, whose labels are the user's.
   */
  readonly addPodLabel?: (key: string, value: string) => void;
}

/** A Service of this app, as synthesized. */
export interface AppService {
  readonly obj: ApiObject;
  readonly name: string;
  readonly namespace?: string;
  readonly ports: Array<{ port: number; name?: string }>;
  readonly selector: Labels;
}

/** A ServiceAccount of this app or one imported by name (cdk8s-plus `fromServiceAccountName`). */
export interface AppServiceAccount {
  readonly name: string;
  readonly namespace?: string;
}

/** Whether `x` is a construct (has a `node`). */
function isConstruct(x: unknown): x is IConstruct {
  return !!x && typeof x === 'object' && 'node' in x && typeof (x as IConstruct).node?.path === 'string';
}

/** The API object of a construct (itself when it is one), or undefined when it has none. */
export function apiObjectOf(x: unknown): ApiObject | undefined {
  if (!isConstruct(x)) return undefined;
  if (ApiObject.isApiObject(x)) return x;
  try {
    return ApiObject.of(x);
  } catch {
    return undefined;
  }
}

/** How an input is named in messages: `construct <path> (<apiVersion> <kind> "<name>")`, or its value and type. */
export function describeInput(x: unknown): string {
  if (!isConstruct(x)) return describeValue(x, 'object');
  const obj = apiObjectOf(x);
  return `construct ${x.node.path || '<root>'}${obj ? ` (${obj.apiVersion} ${obj.kind} "${obj.name}")` : ' (no API object)'}`;
}

/**
 * The rendered object. cdk8s-plus renders lazily; a rendering error (e.g. a workload without
 * containers yet) is reported as a validation error of `scope`.
 */
function render(scope: IConstruct, prop: string, obj: ApiObject): any {
  try {
    return obj.toJson();
  } catch (err) {
    throw new MeshValidationError(scope, `'${prop}' ${obj.kind} "${obj.name}" cannot be rendered yet (${(err as Error).message}); ` +
      'finish defining it (containers, ports) before handing it over');
  }
}

function namespaceOf(obj: ApiObject, json: any): string | undefined {
  return json.metadata?.namespace ?? Chart.of(obj).namespace;
}

/**
 * The workload `input` stands for, if its API object is one of `kinds` (apps/v1); otherwise a
 * MeshValidationError of `scope` naming what was passed and what is accepted, ending with `fix`.
 */
export function resolveWorkload(scope: IConstruct, prop: string, input: unknown, kinds: readonly WorkloadKind[], fix: string): AppWorkload {
  const obj = workloadObject(scope, prop, input, kinds, fix);
  const json = render(scope, prop, obj);
  const podSpec = json.spec?.template?.spec ?? {};
  const podMetadata = (input as { podMetadata?: { addLabel?: unknown } }).podMetadata;
  const addLabel = podMetadata && typeof podMetadata.addLabel === 'function' ? podMetadata.addLabel as (k: string, v: string) => void : undefined;
  return {
    obj,
    kind: obj.kind as WorkloadKind,
    name: obj.name,
    namespace: namespaceOf(obj, json),
    matchLabels: { ...(json.spec?.selector?.matchLabels ?? {}) },
    hasMatchExpressions: (json.spec?.selector?.matchExpressions ?? []).length > 0,
    podLabels: { ...(POD_TEMPLATES[obj.kind]?.(json.spec)?.metadata?.labels ?? {}) },
    serviceAccount: podSpec.serviceAccountName ?? podSpec.serviceAccount ?? 'default',
    containers: [...(podSpec.containers ?? [])],
    replicas: json.spec?.replicas,
    addPodLabel: addLabel ? (k, v) => addLabel.call(podMetadata, k, v) : undefined,
  };
}

/** The API object of the workload `input` stands for, checked as in `resolveWorkload` but not rendered. */
export function workloadObject(scope: IConstruct, prop: string, input: unknown, kinds: readonly WorkloadKind[], fix: string): ApiObject {
  const obj = apiObjectOf(input);
  if (!obj || obj.apiVersion !== 'apps/v1' || !(kinds as readonly string[]).includes(obj.kind)) {
    throw new MeshValidationError(scope, `'${prop}' must be a ${kindList(kinds)} of this app (${ANY_MAJOR}), got ${describeInput(input)}; ${fix}`);
  }
  return obj;
}

/** The Service `input` stands for (v1 Service); otherwise a MeshValidationError of `scope`, ending with `fix`. */
export function resolveService(scope: IConstruct, prop: string, input: unknown, fix: string): AppService {
  const obj = apiObjectOf(input);
  if (!obj || obj.apiVersion !== 'v1' || obj.kind !== 'Service') {
    throw new MeshValidationError(scope, `'${prop}' must be a Service of this app (${ANY_MAJOR}), got ${describeInput(input)}; ${fix}`);
  }
  const json = render(scope, prop, obj);
  return {
    obj,
    name: obj.name,
    namespace: namespaceOf(obj, json),
    ports: (json.spec?.ports ?? []).map((p: { port: number; name?: string }) => ({ port: p.port, name: p.name })),
    selector: { ...(json.spec?.selector ?? {}) },
  };
}

/**
 * The ServiceAccount `input` stands for: a v1 ServiceAccount object of this app, or an imported
 * one (cdk8s-plus `ServiceAccount.fromServiceAccountName`, which has no API object but tells its
 * name and namespace as an RBAC subject); otherwise a MeshValidationError of `scope`.
 */
export function resolveServiceAccount(scope: IConstruct, prop: string, input: unknown, fix: string): AppServiceAccount {
  const obj = apiObjectOf(input);
  if (obj && obj.apiVersion === 'v1' && obj.kind === 'ServiceAccount') {
    return { name: obj.name, namespace: namespaceOf(obj, render(scope, prop, obj)) };
  }
  const subject = !obj && isConstruct(input) ? subjectOf(input) : undefined;
  if (subject?.kind === 'ServiceAccount' && typeof subject.name === 'string') {
    return { name: subject.name, namespace: subject.namespace ?? Chart.of(input as IConstruct).namespace };
  }
  throw new MeshValidationError(scope, `'${prop}' must be a ServiceAccount of this app (${ANY_MAJOR}) or one imported with ` +
    `ServiceAccount.fromServiceAccountName(), got ${describeInput(input)}; ${fix}`);
}

function subjectOf(c: IConstruct): { kind?: string; name?: string; namespace?: string } | undefined {
  const toSubject = (c as { toSubjectConfiguration?: unknown }).toSubjectConfiguration;
  if (typeof toSubject !== 'function') return undefined;
  try {
    return toSubject.call(c);
  } catch {
    return undefined;
  }
}

function kindList(kinds: readonly string[]): string {
  return kinds.length === 1 ? kinds[0] : `${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}`;
}
