import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import {
  CanaryRelease, ClientTlsMode, IngressGateway, IWorkloadSelector, LoadBalancerPolicy, MeshPeer, ReleaseStrategy, ReleaseWorkload, RequestMatch,
  SplitLevel, WorkloadSelector, ZeroTrustNamespace,
} from '../lib';
import { canaryFixture, find, inventory, reviews, routes, staticRelease } from './canary-fixture';
import { expectIstioctlAccepts, expectSchemaValid } from './helpers/conformance';

const podLabels = (d: any) => d.spec.template.metadata.labels;
const selects = (selector: { [k: string]: string }, labels: { [k: string]: string }) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('defaults (static weights, subset split)', () => {
  test('snapshot', () => {
    // GIVEN
    const { chart } = staticRelease();

    // THEN
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('emits the Service, the DestinationRule and the mesh VirtualService', () => {
    // WHEN
    const { chart } = staticRelease();

    // THEN
    expect(inventory(Testing.synth(chart))).toEqual([
      'Deployment/reviews-v1', 'Deployment/reviews-v2', 'Service/reviews', 'DestinationRule/reviews', 'VirtualService/reviews',
    ]);
  });

  test('the primary route splits 90/10 between the stable and canary subsets on the Service port', () => {
    // WHEN
    const { chart, release } = staticRelease(10);
    const primary = routes(Testing.synth(chart)).primary;

    // THEN
    expect(release.canaryWeight).toBe(10);
    expect(release.stableWeight).toBe(90);
    expect(primary.route).toEqual([
      { destination: { host: 'reviews', subset: 'stable', port: { number: 80 } }, weight: 90 },
      { destination: { host: 'reviews', subset: 'canary', port: { number: 80 } }, weight: 10 },
    ]);
  });

  test('the VirtualService is mesh-internal: host = the Service, gateway mesh', () => {
    // WHEN
    const vs = find(Testing.synth(staticRelease().chart), 'VirtualService', 'reviews');

    // THEN
    expect(vs.spec.hosts).toEqual(['reviews']);
    expect(vs.spec.gateways).toEqual(['mesh']);
    expect(vs.metadata.namespace).toBe('shop');
  });

  test('the pods get app and version labels (versions from the image tags) and each subset selects its own pods only', () => {
    // WHEN
    const { chart, release } = staticRelease();
    const objects = Testing.synth(chart);
    const v1 = podLabels(find(objects, 'Deployment', 'reviews-v1'));
    const v2 = podLabels(find(objects, 'Deployment', 'reviews-v2'));
    const subsets = Object.fromEntries(find(objects, 'DestinationRule', 'reviews').spec.subsets.map((s: any) => [s.name, s.labels]));

    // THEN
    expect(release.stableVersion).toBe('1.0.0');
    expect(release.canaryVersion).toBe('2.0.0');
    expect(v1).toMatchObject({ app: 'reviews', version: '1.0.0' });
    expect(v2).toMatchObject({ app: 'reviews', version: '2.0.0' });
    expect(selects(subsets.stable, v1) && !selects(subsets.stable, v2)).toBe(true);
    expect(selects(subsets.canary, v2) && !selects(subsets.canary, v1)).toBe(true);
  });

  test('the created Service selects the pods of both versions, port 80 to the container port', () => {
    // WHEN
    const objects = Testing.synth(staticRelease().chart);
    const svc = find(objects, 'Service', 'reviews');

    // THEN
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 9080, protocol: 'TCP' }]);
    for (const d of ['reviews-v1', 'reviews-v2']) expect(selects(svc.spec.selector, podLabels(find(objects, 'Deployment', d)))).toBe(true);
  });

  test('the DestinationRule sends Istio mutual TLS by default', () => {
    const dr = find(Testing.synth(staticRelease().chart), 'DestinationRule', 'reviews');
    expect(dr.spec.trafficPolicy).toEqual({ tls: { mode: 'ISTIO_MUTUAL' } });
  });

  test('passes the Istio CRD schemas and istioctl validate', () => {
    const objects = Testing.synth(staticRelease(25, { canaryMatches: [RequestMatch.cookie('user', 'tester')], mirrorPercent: 5 }).chart);
    expectSchemaValid(objects);
    expectIstioctlAccepts(objects);
  });

  test('an explicit version wins; a version is never read from the image tag', () => {
    // GIVEN: pods without version labels, images tagged 1.4.0 and 1.5.0
    const f = canaryFixture();
    const release = new CanaryRelease(f.chart, 'R', {
      serviceName: 'reviews',
      printPlan: false,
      stable: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V1', '1.4.0', { podMetadata: {} })),
      canary: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V2', '1.5.0', { podMetadata: {} }), { version: 'v2' }),
      strategy: ReleaseStrategy.staticWeight(50),
    });
    const dr = Testing.synth(f.chart).find((o) => o.kind === 'DestinationRule');

    // THEN: the stable falls back to its role name, the canary's subset is its version
    expect(release.canaryVersion).toBe('v2');
    expect(release.stableVersion).toBe('stable');
    expect(dr.spec.subsets.map((s: any) => [s.name, s.labels])).toEqual([['stable', { app: 'reviews', version: 'stable' }], ['v2', { app: 'reviews', version: 'v2' }]]);
  });
});

