/**
 * Zero-trust rules resolved against the app: service accounts become the pods that run as them,
 * identities that run nowhere and ports the pods do not listen on are errors at synth.
 */
import * as fs from 'fs';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import {
  EgressGateway, ExternalHost, IngressGateway, MeshInstallation, MeshPeer, MtlsMode, RouteDestination, WorkloadSelector, ZeroTrustNamespace,
} from '../lib';
import { networkAllows } from './helpers/netpol-evaluator';
import { fixture, synthAll } from './zero-trust-fixture';

type Labels = Record<string, string>;

/** A Deployment `name` in `namespace` running as `serviceAccount`, pods labelled `app: name`, listening on `ports`. */
function deployment(chart: Chart, namespace: string, name: string, serviceAccount: string | undefined, ports: number[] | undefined): Labels {
  new k8s.KubeDeployment(chart, `${namespace}-${name}`, {
    metadata: { name, namespace },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, version: 'v1' } },
        spec: {
          serviceAccountName: serviceAccount,
          containers: [{ name, image: `example/${name}:1`, ports: ports?.map((containerPort) => ({ containerPort, name: `http-${containerPort}` })) }],
        },
      },
    },
  });
  return { app: name, version: 'v1' };
}

function twoNamespaces() {
  const f = fixture();
  const shop = new ZeroTrustNamespace(f.chart, 'Shop', { name: 'shop', mesh: f.mesh });
  const web = new ZeroTrustNamespace(f.chart, 'Web', { name: 'web', mesh: f.mesh });
  return { ...f, shop, web };
}

describe('service-account peers select the pods that run as them', () => {
  test('the ingress NetworkPolicy admits the frontend pods only, not the rest of its namespace', () => {
    const { app, chart, shop } = twoNamespaces();
    const frontend = deployment(chart, 'web', 'frontend', 'frontend', [8080]);
    const batch = deployment(chart, 'web', 'batch', 'batch', [8080]);
    const api = deployment(chart, 'shop', 'api', 'api', [8080]);
    shop.allowFrom(MeshPeer.serviceAccount('web', 'frontend'), { to: WorkloadSelector.fromLabels({ app: 'api' }), ports: [8080] });
    const objects = synthAll(app);
    const from = (labels: Labels) => ({ namespace: 'web', labels });
    const to = { namespace: 'shop', labels: api };
    expect(networkAllows(objects, from(frontend), to, 8080)).toBe(true);
    expect(networkAllows(objects, from(batch), to, 8080)).toBe(false);
    expect(networkAllows(objects, from(frontend), to, 9090)).toBe(false);
  });

  test('workloads declared after the rule are found (resolved at synth); two workloads of one account are both admitted', () => {
    const { app, chart, shop } = twoNamespaces();
    shop.allowFrom(MeshPeer.serviceAccount('web', 'frontend'), { ports: [8080] });
    const a = deployment(chart, 'web', 'frontend', 'frontend', [8080]);
    const b = deployment(chart, 'web', 'frontend-canary', 'frontend', [8080]);
    const other = deployment(chart, 'web', 'admin', 'admin', [8080]);
    const api = deployment(chart, 'shop', 'api', 'api', [8080]);
    const objects = synthAll(app);
    const to = { namespace: 'shop', labels: api };
    expect(networkAllows(objects, { namespace: 'web', labels: a }, to, 8080)).toBe(true);
    expect(networkAllows(objects, { namespace: 'web', labels: b }, to, 8080)).toBe(true);
    expect(networkAllows(objects, { namespace: 'web', labels: other }, to, 8080)).toBe(false);
  });

  test('the caller namespace gets egress for the account\'s pods only when one workload runs as it', () => {
    const { app, chart, shop } = twoNamespaces();
    const frontend = deployment(chart, 'web', 'frontend', 'frontend', [8080]);
    const batch = deployment(chart, 'web', 'batch', 'batch', [8080]);
    const api = deployment(chart, 'shop', 'api', 'api', [8080]);
    shop.allowFrom(MeshPeer.serviceAccount('web', 'frontend'), { ports: [8080] });
    const egress = synthAll(app).filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'web' && o.metadata.name === 'allow-to-shop');
    expect(egress).toHaveLength(1);
    expect(egress[0].spec.podSelector).toEqual({ matchLabels: { app: 'frontend' } });
    const objects = synthAll(app);
    expect(networkAllows(objects, { namespace: 'web', labels: batch }, { namespace: 'shop', labels: api }, 8080)).toBe(false);
    expect(networkAllows(objects, { namespace: 'web', labels: frontend }, { namespace: 'shop', labels: api }, 8080)).toBe(true);
  });

  test('an account of a namespace where the app deploys nothing keeps the namespace-wide NetworkPolicy peer', () => {
    const { app, chart, shop } = twoNamespaces();
    deployment(chart, 'shop', 'api', 'api', [8080]);
    shop.allowFrom(MeshPeer.serviceAccount('web', 'frontend'), { ports: [8080] });
    const policy = synthAll(app).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-web-frontend');
    expect(policy.spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } } }]);
  });

  test('mTLS exception callers given as service accounts are narrowed the same way', () => {
    const { app, chart, shop } = twoNamespaces();
    const probe = deployment(chart, 'web', 'prober', 'prober', [8080]);
    const other = deployment(chart, 'web', 'other', 'other', [8080]);
    const legacy = deployment(chart, 'shop', 'legacy', 'legacy', [9000]);
    shop.addMtlsException({
      port: 9000,
      mode: MtlsMode.PERMISSIVE,
      reason: 'legacy health checker',
      selector: WorkloadSelector.fromLabels({ app: 'legacy' }),
      callers: [MeshPeer.serviceAccount('web', 'prober')],
    });
    const objects = synthAll(app);
    expect(networkAllows(objects, { namespace: 'web', labels: probe }, { namespace: 'shop', labels: legacy }, 9000)).toBe(true);
    expect(networkAllows(objects, { namespace: 'web', labels: other }, { namespace: 'shop', labels: legacy }, 9000)).toBe(false);
  });
});

