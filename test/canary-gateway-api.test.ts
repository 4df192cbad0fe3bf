/**
 * CanaryRelease on the Gateway API (GAMMA: an HTTPRoute whose parent is the Service):
 *
 * - static weights: the release's routes (canary matches, then the weighted route) render as an
 *   HTTPRoute and a Service per version, and requests reach the same pods with the same shares as
 *   with Istio's API;
 * - Argo Rollouts: the weighted rule sends 100/0 to the stable and canary Services the Rollout
 *   names, its Gateway API plugin steps them; canary matches are the plugin's header routes;
 * - Flagger: its `gatewayapi:v1` provider writes the HTTPRoute (the Canary names the Service as
 *   the route's parent), the release writes no routing of its own.
 */
import { Chart, Duration, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import {
  ArgoRolloutsGatewayApiPlugin, CanaryRelease, CanaryReleaseProps, ReleaseStrategy, ReleaseWorkload, RequestMatch, RoutedService, RouteTo, RoutingApi,
  ServiceRouting, SplitLevel,
} from '../lib';
import { canaryFixture, find, flaggerTarget, reviews, staticRelease } from './canary-fixture';
import { resolveHttpRoute } from './helpers/httproute-resolver';
import { expectProgressiveDeliveryValid, expectThirdPartyCrdsValid } from './helpers/progressive-delivery';
import { resolveRequest, semanticRouting } from './helpers/route-resolver';

const objects = (f: { app: { synthYaml(): string } }) => parseAllDocuments(f.app.synthYaml()).map((d) => d.toJS()).filter((o) => o);
const GW = { api: RoutingApi.GATEWAY_API };

/** An Argo Rollouts release of the reviews Deployment (image and version 2.0.0). */
function argoRelease(strategy: ReleaseStrategy, props: Partial<CanaryReleaseProps> = {}) {
  const f = canaryFixture();
  const deployment = reviews(f.chart, 'Reviews', '2.0.0', { metadata: { name: 'reviews' }, replicas: 4 });
  const release = new CanaryRelease(f.chart, 'Release', {
    mesh: f.mesh, serviceName: 'reviews', canary: ReleaseWorkload.fromDeployment(deployment), strategy, printPlan: false, ...props,
  });
  return { ...f, deployment, release, objects: () => objects(f) };
}

/** A Flagger release of the reviews Deployment selected by `app`. */
function flaggerRelease(strategy: ReleaseStrategy, props: Partial<CanaryReleaseProps> = {}) {
  const f = canaryFixture();
  const deployment = flaggerTarget(f.chart);
  const release = new CanaryRelease(f.chart, 'Release', {
    mesh: f.mesh, canary: ReleaseWorkload.fromDeployment(deployment), strategy, printPlan: false, ...props,
  });
  return { ...f, deployment, release, objects: () => objects(f) };
}

const STEPS = [{ weight: 10 }, { weight: 30, pause: Duration.minutes(5) }, { weight: 60, manualPromotion: true }];

/**
 * The HTTPRoute as Argo Rollouts' Gateway API plugin leaves it at a step (its documented
 * behaviour): the backend weights of the rule naming both Services set to (100 - w, w), and one
 * rule per header route set so far, copying that rule's path and query matches with the route's
 * headers, sending to the canary Service.
 */
function afterPluginStep(route: any, rollout: any, weight: number, headerRoutes: number): any {
  const { stableService, canaryService } = rollout.spec.strategy.canary;
  const rules = route.spec.rules.map((r: any) => ({
    ...r,
    backendRefs: r.backendRefs.map((b: any) => ({
      ...b,
      weight: b.name === canaryService ? weight : b.name === stableService ? 100 - weight : b.weight,
    })),
  }));
  const base = route.spec.rules.find((r: any) => [stableService, canaryService].every((n) => r.backendRefs.some((b: any) => b.name === n)));
  const set = rollout.spec.strategy.canary.steps.filter((s: any) => s.setHeaderRoute).slice(0, headerRoutes).map((s: any) => s.setHeaderRoute);
  for (const h of set) {
    rules.push({
      name: h.name,
      matches: base.matches.map((m: any) => ({
        path: m.path,
        queryParams: m.queryParams,
        headers: h.match.map((x: any) => ({
          name: x.headerName,
          type: x.headerValue.exact !== undefined ? 'Exact' : 'RegularExpression',
          value: x.headerValue.exact ?? x.headerValue.regex,
        })),
      })),
      backendRefs: [{ name: canaryService, port: base.backendRefs[0].port }],
    });
  }
  return { ...route, spec: { ...route.spec, rules } };
}

describe('static weights', () => {
  const props = { canaryMatches: [RequestMatch.headerExact('x-canary', 'always')], mirrorPercent: 20 };

  test('the canary match and the weighted route reach the same pods with the same shares as with Istio\'s API', () => {
    const viaGateway = objects(staticRelease(15, { ...props, ...GW }));
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
    const out = objects(staticRelease(15, GW));
    const services = out.filter((o) => o.kind === 'Service' && /^reviews-/.test(o.metadata.name)).map((o) => [o.metadata.name, o.spec.selector]);
    expect(services.map(([, selector]) => (selector as any).version).sort()).toEqual(['1.0.0', '2.0.0']);
    const route = out.find((o) => o.kind === 'HTTPRoute');
    expect(route.spec.rules.flatMap((r: any) => r.backendRefs.map((b: any) => b.name)).every((n: string) => services.some(([name]) => name === n)))
      .toBe(true);
  });

  test('a fault for the canary users has no Gateway API form: an error at synth', () => {
    const f = staticRelease(10, { ...props, ...GW, fault: { delay: Duration.seconds(2), delayPercent: 100 } });
    expect(() => f.app.synth()).toThrow(/injects a fault, which Gateway API has no form for; route the service with RoutingApi.ISTIO to inject faults/);
  });

});

describe('Argo Rollouts with its Gateway API plugin', () => {
  test('the HTTPRoute sends 100/0 to the stable and canary Services the Rollout names; the plugin config names the route and its namespace', () => {
    // WHEN
    const r = argoRelease(ReleaseStrategy.steps(STEPS), GW);
    const o = r.objects();
    const canary = find(o, 'Rollout', 'reviews').spec.strategy.canary;
    const route = find(o, 'HTTPRoute', 'reviews');

    // THEN
    expect(r.release.splitLevel).toBe(SplitLevel.HOST);
    expect(o.filter((x) => x.kind === 'VirtualService')).toEqual([]);
    expect(canary.trafficRouting).toEqual({ plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'reviews', namespace: 'shop' } } });
    expect(route.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'reviews', port: 80 }]);
    expect(route.spec.rules).toHaveLength(1);
    expect(route.spec.rules[0].backendRefs).toEqual([
      { name: canary.stableService, port: 80, weight: 100 },
      { name: canary.canaryService, port: 80, weight: 0 },
    ]);
    expect([canary.stableService, canary.canaryService]).toEqual(['reviews-stable', 'reviews-canary']);
    // Both Services select the release's pods; Argo Rollouts adds the pod-template hash to their selectors.
    expect(find(o, 'Service', 'reviews-stable').spec.selector).toEqual({ app: 'reviews' });
    expect(find(o, 'Service', 'reviews-canary').spec.selector).toEqual({ app: 'reviews' });
    expect(canary.steps.map((s: any) => Object.keys(s)[0])).toEqual(['setWeight', 'pause', 'setWeight', 'pause', 'setWeight', 'pause']);
  });

  test('initial state and every step: the same shares as the Istio rendering, and the same plan', () => {
    const gw = argoRelease(ReleaseStrategy.steps(STEPS), GW);
    const istio = argoRelease(ReleaseStrategy.steps(STEPS), { splitLevel: SplitLevel.HOST });
    const viaGateway = gw.objects();
    const viaIstio = istio.objects();
    const atIstio = semanticRouting(resolveRequest(viaIstio, { gateway: 'mesh', host: 'reviews', sourceNamespace: 'shop' }));
    expect(resolveHttpRoute(viaGateway, { service: 'reviews', namespace: 'shop' })).toEqual(atIstio);
    expect(gw.release.canaryWeight).toBe(0);
    expect(gw.release.plan().text).toBe(istio.release.plan().text);

    // The plugin at each step against Argo Rollouts' Istio router at the same step (weights of route "primary").
    const rollout = find(viaGateway, 'Rollout', 'reviews');
    for (const weight of [10, 30, 60, 100]) {
      const stepped = afterPluginStep(find(viaGateway, 'HTTPRoute', 'reviews'), rollout, weight, 0);
      const vs = find(viaIstio, 'VirtualService', 'reviews');
      const primary = vs.spec.http.find((h: any) => h.name === 'primary');
      const istioStep = viaIstio.map((x) => (x === vs ? {
        ...vs, spec: { ...vs.spec, http: [{ ...primary, route: primary.route.map((d: any) => ({ ...d, weight: /canary/.test(d.destination.host) ? weight : 100 - weight })) }] },
      } : x));
      const other = viaGateway.map((x) => (x.kind === 'HTTPRoute' ? stepped : x));
      expect(resolveHttpRoute(other, { service: 'reviews', namespace: 'shop' }))
        .toEqual(semanticRouting(resolveRequest(istioStep, { gateway: 'mesh', host: 'reviews', sourceNamespace: 'shop' })));
    }
  });

  test('canary matches become header routes set once the canary has pods; test users reach the canary, others the weights', () => {
    // WHEN
    const r = argoRelease(ReleaseStrategy.steps(STEPS), {
      ...GW,
      canaryMatches: [RequestMatch.headerExact('x-user', 'qa'), RequestMatch.allOf([RequestMatch.headerPrefix('x-build', 'v1.2'), RequestMatch.cookie('beta', 'on')])],
    });
    const o = r.objects();
    expect(r.release.plan().text).toContain('always to the canary: header x-user: qa (a header route from the first step until the release ends)');
    const rollout = find(o, 'Rollout', 'reviews');
    const canary = rollout.spec.strategy.canary;
    const route = find(o, 'HTTPRoute', 'reviews');

    // THEN
    expect(route.spec.rules.map((rule: any) => rule.name)).toEqual(['primary']);
    expect(canary.trafficRouting.managedRoutes).toEqual([{ name: 'canary-match-1' }, { name: 'canary-match-2' }]);
    expect(canary.steps.slice(0, 4)).toEqual([
      { setWeight: 10 },
      { setHeaderRoute: { name: 'canary-match-1', match: [{ headerName: 'x-user', headerValue: { exact: 'qa' } }] } },
      {
        setHeaderRoute: {
          name: 'canary-match-2',
          match: [
            { headerName: 'cookie', headerValue: { regex: '^(.*?;\\s*)?(beta=on)(;.*)?$' } },
            // The plugin would write the prefix unescaped as a regex ("v1.2.*" also matches "v1x2"): escaped here.
            { headerName: 'x-build', headerValue: { regex: 'v1\\.2.*' } },
          ],
        },
      },
      { pause: { duration: '1m' } },
    ]);
    // The analysis starts with the first pause, after the header routes.
    expect(canary.analysis.startingStep).toBe(3);

    const atFirstStep = o.map((x) => (x.kind === 'HTTPRoute' ? afterPluginStep(route, rollout, 10, 2) : x));
    const at = (headers: Record<string, string>) => resolveHttpRoute(atFirstStep, { service: 'reviews', namespace: 'shop', headers })!.destinations;
    const canaryPods = { target: 'pods shop {"app":"reviews"}', port: 80, weight: 100 };
    expect(at({ 'x-user': 'qa' })).toEqual([canaryPods]);
    expect(at({ 'x-build': 'v1.2.7', 'cookie': 'beta=on' })).toEqual([canaryPods]);
    const regexRule = afterPluginStep(route, rollout, 10, 2).spec.rules[2];
    expect(new RegExp(`^(?:${regexRule.matches[0].headers[1].value})$`).test('v1x2')).toBe(false);
  });

  test('blue/green on the Gateway API: no mirroring; test users reach the full-size new version through a header route', () => {
    expect(() => argoRelease(ReleaseStrategy.blueGreen(), GW)).toThrow(
      'ReleaseStrategy.blueGreen() mirrors 100% of the requests to the new version, which Argo Rollouts does on RoutingApi.GATEWAY_API ' +
      '(setMirrorRoute needs its Istio traffic router); set blueGreen({ mirrorPercent: 0 }) and add canary matches for test users, or use RoutingApi.ISTIO');
    const canary = find(argoRelease(ReleaseStrategy.blueGreen({ mirrorPercent: 0 }), {
      ...GW, canaryMatches: [RequestMatch.headerExact('x-user', 'qa')],
    }).objects(), 'Rollout', 'reviews').spec.strategy.canary;
    expect(canary.steps).toEqual([
      { setCanaryScale: { weight: 100 } },
      { setHeaderRoute: { name: 'canary-match-1', match: [{ headerName: 'x-user', headerValue: { exact: 'qa' } }] } },
      { pause: { duration: '10m' } },
      { setWeight: 100 },
    ]);
    expect(canary.trafficRouting.managedRoutes).toEqual([{ name: 'canary-match-1' }]);
  });

  test('the controller may change this release\'s HTTPRoute only: a Role on that one route, bound to the controller\'s ServiceAccount', () => {
    const o = argoRelease(ReleaseStrategy.steps(STEPS), GW).objects();
    expect(find(o, 'Role', 'reviews-argo-rollouts-gateway-api')).toMatchObject({
      metadata: { namespace: 'shop' },
      rules: [{ apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], resourceNames: ['reviews'], verbs: ['get', 'patch', 'update'] }],
    });
    const binding = find(o, 'RoleBinding', 'reviews-argo-rollouts-gateway-api');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reviews-argo-rollouts-gateway-api' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'argo-rollouts', namespace: 'argo-rollouts' }]);
    expect(o.filter((x) => x.kind === 'ClusterRole' || x.kind === 'ClusterRoleBinding')).toEqual([]);

    // The app's plugin registration names the controller.
    const r = argoRelease(ReleaseStrategy.steps(STEPS), GW);
    new ArgoRolloutsGatewayApiPlugin(r.chart, 'Plugin', { namespace: 'rollouts', serviceAccountName: 'rollouts-controller' });
    expect(find(r.objects(), 'RoleBinding', 'reviews-argo-rollouts-gateway-api').subjects)
      .toEqual([{ kind: 'ServiceAccount', name: 'rollouts-controller', namespace: 'rollouts' }]);
  });

  test('Argo CD ignores the HTTPRoute weights, the header rules the plugin adds and the Services\' hash selectors', () => {
    const { release } = argoRelease(ReleaseStrategy.steps(STEPS), { ...GW, canaryMatches: [RequestMatch.headerExact('x-user', 'qa')] });
    expect(release.argoCdIgnoreDifferences).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'HTTPRoute',
        name: 'reviews',
        namespace: 'shop',
        jqPathExpressions: ['.spec.rules[].backendRefs[].weight', '.spec.rules[] | select(.name == "canary-match-1")'],
      },
      { group: '', kind: 'Service', name: 'reviews-stable', namespace: 'shop', jsonPointers: ['/spec/selector/rollouts-pod-template-hash'] },
      { group: '', kind: 'Service', name: 'reviews-canary', namespace: 'shop', jsonPointers: ['/spec/selector/rollouts-pod-template-hash'] },
      { group: 'apps', kind: 'Deployment', name: 'reviews', namespace: 'shop', jsonPointers: ['/spec/replicas'] },
    ]);
  });

  test('objects pass the documented schemas and the real CRDs', () => {
    const o = argoRelease(ReleaseStrategy.steps(STEPS), { ...GW, canaryMatches: [RequestMatch.headerRegex('x-user', 'qa-.*')] }).objects();
    expectProgressiveDeliveryValid(o, 2);
    expectThirdPartyCrdsValid(o);
  });

  test.each([
    [{ splitLevel: SplitLevel.SUBSET }, "'splitLevel' SUBSET is not available with Argo Rollouts on RoutingApi.GATEWAY_API: Gateway API has no subsets, " +
      "and the plugin shifts weight between the stable and canary Services; remove 'splitLevel'"],
    [{ mirrorPercent: 20 }, "'mirrorPercent' is not available with Argo Rollouts on RoutingApi.GATEWAY_API: setMirrorRoute needs its Istio traffic " +
      "router; remove 'mirrorPercent', or use RoutingApi.ISTIO"],
    [{ canaryMatches: [RequestMatch.headerExact('x-user', 'qa')], fault: { abortHttpStatus: 503 } }, "'fault' is not available with Argo Rollouts on " +
      "RoutingApi.GATEWAY_API: Gateway API has no fault injection; remove 'fault', or use RoutingApi.ISTIO"],
    [{ canaryMatches: [RequestMatch.allOf([RequestMatch.pathPrefix('/beta'), RequestMatch.queryParamExact('v', '2')])] }, "'canaryMatches[0]' matches " +
      "on the path and query parameters, which Argo Rollouts' Gateway API plugin cannot send to the canary: its header routes (setHeaderRoute) match " +
      "request headers only; match on a header, e.g. RequestMatch.headerExact('x-canary', 'insider'), or use RoutingApi.ISTIO"],
    [{ canaryMatches: [RequestMatch.headerExact('x-user', 'qa')], timeout: Duration.seconds(2) }, "'canaryMatches[0]' and 'timeout' cannot be combined " +
      "with Argo Rollouts on RoutingApi.GATEWAY_API: the plugin's header routes copy the matches of the weighted rule but not its timeout, so the " +
      "canary's test users would have none; drop one of them, or use RoutingApi.ISTIO"],
  ])('fails for %p', (props, message) => {
    expect(() => argoRelease(ReleaseStrategy.steps(STEPS), { ...GW, ...(props as Partial<CanaryReleaseProps>) })).toThrow(message);
  });

  test('fails at synth when another construct routes requests to the Services the plugin steps', () => {
    const r = argoRelease(ReleaseStrategy.steps(STEPS), GW);
    new ServiceRouting(r.chart, 'Pinned', {
      service: RoutedService.fromName('reviews', 'shop', 80),
      api: RoutingApi.GATEWAY_API,
      routes: [{ name: 'qa', matches: [RequestMatch.pathPrefix('/qa')], to: RouteTo.version('canary') }],
    });
    expect(() => r.app.synth()).toThrow(/route "qa" of shop\/Pinned sends requests to the reviews-stable or reviews-canary Service, whose weights Argo Rollouts' Gateway API plugin rewrites in every rule of the HTTPRoute during a release/);
  });
});