describe('host-level split (Flagger style)', () => {
  test('a Service and a DestinationRule per version; the VirtualService routes by host', () => {
    // WHEN
    const { chart } = staticRelease(30, { splitLevel: SplitLevel.HOST });
    const objects = Testing.synth(chart);

    // THEN
    expect(inventory(objects)).toEqual(expect.arrayContaining([
      'Service/reviews', 'Service/reviews-stable', 'Service/reviews-canary', 'DestinationRule/reviews-stable', 'DestinationRule/reviews-canary',
    ]));
    expect(find(objects, 'Service', 'reviews-canary').spec.selector).toEqual({ app: 'reviews', version: '2.0.0' });
    expect(find(objects, 'Service', 'reviews-stable').spec.selector).toEqual({ app: 'reviews', version: '1.0.0' });
    expect(routes(objects).primary.route.map((r: any) => [r.destination.host, r.destination.subset, r.weight]))
      .toEqual([['reviews-stable', undefined, 70], ['reviews-canary', undefined, 30]]);
    expect(find(objects, 'DestinationRule', 'reviews-canary').spec).toEqual({ host: 'reviews-canary', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });
    expectSchemaValid(objects);
    expectIstioctlAccepts(objects);
  });
});

describe('gateway binding', () => {
  test('a second VirtualService bound to the gateway with its hosts; sourceLabels matches stay mesh-internal', () => {
    // WHEN
    const { chart } = staticRelease(10, {
      gateway: { gateway: 'istio-ingress/public', hosts: ['shop.example.com'] },
      canaryMatches: [RequestMatch.headerExact('x-user', 'tester'), RequestMatch.sourceLabels({ app: 'qa' })],
    });
    const objects = Testing.synth(chart);
    const gw = find(objects, 'VirtualService', 'reviews-gateway');

    // THEN
    expect(gw.spec.hosts).toEqual(['shop.example.com']);
    expect(gw.spec.gateways).toEqual(['istio-ingress/public']);
    expect(gw.spec.http.map((r: any) => r.name)).toEqual(['canary-match-1', 'primary']);
    expect(Object.keys(routes(objects))).toEqual(['canary-match-1', 'canary-match-2', 'primary']);
    expect(find(objects, 'VirtualService', 'reviews').spec.gateways).toEqual(['mesh']);
    expectSchemaValid(objects);
  });

  test.each([
    ['public', /'gateway.gateway' must be "<namespace>\/<name>"/],
    ['Istio/Public', /'gateway.gateway namespace' must be a DNS-1123 label/],
  ])('fails for gateway %s', (gateway, message) => {
    expect(() => staticRelease(10, { gateway: { gateway, hosts: ['a.example.com'] } })).toThrow(message);
  });

  test('fails without gateway hosts, or with an invalid one', () => {
    expect(() => staticRelease(10, { gateway: { gateway: 'a/b', hosts: [] } })).toThrow(/'gateway.hosts' is empty/);
    expect(() => staticRelease(10, { gateway: { gateway: 'a/b', hosts: ['Shop_Example'] } })).toThrow(/'gateway.hosts\[0\]' must be a lowercase DNS name/);
  });
});

