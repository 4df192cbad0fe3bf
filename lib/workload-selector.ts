import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

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
   * Namespace the selected workloads live in, when known (a cdk8s-plus Deployment knows it).
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
   * Selects the pods of a cdk8s-plus Deployment by its selector labels (`matchLabels`,
   * by default the `cdk8s.io/metadata.addr` label cdk8s-plus stamps on its pods).
   *
   * @param deployment the Deployment; its namespace (metadata or chart) must be the namespace
   * of the policy
   */
  public static fromDeployment(deployment: kplus.Deployment): IWorkloadSelector {
    return new DeploymentSelector(deployment);
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

class DeploymentSelector implements IWorkloadSelector {
  constructor(private readonly deployment: kplus.Deployment) {}

  public toWorkloadSelectorConfig(): WorkloadSelectorConfig {
    return {
      labels: this.deployment.matchLabels,
      namespace: this.deployment.metadata.namespace ?? Chart.of(this.deployment).namespace,
      description: `deployment ${this.deployment.name}`,
      name: this.deployment.name,
    };
  }
}