describe('identities and ports are checked against the app', () => {
  test('a service account no workload of its namespace runs as is an error naming the accounts in use and the fix', () => {
    const { app, chart, shop } = twoNamespaces();
    deployment(chart, 'web', 'frontend', 'frontend', [8080]);
    shop.allowFrom(MeshPeer.serviceAccount('web', 'fronted'), { ports: [8080] });
    expect(() => app.synth()).toThrow(
      '\'allowFrom\' peer web/sa/fronted: no workload of this app in namespace "web" runs as service account "fronted" (in use there: "frontend"); ' +
      'fix the name, or, if pods running as it are deployed outside this app, give their labels: ' +
      "MeshPeer.serviceAccount('web', 'fronted', { podLabels: { app: '...' } })");
  });

  test('pods without serviceAccountName run as "default"', () => {
    const { app, chart, shop } = twoNamespaces();
    deployment(chart, 'web', 'frontend', undefined, [8080]);
    shop.allowFrom(MeshPeer.serviceAccount('web', 'default'), { ports: [8080] });
    expect(() => app.synth()).not.toThrow();
  });

  test('no error when the account is declared with pod labels, lives in an external namespace, or the app deploys nothing there', () => {
    const f = fixture();
    const shop = new ZeroTrustNamespace(f.chart, 'Shop', { name: 'shop', mesh: f.mesh, externalNamespaces: ['partners'] });
    new ZeroTrustNamespace(f.chart, 'Web', { name: 'web', mesh: f.mesh });
    new ZeroTrustNamespace(f.chart, 'Batch', { name: 'batch', mesh: f.mesh });
    deployment(f.chart, 'web', 'frontend', 'frontend', [8080]);
    shop.allowFrom(MeshPeer.serviceAccount('web', 'helm-deployed', { podLabels: { app: 'helm-deployed' } }), { ports: [8080] });
    shop.allowFrom(MeshPeer.serviceAccount('partners', 'anything'), { ports: [8080] });
    shop.allowFrom(MeshPeer.serviceAccount('batch', 'jobs'), { ports: [8080] });
    expect(() => f.app.synth()).not.toThrow();
  });

  test('a Service port instead of the pods\' port is an error that gives the target port', () => {
    const { app, chart, shop } = twoNamespaces();
    deployment(chart, 'shop', 'api', 'api', [8080]);
    new k8s.KubeService(chart, 'api-svc', {
      metadata: { name: 'api', namespace: 'shop' },
      spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort: k8s.IntOrString.fromString('http-8080') }] },
    });
    shop.allowFrom(MeshPeer.namespace('web'), { to: WorkloadSelector.fromLabels({ app: 'api' }), ports: [80] });
    expect(() => app.synth()).toThrow(
      '\'allowFrom\' port 80 of shop/app=api is the port of Service "api", not of its pods: AuthorizationPolicies and NetworkPolicies see ' +
      'the pod\'s port after the Service translated it; use 8080');
  });

  test('a port no selected container listens on is an error listing the ports they do', () => {
    const { app, chart, shop } = twoNamespaces();
    deployment(chart, 'shop', 'api', 'api', [8080, 9090]);
    shop.allowFrom(MeshPeer.namespace('web'), { to: WorkloadSelector.fromLabels({ app: 'api' }), ports: [8081] });
    expect(() => app.synth()).toThrow(
      '\'allowFrom\' port 8081 is not a container port of shop/app=api (Deployment api: 8080, 9090); use a port the pods listen on, or declare it on the container');
  });

  test('an mTLS exception on a port the workload does not listen on is an error', () => {
    const { app, chart, shop } = twoNamespaces();
    deployment(chart, 'shop', 'legacy', 'legacy', [9000]);
    shop.addMtlsException({ port: 9001, mode: MtlsMode.DISABLE, reason: 'legacy', selector: WorkloadSelector.fromLabels({ app: 'legacy' }) });
    expect(() => app.synth()).toThrow('\'mtlsExceptions\' port 9001 is not a container port of shop/app=legacy (Deployment legacy: 9000)');
  });

  test('ports are not judged when a selected container declares none, or the app deploys no selected workload', () => {
    const { app, chart, shop } = twoNamespaces();
    deployment(chart, 'shop', 'api', 'api', undefined);
    shop.allowFrom(MeshPeer.namespace('web'), { to: WorkloadSelector.fromLabels({ app: 'api' }), ports: [8080] });
    shop.allowFrom(MeshPeer.namespace('web'), { to: WorkloadSelector.fromLabels({ app: 'deployed-elsewhere' }), ports: [8080] });
    expect(() => app.synth()).not.toThrow();
  });

  test('nothing is written when a rule fails the check', () => {
    const { app, chart, shop } = twoNamespaces();
    deployment(chart, 'shop', 'api', 'api', [8080]);
    shop.allowFrom(MeshPeer.namespace('web'), { ports: [80] });
    expect(() => app.synth()).toThrow(/port 80 is not a container port/);
    expect(fs.existsSync(app.outdir) ? fs.readdirSync(app.outdir) : []).toEqual([]);
  });

  test('raw ApiObjects count as workloads too (any cdk8s-plus major renders one)', () => {
    const { app, chart, shop } = twoNamespaces();
    new ApiObject(chart, 'raw', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'db', ports: [{ containerPort: 5432 }] }] } } },
    });
    shop.allowFrom(MeshPeer.namespace('web'), { to: WorkloadSelector.fromLabels({ app: 'db' }), ports: [5433] });
    expect(() => app.synth()).toThrow(/port 5433 is not a container port of shop\/app=db \(StatefulSet db: 5432\)/);
  });
});