describe('matching, mirroring, faults, timeouts and retries', () => {
  test('each match is a route to the canary before the weighted route', () => {
    // WHEN
    const { chart, release } = staticRelease(0, {
      canaryMatches: [RequestMatch.headerExact('X-User', 'tester'), RequestMatch.allOf([RequestMatch.cookie('beta', 'v2.0'), RequestMatch.sourceLabels({ app: 'qa' })])],
    });
    const r = routes(Testing.synth(chart));

    // THEN
    expect(release.canaryMatches).toHaveLength(2);
    expect(r['canary-match-1']).toEqual({
      name: 'canary-match-1',
      match: [{ headers: { 'x-user': { exact: 'tester' } } }],
      route: [{ destination: { host: 'reviews', subset: 'canary', port: { number: 80 } } }],
    });
    expect(r['canary-match-2'].match).toEqual([{ headers: { cookie: { regex: '^(.*?;\\s*)?(beta=v2\\.0)(;.*)?$' } }, sourceLabels: { app: 'qa' } }]);
  });

  test('the cookie regex matches the cookie wherever it is in the header, and only that value', () => {
    const regex = new RegExp(routes(Testing.synth(staticRelease(0, { canaryMatches: [RequestMatch.cookie('user', 'tester')] }).chart))['canary-match-1']
      .match[0].headers.cookie.regex);
    expect(regex.test('user=tester')).toBe(true);
    expect(regex.test('a=1; user=tester; b=2')).toBe(true);
    expect(regex.test('user=testers')).toBe(false);
    expect(regex.test('xuser=tester')).toBe(false);
  });

  test('addCanaryMatch after construction is rendered too', () => {
    const { chart, release } = staticRelease(0);
    release.addCanaryMatch(RequestMatch.headerPrefix('x-build', 'rc-'));
    expect(routes(Testing.synth(chart))['canary-match-1'].match).toEqual([{ headers: { 'x-build': { prefix: 'rc-' } } }]);
  });

  test('timeout and retries go on every route; the fault only on the canary matches; the mirror on the weighted route', () => {
    // WHEN
    const { chart } = staticRelease(10, {
      canaryMatches: [RequestMatch.headerRegex('x-user', 'qa-.*')],
      mirrorPercent: 12.5,
      fault: { delay: Duration.millis(1500), delayPercent: 5, abortHttpStatus: 503, abortPercent: 1 },
      timeout: Duration.seconds(3),
      retries: { attempts: 2, perTryTimeout: Duration.millis(500), retryOn: ['5xx', 'reset'] },
    });
    const r = routes(Testing.synth(chart));

    // THEN
    expect(r.primary.mirror).toEqual({ host: 'reviews', subset: 'canary', port: { number: 80 } });
    expect(r.primary.mirrorPercentage).toEqual({ value: 12.5 });
    expect(r['canary-match-1'].fault).toEqual({ delay: { fixedDelay: '1500ms', percentage: { value: 5 } }, abort: { httpStatus: 503, percentage: { value: 1 } } });
    expect(r.primary.fault).toBeUndefined();
    for (const route of Object.values(r)) {
      expect(route.timeout).toBe('3s');
      expect(route.retries).toEqual({ attempts: 2, perTryTimeout: '500ms', retryOn: '5xx,reset' });
    }
    expect(r['canary-match-1'].mirror).toBeUndefined();
  });

  test.each([
    [{ fault: {} }, /'fault' injects nothing/],
    [{ fault: { delay: Duration.seconds(1), delayPercent: 101 } }, /'fault.delayPercent' must be a percentage between 0 and 100, got 101/],
    [{ fault: { abortHttpStatus: 199 } }, /'fault.abortHttpStatus' must be an integer between 200 and 599, got 199/],
    [{ fault: { abortHttpStatus: 600 } }, /'fault.abortHttpStatus' must be an integer between 200 and 599, got 600/],
    [{ fault: { abortPercent: 5 } }, /'fault' injects nothing/],
    [{ fault: { delay: Duration.seconds(1), abortPercent: 5 } }, /'fault.abortPercent' is given without 'fault.abortHttpStatus'/],
    [{ mirrorPercent: 0 }, /'mirrorPercent' is 0/],
    [{ mirrorPercent: 100.5 }, /'mirrorPercent' must be a percentage between 0 and 100, got 100.5/],
    [{ retries: { attempts: -1 } }, /'retries.attempts' must be an integer between 0 and 100, got -1/],
    [{ retries: { attempts: 1, retryOn: ['5XX '] } }, /'retries.retryOn\[0\]' must be an Envoy retry condition/],
    [{ timeout: Duration.millis(0) }, /'timeout' must be a positive duration/],
    // JavaScript and Python callers: the value's type is named, never a TypeError.
    [{ timeout: '5s' }, /^\[shop\/Reviews\] 'timeout' must be a Duration \(e.g. Duration.seconds\(5\)\), got "5s" \(string\)$/],
    [{ fault: { delay: 2000 } }, /^\[shop\/Reviews\] 'fault.delay' must be a Duration \(e.g. Duration.seconds\(5\)\), got 2000 \(number\)$/],
    [{ splitLevel: 'host' }, /^\[shop\/Reviews\] 'splitLevel' must be one of SplitLevel.SUBSET, SplitLevel.HOST, got "host"$/],
    [{ trafficPolicy: { tls: 'mutual' } }, /^\[shop\/Reviews\] 'trafficPolicy.tls' must be one of ClientTlsMode.ISTIO_MUTUAL, ClientTlsMode.DISABLE, got "mutual"$/],
    [{ mirrorPercent: '10' }, /^\[shop\/Reviews\] 'mirrorPercent' must be a percentage between 0 and 100, got "10" \(string\); omit it to mirror nothing$/],
  ])('fails for %p', (props, message) => {
    expect(() => staticRelease(10, props as any)).toThrow(message);
  });

  test('fails for a repeated match', () => {
    expect(() => staticRelease(0, { canaryMatches: [RequestMatch.headerExact('x', 'a'), RequestMatch.headerExact('X', 'a')] }))
      .toThrow(/'canaryMatches\[1\]' repeats an earlier match \(header x: a\)/);
  });
});

