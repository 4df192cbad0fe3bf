import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import {
  ControlPlaneNetworkPolicies, gatewayApi, GatewayTls, IngressGateway, MeshInstallation, MeshInstallationProps, MeshPeer, MeshProfile,
  RouteDestination, RoutingApi, ZeroTrustNamespace,
} from '../lib';
import { Endpoint, networkAllows } from './helpers/netpol-evaluator';

/** Pods of the control plane as their Deployments label them. */
const ISTIOD = { namespace: 'istio-system', labels: { 'app': 'istiod', 'istio': 'pilot', 'istio.io/rev': 'default' } };
const INGRESS = { namespace: 'istio-system', labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } };
const EGRESS = { namespace: 'istio-system', labels: { app: 'istio-egressgateway', istio: 'egressgateway' } };
const PROMETHEUS = { namespace: 'istio-system', labels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/component': 'server' } };
const KIALI = { namespace: 'istio-system', labels: { app: 'kiali' } };
const DNS = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
const API_SERVER = { ip: '172.20.0.5' };
const INTERNET = { ip: '203.0.113.7' };
const pod = (namespace: string, labels: Record<string, string> = { app: 'web' }) => ({ namespace, labels });

interface Fixture {
  readonly app: App;
  readonly mesh: MeshInstallation;
  readonly meshChart: Chart;
  readonly apps: Chart;
}

function fixture(networkPolicies: ControlPlaneNetworkPolicies | null = {}, props: MeshInstallationProps = {}): Fixture {
  const app = Testing.app();
  const meshChart = new Chart(app, 'mesh');
  const mesh = new MeshInstallation(meshChart, 'Mesh', { ...props, networkPolicies: networkPolicies ?? undefined });
  const apps = new Chart(app, 'apps');
  return { app, mesh, meshChart, apps };
}

/** Every object of the app. */
function synthAll(app: App): any[] {
  return app.charts.flatMap((c) => Testing.synth(c));
}

function reach(objects: any[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  return networkAllows(objects, from, to, port, protocol);
}

describe('control plane namespace lockdown', () => {
  test('is off by default: no NetworkPolicy in istio-system, as with istioctl install', () => {
    // GIVEN
    const { app } = fixture(null);

    // THEN
    expect(synthAll(app).filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
  });

  test('istiod: xDS from the mesh namespaces only, webhooks from anywhere, metrics from Prometheus, nothing else', () => {
    // GIVEN
    const { app, mesh, apps } = fixture({ meshNamespaces: ['legacy'] });
    new ZeroTrustNamespace(apps, 'Shop', { name: 'shop', mesh });

    // WHEN
    const objects = synthAll(app);

    // THEN
    expect(reach(objects, pod('shop'), ISTIOD, 15012)).toBe(true);
    expect(reach(objects, pod('legacy'), ISTIOD, 15012)).toBe(true);
    expect(reach(objects, INGRESS, ISTIOD, 15012)).toBe(true);
    expect(reach(objects, pod('other'), ISTIOD, 15012)).toBe(false);
    expect(reach(objects, KIALI, ISTIOD, 15012)).toBe(false);
    expect(reach(objects, INTERNET, ISTIOD, 15012)).toBe(false);
    // plaintext xDS, debug and metrics are not for the mesh
    for (const port of [15010, 8080, 15014]) expect(reach(objects, pod('legacy'), ISTIOD, port)).toBe(false);
    // the API server calls the webhooks from an address no selector matches
    expect(reach(objects, API_SERVER, ISTIOD, 15017)).toBe(true);
    expect(reach(objects, pod('other'), ISTIOD, 15017)).toBe(true);
    expect(reach(objects, PROMETHEUS, ISTIOD, 15014)).toBe(true);
    expect(reach(objects, KIALI, ISTIOD, 15014)).toBe(false);
    expect(reach(objects, pod('monitoring', PROMETHEUS.labels), ISTIOD, 15014)).toBe(false);
  });

  test('istiod egress: the API server on 443 and 6443, DNS, and nothing else; no istiod to istiod', () => {
    // GIVEN
    const { app } = fixture();

    // WHEN
    const objects = synthAll(app);

    // THEN
    expect(reach(objects, ISTIOD, API_SERVER, 443)).toBe(true);
    expect(reach(objects, ISTIOD, API_SERVER, 6443)).toBe(true);
    expect(reach(objects, ISTIOD, API_SERVER, 80)).toBe(false);
    expect(reach(objects, ISTIOD, DNS, 53, 'UDP')).toBe(true);
    expect(reach(objects, ISTIOD, DNS, 53, 'TCP')).toBe(true);
    expect(reach(objects, ISTIOD, pod('shop'), 8080)).toBe(false);
    expect(reach(objects, ISTIOD, ISTIOD, 15012)).toBe(false);
  });

  test('apiServerCidrs and apiServerPorts narrow istiod egress to the API server endpoints', () => {
    // GIVEN
    const { app } = fixture({ apiServerCidrs: ['172.20.0.0/28', '10.0.0.10'], apiServerPorts: [443] });

    // WHEN
    const objects = synthAll(app);

    // THEN
    expect(reach(objects, ISTIOD, API_SERVER, 443)).toBe(true);
    expect(reach(objects, ISTIOD, API_SERVER, 6443)).toBe(false);
    expect(reach(objects, ISTIOD, INTERNET, 443)).toBe(false);
    const istiod = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'istiod');
    expect(istiod.spec.egress).toEqual([{
      to: [{ ipBlock: { cidr: '172.20.0.0/28' } }, { ipBlock: { cidr: '10.0.0.10/32' } }],
      ports: [{ port: 443, protocol: 'TCP' }],
    }]);
  });

  test('profile gateways: their Service target ports and health from anywhere, merged metrics from Prometheus, egress open', () => {
    // GIVEN
    const { app, mesh, apps } = fixture({}, { profile: MeshProfile.DEMO });
    const shop = new ZeroTrustNamespace(apps, 'Shop', { name: 'shop', mesh });
    shop.exposeToIngressGateway({ ports: [8080] });

    // WHEN
    const objects = synthAll(app);

    // THEN
    for (const port of [8080, 8443, 31400, 15443, 15021]) expect(reach(objects, INTERNET, INGRESS, port)).toBe(true);
    for (const port of [15000, 15090, 15020]) expect(reach(objects, INTERNET, INGRESS, port)).toBe(false);
    expect(reach(objects, PROMETHEUS, INGRESS, 15020)).toBe(true);
    for (const port of [8080, 8443, 15021]) expect(reach(objects, pod('legacy'), EGRESS, port)).toBe(true);
    expect(reach(objects, pod('legacy'), EGRESS, 31400)).toBe(false);
    expect(reach(objects, INGRESS, pod('shop'), 8080)).toBe(true);
    expect(reach(objects, EGRESS, INTERNET, 443)).toBe(true);
    expect(reach(objects, EGRESS, ISTIOD, 15012)).toBe(true);
  });

  test('the CNI agent reaches the API server and serves metrics to Prometheus only', () => {
    // GIVEN
    const { app } = fixture({}, { cni: true });
    const cni = { namespace: 'istio-system', labels: { 'k8s-app': 'istio-cni-node' } };

    // WHEN
    const objects = synthAll(app);

    // THEN
    expect(reach(objects, cni, API_SERVER, 443)).toBe(true);
    expect(reach(objects, cni, INTERNET, 80)).toBe(false);
    expect(reach(objects, PROMETHEUS, cni, 15014)).toBe(true);
    expect(reach(objects, pod('shop'), cni, 15014)).toBe(false);
  });

  test('a Prometheus elsewhere: the peer names its namespace and pods', () => {
    // GIVEN
    const monitoring = pod('monitoring', { app: 'prometheus' });
    const { app } = fixture({ prometheus: MeshPeer.serviceAccount('monitoring', 'prometheus', { podLabels: { app: 'prometheus' } }) });

    // WHEN
    const objects = synthAll(app);

    // THEN
    expect(reach(objects, monitoring, ISTIOD, 15014)).toBe(true);
    expect(reach(objects, monitoring, INGRESS, 15020)).toBe(true);
    expect(reach(objects, PROMETHEUS, ISTIOD, 15014)).toBe(false);
  });

  test('a gateway of this mesh in its own namespace is admitted to xDS without being listed', () => {
    // GIVEN
    const { app, mesh, apps } = fixture({}, { profile: MeshProfile.MINIMAL });
    const gateway = new IngressGateway(apps, 'Public', { mesh, namespace: 'istio-ingress', createNamespace: true });
    gateway.addHost('shop.example.com', { tls: GatewayTls.simple('shop-cert') });
    gateway.addRoute('shop.example.com', { to: RouteDestination.host('web.shop.svc.cluster.local', 8080) });

    // WHEN
    const objects = synthAll(app);

    // THEN
    expect(reach(objects, pod('istio-ingress', { app: 'public', istio: 'public' }), ISTIOD, 15012)).toBe(true);
    expect(reach(objects, pod('shop'), ISTIOD, 15012)).toBe(false);
  });

  test('a revision locks down its own istiod with its own object names', () => {
    // GIVEN
    const { app } = fixture({}, { revision: 'canary', profile: MeshProfile.MINIMAL });
    const canary = { namespace: 'istio-system', labels: { 'app': 'istiod', 'istio': 'istiod', 'istio.io/rev': 'canary' } };

    // WHEN
    const objects = synthAll(app);

    // THEN
    expect(objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name)).toEqual(['default-deny-canary', 'allow-dns-canary', 'istiod-canary', 'prometheus-canary']);
    expect(reach(objects, canary, API_SERVER, 443)).toBe(true);
    expect(reach(objects, INTERNET, canary, 15017)).toBe(true);
  });
});

describe('every injected namespace is admitted (synth-time check)', () => {
  test('a Namespace labelled for injection by this mesh but not admitted fails the synth with the fix', () => {
    // GIVEN
    const { app, apps } = fixture();
    new k8s.KubeNamespace(apps, 'Payments', { metadata: { name: 'payments', labels: { 'istio-injection': 'enabled' } } });

    // THEN
    expect(() => app.synthYaml()).toThrow(
      'namespace "payments" (apps/Payments) is injected by this mesh (label istio-injection=enabled), but \'networkPolicies\' admits only ' +
      'no namespace to istiod\'s port 15012, so its proxies would get no configuration or certificates; add "payments" to ' +
      '\'networkPolicies.meshNamespaces\' (or declare it as a ZeroTrustNamespace of this mesh)');
  });

  test('listing it in meshNamespaces admits it', () => {
    // GIVEN
    const { app, apps } = fixture({ meshNamespaces: ['payments'] });
    new k8s.KubeNamespace(apps, 'Payments', { metadata: { name: 'payments', labels: { 'istio-injection': 'enabled' } } });

    // WHEN
    const objects = synthAll(app);

    // THEN
    expect(reach(objects, pod('payments'), ISTIOD, 15012)).toBe(true);
  });

  test('injection by revision label: only the namespaces of that revision count', () => {
    // GIVEN
    const { app, apps } = fixture({ meshNamespaces: ['stable'] }, { revision: 'canary', profile: MeshProfile.MINIMAL });
    new k8s.KubeNamespace(apps, 'Stable', { metadata: { name: 'stable', labels: { 'istio-injection': 'enabled' } } });
    new k8s.KubeNamespace(apps, 'Other', { metadata: { name: 'other-rev', labels: { 'istio.io/rev': 'blue' } } });
    new k8s.KubeNamespace(apps, 'Canary', { metadata: { name: 'orders', labels: { 'istio.io/rev': 'canary' } } });

    // THEN
    expect(() => app.synthYaml()).toThrow(/namespace "orders" \(apps\/Canary\) is injected by this mesh \(label istio\.io\/rev=canary\), but 'networkPolicies' admits only namespaces "stable"/);
  });

  test('a Deployment whose pods ask this mesh for injection in an unlisted namespace fails the synth', () => {
    // GIVEN
    const { app, apps } = fixture();
    new k8s.KubeDeployment(apps, 'Batch', {
      metadata: { name: 'batch', namespace: 'jobs' },
      spec: {
        selector: { matchLabels: { app: 'batch' } },
        template: { metadata: { labels: { 'app': 'batch', 'sidecar.istio.io/inject': 'true' } }, spec: { containers: [{ name: 'batch', image: 'batch:1' }] } },
      },
    });

    // THEN
    expect(() => app.synthYaml()).toThrow(/Deployment jobs\/batch \(apps\/Batch\) connects to this mesh \(its pods are labelled for injection by this mesh\), but 'networkPolicies' admits only no namespace to istiod's port 15012, so its proxies would get no configuration or certificates; add "jobs" to 'networkPolicies.meshNamespaces'/);
  });

  test('a workload of yours in the control plane namespace without NetworkPolicies fails the synth; with them it passes', () => {
    // GIVEN
    const kiali = (withPolicy: boolean) => {
      const { app, meshChart } = fixture();
      new k8s.KubeDeployment(meshChart, 'Kiali', {
        metadata: { name: 'kiali', namespace: 'istio-system' },
        spec: { selector: { matchLabels: { app: 'kiali' } }, template: { metadata: { labels: { app: 'kiali' } }, spec: { containers: [{ name: 'kiali', image: 'kiali:2' }] } } },
      });
      if (withPolicy) {
        new k8s.KubeNetworkPolicy(meshChart, 'KialiPolicy', {
          metadata: { name: 'kiali', namespace: 'istio-system' },
          spec: { podSelector: { matchLabels: { app: 'kiali' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: k8s.IntOrString.fromNumber(20001) }] }] },
        });
      }
      return app;
    };

    // THEN
    expect(() => kiali(false).synthYaml()).toThrow('Deployment istio-system/kiali (mesh/Kiali) runs in the control plane namespace, where \'networkPolicies\' ' +
      'denies all its traffic but DNS; run it in a namespace of its own, or add NetworkPolicies in "istio-system" that select its pods and admit its traffic');

    expect(() => kiali(true).synthYaml()).not.toThrow();
  });

  test('a Gateway API gateway (istiod deploys its proxy) is admitted to xDS by its namespace; another revision\'s is not', () => {
    // GIVEN
    const { app, mesh, apps } = fixture({}, { profile: MeshProfile.MINIMAL });
    const gateway = new IngressGateway(apps, 'Public', { mesh, namespace: 'istio-ingress', createNamespace: true, api: RoutingApi.GATEWAY_API });
    gateway.addHost('shop.example.com', { tls: GatewayTls.simple('shop-cert') });
    gateway.addRoute('shop.example.com', { to: RouteDestination.host('web.shop.svc.cluster.local', 8080) });
    new gatewayApi.Gateway(apps, 'Canary', {
      metadata: { name: 'canary', namespace: 'canary-edge', labels: { 'istio.io/rev': 'canary' } },
      spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });

    // WHEN
    const objects = synthAll(app);

    // THEN
    expect(reach(objects, pod('istio-ingress', { 'gateway.networking.k8s.io/gateway-name': 'public' }), ISTIOD, 15012)).toBe(true);
    expect(reach(objects, pod('canary-edge', { 'gateway.networking.k8s.io/gateway-name': 'canary' }), ISTIOD, 15012)).toBe(false);
  });

  test('a gateway deployed into the control plane namespace is told to move out', () => {
    // GIVEN
    const { app, mesh, apps } = fixture({}, { profile: MeshProfile.MINIMAL });
    new IngressGateway(apps, 'Public', { mesh }).addHost('shop.example.com', { tls: GatewayTls.simple('shop-cert') });

    // THEN
    expect(() => app.synthYaml()).toThrow(/Deployment istio-system\/public \(apps\/Public\/Deployment\) runs in the control plane namespace, where 'networkPolicies' denies all its traffic but DNS; deploy the gateway in a namespace of its own \(e\.g\. namespace: "istio-ingress"\)/);
  });

  test('ZeroTrustNamespaces of another mesh are not admitted', () => {
    // GIVEN
    const { app, apps } = fixture();
    const other = MeshInstallation.fromExisting(apps, 'Elsewhere', { namespace: 'istio-other', revision: 'blue' });
    new ZeroTrustNamespace(apps, 'Shop', { name: 'shop', mesh: other });

    // WHEN
    const objects = synthAll(app);

    // THEN
    expect(reach(objects, pod('shop'), ISTIOD, 15012)).toBe(false);
  });
});

