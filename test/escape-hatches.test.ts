/**
 * Every construct gives typed access to what it rendered: gateways their Deployment and Service,
 * every construct its objects (`apiObjects`), so a JSON patch reaches any object.
 */
import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import {
  EastWestGateway, EgressGateway, ExternalHost, GatewayTls, IngressGateway, MeshInstallation, MeshPeer, MeshTelemetry, RouteDestination,
  ZeroTrustNamespace,
} from '../lib';

function app() {
  const a = Testing.app();
  const mesh = new MeshInstallation(new Chart(a, 'mesh'), 'Mesh', { network: 'net1' });
  const chart = new Chart(a, 'apps');
  return { a, mesh, chart };
}

describe('escape hatches', () => {
  test('gateway Deployments and Services are reachable and patches land in the output', () => {
    const { a, mesh, chart } = app();
    const ingress = new IngressGateway(chart, 'Public', { mesh, namespace: 'edge' });
    ingress.addHost('shop.example.com', { tls: GatewayTls.simple('shop-cert') });
    ingress.addRoute('shop.example.com', { to: RouteDestination.host('web.shop.svc.cluster.local', 80) });
    const egress = new EgressGateway(chart, 'Egress', { mesh, namespace: 'egress' });
    egress.routeHost(ExternalHost.https('api.example.com'));
    const eastWest = new EastWestGateway(chart, 'EastWest', { mesh, network: 'net1' });
    ingress.deployment!.addJsonPatch(JsonPatch.add('/spec/template/spec/nodeSelector', { pool: 'edge' }));
    ingress.service!.addJsonPatch(JsonPatch.add('/metadata/annotations', { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' }));
    egress.deployment.addJsonPatch(JsonPatch.add('/spec/replicas', 3));
    eastWest.service.addJsonPatch(JsonPatch.add('/spec/loadBalancerSourceRanges', ['203.0.113.0/24']));

    const objects = a.charts.flatMap((c) => Testing.synth(c));
    const get = (kind: string, ns: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
    expect([ingress.deployment!.kind, ingress.service!.kind, egress.deployment.kind, eastWest.service.kind])
      .toEqual(['Deployment', 'Service', 'Deployment', 'Service']);
    expect(get('Deployment', 'edge', 'public').spec.template.spec.nodeSelector).toEqual({ pool: 'edge' });
    expect(get('Service', 'edge', 'public').metadata.annotations).toEqual({ 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' });
    expect(get('Deployment', 'egress', 'egress').spec.replicas).toBe(3);
    expect(get('Service', eastWest.service.metadata.namespace!, eastWest.service.name).spec.loadBalancerSourceRanges).toEqual(['203.0.113.0/24']);
  });

  test('a gateway of another app has no Deployment or Service to patch', () => {
    const { mesh, chart } = app();
    const existing = IngressGateway.fromExisting(chart, 'Existing', { mesh });
    expect(existing.deployment).toBeUndefined();
    expect(existing.service).toBeUndefined();
  });

  test('apiObjects lists every object a construct rendered, the ones added later included, and patches land', () => {
    const { a, mesh, chart } = app();
    const shop = new ZeroTrustNamespace(chart, 'Shop', { name: 'shop', mesh });
    const before = shop.apiObjects.length;
    shop.allowFrom(MeshPeer.namespace('istio-system'), { ports: [8080] });
    expect(shop.apiObjects.length).toBeGreaterThan(before);
    const policy = shop.apiObjects.find((o) => o.kind === 'AuthorizationPolicy' && o.name === 'allow-ns-istio-system')!;
    policy.addJsonPatch(JsonPatch.add('/metadata/annotations', { owner: 'platform' }));
    const telemetry = new MeshTelemetry(chart, 'Telemetry', { mesh, tracing: { randomSamplingPercentage: 10 } });
    expect(telemetry.apiObjects.map((o) => o.kind)).toEqual(['Telemetry']);
    expect(shop.apiObjects.every((o) => ApiObject.isApiObject(o))).toBe(true);
    const out = Testing.synth(a.charts[1]).find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'allow-ns-istio-system');
    expect(out.metadata.annotations).toEqual({ owner: 'platform' });
  });
});