describe('traffic policy', () => {
  test('connection pool, outlier detection, load balancer with locality failover, TLS', () => {
    // WHEN
    const { chart } = staticRelease(10, {
      trafficPolicy: {
        connectionPool: {
          maxConnections: 100, connectTimeout: Duration.millis(250), http1MaxPendingRequests: 10, http2MaxRequests: 1000, maxRetries: 3,
        },
        outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.minutes(1), maxEjectionPercent: 50 },
        loadBalancer: LoadBalancerPolicy.consistentHashByCookie('session', Duration.hours(1)),
        localityFailover: [{ from: 'eu-west', to: 'eu-central' }],
        tls: ClientTlsMode.ISTIO_MUTUAL,
      },
    });
    const objects = Testing.synth(chart);

    // THEN
    expect(find(objects, 'DestinationRule', 'reviews').spec.trafficPolicy).toEqual({
      connectionPool: { tcp: { maxConnections: 100, connectTimeout: '250ms' }, http: { http1MaxPendingRequests: 10, http2MaxRequests: 1000, maxRetries: 3 } },
      outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '60s', maxEjectionPercent: 50 },
      loadBalancer: {
        consistentHash: { httpCookie: { name: 'session', ttl: '3600s' } },
        localityLbSetting: { enabled: true, failover: [{ from: 'eu-west', to: 'eu-central' }] },
      },
      tls: { mode: 'ISTIO_MUTUAL' },
    });
    expectSchemaValid(objects);
    expectIstioctlAccepts(objects);
  });

  test('failover alone gets Istio\'s default algorithm made explicit', () => {
    const { chart } = staticRelease(10, { trafficPolicy: { outlierDetection: {}, localityFailover: [{ from: 'a', to: 'b' }], tls: ClientTlsMode.DISABLE } });
    const tp = find(Testing.synth(chart), 'DestinationRule', 'reviews').spec.trafficPolicy;
    expect(tp.loadBalancer.simple).toBe('LEAST_REQUEST');
    expect(tp.tls).toEqual({ mode: 'DISABLE' });
  });

  test.each([
    [{ localityFailover: [{ from: 'a', to: 'b' }] }, /'trafficPolicy.localityFailover' needs 'trafficPolicy.outlierDetection'/],
    [{ outlierDetection: {}, localityFailover: [{ from: 'a', to: 'a' }] }, /fails over from "a" to itself/],
    [{ outlierDetection: {}, localityFailover: [] }, /'trafficPolicy.localityFailover' is empty/],
    [{ connectionPool: { maxConnections: 0 } }, /'trafficPolicy.connectionPool.maxConnections' must be an integer between 1 and/],
    [{ outlierDetection: { maxEjectionPercent: 101 } }, /'trafficPolicy.outlierDetection.maxEjectionPercent' must be an integer between 0 and 100, got 101/],
    [{ loadBalancer: LoadBalancerPolicy.consistentHashByHeader(' ') }, /hashes on an empty header or cookie name/],
  ])('fails for %p', (trafficPolicy, message) => {
    expect(() => staticRelease(10, { trafficPolicy: trafficPolicy as any })).toThrow(message);
  });
});

