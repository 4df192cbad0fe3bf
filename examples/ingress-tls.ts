/**
 * Situation: a public service of a city administration goes online behind its own ingress
 * gateway. Citizens reach the web shop over TLS 1.3 only (plain HTTP is redirected), partner
 * systems call the partner API with client certificates (mutual TLS) within a shared rate limit,
 * and a legacy document service keeps terminating its own TLS (passthrough by SNI). The gateway
 * runs in its own namespace under Pod Security "restricted", at least two pods behind a cloud
 * network load balancer, and the application namespace admits exactly the gateway's identity.
 *
 * cert-manager keeps the web shop's certificate (a Certificate emitted next to the gateway); the
 * partner CA's credential is a Secret in `istio-ingress` managed outside the app.
 *
 * Variant `ambient` (dist/examples/ingress-tls.ambient/): the ambient profile and the shop in
 * ambient mode; the gateway's routes are unchanged, its calls reach the pods over HBONE.
 *
 *   npm run synth -- ingress-tls   # writes dist/examples/ingress-tls/ and ingress-tls.ambient/
 */
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CertificateIssuer, DataPlane, GatewayTls, HeaderMatch, IngressGateway, MeshInstallation, MeshProfile, PathMatch, RouteDestination,
  TlsProtocolVersion, WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

/** Adds the example's charts to `app`; `dataPlane` renders the shop for another data plane (see the `ambient` variant). */
export function build(app: App, dataPlane?: DataPlane): void {
  // The minimal profile: no legacy istio-ingressgateway, the gateway below replaces it.
  const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', {
    profile: dataPlane === DataPlane.AMBIENT ? MeshProfile.AMBIENT : MeshProfile.MINIMAL,
  });

  const edge = new Chart(app, 'edge');
  const gateway = new IngressGateway(edge, 'Public', {
    mesh,
    namespace: 'istio-ingress',
    createNamespace: true,
    autoscaling: { minReplicas: 2, maxReplicas: 6 },
    serviceAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' },
  });

  const appChart = new Chart(app, 'shop');
  const shop = new ZeroTrustNamespace(appChart, 'Shop', { name: 'shop', mesh, dataPlane });
  const web = service(appChart, 'Web', 'web', 8080);
  const api = service(appChart, 'Api', 'partner-api', 8080);
  const documents = service(appChart, 'Documents', 'documents', 8443);

  gateway.addHost('shop.city.example', {
    tls: GatewayTls.simple('shop-city-example', {
      minProtocolVersion: TlsProtocolVersion.TLSV1_3,
      issuer: CertificateIssuer.clusterIssuer('letsencrypt-prod'),
    }),
  });
  gateway.addRoute('shop.city.example', { to: RouteDestination.fromService(web.service), timeout: Duration.seconds(15) });
  gateway.addRoute('shop.city.example', {
    path: PathMatch.exact('/healthz'),
    to: RouteDestination.fromService(web.service),
    responseHeaders: { set: { 'cache-control': 'no-store' } },
  });

  // Partners share a budget: 100 requests per second at the edge, then 429.
  gateway.addHost('partners.city.example', {
    tls: GatewayTls.mutual('partners-city-example'),
    rateLimit: { requests: 100, interval: Duration.seconds(1) },
  });
  gateway.addRoute('partners.city.example', {
    path: PathMatch.prefix('/v2/'),
    headers: [HeaderMatch.exact('x-partner-tier', 'gold')],
    to: RouteDestination.fromService(api.service),
    retries: { attempts: 2, perTryTimeout: Duration.seconds(2), retryOn: ['connect-failure', 'refused-stream'] },
  });
  gateway.addRoute('partners.city.example', {
    path: PathMatch.prefix('/v2/'),
    to: RouteDestination.fromService(api.service),
    timeout: Duration.seconds(10),
    corsPolicy: { allowOrigins: ['https://portal.city.example'], allowMethods: ['GET', 'POST'], maxAge: Duration.hours(1) },
  });

  gateway.addHost('documents.city.example', { tls: GatewayTls.passthrough() });
  gateway.addRoute('documents.city.example', { to: RouteDestination.fromService(documents.service) });

  // Only the gateway's pods (its service account and labels) may call the three services.
  for (const w of [web, api, documents]) {
    shop.allowFrom(gateway, { to: WorkloadSelector.fromDeployment(w.deployment), ports: [w.port] });
  }
}

/** A Deployment with a Service on port 80 (or 443 for TLS) in namespace `shop`. */
function service(chart: Chart, id: string, name: string, port: number): { deployment: kplus.Deployment; service: kplus.Service; port: number } {
  const deployment = new kplus.Deployment(chart, id, {
    metadata: { name, namespace: 'shop' },
    podMetadata: { labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/version': '2.3.0' } },
    replicas: 2,
    containers: [{
      name: 'app',
      image: `registry.city.example/${name}:2.3.0`,
      portNumber: port,
      securityContext: { user: 10001, group: 10001 },
    }],
  });
  const servicePort = port === 8443 ? { name: 'tls', port: 443 } : { name: 'http', port: 80 };
  return { deployment, service: deployment.exposeViaService({ name, ports: [{ ...servicePort, targetPort: port }] }), port };
}

/** Other builds `npm run synth` writes (dist/examples/<example>.<variant>/) and the conformance suite checks. */
export const variants = {
  /** The same app on the ambient data plane. */
  ambient: (app: App): void => build(app, DataPlane.AMBIENT),
};

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
