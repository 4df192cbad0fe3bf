import { Duration } from 'cdk8s';
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

/**
 * Retries of failed requests by the client's proxy (VirtualService `http[].retries`), used by
 * gateway routes and canary releases.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export interface RetryPolicy {
  /**
   * Number of retries (0 turns retries off).
   */
  readonly attempts: number;
  /**
   * Timeout of each attempt.
   * @default - the route's timeout
   */
  readonly perTryTimeout?: Duration;
  /**
   * Conditions that trigger a retry, Envoy's `retry_on` values (`5xx`, `gateway-error`,
   * `connect-failure`, `retriable-4xx`, `reset`, ...).
   * @default - Istio's default: connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes
   */
  readonly retryOn?: string[];
}