describe('existing Service', () => {
  function withService(configure: (svc: kplus.Service) => void, port?: number) {
    const f = canaryFixture();
    const v1 = reviews(f.chart, 'V1', '1.0.0');
    const v2 = reviews(f.chart, 'V2', '2.0.0');
    const svc = new kplus.Service(f.chart, 'Svc', { metadata: { name: 'reviews' }, ports: [{ name: 'http', port: 9080 }, { name: 'grpc-admin', port: 9090 }] });
    configure(svc);
    const release = new CanaryRelease(f.chart, 'R', {
      service: svc,
      port,
      printPlan: false,
      stable: ReleaseWorkload.fromDeployment(v1),
      canary: ReleaseWorkload.fromDeployment(v2),
      strategy: ReleaseStrategy.staticWeight(5),
    });
    return { ...f, release };
  }

  test('is used (not created) and routed on the given port', () => {
    // WHEN
    const { chart, release } = withService((s) => s.selectLabel('app', 'reviews'), 9080);
    const objects = Testing.synth(chart);

    // THEN
    expect(release.serviceName).toBe('reviews');
    expect(inventory(objects).filter((i) => i.startsWith('Service/'))).toEqual(['Service/reviews']);
    expect(routes(objects).primary.route[1].destination.port).toEqual({ number: 9080 });
  });

  test('fails for a port the Service lacks, and without a port when it has several', () => {
    expect(() => withService((s) => s.selectLabel('app', 'reviews'), 8080))
      .toThrow(/'port' 8080 is not a port of Service "reviews" \(ports: 9080, 9090\); route to one of its ports, or add the port to the Service/);
    expect(() => withService((s) => s.selectLabel('app', 'reviews'))).toThrow(/'port' is required: Service "reviews" has 2 ports/);
  });

  test('fails when its selector misses the pods of one version (e.g. exposeViaService of the stable Deployment)', () => {
    const f = canaryFixture();
    const v1 = reviews(f.chart, 'V1', '1.0.0');
    const v2 = reviews(f.chart, 'V2', '2.0.0');
    const svc = v1.exposeViaService({ name: 'reviews', ports: [{ name: 'http', port: 80, targetPort: 9080 }] });
    expect(() => new CanaryRelease(f.chart, 'R', {
      service: svc, stable: ReleaseWorkload.fromDeployment(v1), canary: ReleaseWorkload.fromDeployment(v2), strategy: ReleaseStrategy.staticWeight(5),
    })).toThrow(/'service' "reviews" selects cdk8s.io\/metadata.addr=.*, which the pods of deployment reviews-v2 do not carry.*selectLabel\('app', 'reviews'\)/);
  });

  test('fails when the routed port is a TCP port', () => {
    const f = canaryFixture();
    const svc = new kplus.Service(f.chart, 'Svc', { metadata: { name: 'reviews' }, ports: [{ name: 'tcp-db', port: 5432 }] });
    svc.selectLabel('app', 'reviews');
    expect(() => new CanaryRelease(f.chart, 'R', {
      service: svc,
      stable: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V1', '1')),
      canary: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V2', '2')),
      strategy: ReleaseStrategy.staticWeight(5),
    })).toThrow(/port 5432 is named "tcp-db", so Istio treats it as TCP/);
  });
});

