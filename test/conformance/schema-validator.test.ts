import { spawnSync } from 'child_process';
import { kubernetesModelsAvailable } from '../../conformance/core-schemas';
import { istioctlManifest, VARIANTS } from '../../conformance/inject';
import { parseRequestUri } from '../../conformance/k8s-cel';
import { SchemaValidator } from '../../conformance/schema-validator';
import { indentQuotedContinuations } from '../../conformance/third-party-crds';
import { expectInjectionWorks, expectIstioctlAccepts, expectSchemaValid, findIstioctl } from '../helpers/conformance';

const validator = SchemaValidator.istio();

/** `field: message` of every problem found in one object. */
function problemsOf(obj: unknown): string[] {
  return validator.validateObject(obj).problems.map((p) => `${p.field ?? ''}: ${p.message}`);
}

function virtualService(http: unknown[]): Record<string, unknown> {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'shop' },
    spec: { hosts: ['reviews'], http },
  };
}

const VALID_ROUTE = { name: 'main', route: [{ destination: { host: 'reviews', port: { number: 9080 } }, weight: 100 }], timeout: '5s' };

describe('SchemaValidator: Istio kinds (CRD schema + CEL)', () => {
  test('a valid VirtualService passes', () => {
    const r = validator.validateObject(virtualService([VALID_ROUTE]));
    expect(r.validatedBy).toBe('crd');
    expect(r.problems).toEqual([]);
    expect(r.celEvaluated).toBeGreaterThan(0);
    expectSchemaValid([virtualService([VALID_ROUTE])]);
  });

  test('a wrong type fails, naming object and field', () => {
    const vs = virtualService([{ ...VALID_ROUTE, route: [{ destination: { host: 'reviews' }, weight: '100' }] }]);
    const r = validator.validateObject(vs, 'dist/examples/x/app.yaml');
    expect(r.problems).toEqual([{
      file: 'dist/examples/x/app.yaml',
      object: 'VirtualService shop/reviews',
      field: '.spec.http[main].route[0].weight',
      message: 'must be integer, got "100"',
    }]);
    expect(() => expectSchemaValid([vs])).toThrow(/VirtualService shop\/reviews \.spec\.http\[main\]\.route\[0\]\.weight: must be integer/);
  });

  test('a CEL rule violation fails (AuthorizationPolicy: serviceAccounts with principals)', () => {
    const policy = {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'deny', namespace: 'shop' },
      spec: { action: 'DENY', rules: [{ from: [{ source: { serviceAccounts: ['shop/web'], principals: ['cluster.local/ns/shop/sa/web'] } }] }] },
    };
    expect(problemsOf(policy)).toEqual([expect.stringMatching(/^\.spec\.rules\[0\]\.from\[0\]\.source: Cannot set serviceAccounts with namespaces or principals \(CEL: /)]);
  });

  test('a CEL rule violation fails (Sidecar: wildcard in workloadSelector)', () => {
    const sidecar = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Sidecar',
      metadata: { name: 'default', namespace: 'shop' },
      spec: { workloadSelector: { labels: { app: 'web-*' } }, egress: [{ hosts: ['./*'] }] },
    };
    expect(problemsOf(sidecar)).toEqual([expect.stringMatching(/^\.spec\.workloadSelector\.labels\.app: wildcard is not supported in selector/)]);
  });

  test('CEL rules using Kubernetes URL functions are evaluated (WasmPlugin url)', () => {
    const plugin = (url: string) => ({
      apiVersion: 'extensions.istio.io/v1alpha1', kind: 'WasmPlugin', metadata: { name: 'p', namespace: 'shop' }, spec: { url },
    });
    expect(problemsOf(plugin('oci://ghcr.io/acme/filter:1.0'))).toEqual([]);
    expect(problemsOf(plugin('ghcr.io/acme/filter:1.0'))).toEqual([]);
    expect(problemsOf(plugin('ftp://example.com/filter.wasm'))).toEqual([expect.stringMatching(/^\.spec\.url: url must have schema one of/)]);
  });

  test('unknown fields are errors (pruned by the API server, rejected by kubectl strict field validation)', () => {
    const vs = virtualService([{ ...VALID_ROUTE, retriez: { attempts: 3 } }]);
    expect(problemsOf(vs)).toEqual([expect.stringMatching(/^\.spec\.http\[main\]\.retriez: unknown field/)]);
    const top = { ...virtualService([VALID_ROUTE]), extra: true };
    expect(problemsOf(top)).toEqual([expect.stringMatching(/^\.extra: unknown field/)]);
  });

  test('x-kubernetes-preserve-unknown-fields keeps free-form fields valid (EnvoyFilter patch value)', () => {
    const filter = {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: { name: 'lua', namespace: 'shop' },
      spec: {
        configPatches: [{
          applyTo: 'HTTP_FILTER',
          match: { context: 'SIDECAR_INBOUND' },
          patch: { operation: 'INSERT_BEFORE', value: { name: 'envoy.lua', typed_config: { '@type': 'type.googleapis.com/x', 'anything': [1, 2] } } },
        }],
      },
    };
    expect(problemsOf(filter)).toEqual([]);
  });

  test('oneOf "at most one of" is explained with the fields set', () => {
    const vs = virtualService([{ ...VALID_ROUTE, match: [{ uri: { exact: '/a', prefix: '/b' } }] }]);
    expect(problemsOf(vs)).toEqual(['.spec.http[main].match[0].uri: at most one of exact, prefix, regex may be set (found exact, prefix)']);
  });

  test('x-kubernetes-list-type map: duplicate keys fail (ServiceEntry ports by name)', () => {
    const se = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'ext', namespace: 'shop' },
      spec: { hosts: ['api.example.com'], resolution: 'DNS', ports: [{ name: 'https', number: 443, protocol: 'TLS' }, { name: 'https', number: 8443 }] },
    };
    expect(problemsOf(se)).toEqual(['.spec.ports: duplicate entry ["https"]: items by ["name"] must be unique']);
  });

  test('null in a non-nullable field is pruned before validation, as the API server does', () => {
    expect(problemsOf(virtualService([{ ...VALID_ROUTE, retries: null }]))).toEqual([]);
  });

  test('an apiVersion the CRD does not serve fails', () => {
    expect(problemsOf({ ...virtualService([VALID_ROUTE]), apiVersion: 'networking.istio.io/v2' }))
      .toEqual([expect.stringMatching(/^\.apiVersion: VirtualService networking\.istio\.io\/v2 is not served by the CRD/)]);
  });

  test('every CEL rule of the Istio CRDs can be evaluated here (no unsupported function, no transition rule)', () => {
    const inv = validator.celInventory();
    expect(inv.rules).toBeGreaterThan(300);
    expect(inv.notEvaluable.map((i) => `${i.crd} ${i.schemaPath}: ${i.reason}`)).toEqual([]);
    expect(inv.transition).toEqual([]);
  });

  test('rules that cannot be evaluated are reported, not skipped', () => {
    const crd = {
      spec: {
        group: 'example.com',
        names: { kind: 'Widget' },
        versions: [{
          name: 'v1',
          served: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  'type': 'object',
                  'properties': { size: { type: 'string' }, mode: { type: 'string' } },
                  'x-kubernetes-validations': [
                    { rule: 'quantity(self.size).isGreaterThan(quantity("1Gi"))' },
                    { rule: 'self.mode == oldSelf.mode', message: 'mode is immutable' },
                    { rule: 'self.mode != "bad"', message: 'mode must not be bad' },
                  ],
                },
              },
            },
          },
        }],
      },
    };
    const v = new SchemaValidator([crd]);
    const r = v.validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: '2Gi', mode: 'bad' } });
    expect(r.celEvaluated).toBe(1);
    expect(r.problems.map((p) => `${p.field}: ${p.message}`)).toEqual(['.spec: mode must not be bad (CEL: self.mode != "bad")']);
    expect(r.celNotEvaluated.map((i) => i.reason)).toEqual([
      expect.stringMatching(/not available .*quantity/),
      'transition rule (reads oldSelf): not run on create',
    ]);
    expect(v.celInventory().notEvaluable).toHaveLength(1);
  });
});

