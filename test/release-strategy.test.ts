import { Duration, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import {
  CanaryRelease, CanaryReleaseProps, DeliveryController, MetricsReporter, ReleaseStrategy, ReleaseWorkload, RequestMatch, RolloutScaleDown,
  SplitLevel, WorkloadSelector,
} from '../lib';
import { canaryFixture, find, flaggerTarget, inventory, reviews, routes } from './canary-fixture';
import { expectIstioctlAccepts, expectSchemaValid } from './helpers/conformance';
import { expectProgressiveDeliveryValid, expectThirdPartyCrdsValid } from './helpers/progressive-delivery';

/** An Argo Rollouts release of the reviews Deployment (image 2.0.0). */
function argoRelease(strategy: ReleaseStrategy, props: Partial<CanaryReleaseProps> = {}) {
  const f = canaryFixture();
  const deployment = reviews(f.chart, 'Reviews', '2.0.0', { metadata: { name: 'reviews' }, replicas: 4 });
  const release = new CanaryRelease(f.chart, 'Release', {
    mesh: f.mesh, serviceName: 'reviews', canary: ReleaseWorkload.fromDeployment(deployment), strategy, printPlan: false, ...props,
  });
  return { ...f, deployment, release, objects: () => Testing.synth(f.chart) };
}

/** A Flagger release of the reviews Deployment selected by `app`. */
function flaggerRelease(strategy: ReleaseStrategy, props: Partial<CanaryReleaseProps> = {}) {
  const f = canaryFixture();
  const deployment = flaggerTarget(f.chart);
  const release = new CanaryRelease(f.chart, 'Release', {
    mesh: f.mesh, canary: ReleaseWorkload.fromDeployment(deployment), strategy, printPlan: false, ...props,
  });
  return { ...f, deployment, release, objects: () => Testing.synth(f.chart) };
}

const STEPS = [{ weight: 10 }, { weight: 30, pause: Duration.minutes(5) }, { weight: 60, manualPromotion: true }];

describe('ReleaseStrategy.steps (Argo Rollouts)', () => {
  test('snapshot', () => {
    expect(argoRelease(ReleaseStrategy.steps(STEPS)).objects()).toMatchSnapshot();
  });

  test('emits the routing in Git at 100/0 plus a Rollout and an AnalysisTemplate', () => {
    // WHEN
    const { objects, release } = argoRelease(ReleaseStrategy.steps(STEPS));
    const o = objects();

    // THEN
    expect(release.strategy.controller).toBe(DeliveryController.ARGO_ROLLOUTS);
    expect(inventory(o)).toEqual([
      'Deployment/reviews', 'Service/reviews', 'DestinationRule/reviews', 'VirtualService/reviews', 'AnalysisTemplate/reviews-analysis', 'Rollout/reviews',
    ]);
    expect(routes(o).primary.route.map((r: any) => [r.destination.subset, r.weight])).toEqual([['stable', 100], ['canary', 0]]);
  });

  test('the Rollout references the Deployment and routes by subset through the VirtualService and DestinationRule', () => {
    // WHEN
    const rollout = find(argoRelease(ReleaseStrategy.steps(STEPS)).objects(), 'Rollout', 'reviews');

    // THEN
    expect(rollout.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(rollout.spec.workloadRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'reviews', scaleDown: 'onsuccess' });
    expect(rollout.spec.replicas).toBe(4);
    expect(rollout.spec.strategy.canary.trafficRouting).toEqual({
      istio: {
        virtualServices: [{ name: 'reviews', routes: ['primary'] }],
        destinationRule: { name: 'reviews', canarySubsetName: 'canary', stableSubsetName: 'stable' },
      },
    });
  });

  test('steps become setWeight + pause (default pause = interval, manual = indefinite)', () => {
    const rollout = find(argoRelease(ReleaseStrategy.steps(STEPS, { interval: Duration.seconds(90) })).objects(), 'Rollout', 'reviews');
    expect(rollout.spec.strategy.canary.steps).toEqual([
      { setWeight: 10 }, { pause: { duration: '90s' } },
      { setWeight: 30 }, { pause: { duration: '5m' } },
      { setWeight: 60 }, { pause: {} },
    ]);
  });

  test('both subsets select the pods by app only: Argo Rollouts adds the pod-template hash', () => {
    const o = argoRelease(ReleaseStrategy.steps(STEPS)).objects();
    const subsets = find(o, 'DestinationRule', 'reviews').spec.subsets;
    expect(subsets).toEqual([{ name: 'stable', labels: { app: 'reviews' } }, { name: 'canary', labels: { app: 'reviews' } }]);
    expect(find(o, 'Deployment', 'reviews').spec.template.metadata.labels).toMatchObject({ app: 'reviews', version: '2.0.0' });
  });

  test('the analysis checks success rate and P99 latency of the canary version, reporter destination in the mesh', () => {
    // WHEN
    const o = argoRelease(ReleaseStrategy.steps(STEPS, { failureThreshold: 4, minSuccessRate: 99.5, maxLatencyP99: Duration.millis(250) })).objects();
    const template = find(o, 'AnalysisTemplate', 'reviews-analysis');
    const rollout = find(o, 'Rollout', 'reviews');
    const [success, latency] = template.spec.metrics;

    // THEN
    expect(rollout.spec.strategy.canary.analysis).toEqual({
      templates: [{ templateName: 'reviews-analysis' }],
      startingStep: 1,
      args: [{ name: 'namespace', value: 'shop' }, { name: 'service', value: 'reviews' }, { name: 'canary-version', value: '2.0.0' }],
    });
    expect(success.provider.prometheus.address).toBe('http://prometheus.istio-system:9090');
    expect(success.provider.prometheus.query).toContain('istio_requests_total{reporter="destination"');
    expect(success.provider.prometheus.query).toContain('destination_canonical_revision="{{args.canary-version}}"');
    expect(success.provider.prometheus.query).toContain('response_code!~"5.*"');
    expect(success.successCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] >= 99.5');
    expect(success.failureLimit).toBe(3);
    expect(latency.provider.prometheus.query).toMatch(/^histogram_quantile\(0.99,\n {2}sum\(rate\(istio_request_duration_milliseconds_bucket\{reporter="destination"/);
    expect(latency.successCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] <= 250');
    expect(template.spec.args.map((a: any) => a.name)).toEqual(['namespace', 'service', 'canary-version']);
  });

  test('behind a gateway the analysis reads the gateway\'s (source) reports; explicit reporter wins', () => {
    const gateway = { gateway: 'istio-ingress/public', hosts: ['shop.example.com'] };
    const viaGateway = find(argoRelease(ReleaseStrategy.steps(STEPS), { gateway }).objects(), 'AnalysisTemplate', 'reviews-analysis');
    const forced = find(argoRelease(ReleaseStrategy.steps(STEPS, { reporter: MetricsReporter.DESTINATION }), { gateway }).objects(),
      'AnalysisTemplate', 'reviews-analysis');
    expect(viaGateway.spec.metrics[0].provider.prometheus.query).toContain('reporter="source"');
    expect(forced.spec.metrics[0].provider.prometheus.query).toContain('reporter="destination"');
  });

  test('with a gateway the Rollout steps both VirtualServices', () => {
    const o = argoRelease(ReleaseStrategy.steps(STEPS), { gateway: { gateway: 'istio-ingress/public', hosts: ['shop.example.com'] } }).objects();
    expect(find(o, 'Rollout', 'reviews').spec.strategy.canary.trafficRouting.istio.virtualServices)
      .toEqual([{ name: 'reviews', routes: ['primary'] }, { name: 'reviews-gateway', routes: ['primary'] }]);
  });

  test('host-level split: canaryService/stableService, no destinationRule in the Rollout', () => {
    // WHEN
    const o = argoRelease(ReleaseStrategy.steps(STEPS), { splitLevel: SplitLevel.HOST }).objects();
    const canary = find(o, 'Rollout', 'reviews').spec.strategy.canary;

    // THEN
    expect(canary.canaryService).toBe('reviews-canary');
    expect(canary.stableService).toBe('reviews-stable');
    expect(canary.trafficRouting.istio.destinationRule).toBeUndefined();
    expect(find(o, 'Service', 'reviews-canary').spec.selector).toEqual({ app: 'reviews' });
    expect(canary.analysis.args[1]).toEqual({ name: 'service', value: 'reviews-canary' });
  });

  test('a release-level mirror becomes a managed mirror route, not a static one', () => {
    const o = argoRelease(ReleaseStrategy.steps(STEPS), { mirrorPercent: 20 }).objects();
    const canary = find(o, 'Rollout', 'reviews').spec.strategy.canary;
    expect(canary.trafficRouting.managedRoutes).toEqual([{ name: 'mirror-to-canary' }]);
    expect(canary.steps[0]).toEqual({ setMirrorRoute: { name: 'mirror-to-canary', percentage: 20, match: [{ path: { prefix: '/' } }] } });
    expect(routes(o).primary.mirror).toBeUndefined();
  });

  test('objects pass the documented schemas, the real CRDs, the Istio schemas and istioctl', () => {
    const o = argoRelease(ReleaseStrategy.steps(STEPS), { mirrorPercent: 20, canaryMatches: [RequestMatch.headerExact('x-user', 'qa')] }).objects();
    expectProgressiveDeliveryValid(o, 2);
    expectThirdPartyCrdsValid(o);
    expectSchemaValid(o.filter((x) => !x.apiVersion.startsWith('argoproj.io')));
    expectIstioctlAccepts(o.filter((x) => !x.apiVersion.startsWith('argoproj.io')));
  });

  test('Argo CD ignores the weights, the subset hash labels and the Deployment replicas', () => {
    const { release } = argoRelease(ReleaseStrategy.steps(STEPS));
    expect(release.argoCdIgnoreDifferences).toEqual([
      { group: 'networking.istio.io', kind: 'VirtualService', name: 'reviews', namespace: 'shop', jqPathExpressions: ['.spec.http[].route[].weight'] },
      {
        group: 'networking.istio.io',
        kind: 'DestinationRule',
        name: 'reviews',
        namespace: 'shop',
        jqPathExpressions: ['.spec.subsets[].labels["rollouts-pod-template-hash"]'],
      },
      { group: 'apps', kind: 'Deployment', name: 'reviews', namespace: 'shop', jsonPointers: ['/spec/replicas'] },
    ]);
    expect(release.argoCdSyncOptions).toEqual(['ApplyOutOfSyncOnly=true', 'RespectIgnoreDifferences=true']);
  });

  test('host level: Argo CD ignores the hash in both Services\' selectors; scaleDown never keeps the replicas', () => {
    const { release } = argoRelease(ReleaseStrategy.steps(STEPS, { scaleDown: RolloutScaleDown.NEVER }), { splitLevel: SplitLevel.HOST });
    expect(release.argoCdIgnoreDifferences.map((d) => `${d.kind}/${d.name} ${[...d.jsonPointers ?? [], ...d.jqPathExpressions ?? []]}`)).toEqual([
      'VirtualService/reviews .spec.http[].route[].weight',
      'Service/reviews-stable /spec/selector/rollouts-pod-template-hash',
      'Service/reviews-canary /spec/selector/rollouts-pod-template-hash',
    ]);
  });

  test('plan: cumulative start times, minimum promotion time, rollback time', () => {
    const strategy = ReleaseStrategy.steps([{ weight: 10 }, { weight: 50, pause: Duration.minutes(5) }], { failureThreshold: 2 });
    const plan = argoRelease(strategy).release.plan();
    expect(plan.steps.map((s) => [s.canaryWeight, s.startsAfter?.toSeconds(), s.holdFor?.toSeconds()])).toEqual([[10, 0, 60], [50, 60, 300]]);
    expect(plan.minimumPromotionTime?.toSeconds()).toBe(360);
    expect(plan.rollbackTime?.toSeconds()).toBe(120);
    expect(plan.checks).toEqual([
      'success rate >= 99% (istio_requests_total, reporter=destination)',
      'P99 latency <= 500ms (istio_request_duration_milliseconds_bucket, reporter=destination)',
    ]);
  });

  test('plan: a manual step leaves no minimum promotion time', () => {
    const plan = argoRelease(ReleaseStrategy.steps(STEPS)).release.plan();
    expect(plan.minimumPromotionTime).toBeUndefined();
    expect(plan.steps[2].waitsForPromotion).toBe(true);
    expect(plan.text).toContain('minimum promotion time: none (waits for a person to promote)');
  });

  test.each([
    [[], /'steps' is empty/],
    [[{ weight: 0 }], /'steps\[0\].weight' must be an integer between 1 and 100, got 0/],
    [[{ weight: 101 }], /'steps\[0\].weight' must be an integer between 1 and 100, got 101/],
    [[{ weight: 10 }, { weight: 10 }], /'steps' must increase: step 1 has weight 10 after 10; order the steps by weight and drop repeats/],
    [[{ weight: 50 }, { weight: 20 }], /'steps' must increase: step 1 has weight 20 after 50/],
    [[{ weight: 10, pause: Duration.millis(1500) }], /'steps\[0\].pause' must be a whole number of seconds/],
    [[{ weight: 10, pause: Duration.minutes(1), manualPromotion: true }], /has both 'pause' and 'manualPromotion'/],
  ])('fails for steps %p', (steps, message) => {
    expect(() => argoRelease(ReleaseStrategy.steps(steps as any))).toThrow(message);
  });

  test('accepts the boundary weights 1 and 100', () => {
    expect(() => argoRelease(ReleaseStrategy.steps([{ weight: 1 }, { weight: 100 }]))).not.toThrow();
  });

  test.each([
    [{ interval: Duration.seconds(29) }, /'interval' must be at least 30s, got 29 seconds/],
    [{ failureThreshold: 0 }, /'failureThreshold' must be an integer between 1 and 100, got 0/],
    [{ minSuccessRate: 101 }, /'minSuccessRate' must be a percentage between 0 and 100, got 101/],
    [{ prometheusAddress: 'prometheus:9090' }, /'prometheusAddress' must be an http\(s\) URL/],
  ])('fails for analysis %p', (options, message) => {
    expect(() => argoRelease(ReleaseStrategy.steps([{ weight: 10 }], options as any))).toThrow(message);
  });

  test('fails with a stable workload, without a version, or with a fractional mirror', () => {
    const f = canaryFixture();
    expect(() => new CanaryRelease(f.chart, 'A', {
      serviceName: 'reviews',
      strategy: ReleaseStrategy.steps([{ weight: 10 }]),
      stable: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V1', '1')),
      canary: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V2', '2')),
    })).toThrow(/'stable' must be omitted with Argo Rollouts: the controller keeps the previous pod template of 'canary' running/);
    expect(() => new CanaryRelease(f.chart, 'B', {
      serviceName: 'reviews', strategy: ReleaseStrategy.steps([{ weight: 10 }]), canary: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V3', '3.0.0', { podMetadata: {} })),
    })).toThrow(/'canary' \(deployment reviews-v3\) has no version: Argo Rollouts' analysis tells the canary's requests apart by it/);
    expect(() => argoRelease(ReleaseStrategy.steps([{ weight: 10 }]), { mirrorPercent: 2.5 }))
      .toThrow(/'mirrorPercent' must be a whole percentage with Argo Rollouts \(setMirrorRoute\), got 2.5/);
  });

  test('fails for an unowned workload without a Deployment name', () => {
    const f = canaryFixture();
    expect(() => new CanaryRelease(f.chart, 'R', {
      strategy: ReleaseStrategy.steps([{ weight: 10 }]),
      canary: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'reviews' }), { version: 'v2' }),
    })).toThrow(/'canary' \(app=reviews\) has no Deployment name, which Argo Rollouts' workloadRef needs/);
  });

  test('property: any increasing steps become the same setWeights, and the plan adds up their pauses', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 8 }).map((w) => w.sort((a, b) => a - b)),
      fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 8, maxLength: 8 }),
      (weights, minutes) => {
        const steps = weights.map((weight, i) => ({ weight, pause: Duration.minutes(minutes[i]) }));
        const { objects, release } = argoRelease(ReleaseStrategy.steps(steps));
        const rollout = find(objects(), 'Rollout', 'reviews');
        expect(rollout.spec.strategy.canary.steps.filter((s: any) => s.setWeight !== undefined).map((s: any) => s.setWeight)).toEqual(weights);
        expect(release.plan().minimumPromotionTime?.toMinutes()).toBe(minutes.slice(0, weights.length).reduce((a, b) => a + b, 0));
      },
    ), { numRuns: 40 });
  });

  test('property: non-increasing steps always fail', () => {
    const notIncreasing = fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 2, maxLength: 6 })
      .filter((w) => w.some((x, i) => i > 0 && x <= w[i - 1]));
    fc.assert(fc.property(notIncreasing,
      (weights) => {
        expect(() => argoRelease(ReleaseStrategy.steps(weights.map((weight) => ({ weight }))))).toThrow(/'steps' must increase/);
      },
    ), { numRuns: 40 });
  });
});