describe('workloads we do not own', () => {
  test('selectors are used as subset labels unchanged; subsets are named after the versions', () => {
    // GIVEN
    const f = canaryFixture();

    // WHEN
    new CanaryRelease(f.chart, 'R', {
      printPlan: false,
      stable: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'reviews', version: 'v1' })),
      canary: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'reviews', version: 'v2' })),
      strategy: ReleaseStrategy.staticWeight(20),
    });
    const objects = Testing.synth(f.chart);

    // THEN
    expect(find(objects, 'DestinationRule', 'reviews').spec.subsets).toEqual([
      { name: 'v1', labels: { app: 'reviews', version: 'v1' } },
      { name: 'v2', labels: { app: 'reviews', version: 'v2' } },
    ]);
    expect(find(objects, 'VirtualService', 'reviews').spec.http[0].route.map((r: any) => [r.destination.subset, r.weight])).toEqual([['v1', 80], ['v2', 20]]);
    expect(find(objects, 'Service', 'reviews').spec.ports[0].targetPort).toBe(80);
  });

  test('fails when the selectors cannot tell the versions apart', () => {
    const f = canaryFixture();
    expect(() => new CanaryRelease(f.chart, 'R', {
      stable: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'reviews' })),
      canary: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'reviews', track: 'canary' })),
      strategy: ReleaseStrategy.staticWeight(20),
    })).toThrow(/the subsets cannot tell the versions apart: "stable" \(app=reviews\) and "canary" \(app=reviews,track=canary\) select each other's pods/);
  });

  test('fails without an app label', () => {
    const f = canaryFixture();
    expect(() => new CanaryRelease(f.chart, 'R', {
      serviceName: 'reviews',
      stable: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ version: 'v1' })),
      canary: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ version: 'v2' })),
      strategy: ReleaseStrategy.staticWeight(20),
    })).toThrow(/'canary' \(version=v2\) must select pods by app=reviews.*WorkloadSelector.fromLabels\(\{ app: 'reviews', ... \}\)/);
  });
});

