/**
 * IngressGateway with `api: RoutingApi.GATEWAY_API`: a Gateway of class istio whose proxy istiod
 * deploys, a listener per host, an HTTPRoute (TLSRoute) per host and ReferenceGrants. The same app
 * rendered with both APIs sends every request of a grid to the same pods (resolved independently:
 * VirtualService semantics, and Gateway API semantics as Istio 1.30 reads them); the zero-trust
 * rules admit exactly the deployed proxy's identity; what Gateway API cannot express is an error.
 */
import * as fs from 'fs';
import { App, Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parseAllDocuments } from 'yaml';
import { build as buildIngressExample } from '../examples/gateway-api-ingress';
import {
  CanaryRelease, CertificateIssuer, GatewayServiceType, GatewayTls, HeaderMatch, IngressGateway, IngressGatewayProps, MeshInstallation, PathMatch,
  ReleaseStrategy, ReleaseWorkload, RequestMatch, RoutedService, RouteDestination, RouteTo, RoutingApi, ServiceRouting, TlsProtocolVersion,
  WorkloadSelector, ZeroTrustNamespace,
} from '../lib';
import { resolveGatewayRoute } from './helpers/httproute-resolver';
import { resolveRequest, semanticRouting } from './helpers/route-resolver';

type Obj = Record<string, any>;

function objects(app: App): Obj[] {
  return parseAllDocuments(app.synthYaml()).map((d) => d.toJS()).filter((o) => o);
}

const find = (all: Obj[], kind: string, name?: string) => all.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

interface Shop {
  readonly app: App;
  readonly gateway: IngressGateway;
  readonly shop: Chart;
  readonly web: kplus.Service;
  readonly catalog: kplus.Service;
  readonly ztn: ZeroTrustNamespace;
}

/** Gateway `public` in namespace `edge`; Services web (one version) and catalog (v1/v2 with a route table) in `shop`. */
function shopApp(api: RoutingApi, props: Partial<IngressGatewayProps> = {}, tableApi: RoutingApi = api): Shop {
  const app = Testing.app();
  const mesh = MeshInstallation.fromExisting(new Chart(app, 'mesh'), 'Mesh', {});
  const gateway = new IngressGateway(new Chart(app, 'edge'), 'Public', { mesh, namespace: 'edge', createNamespace: true, api, ...props });
  const shop = new Chart(app, 'shop', { namespace: 'shop' });
  const ztn = new ZeroTrustNamespace(shop, 'Shop', { name: 'shop', mesh });
  const web = new kplus.Deployment(shop, 'Web', {
    podMetadata: { labels: { app: 'web' } },
    containers: [{ image: 'web:1', portNumber: 8080, securityContext: { user: 1000, group: 1000 } }],
  }).exposeViaService({ name: 'web', ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  for (const version of ['v1', 'v2']) {
    new kplus.Deployment(shop, `Catalog-${version}`, {
      podMetadata: { labels: { app: 'catalog', version } },
      containers: [{ image: `catalog:${version}`, portNumber: 8080, securityContext: { user: 1000, group: 1000 } }],
    });
  }
  const catalog = new kplus.Service(shop, 'CatalogService', {
    metadata: { name: 'catalog' },
    selector: kplus.Pods.select(shop, 'CatalogPods', { labels: { app: 'catalog' } }),
    ports: [{ name: 'http', port: 80, targetPort: 8080 }],
  });
  new ServiceRouting(shop, 'CatalogRouting', {
    service: RoutedService.fromService(catalog),
    api: tableApi,
    versions: [{ name: 'v1' }, { name: 'v2' }],
    routes: [
      { matches: [RequestMatch.headerExact('x-experiment', 'b')], to: RouteTo.version('v2') },
      { to: RouteTo.weights({ v1: 80, v2: 20 }), timeout: Duration.seconds(5) },
    ],
    mesh,
  });
  ztn.allowFrom(gateway, { to: WorkloadSelector.fromLabels({ app: 'web' }), ports: [8080] });
  ztn.allowFrom(gateway, { to: WorkloadSelector.fromLabels({ app: 'catalog' }), ports: [8080] });
  return { app, gateway, shop, web, catalog, ztn };
}

/** Hosts and routes used by the equivalence test. */
function addShopRoutes(s: Shop): void {
  s.gateway.addHost('shop.example.com', { tls: GatewayTls.simple('shop-cert', { issuer: CertificateIssuer.clusterIssuer('letsencrypt') }) });
  s.gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(s.web), timeout: Duration.seconds(15) });
  s.gateway.addRoute('shop.example.com', { path: PathMatch.prefix('/catalog'), to: RouteDestination.fromService(s.catalog) });
  s.gateway.addRoute('shop.example.com', {
    path: PathMatch.exact('/healthz'),
    to: RouteDestination.fromService(s.web),
    responseHeaders: { set: { 'cache-control': 'no-store' } },
  });
  s.gateway.addRoute('shop.example.com', {
    path: PathMatch.exact('/beta'),
    headers: [HeaderMatch.exact('x-beta', 'yes')],
    to: RouteDestination.fromService(s.catalog),
    corsPolicy: { allowOrigins: ['https://app.example.com'], allowMethods: ['GET'], maxAge: Duration.hours(1) },
  });
  s.gateway.addHost('api.example.com');
  s.gateway.addRoute('api.example.com', { to: RouteDestination.fromService(s.catalog) });
}