describe('validation of networkPolicies', () => {
  test.each<[string, unknown, string]>([
    ['not an object', true, "'networkPolicies' must be an object, got true (boolean); pass {} to lock the control plane namespace down with the defaults, or omit it to leave the namespace open"],
    ['meshNamespaces a string', { meshNamespaces: 'shop' }, "'networkPolicies.meshNamespaces' must be a list of namespace names, got \"shop\" (string); e.g. ['payments']"],
    ['meshNamespaces empty', { meshNamespaces: [] }, "'networkPolicies.meshNamespaces' must not be empty; omit 'meshNamespaces' when the app's ZeroTrustNamespaces are the mesh"],
    ['meshNamespaces not a DNS label', { meshNamespaces: ['Shop'] }, "'networkPolicies.meshNamespaces[0]' must be a DNS-1123 label"],
    ['meshNamespaces the control plane', { meshNamespaces: ['istio-system'] }, "'networkPolicies.meshNamespaces[0]' is \"istio-system\", the control plane namespace itself"],
    ['meshNamespaces duplicate', { meshNamespaces: ['a', 'a'] }, "'networkPolicies.meshNamespaces' lists \"a\" twice; remove the duplicate"],
    ['apiServerCidrs bad prefix', { apiServerCidrs: ['10.0.0.0/33'] }, "'networkPolicies.apiServerCidrs[0]' must be an IP address or CIDR block such as \"203.0.113.10\" or \"203.0.113.0/24\", got \"10.0.0.0/33\""],
    ['apiServerCidrs number', { apiServerCidrs: [10] }, "'networkPolicies.apiServerCidrs[0]' must be a string, got 10 (number); e.g. \"172.20.0.0/28\""],
    ['apiServerPorts 0', { apiServerPorts: [0] }, "'networkPolicies.apiServerPorts[0]' must be an integer between 1 and 65535, got 0"],
    ['apiServerPorts 65536', { apiServerPorts: [65536] }, "'networkPolicies.apiServerPorts[0]' must be an integer between 1 and 65535, got 65536"],
    ['apiServerPorts a string', { apiServerPorts: ['443'] }, "'networkPolicies.apiServerPorts[0]' must be an integer between 1 and 65535, got \"443\" (string)"],
    ['prometheus not a peer', { prometheus: 'prometheus' }, "'networkPolicies.prometheus' must be a mesh peer, got \"prometheus\" (string)"],
  ])('fails on %s', (_, networkPolicies, message) => {
    // GIVEN
    const chart = new Chart(Testing.app(), 'mesh');

    // THEN
    expect(() => new MeshInstallation(chart, 'Mesh', { networkPolicies: networkPolicies as ControlPlaneNetworkPolicies }))
      .toThrow(`[mesh/Mesh] ${message}`);
  });

  test('boundaries that are accepted', () => {
    const chart = new Chart(Testing.app(), 'mesh');
    expect(() => new MeshInstallation(chart, 'Mesh', { networkPolicies: { apiServerPorts: [1, 65535], apiServerCidrs: ['0.0.0.0/0', '2001:db8::/32'] } })).not.toThrow();
  });

  test('the policies are objects of the installation (ApiObject.of works on the istiod policy)', () => {
    const { mesh } = fixture();
    const policy = mesh.node.findChild('NetworkPolicyIstiod') as ApiObject;
    expect(policy.kind).toBe('NetworkPolicy');
  });
});