describe('ArgoRolloutsGatewayApiPlugin', () => {
  test('registers the plugin with a pinned release in the controller\'s argo-rollouts-config', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'rollouts');
    new ArgoRolloutsGatewayApiPlugin(chart, 'Plugin');
    const config = find(Testing.synth(chart), 'ConfigMap', 'argo-rollouts-config');
    expect(config.metadata.namespace).toBe('argo-rollouts');
    expect(parseAllDocuments(config.data.trafficRouterPlugins)[0].toJS()).toEqual([{
      name: 'argoproj-labs/gatewayAPI',
      location: 'https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/v0.17.0/gatewayapi-plugin-linux-amd64',
    }]);
  });

  test('another location, with its checksum', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'rollouts');
    const sha256 = 'a'.repeat(64);
    new ArgoRolloutsGatewayApiPlugin(chart, 'Plugin', { location: 'file:///plugins/rollouts-plugin-trafficrouter-gatewayapi', sha256 });
    const config = find(Testing.synth(chart), 'ConfigMap', 'argo-rollouts-config');
    expect(parseAllDocuments(config.data.trafficRouterPlugins)[0].toJS())
      .toEqual([{ name: 'argoproj-labs/gatewayAPI', location: 'file:///plugins/rollouts-plugin-trafficrouter-gatewayapi', sha256 }]);
  });

  test.each([
    [{ location: 'http://example.com/plugin' }, '\'location\' must be an https:// or file:/// URL of the plugin binary, got "http://example.com/plugin"; ' +
      `e.g. "${ArgoRolloutsGatewayApiPlugin.DEFAULT_LOCATION}"`],
    [{ sha256: 'ABC' }, "'sha256' must be the 64 lowercase hex digits of the binary's SHA-256, got \"ABC\"; e.g. the output of `sha256sum gatewayapi-plugin-linux-amd64`"],
    [{ namespace: 'Argo' }, /'namespace' must be a DNS-1123 label/],
  ])('fails for %p', (props, message) => {
    const app = Testing.app();
    expect(() => new ArgoRolloutsGatewayApiPlugin(new Chart(app, 'rollouts'), 'Plugin', props as any)).toThrow(message);
  });

  test('fails at synth when the app registers it twice', () => {
    const app = Testing.app();
    new ArgoRolloutsGatewayApiPlugin(new Chart(app, 'a'), 'Plugin');
    new ArgoRolloutsGatewayApiPlugin(new Chart(app, 'b'), 'Plugin');
    expect(() => app.synth()).toThrow(/the app registers the Gateway API plugin of Argo Rollouts 2 times \(a\/Plugin, b\/Plugin\); the controller has one argo-rollouts-config/);
  });
});

