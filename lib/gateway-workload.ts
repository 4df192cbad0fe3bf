import { IMeshInstallation } from './mesh-installation';
import { AutoscalingOptions, ResourceRequirements } from './shared-interfaces';

/**
 * How the gateway's Service is exposed.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types
 */
export enum GatewayServiceType {
  /** A cloud load balancer in front of node ports (the usual ingress). */
  LOAD_BALANCER = 'LoadBalancer',
  /** A port on every node. */
  NODE_PORT = 'NodePort',
  /** Reachable inside the cluster only (the usual egress gateway). */
  CLUSTER_IP = 'ClusterIP',
}

/**
 * The workload part of every gateway: where it runs, how many pods, how it is exposed.
 *
 * Every gateway renders a ServiceAccount, a Role/RoleBinding `<name>-sds` that lets its pods
 * read TLS credentials (SDS), a Deployment running `istio-proxy` as a router, a Service, a
 * HorizontalPodAutoscaler (unless `replicas` is fixed) and a PodDisruptionBudget (with at least
 * two replicas). Pods meet the Pod Security "restricted" standard: non-root (UID 1337), no
 * privilege escalation, every capability dropped, read-only root file system, RuntimeDefault
 * seccomp; Envoy listens on unprivileged container ports (8080, 8443, ...).
 *
 * @see https://istio.io/latest/docs/setup/additional-setup/gateway/
 */
export interface GatewayWorkloadProps {
  /**
   * The mesh the gateway belongs to: its injector renders the proxy, its istiod configures it.
   */
  readonly mesh: IMeshInstallation;
  /**
   * Namespace of the gateway and of its Istio objects.
   * @default - the mesh's namespace (`istio-system`)
   */
  readonly namespace?: string;
  /**
   * Emit the Namespace too, labelled `pod-security.kubernetes.io/enforce: restricted`.
   * @default false
   */
  readonly createNamespace?: boolean;
  /**
   * Name of the Deployment, Service, ServiceAccount and Istio Gateway; also the value of the
   * pod labels `app` and `istio` that every selector uses.
   * @default - the construct id in kebab-case (`PublicGateway` -> `public-gateway`)
   */
  readonly name?: string;
  /**
   * Fixed number of pods. Setting it turns autoscaling off (giving `autoscaling` too is an
   * error).
   * @default - autoscaled, see `autoscaling`
   */
  readonly replicas?: number;
  /**
   * Autoscaling on CPU (an `autoscaling/v2` HorizontalPodAutoscaler).
   * @default - 1 to 5 pods at 80% CPU (Istio's gateway defaults)
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * Resources of the proxy container.
   * @default - requests 100m CPU and 128Mi; limits 2000m and 1024Mi (fields you omit keep these)
   */
  readonly resources?: ResourceRequirements;
  /**
   * Type of the gateway's Service.
   * @default - LOAD_BALANCER for ingress and east-west gateways, CLUSTER_IP for egress gateways
   */
  readonly serviceType?: GatewayServiceType;
  /**
   * Annotations of the Service, e.g. to configure the cloud load balancer
   * (`service.beta.kubernetes.io/aws-load-balancer-type: nlb`).
   * @default - none
   */
  readonly serviceAnnotations?: { [key: string]: string };
  /**
   * Let the mesh's injector render the proxy (`image: auto`, template `gateway`), so it always
   * matches the control plane. When false the Deployment is fully rendered here (the legacy
   * istioctl shape), which needs no webhook but must be re-synthesized on every Istio upgrade.
   * @default true
   * @see https://istio.io/latest/docs/setup/additional-setup/gateway/#deploying-a-gateway
   */
  readonly injection?: boolean;
  /**
   * Proxy image of a fully rendered gateway (`injection: false`).
   * @default - `<hub>/proxyv2:<tag>` of the MeshInstallation, or `registry.istio.io/release/proxyv2:1.30.3`
   */
  readonly proxyImage?: string;
  /**
   * Emit a PodDisruptionBudget (minAvailable 1).
   * @default - only when the gateway runs at least two pods (fixed or autoscaling minimum)
   */
  readonly podDisruptionBudget?: boolean;
}
