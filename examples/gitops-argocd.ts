/**
 * Situation: a platform team runs its whole mesh platform from one Git repository with Argo CD:
 * the Istio control plane (default profile), a public ingress gateway, two zero-trust namespaces
 * (the storefront and payments) and the checkout API released by Argo Rollouts, each in its own
 * chart. Synced naively, Argo CD applies Istio resources before istiod serves its webhook (pinned
 * to failurePolicy Fail), fails the dry-run of custom resources whose CRDs are in the same sync,
 * and reports the webhooks' caBundle and the Rollout's weights as drift forever.
 *
 * `GitOpsApp` writes one folder per chart with a kustomization, stamps sync waves (CRDs,
 * Namespaces, control plane, gateways, mesh policies, workloads) and writes the Application with
 * exactly the ignoreDifferences the mesh and the canary need. Bootstrap once with
 * `kubectl apply -n argocd -f dist/examples/gitops-argocd/argocd/application.yaml`.
 *
 * No ambient variant: the example shows what Argo CD must ignore while Argo Rollouts' Istio traffic
 * router changes VirtualService weights and DestinationRule subsets in the cluster; on ambient the
 * release is an HTTPRoute changed by the Gateway API plugin (canary-gateway-api.ambient), a
 * different set of ignored fields.
 *
 *   npm run synth -- gitops-argocd   # writes dist/examples/gitops-argocd/
 */
import { App, AppProps, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CanaryRelease, GatewayTls, GitOpsApp, IngressGateway, MeshInstallation, MeshPeer, ReleaseStrategy, ReleaseWorkload, RouteDestination,
  WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

const HOST = 'shop.platform.example';

/** The app: a GitOpsApp whose Application points at this example's output folder. */
export function createApp(props: AppProps = {}): App {
  return new GitOpsApp({
    ...props,
    argoCd: {
      repoUrl: 'https://git.platform.example/platform/mesh-platform.git',
      targetRevision: 'main',
      path: 'dist/examples/gitops-argocd',
    },
  });
}

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh');

  const gateway = new IngressGateway(new Chart(app, 'edge'), 'Public', { mesh, namespace: 'istio-ingress', createNamespace: true });
  gateway.addHost(HOST, { tls: GatewayTls.simple('shop-platform-example') });

  const storefrontChart = new Chart(app, 'storefront');
  const storefront = new ZeroTrustNamespace(storefrontChart, 'Storefront', { name: 'storefront', mesh });
  const web = workload(storefrontChart, 'Web', 'storefront', 'web', 'registry.platform.example/web:5.1.0');
  const webService = web.exposeViaService({ name: 'web', ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  gateway.addRoute(HOST, { to: RouteDestination.fromService(webService), timeout: Duration.seconds(10) });
  storefront.allowFrom(gateway, { to: WorkloadSelector.fromDeployment(web), ports: [8080] });

  const payments = new ZeroTrustNamespace(new Chart(app, 'payments'), 'Payments', { name: 'payments', mesh });

  // Argo Rollouts moves the checkout API to a new version in steps; it changes the VirtualService
  // weights, the subsets' pod-template-hash labels and the Deployment's replicas in the cluster.
  const releaseChart = new Chart(app, 'checkout-release');
  const checkout = workload(releaseChart, 'Checkout', 'payments', 'checkout', 'registry.platform.example/checkout:4.7.1');
  new CanaryRelease(releaseChart, 'CheckoutRelease', {
    serviceName: 'checkout',
    mesh,
    canary: ReleaseWorkload.fromDeployment(checkout, { version: '4.7.1' }),
    strategy: ReleaseStrategy.steps([
      { weight: 10, pause: Duration.minutes(5) },
      { weight: 50, pause: Duration.minutes(5) },
    ], { interval: Duration.minutes(1), failureThreshold: 3, minSuccessRate: 99.5 }),
    timeout: Duration.seconds(2),
  });
  payments.allowFrom(MeshPeer.fromDeployment(web), { to: WorkloadSelector.fromLabels({ app: 'checkout' }), ports: [8080] });
}

/** A Deployment serving HTTP on 8080, with its own ServiceAccount. */
function workload(chart: Chart, id: string, namespace: string, name: string, image: string): kplus.Deployment {
  const serviceAccount = new kplus.ServiceAccount(chart, `${id}ServiceAccount`, { metadata: { name, namespace } });
  return new kplus.Deployment(chart, id, {
    metadata: { name, namespace },
    serviceAccount,
    replicas: 2,
    containers: [{ name: 'app', image, portNumber: 8080, readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }) }],
  });
}

if (require.main === module) {
  const app = createApp({ outdir: 'dist/examples/gitops-argocd' });
  build(app);
  app.synth();
}
