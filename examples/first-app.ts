/**
 * Situation: a team with a project made by `cdk8s init typescript-app` (cdk8s-plus-33 for its
 * workloads) adds Istio: the control plane, and a namespace where every call is mutual TLS and only
 * the web front end may call the API. This is the README's first app ("Install"); CI pastes that
 * snippet into a freshly scaffolded project, installs the packed library and runs `cdk8s synth`
 * (scripts/check-packages.ts), and compares the result with this example's output.
 *
 * No ambient variant: this is the README's first app, pasted verbatim into a scaffolded project by
 * CI; the same two services on ambient are the shop of small-business-platform.ambient and the
 * orders namespace of ambient-migration.
 *
 *   npm run synth -- first-app   # writes dist/examples/first-app/
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { MeshInstallation, MeshPeer, MeshProfile, WorkloadSelector, ZeroTrustNamespace } from 'cdk8s-istio';

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  // The control plane: what `istioctl install --set profile=minimal` applies.
  const mesh = new MeshInstallation(new Chart(app, 'istio'), 'Mesh', { profile: MeshProfile.MINIMAL });

  // The app's namespace: sidecars injected, STRICT mTLS, everything denied but what is allowed.
  const shop = new Chart(app, 'shop', { namespace: 'shop' });
  const namespace = new ZeroTrustNamespace(shop, 'Namespace', { name: 'shop', mesh });
  const web = new kplus.Deployment(shop, 'Web', {
    metadata: { name: 'web' },
    serviceAccount: new kplus.ServiceAccount(shop, 'WebIdentity', { metadata: { name: 'web' } }),
    containers: [{ image: 'registry.example.com/shop/web:1.0.0', portNumber: 8080 }],
  });
  const api = new kplus.Deployment(shop, 'Api', {
    metadata: { name: 'api' },
    containers: [{ image: 'registry.example.com/shop/api:1.0.0', portNumber: 8080 }],
  });

  // web may call api on port 8080: an AuthorizationPolicy for web's identity, NetworkPolicies for its pods.
  namespace.allowFrom(MeshPeer.fromDeployment(web), { to: WorkloadSelector.fromDeployment(api), ports: [8080] });
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
