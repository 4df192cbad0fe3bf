import { spawnSync } from 'child_process';
import { kubernetesModelsAvailable } from '../../conformance/core-schemas';
import { istioctlManifest, VARIANTS } from '../../conformance/inject';
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

// The CRD schema + CEL validation itself is tested in test/private/crd-validator.test.ts.
describe('SchemaValidator: Istio kinds (delegated to CrdValidator)', () => {
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

  test('CEL results and rules not evaluated are passed through, with the field', () => {
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
                  'properties': { mode: { type: 'string' } },
                  'x-kubernetes-validations': [
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
    const r = v.validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { mode: 'bad' } }, 'w.yaml');
    expect(r.validatedBy).toBe('crd');
    expect(r.celEvaluated).toBe(1);
    expect(r.problems).toEqual([{ file: 'w.yaml', object: 'Widget w', field: '.spec', message: 'mode must not be bad (CEL: self.mode != "bad")' }]);
    expect(r.celNotEvaluated.map((i) => `${i.field}: ${i.reason}`)).toEqual(['.spec: transition rule (reads oldSelf): not run on create']);
    expect(v.celInventory().transition).toHaveLength(1);
    expect(v.hasCrd('example.com/v1', 'Widget')).toBe(true);
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
