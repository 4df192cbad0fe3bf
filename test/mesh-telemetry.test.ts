import { ApiObject, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CustomTag, ExtensionProvider, IstioMetric, MeshInstallation, MeshTelemetry, MeshTelemetryProps, TagOverride, telemetry, WorkloadMode,
  WorkloadSelector,
} from '../lib';
import { expectIstioctlAccepts, expectSchemaValid } from './helpers/conformance';
import { installedMesh } from './observability-fixture';
import { find, fixture, ofKind } from './zero-trust-fixture';

/** A MeshTelemetry `Telemetry` in the fixture's `obs` chart (mesh with otel-tracing + json-log). */
function meshTelemetry(props: Partial<MeshTelemetryProps> = {}) {
  const f = installedMesh();
  const t = new MeshTelemetry(f.chart, 'Telemetry', { mesh: f.mesh, ...props });
  return { ...f, t };
}

/** The spec of the only Telemetry the chart synthesizes. */
function specOf(chart: Chart): any {
  const all = ofKind(Testing.synth(chart), 'Telemetry');
  expect(all).toHaveLength(1);
  return all[0].spec;
}

describe('scope', () => {
  test('snapshot: mesh-wide default with tracing and access logs', () => {
    // GIVEN
    const { chart } = meshTelemetry({
      tracing: { providers: ['otel-tracing'], randomSamplingPercentage: 10 },
      accessLogging: { providers: ['json-log'], filter: 'response.code >= 500' },
    });

    // THEN
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('without namespace or selector it is the mesh-wide default in the root namespace', () => {
    // WHEN
    const { chart, t } = meshTelemetry({ tracing: { randomSamplingPercentage: 10 } });

    // THEN
    const obj = find(Testing.synth(chart), 'Telemetry', 'mesh-default');
    expect(obj.apiVersion).toBe('telemetry.istio.io/v1');
    expect(obj.metadata.namespace).toBe('istio-system');
    expect(obj.spec.selector).toBeUndefined();
    expect(t.meshWide).toBe(true);
    expect(t.namespace).toBe('istio-system');
  });

  test('the root namespace follows the mesh namespace', () => {
    // GIVEN
    const f = installedMesh({}, { namespace: 'mesh-root' });

    // WHEN
    new MeshTelemetry(f.chart, 'Telemetry', { mesh: f.mesh, tracing: { randomSamplingPercentage: 1 } });

    // THEN
    expect(find(Testing.synth(f.chart), 'Telemetry', 'mesh-default').metadata.namespace).toBe('mesh-root');
  });

  test('a namespace override is named default and has no selector', () => {
    // WHEN
    const { chart, t } = meshTelemetry({ namespace: 'shop', tracing: { randomSamplingPercentage: 50 } });

    // THEN
    const obj = find(Testing.synth(chart), 'Telemetry', 'default', 'shop');
    expect(obj.spec).toEqual({ tracing: [{ randomSamplingPercentage: 50 }] });
    expect(t.meshWide).toBe(false);
  });

  test('a workload override renders the selector labels and is named after the selector', () => {
    // WHEN
    const { chart } = meshTelemetry({
      namespace: 'shop',
      selector: WorkloadSelector.fromLabels({ app: 'api', tier: 'backend' }),
      accessLogging: { disabled: true },
    });

    // THEN
    const obj = find(Testing.synth(chart), 'Telemetry', 'app-api-tier-backend', 'shop');
    expect(obj.spec.selector).toEqual({ matchLabels: { app: 'api', tier: 'backend' } });
  });

  test('a Deployment selector brings its namespace and name', () => {
    // GIVEN
    const f = installedMesh();
    const api = new kplus.Deployment(f.chart, 'Api', { metadata: { name: 'api', namespace: 'shop' }, containers: [{ image: 'api', portNumber: 8080 }] });

    // WHEN
    new MeshTelemetry(f.chart, 'ApiTelemetry', { mesh: f.mesh, selector: WorkloadSelector.fromDeployment(api), tracing: { randomSamplingPercentage: 100 } });

    // THEN
    const obj = find(Testing.synth(f.chart), 'Telemetry', 'api', 'shop');
    expect(obj.spec.selector).toEqual({ matchLabels: api.matchLabels });
  });

  test("'name' overrides the generated name", () => {
    // WHEN
    const { chart, t } = meshTelemetry({ name: 'tracing-10pct', tracing: { randomSamplingPercentage: 10 } });

    // THEN
    expect(t.name).toBe('tracing-10pct');
    find(Testing.synth(chart), 'Telemetry', 'tracing-10pct', 'istio-system');
  });

  test('in the mesh chart it depends on the mesh, so it is applied after the control plane', () => {
    // WHEN
    const app = Testing.app();
    const chart = new Chart(app, 'mesh');
    const mesh = new MeshInstallation(chart, 'Mesh', {
      meshConfig: { extensionProviders: [ExtensionProvider.zipkin({ name: 'zipkin', service: 'zipkin.observability.svc.cluster.local', port: 9411 })] },
    });
    const t = new MeshTelemetry(chart, 'Telemetry', { mesh, tracing: { providers: ['zipkin'], randomSamplingPercentage: 10 } });

    // THEN
    expect(t.node.dependencies).toContain(mesh);
  });

  test('the generated object is the child Resource', () => {
    // WHEN
    const { t } = meshTelemetry({ tracing: { randomSamplingPercentage: 10 } });

    // THEN
    expect(ApiObject.of(t).kind).toBe('Telemetry');
  });
});

describe('tracing', () => {
  test('providers, sampling, custom tags (literal, header, environment), span reporting and mode', () => {
    // WHEN
    const { chart } = meshTelemetry({
      tracing: {
        providers: ['otel-tracing'],
        randomSamplingPercentage: 12.5,
        customTags: {
          cluster: CustomTag.literal('eu-west'),
          tenant: CustomTag.header('x-tenant-id', 'unknown'),
          node: CustomTag.environment('NODE_NAME'),
        },
        disableSpanReporting: false,
        mode: WorkloadMode.SERVER,
      },
    });

    // THEN
    expect(specOf(chart).tracing).toEqual([{
      providers: [{ name: 'otel-tracing' }],
      randomSamplingPercentage: 12.5,
      customTags: {
        cluster: { literal: { value: 'eu-west' } },
        tenant: { header: { name: 'x-tenant-id', defaultValue: 'unknown' } },
        node: { environment: { name: 'NODE_NAME' } },
      },
      disableSpanReporting: false,
      match: { mode: 'SERVER' },
    }]);
  });

  test.each([0, 0.01, 100])('sampling %p is accepted', (value) => {
    // WHEN
    const { chart } = meshTelemetry({ tracing: { randomSamplingPercentage: value } });

    // THEN
    expect(specOf(chart).tracing[0].randomSamplingPercentage).toBe(value);
  });

  test.each([-1, -0.01, 100.01, 120, NaN])('fails with sampling %p', (value) => {
    expect(() => meshTelemetry({ tracing: { randomSamplingPercentage: value } }))
      .toThrow(new RegExp(`^\\[obs/Telemetry\\] 'tracing.randomSamplingPercentage' must be a number between 0 and 100 \\(e.g. 1 for 1 % of requests\\), got ${value}$`));
  });

  test('addTracing() adds an entry per call (e.g. per mode)', () => {
    // GIVEN
    const { chart, t } = meshTelemetry({ tracing: { randomSamplingPercentage: 1, mode: WorkloadMode.CLIENT } });

    // WHEN
    t.addTracing({ randomSamplingPercentage: 20, mode: WorkloadMode.SERVER });

    // THEN
    expect(specOf(chart).tracing).toEqual([
      { randomSamplingPercentage: 1, match: { mode: 'CLIENT' } },
      { randomSamplingPercentage: 20, match: { mode: 'SERVER' } },
    ]);
  });

  test('fails with more than one tracing provider', () => {
    expect(() => meshTelemetry({ tracing: { providers: ['otel-tracing', 'zipkin'] } }))
      .toThrow(/^\[obs\/Telemetry\] 'tracing.providers\[1\]' refers to provider "zipkin"/);
    const f = fixture();
    expect(() => new MeshTelemetry(f.chart, 'T', { mesh: f.mesh, tracing: { providers: ['a', 'b'] } }))
      .toThrow(/^\[apps\/T\] 'tracing.providers' names 2 providers \("a", "b"\), but Istio reports spans to one tracing provider; keep one$/);
  });

  test('fails with empty custom tags, tag names or values', () => {
    expect(() => meshTelemetry({ tracing: { customTags: {} } }))
      .toThrow(/'tracing.customTags' must not be empty; omit it to add no tags$/);
    expect(() => meshTelemetry({ tracing: { customTags: { '': CustomTag.literal('x') } } }))
      .toThrow(/'tracing.customTags' has an empty tag name; name the tag$/);
    expect(() => meshTelemetry({ tracing: { customTags: { env: CustomTag.literal('') } } }))
      .toThrow(/'tracing.customTags\[env\]' has an empty value; give one, or drop the tag$/);
    expect(() => meshTelemetry({ tracing: { customTags: { t: CustomTag.header(' ') } } }))
      .toThrow(/'tracing.customTags\[t\]' has an empty header name; give one, or drop the tag$/);
    expect(() => meshTelemetry({ tracing: { customTags: { n: CustomTag.environment('') } } }))
      .toThrow(/'tracing.customTags\[n\]' has an empty environment variable name; give one, or drop the tag$/);
  });

  test('fails with an unknown mode', () => {
    expect(() => meshTelemetry({ tracing: { mode: 'BOTH' as WorkloadMode } }))
      .toThrow(/^\[obs\/Telemetry\] 'tracing.mode' must be a WorkloadMode \(CLIENT, SERVER, CLIENT_AND_SERVER\), got "BOTH"$/);
  });
});

describe('access logging', () => {
  test('providers, filter expression and mode', () => {
    // WHEN
    const { chart } = meshTelemetry({
      accessLogging: { providers: ['json-log'], filter: 'response.code >= 500 && request.url_path.startsWith("/api")', mode: WorkloadMode.CLIENT },
    });

    // THEN
    expect(specOf(chart).accessLogging).toEqual([{
      providers: [{ name: 'json-log' }],
      filter: { expression: 'response.code >= 500 && request.url_path.startsWith("/api")' },
      match: { mode: 'CLIENT' },
    }]);
  });

  test('the built-in envoy provider needs no declaration', () => {
    // WHEN
    const { chart } = meshTelemetry({ accessLogging: { providers: ['envoy'] } });

    // THEN
    expect(specOf(chart).accessLogging).toEqual([{ providers: [{ name: 'envoy' }] }]);
  });

  test('disabled needs no provider', () => {
    // WHEN
    const { chart } = meshTelemetry({ namespace: 'batch', accessLogging: { disabled: true } });

    // THEN
    expect(specOf(chart).accessLogging).toEqual([{ disabled: true }]);
  });

  test('addAccessLogging() adds a second provider entry', () => {
    // GIVEN
    const { chart, t } = meshTelemetry({ accessLogging: { providers: ['json-log'] } });

    // WHEN
    t.addAccessLogging({ providers: ['envoy'], filter: 'response.code >= 400' });

    // THEN
    expect(specOf(chart).accessLogging).toHaveLength(2);
  });

  test.each(['response.code >=', 'response.code >= 500 &&& true', '(response.code'])('fails when the filter %p does not parse', (filter) => {
    expect(() => meshTelemetry({ accessLogging: { providers: ['json-log'], filter } }))
      .toThrow(/^\[obs\/Telemetry\] 'accessLogging.filter' is not a valid CEL expression: <input>:1:\d+: .+; got ".*" \(example: /);
  });

  test('fails with a blank filter', () => {
    expect(() => meshTelemetry({ accessLogging: { providers: ['json-log'], filter: ' ' } }))
      .toThrow(/^\[obs\/Telemetry\] 'accessLogging.filter' must be a CEL expression such as "response.code >= 500", got " "; omit it to log every request$/);
  });

  test('IST0157: fails when logging is on without providers and the mesh has no default access-log provider', () => {
    expect(() => meshTelemetry({ accessLogging: { filter: 'response.code >= 500' } }))
      .toThrow(/^\[obs\/Telemetry\] 'accessLogging.providers' is required: the mesh mesh\/Mesh has no default access-log provider, so Istio would ignore this entry \(istioctl analyze IST0157\); name one of "json-log" \(envoyFileAccessLog\), "stackdriver" \(stackdriver, built in\), "envoy" \(envoyFileAccessLog, built in\), or set 'meshConfig.defaultAccessLogProviders' on the mesh$/);
  });

  test('IST0157: no providers are fine when the mesh has a default access-log provider', () => {
    // GIVEN
    const f = installedMesh({ defaultAccessLogProviders: ['json-log'] });

    // WHEN
    new MeshTelemetry(f.chart, 'Telemetry', { mesh: f.mesh, accessLogging: { filter: 'response.code >= 500' } });

    // THEN
    expect(specOf(f.chart).accessLogging).toEqual([{ filter: { expression: 'response.code >= 500' } }]);
  });

  test('IST0157: a mesh installed elsewhere is not second-guessed', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    new MeshTelemetry(f.chart, 'Telemetry', { mesh: f.mesh, accessLogging: {} });

    // THEN
    expect(specOf(f.chart).accessLogging).toEqual([{}]);
  });
});

describe('metrics', () => {
  test('providers, overrides per metric and mode, disabled, tag overrides (UPSERT with value, REMOVE) and reporting interval', () => {
    // WHEN
    const { chart } = meshTelemetry({
      metrics: {
        providers: ['prometheus'],
        reportingInterval: '30s',
        overrides: [
          { metric: IstioMetric.REQUEST_COUNT, mode: WorkloadMode.CLIENT, tagOverrides: { request_host: TagOverride.upsert('request.host') } },
          { metric: IstioMetric.REQUEST_DURATION, mode: WorkloadMode.CLIENT_AND_SERVER, disabled: true },
          { tagOverrides: { destination_canonical_revision: TagOverride.remove() } },
          { customMetric: 'my_requests', disabled: true },
        ],
      },
    });

    // THEN
    expect(specOf(chart).metrics).toEqual([{
      providers: [{ name: 'prometheus' }],
      reportingInterval: '30s',
      overrides: [
        { match: { metric: 'REQUEST_COUNT', mode: 'CLIENT' }, tagOverrides: { request_host: { operation: 'UPSERT', value: 'request.host' } } },
        { match: { metric: 'REQUEST_DURATION', mode: 'CLIENT_AND_SERVER' }, disabled: true },
        { match: { metric: 'ALL_METRICS' }, tagOverrides: { destination_canonical_revision: { operation: 'REMOVE' } } },
        { match: { customMetric: 'my_requests' }, disabled: true },
      ],
    }]);
  });

  test('fails when an override sets both metric and customMetric', () => {
    expect(() => meshTelemetry({ metrics: { overrides: [{ metric: IstioMetric.REQUEST_COUNT, customMetric: 'x', disabled: true }] } }))
      .toThrow(/^\[obs\/Telemetry\] 'metrics.overrides\[0\]' sets both 'metric' \(REQUEST_COUNT\) and 'customMetric' \("x"\); set one$/);
  });

  test('fails when an override changes nothing', () => {
    expect(() => meshTelemetry({ metrics: { overrides: [{ metric: IstioMetric.REQUEST_COUNT }] } }))
      .toThrow(/^\[obs\/Telemetry\] 'metrics.overrides\[0\]' changes nothing; set 'disabled' or 'tagOverrides'$/);
  });

  test('fails when UPSERT has an empty value', () => {
    expect(() => meshTelemetry({ metrics: { overrides: [{ tagOverrides: { host: TagOverride.upsert('') } }] } }))
      .toThrow(/^\[obs\/Telemetry\] 'metrics.overrides\[0\].tagOverrides\[host\]' upserts an empty value; give a CEL expression such as "request.host", or use TagOverride.remove\(\)$/);
  });

  test('fails with an empty tag name', () => {
    expect(() => meshTelemetry({ metrics: { overrides: [{ tagOverrides: { '': TagOverride.remove() } }] } }))
      .toThrow(/^\[obs\/Telemetry\] 'metrics.overrides\[0\].tagOverrides' has an empty tag name; name the tag$/);
  });

  test('fails with empty overrides, empty custom metric names and bad reporting intervals', () => {
    expect(() => meshTelemetry({ metrics: { overrides: [] } }))
      .toThrow(/'metrics.overrides' must not be empty; omit it to keep every metric as it is$/);
    expect(() => meshTelemetry({ metrics: { overrides: [{ customMetric: ' ', disabled: true }] } }))
      .toThrow(/'metrics.overrides\[0\].customMetric' must not be empty; use 'metric' for a standard metric$/);
    expect(() => meshTelemetry({ metrics: { overrides: [{ metric: 'REQUESTS' as IstioMetric, disabled: true }] } }))
      .toThrow(/'metrics.overrides\[0\].metric' must be an IstioMetric, got "REQUESTS"$/);
    for (const interval of ['15', '0s', 'soon']) {
      expect(() => meshTelemetry({ metrics: { reportingInterval: interval } }))
        .toThrow(new RegExp(`'metrics.reportingInterval' must be a positive duration such as "15s" or "1m", got "${interval}"$`));
    }
  });
});

describe('providers', () => {
  test('fails with an unknown provider and lists the declared ones', () => {
    expect(() => meshTelemetry({ tracing: { providers: ['jaeger'] } }))
      .toThrow(/^\[obs\/Telemetry\] 'tracing.providers\[0\]' refers to provider "jaeger", which the mesh mesh\/Mesh does not declare; known providers: "otel-tracing" \(opentelemetry\), "json-log" \(envoyFileAccessLog\), "prometheus" \(prometheus, built in\), "stackdriver" \(stackdriver, built in\), "envoy" \(envoyFileAccessLog, built in\); fix the name or add the provider to 'meshConfig.extensionProviders'$/);
  });

  test('fails with a provider that does not serve the signal', () => {
    expect(() => meshTelemetry({ accessLogging: { providers: ['otel-tracing'] } }))
      .toThrow(/^\[obs\/Telemetry\] 'accessLogging.providers\[0\]' refers to provider "otel-tracing" of kind opentelemetry, which does not serve access logs; use one of "json-log" \(envoyFileAccessLog\), "stackdriver" \(stackdriver, built in\), "envoy" \(envoyFileAccessLog, built in\)$/);
    expect(() => meshTelemetry({ metrics: { providers: ['json-log'] } }))
      .toThrow(/'metrics.providers\[0\]' refers to provider "json-log" of kind envoyFileAccessLog, which does not serve metrics; use one of "prometheus"/);
  });

  test.each(['tracing', 'accessLogging', 'metrics'] as const)('fails with an empty %s provider list', (signal) => {
    expect(() => meshTelemetry({ [signal]: { providers: [] } }))
      .toThrow(new RegExp(`^\\[obs/Telemetry\\] '${signal}.providers' must not be empty; omit it to use the mesh's default (tracing|access-log|metrics) providers$`));
  });

  test('fails with a duplicate or blank provider name', () => {
    expect(() => meshTelemetry({ accessLogging: { providers: ['json-log', 'json-log'] } }))
      .toThrow(/'accessLogging.providers' lists "json-log" twice; remove the duplicate$/);
    expect(() => meshTelemetry({ metrics: { providers: [''] } }))
      .toThrow(/'metrics.providers\[0\]' must name an extension provider, got ""$/);
  });

  test('with MeshInstallation.fromExisting any provider name is accepted', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    new MeshTelemetry(f.chart, 'Telemetry', { mesh: f.mesh, tracing: { providers: ['vendor-apm'] }, accessLogging: { providers: ['vendor-logs'] } });

    // THEN
    const spec = specOf(f.chart);
    expect(spec.tracing[0].providers).toEqual([{ name: 'vendor-apm' }]);
    expect(spec.accessLogging[0].providers).toEqual([{ name: 'vendor-logs' }]);
  });

  test('a revisioned mesh is read from its own mesh ConfigMap', () => {
    // GIVEN
    const f = installedMesh({}, { revision: 'canary' });

    // THEN
    expect(() => new MeshTelemetry(f.chart, 'Telemetry', { mesh: f.mesh, tracing: { providers: ['nope'] } }))
      .toThrow(/refers to provider "nope", which the mesh mesh\/Mesh does not declare; known providers: "otel-tracing"/);
  });
});

describe('conflicts across the app (synth time)', () => {
  test('IST0160: fails with two selector-less Telemetry resources in one namespace', () => {
    // GIVEN
    const { chart, mesh } = meshTelemetry({ namespace: 'shop', tracing: { randomSamplingPercentage: 1 } });
    new MeshTelemetry(chart, 'Second', { mesh, namespace: 'shop', name: 'more', accessLogging: { providers: ['json-log'] } });

    // THEN
    expect(() => Testing.synth(chart)).toThrow(/\[obs\/Second\] namespace "shop" has more than one Telemetry without a selector: shop\/more \(obs\/Second\/Resource\) and shop\/default \(obs\/Telemetry\/Resource\); Istio applies only one \(istioctl analyze IST0160\): merge them, or give one a selector/);
  });

  test('IST0160 counts Telemetry resources written with the L1 class', () => {
    // GIVEN
    const { chart, app } = meshTelemetry({ tracing: { randomSamplingPercentage: 1 } });
    new telemetry.Telemetry(new Chart(app, 'raw'), 'Raw', { metadata: { name: 'legacy', namespace: 'istio-system' }, spec: { tracing: [{}] } });

    // THEN
    expect(() => Testing.synth(chart)).toThrow(/namespace "istio-system" has more than one Telemetry without a selector/);
  });

  test('one selector-less Telemetry per namespace is fine', () => {
    // GIVEN
    const { chart, mesh } = meshTelemetry({ tracing: { randomSamplingPercentage: 1 } });
    new MeshTelemetry(chart, 'Shop', { mesh, namespace: 'shop', tracing: { randomSamplingPercentage: 5 } });
    new MeshTelemetry(chart, 'Api', { mesh, namespace: 'shop', selector: WorkloadSelector.fromLabels({ app: 'api' }), tracing: { randomSamplingPercentage: 50 } });

    // THEN
    expect(ofKind(Testing.synth(chart), 'Telemetry')).toHaveLength(3);
  });

  test('IST0159: fails when one selector contains the other', () => {
    // GIVEN
    const { chart, mesh } = meshTelemetry({ namespace: 'shop', selector: WorkloadSelector.fromLabels({ app: 'api' }), tracing: {} });
    new MeshTelemetry(chart, 'Narrow', { mesh, namespace: 'shop', selector: WorkloadSelector.fromLabels({ app: 'api', version: 'v2' }), tracing: {} });

    // THEN
    expect(() => Testing.synth(chart)).toThrow(/\[obs\/Narrow\] Telemetry shop\/app-api-version-v2 \(obs\/Narrow\/Resource\) and shop\/app-api \(obs\/Telemetry\/Resource\) select the same workloads \(\{"app":"api","version":"v2"\} \/ \{"app":"api"\}\); Istio allows one Telemetry per workload \(istioctl analyze IST0159\): merge them/);
  });

  test('fails with two Telemetry resources of the same name in a namespace', () => {
    // GIVEN
    const { chart, mesh } = meshTelemetry({ namespace: 'shop', selector: WorkloadSelector.fromLabels({ app: 'a' }), name: 'same', tracing: {} });
    new MeshTelemetry(chart, 'Other', { mesh, namespace: 'shop', selector: WorkloadSelector.fromLabels({ app: 'b' }), name: 'same', tracing: {} });

    // THEN
    expect(() => Testing.synth(chart)).toThrow(/Telemetry shop\/same \(obs\/Other\/Resource\) has the same name as shop\/same \(obs\/Telemetry\/Resource\); the second would replace the first: set 'name' on one of them/);
  });

  test('fails at synth when nothing is configured', () => {
    // GIVEN
    const { chart } = meshTelemetry();

    // THEN
    expect(() => Testing.synth(chart)).toThrow(/\[obs\/Telemetry\] MeshTelemetry configures nothing; pass 'tracing', 'accessLogging' or 'metrics'/);
  });
});

describe('namespace and selector validation', () => {
  test('fails when the namespace differs from the Deployment selector namespace', () => {
    // GIVEN
    const f = installedMesh();
    const api = new kplus.Deployment(f.chart, 'Api', { metadata: { name: 'api', namespace: 'shop' }, containers: [{ image: 'api' }] });

    // THEN
    expect(() => new MeshTelemetry(f.chart, 'T', { mesh: f.mesh, namespace: 'other', selector: WorkloadSelector.fromDeployment(api), tracing: {} }))
      .toThrow(/^\[obs\/T\] 'namespace' is "other", but the selector's workloads \(deployment api\) live in "shop"; a Telemetry selects workloads of its own namespace only: omit 'namespace'$/);
  });

  test('fails with a label selector and no namespace', () => {
    expect(() => meshTelemetry({ selector: WorkloadSelector.fromLabels({ app: 'api' }), tracing: {} }))
      .toThrow(/^\[obs\/Telemetry\] 'namespace' is required with a selector that does not know its namespace \(app=api\); set 'namespace' to the workloads' namespace$/);
  });

  test('fails with an invalid namespace, name or selector', () => {
    expect(() => meshTelemetry({ namespace: 'Shop', tracing: {} })).toThrow(/^\[obs\/Telemetry\] 'namespace' must be a DNS-1123 label/);
    expect(() => meshTelemetry({ name: 'My_Telemetry', tracing: {} })).toThrow(/^\[obs\/Telemetry\] 'name' must be a DNS-1123 subdomain/);
    expect(() => meshTelemetry({ namespace: 'shop', selector: WorkloadSelector.fromLabels({}), tracing: {} }))
      .toThrow(/^\[obs\/Telemetry\] 'selector' must have at least one label/);
  });
});

describe('conformance', () => {
  test('every option together passes the CRD schema and istioctl validate', () => {
    // GIVEN
    const f = installedMesh();
    const api = new kplus.Deployment(f.chart, 'Api', { metadata: { name: 'api', namespace: 'shop' }, containers: [{ image: 'api', portNumber: 8080 }] });

    // WHEN
    new MeshTelemetry(f.chart, 'MeshDefault', {
      mesh: f.mesh,
      tracing: {
        providers: ['otel-tracing'],
        randomSamplingPercentage: 10,
        customTags: { a: CustomTag.literal('x'), b: CustomTag.header('x-b', 'none'), c: CustomTag.environment('POD_NAME', 'unknown') },
      },
      accessLogging: { providers: ['json-log'], filter: 'response.code >= 500' },
      metrics: {
        providers: ['prometheus'],
        reportingInterval: '20s',
        overrides: [
          { metric: IstioMetric.REQUEST_COUNT, mode: WorkloadMode.SERVER, tagOverrides: { host: TagOverride.upsert('request.host'), revision: TagOverride.remove() } },
          { customMetric: 'custom_total', disabled: true },
        ],
      },
    });
    new MeshTelemetry(f.chart, 'Shop', { mesh: f.mesh, namespace: 'shop', accessLogging: { disabled: true }, tracing: { disableSpanReporting: true } });
    const workload = new MeshTelemetry(f.chart, 'ApiTelemetry', { mesh: f.mesh, selector: WorkloadSelector.fromDeployment(api), tracing: { providers: ['otel-tracing'], randomSamplingPercentage: 100, mode: WorkloadMode.CLIENT } });
    workload.addAccessLogging({ providers: ['envoy'], mode: WorkloadMode.SERVER });

    // THEN
    const telemetries = ofKind(Testing.synth(f.chart), 'Telemetry');
    expect(telemetries).toHaveLength(3);
    expectSchemaValid(telemetries);
    expectIstioctlAccepts(telemetries);
  });

  test('a mesh from fromExisting can be the target of the same checks', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    new MeshTelemetry(f.chart, 'T', { mesh: f.mesh, tracing: { randomSamplingPercentage: 5 } });

    // THEN
    expect(f.mesh).not.toBeInstanceOf(MeshInstallation);
    expectSchemaValid(ofKind(Testing.synth(f.chart), 'Telemetry'));
  });
});
