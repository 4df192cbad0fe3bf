/**
 * Situation: a platform team on a fresh cluster without the Kubernetes Gateway API lets application
 * teams bring their own ingress as Gateway API objects. The control plane ships the standard
 * channel's CRDs (release v1.5.1, `gatewayApiCrds`), and the store team declares a `Gateway` of class
 * `istio` and an `HTTPRoute` with the Gateway API L1 classes (`gatewayApi`). istiod deploys the
 * gateway's proxy itself from the `kube-gateway` template of our injector ConfigMap: a Deployment,
 * Service and ServiceAccount `store-gateway-istio` in the store namespace. The synth-time analyzer
 * checks these hand-written objects too: a route to a missing Service or port, a hostname the
 * listener does not serve, a namespace it does not admit would fail `cdk8s synth` (GWA codes).
 *
 *   npm run synth -- gateway-api-gateway   # writes dist/examples/gateway-api-gateway/
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { gatewayApi, GatewayApiCrds, MeshInstallation, MeshProfile } from 'cdk8s-istio';

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const mesh = new MeshInstallation(new Chart(app, 'istio'), 'Mesh', {
    profile: MeshProfile.MINIMAL,
    gatewayApiCrds: GatewayApiCrds.STANDARD,
  });

  const store = new Chart(app, 'store', { namespace: 'store' });
  new kplus.Namespace(store, 'Namespace', { metadata: { name: 'store', labels: { ...mesh.injectionLabels } } });
  const storefront = new kplus.Deployment(store, 'Storefront', {
    metadata: { name: 'storefront' },
    podMetadata: { labels: { 'app.kubernetes.io/name': 'storefront', 'app.kubernetes.io/version': '2.4.0' } },
    containers: [{ name: 'storefront', image: 'registry.example.com/store/storefront:2.4.0', portNumber: 8080, securityContext: { user: 1000, group: 1000 } }],
  });
  const service = storefront.exposeViaService({ name: 'storefront', ports: [{ name: 'http', port: 8080, targetPort: 8080 }] });

  // istiod deploys this Gateway's proxy (Deployment/Service `store-gateway-istio`, type LoadBalancer).
  const gateway = new gatewayApi.Gateway(store, 'Gateway', {
    metadata: { name: 'store-gateway' },
    spec: {
      gatewayClassName: 'istio',
      listeners: [{
        name: 'http',
        hostname: 'store.example.com',
        port: 80,
        protocol: 'HTTP',
        allowedRoutes: { namespaces: { from: gatewayApi.GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } },
      }],
    },
  });
  new gatewayApi.HttpRoute(store, 'Route', {
    metadata: { name: 'storefront' },
    spec: {
      parentRefs: [{ name: gateway.name, sectionName: 'http' }],
      hostnames: ['store.example.com'],
      rules: [{
        matches: [{ path: { type: gatewayApi.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: '/' } }],
        backendRefs: [{ name: service.name, port: 8080 }],
      }],
    },
  });
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