describe('external hosts for some workloads only (allowEgressTo from)', () => {
  const PUBLIC_IP = { ip: '203.0.113.7' };

  test('only the declared workload gets out to the host\'s port; the rest of the namespace does not', () => {
    const { app, chart, shop } = twoNamespaces();
    const payments = deployment(chart, 'shop', 'payments', 'payments', [8080]);
    const catalog = deployment(chart, 'shop', 'catalog', 'catalog', [8080]);
    shop.allowEgressTo(ExternalHost.https('api.stripe.com'), { from: WorkloadSelector.fromLabels({ app: 'payments' }) });
    const objects = synthAll(app);
    expect(networkAllows(objects, { namespace: 'shop', labels: payments }, PUBLIC_IP, 443)).toBe(true);
    expect(networkAllows(objects, { namespace: 'shop', labels: catalog }, PUBLIC_IP, 443)).toBe(false);
    const entry = objects.find((o) => o.kind === 'ServiceEntry');
    expect(entry.spec).toMatchObject({ hosts: ['api.stripe.com'], exportTo: ['.'], ports: [{ number: 443, protocol: 'HTTPS' }] });
    const rows = shop.connections().rows.filter((r) => r.to === 'api.stripe.com');
    expect(rows.map((r) => r.from)).toEqual(['shop/app=payments']);
  });

  test('a host allowed to everyone and a host allowed to one workload on the same port without addresses is an error', () => {
    const { shop } = twoNamespaces();
    shop.allowEgressTo(ExternalHost.https('api.example.com'));
    expect(() => shop.allowEgressTo(ExternalHost.https('api.stripe.com'), { from: WorkloadSelector.fromLabels({ app: 'payments' }) })).toThrow(
      "'allowEgressTo' api.stripe.com:443 for app=payments and api.example.com:443 for every workload share port 443 without addresses: " +
      "the NetworkPolicy opens the port to any address and the namespace's Sidecar knows both hosts, so each caller could reach the other host. " +
      'Give the hosts their addresses (ExternalHost.tcp(host, port, addresses)), declare both for the same workloads, or send one through ' +
      'an egress gateway: allowEgressTo(host, { via: egressGateway, from })');
  });

  test('TCP hosts with addresses on one port can be given to different workloads: each reaches its own addresses only', () => {
    const { app, chart, shop } = twoNamespaces();
    const a = deployment(chart, 'shop', 'billing', 'billing', [8080]);
    const b = deployment(chart, 'shop', 'reports', 'reports', [8080]);
    shop.allowEgressTo(ExternalHost.tcp('billing-db.internal', 5432, ['10.20.0.5']), { from: WorkloadSelector.fromLabels({ app: 'billing' }) });
    shop.allowEgressTo(ExternalHost.tcp('reports-db.internal', 5432, ['10.30.0.9']), { from: WorkloadSelector.fromLabels({ app: 'reports' }) });
    const objects = synthAll(app);
    expect(networkAllows(objects, { namespace: 'shop', labels: a }, { ip: '10.20.0.5' }, 5432)).toBe(true);
    expect(networkAllows(objects, { namespace: 'shop', labels: a }, { ip: '10.30.0.9' }, 5432)).toBe(false);
    expect(networkAllows(objects, { namespace: 'shop', labels: b }, { ip: '10.30.0.9' }, 5432)).toBe(true);
    expect(networkAllows(objects, { namespace: 'shop', labels: b }, { ip: '10.20.0.5' }, 5432)).toBe(false);
  });

  test('one host for two workloads: one ServiceEntry port, both get out, a third does not', () => {
    const { app, chart, shop } = twoNamespaces();
    const a = deployment(chart, 'shop', 'payments', 'payments', [8080]);
    const b = deployment(chart, 'shop', 'refunds', 'refunds', [8080]);
    const c = deployment(chart, 'shop', 'catalog', 'catalog', [8080]);
    shop.allowEgressTo(ExternalHost.https('api.stripe.com'), { from: WorkloadSelector.fromLabels({ app: 'payments' }) });
    shop.allowEgressTo(ExternalHost.https('api.stripe.com'), { from: WorkloadSelector.fromLabels({ app: 'refunds' }) });
    const objects = synthAll(app);
    expect(objects.filter((o) => o.kind === 'ServiceEntry').map((o) => o.spec.ports)).toEqual([[{ number: 443, name: 'https-443', protocol: 'HTTPS' }]]);
    expect(networkAllows(objects, { namespace: 'shop', labels: a }, PUBLIC_IP, 443)).toBe(true);
    expect(networkAllows(objects, { namespace: 'shop', labels: b }, PUBLIC_IP, 443)).toBe(true);
    expect(networkAllows(objects, { namespace: 'shop', labels: c }, PUBLIC_IP, 443)).toBe(false);
    expect(() => shop.allowEgressTo(ExternalHost.https('api.stripe.com'), { from: WorkloadSelector.fromLabels({ app: 'refunds' }) }))
      .toThrow("'allowEgressTo' declares api.stripe.com:443 for app=refunds twice; remove the duplicate or use another port");
  });

  test('through an egress gateway, only the declared workload may reach the gateway pods', () => {
    const { app, chart, shop, mesh } = twoNamespaces();
    const payments = deployment(chart, 'shop', 'payments', 'payments', [8080]);
    const catalog = deployment(chart, 'shop', 'catalog', 'catalog', [8080]);
    new k8s.KubeNamespace(chart, 'egress-ns', { metadata: { name: 'istio-egress' } });
    const egress = new EgressGateway(chart, 'Egress', { mesh, namespace: 'istio-egress' });
    shop.allowEgressTo(ExternalHost.https('api.stripe.com'), { via: egress, from: WorkloadSelector.fromLabels({ app: 'payments' }) });
    const objects = synthAll(app);
    const gatewayPods = { namespace: 'istio-egress', labels: egress.selectorLabels };
    expect(networkAllows(objects, { namespace: 'shop', labels: payments }, gatewayPods, 8443)).toBe(true);
    expect(networkAllows(objects, { namespace: 'shop', labels: catalog }, gatewayPods, 8443)).toBe(false);
    expect(networkAllows(objects, { namespace: 'shop', labels: catalog }, PUBLIC_IP, 443)).toBe(false);
  });

  test('a from that is not a selector (a string from JavaScript) is refused with its type', () => {
    const { shop } = twoNamespaces();
    expect(() => shop.allowEgressTo(ExternalHost.https('api.stripe.com'), { from: 'payments' as any })).toThrow(
      '\'allowEgressTo from\' needs a workload selector, got "payments" (string); use WorkloadSelector.fromLabels({ app: \'api\' }) or ' +
      'WorkloadSelector.fromDeployment(deployment)');
  });
});

