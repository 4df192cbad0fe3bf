/**
 * CPU and memory requests and limits of a container, as Kubernetes quantities.
 *
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export interface ResourceRequirements {
  /**
   * CPU request, e.g. `'500m'`.
   * @default - no CPU request
   */
  readonly cpuRequest?: string;
  /**
   * Memory request, e.g. `'2048Mi'`.
   * @default - no memory request
   */
  readonly memoryRequest?: string;
  /**
   * CPU limit, e.g. `'2000m'`.
   * @default - no CPU limit
   */
  readonly cpuLimit?: string;
  /**
   * Memory limit, e.g. `'1024Mi'`.
   * @default - no memory limit
   */
  readonly memoryLimit?: string;
}

/**
 * Horizontal autoscaling on CPU utilisation (an `autoscaling/v2` HorizontalPodAutoscaler).
 */
export interface AutoscalingOptions {
  /**
   * Fewest replicas.
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * Most replicas.
   * @default 5
   */
  readonly maxReplicas?: number;
  /**
   * Average CPU utilisation (percent of the request) the autoscaler aims for.
   * @default 80
   */
  readonly targetCpuUtilization?: number;
}

/**
 * When the kubelet pulls container images.
 */
export enum ImagePullPolicy {
  /** Pull on every start. */
  ALWAYS = 'Always',
  /** Pull only when the image is not on the node. */
  IF_NOT_PRESENT = 'IfNotPresent',
  /** Never pull; the image must already be on the node. */
  NEVER = 'Never',
}
