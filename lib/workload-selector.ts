import { IConstruct } from 'constructs';
import { resolveWorkload, WorkloadKind, workloadObject } from './private/app-objects';
import { MeshValidationError } from './private/errors';

/**
 * What a workload selector resolves to.
 */
export interface WorkloadSelectorConfig {
  /**
   * Pod labels that select the workloads (Istio `selector.matchLabels`, NetworkPolicy
   * `podSelector.matchLabels`). Never empty.
   */
  readonly labels: { [key: string]: string };
  /**
   * Namespace the selected workloads live in, when known (a workload of the app knows it).
   * @default - unknown: the workloads are taken to live in the namespace of the policy
   */
  readonly namespace?: string;
  /**
   * Human-readable description for the connection matrix, e.g. `app=api`.
   */
  readonly description: string;
  /**
   * Short name used in generated object names, e.g. `app-api`.
   */
  readonly name: string;
}

/**
 * Selects the workloads (pods) a policy applies to.
 *
 * Implemented by `WorkloadSelector.fromLabels()` and `WorkloadSelector.fromDeployment()`;
 * implement it to select workloads of your own constructs.
 *
 * @see https://istio.io/latest/docs/reference/config/type/workload-selector/
 */
export interface IWorkloadSelector {
  /**
   * Resolves the selector. Called when a rule is added and again at synthesis.
   */
  toWorkloadSelectorConfig(): WorkloadSelectorConfig;
}

/**
 * Factories for workload selectors.
 *
 * Istio policies select workloads by pod labels only. There is deliberately no
 * `fromServiceAccount()`: a service account is an identity, not a label, and Istio cannot
 * select the workloads that run as it.
 *
 * @see https://istio.io/latest/docs/reference/config/type/workload-selector/
 */
export class WorkloadSelector {
  /**
   * Selects the pods that carry all of `labels`.
   *
   * @param labels pod labels, e.g. `{ app: 'api' }`; at least one
   */
  public static fromLabels(labels: { [key: string]: string }): IWorkloadSelector {
    return new LabelSelector({ ...labels });
  }

  /**
   * Selects the pods of a Deployment, StatefulSet or DaemonSet of this app by its selector labels
   * (`spec.selector.matchLabels`; for a cdk8s-plus workload by default the
   * `cdk8s.io/metadata.addr` label cdk8s-plus stamps on its pods).
   *
   * Any construct whose API object is such a workload is accepted: a cdk8s-plus workload of any
   * major version (27 through 34), a `k8s.KubeDeployment` (or StatefulSet, DaemonSet) L1, or an
   * `ApiObject`. Its labels and namespace are read from the synthesized object.
   *
   * @param deployment the workload; its namespace (metadata or chart) must be the namespace
   * of the policy
   */
  public static fromDeployment(deployment: IConstruct): IWorkloadSelector {
    // Checked now, so a wrong argument fails at the line that passes it.
    if (isConstruct(deployment)) workloadObject(deployment, PROP, deployment, SELECTABLE_KINDS, FIX);
    else workloadObject(FACTORY_SCOPE, 'deployment', deployment, SELECTABLE_KINDS, FIX);
    return new WorkloadObjectSelector(deployment);
  }

  private constructor() {}
}

class LabelSelector implements IWorkloadSelector {
  constructor(private readonly labels: { [key: string]: string }) {}

  public toWorkloadSelectorConfig(): WorkloadSelectorConfig {
    const entries = Object.entries(this.labels).sort(([a], [b]) => a.localeCompare(b));
    return {
      labels: { ...this.labels },
      description: entries.map(([k, v]) => `${k}=${v}`).join(','),
      name: entries.map(([k, v]) => `${k.replace(/^.*\//, '')}-${v}`).join('-'),
    };
  }
}

/** Workload kinds whose pods a policy can select by the workload's selector. */
const SELECTABLE_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];
const PROP = 'WorkloadSelector.fromDeployment(deployment)';
const FIX = "for pods this app does not define use WorkloadSelector.fromLabels({ app: 'api' })";
/** Names the factory in errors about an argument that is not a construct (a string or null from JavaScript or Python). */
const FACTORY_SCOPE = { node: { path: 'WorkloadSelector.fromDeployment' } } as unknown as IConstruct;

function isConstruct(x: unknown): x is IConstruct {
  return !!x && typeof x === 'object' && typeof (x as IConstruct).node?.path === 'string';
}

class WorkloadObjectSelector implements IWorkloadSelector {
  constructor(private readonly workload: IConstruct) {}

  public toWorkloadSelectorConfig(): WorkloadSelectorConfig {
    // Read on every call: the workload's labels may change after the selector was made.
    const w = resolveWorkload(this.workload, PROP, this.workload, SELECTABLE_KINDS, FIX);
    if (Object.keys(w.matchLabels).length === 0) {
      throw new MeshValidationError(this.workload, `${w.kind} "${w.name}" selects its pods ${w.hasMatchExpressions ? 'by matchExpressions only' : 'by no label'}, ` +
        `which Istio's workload selectors cannot express; select its pods by labels: WorkloadSelector.fromLabels(${JSON.stringify(w.podLabels)})`);
    }
    return {
      labels: w.matchLabels,
      namespace: w.namespace,
      description: `${w.kind.toLowerCase()} ${w.name}`,
      name: w.name,
    };
  }
}
