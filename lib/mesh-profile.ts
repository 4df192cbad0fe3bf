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
}