describe('ReleaseStrategy.blueGreen', () => {
  test('Argo Rollouts: full-size new version on mirrored traffic, then all at once', () => {
    // WHEN
    const { objects, release } = argoRelease(ReleaseStrategy.blueGreen({ analysisDuration: Duration.minutes(15) }));
    const canary = find(objects(), 'Rollout', 'reviews').spec.strategy.canary;

    // THEN
    expect(canary.steps).toEqual([
      { setMirrorRoute: { name: 'mirror-to-canary', percentage: 100, match: [{ path: { prefix: '/' } }] } },
      { setCanaryScale: { weight: 100 } },
      { pause: { duration: '15m' } },
      { setMirrorRoute: { name: 'mirror-to-canary' } },
      { setWeight: 100 },
    ]);
    expect(canary.analysis.startingStep).toBe(2);
    expect(release.plan().minimumPromotionTime?.toMinutes()).toBe(15);
    expectProgressiveDeliveryValid(objects(), 2);
    expectThirdPartyCrdsValid(objects());
  });

  test('Flagger: iterations with mirroring', () => {
    const { objects } = flaggerRelease(ReleaseStrategy.blueGreen({ controller: DeliveryController.FLAGGER, mirrorPercent: 50 }));
    const analysis = find(objects(), 'Canary', 'reviews').spec.analysis;
    expect(analysis).toMatchObject({ iterations: 10, mirror: true, mirrorWeight: 50, interval: '1m' });
    expect(analysis.stepWeight).toBeUndefined();
    expectProgressiveDeliveryValid(objects(), 3);
  });

  test('fails at synth when nothing reaches the new version during the analysis', () => {
    // GIVEN
    const { app, release } = argoRelease(ReleaseStrategy.blueGreen({ mirrorPercent: 0 }));

    // THEN
    expect(() => app.synthYaml()).toThrow(/\[shop\/Release\] a blue\/green release with 'mirrorPercent: 0' and no canary matches gives the analysis no requests/);
    release.addCanaryMatch(RequestMatch.headerExact('x-qa', 'yes'));
    expect(() => app.synthYaml()).not.toThrow();
  });

  test('fails when the analysis is shorter than one interval, or for GIT', () => {
    expect(() => argoRelease(ReleaseStrategy.blueGreen({ analysisDuration: Duration.seconds(30) })))
      .toThrow(/'analysisDuration' \(30s\) is shorter than one analysis 'interval' \(60s\)/);
    expect(() => argoRelease(ReleaseStrategy.blueGreen({ controller: DeliveryController.GIT })))
      .toThrow(/'controller' of a blue\/green release must be DeliveryController.ARGO_ROLLOUTS or FLAGGER/);
    expect(() => argoRelease(ReleaseStrategy.blueGreen(), { mirrorPercent: 10 }))
      .toThrow(/'mirrorPercent' is set by ReleaseStrategy.blueGreen/);
  });
});

