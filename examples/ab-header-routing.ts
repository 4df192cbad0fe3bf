/**
 * Situation: a shop tests its new checkout page (v2) on its own staff before any customer sees
 * it. Customers keep getting v1 (canary weight 0), while requests from the QA robot's pods,
 * requests with the header `x-user: tester` and browsers holding the cookie `beta=checkout-v2`
 * go to v2, whether they come through the ingress gateway (shop.example.com) or from inside the
 * mesh. A tenth of all requests is also mirrored to v2 (responses discarded) to see it under real
 * load.
 *
 * The Gateway itself is declared with the generated L1 class (the escape hatch); the release
 * only needs its `<namespace>/<name>` and host.
 *
 * No ambient variant: the QA robot reaches v2 by its pods' labels (`RequestMatch.sourceLabels`), which an
 * HTTPRoute cannot match (a waypoint route sees no sender), and Gateway API has no mirror percentage
 * for the tenth copied to v2; an ambient namespace routes by HTTPRoute only.
 *
 *   npm run synth -- ab-header-routing   # writes dist/examples/ab-header-routing/
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CanaryRelease, MeshInstallation, MeshPeer, MeshProfile, networking, ReleaseStrategy, ReleaseWorkload, RequestMatch, WorkloadSelector,
  ZeroTrustNamespace,
} from 'cdk8s-istio';

const NAMESPACE = 'shop';
const HOST = 'shop.example.com';

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const meshChart = new Chart(app, 'mesh');
  const mesh = new MeshInstallation(meshChart, 'Mesh', { profile: MeshProfile.DEFAULT });
  // The profile's ingress gateway serves the shop's host on port 80.
  new networking.Gateway(meshChart, 'ShopGateway', {
    metadata: { name: 'shop-gateway', namespace: mesh.namespace },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [HOST] }],
    },
  });

  const chart = new Chart(app, 'shop');
  const shop = new ZeroTrustNamespace(chart, 'Shop', { name: NAMESPACE, mesh });
  const v1 = workload(chart, 'CheckoutV1', 'checkout-v1', 'registry.shop.example/checkout:1.9.4');
  const v2 = workload(chart, 'CheckoutV2', 'checkout-v2', 'registry.shop.example/checkout:2.0.0-rc.1');
  const qaBot = workload(chart, 'QaBot', 'qa-bot', 'registry.shop.example/qa-bot:0.4.0');

  const checkout = new CanaryRelease(chart, 'Checkout', {
    serviceName: 'checkout',
    mesh,
    stable: ReleaseWorkload.fromDeployment(v1, { version: '1.9.4' }),
    canary: ReleaseWorkload.fromDeployment(v2, { version: 'v2' }),
    strategy: ReleaseStrategy.staticWeight(0),
    gateway: { gateway: `${mesh.namespace}/shop-gateway`, hosts: [HOST] },
    canaryMatches: [
      RequestMatch.headerExact('x-user', 'tester'),
      RequestMatch.cookie('beta', 'checkout-v2'),
    ],
    mirrorPercent: 10,
  });
  // Mesh-internal only: the gateway's VirtualService leaves it out (only sidecars know the sender).
  checkout.addCanaryMatch(RequestMatch.sourceLabels({ app: 'qa-bot' }));

  shop.exposeToIngressGateway({ to: WorkloadSelector.fromLabels({ app: 'checkout' }), ports: [8080] });
  shop.allowFrom(MeshPeer.fromDeployment(qaBot), { to: WorkloadSelector.fromLabels({ app: 'checkout' }), ports: [8080] });
}

/** A Deployment serving HTTP on 8080, with its own ServiceAccount. */
function workload(chart: Chart, id: string, name: string, image: string): kplus.Deployment {
  const serviceAccount = new kplus.ServiceAccount(chart, `${id}ServiceAccount`, { metadata: { name, namespace: NAMESPACE } });
  const deployment = new kplus.Deployment(chart, id, {
    metadata: { name, namespace: NAMESPACE },
    serviceAccount,
    podMetadata: name === 'qa-bot' ? { labels: { app: 'qa-bot' } } : undefined,
    containers: [{ name: 'app', image, portNumber: 8080 }],
  });
  if (name === 'qa-bot') deployment.exposeViaService({ name, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] });
  return deployment;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
