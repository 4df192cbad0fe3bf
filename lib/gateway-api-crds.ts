/**
 * Which channel of the Kubernetes Gateway API CRDs `MeshInstallation` emits (`gatewayApiCrds`): the
 * release Istio 1.30 builds against, v1.5.1, as `sigs.k8s.io/gateway-api` publishes it (descriptions
 * stripped). Every CRD carries the annotations `gateway.networking.k8s.io/bundle-version: v1.5.1` and
 * `gateway.networking.k8s.io/channel`.
 */
export enum GatewayApiCrds {
  /**
   * The standard channel: GatewayClass, Gateway, HTTPRoute, GRPCRoute, ReferenceGrant, TLSRoute,
   * ListenerSet and BackendTLSPolicy, served as `gateway.networking.k8s.io/v1` (ReferenceGrant also
   * `v1beta1`, its stored version).
   */
  STANDARD = 'standard',
  /**
   * The experimental channel: the standard kinds with their experimental fields, plus TCPRoute and
   * UDPRoute (`v1alpha2`), TLSRoute `v1alpha2`/`v1alpha3`, and XBackendTrafficPolicy and XMesh
   * (`gateway.networking.x-k8s.io`). Replaces the standard channel's CRDs: a cluster has one channel.
   */
  EXPERIMENTAL = 'experimental',
}
