/**
 * Situation: a platform team adopts Istio today and starts where Istio's getting-started guide
 * does, with ambient mode: no sidecars, mutual TLS and L4 policy from the ztunnel node proxy, L7
 * only where a waypoint is deployed. One construct gives what `istioctl install --set
 * profile=ambient` applies (istiod, istio-cni in ambient mode, ztunnel), the control plane
 * namespace locked down (ztunnel reaches istiod's 15012, Prometheus scrapes it), and the Gateway
 * API CRDs waypoints need, for a cluster that has none.
 *
 *   npm run synth -- mesh-ambient   # writes dist/examples/mesh-ambient/
 */
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { GatewayApiCrds, MeshInstallation, MeshProfile } from 'cdk8s-istio';

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const chart = new Chart(app, 'istio-ambient');
  new MeshInstallation(chart, 'Mesh', {
    profile: MeshProfile.AMBIENT,
    // Waypoints are Gateway API Gateways (class istio-waypoint): ship the CRDs where the cluster lacks them.
    gatewayApiCrds: GatewayApiCrds.STANDARD,
    networkPolicies: {},
  });
  // A namespace joins the ambient mesh by a label: its pods keep no sidecar, ztunnel carries their traffic.
  new k8s.KubeNamespace(chart, 'Shop', { metadata: { name: 'shop', labels: { 'istio.io/dataplane-mode': 'ambient' } } });
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
