/**
 * Situation: a platform team replaces `istioctl install` (or Helm + Terraform) with code.
 * One construct gives the default profile: CRDs, istiod with autoscaling, webhooks, mesh
 * config, the sidecar injector and the ingress gateway, plus the istio-system namespace.
 *
 *   npm run synth -- mesh-default   # writes dist/examples/mesh-default/
 */
import { App, Chart } from 'cdk8s';
import { MeshInstallation, MeshProfile } from 'cdk8s-istio';

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const chart = new Chart(app, 'istio-control-plane');
  new MeshInstallation(chart, 'Mesh', {
    profile: MeshProfile.DEFAULT,
  });
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
