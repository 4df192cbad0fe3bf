/**
 * The installation profiles of `istioctl install` that MeshInstallation reproduces.
 *
 * A profile decides which components are installed and their default settings; props on
 * MeshInstallation override the settings.
 *
 * @see https://istio.io/latest/docs/setup/additional-setup/config-profiles/
 */
export enum MeshProfile {
  /** istiod with autoscaling, plus the `istio-ingressgateway`. Recommended for production. */
  DEFAULT = 'default',
  /** istiod only: no gateways. Use when gateways are deployed separately (e.g. with IngressGateway). */
  MINIMAL = 'minimal',
  /**
   * istiod, ingress and egress gateways, no autoscaling, small resource requests, access logs on
   * and 100% trace sampling. For trying Istio out, not for production.
   */
  DEMO = 'demo',
  /**
   * Ambient mode: istiod (autoscaled, with `PILOT_ENABLE_AMBIENT=true`), the istio-cni node agent in
   * ambient mode and the ztunnel node proxy (DaemonSet, ServiceAccount), no gateways. Every image is
   * Istio's distroless variant (`<tag>-distroless`), sidecars speak HBONE
   * (`ISTIO_META_ENABLE_HBONE`), as with `istioctl install --set profile=ambient`. Namespaces join
   * with the label `istio.io/dataplane-mode: ambient` instead of sidecar injection; L7 features need
   * a waypoint (a Gateway API `Gateway` of class `istio-waypoint`, so the Gateway API CRDs).
   *
   * ztunnel and the CNI agent need privileges Pod Security "restricted" forbids (see
   * `MeshInstallation`): the control plane namespace must admit privileged pods.
   *
   * @see https://istio.io/latest/docs/ambient/overview/
   */
  AMBIENT = 'ambient',
}
