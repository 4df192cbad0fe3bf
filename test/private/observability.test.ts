import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { AccessLogEncoding, ExtensionProvider, MeshInstallation } from '../../lib';
import { validateCelFilter } from '../../lib/private/observability/access-log-filter';
import { urlProblem } from '../../lib/private/observability/kiali-spec';
import { meshTelemetryFacts, servesSignal } from '../../lib/private/observability/mesh-facts';

describe('validateCelFilter', () => {
  const scope = new Construct(Testing.chart(), 'Scope');

  test.each([
    'response.code >= 500',
    'response.code >= 400 && response.code < 500',
    "request.headers['x-debug'] == 'true'",
    'has(request.headers.authorization)',
    "!(request.url_path in ['/healthz', '/ready'])",
  ])('accepts %p', (expression) => {
    expect(() => validateCelFilter(scope, 'filter', expression)).not.toThrow();
  });

  test.each(['response.code >=', 'a &&& b', "request.headers['x", ')'])('rejects %p with the parser position', (expression) => {
    expect(() => validateCelFilter(scope, 'filter', expression)).toThrow(/^\[test\/Scope\] 'filter' is not a valid CEL expression: <input>:\d+:\d+: /);
  });
});

describe('urlProblem', () => {
  test.each(['http://prometheus:9090', 'https://kiali.example.com/jaeger', 'http://a.b.svc.cluster.local/x?y=1', 'http://10.0.0.1:9090'])('accepts %p', (url) => {
    expect(urlProblem(url)).toBeUndefined();
  });

  test.each(['prometheus:9090', 'http:/prometheus', 'https://-bad', 'http://host:0', 'http://host:65536', 'http://a b'])('rejects %p', (url) => {
    expect(urlProblem(url)).toBeDefined();
  });
});

describe('meshTelemetryFacts', () => {
  test('reads declared and built-in providers and the default providers from the mesh ConfigMap', () => {
    // GIVEN
    const mesh = new MeshInstallation(new Chart(Testing.app(), 'mesh'), 'Mesh', {
      meshConfig: {
        extensionProviders: [
          ExtensionProvider.zipkin({ name: 'zipkin', service: 'zipkin.tracing.svc.cluster.local', port: 9411 }),
          ExtensionProvider.envoyFileAccessLog('envoy', '/dev/stdout', AccessLogEncoding.JSON),
        ],
        defaultTracingProviders: ['zipkin'],
        defaultAccessLogProviders: ['envoy'],
      },
    });

    // WHEN
    const facts = meshTelemetryFacts(mesh)!;

    // THEN
    expect(facts.providers).toEqual([
      { name: 'zipkin', kind: 'zipkin', builtIn: false },
      { name: 'envoy', kind: 'envoyFileAccessLog', builtIn: false },
      { name: 'prometheus', kind: 'prometheus', builtIn: true },
      { name: 'stackdriver', kind: 'stackdriver', builtIn: true },
    ]);
    expect(facts.defaultProviders).toEqual({ tracing: ['zipkin'], accessLogging: ['envoy'], metrics: ['prometheus'] });
  });

  test('knows nothing about a mesh installed elsewhere', () => {
    expect(meshTelemetryFacts(MeshInstallation.fromExisting(Testing.chart(), 'Mesh'))).toBeUndefined();
  });

  test('servesSignal', () => {
    expect(servesSignal('opentelemetry', 'tracing')).toBe(true);
    expect(servesSignal('opentelemetry', 'accessLogging')).toBe(false);
    expect(servesSignal('envoyOtelAls', 'accessLogging')).toBe(true);
    expect(servesSignal('stackdriver', 'metrics')).toBe(true);
    expect(servesSignal('someFutureKind', 'metrics')).toBe(true);
  });
});