describe('IngressGateway on the Gateway API', () => {
  test('the same hosts and routes send every request of a grid to the same pods with both APIs', () => {
    const istio = shopApp(RoutingApi.ISTIO);
    addShopRoutes(istio);
    const gatewayApi = shopApp(RoutingApi.GATEWAY_API);
    addShopRoutes(gatewayApi);
    const vsObjects = objects(istio.app);
    const gwObjects = objects(gatewayApi.app);
    expect(find(gwObjects, 'VirtualService').filter((v) => v.spec.gateways?.includes('edge/public'))).toEqual([]);

    let compared = 0;
    for (const host of ['shop.example.com', 'api.example.com']) {
      for (const path of ['/', '/catalog', '/catalog/items', '/catalogue', '/healthz', '/healthz/x', '/beta', '/other']) {
        for (const headers of [{}, { 'x-experiment': 'b' }, { 'x-beta': 'yes' }, { 'x-beta': 'yes', 'x-experiment': 'b' }] as Array<Record<string, string>>) {
          const expected = semanticRouting(resolveRequest(vsObjects, { gateway: 'edge/public', host, path, headers }));
          const actual = resolveGatewayRoute(gwObjects, { gateway: 'edge/public', host, path, headers });
          const label = `${host}${path} ${JSON.stringify(headers)}`;
          expect({ label, ...actual }).toEqual({ label, ...expected });
          compared++;
        }
      }
    }
    expect(compared).toBe(64);
    // The grid is not trivial: the experiment's header reaches catalog v2 at the edge, other requests split 80/20.
    const split = resolveGatewayRoute(gwObjects, { gateway: 'edge/public', host: 'shop.example.com', path: '/catalog' });
    expect(split?.destinations?.map((d) => d.weight)).toEqual([80, 20]);
  });

  test('examples/gateway-api-ingress.ts: the A/B test and the canary bound to the gateway route alike with both APIs', () => {
    const render = (api: RoutingApi) => {
      const app = Testing.app();
      buildIngressExample(app, api);
      return objects(app);
    };
    const vsObjects = render(RoutingApi.ISTIO);
    const gwObjects = render(RoutingApi.GATEWAY_API);
    const shares: Record<string, unknown> = {};
    for (const path of ['/', '/cart', '/catalog', '/catalog/shoes', '/catalogue', '/healthz']) {
      for (const headers of [{}, { 'x-experiment': 'b' }] as Array<Record<string, string>>) {
        const req = { gateway: 'shop-edge/storefront-edge', host: 'shop.example.com', path, headers };
        const actual = resolveGatewayRoute(gwObjects, req);
        expect({ path, headers, ...actual }).toEqual({ path, headers, ...semanticRouting(resolveRequest(vsObjects, req)) });
        shares[`${path} ${JSON.stringify(headers)}`] = actual?.destinations?.map((d) => `${d.target.replace(/.*"app.kubernetes.io\/name":"([a-z-]+)".*"version":"(v\d)".*/, '$1 $2')} ${d.weight}`);
      }
    }
    expect(shares).toMatchObject({
      '/ {}': ['checkout v1 90', 'checkout v2 10'],
      '/catalog/shoes {}': ['catalog v1 100'],
      '/catalog/shoes {"x-experiment":"b"}': ['catalog v2 100'],
      '/catalogue {}': ['catalog v1 100'],
    });
  });

  test('the Gateway has a listener per host and protocol, each admitting routes of its own namespace only', () => {
    const s = shopApp(RoutingApi.GATEWAY_API);
    s.gateway.addHost('shop.example.com', { tls: GatewayTls.simple('shop-cert') });
    s.gateway.addHost('partners.example.com', { tls: GatewayTls.mutual('partners-cert'), httpsRedirect: false });
    s.gateway.addHost('legacy.example.com', { tls: GatewayTls.passthrough() });
    s.gateway.addHost('internal.example.com', { tls: GatewayTls.istioMutual() });
    s.gateway.addHost('plain.example.com');
    for (const h of ['shop.example.com', 'partners.example.com', 'internal.example.com', 'plain.example.com']) {
      s.gateway.addRoute(h, { to: RouteDestination.fromService(s.web) });
    }
    s.gateway.addRoute('legacy.example.com', { to: RouteDestination.fromService(s.web) });
    const all = objects(s.app);
    const [gw] = find(all, 'Gateway', 'public');
    expect(gw.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(gw.spec.gatewayClassName).toBe('istio');
    const summary = gw.spec.listeners.map((l: Obj) => [l.name, l.hostname, l.port, l.protocol, l.tls?.mode, l.tls?.certificateRefs?.[0]?.name,
      l.tls?.options?.['gateway.istio.io/tls-terminate-mode'], l.allowedRoutes.namespaces.from, l.allowedRoutes.kinds[0].kind]);
    expect(summary).toEqual([
      ['http-shop-example-com', 'shop.example.com', 80, 'HTTP', undefined, undefined, undefined, 'Same', 'HTTPRoute'],
      ['https-shop-example-com', 'shop.example.com', 443, 'HTTPS', 'Terminate', 'shop-cert', undefined, 'Same', 'HTTPRoute'],
      ['https-partners-example-com', 'partners.example.com', 443, 'HTTPS', 'Terminate', 'partners-cert', 'MUTUAL', 'Same', 'HTTPRoute'],
      ['tls-legacy-example-com', 'legacy.example.com', 443, 'TLS', 'Passthrough', undefined, undefined, 'Same', 'TLSRoute'],
      ['http-internal-example-com', 'internal.example.com', 80, 'HTTP', undefined, undefined, undefined, 'Same', 'HTTPRoute'],
      ['https-internal-example-com', 'internal.example.com', 443, 'HTTPS', 'Terminate', undefined, 'ISTIO_MUTUAL', 'Same', 'HTTPRoute'],
      ['http-plain-example-com', 'plain.example.com', 80, 'HTTP', undefined, undefined, undefined, 'Same', 'HTTPRoute'],
    ]);
    // Every route attaches to a listener of its own host, in the gateway's namespace.
    const listeners = new Map(gw.spec.listeners.map((l: Obj) => [l.name, l]));
    const routes = [...find(all, 'HTTPRoute'), ...find(all, 'TLSRoute')].filter((r) => r.spec.parentRefs.every((p: Obj) => p.kind === undefined));
    expect(routes.length).toBe(7);
    for (const r of routes) {
      expect(r.metadata.namespace).toBe('edge');
      for (const p of r.spec.parentRefs) {
        const l = listeners.get(p.sectionName) as Obj;
        expect(p.name).toBe('public');
        expect(r.spec.hostnames).toEqual([l.hostname]);
      }
    }
    // The redirect: 301 to https for the TLS hosts that ask for it, on the http listener.
    const redirects = find(all, 'HTTPRoute').filter((r) => r.metadata.name.endsWith('-redirect'));
    expect(redirects.map((r) => [r.spec.parentRefs[0].sectionName, r.spec.rules[0].filters[0].requestRedirect])).toEqual([
      ['http-shop-example-com', { scheme: 'https', statusCode: 301 }],
      ['http-internal-example-com', { scheme: 'https', statusCode: 301 }],
    ]);
    const [tlsRoute] = find(all, 'TLSRoute');
    expect(tlsRoute.spec.rules).toEqual([{ backendRefs: [{ name: 'web', namespace: 'shop', port: 80 }] }]);
  });

  test('ReferenceGrants admit exactly the Services the routes send to, per namespace and route kind', () => {
    const s = shopApp(RoutingApi.GATEWAY_API);
    s.gateway.addHost('shop.example.com');
    s.gateway.addRoute('shop.example.com', { path: PathMatch.prefix('/catalog'), to: RouteDestination.fromService(s.catalog) });
    s.gateway.addHost('legacy.example.com', { tls: GatewayTls.passthrough() });
    s.gateway.addRoute('legacy.example.com', { to: RouteDestination.fromService(s.web) });
    const grants = find(objects(s.app), 'ReferenceGrant');
    expect(grants.map((g) => [g.apiVersion, g.metadata.namespace, g.spec.from, g.spec.to.map((t: Obj) => `${t.group}/${t.kind}/${t.name}`)])).toEqual([
      ['gateway.networking.k8s.io/v1beta1', 'shop', [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'edge' }],
        ['/Service/catalog-v1', '/Service/catalog-v2']],
      ['gateway.networking.k8s.io/v1beta1', 'shop', [{ group: 'gateway.networking.k8s.io', kind: 'TLSRoute', namespace: 'edge' }], ['/Service/web']],
    ]);
  });

  test('istiod deploys the proxy: the zero-trust rules name its service account and pod labels, the props become overlays', () => {
    const s = shopApp(RoutingApi.GATEWAY_API, {
      autoscaling: { minReplicas: 2, maxReplicas: 4, targetCpuUtilization: 70 },
      serviceType: GatewayServiceType.CLUSTER_IP,
      serviceAnnotations: { 'example.com/lb': 'internal' },
      resources: { cpuRequest: '200m' },
    });
    s.gateway.addHost('shop.example.com');
    s.gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(s.web) });
    const all = objects(s.app);
    expect(s.gateway.serviceAccountName).toBe('public-istio');
    expect(s.gateway.selectorLabels).toEqual({ 'gateway.networking.k8s.io/gateway-name': 'public' });
    expect(s.gateway.deployment).toBeUndefined();
    expect(find(all, 'Deployment').filter((d) => d.metadata.namespace === 'edge')).toEqual([]);
    const policy = find(all, 'AuthorizationPolicy').find((p) => JSON.stringify(p.spec).includes('public-istio'))!;
    expect(policy.spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/edge/sa/public-istio']);
    const netpol = find(all, 'NetworkPolicy').find((p) => JSON.stringify(p.spec.ingress ?? []).includes('gateway-name'))!;
    expect(JSON.stringify(netpol.spec.ingress)).toContain('"matchLabels":{"gateway.networking.k8s.io/gateway-name":"public"}');

    const [gw] = find(all, 'Gateway', 'public');
    expect(gw.metadata.annotations).toEqual({ 'networking.istio.io/service-type': 'ClusterIP' });
    expect(gw.spec.infrastructure).toEqual({
      annotations: { 'example.com/lb': 'internal' },
      parametersRef: { group: '', kind: 'ConfigMap', name: 'public-gateway-options' },
    });
    const [options] = find(all, 'ConfigMap', 'public-gateway-options');
    const overlay = (k: string) => parseAllDocuments(options.data[k])[0].toJS();
    expect(overlay('horizontalPodAutoscaler').spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    expect(overlay('horizontalPodAutoscaler').spec.metrics[0].resource.target.averageUtilization).toBe(70);
    expect(overlay('podDisruptionBudget')).toEqual({ spec: { minAvailable: 1 } });
    expect(overlay('deployment').spec.template.spec.containers[0]).toMatchObject({ name: 'istio-proxy', resources: { requests: { cpu: '200m' } } });
  });

  test('a fixed replica count has no autoscaler overlay, one pod no disruption budget', () => {
    const s = shopApp(RoutingApi.GATEWAY_API, { replicas: 1 });
    s.gateway.addHost('shop.example.com');
    s.gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(s.web) });
    const [options] = find(objects(s.app), 'ConfigMap', 'public-gateway-options');
    expect(Object.keys(options.data)).toEqual(['deployment']);
    expect(parseAllDocuments(options.data.deployment)[0].toJS().spec.replicas).toBe(1);
  });

  describe('what Gateway API cannot express is an error naming the feature and the fix', () => {
    const synthError = (fn: (s: Shop) => void, tableApi?: RoutingApi) => () => {
      const s = shopApp(RoutingApi.GATEWAY_API, {}, tableApi);
      fn(s);
      s.app.synth();
    };
    test('a rate limit', () => {
      expect(synthError((s) => s.gateway.addHost('shop.example.com', { rateLimit: { requests: 10, interval: Duration.seconds(1) } }))).toThrow(
        '[edge/Public] \'rateLimit\' for host "shop.example.com" has no Gateway API form (Istio 1.30 applies local rate limits through EnvoyFilters ' +
        "on Istio Gateways' virtual hosts); drop it, or use 'api' RoutingApi.ISTIO for this gateway");
      expect(synthError((s) => {
        s.gateway.addHost('shop.example.com');
        s.gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(s.web), rateLimit: { requests: 10, interval: Duration.seconds(1) } });
      })).toThrow('[edge/Public] \'rateLimit\' of a route of host "shop.example.com" has no Gateway API form (Istio 1.30 applies local rate ' +
        "limits through EnvoyFilters on Istio Gateways' routes); drop it, or use 'api' RoutingApi.ISTIO for this gateway");
    });
    test('a minimum TLS version, a rendered proxy', () => {
      expect(synthError((s) => s.gateway.addHost('shop.example.com', { tls: GatewayTls.simple('c', { minProtocolVersion: TlsProtocolVersion.TLSV1_3 }) })))
        .toThrow('[edge/Public] \'tls.minProtocolVersion\' for host "shop.example.com" has no Gateway API form in Istio 1.30 (its listeners ' +
          "take the mesh's minimum TLS version, meshConfig.tlsDefaults); drop it, or use 'api' RoutingApi.ISTIO for this gateway");
      const app = Testing.app();
      const mesh = MeshInstallation.fromExisting(new Chart(app, 'mesh'), 'Mesh', {});
      expect(() => new IngressGateway(new Chart(app, 'edge'), 'Public', { mesh, api: RoutingApi.GATEWAY_API, injection: false })).toThrow(
        "[edge/Public] 'injection' false renders the proxy here, but with 'api' RoutingApi.GATEWAY_API istiod deploys it from the mesh's " +
        "kube-gateway template; drop 'injection' (a 'proxyImage' alone pins the image)");
    });
    test('retries, and a path rewrite after a prefix', () => {
      expect(synthError((s) => {
        s.gateway.addHost('shop.example.com');
        s.gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(s.web), retries: { attempts: 2 } });
      })).toThrow('route "prefix-root" of host "shop.example.com" on gateway edge/public sets \'retries\', which Gateway API 1.5 has only in its ' +
        'experimental channel; drop the retries or use RoutingApi.ISTIO for this gateway');
      expect(synthError((s) => {
        s.gateway.addHost('shop.example.com');
        s.gateway.addRoute('shop.example.com', { path: PathMatch.prefix('/api'), to: RouteDestination.fromService(s.web), rewrite: { uri: '/' } });
      })).toThrow('route "prefix-api" of host "shop.example.com" on gateway edge/public rewrites the path to "/" after a match that is not an ' +
        'exact path; Gateway API replaces a prefix only after its own segment-prefix match, which matches other paths than the route: match ' +
        'the exact path, or use RoutingApi.ISTIO for this gateway');
    });
    test('a service routed by subsets (its table on the Istio API)', () => {
      expect(synthError((s) => {
        s.gateway.addHost('shop.example.com');
        s.gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(s.catalog) });
      }, RoutingApi.ISTIO)).toThrow('route "prefix-root-route-1" of host "shop.example.com" on gateway edge/public sends to a version of catalog.shop.svc.cluster.local, ' +
        'which is routed with RoutingApi.ISTIO (DestinationRule subsets); a Gateway API route reaches versions through a Service per version: ' +
        "give that service's ServiceRouting or CanaryRelease api: RoutingApi.GATEWAY_API");
    });
    test('a fault of the service\'s table, reached through the gateway', () => {
      const s = shopApp(RoutingApi.GATEWAY_API, {}, RoutingApi.ISTIO);
      new ServiceRouting(s.shop, 'WebRouting', {
        service: RoutedService.fromService(s.web),
        versions: [{ name: 'v1', selector: { app: 'web' } }],
        routes: [{ to: RouteTo.version('v1'), fault: { abortHttpStatus: 503, abortPercent: 10 } }],
      });
      s.gateway.addHost('shop.example.com');
      s.gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(s.web) });
      expect(() => s.app.synth()).toThrow('route "prefix-root" of host "shop.example.com" on gateway edge/public injects a fault, which Gateway ' +
        'API has no form for; inject it in the mesh with RoutingApi.ISTIO, or use RoutingApi.ISTIO for this gateway');
    });
    test('a host bound by a release before the gateway added it', () => {
      const s = shopApp(RoutingApi.GATEWAY_API);
      new CanaryRelease(s.shop, 'WebRelease', {
        serviceName: 'web',
        stable: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'web', version: 'v1' })),
        canary: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'web', version: 'v2' })),
        strategy: ReleaseStrategy.staticWeight(10),
        api: RoutingApi.GATEWAY_API,
        gateway: { gateway: s.gateway.gatewayRef, hosts: ['shop.example.com'] },
        printPlan: false,
      });
      expect(() => s.gateway.addHost('shop.example.com')).toThrow('[edge/Public] host "shop.example.com" is already bound to gateway edge/public by ' +
        'shop/WebRelease, which was created before this host was added; create the IngressGateway and add its hosts before the releases that bind them');
    });
    test('a ReferenceGrant left with no Service (the only route to the namespace could not be rendered)', () => {
      expect(synthError((s) => {
        new ServiceRouting(s.shop, 'WebRouting', {
          service: RoutedService.fromService(s.web),
          api: RoutingApi.GATEWAY_API,
          versions: [{ name: 'v1', selector: { app: 'web' } }],
          routes: [{ matches: [RequestMatch.pathPrefix('/a/')], to: RouteTo.version('v1') }, { to: RouteTo.version('v1') }],
        });
        s.gateway.addHost('shop.example.com');
        s.gateway.addRoute('shop.example.com', { path: PathMatch.exact('/x'), to: RouteDestination.fromService(s.web), rewrite: { uri: '/a/x' } });
      })).toThrow('ReferenceGrant shop/edge-public-httproute would admit no Service: the HTTPRoutes of gateway edge/public send nothing to ' +
        'namespace shop (a route to a version that has no Service of its own?)');
    });
    test('no file is written when anything is invalid', () => {
      const s = shopApp(RoutingApi.GATEWAY_API);
      s.gateway.addHost('shop.example.com');
      s.gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(s.web), retries: { attempts: 2 } });
      expect(() => s.app.synth()).toThrow();
      expect(fs.readdirSync(s.app.outdir)).toEqual([]);
    });
    test("'api' given a string that is no RoutingApi", () => {
      const app = Testing.app();
      const mesh = MeshInstallation.fromExisting(new Chart(app, 'mesh'), 'Mesh', {});
      expect(() => new IngressGateway(new Chart(app, 'edge'), 'Public', { mesh, api: 'gateway' as any })).toThrow("[edge/Public] 'api' must be one of RoutingApi.ISTIO, RoutingApi.GATEWAY_API, got \"gateway\"");
    });
  });
});
