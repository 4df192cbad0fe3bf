/**
 * One minimal failing app and one passing app per analyzer rule, shared by the jest tests
 * (test/mesh-analyzer.test.ts) and the conformance suite (analyzer-agreement.ts), which checks that `istioctl analyze`
 * reports the same code on the same object for the failing app and not for the passing one.
 *
 * The apps use raw ApiObjects (what users add beside our constructs) so each case shows exactly
 * the objects a rule looks at.
 */
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AMBIENT_CASES } from './analyzer-cases-ambient';
import { MeshAnalyzer } from '../lib';

export interface AnalyzerCase {
  /** The IST code the failing app must produce (and the passing app must not). */
  readonly code: string;
  /** What the failing app gets wrong. */
  readonly title: string;
  /** `Kind namespace/name` of the object the finding is about. */
  readonly object: string;
  readonly fail: (chart: Chart) => void;
  readonly pass: (chart: Chart) => void;
  /**
   * Why Istio's analyzers cannot be compared for this case, if they cannot.
   * @default - compared
   */
  readonly istioSkip?: string;
  /**
   * For this library's Gateway API codes (GWA...), which Istio has no analyzer for: Istio's side is
   * the status istiod's Gateway API controller writes on the object (conformance/istioctl-build/
   * gateway-translate), which Istio's ConditionAnalyzer reports as IST0171 (NegativeConditionStatus)
   * on a cluster. The failing app must get IST0171 on the object with this condition reason, the
   * passing app no IST0171 on it.
   * @default - Istio's analyzers report `code` itself
   */
  readonly istioReason?: string;
  /**
   * For GWA cases istiod does not report but silently ignores: Istio's side is that istiod's
   * controller writes no status for it (a route attached to no parent, a Gateway it does not handle),
   * where the passing app gets one.
   * @default false
   */
  readonly istioIgnores?: boolean;
  /**
   * For this library's ambient codes (AMB...), which Istio has no analyzer for: Istio's side is what
   * istiod's ambient index reports (conformance/istioctl-build/ambient-status) for `object`: an
   * AuthorizationPolicy's ZtunnelAccepted reason, a Service's WaypointBound reason, or `NoWaypoint`
   * for a Pod ztunnel sends to no waypoint. The failing app must get this reason, the passing app not.
   * @default - Istio's analyzers report `code` itself
   */
  readonly istioAmbient?: { readonly object: string; readonly reason: string };
}

type Spec = Record<string, unknown>;

let counter = 0;
function obj(scope: Construct, apiVersion: string, kind: string, ns: string | undefined, name: string, spec: Spec, extra: Spec = {}): ApiObject {
  return new ApiObject(scope, `${kind}-${ns ?? ''}-${name}-${counter++}`, {
    apiVersion,
    kind,
    metadata: { name, ...(ns ? { namespace: ns } : {}), ...(extra.metadata as object ?? {}) },
    ...(Object.keys(spec).length > 0 ? { spec } : {}),
    ...(extra.data ? { data: extra.data } : {}),
  });
}

