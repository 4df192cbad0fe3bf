/**
 * Routing on the ambient data plane: a service's route table applies where its traffic meets the
 * namespace's waypoint, as an HTTPRoute with the Service as parent. A VirtualService (no client
 * proxy applies it) or an HTTPRoute without a waypoint (nothing applies it) is an error at synth.
 */
import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  DataPlane, MeshPeer, RequestMatch, RoutedService, RouteTo, RoutingApi, ServiceRouting, WorkloadSelector, ZeroTrustNamespace,
} from '../lib';
import { find, fixture, synthAll } from './zero-trust-fixture';

/** Service `reviews` (v1, v2) in namespace `shop` on `dataPlane`, routed with `api`; callers from namespace `shop` on port 8080. */
function reviews(dataPlane: DataPlane, api: RoutingApi) {
  const f = fixture();
  const ns = new ZeroTrustNamespace(f.chart, 'Shop', { name: 'shop', mesh: f.mesh, dataPlane });
  const chart = new Chart(f.app, 'shop', { namespace: 'shop' });
  for (const version of ['v1', 'v2']) {
    new kplus.Deployment(chart, `Reviews-${version}`, {
      metadata: { name: `reviews-${version}` },
      podMetadata: { labels: { app: 'reviews', version } },
      containers: [{ image: `example/reviews:${version}`, portNumber: 9080, securityContext: { user: 1000, group: 1000 } }],
    });
  }
  const service = new kplus.Service(chart, 'Reviews', {
    metadata: { name: 'reviews' },
    selector: kplus.Pods.select(chart, 'ReviewsPods', { labels: { app: 'reviews' } }),
    ports: [{ name: 'http', port: 9080, targetPort: 9080 }],
  });
  new ServiceRouting(chart, 'Routing', {
    service: RoutedService.fromService(service),
    api,
    versions: [{ name: 'v1' }, { name: 'v2' }],
    routes: [{ matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') }, { to: RouteTo.version('v1') }],
    mesh: f.mesh,
  });
  ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromLabels({ app: 'reviews' }), ports: [9080] });
  return { ...f, ns };
}

describe('routing on the ambient data plane', () => {
  test('a route table with the Gateway API is applied by the waypoint addWaypoint() deploys, which the pods admit', () => {
    // GIVEN
    const { app, ns } = reviews(DataPlane.AMBIENT, RoutingApi.GATEWAY_API);

    // WHEN
    ns.addWaypoint();
    const objects = synthAll(app);

    // THEN
    expect(ns.hasWaypoint).toBe(true);
    expect(find(objects, 'Namespace', 'shop').metadata.labels).toMatchObject({ 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' });
    expect(find(objects, 'Gateway', 'waypoint').spec.gatewayClassName).toBe('istio-waypoint');
    expect(find(objects, 'HTTPRoute', 'reviews').spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'reviews', port: 9080 }]);
    // The pods' ztunnel admits the waypoint, which forwards the routed requests.
    const ztunnel = objects.filter((o) => o.kind === 'AuthorizationPolicy' && o.spec.selector?.matchLabels?.app === 'reviews');
    expect(ztunnel.flatMap((p) => p.spec.rules.flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals ?? []))))
      .toContain('cluster.local/ns/shop/sa/waypoint');
  });

  test('without a waypoint the HTTPRoute would be ignored: an error naming the fix', () => {
    // GIVEN
    const { app } = reviews(DataPlane.AMBIENT, RoutingApi.GATEWAY_API);

    // THEN
    expect(() => app.synth()).toThrow('[shop/Routing] service shop/reviews is routed by an HTTPRoute, which ambient traffic meets only at a ' +
      'waypoint, and namespace "shop" has none: its requests would ignore the routes; call addWaypoint() on ZeroTrustNamespace apps/Shop');
  });

  test('a VirtualService is refused in an ambient namespace, accepted with sidecars', () => {
    // GIVEN
    const ambient = reviews(DataPlane.AMBIENT, RoutingApi.ISTIO);
    ambient.ns.addWaypoint();
    const sidecar = reviews(DataPlane.SIDECAR, RoutingApi.ISTIO);

    // THEN
    expect(() => ambient.app.synth()).toThrow('[shop/Routing] service shop/reviews is in namespace "shop", which runs on the ambient data plane: ' +
      'its clients run no proxy to apply a mesh VirtualService (ztunnel carries L4 only), and Istio 1.30 applies VirtualServices at waypoints as an ' +
      "alpha feature only; route it with api: RoutingApi.GATEWAY_API, an HTTPRoute the namespace's waypoint applies");
    expect(find(synthAll(sidecar.app), 'VirtualService', 'reviews').spec.http).toHaveLength(2);
  });

  test('a plain Namespace labelled ambient without istio.io/use-waypoint: the fix names istioctl', () => {
    // GIVEN
    const f = fixture();
    const chart = new Chart(f.app, 'legacy', { namespace: 'legacy' });
    new kplus.Namespace(chart, 'Namespace', { metadata: { name: 'legacy', labels: { 'istio.io/dataplane-mode': 'ambient' } } });
    const service = new kplus.Deployment(chart, 'Api', { podMetadata: { labels: { app: 'api' } }, containers: [{ image: 'api:1', portNumber: 8080 }] })
      .exposeViaService({ name: 'api', ports: [{ port: 80, targetPort: 8080 }] });
    new ServiceRouting(chart, 'Routing', {
      service: RoutedService.fromService(service),
      api: RoutingApi.GATEWAY_API,
      versions: [{ name: 'v1', selector: { app: 'api' } }],
      routes: [{ to: RouteTo.version('v1') }],
    });

    // THEN
    expect(() => f.app.synth()).toThrow('[legacy/Routing] service legacy/api is routed by an HTTPRoute, which ambient traffic meets only at a ' +
      'waypoint, and namespace "legacy" has none: its requests would ignore the routes; deploy a waypoint (istioctl waypoint generate -n legacy) ' +
      'and label the Namespace istio.io/use-waypoint=waypoint');
  });

  test('addWaypoint on a sidecar namespace is an error', () => {
    const { ns } = reviews(DataPlane.SIDECAR, RoutingApi.ISTIO);
    expect(() => ns.addWaypoint()).toThrow("[apps/Shop] 'addWaypoint' needs dataPlane: DataPlane.AMBIENT; sidecars route and authorize in each " +
      "pod's proxy, which needs no waypoint: drop the call, or move the namespace to ambient mode");
  });
});