describe('gateway backends admit the gateway', () => {
  function gatewayToApi(allow: (shop: ZeroTrustNamespace, gateway: IngressGateway) => void) {
    const { app, chart, shop, mesh } = twoNamespaces();
    deployment(chart, 'shop', 'api', 'api', [8080]);
    new k8s.KubeService(chart, 'api-svc', { metadata: { name: 'api', namespace: 'shop' }, spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort: k8s.IntOrString.fromNumber(8080) }] } });
    new k8s.KubeNamespace(chart, 'edge-ns', { metadata: { name: 'edge' } });
    const gateway = new IngressGateway(chart, 'Public', { mesh, namespace: 'edge' });
    gateway.addHost('shop.example.com');
    gateway.addRoute('shop.example.com', { to: RouteDestination.host('api.shop.svc.cluster.local', 80) });
    allow(shop, gateway);
    return app;
  }

  test('a route into a zero-trust namespace that does not admit the gateway fails the synth, naming the identity and the fix', () => {
    const app = gatewayToApi(() => undefined);
    expect(() => app.synth()).toThrow(
      'VirtualService edge/public-shop-example-com sends requests from gateway edge/public to Service shop/api (Deployment api), but no ALLOW ' +
      "AuthorizationPolicy of those pods admits the gateway's identity cluster.local/ns/edge/sa/public (policies: deny-all), so every request " +
      'would get 403; allow it, e.g. ZeroTrustNamespace.exposeToIngressGateway({ to: WorkloadSelector.fromLabels(...), ports: [...] }) or allowFrom(gateway, ...)');
  });

  test('exposeToIngressGateway with the default peer admits istio-system\'s gateway, not this one: still an error', () => {
    const app = gatewayToApi((shop) => shop.exposeToIngressGateway({ ports: [8080] }));
    expect(() => app.synth()).toThrow(/admits the gateway's identity cluster.local\/ns\/edge\/sa\/public \(policies: deny-all, allow-ingress-gateway\)/);
  });

  test('allowFrom(gateway) admits it', () => {
    const app = gatewayToApi((shop, gateway) => shop.allowFrom(gateway, { to: WorkloadSelector.fromLabels({ app: 'api' }), ports: [8080] }));
    expect(() => app.synth()).not.toThrow();
  });
});