describe('Flagger with its gatewayapi:v1 provider', () => {
  test('the Canary names the Service as the HTTPRoute\'s parent (GAMMA); Flagger writes the HTTPRoute, the release writes no routing', () => {
    // WHEN
    const o = flaggerRelease(ReleaseStrategy.flagger(), { ...GW, port: 8080, timeout: Duration.millis(1500) }).objects();
    const spec = find(o, 'Canary', 'reviews').spec;

    // THEN
    expect(spec.provider).toBe('gatewayapi:v1');
    expect(spec.service).toEqual({
      name: 'reviews',
      port: 8080,
      targetPort: 9080,
      portName: 'http',
      gatewayRefs: [{ group: '', kind: 'Service', name: 'reviews', namespace: 'shop', port: 8080 }],
      timeout: '1500ms',
    });
    expect(o.filter((x) => ['HTTPRoute', 'VirtualService', 'DestinationRule'].includes(x.kind))).toEqual([]);
    expect(find(o, 'Service', 'reviews').spec.selector).toEqual({ app: 'reviews' });
  });

  test('the plan is the Istio rendering\'s: Flagger starts the canary at 0 and steps it the same way', () => {
    const strategy = () => ReleaseStrategy.flagger({ stepWeight: 20, maxWeight: 60 });
    const gw = flaggerRelease(strategy(), GW).release;
    const istio = flaggerRelease(strategy()).release;
    expect(gw.plan().text).toBe(istio.plan().text);
    expect(gw.plan().steps.map((s) => s.canaryWeight)).toEqual([20, 40, 60]);
    expect([gw.canaryWeight, gw.stableWeight]).toEqual([0, 100]);
  });

  test('A/B: header and query matches as Flagger\'s Gateway API provider reads them (exact or regex)', () => {
    const spec = find(flaggerRelease(ReleaseStrategy.flagger({ iterations: 10 }), {
      ...GW,
      canaryMatches: [RequestMatch.headerPrefix('x-build', 'v1.2'), RequestMatch.queryParamExact('beta', 'on')],
    }).objects(), 'Canary', 'reviews').spec;
    expect(spec.analysis.match).toEqual([{ headers: { 'x-build': { regex: 'v1\\.2.*' } } }, { queryParams: { beta: { exact: 'on' } } }]);
  });

  test('blue/green mirrors every request (Flagger\'s HTTPRoute has no mirror share)', () => {
    const spec = find(flaggerRelease(ReleaseStrategy.blueGreen({ controller: 'Flagger' as any }), GW).objects(), 'Canary', 'reviews').spec;
    expect(spec.analysis).toMatchObject({ mirror: true, iterations: 10 });
    expect(spec.analysis.mirrorWeight).toBeUndefined();
  });

  test('Flagger owns the routing of the service: another construct routing it fails, naming the HTTPRoute', () => {
    const r = flaggerRelease(ReleaseStrategy.flagger(), GW);
    expect(() => new ServiceRouting(r.chart, 'Pinned', {
      service: RoutedService.fromName('reviews', 'shop', 80),
      api: RoutingApi.GATEWAY_API,
      versions: [{ name: 'v1', selector: { version: 'v1' } }],
      routes: [{ to: RouteTo.version('v1') }],
    })).toThrow(/cannot be added: shop\/Release releases it with Flagger \(its Canary generates the HTTPRoute\), which writes the service's routing itself/);
  });

  test('objects pass the documented schemas and the real CRDs (Flagger v1.36.1 has gatewayRefs)', () => {
    const o = flaggerRelease(ReleaseStrategy.flagger({ iterations: 5 }), {
      ...GW, canaryMatches: [RequestMatch.headerExact('x-user', 'qa')], timeout: Duration.seconds(4), mirrorPercent: 100,
    }).objects();
    expectProgressiveDeliveryValid(o, 3);
    expectThirdPartyCrdsValid(o);
  });

  test.each([
    [{ trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3 } } }, "'trafficPolicy' is not available with Flagger on RoutingApi.GATEWAY_API: " +
      "its gatewayapi:v1 provider writes no DestinationRule and ignores the Canary's trafficPolicy; remove it (mTLS stays on: Istio's auto mTLS), " +
      'or use RoutingApi.ISTIO'],
    [{ retries: { attempts: 2 } }, "'retries' is not available with Flagger on RoutingApi.GATEWAY_API: its HTTPRoute has no retries (Gateway API " +
      "standard channel); remove 'retries', or use RoutingApi.ISTIO"],
    [{ timeout: Duration.millis(100000.5) }, /'timeout' 100000.5ms cannot be written as a Gateway API duration \(whole milliseconds, at most 99999 per unit\); round it/],
  ])('fails for %p', (props, message) => {
    expect(() => flaggerRelease(ReleaseStrategy.flagger(), { ...GW, ...(props as Partial<CanaryReleaseProps>) })).toThrow(message);
  });

  test('fails for a mirror share and for matches Flagger would drop', () => {
    expect(() => flaggerRelease(ReleaseStrategy.flagger({ iterations: 5 }), { ...GW, mirrorPercent: 50 })).toThrow(
      "'mirrorPercent' 50 is not available with Flagger on RoutingApi.GATEWAY_API: its HTTPRoute mirrors every request (no mirrorWeight); " +
      'set 100, or use RoutingApi.ISTIO');
    expect(() => flaggerRelease(ReleaseStrategy.flagger({ iterations: 5 }), { ...GW, canaryMatches: [RequestMatch.sourceLabels({ app: 'qa' })] })).toThrow(
      "'canaryMatches[0]' matches on source labels, which Flagger's analysis.match on the Gateway API cannot hold (headers and query parameters " +
      "only); match on a header instead, e.g. RequestMatch.headerExact('x-canary', 'insider'), or use RoutingApi.ISTIO");
    // Istio's API too: Flagger's analysis.match has no path or method (the API server prunes them).
    expect(() => flaggerRelease(ReleaseStrategy.flagger({ iterations: 5 }), { canaryMatches: [RequestMatch.pathPrefix('/beta')] })).toThrow(
      "'canaryMatches[0]' matches on the path, which Flagger's analysis.match cannot hold (headers, query parameters and source labels only); " +
      "match on a header instead, e.g. RequestMatch.headerExact('x-canary', 'insider')");
  });
});

describe('gateway binding', () => {
  test('a controller release bound to a gateway stays on Istio\'s API for now', () => {
    const gateway = { gateway: 'istio-ingress/public', hosts: ['shop.example.com'] };
    expect(() => argoRelease(ReleaseStrategy.steps(STEPS), { ...GW, gateway })).toThrow(
      "'gateway' cannot be combined with Argo Rollouts on RoutingApi.GATEWAY_API yet: the release would steer the mesh's HTTPRoute but not the " +
      "gateway's routes; bind the gateway with RoutingApi.ISTIO, or drop 'gateway' and route the host to the Service from the IngressGateway");
    expect(() => flaggerRelease(ReleaseStrategy.flagger(), { ...GW, gateway })).toThrow(/'gateway' cannot be combined with Flagger on RoutingApi.GATEWAY_API yet/);
  });
});
