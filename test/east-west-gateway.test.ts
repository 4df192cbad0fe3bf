import { Chart, Testing } from 'cdk8s';
import { EastWestGateway, EastWestGatewayProps, MeshInstallation } from '../lib';
import { find, gatewayFixture, inventory } from './gateway-fixture';
import { expectIstioctlAccepts, expectSchemaValid } from './helpers/conformance';

/** An EastWestGateway for network1 in the fixture's `edge` chart. */
function eastWest(props: Partial<EastWestGatewayProps> = {}) {
  const f = gatewayFixture();
  const gateway = new EastWestGateway(f.edge, 'EastWest', { mesh: f.mesh, network: 'network1', name: 'istio-eastwestgateway', ...props });
  return { ...f, gateway };
}

describe('EastWestGateway', () => {
  test('snapshot', () => {
    expect(Testing.synth(eastWest().edge)).toMatchSnapshot();
  });

  test('emits the workload and the cross-network Gateway', () => {
    expect(inventory(Testing.synth(eastWest().edge))).toEqual([
      'ServiceAccount/istio-eastwestgateway',
      'Role/istio-eastwestgateway-sds',
      'RoleBinding/istio-eastwestgateway-sds',
      'Deployment/istio-eastwestgateway',
      'Service/istio-eastwestgateway',
      'HorizontalPodAutoscaler/istio-eastwestgateway',
      'Gateway/istio-eastwestgateway',
    ]);
  });

  test('pods and Service carry the network label; the proxy asks for its network view', () => {
    // WHEN
    const objects = Testing.synth(eastWest().edge);

    // THEN
    const pod = find(objects, 'Deployment', 'istio-eastwestgateway').spec.template;
    expect(pod.metadata.labels['topology.istio.io/network']).toBe('network1');
    expect(pod.spec.containers[0].env).toEqual([{ name: 'ISTIO_META_REQUESTED_NETWORK_VIEW', value: 'network1' }]);
    const service = find(objects, 'Service', 'istio-eastwestgateway');
    expect(service.metadata.labels['topology.istio.io/network']).toBe('network1');
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports.map((p: any) => `${p.name}:${p.port}->${p.targetPort}`)).toEqual(['status-port:15021->15021', 'tls:15443->15443']);
    expect(service.spec.selector).toEqual({ app: 'istio-eastwestgateway', istio: 'istio-eastwestgateway' });
  });

  test('port 15443 with AUTO_PASSTHROUGH for *.local, selecting the gateway pods', () => {
    // WHEN
    const gateway = find(Testing.synth(eastWest().edge), 'Gateway', 'istio-eastwestgateway');

    // THEN
    expect(gateway.spec).toEqual({
      selector: { app: 'istio-eastwestgateway', istio: 'istio-eastwestgateway' },
      servers: [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, tls: { mode: 'AUTO_PASSTHROUGH' }, hosts: ['*.local'] }],
    });
  });

  test('a fully rendered proxy keeps the network view next to the standard environment', () => {
    // WHEN
    const env = find(Testing.synth(eastWest({ injection: false }).edge), 'Deployment', 'istio-eastwestgateway').spec.template.spec.containers[0].env;

    // THEN
    expect(env).toContainEqual({ name: 'ISTIO_META_REQUESTED_NETWORK_VIEW', value: 'network1' });
    expect(env).toContainEqual({ name: 'CA_ADDR', value: 'istiod.istio-system.svc:15012' });
  });

  test('passes the CRD schemas and istioctl validate', () => {
    // WHEN
    const objects = Testing.synth(eastWest({ replicas: 2 }).edge);

    // THEN
    expectSchemaValid(objects);
    expectIstioctlAccepts(objects);
  });

  test.each(['', 'net work', '-net', 'x'.repeat(64)])('fails on network %j', (network) => {
    expect(() => eastWest({ network })).toThrow(
      /^\[edge\/EastWest\] 'network' must be a label value \(at most 63 alphanumerics, '-', '_' or '.'\), got ".*"; use the mesh's network name, e.g. "network1"$/);
  });

  test("fails on a network other than the mesh's, naming the mesh's", () => {
    // GIVEN: a mesh installed by this app for network1
    const app = Testing.app();
    const meshChart = new Chart(app, 'mesh');
    const mesh = new MeshInstallation(meshChart, 'Mesh', { network: 'network1' });

    // THEN
    expect(() => new EastWestGateway(meshChart, 'EastWest', { mesh, network: 'network2' })).toThrow(
      '[mesh/EastWest] \'network\' "network2" is not the network of the mesh ("network1"): the gateway would announce this cluster\'s workloads ' +
      'under another network; use network: "network1"');
    expect(() => new EastWestGateway(meshChart, 'EastWest1', { mesh, network: 'network1' })).not.toThrow();
  });
});