describe('SchemaValidator: metadata and core kinds', () => {
  test('metadata rules apply to every object', () => {
    const vs = virtualService([VALID_ROUTE]);
    vs.metadata = { name: 'Reviews', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'not valid!' } };
    expect(problemsOf(vs)).toEqual([
      '.metadata.name: "Reviews" is not a DNS-1123 subdomain (lowercase alphanumerics, \'-\', \'.\')',
      '.metadata.labels["app.kubernetes.io/name"]: invalid label value "not valid!"',
    ]);
  });

  (kubernetesModelsAvailable() ? test : test.skip)('core kinds are validated with kubernetes-models 4.x', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        replicas: '2',
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx', resources: { limits: { cpu: 'lots' } } }] },
        },
      },
    };
    const r = validator.validateObject(deployment);
    expect(r.validatedBy).toBe('kubernetes-models');
    expect(r.problems.map((p) => `${p.field}: ${p.message}`).sort()).toEqual([
      '.spec.replicas: must be integer, got "2"',
      '.spec.template.spec.containers[web].resources.limits.cpu: matches none of the alternatives (must be number | must be a valid quantity), got "lots"',
    ]);
  });

  test('kinds without any schema are reported as not validated', () => {
    const r = validator.validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
    expect(r.validatedBy).toBe('none');
    expect(r.unvalidatedReason).toMatch(/no schema known for example.com\/v1 Widget/);
  });
});

