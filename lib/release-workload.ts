import { IConstruct } from 'constructs';
import { resolveWorkload } from './private/app-objects';
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
 * One version of the released application: a Deployment of this app, or the pods of a workload
 * this app does not own.
 *
 * `CanaryRelease` adds the `app` and `version` labels to the pods of cdk8s-plus Deployments it is
 * given; the pods of other workloads (a `k8s.KubeDeployment`, an `ApiObject`, pods selected by
 * labels) must already carry the labels that tell the versions apart.
 */
export class ReleaseWorkload {
  /**
   * A Deployment of this app: any construct whose API object is an `apps/v1` Deployment
   * (cdk8s-plus of any major version, `k8s.KubeDeployment`, `ApiObject`). Its name, namespace,
   * labels, replicas, image and container port are read from the synthesized object; the pods of
   * a cdk8s-plus Deployment get the `app` and `version` labels.
   */
  public static fromDeployment(deployment: IConstruct, options: ReleaseWorkloadOptions = {}): ReleaseWorkload {
    return new ReleaseWorkload((scope, prop) => {
      const w = resolveWorkload(scope, prop, deployment, ['Deployment'],
        "for pods this app does not define use ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'reviews', version: 'v1' }))");
      const first = w.containers[0];
      return {
        object: w.obj,
        addPodLabel: w.addPodLabel,
        deploymentName: w.name,
        namespace: w.namespace,
        podLabels: { ...w.podLabels },
        selectorLabels: { ...w.matchLabels },
        description: `deployment ${w.name}`,
        explicitVersion: options.version,
        image: first?.image,
        containerPort: first?.ports?.[0]?.containerPort,
        replicas: w.replicas,
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

  private constructor(private readonly resolver: (scope: IConstruct, prop: string) => ResolvedWorkload) {}

  /**
   * What the workload is, read when the release is constructed; errors name `scope` and `prop`.
   * @internal
   */
  public _resolve(scope: IConstruct, prop: string): ResolvedWorkload {
    return this.resolver(scope, prop);
  }
}
