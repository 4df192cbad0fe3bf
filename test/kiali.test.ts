import { ApiObject, Testing } from 'cdk8s';
import { Kiali, KialiProps, KialiTracingProvider } from '../lib';
import { find, fixture } from './zero-trust-fixture';

const PROMETHEUS = 'http://prometheus-operated.monitoring.svc:9090';

/** A Kiali `Kiali` in the `apps` chart of a fixture whose mesh is installed elsewhere. */
function kiali(props: Partial<KialiProps> = {}, meshAttrs = {}) {
  const f = fixture(meshAttrs);
  const k = new Kiali(f.chart, 'Kiali', { mesh: f.mesh, prometheusUrl: PROMETHEUS, ...props });
  return { ...f, k };
}

describe('Kiali', () => {
  test('snapshot', () => {
    // GIVEN
    const { chart } = kiali();

    // THEN
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('defaults: watches the mesh namespace, reads Prometheus, cluster-wide access, no tracing', () => {
    // WHEN
    const { chart, k } = kiali();

    // THEN
    const cr = find(Testing.synth(chart), 'Kiali', 'kiali', 'istio-system');
    expect(cr.apiVersion).toBe('kiali.io/v1alpha1');
    expect(cr.spec).toEqual({
      istio_namespace: 'istio-system',
      external_services: { prometheus: { url: PROMETHEUS }, tracing: { enabled: false } },
      deployment: { cluster_wide_access: true },
    });
    expect(ApiObject.of(k).kind).toBe('Kiali');
  });

  test('follows the mesh namespace', () => {
    // WHEN
    const { chart } = kiali({}, { namespace: 'mesh-system' });

    // THEN
    const cr = find(Testing.synth(chart), 'Kiali', 'kiali', 'mesh-system');
    expect(cr.spec.istio_namespace).toBe('mesh-system');
  });

  test('tracing URLs, provider and gRPC', () => {
    // WHEN
    const { chart } = kiali({
      tracing: {
        internalUrl: 'http://tempo.tempo.svc:3200',
        externalUrl: 'https://tempo.example.com/explore',
        provider: KialiTracingProvider.TEMPO,
        useGrpc: false,
      },
    });

    // THEN
    expect(find(Testing.synth(chart), 'Kiali', 'kiali').spec.external_services.tracing).toEqual({
      enabled: true,
      provider: 'tempo',
      internal_url: 'http://tempo.tempo.svc:3200',
      external_url: 'https://tempo.example.com/explore',
      use_grpc: false,
    });
  });

  test('tracing defaults to Jaeger', () => {
    // WHEN
    const { chart } = kiali({ tracing: { internalUrl: 'http://tracing.istio-system:16685/jaeger' } });

    // THEN
    expect(find(Testing.synth(chart), 'Kiali', 'kiali').spec.external_services.tracing).toEqual({
      enabled: true,
      provider: 'jaeger',
      internal_url: 'http://tracing.istio-system:16685/jaeger',
    });
  });

  test('namespaces restrict Kiali to them and the mesh namespace', () => {
    // WHEN
    const { chart } = kiali({ namespaces: ['shop', 'payments'] });

    // THEN
    expect(find(Testing.synth(chart), 'Kiali', 'kiali').spec.deployment).toEqual({
      cluster_wide_access: false,
      discovery_selectors: {
        default: [
          { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
          { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
          { matchLabels: { 'kubernetes.io/metadata.name': 'payments' } },
        ],
      },
    });
  });

  test('namespace and name of the CR', () => {
    // WHEN
    const { chart } = kiali({ namespace: 'kiali-operator', name: 'mesh-console' });

    // THEN
    expect(find(Testing.synth(chart), 'Kiali', 'mesh-console', 'kiali-operator').spec.istio_namespace).toBe('istio-system');
  });

  test.each([
    ['prometheus-operated:9090', 'must be an http:// or https:// URL with a host'],
    ['http://', 'must be an http:// or https:// URL with a host'],
    ['http://prometheus :9090', 'must be an http:// or https:// URL with a host'],
    ['http://prometheus:70000', 'has port 70000, outside 1-65535'],
  ])('fails with prometheusUrl %p', (url, problem) => {
    expect(() => kiali({ prometheusUrl: url }))
      .toThrow(`[apps/Kiali] 'prometheusUrl' ${problem}`);
  });

  test('fails with bad tracing URLs', () => {
    expect(() => kiali({ tracing: { internalUrl: 'tracing:16685' } }))
      .toThrow(/^\[apps\/Kiali\] 'tracing.internalUrl' must be an http:\/\/ or https:\/\/ URL with a host, such as "http:\/\/prometheus.monitoring.svc:9090", got "tracing:16685"$/);
    expect(() => kiali({ tracing: { internalUrl: 'http://tracing:16685', externalUrl: 'ftp://jaeger' } }))
      .toThrow(/^\[apps\/Kiali\] 'tracing.externalUrl' must be an http:\/\/ or https:\/\/ URL/);
  });

  test('fails with bad namespaces, namespace or name', () => {
    expect(() => kiali({ namespaces: [] })).toThrow(/^\[apps\/Kiali\] 'namespaces' must not be empty; omit 'namespaces' to give Kiali cluster-wide access$/);
    expect(() => kiali({ namespaces: ['Shop'] })).toThrow(/^\[apps\/Kiali\] 'namespaces\[0\]' must be a DNS-1123 label/);
    expect(() => kiali({ namespace: 'kiali_ns' })).toThrow(/^\[apps\/Kiali\] 'namespace' must be a DNS-1123 label/);
    expect(() => kiali({ name: 'Kiali' })).toThrow(/^\[apps\/Kiali\] 'name' must be a DNS-1123 subdomain/);
  });
});