describe('Kubernetes url() emulation (Go url.ParseRequestURI)', () => {
  test.each([
    ['https://example.com:8443/a?b=c', 'https', 'example.com', '8443'],
    ['/absolute/path', '', '', ''],
    ['localhost:5000/img', 'localhost', '', ''],
  ])('%s parses', (input, scheme, hostname, port) => {
    expect(parseRequestUri(input)).toMatchObject({ scheme, hostname, port });
  });

  test.each(['relative/path', 'http://a b', '#%blah$#@', 'http://ho%zzst/'])('%s does not parse', (input) => {
    expect(parseRequestUri(input)).toBeUndefined();
  });
});

/** Tests that need the real istioctl show as skipped until `npm run conformance` has built it. */
const withIstioctl = findIstioctl() ? test : test.skip;

describe('jest helpers', () => {
  withIstioctl('expectIstioctlAccepts accepts a valid object', () => {
    expectIstioctlAccepts([virtualService([VALID_ROUTE])]);
  });

  withIstioctl('expectIstioctlAccepts fails on an object istioctl rejects', () => {
    const bad = virtualService([{ ...VALID_ROUTE, route: [{ destination: { host: 'reviews' }, weight: 'x' }] }]);
    expect(() => expectIstioctlAccepts([bad])).toThrow(/VirtualService\/shop\/reviews/);
  });

  withIstioctl('expectInjectionWorks: istioctl\'s own injector ConfigMaps pass, a broken template fails', () => {
    const istioctl = findIstioctl()!;
    const docs = istioctlManifest({ repoRoot: '', istioctl, examplesDir: '' }, VARIANTS[0]) as Array<Record<string, any>>;
    expectInjectionWorks(docs);
    const injector = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'istio-sidecar-injector')!;
    injector.data.config = injector.data.config.replace(/security\.istio\.io\/tlsMode/g, 'example.com/tlsMode');
    expect(() => expectInjectionWorks(docs)).toThrow(/http-probes\.yaml Deployment http-probes \.spec\.template\.metadata\.labels\["security\.istio\.io\/tlsMode"\]/);
  }, 30_000);
});

describe('third-party CRDs (fetched with go mod download)', () => {
  const hasGo = spawnSync('go', ['version']).status === 0;
  (hasGo ? test : test.skip)('a PodMonitor is held to the Prometheus Operator schema', () => {
    const withCrds = SchemaValidator.withThirdParty();
    const podMonitor = (endpoint: Record<string, unknown>) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: 'envoy', namespace: 'istio-system' },
      spec: { selector: { matchLabels: { app: 'x' } }, podMetricsEndpoints: [endpoint] },
    });
    expect(withCrds.validateObject(podMonitor({ path: '/stats/prometheus', interval: '30s' })).problems).toEqual([]);
    const bad = withCrds.validateObject(podMonitor({ path: '/stats/prometheus', interval: 'often' }));
    expect(bad.validatedBy).toBe('crd');
    expect(bad.problems.map((p) => p.field)).toContain('.spec.podMetricsEndpoints[0].interval');
  }, 60_000);
});

describe('indentQuotedContinuations', () => {
  test('indents continuation lines of an unterminated single-quoted scalar, nothing else', () => {
    const text = [
      'a:',
      '  description: \'first line',
      "  second: line, it''s done'",
      '  type: string',
      '  other: \'closed\'',
    ].join('\n');
    expect(indentQuotedContinuations(text)).toBe([
      'a:',
      '  description: \'first line',
      "    second: line, it''s done'",
      '  type: string',
      '  other: \'closed\'',
    ].join('\n'));
  });
});
