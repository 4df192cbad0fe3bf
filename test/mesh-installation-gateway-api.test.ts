import { Chart, Testing } from 'cdk8s';
import { gatewayApi, GatewayApiCrds, MeshInstallation, MeshInstallationProps, MeshProfile } from '../lib';
import { GATEWAY_API_EXPERIMENTAL_CRDS_JSON, GATEWAY_API_STANDARD_CRDS_JSON, GATEWAY_API_VERSION } from '../lib/imports/gateway-api-crds';

function crds(props?: MeshInstallationProps): any[] {
  const chart = new Chart(Testing.app(), 'test');
  new MeshInstallation(chart, 'Mesh', props);
  return Testing.synth(chart).filter((o: any) => o.kind === 'CustomResourceDefinition' && o.spec.group.startsWith('gateway.networking.'));
}

const names = (objects: any[]) => objects.map((o) => o.metadata.name).sort();
const served = (crd: any) => crd.spec.versions.filter((v: any) => v.served).map((v: any) => `${v.name}${v.storage ? '*' : ''}`);

/** Every `description` key that is an annotation (not a field called "description"). */
function descriptions(node: unknown, parentKey?: string): number {
  if (Array.isArray(node)) return node.reduce((n: number, item) => n + descriptions(item), 0);
  if (node === null || typeof node !== 'object') return 0;
  return Object.entries(node).reduce((n, [k, v]) => n + (parentKey !== 'properties' && k === 'description' && typeof v === 'string' ? 1 : 0)
    + descriptions(v, k), 0);
}

const STANDARD = [
  'backendtlspolicies.gateway.networking.k8s.io',
  'gatewayclasses.gateway.networking.k8s.io',
  'gateways.gateway.networking.k8s.io',
  'grpcroutes.gateway.networking.k8s.io',
  'httproutes.gateway.networking.k8s.io',
  'listenersets.gateway.networking.k8s.io',
  'referencegrants.gateway.networking.k8s.io',
  'tlsroutes.gateway.networking.k8s.io',
];