export function namespace(scope: Construct, name: string): void {
  new ApiObject(scope, `ns-${name}-${counter++}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'istio-injection': 'enabled' } } });
}

export function deployment(scope: Construct, ns: string, name: string, labels: Record<string, string>, container: Spec = {},
  podSecurity?: Spec): void {
  obj(scope, 'apps/v1', 'Deployment', ns, name, {
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: {
        ...(podSecurity ? { securityContext: podSecurity } : {}),
        containers: [{ name: 'app', image: `registry.example/${name}:1.0.0`, ports: [{ containerPort: 8080 }], ...container }],
      },
    },
  });
}

export function service(scope: Construct, ns: string, name: string, selector: Record<string, string>, ports: Spec[] = [{ name: 'http', port: 8080 }], annotations?: Record<string, string>): void {
  obj(scope, 'v1', 'Service', ns, name, { selector, ports }, annotations ? { metadata: { annotations } } : {});
}

function net(scope: Construct, kind: string, ns: string, name: string, spec: Spec): void {
  obj(scope, 'networking.istio.io/v1', kind, ns, name, spec);
}

/** Namespace `shop` with reviews (v1, v2) behind Service `reviews`, and the analyzer attached. */
function shop(chart: Chart): void {
  MeshAnalyzer.of(chart);
  namespace(chart, 'shop');
  deployment(chart, 'shop', 'reviews-v1', { app: 'reviews', version: 'v1' });
  deployment(chart, 'shop', 'reviews-v2', { app: 'reviews', version: 'v2' });
  service(chart, 'shop', 'reviews', { app: 'reviews' });
}

const SUBSETS = [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }];

function reviewsRoute(chart: Chart, spec: Spec): void {
  net(chart, 'DestinationRule', 'shop', 'reviews', { host: 'reviews', subsets: SUBSETS });
  net(chart, 'VirtualService', 'shop', 'reviews', { hosts: ['reviews'], ...spec });
}

/** An ingress gateway workload (pods labelled istio=ingressgateway) with its Service on 80 and 443. */
function edge(chart: Chart): void {
  namespace(chart, 'edge');
  deployment(chart, 'edge', 'ingressgateway', { istio: 'ingressgateway', app: 'ingressgateway' });
  service(chart, 'edge', 'ingressgateway', { istio: 'ingressgateway' }, [
    { name: 'http2', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 },
  ]);
}

function gateway(chart: Chart, name: string, servers: Spec[], selector = { istio: 'ingressgateway' }): void {
  net(chart, 'Gateway', 'edge', name, { selector, servers });
}

/**
 * A plain HTTP server: no credentialName, so Istio's SecretAnalyzer (which would look for the TLS
 * secret; we leave secrets out on purpose) stays out of the cases that are about the Gateway itself.
 */
function http(host: string): Spec {
  return { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [host] };
}

function https(host: string, credentialName: string, port = 443): Spec {
  return { port: { number: port, name: `https-${port}`, protocol: 'HTTPS' }, hosts: [host], tls: { mode: 'SIMPLE', credentialName } };
}

function policy(chart: Chart, name: string, spec: Spec): void {
  obj(chart, 'security.istio.io/v1', 'AuthorizationPolicy', 'shop', name, spec);
}

/** Cases on Istio's own API (and the core kinds). */
const ISTIO_API_CASES: AnalyzerCase[] = [
  {
    code: 'IST0101',
    title: 'route to a subset no DestinationRule defines',
    object: 'VirtualService shop/reviews',
    fail: (c) => { shop(c); reviewsRoute(c, { http: [{ route: [{ destination: { host: 'reviews', subset: 'v3' } }] }] }); },
    pass: (c) => { shop(c); reviewsRoute(c, { http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] }); },
  },
  {
    code: 'IST0101',
    title: 'route to a host no Service declares',
    object: 'VirtualService shop/reviews',
    fail: (c) => { shop(c); net(c, 'VirtualService', 'shop', 'reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'ratings' } }] }] }); },
    pass: (c) => { shop(c); net(c, 'VirtualService', 'shop', 'reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }); },
  },
  {
    code: 'IST0101',
    title: 'binding to a Gateway that does not exist',
    object: 'VirtualService shop/reviews',
    fail: (c) => { shop(c); edge(c); net(c, 'VirtualService', 'shop', 'reviews', { hosts: ['shop.example.com'], gateways: ['edge/public'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }); },
    pass: (c) => {
      shop(c); edge(c); gateway(c, 'public', [https('shop.example.com', 'shop-cert')]);
      net(c, 'VirtualService', 'shop', 'reviews', { hosts: ['shop.example.com'], gateways: ['edge/public'], http: [{ route: [{ destination: { host: 'reviews' } }] }] });
    },
  },
  {
    code: 'IST0101',
    title: 'Gateway selector that matches no gateway pods',
    object: 'Gateway edge/public',
    fail: (c) => { MeshAnalyzer.of(c); edge(c); gateway(c, 'public', [http('shop.example.com')], { istio: 'public-gateway' }); },
    pass: (c) => { MeshAnalyzer.of(c); edge(c); gateway(c, 'public', [http('shop.example.com')]); },
  },
  {
    code: 'IST0101',
    title: 'AuthorizationPolicy source namespace that does not exist',
    object: 'AuthorizationPolicy shop/allow-frontend',
    fail: (c) => { shop(c); policy(c, 'allow-frontend', { selector: { matchLabels: { app: 'reviews' } }, rules: [{ from: [{ source: { namespaces: ['frontend'] } }] }] }); },
    pass: (c) => { shop(c); namespace(c, 'frontend'); policy(c, 'allow-frontend', { selector: { matchLabels: { app: 'reviews' } }, rules: [{ from: [{ source: { namespaces: ['frontend'] } }] }] }); },
  },
  {
    code: 'IST0106',
    title: 'DestinationRule without a host (schema)',
    object: 'DestinationRule shop/reviews',
    fail: (c) => { shop(c); net(c, 'DestinationRule', 'shop', 'reviews', { subsets: SUBSETS }); },
    pass: (c) => { shop(c); net(c, 'DestinationRule', 'shop', 'reviews', { host: 'reviews', subsets: SUBSETS }); },
  },
  {
    code: 'IST0109',
    title: 'two VirtualServices for one host on the mesh gateway',
    object: 'VirtualService shop/reviews-b',
    fail: (c) => {
      shop(c);
      net(c, 'VirtualService', 'shop', 'reviews-a', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] });
      net(c, 'VirtualService', 'shop', 'reviews-b', { hosts: ['reviews'], http: [{ timeout: '2s', route: [{ destination: { host: 'reviews' } }] }] });
    },
    pass: (c) => { shop(c); net(c, 'VirtualService', 'shop', 'reviews-a', { hosts: ['reviews'], http: [{ timeout: '2s', route: [{ destination: { host: 'reviews' } }] }] }); },
  },
  {
    code: 'IST0112',
    title: 'route to a multi-port Service without a port',
    object: 'VirtualService shop/reviews',
    fail: (c) => {
      MeshAnalyzer.of(c); namespace(c, 'shop'); deployment(c, 'shop', 'reviews', { app: 'reviews' });
      service(c, 'shop', 'reviews', { app: 'reviews' }, [{ name: 'http', port: 8080 }, { name: 'grpc', port: 9090 }]);
      net(c, 'VirtualService', 'shop', 'reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] });
    },
    pass: (c) => {
      MeshAnalyzer.of(c); namespace(c, 'shop'); deployment(c, 'shop', 'reviews', { app: 'reviews' });
      service(c, 'shop', 'reviews', { app: 'reviews' }, [{ name: 'http', port: 8080 }, { name: 'grpc', port: 9090 }]);
      net(c, 'VirtualService', 'shop', 'reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', port: { number: 8080 } } }] }] });
    },
  },
  {
    code: 'IST0116',
    title: 'two Services select a meshed Deployment on one port with different protocols',
    object: 'Deployment shop/reviews-v1',
    fail: (c) => {
      shop(c);
      service(c, 'shop', 'reviews-udp', { app: 'reviews' }, [{ name: 'udp-stats', port: 8080, protocol: 'UDP' }]);
    },
    pass: (c) => { shop(c); service(c, 'shop', 'reviews-udp', { app: 'reviews' }, [{ name: 'udp-stats', port: 8125, protocol: 'UDP' }]); },
  },
  {
    code: 'IST0137',
    title: 'two Services map different ports to one target port',
    object: 'Deployment shop/reviews-v1',
    fail: (c) => { shop(c); service(c, 'shop', 'reviews-alt', { app: 'reviews' }, [{ name: 'http-alt', port: 9080, targetPort: 8080 }]); },
    pass: (c) => { shop(c); service(c, 'shop', 'reviews-alt', { app: 'reviews' }, [{ name: 'http-alt', port: 8080, targetPort: 8080 }]); },
  },
  {
    code: 'IST0118',
    title: 'Service port without a protocol prefix',
    object: 'Service shop/reviews',
    fail: (c) => { MeshAnalyzer.of(c); namespace(c, 'shop'); deployment(c, 'shop', 'reviews', { app: 'reviews' }); service(c, 'shop', 'reviews', { app: 'reviews' }, [{ name: 'web', port: 8080 }]); },
    pass: (c) => { MeshAnalyzer.of(c); namespace(c, 'shop'); deployment(c, 'shop', 'reviews', { app: 'reviews' }); service(c, 'shop', 'reviews', { app: 'reviews' }, [{ name: 'http-web', port: 8080 }]); },
  },
  {
    code: 'IST0127',
    title: 'AuthorizationPolicy selecting no workload',
    object: 'AuthorizationPolicy shop/allow-ratings',
    fail: (c) => { shop(c); policy(c, 'allow-ratings', { selector: { matchLabels: { app: 'ratings' } }, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] }); },
    pass: (c) => { shop(c); policy(c, 'allow-ratings', { selector: { matchLabels: { app: 'reviews' } }, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] }); },
  },
  {
    code: 'IST0128',
    title: 'TLS origination without CA verification',
    object: 'DestinationRule shop/payments',
    fail: (c) => { shop(c); egressHost(c); net(c, 'DestinationRule', 'shop', 'payments', { host: 'api.payments.example', trafficPolicy: { tls: { mode: 'SIMPLE' } } }); },
    pass: (c) => {
      shop(c); egressHost(c);
      net(c, 'DestinationRule', 'shop', 'payments', { host: 'api.payments.example', trafficPolicy: { tls: { mode: 'SIMPLE', caCertificates: '/etc/ssl/certs/ca-certificates.crt' } } });
    },
  },
  {
    code: 'IST0129',
    title: 'port-level TLS origination without CA verification',
    object: 'DestinationRule shop/payments',
    fail: (c) => {
      shop(c); egressHost(c);
      net(c, 'DestinationRule', 'shop', 'payments', { host: 'api.payments.example', trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'SIMPLE' } }] } });
    },
    pass: (c) => {
      shop(c); egressHost(c);
      net(c, 'DestinationRule', 'shop', 'payments', {
        host: 'api.payments.example',
        trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'SIMPLE', caCertificates: '/etc/ssl/certs/ca-certificates.crt' } }] },
      });
    },
  },
  {
    code: 'IST0130',
    title: 'a rule after the catch-all rule',
    object: 'VirtualService shop/reviews',
    fail: (c) => {
      shop(c);
      reviewsRoute(c, { http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }, { route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] });
    },
    pass: (c) => {
      shop(c);
      reviewsRoute(c, {
        http: [{ match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
          { route: [{ destination: { host: 'reviews', subset: 'v1' } }] }],
      });
    },
  },
  {
    code: 'IST0131',
    title: 'a match repeated from an earlier rule',
    object: 'VirtualService shop/reviews',
    fail: (c) => {
      shop(c);
      const jason = { headers: { 'end-user': { exact: 'jason' } } };
      reviewsRoute(c, {
        http: [{ match: [jason], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
          { match: [jason, { headers: { 'end-user': { exact: 'maria' } } }], route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
          { route: [{ destination: { host: 'reviews', subset: 'v1' } }] }],
      });
    },
    pass: (c) => {
      shop(c);
      reviewsRoute(c, {
        http: [{ match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
          { route: [{ destination: { host: 'reviews', subset: 'v1' } }] }],
      });
    },
  },
  {
    code: 'IST0132',
    title: 'VirtualService host not served by its Gateway',
    object: 'VirtualService shop/reviews',
    fail: (c) => {
      shop(c); edge(c); gateway(c, 'public', [https('shop.example.com', 'shop-cert')]);
      net(c, 'VirtualService', 'shop', 'reviews', { hosts: ['reviews.example.com'], gateways: ['edge/public'], http: [{ route: [{ destination: { host: 'reviews' } }] }] });
    },
    pass: (c) => {
      shop(c); edge(c); gateway(c, 'public', [https('*.example.com', 'shop-cert')]);
      net(c, 'VirtualService', 'shop', 'reviews', { hosts: ['reviews.example.com'], gateways: ['edge/public'], http: [{ route: [{ destination: { host: 'reviews' } }] }] });
    },
  },
  {
    code: 'IST0134',
    title: 'TCP ServiceEntry without addresses',
    object: 'ServiceEntry shop/ledger-db',
    fail: (c) => { shop(c); net(c, 'ServiceEntry', 'shop', 'ledger-db', { hosts: ['db.ledger.example'], ports: [{ number: 5432, name: 'tcp-pg', protocol: 'TCP' }], resolution: 'DNS' }); },
    pass: (c) => {
      shop(c);
      net(c, 'ServiceEntry', 'shop', 'ledger-db', { hosts: ['db.ledger.example'], addresses: ['10.20.0.15'], ports: [{ number: 5432, name: 'tcp-pg', protocol: 'TCP' }], resolution: 'DNS' });
    },
  },
  {
    code: 'IST0138',
    title: 'two Gateways on one workload with the same certificate',
    object: 'Gateway edge/shop',
    fail: (c) => { MeshAnalyzer.of(c); edge(c); gateway(c, 'shop', [https('shop.example.com', 'wildcard-cert')]); gateway(c, 'blog', [https('blog.example.com', 'wildcard-cert')]); },
    pass: (c) => { MeshAnalyzer.of(c); edge(c); gateway(c, 'shop', [https('shop.example.com', 'wildcard-cert'), https('blog.example.com', 'wildcard-cert')]); },
  },
  {
    code: 'IST0144',
    title: 'application container running as UID 1337',
    object: 'Deployment shop/reviews',
    fail: (c) => { MeshAnalyzer.of(c); namespace(c, 'shop'); deployment(c, 'shop', 'reviews', { app: 'reviews' }, { securityContext: { runAsUser: 1337 } }); },
    pass: (c) => { MeshAnalyzer.of(c); namespace(c, 'shop'); deployment(c, 'shop', 'reviews', { app: 'reviews' }, { securityContext: { runAsUser: 10001 } }); },
  },
  {
    code: 'IST0145',
    title: 'two Gateways declare the same host on the same port',
    object: 'Gateway edge/shop',
    fail: (c) => { MeshAnalyzer.of(c); edge(c); gateway(c, 'shop', [https('shop.example.com', 'shop-cert')]); gateway(c, 'shop-v2', [https('shop.example.com', 'shop-v2-cert')]); },
    pass: (c) => { MeshAnalyzer.of(c); edge(c); gateway(c, 'shop', [https('shop.example.com', 'shop-cert')]); gateway(c, 'shop-v2', [https('v2.shop.example.com', 'shop-v2-cert')]); },
  },
  {
    code: 'IST0157',
    title: 'access logging without a provider and no mesh default',
    object: 'Telemetry shop/access-logs',
    fail: (c) => { shop(c); obj(c, 'telemetry.istio.io/v1', 'Telemetry', 'shop', 'access-logs', { accessLogging: [{}] }); },
    pass: (c) => { shop(c); obj(c, 'telemetry.istio.io/v1', 'Telemetry', 'shop', 'access-logs', { accessLogging: [{ providers: [{ name: 'envoy' }] }] }); },
  },
  {
    code: 'IST0162',
    title: 'Gateway port that the gateway Service does not expose',
    object: 'Gateway edge/public',
    fail: (c) => { MeshAnalyzer.of(c); edge(c); gateway(c, 'public', [https('shop.example.com', 'shop-cert', 9443)]); },
    pass: (c) => { MeshAnalyzer.of(c); edge(c); gateway(c, 'public', [https('shop.example.com', 'shop-cert', 443)]); },
  },
  {
    code: 'IST0173',
    title: 'DestinationRule subset selecting no pods',
    object: 'DestinationRule shop/reviews',
    fail: (c) => { shop(c); net(c, 'DestinationRule', 'shop', 'reviews', { host: 'reviews', subsets: [...SUBSETS, { name: 'v3', labels: { version: 'v3' } }] }); },
    pass: (c) => { shop(c); net(c, 'DestinationRule', 'shop', 'reviews', { host: 'reviews', subsets: SUBSETS }); },
  },
  {
    code: 'IST0174',
    title: 'DestinationRule for a host that does not exist',
    object: 'DestinationRule shop/ratings',
    fail: (c) => { shop(c); net(c, 'DestinationRule', 'shop', 'ratings', { host: 'ratings', trafficPolicy: { connectionPool: { tcp: { maxConnections: 10 } } } }); },
    pass: (c) => { shop(c); net(c, 'DestinationRule', 'shop', 'ratings', { host: 'reviews', trafficPolicy: { connectionPool: { tcp: { maxConnections: 10 } } } }); },
  },
];

/** A ServiceEntry for the external payments API (HTTPS on 443). */
function egressHost(chart: Chart): void {
  net(chart, 'ServiceEntry', 'shop', 'payments', {
    hosts: ['api.payments.example'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }],
  });
}

const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

function gapi(scope: Construct, kind: string, ns: string | undefined, name: string, spec: Spec, extra: Spec = {}): void {
  obj(scope, GATEWAY_API_VERSION, kind, ns, name, spec, extra);
}

/** A Kubernetes Gateway `edge/public` of class istio with one listener `http` for `*.shop.example.com` admitting every namespace (fields overridable). */
function kubeGateway(chart: Chart, listener: Spec = {}): void {
  namespace(chart, 'edge');
  gapi(chart, 'Gateway', 'edge', 'public', {
    gatewayClassName: 'istio',
    listeners: [
      { name: 'http', port: 80, protocol: 'HTTP', hostname: '*.shop.example.com', allowedRoutes: { namespaces: { from: 'All' } }, ...listener },
    ],
  });
}

/** An HTTPRoute `shop/reviews` with the given parents, hostnames and backends. */
function httpRoute(chart: Chart, parentRefs: Spec[], backendRefs: Spec[], hostnames?: string[]): void {
  gapi(chart, 'HTTPRoute', 'shop', 'reviews', { parentRefs, ...(hostnames ? { hostnames } : {}), rules: [{ backendRefs }] });
}

const MESH_PARENT = { group: '', kind: 'Service', name: 'reviews' };
const EDGE_PARENT = { name: 'public', namespace: 'edge', sectionName: 'http' };

/** A ReferenceGrant in `edge` admitting HTTPRoutes from `shop` to the Service `edge/ratings`. */
function grantRatings(chart: Chart): void {
  gapi(chart, 'ReferenceGrant', 'edge', 'shop-routes', {
    from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' }],
    to: [{ group: '', kind: 'Service', name: 'ratings' }],
  });
}

/** Cases on the Kubernetes Gateway API: Istio's analyzers for it, and this library's reference checks. */
const GATEWAY_API_CASES: AnalyzerCase[] = [
  {
    code: 'IST0166',
    title: 'AuthorizationPolicy selecting the pods of a Kubernetes Gateway',
    object: 'AuthorizationPolicy edge/allow-partners',
    fail: (c) => {
      MeshAnalyzer.of(c); kubeGateway(c);
      deployment(c, 'edge', 'public-istio', { 'gateway.networking.k8s.io/gateway-name': 'public' });
      edgePolicy(c, 'edge', 'allow-partners', { selector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'public' } }, rules: [{ from: [{ source: { ipBlocks: ['203.0.113.0/24'] } }] }] });
    },
    pass: (c) => {
      MeshAnalyzer.of(c); kubeGateway(c);
      deployment(c, 'edge', 'public-istio', { 'gateway.networking.k8s.io/gateway-name': 'public' });
      edgePolicy(c, 'edge', 'allow-partners', {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public' }], rules: [{ from: [{ source: { ipBlocks: ['203.0.113.0/24'] } }] }],
      });
    },
  },
  {
    code: 'IST0176',
    title: 'Gateway API TLSRoute CRD older than Istio 1.30 needs',
    object: 'CustomResourceDefinition tlsroutes.gateway.networking.k8s.io',
    fail: (c) => { MeshAnalyzer.of(c); tlsRouteCrd(c, 'v1.4.0'); },
    pass: (c) => { MeshAnalyzer.of(c); tlsRouteCrd(c, 'v1.5.1'); },
  },
  {
    code: 'IST0165',
    title: 'VirtualService bound to the internal Gateway generated from a Kubernetes Gateway',
    object: 'VirtualService shop/reviews',
    fail: (c) => {
      shop(c); edge(c);
      net(c, 'VirtualService', 'shop', 'reviews', { hosts: ['shop.example.com'], gateways: ['edge/public~istio-autogenerated-k8s-gateway~http'], http: [{ route: [{ destination: { host: 'reviews' } }] }] });
    },
    pass: (c) => {
      shop(c); edge(c); gateway(c, 'public', [http('shop.example.com')]);
      net(c, 'VirtualService', 'shop', 'reviews', { hosts: ['shop.example.com'], gateways: ['edge/public'], http: [{ route: [{ destination: { host: 'reviews' } }] }] });
    },
  },
  {
    code: 'IST0171',
    title: 'HTTPRoute copied from a cluster with a negative status condition',
    object: 'HTTPRoute shop/reviews',
    fail: (c) => { shop(c); routeWithStatus(c, 'False', 'BackendNotFound'); },
    pass: (c) => { shop(c); routeWithStatus(c, 'True', 'ResolvedRefs'); },
  },
  {
    code: 'GWA0001',
    title: 'HTTPRoute attached to a Service that does not exist',
    object: 'HTTPRoute shop/reviews',
    istioReason: 'NoMatchingParent',
    fail: (c) => { shop(c); httpRoute(c, [{ ...MESH_PARENT, name: 'ratings' }], [{ name: 'reviews', port: 8080 }]); },
    pass: (c) => { shop(c); httpRoute(c, [MESH_PARENT], [{ name: 'reviews', port: 8080 }]); },
  },
  {
    code: 'GWA0001',
    title: 'HTTPRoute attached to a Gateway that does not exist',
    object: 'HTTPRoute shop/reviews',
    istioIgnores: true,
    fail: (c) => { shop(c); namespace(c, 'edge'); httpRoute(c, [EDGE_PARENT], [{ name: 'reviews', port: 8080 }], ['reviews.shop.example.com']); },
    pass: (c) => { shop(c); kubeGateway(c); httpRoute(c, [EDGE_PARENT], [{ name: 'reviews', port: 8080 }], ['reviews.shop.example.com']); },
  },
  {
    code: 'GWA0002',
    title: 'HTTPRoute with a Service parent without group ""',
    object: 'HTTPRoute shop/reviews',
    istioIgnores: true,
    fail: (c) => { shop(c); httpRoute(c, [{ kind: 'Service', name: 'reviews' }], [{ name: 'reviews', port: 8080 }]); },
    pass: (c) => { shop(c); httpRoute(c, [MESH_PARENT], [{ name: 'reviews', port: 8080 }]); },
  },
  {
    code: 'GWA0003',
    title: 'HTTPRoute hostnames that no listener of its Gateway serves',
    object: 'HTTPRoute shop/reviews',
    istioReason: 'NoMatchingListenerHostname',
    fail: (c) => { shop(c); kubeGateway(c); httpRoute(c, [EDGE_PARENT], [{ name: 'reviews', port: 8080 }], ['reviews.example.com']); },
    pass: (c) => { shop(c); kubeGateway(c); httpRoute(c, [EDGE_PARENT], [{ name: 'reviews', port: 8080 }], ['reviews.shop.example.com']); },
  },
  {
    code: 'GWA0004',
    title: 'HTTPRoute from a namespace its Gateway listener does not admit',
    object: 'HTTPRoute shop/reviews',
    istioReason: 'NotAllowedByListeners',
    fail: (c) => { shop(c); kubeGateway(c, { allowedRoutes: { namespaces: { from: 'Same' } } }); httpRoute(c, [EDGE_PARENT], [{ name: 'reviews', port: 8080 }], ['reviews.shop.example.com']); },
    pass: (c) => {
      shop(c); kubeGateway(c, { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } } } });
      httpRoute(c, [EDGE_PARENT], [{ name: 'reviews', port: 8080 }], ['reviews.shop.example.com']);
    },
  },
  {
    code: 'GWA0004',
    title: 'HTTPRoute attached to a waypoint Gateway instead of the Service',
    object: 'HTTPRoute shop/reviews',
    istioIgnores: true,
    fail: (c) => {
      shop(c); gapi(c, 'Gateway', 'shop', 'waypoint', { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] });
      httpRoute(c, [{ name: 'waypoint' }], [{ name: 'reviews', port: 8080 }]);
    },
    pass: (c) => {
      shop(c); gapi(c, 'Gateway', 'shop', 'waypoint', { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] });
      httpRoute(c, [MESH_PARENT], [{ name: 'reviews', port: 8080 }]);
    },
  },
  {
    code: 'GWA0005',
    title: 'HTTPRoute backend Service that does not exist',
    object: 'HTTPRoute shop/reviews',
    istioReason: 'BackendNotFound',
    fail: (c) => { shop(c); httpRoute(c, [MESH_PARENT], [{ name: 'ratings', port: 8080 }]); },
    pass: (c) => { shop(c); httpRoute(c, [MESH_PARENT], [{ name: 'reviews', port: 8080 }]); },
  },
  {
    code: 'GWA0005',
    title: 'HTTPRoute backend port the Service does not have',
    object: 'HTTPRoute shop/reviews',
    istioSkip: 'istiod accepts a backend port the Service lacks (its share finds no endpoint at runtime) and writes no negative status',
    fail: (c) => { shop(c); httpRoute(c, [MESH_PARENT], [{ name: 'reviews', port: 9080 }]); },
    pass: (c) => { shop(c); httpRoute(c, [MESH_PARENT], [{ name: 'reviews', port: 8080 }]); },
  },
  {
    code: 'GWA0006',
    title: 'HTTPRoute backend named by its host name',
    object: 'HTTPRoute shop/reviews',
    istioReason: 'InvalidDestination',
    fail: (c) => { shop(c); httpRoute(c, [MESH_PARENT], [{ name: 'reviews.shop.svc.cluster.local', port: 8080 }]); },
    pass: (c) => { shop(c); httpRoute(c, [MESH_PARENT], [{ name: 'reviews', namespace: 'shop', port: 8080 }]); },
  },
  {
    code: 'GWA0007',
    title: 'Gateway route to a Service in another namespace without a ReferenceGrant',
    object: 'HTTPRoute shop/reviews',
    istioReason: 'RefNotPermitted',
    fail: (c) => {
      shop(c); kubeGateway(c); service(c, 'edge', 'ratings', { app: 'ratings' });
      httpRoute(c, [EDGE_PARENT], [{ name: 'ratings', namespace: 'edge', port: 8080 }], ['reviews.shop.example.com']);
    },
    pass: (c) => {
      shop(c); kubeGateway(c); service(c, 'edge', 'ratings', { app: 'ratings' }); grantRatings(c);
      httpRoute(c, [EDGE_PARENT], [{ name: 'ratings', namespace: 'edge', port: 8080 }], ['reviews.shop.example.com']);
    },
  },
  {
    code: 'GWA0007',
    title: 'Gateway listener certificate in another namespace without a ReferenceGrant',
    object: 'Gateway edge/public',
    istioReason: 'RefNotPermitted',
    fail: (c) => { MeshAnalyzer.of(c); namespace(c, 'certs'); kubeGateway(c, httpsListener()); },
    pass: (c) => {
      MeshAnalyzer.of(c); namespace(c, 'certs'); kubeGateway(c, httpsListener());
      gapi(c, 'ReferenceGrant', 'certs', 'edge-gateways', {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'edge' }],
        to: [{ group: '', kind: 'Secret', name: 'shop-cert' }],
      });
    },
  },
  {
    code: 'GWA0008',
    title: 'Gateway of a class no controller of the app serves',
    object: 'Gateway edge/public',
    istioIgnores: true,
    fail: (c) => {
      MeshAnalyzer.of(c); namespace(c, 'edge');
      gapi(c, 'Gateway', 'edge', 'public', { gatewayClassName: 'istio-ingress', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] });
    },
    pass: (c) => {
      MeshAnalyzer.of(c); namespace(c, 'edge');
      gapi(c, 'Gateway', 'edge', 'public', { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] });
    },
  },
  {
    code: 'GWA0009',
    title: 'AuthorizationPolicy targeting a Gateway that does not exist',
    object: 'AuthorizationPolicy edge/allow-partners',
    istioSkip: 'istiod reports a policy target it cannot bind only from its ambient index (WaypointAccepted status), which no file-based tool here runs',
    fail: (c) => {
      MeshAnalyzer.of(c); kubeGateway(c);
      edgePolicy(c, 'edge', 'allow-partners', { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'partners' }], rules: [{ from: [{ source: { ipBlocks: ['203.0.113.0/24'] } }] }] });
    },
    pass: (c) => {
      MeshAnalyzer.of(c); kubeGateway(c);
      edgePolicy(c, 'edge', 'allow-partners', { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public' }], rules: [{ from: [{ source: { ipBlocks: ['203.0.113.0/24'] } }] }] });
    },
  },
];

/** The HTTPRoute `shop/reviews` to the reviews Service, with the status a cluster wrote (as `kubectl get -o yaml` gives it). */
function routeWithStatus(chart: Chart, resolved: string, reason: string): void {
  const parentRef = { group: '', kind: 'Service', name: 'reviews' };
  new ApiObject(chart, `HTTPRoute-shop-reviews-${counter++}`, {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: { name: 'reviews', namespace: 'shop' },
    spec: { parentRefs: [parentRef], rules: [{ backendRefs: [{ name: 'reviews', port: 8080 }] }] },
    status: {
      parents: [{
        parentRef,
        controllerName: 'istio.io/gateway-controller',
        conditions: [
          { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Route was valid', lastTransitionTime: '2026-01-01T00:00:00Z' },
          { type: 'ResolvedRefs', status: resolved, reason, message: resolved === 'True' ? 'All references resolved' : 'backend(reviews-v3.shop.svc.cluster.local) not found', lastTransitionTime: '2026-01-01T00:00:00Z' },
        ],
      }],
    },
  });
}

/** An HTTPS listener terminating with the Secret `certs/shop-cert`. */
function httpsListener(): Spec {
  return {
    name: 'https',
    port: 443,
    protocol: 'HTTPS',
    tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', group: '', name: 'shop-cert', namespace: 'certs' }] },
  };
}

function edgePolicy(chart: Chart, ns: string, name: string, spec: Spec): void {
  obj(chart, 'security.istio.io/v1', 'AuthorizationPolicy', ns, name, spec);
}

/** The TLSRoute CRD of a Gateway API bundle version (a minimal valid one: Istio reads the annotation only). */
function tlsRouteCrd(chart: Chart, version: string): void {
  new ApiObject(chart, `crd-tlsroutes-${counter++}`, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'tlsroutes.gateway.networking.k8s.io', annotations: { 'gateway.networking.k8s.io/bundle-version': version } },
    spec: {
      group: 'gateway.networking.k8s.io',
      names: { kind: 'TLSRoute', plural: 'tlsroutes', singular: 'tlsroute', listKind: 'TLSRouteList' },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
}

/** Every case: Istio's API first, then the Gateway API, then ambient mode. */
export const ANALYZER_CASES: AnalyzerCase[] = [...ISTIO_API_CASES, ...GATEWAY_API_CASES, ...AMBIENT_CASES];
