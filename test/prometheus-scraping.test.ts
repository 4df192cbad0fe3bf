import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { MeshPeer, PrometheusScrapeMode, PrometheusScraping, PrometheusScrapingProps, ZeroTrustNamespace } from '../lib';
import { installedMesh } from './observability-fixture';
import { find, fixture, ofKind, synthAll } from './zero-trust-fixture';

/** A PrometheusScraping `Scrape` in the `apps` chart of a fixture whose mesh is installed elsewhere. */
function scraping(props: Partial<PrometheusScrapingProps> = {}, meshAttrs = {}) {
  const f = fixture(meshAttrs);
  const scrape = new PrometheusScraping(f.chart, 'Scrape', { mesh: f.mesh, ...props });
  return { ...f, scrape };
}

/** The address relabeling of the PodMonitor: the port every target is scraped on. */
function scrapedPort(podMonitor: any): number {
  const rewrite = podMonitor.spec.podMetricsEndpoints[0].relabelings.find((r: any) => r.targetLabel === '__address__');
  return Number(/:(\d+)$/.exec(rewrite.replacement)![1]);
}

describe('Prometheus Operator mode (default)', () => {
  test('snapshot', () => {
    // GIVEN
    const { chart } = scraping();

    // THEN
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('a PodMonitor scrapes merged metrics on 15020 /stats/prometheus of every istio-proxy container', () => {
    // WHEN
    const { chart, scrape } = scraping();

    // THEN
    const pm = find(Testing.synth(chart), 'PodMonitor', 'istio-proxies', 'istio-system');
    expect(pm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(scrape.mode).toBe(PrometheusScrapeMode.PROMETHEUS_OPERATOR);
    expect(pm.spec.selector).toEqual({});
    expect(pm.spec.namespaceSelector).toEqual({ any: true });
    const endpoint = pm.spec.podMetricsEndpoints[0];
    // Discovered by the port the proxy declares (15090) ...
    expect(endpoint.port).toBe('http-envoy-prom');
    expect(endpoint.path).toBe('/stats/prometheus');
    expect(endpoint.scheme).toBe('http');
    expect(endpoint.relabelings).toEqual([
      { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_name'], regex: 'istio-proxy' },
      { action: 'replace', sourceLabels: ['__address__'], regex: '(.+):[0-9]+', replacement: '$1:15020', targetLabel: '__address__' },
    ]);
    // ... and scraped on the merged-metrics port it does not declare.
    expect(scrapedPort(pm)).toBe(15020);
    expect(PrometheusScraping.SCRAPE_PORT).toBe(15020);
  });

  test('the address rewrite keeps the pod IP (IPv4 and IPv6) and swaps the port', () => {
    // GIVEN
    const pm = find(Testing.synth(scraping().chart), 'PodMonitor', 'istio-proxies');
    const rewrite = pm.spec.podMetricsEndpoints[0].relabelings[1];
    // Prometheus anchors relabel regexes and expands $1 like String.replace does.
    const apply = (address: string) => address.replace(new RegExp(`^${rewrite.regex}$`), rewrite.replacement.replace('$1', '$$1'));

    // THEN
    expect(apply('10.4.2.17:15090')).toBe('10.4.2.17:15020');
    expect(apply('[fd00:10:4::11]:15090')).toBe('[fd00:10:4::11]:15020');
  });

  test('the scrape port is the port the ZeroTrustNamespace NetworkPolicy opens to Prometheus', () => {
    // GIVEN
    const f = fixture();
    new ZeroTrustNamespace(f.chart, 'Shop', {
      name: 'shop',
      mesh: f.mesh,
      prometheus: MeshPeer.serviceAccount('monitoring', 'prometheus', { podLabels: { 'app.kubernetes.io/name': 'prometheus' } }),
      externalNamespaces: ['monitoring'],
    });
    new PrometheusScraping(f.chart, 'Scrape', { mesh: f.mesh, namespaces: ['shop'] });

    // WHEN
    const objects = synthAll(f.app);

    // THEN
    const policy = find(objects, 'NetworkPolicy', 'allow-metrics-scrape', 'shop');
    const admitted = policy.spec.ingress.flatMap((rule: any) => rule.ports.map((p: any) => p.port));
    const pm = find(objects, 'PodMonitor', 'istio-proxies');
    expect(admitted).toEqual([scrapedPort(pm)]);
    expect(pm.spec.namespaceSelector.matchNames).toContain('shop');
  });

  test('a ServiceMonitor scrapes istiod on http-monitoring (15014), selected by app and revision', () => {
    // WHEN
    const { chart, scrape } = scraping();

    // THEN
    const sm = find(Testing.synth(chart), 'ServiceMonitor', 'istiod', 'istio-system');
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.spec).toEqual({
      selector: { matchLabels: { 'app': 'istiod', 'istio.io/rev': 'default' } },
      namespaceSelector: { matchNames: ['istio-system'] },
      endpoints: [{ port: 'http-monitoring' }],
    });
    expect(scrape.istiodServiceMonitor).toBeDefined();
  });

  test("the ServiceMonitor selects the installation's istiod Service", () => {
    // GIVEN
    const f = installedMesh({}, { revision: 'canary' });
    new PrometheusScraping(f.chart, 'Scrape', { mesh: f.mesh });

    // WHEN
    const objects = synthAll(f.app);

    // THEN
    const sm = find(objects, 'ServiceMonitor', 'istiod-canary');
    const service = find(objects, 'Service', 'istiod-canary', 'istio-system');
    expect(Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => service.metadata.labels[k] === v)).toBe(true);
    expect(service.spec.ports.find((p: any) => p.name === sm.spec.endpoints[0].port).port).toBe(PrometheusScraping.ISTIOD_METRICS_PORT);
  });

  test('namespaces, monitor namespace, monitor labels and interval', () => {
    // WHEN
    const { chart, scrape } = scraping({
      namespaces: ['shop', 'payments'],
      monitorNamespace: 'monitoring',
      monitorLabels: { release: 'kube-prometheus-stack' },
      interval: '30s',
    });

    // THEN
    const objects = Testing.synth(chart);
    const pm = find(objects, 'PodMonitor', 'istio-proxies', 'monitoring');
    const sm = find(objects, 'ServiceMonitor', 'istiod', 'monitoring');
    expect(pm.spec.namespaceSelector).toEqual({ matchNames: ['istio-system', 'shop', 'payments'] });
    expect(scrape.namespaces).toEqual(['istio-system', 'shop', 'payments']);
    expect(pm.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(sm.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(pm.spec.podMetricsEndpoints[0].interval).toBe('30s');
    expect(sm.spec.endpoints[0].interval).toBe('30s');
  });

  test('scrapeIstiod: false emits the PodMonitor only', () => {
    // WHEN
    const { chart, scrape } = scraping({ scrapeIstiod: false });

    // THEN
    expect(ofKind(Testing.synth(chart), 'ServiceMonitor')).toEqual([]);
    expect(ofKind(Testing.synth(chart), 'PodMonitor')).toHaveLength(1);
    expect(scrape.istiodServiceMonitor).toBeUndefined();
  });

  test('in another chart than the mesh it adds no dependency', () => {
    // WHEN
    const { scrape } = scraping();

    // THEN
    expect(scrape.node.dependencies).toEqual([]);
  });
});

describe('annotation mode', () => {
  test('emits nothing: the injector annotates pods for metrics merging', () => {
    // GIVEN
    const f = installedMesh();

    // WHEN
    const scrape = new PrometheusScraping(f.chart, 'Scrape', { mesh: f.mesh, mode: PrometheusScrapeMode.ANNOTATIONS });

    // THEN
    expect(Testing.synth(f.chart)).toEqual([]);
    expect(scrape.podMonitor).toBeUndefined();
    // What the mode relies on: metrics merging on in the mesh config.
    const meshConfig = parse(find(Testing.synth(Chart.of(f.mesh)), 'ConfigMap', 'istio').data.mesh);
    expect(meshConfig.enablePrometheusMerge).toBe(true);
  });

  test.each(['namespaces', 'monitorNamespace', 'monitorLabels', 'interval', 'scrapeIstiod'] as const)('fails with the operator-only prop %s', (prop) => {
    const values = { namespaces: ['shop'], monitorNamespace: 'monitoring', monitorLabels: { a: 'b' }, interval: '15s', scrapeIstiod: true };
    expect(() => scraping({ mode: PrometheusScrapeMode.ANNOTATIONS, [prop]: values[prop] }))
      .toThrow(new RegExp(`^\\[apps/Scrape\\] '${prop}' has no effect with PrometheusScrapeMode.ANNOTATIONS \\(Prometheus reads the pod annotations\\); remove it, or use PrometheusScrapeMode.PROMETHEUS_OPERATOR$`));
  });
});

describe('validation', () => {
  test('fails with an empty, invalid or duplicate namespace list', () => {
    expect(() => scraping({ namespaces: [] }))
      .toThrow(/^\[apps\/Scrape\] 'namespaces' must not be empty; omit 'namespaces' to scrape proxies in every namespace$/);
    expect(() => scraping({ namespaces: ['Shop'] })).toThrow(/^\[apps\/Scrape\] 'namespaces\[0\]' must be a DNS-1123 label/);
    expect(() => scraping({ namespaces: ['shop', 'shop'] })).toThrow(/^\[apps\/Scrape\] 'namespaces' lists "shop" twice; remove the duplicate$/);
  });

  test('fails with an invalid monitor namespace or labels', () => {
    expect(() => scraping({ monitorNamespace: 'monitoring_ns' })).toThrow(/^\[apps\/Scrape\] 'monitorNamespace' must be a DNS-1123 label/);
    expect(() => scraping({ monitorLabels: {} }))
      .toThrow(/^\[apps\/Scrape\] 'monitorLabels' must not be empty; omit it when your Prometheus selects monitors without labels$/);
    expect(() => scraping({ monitorLabels: { release: 'not valid' } })).toThrow(/^\[apps\/Scrape\] 'monitorLabels' has an invalid value "not valid"/);
  });

  test.each(['15', '0s', '0', '1.5s', 'fast', ''])('fails with interval %p', (interval) => {
    expect(() => scraping({ interval }))
      .toThrow(new RegExp(`^\\[apps/Scrape\\] 'interval' must be a positive Prometheus duration such as "15s" or "1m", got "${interval.replace('.', '\\.')}"$`));
  });

  test.each(['15s', '1m30s', '500ms', '1h'])('accepts interval %p', (interval) => {
    expect(() => scraping({ interval })).not.toThrow();
  });

  test('fails with an unknown mode', () => {
    expect(() => scraping({ mode: 'PULL' as PrometheusScrapeMode }))
      .toThrow(/^\[apps\/Scrape\] 'mode' must be one of PrometheusScrapeMode.PROMETHEUS_OPERATOR, PrometheusScrapeMode.ANNOTATIONS, got "PULL"$/);
  });

  test('fails at synth when a listed ZeroTrustNamespace blocks scraping', () => {
    // GIVEN
    const f = fixture();
    new PrometheusScraping(f.chart, 'Scrape', { mesh: f.mesh, namespaces: ['vault'] });
    new ZeroTrustNamespace(f.chart, 'Vault', { name: 'vault', mesh: f.mesh, allowPrometheusScraping: false });

    // THEN
    expect(() => Testing.synth(f.chart))
      .toThrow(/\[apps\/Scrape\] 'namespaces' lists "vault", but the ZeroTrustNamespace apps\/Vault sets 'allowPrometheusScraping: false', so its NetworkPolicies block port 15020; allow scraping there or drop the namespace/);
  });
});