describe('validation of the workloads', () => {
  test('fails when canary and stable are the same Deployment', () => {
    const f = canaryFixture();
    const d = reviews(f.chart, 'V1', '1.0.0');
    expect(() => new CanaryRelease(f.chart, 'R', {
      serviceName: 'reviews', stable: ReleaseWorkload.fromDeployment(d), canary: ReleaseWorkload.fromDeployment(d), strategy: ReleaseStrategy.staticWeight(5),
    })).toThrow(/\[shop\/R\] 'canary' and 'stable' are the same workload \(deployment reviews-v1\)/);
  });

  test('fails when canary and stable run the same version', () => {
    const f = canaryFixture();
    expect(() => new CanaryRelease(f.chart, 'R', {
      serviceName: 'reviews',
      stable: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V1', '1.0.0')),
      canary: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V2', '1.0.0')),
      strategy: ReleaseStrategy.staticWeight(5),
    })).toThrow(/'canary' and 'stable' are both version "1.0.0", so no label tells their pods apart; give the canary its new version/);
  });

  test('fails when a pod label contradicts the subset (the subset would select no pod)', () => {
    const f = canaryFixture();
    const v2 = reviews(f.chart, 'V2', '2.0.0', { podMetadata: { labels: { version: 'v2' } } });
    expect(() => new CanaryRelease(f.chart, 'R', {
      serviceName: 'reviews',
      stable: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V1', '1.0.0')),
      canary: ReleaseWorkload.fromDeployment(v2, { version: 'v3' }),
      strategy: ReleaseStrategy.staticWeight(5),
    })).toThrow(/the pods of 'canary' \(deployment reviews-v2\) carry version=v2, but the release selects them by version=v3, so its "canary" subset would select no pod of them/);
  });

  test('fails when the pods carry another app label', () => {
    const f = canaryFixture();
    expect(() => new CanaryRelease(f.chart, 'R', {
      serviceName: 'reviews',
      stable: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V1', '1', { podMetadata: { labels: { app: 'ratings' } } })),
      canary: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V2', '2')),
      strategy: ReleaseStrategy.staticWeight(5),
    })).toThrow(/carry app=ratings, but the release selects them by app=reviews.*set serviceName: 'ratings'/);
  });

  test('fails for workloads in different namespaces', () => {
    const f = canaryFixture();
    expect(() => new CanaryRelease(f.chart, 'R', {
      serviceName: 'reviews',
      stable: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V1', '1', { metadata: { name: 'v1', namespace: 'other' } })),
      canary: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V2', '2')),
      strategy: ReleaseStrategy.staticWeight(5),
    })).toThrow(/'stable' \(deployment v1\) is in namespace "other" but 'canary' \(deployment reviews-v2\) is in "shop"/);
  });

  test('fails without a stable version for static weights, and without a name for the Service', () => {
    const f = canaryFixture();
    expect(() => new CanaryRelease(f.chart, 'R1', {
      serviceName: 'reviews', canary: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V2', '2')), strategy: ReleaseStrategy.staticWeight(5),
    })).toThrow(/'stable' is required with ReleaseStrategy.staticWeight\(\)/);
    expect(() => new CanaryRelease(f.chart, 'R2', {
      stable: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V3', '1')),
      canary: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V4', '2')),
      strategy: ReleaseStrategy.staticWeight(5),
    })).toThrow(/'serviceName' is required/);
  });

  test('fails for a port outside 1-65535', () => {
    expect(() => staticRelease(5, { port: 0 })).toThrow(/'port' must be an integer between 1 and 65535, got 0/);
    expect(() => staticRelease(5, { port: 65536 })).toThrow(/'port' must be an integer between 1 and 65535, got 65536/);
    expect(staticRelease(5, { port: 65535 }).release.port).toBe(65535);
  });
});

describe('Argo CD', () => {
  test('static weights need no ignoreDifferences: Git is the truth', () => {
    const { release } = staticRelease();
    expect(release.argoCdIgnoreDifferences).toEqual([]);
    expect(release.argoCdSyncOptions).toEqual([]);
  });
});

describe('plan', () => {
  test('static: one step until the next commit, no automatic promotion or rollback', () => {
    const plan = staticRelease(10).release.plan();
    expect(plan.controller).toBe('Git');
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0].canaryWeight).toBe(10);
    expect(plan.steps[0].waitsForPromotion).toBe(true);
    expect(plan.minimumPromotionTime).toBeUndefined();
    expect(plan.rollbackTime).toBeUndefined();
    expect(plan.text).toContain('canary  10% (until the next commit changes the weight)');
  });

  test('is printed once at synth, to stderr', () => {
    // GIVEN
    const { app } = staticRelease(10, { printPlan: true });
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);

    // WHEN
    try {
      app.synthYaml();
      app.synthYaml();

      // THEN
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0][0]).toMatch(/^CanaryRelease shop\/reviews \(shop\/Reviews\): static weights in Git/);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('properties (fast-check)', () => {
  const matchArb = fc.oneof(
    fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.stringMatching(/^[a-z0-9]{1,8}$/)).map(([h, v]) => RequestMatch.headerExact(`x-${h}`, v)),
    fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z0-9]{1,8}$/)).map(([n, v]) => RequestMatch.cookie(n, v)),
    fc.stringMatching(/^[a-z]{1,8}$/).map((app) => RequestMatch.sourceLabels({ app })),
  );

  test('weights always sum to 100 and every routed subset or host exists', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 100 }),
      fc.constantFrom(SplitLevel.SUBSET, SplitLevel.HOST),
      fc.uniqueArray(matchArb, { maxLength: 4, selector: (m) => m._description }),
      fc.boolean(),
      (weight, splitLevel, matches, gateway) => {
        const { chart } = staticRelease(weight, {
          splitLevel,
          canaryMatches: matches,
          gateway: gateway ? { gateway: 'istio-ingress/public', hosts: ['shop.example.com'] } : undefined,
        });
        const objects = Testing.synth(chart);
        const subsets = new Set(objects.filter((o) => o.kind === 'DestinationRule' && o.metadata.name === 'reviews')
          .flatMap((o) => (o.spec.subsets ?? []).map((s: any) => s.name)));
        const hosts = new Set(objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name));
        const drHosts = new Set(objects.filter((o) => o.kind === 'DestinationRule').map((o) => o.spec.host));
        for (const vs of objects.filter((o) => o.kind === 'VirtualService')) {
          for (const http of vs.spec.http) {
            const total = http.route.reduce((n: number, r: any) => n + (r.weight ?? 100), 0);
            expect(total).toBe(100);
            for (const r of http.route) {
              expect(hosts.has(r.destination.host)).toBe(true);
              if (r.destination.subset) expect(subsets.has(r.destination.subset)).toBe(true);
              else expect(drHosts.has(r.destination.host)).toBe(true);
            }
          }
          const primary = vs.spec.http.find((h: any) => h.name === 'primary');
          expect(primary.route.map((r: any) => r.weight)).toEqual([100 - weight, weight]);
        }
      },
    ), { numRuns: 60 });
  });

  test('weights outside 0-100 or not whole always fail with the fix', () => {
    fc.assert(fc.property(
      fc.oneof(fc.integer({ min: -1000, max: -1 }), fc.integer({ min: 101, max: 1000 }), fc.double({ min: 0.01, max: 99.99, noInteger: true })),
      (weight) => {
        expect(() => ReleaseStrategyStatic(weight)).toThrow(/'weights.canary' must be an integer between 0 and 100, got .*; the canary share of requests is a whole percentage/);
      },
    ), { numRuns: 50 });
  });
});