describe('Gateway API CRDs', () => {
  test('are not emitted by default: clusters often have them already', () => {
    expect(crds()).toEqual([]);
    expect(crds({ profile: MeshProfile.DEMO })).toEqual([]);
  });

  test('STANDARD emits the standard channel of v1.5.1 with its versions and annotations', () => {
    const objects = crds({ gatewayApiCrds: GatewayApiCrds.STANDARD });
    expect(names(objects)).toEqual(STANDARD);
    for (const crd of objects) {
      expect(crd.metadata.annotations).toMatchObject({
        'gateway.networking.k8s.io/bundle-version': 'v1.5.1',
        'gateway.networking.k8s.io/channel': 'standard',
      });
      expect(crd.metadata.labels).toEqual({
        'app.kubernetes.io/name': 'gateway-api',
        'app.kubernetes.io/managed-by': 'cdk8s-istio',
        'app.kubernetes.io/version': 'v1.5.1',
      });
      expect(descriptions(crd)).toBe(0);
    }
    const byName = (n: string) => objects.find((o) => o.metadata.name === n);
    expect(served(byName('gateways.gateway.networking.k8s.io'))).toEqual(['v1*', 'v1beta1']);
    expect(served(byName('httproutes.gateway.networking.k8s.io'))).toEqual(['v1*', 'v1beta1']);
    expect(served(byName('referencegrants.gateway.networking.k8s.io'))).toEqual(['v1', 'v1beta1*']);
    expect(served(byName('tlsroutes.gateway.networking.k8s.io'))).toEqual(['v1*']);
    // The CEL rules stay: they are what rejects invalid routes at admission.
    expect(JSON.stringify(byName('httproutes.gateway.networking.k8s.io').spec)).toContain('x-kubernetes-validations');
  });

  test('EXPERIMENTAL adds TCPRoute, UDPRoute, the x-k8s.io kinds and the older TLSRoute versions', () => {
    const objects = crds({ gatewayApiCrds: GatewayApiCrds.EXPERIMENTAL });
    expect(names(objects)).toEqual([...STANDARD,
      'tcproutes.gateway.networking.k8s.io',
      'udproutes.gateway.networking.k8s.io',
      'xbackendtrafficpolicies.gateway.networking.x-k8s.io',
      'xmeshes.gateway.networking.x-k8s.io'].sort());
    for (const crd of objects) expect(crd.metadata.annotations['gateway.networking.k8s.io/channel']).toBe('experimental');
    expect(served(objects.find((o) => o.metadata.name === 'tlsroutes.gateway.networking.k8s.io'))).toEqual(['v1*', 'v1alpha2', 'v1alpha3']);
    expect(served(objects.find((o) => o.metadata.name === 'tcproutes.gateway.networking.k8s.io'))).toEqual(['v1alpha2*']);
  });

  test('the emitted specs are the asset\'s, untouched', () => {
    const standard = JSON.parse(GATEWAY_API_STANDARD_CRDS_JSON);
    const experimental = JSON.parse(GATEWAY_API_EXPERIMENTAL_CRDS_JSON);
    expect(GATEWAY_API_VERSION).toBe('v1.5.1');
    const specs = (list: any[]) => Object.fromEntries(list.map((c) => [c.metadata.name, c.spec]));
    expect(specs(crds({ gatewayApiCrds: GatewayApiCrds.STANDARD }))).toEqual(specs(standard));
    expect(specs(crds({ gatewayApiCrds: GatewayApiCrds.EXPERIMENTAL }))).toEqual(specs(experimental));
  });

  test('are independent of installCrds (the Istio CRDs)', () => {
    const chart = new Chart(Testing.app(), 'test');
    new MeshInstallation(chart, 'Mesh', { installCrds: false, gatewayApiCrds: GatewayApiCrds.STANDARD });
    const all = Testing.synth(chart).filter((o: any) => o.kind === 'CustomResourceDefinition');
    expect(names(all)).toEqual(STANDARD);
  });

  test.each([
    ['Standard', /^\[test\/Mesh\] 'gatewayApiCrds' must be one of GatewayApiCrds.STANDARD, GatewayApiCrds.EXPERIMENTAL, got "Standard"$/],
    [1, /^\[test\/Mesh\] 'gatewayApiCrds' must be one of GatewayApiCrds.STANDARD, GatewayApiCrds.EXPERIMENTAL, got 1 \(number\)$/],
    [null, /^\[test\/Mesh\] 'gatewayApiCrds' must be one of GatewayApiCrds.STANDARD, GatewayApiCrds.EXPERIMENTAL, got null$/],
  ])('gatewayApiCrds %p is an error naming the accepted values', (value, message) => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new MeshInstallation(chart, 'Mesh', { gatewayApiCrds: value as unknown as GatewayApiCrds })).toThrow(message);
  });

  test('two installations emitting them fail the synth with the fix', () => {
    const chart = new Chart(Testing.app(), 'platform');
    new MeshInstallation(chart, 'Stable', { gatewayApiCrds: GatewayApiCrds.STANDARD });
    new MeshInstallation(chart, 'Canary', {
      revision: 'canary', profile: MeshProfile.MINIMAL, installCrds: false, createNamespace: false, gatewayApiCrds: GatewayApiCrds.STANDARD,
    });
    expect(() => Testing.synth(chart)).toThrow(
      /\[platform\/Canary\] emits CustomResourceDefinition backendtlspolicies.gateway.networking.k8s.io, .*also emitted by platform\/Stable; set 'gatewayApiCrds' on one installation only \(the Gateway API CRDs are cluster-wide\)/,
    );
  });
});

describe('Gateway API L1 classes (gatewayApi namespace)', () => {
  test('render the v1 kinds with their group and version', () => {
    const chart = new Chart(Testing.app(), 'test');
    new gatewayApi.Gateway(chart, 'Gateway', {
      metadata: { name: 'web', namespace: 'shop' },
      spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    new gatewayApi.HttpRoute(chart, 'Route', {
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }],
        rules: [{ backendRefs: [{ name: 'reviews-v1', port: 9080, weight: 90 }, { name: 'reviews-v2', port: 9080, weight: 10 }] }],
      },
    });
    new gatewayApi.TcpRoute(chart, 'Tcp', { metadata: { name: 'db' }, spec: { rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] } });
    const [gw, route, tcp] = Testing.synth(chart);
    expect([gw.apiVersion, gw.kind]).toEqual(['gateway.networking.k8s.io/v1', 'Gateway']);
    expect([route.apiVersion, route.kind]).toEqual(['gateway.networking.k8s.io/v1', 'HTTPRoute']);
    expect(route.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'reviews' }]);
    expect([tcp.apiVersion, tcp.kind]).toEqual(['gateway.networking.k8s.io/v1alpha2', 'TCPRoute']);
  });
});