describe('ReleaseStrategy.flagger', () => {
  test('snapshot', () => {
    expect(flaggerRelease(ReleaseStrategy.flagger()).objects()).toMatchSnapshot();
  });

  test('emits the Canary, two MetricTemplates and the apex Service Flagger adopts; no VirtualService or DestinationRule', () => {
    const o = flaggerRelease(ReleaseStrategy.flagger()).objects();
    expect(inventory(o)).toEqual([
      'Deployment/reviews', 'Service/reviews', 'MetricTemplate/reviews-success-rate', 'MetricTemplate/reviews-latency-p99', 'Canary/reviews',
    ]);
    expect(find(o, 'Service', 'reviews').spec.selector).toEqual({ app: 'reviews' });
  });

  test('the Canary targets the Deployment, uses linear steps by default and the two templates', () => {
    // WHEN
    const { objects, release } = flaggerRelease(ReleaseStrategy.flagger({ failureThreshold: 5 }), { port: 8080 });
    const spec = find(objects(), 'Canary', 'reviews').spec;

    // THEN
    expect(release.splitLevel).toBe(SplitLevel.HOST);
    expect(spec.provider).toBe('istio');
    expect(spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'reviews' });
    expect(spec.service).toMatchObject({ name: 'reviews', port: 8080, targetPort: 9080, portName: 'http', gateways: ['mesh'] });
    expect(spec.service.trafficPolicy).toEqual({ tls: { mode: 'ISTIO_MUTUAL' } });
    expect(spec.analysis).toMatchObject({ interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50 });
    expect(spec.analysis.metrics).toEqual([
      { name: 'success-rate', templateRef: { name: 'reviews-success-rate', namespace: 'shop' }, thresholdRange: { min: 99 }, interval: '1m' },
      { name: 'latency-p99', templateRef: { name: 'reviews-latency-p99', namespace: 'shop' }, thresholdRange: { max: 500 }, interval: '1m' },
    ]);
  });

  test('MetricTemplates query Istio metrics by Flagger\'s variables, reporter by gateway binding', () => {
    const mesh = flaggerRelease(ReleaseStrategy.flagger()).objects();
    const gw = flaggerRelease(ReleaseStrategy.flagger(), { gateway: { gateway: 'istio-ingress/public', hosts: ['shop.example.com'] } }).objects();
    const q = find(mesh, 'MetricTemplate', 'reviews-success-rate').spec;
    expect(q.provider).toEqual({ type: 'prometheus', address: 'http://prometheus.istio-system:9090' });
    expect(q.query).toContain('istio_requests_total{reporter="destination", destination_workload_namespace="{{ namespace }}", destination_workload=~"{{ target }}"');
    expect(q.query).toContain('[{{ interval }}]');
    expect(find(mesh, 'MetricTemplate', 'reviews-latency-p99').spec.query).toContain('istio_request_duration_milliseconds_bucket{reporter="destination"');
    expect(find(gw, 'MetricTemplate', 'reviews-success-rate').spec.query).toContain('reporter="source"');
    expect(find(gw, 'Canary', 'reviews').spec.service).toMatchObject({ gateways: ['mesh', 'istio-ingress/public'], hosts: ['shop.example.com'] });
  });

  test('stepWeights, and A/B with iterations and matches', () => {
    const explicit = find(flaggerRelease(ReleaseStrategy.flagger({ stepWeights: [5, 10, 25, 50] })).objects(), 'Canary', 'reviews').spec.analysis;
    expect(explicit.stepWeights).toEqual([5, 10, 25, 50]);
    expect(explicit.stepWeight).toBeUndefined();

    const ab = flaggerRelease(ReleaseStrategy.flagger({ iterations: 10 }), {
      canaryMatches: [RequestMatch.headerExact('x-canary', 'insider'), RequestMatch.cookie('canary', 'always')],
    });
    const analysis = find(ab.objects(), 'Canary', 'reviews').spec.analysis;
    expect(analysis.iterations).toBe(10);
    expect(analysis.match).toEqual([
      { headers: { 'x-canary': { exact: 'insider' } } },
      { headers: { cookie: { regex: '^(.*?;\\s*)?(canary=always)(;.*)?$' } } },
    ]);
    expect(ab.release.plan().steps).toEqual([expect.objectContaining({ canaryWeight: 0, waitsForPromotion: false })]);
  });

  test('A/B matches keep query parameters and source labels; a path or method, which the Canary schema has no field for, is refused', () => {
    const analysis = find(flaggerRelease(ReleaseStrategy.flagger({ iterations: 3 }), {
      canaryMatches: [RequestMatch.allOf([RequestMatch.queryParamExact('beta', 'on'), RequestMatch.headerPrefix('x-build', 'v1.')]), RequestMatch.sourceLabels({ app: 'qa' })],
    }).objects(), 'Canary', 'reviews').spec.analysis;
    expect(analysis.match).toEqual([
      { headers: { 'x-build': { prefix: 'v1.' } }, queryParams: { beta: { exact: 'on' } } },
      { sourceLabels: { app: 'qa' } },
    ]);
    expect(() => flaggerRelease(ReleaseStrategy.flagger({ iterations: 3 }), { canaryMatches: [RequestMatch.method('POST')] }))
      .toThrow(/'canaryMatches\[0\]' matches on the method, which Flagger's analysis.match cannot hold \(headers, query parameters and source labels only\)/);
  });

  test('objects pass the documented schemas and the real CRDs; the Service passes istioctl', () => {
    const o = flaggerRelease(ReleaseStrategy.flagger({ iterations: 5 }), {
      canaryMatches: [RequestMatch.sourceLabels({ app: 'qa' })],
      retries: { attempts: 3, perTryTimeout: Duration.seconds(1), retryOn: ['5xx'] },
      timeout: Duration.seconds(4),
      trafficPolicy: { connectionPool: { http2MaxRequests: 100 }, outlierDetection: { consecutive5xxErrors: 3 } },
      mirrorPercent: 25,
    }).objects();
    expectProgressiveDeliveryValid(o, 3);
    expectThirdPartyCrdsValid(o);
    expectSchemaValid(o.filter((x) => !x.apiVersion.startsWith('flagger.app')));
  });

  test('Argo CD ignores the apex Service selector and the Deployment replicas', () => {
    const { release } = flaggerRelease(ReleaseStrategy.flagger());
    expect(release.argoCdIgnoreDifferences).toEqual([
      { group: '', kind: 'Service', name: 'reviews', namespace: 'shop', jsonPointers: ['/spec/selector'] },
      { group: 'apps', kind: 'Deployment', name: 'reviews', namespace: 'shop', jsonPointers: ['/spec/replicas'] },
    ]);
    expect(release.argoCdSyncOptions).toEqual(['RespectIgnoreDifferences=true']);
  });

  test('plan: interval x steps to promote, interval x threshold to roll back', () => {
    const strategy = ReleaseStrategy.flagger({ stepWeight: 20, maxWeight: 60, interval: Duration.minutes(2), failureThreshold: 4 });
    const plan = flaggerRelease(strategy).release.plan();
    expect(plan.steps.map((s) => s.canaryWeight)).toEqual([20, 40, 60]);
    expect(plan.minimumPromotionTime?.toMinutes()).toBe(6);
    expect(plan.rollbackTime?.toMinutes()).toBe(8);
  });

  test.each([
    [{ stepWeight: 10, iterations: 3 }, /Flagger takes one of 'stepWeight'\/'maxWeight' \(linear steps\), 'stepWeights' \(explicit steps\) or 'iterations'/],
    [{ stepWeights: [10], maxWeight: 50 }, /Flagger takes one of/],
    [{ stepWeight: 60, maxWeight: 50 }, /'stepWeight' \(60\) must not exceed 'maxWeight' \(50\)/],
    [{ stepWeight: 0 }, /'stepWeight' must be an integer between 1 and 100, got 0/],
    [{ stepWeights: [20, 10] }, /'stepWeights' must increase: step 1 has weight 10 after 20/],
    [{ iterations: 0 }, /'iterations' must be an integer between 1 and 1000, got 0/],
    [{ progressDeadline: Duration.millis(10) }, /'progressDeadline' must be a whole number of seconds/],
  ])('fails for %p', (options, message) => {
    expect(() => flaggerRelease(ReleaseStrategy.flagger(options as any))).toThrow(message);
  });

  test('fails for what Flagger cannot do', () => {
    expect(() => flaggerRelease(ReleaseStrategy.flagger(), { canaryMatches: [RequestMatch.headerExact('x', 'y')] }))
      .toThrow(/'canaryMatches\[0\]' needs Flagger's 'iterations': Flagger routes matching requests to the canary only in its A\/B mode/);
    expect(() => flaggerRelease(ReleaseStrategy.flagger(), { mirrorPercent: 10 })).toThrow(/'mirrorPercent' needs Flagger's 'iterations'/);
    expect(() => flaggerRelease(ReleaseStrategy.flagger(), { fault: { abortHttpStatus: 500 } })).toThrow(/'fault' is not available with Flagger/);
    expect(() => flaggerRelease(ReleaseStrategy.flagger(), { trafficPolicy: { connectionPool: { maxConnections: 10 } } }))
      .toThrow(/TCP settings \(maxConnections, connectTimeout\) cannot be given to Flagger/);
    expect(() => flaggerRelease(ReleaseStrategy.flagger(), { splitLevel: SplitLevel.SUBSET })).toThrow(/'splitLevel' SUBSET is not available with Flagger/);
  });

  test('fails for a Deployment selected by cdk8s-plus\'s generated label', () => {
    const f = canaryFixture();
    expect(() => new CanaryRelease(f.chart, 'R', {
      serviceName: 'reviews', canary: ReleaseWorkload.fromDeployment(reviews(f.chart, 'Reviews', '2')), strategy: ReleaseStrategy.flagger(),
    })).toThrow(/must select its pods by `app`, `name` or `app.kubernetes.io\/name` for Flagger.*`select: false`.*deployment.select/);
  });
});

describe('ReleaseStrategy.staticWeight and .weights', () => {
  const release = (strategy: () => ReleaseStrategy) => {
    const f = canaryFixture();
    return new CanaryRelease(f.chart, 'R', {
      serviceName: 'reviews',
      printPlan: false,
      stable: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V1', 'v1')),
      canary: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V2', 'v2')),
      strategy: strategy(),
    });
  };

  test.each([
    [{ canary: -1 }, "[shop/R] 'weights.canary' must be an integer between 0 and 100, got -1; the canary share of requests is a whole percentage"],
    [{ canary: 101 }, "[shop/R] 'weights.canary' must be an integer between 0 and 100, got 101; the canary share of requests is a whole percentage"],
    [{ canary: '10' }, "[shop/R] 'weights.canary' must be an integer between 0 and 100, got \"10\" (string); the canary share of requests is a whole percentage"],
    [{ canary: 10, stable: 80 }, "[shop/R] 'weights' stable 80 + canary 10 = 90, not 100; set stable to 90 or omit it"],
    [{ canary: 10, stable: 101 }, "[shop/R] 'weights.stable' must be an integer between 0 and 100, got 101; the stable share of requests is a whole percentage"],
  ])('weights(%p) fails with the fix', (weights, message) => {
    expect(() => release(() => ReleaseStrategy.weights(weights as any))).toThrow(message);
  });

  test('weights are named: { stable: 90, canary: 10 } gives the canary 10 %', () => {
    const r = release(() => ReleaseStrategy.weights({ stable: 90, canary: 10 }));
    expect([r.stableWeight, r.canaryWeight]).toEqual([90, 10]);
  });

  test('a second, positional weight (JavaScript callers of the former API) is refused, not taken for the stable share', () => {
    expect(() => release(() => (ReleaseStrategy.staticWeight as (...a: unknown[]) => ReleaseStrategy)(90, 10)))
      .toThrow("[shop/R] 'strategy' ReleaseStrategy.staticWeight(90, 10) takes the canary weight only; name both shares instead: ReleaseStrategy.weights({ stable: ..., canary: ... })");
  });

  test.each([0, 100])('accepts the boundary weight %p', (weight) => {
    const r = release(() => ReleaseStrategy.weights({ canary: weight, stable: 100 - weight }));
    expect(r.canaryWeight + r.stableWeight).toBe(100);
    expect(release(() => ReleaseStrategy.staticWeight(weight)).canaryWeight).toBe(weight);
  });
});
