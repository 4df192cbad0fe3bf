/**
 * CanaryRelease with static weights on the Gateway API: the release's routes (canary matches,
 * then the weighted route) render as an HTTPRoute with the Service as parent and a Service per
 * version, and requests reach the same pods with the same shares as with Istio's API.
 */
import { Duration } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { ReleaseStrategy, RequestMatch, RoutingApi } from '../lib';
import { staticRelease } from './canary-fixture';
import { resolveHttpRoute } from './helpers/httproute-resolver';
import { resolveRequest, semanticRouting } from './helpers/route-resolver';

const objects = (f: ReturnType<typeof staticRelease>) => parseAllDocuments(f.app.synthYaml()).map((d) => d.toJS()).filter((o) => o);

describe('CanaryRelease on the Gateway API (static weights)', () => {
  const props = { canaryMatches: [RequestMatch.headerExact('x-canary', 'always')], mirrorPercent: 20 };

  test('the canary match and the weighted route reach the same pods with the same shares as with Istio\'s API', () => {
    const viaGateway = objects(staticRelease(15, { ...props, api: RoutingApi.GATEWAY_API }));
    const viaIstio = objects(staticRelease(15, props));
    expect(viaGateway.filter((o) => o.kind === 'VirtualService')).toEqual([]);
    expect(viaGateway.find((o) => o.kind === 'HTTPRoute').spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'reviews', port: 80 }]);
    for (const headers of [{}, { 'x-canary': 'always' }, { 'x-canary': 'no' }] as Record<string, string>[]) {
      const gw = resolveHttpRoute(viaGateway, { service: 'reviews', namespace: 'shop', headers });
      const istio = semanticRouting(resolveRequest(viaIstio, { gateway: 'mesh', host: 'reviews', sourceNamespace: 'shop', headers }));
      expect({ headers, routing: gw }).toEqual({ headers, routing: istio });
    }
    const weighted = resolveHttpRoute(viaGateway, { service: 'reviews', namespace: 'shop' })!;
    expect(weighted.destinations!.map((d) => d.weight)).toEqual([85, 15]);
  });

  test('the version Services select the stable and the canary pods', () => {
    const out = objects(staticRelease(15, { api: RoutingApi.GATEWAY_API }));
    const services = out.filter((o) => o.kind === 'Service' && /^reviews-/.test(o.metadata.name)).map((o) => [o.metadata.name, o.spec.selector]);
    expect(services.map(([, selector]) => (selector as any).version).sort()).toEqual(['1.0.0', '2.0.0']);
    const route = out.find((o) => o.kind === 'HTTPRoute');
    expect(route.spec.rules.flatMap((r: any) => r.backendRefs.map((b: any) => b.name)).every((n: string) => services.some(([name]) => name === n)))
      .toBe(true);
  });

  test('a fault for the canary users has no Gateway API form: an error at synth', () => {
    const f = staticRelease(10, { ...props, api: RoutingApi.GATEWAY_API, fault: { delay: Duration.seconds(2), delayPercent: 100 } });
    expect(() => f.app.synth()).toThrow(/injects a fault, which Gateway API has no form for; route the service with RoutingApi.ISTIO to inject faults/);
  });

  test('Argo Rollouts and Flagger keep Istio\'s API', () => {
    expect(() => staticRelease(10, { api: RoutingApi.GATEWAY_API, stable: undefined, strategy: ReleaseStrategy.steps([{ weight: 20 }]) })).toThrow(
      "'api' RoutingApi.GATEWAY_API needs static weights (ReleaseStrategy.staticWeight or weights): Argo Rollouts steers the VirtualService " +
      "of Istio's API here; use RoutingApi.ISTIO");
  });
});