describe('two locked-down revisions in one app', () => {
  test('each admits its own clients and neither flags the other istiod', () => {
    // GIVEN
    const app = Testing.app();
    const meshChart = new Chart(app, 'mesh');
    const stable = new MeshInstallation(meshChart, 'Stable', { networkPolicies: {} });
    const canary = new MeshInstallation(meshChart, 'Canary', {
      revision: 'canary', profile: MeshProfile.MINIMAL, installCrds: false, createNamespace: false, networkPolicies: {},
    });
    const apps = new Chart(app, 'apps');
    new ZeroTrustNamespace(apps, 'Shop', { name: 'shop', mesh: stable });
    new ZeroTrustNamespace(apps, 'Orders', { name: 'orders', mesh: canary });
    const canaryIstiod = { namespace: 'istio-system', labels: { 'app': 'istiod', 'istio': 'istiod', 'istio.io/rev': 'canary' } };

    // WHEN
    const objects = synthAll(app);

    // THEN
    expect(reach(objects, pod('shop'), ISTIOD, 15012)).toBe(true);
    expect(reach(objects, pod('orders'), canaryIstiod, 15012)).toBe(true);
    expect(reach(objects, pod('orders'), ISTIOD, 15012)).toBe(false);
    expect(reach(objects, canaryIstiod, API_SERVER, 443)).toBe(true);
  });
});