function ReleaseStrategyStatic(weight: number) {
  return staticRelease(weight);
}

describe('versions behind zero-trust policies', () => {
  function release(to: (v1: kplus.Deployment) => IWorkloadSelector) {
    const f = staticRelease(20);
    const ns = new ZeroTrustNamespace(f.chart, 'Shop', { name: 'shop', mesh: f.mesh, externalNamespaces: ['frontend'] });
    ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'), { to: to(f.v1), ports: [9080] });
    return f;
  }

  test('an allow rule for the stable pods only would refuse the canary share: synth fails naming both and the fix', () => {
    const f = release((v1) => WorkloadSelector.fromDeployment(v1));
    expect(() => f.app.synth()).toThrow(/\[shop\/Reviews\] AuthorizationPolicy shop\/allow-frontend-web-to-reviews-v1 admits its callers to version "stable" of service shop\/reviews but not to version "canary" \(Deployment reviews-v2\), where the routes of shop\/Reviews also send requests: that share would be refused; select the workloads by a label every version shares \(WorkloadSelector.fromLabels\(\{ app: ... \}\)\) or allow the callers to each version/);
  });

  test('an allow rule for the app label admits every version', () => {
    const f = release(() => WorkloadSelector.fromLabels({ app: 'reviews' }));
    expect(() => f.app.synth()).not.toThrow();
  });
});

describe('gateway binding', () => {
  test("fails at synth when the app's IngressGateway of that name does not serve the host", () => {
    // GIVEN: the gateway serves shop.example.com only
    const f = canaryFixture();
    const gateway = new IngressGateway(new Chart(f.app, 'edge'), 'Public', { mesh: f.mesh, namespace: 'istio-ingress' });
    gateway.addHost('shop.example.com');
    new CanaryRelease(f.chart, 'Reviews', {
      serviceName: 'reviews',
      printPlan: false,
      stable: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V1', 'v1')),
      canary: ReleaseWorkload.fromDeployment(reviews(f.chart, 'V2', 'v2')),
      strategy: ReleaseStrategy.staticWeight(10),
      gateway: { gateway: gateway.gatewayRef, hosts: ['shop.example.com', 'reviews.example.com'] },
    });

    // THEN
    expect(() => f.app.synth()).toThrow("[shop/Reviews] 'gateway.hosts' \"reviews.example.com\" is not a host of IngressGateway edge/Public (hosts: " +
      '"shop.example.com"), so its requests never reach the release; add it there with addHost("reviews.example.com", ...) or bind one of its hosts');
  });
});
