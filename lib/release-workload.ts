import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ResolvedWorkload } from './private/canary/types';
import { IWorkloadSelector } from './workload-selector';

/**
 * Options of `ReleaseWorkload.fromDeployment()`.
 */
export interface ReleaseWorkloadOptions {
  /**
   * Version of the workload, put on its pods as the `version` label (Kiali and Istio's
   * `destination_canonical_revision` metric label read it). A label value: at most 63
   * characters, letters, digits, `-`, `_` and `.`.
   *
   * @default - the pods' `version` label, else their `app.kubernetes.io/version` label (never
   * guessed from an image tag), else `stable` / `canary` (static weights only; Argo Rollouts and
   * Flagger need a real version)
   * @see https://istio.io/latest/docs/ops/deployment/application-requirements/
   */
  readonly version?: string;
}

/**
 * Options of `ReleaseWorkload.fromSelector()`.
 */
export interface ExistingWorkloadOptions {
  /**
   * Name of the Deployment that runs the pods. Argo Rollouts (`workloadRef`) and Flagger
   * (`targetRef`) need it.
   * @default - unknown: only static weights can be used
   */
  readonly deploymentName?: string;
  /**
   * Version of the workload, for the printed plan and for Argo Rollouts analysis.
   * @default - the selector's `version` label
   */
  readonly version?: string;
}

/**
 * One version of the released application: a cdk8s-plus Deployment of this app, or the pods of a
 * workload this app does not own.
 *
 * `CanaryRelease` adds the `app` and `version` labels to the pods of Deployments it is given;
 * the pods of other workloads must already carry the labels that tell the versions apart.
 */
export class ReleaseWorkload {
  /**
   * A Deployment of this app. Its pods get the `app` and `version` labels.
   */
  public static fromDeployment(deployment: kplus.Deployment, options: ReleaseWorkloadOptions = {}): ReleaseWorkload {
    return new ReleaseWorkload(() => {
      const podLabels = { ...(deployment.podMetadata.toJson().labels ?? {}) } as { [key: string]: string };
      const first = deployment.containers[0];
      return {
        deployment,
        deploymentName: deployment.name,
        namespace: deployment.metadata.namespace ?? Chart.of(deployment).namespace,
        podLabels,
        selectorLabels: deployment.matchLabels,
        description: `deployment ${deployment.name}`,
        explicitVersion: options.version,
        image: first?.image,
        containerPort: first?.portNumber,
        replicas: deployment.replicas,
        owned: true,
      };
    });
  }

  /**
   * The pods of a workload this app does not own, selected by labels (e.g.
   * `WorkloadSelector.fromLabels({ app: 'reviews', version: 'v1' })`). They are not relabelled:
   * their labels must set the stable and canary pods apart.
   */
  public static fromSelector(selector: IWorkloadSelector, options: ExistingWorkloadOptions = {}): ReleaseWorkload {
    return new ReleaseWorkload(() => {
      const config = selector.toWorkloadSelectorConfig();
      return {
        deploymentName: options.deploymentName,
        namespace: config.namespace,
        podLabels: { ...config.labels },
        selectorLabels: { ...config.labels },
        description: config.description,
        explicitVersion: options.version,
        owned: false,
      };
    });
  }

  private constructor(private readonly resolver: () => ResolvedWorkload) {}

  /**
   * What the workload is, read when the release is constructed.
   * @internal
   */
  public _resolve(): ResolvedWorkload {
    return this.resolver();
  }
}