describe('proxies reach an external CA (istio-csr)', () => {
  function withCa(attrs: Record<string, unknown>) {
    const app = Testing.app();
    const mesh = MeshInstallation.fromExisting(new Chart(app, 'mesh'), 'Mesh', attrs as any);
    const chart = new Chart(app, 'apps');
    new k8s.KubeNamespace(chart, 'cm', { metadata: { name: 'cert-manager' } });
    const shop = new ZeroTrustNamespace(chart, 'Shop', { name: 'shop', mesh });
    const api = deployment(chart, 'shop', 'api', 'api', [8080]);
    return { app, shop, api };
  }

  test('istio-csr\'s pods on 6443, and nothing else, are opened; the connection matrix says so', () => {
    const { app, shop, api } = withCa({ caAddress: 'cert-manager-istio-csr.cert-manager.svc:443' });
    const objects = synthAll(app);
    const csr = { namespace: 'cert-manager', labels: { app: 'cert-manager-istio-csr' } };
    expect(networkAllows(objects, { namespace: 'shop', labels: api }, csr, 6443)).toBe(true);
    expect(networkAllows(objects, { namespace: 'shop', labels: api }, csr, 9402)).toBe(false);
    expect(shop.connections().rows.filter((r) => r.note === 'external CA: certificate signing requests').map((r) => [r.to, r.ports]))
      .toEqual([['cert-manager/* (cert-manager-istio-csr)', [6443]]]);
  });

  test('a CA serving on another pod port, and none without an external CA', () => {
    const other = withCa({ caAddress: 'my-ca.pki.svc.cluster.local:8443', caPodPort: 9443 });
    const objects = synthAll(other.app);
    expect(networkAllows(objects, { namespace: 'shop', labels: other.api }, { namespace: 'pki', labels: {} }, 9443)).toBe(true);
    const plain = withCa({});
    expect(synthAll(plain.app).filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-ca')).toEqual([]);
  });

  test('caPodPort without caAddress, or out of range, is refused', () => {
    expect(() => withCa({ caPodPort: 6443 })).toThrow("'caPodPort' needs 'caAddress': it is the port of the external CA's pods; set both, or neither");
    expect(() => withCa({ caAddress: 'ca.pki.svc:443', caPodPort: '6443' })).toThrow(/'caPodPort' must be an integer between 1 and 65535, got "6443" \(string\)/);
  });
});
