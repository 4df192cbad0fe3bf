import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Allowlist, globMatch } from '../../conformance/allowlist';
import { K8sObject, parseManifests } from '../../conformance/manifests';
import { normaliseObject, rbacGrants, TEMPLATE_PLACEHOLDER } from '../../conformance/normalise';
import { diffValues } from '../../conformance/object-diff';
import { applyAllowlist, compareManifests, ClassifiedDiff, runParityChecks, summarise } from '../../conformance/parity';
import { failingCategory } from '../../conformance/parity-rules';
import { formatFailure, summaryTable } from '../../conformance/report';

/** A small istiod-like Deployment; `patch` edits a deep copy. */
function deployment(patch: (d: any) => void = () => undefined): K8sObject {
  const d: any = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'istiod', namespace: 'istio-system', labels: { 'app': 'istiod', 'helm.sh/chart': 'istiod-1.0.0', 'release': 'istio' } },
    spec: {
      selector: { matchLabels: { istio: 'pilot' } },
      template: {
        metadata: { labels: { 'istio': 'pilot', 'operator.istio.io/component': 'Pilot' } },
        spec: {
          containers: [{
            name: 'discovery',
            image: 'registry.istio.io/release/pilot:1.30.3',
            args: ['discovery', '--monitoringAddr=:15014'],
            ports: [{ name: 'http-debug', containerPort: 8080 }, { name: 'grpc-xds', containerPort: 15010 }],
            env: [{ name: 'REVISION', value: 'default' }, { name: 'PILOT_CERT_PROVIDER', value: 'istiod' }],
          }],
        },
      },
    },
  };
  patch(d);
  return d;
}

function meshConfigMap(mesh: string, name = 'istio'): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'istio-system' }, data: { mesh, meshNetworks: 'networks: {}' } };
}

function diffsOf(ref: K8sObject, ours: K8sObject): ClassifiedDiff[] {
  return compareManifests([ref], [ours]).flatMap((c) => c.diffs);
}

describe('normalisation', () => {
  test('drops installer labels from the object and its pod template, keeps selectors', () => {
    const n = normaliseObject(deployment()) as any;
    expect(n.metadata.labels).toEqual({ app: 'istiod' });
    expect(n.spec.template.metadata.labels).toEqual({ istio: 'pilot' });
    expect(n.spec.selector).toEqual({ matchLabels: { istio: 'pilot' } });
  });

  test('ours with other installer labels compares equal', () => {
    const ours = deployment((d) => {
      d.metadata.labels = { 'app': 'istiod', 'app.kubernetes.io/managed-by': 'cdk8s-istio', 'app.kubernetes.io/version': '1.30.3' };
      d.spec.template.metadata.labels = { istio: 'pilot' };
    });
    expect(diffsOf(deployment(), ours)).toEqual([]);
  });

  test('embedded YAML and JSON documents in ConfigMap data are parsed before comparing', () => {
    const yamlText = 'trustDomain: cluster.local\ndefaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\n';
    const jsonText = JSON.stringify({ defaultConfig: { discoveryAddress: 'istiod.istio-system.svc:15012' }, trustDomain: 'cluster.local' });
    expect(diffsOf(meshConfigMap(yamlText), meshConfigMap(jsonText))).toEqual([]);
  });

  test('injector template texts are not compared, template names are: a template missing or extra fails', () => {
    const injector = (templates: Record<string, string>): K8sObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio-sidecar-injector', namespace: 'istio-system' },
      data: { values: '{"global":{"hub":"registry.istio.io/release"}}', config: `policy: enabled\ntemplates: ${JSON.stringify(templates)}\n` },
    });
    const diffs = diffsOf(injector({ 'sidecar': 'theirs', 'gateway': 'theirs', 'grpc-agent': 'x' }), injector({ sidecar: 'ours', gateway: 'ours' }));
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatchObject({ path: '.data.config.templates.grpc-agent', kind: 'missing', reference: TEMPLATE_PLACEHOLDER });
    expect(diffs[0].category).toBe('injection templates');
    const extra = diffsOf(injector({ sidecar: 'theirs' }), injector({ 'sidecar': 'ours', 'kube-gateway': 'ours' }));
    expect(extra.map((d) => [d.path, d.kind, d.category])).toEqual([['.data.config.templates.kube-gateway', 'extra', 'injection templates']]);
    expect(diffsOf(injector({ 'sidecar': 'a', 'kube-gateway': 'b' }), injector({ 'sidecar': 'c', 'kube-gateway': 'd' }))).toEqual([]);
  });

  test('injector config keys other than templates and values are compared', () => {
    const injector = (policy: string): K8sObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio-sidecar-injector', namespace: 'istio-system' },
      data: { values: '{"global":{"hub":"x"}}', config: `policy: ${policy}\ntemplates: {sidecar: a}\n` },
    });
    expect(diffsOf(injector('enabled'), injector('disabled')).map((d) => d.path)).toEqual(['.data.config.policy']);
  });

  test('RBAC rules become grants, so splitting rules differently is no difference', () => {
    const a = rbacGrants([{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list'] }]);
    const b = rbacGrants([
      { apiGroups: [''], resources: ['services'], verbs: ['list', 'get'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    ]);
    expect(a).toEqual({ 'core/pods': ['get', 'list'], 'core/services': ['get', 'list'] });
    expect(b).toEqual(a);
  });

  test('empty maps, empty lists and nulls count as absent', () => {
    const ours = deployment((d) => {
      d.spec.template.spec.securityContext = {};
      d.spec.template.spec.tolerations = [];
      d.spec.template.spec.nodeSelector = null;
    });
    expect(diffsOf(deployment(), ours)).toEqual([]);
  });
});

describe('diff', () => {
  test('list items are matched by name: reordering is no difference', () => {
    const ours = deployment((d) => {
      const c = d.spec.template.spec.containers[0];
      c.env.reverse();
      c.ports.reverse();
    });
    expect(diffsOf(deployment(), ours)).toEqual([]);
  });

  test('a missing env variable fails, named by container and variable', () => {
    const ours = deployment((d) => {
      d.spec.template.spec.containers[0].env = [{ name: 'REVISION', value: 'default' }];
    });
    const diffs = diffsOf(deployment(), ours);
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatchObject({
      path: '.spec.template.spec.containers[discovery].env[PILOT_CERT_PROVIDER]',
      kind: 'missing',
      category: 'env names',
      object: 'Deployment istio-system/istiod',
    });
  });

  test('an env value difference is informational', () => {
    const ours = deployment((d) => {
      d.spec.template.spec.containers[0].env[1].value = 'kubernetes';
    });
    const [diff] = diffsOf(deployment(), ours);
    expect(diff).toMatchObject({ path: '.spec.template.spec.containers[discovery].env[PILOT_CERT_PROVIDER].value', kind: 'changed' });
    expect(diff.category).toBeUndefined();
  });

  test('image, args and ports differences fail', () => {
    const ours = deployment((d) => {
      const c = d.spec.template.spec.containers[0];
      c.image = 'docker.io/istio/pilot:1.30.3';
      c.args = ['discovery', '--monitoringAddr=:9999'];
      c.ports = [{ name: 'http-debug', containerPort: 8081 }];
    });
    const got = diffsOf(deployment(), ours).map((d) => [d.path, d.kind, d.category]);
    const c = '.spec.template.spec.containers[discovery]';
    expect(got).toEqual(expect.arrayContaining([
      [`${c}.image`, 'changed', 'container image'],
      [`${c}.args[=--monitoringAddr=:15014]`, 'missing', 'container args'],
      [`${c}.args[=--monitoringAddr=:9999]`, 'extra', 'container args'],
      [`${c}.ports[http-debug].containerPort`, 'changed', 'container ports'],
      [`${c}.ports[grpc-xds]`, 'missing', 'container ports'],
    ]));
    expect(got).toHaveLength(5);
  });

  test('args in another order fail, other scalar lists compare as sets', () => {
    const ours = deployment((d) => {
      d.spec.template.spec.containers[0].args.reverse();
    });
    expect(diffsOf(deployment(), ours)).toMatchObject([{ path: '.spec.template.spec.containers[discovery].args', kind: 'order', category: 'container args' }]);
    expect(diffValues({ verbs: ['get', 'list'] }, { verbs: ['list', 'get'] })).toEqual([]);
  });

  test('keyless lists of maps compare as multisets', () => {
    const sel = (keys: string[]) => ({ matchExpressions: keys.map((k) => ({ key: k, operator: 'DoesNotExist' })) });
    expect(diffValues(sel(['a', 'b']), sel(['b', 'a']))).toEqual([]);
    expect(diffValues({ l: [{ a: 1 }, { b: 2 }] }, { l: [{ b: 2 }, { a: 1 }] })).toEqual([]);
    expect(diffValues({ l: [{ a: 1 }, { b: 2 }] }, { l: [{ a: 1 }] })).toEqual([{ path: '.l[1]', kind: 'missing', reference: { b: 2 } }]);
  });

  test('map keys with dots are quoted in paths', () => {
    expect(diffValues({ labels: { 'istio.io/rev': 'default' } }, { labels: {} })).toEqual([
      { path: '.labels["istio.io/rev"]', kind: 'missing', reference: 'default' },
    ]);
  });
});

describe('failing categories', () => {
  const webhookConfig = (failurePolicy: string, rev = 'default'): K8sObject => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'istio-sidecar-injector', labels: { 'istio.io/rev': rev, 'app': 'sidecar-injector' } },
    webhooks: [{
      name: 'rev.namespace.sidecar-injector.istio.io',
      failurePolicy,
      sideEffects: 'None',
      clientConfig: { service: { name: 'istiod', namespace: 'istio-system', path: '/inject', port: 443 } },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    }],
  });

  test('webhook failurePolicy, service path and the istio.io/rev label fail; sideEffects does not', () => {
    const ours = webhookConfig('Ignore', 'canary') as any;
    ours.webhooks[0].clientConfig.service.path = '/validate';
    ours.webhooks[0].sideEffects = 'NoneOnDryRun';
    const got = diffsOf(webhookConfig('Fail'), ours).map((d) => [d.path, d.category]);
    const w = '.webhooks[rev.namespace.sidecar-injector.istio.io]';
    expect(got).toEqual(expect.arrayContaining([
      ['.metadata.labels["istio.io/rev"]', 'webhooks'],
      [`${w}.failurePolicy`, 'webhooks'],
      [`${w}.clientConfig.service.path`, 'webhooks'],
      [`${w}.sideEffects`, undefined],
    ]));
    expect(got).toHaveLength(4);
  });

  test('a missing RBAC verb fails', () => {
    const role = (verbs: string[]): K8sObject => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'istiod' },
      rules: [{ apiGroups: ['networking.istio.io'], resources: ['gateways'], verbs }],
    });
    expect(diffsOf(role(['get', 'watch']), role(['get']))).toMatchObject([
      { path: '.rules["networking.istio.io/gateways"][=watch]', kind: 'missing', category: 'RBAC rules' },
    ]);
  });

  test('Service ports fail, mesh config keys fail', () => {
    const svc = (port: number): K8sObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'istiod', namespace: 'istio-system' },
      spec: { ports: [{ name: 'grpc-xds', port, protocol: 'TCP' }], selector: { app: 'istiod' } },
    });
    expect(diffsOf(svc(15010), svc(15011))).toMatchObject([{ path: '.spec.ports[grpc-xds].port', category: 'Service ports' }]);
    expect(diffsOf(meshConfigMap('trustDomain: cluster.local'), meshConfigMap('trustDomain: example.org'))).toMatchObject([
      { path: '.data.mesh.trustDomain', kind: 'changed', category: 'mesh config' },
    ]);
  });

  test('missing objects fail, extra objects are informational', () => {
    const ns: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } };
    const comparisons = compareManifests([deployment(), meshConfigMap('a: 1')], [meshConfigMap('a: 1'), ns]);
    expect(comparisons.map((c) => [c.object, c.status])).toEqual([
      ['Deployment istio-system/istiod', 'missing'],
      ['ConfigMap istio-system/istio', 'matched'],
      ['Namespace istio-system', 'extra'],
    ]);
    expect(comparisons[0].diffs[0].category).toBe('missing object');
    expect(comparisons[2].diffs[0].category).toBeUndefined();
  });

  test('informational paths on other kinds', () => {
    expect(failingCategory('HorizontalPodAutoscaler', { path: '.spec.maxReplicas', kind: 'changed' })).toBeUndefined();
    expect(failingCategory('Deployment', { path: '.spec.replicas', kind: 'changed' })).toBeUndefined();
    expect(failingCategory('Deployment', { path: '.spec.selector.matchLabels.istio', kind: 'changed' })).toBe('selectors');
  });
});

describe('allowlist', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-test-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = (text: string): string => {
    const file = path.join(dir, 'allow.yaml');
    fs.writeFileSync(file, text);
    return file;
  };

  test('globs match any characters, the rest literally', () => {
    expect(globMatch('*env[PILOT_*]', '.spec.template.spec.containers[discovery].env[PILOT_CERT_PROVIDER]')).toBe(true);
    expect(globMatch('.data.mesh', '.data.mesh.trustDomain')).toBe(false);
    expect(globMatch('Deployment istio-system/*', 'Deployment istio-system/istiod')).toBe(true);
  });

  test('an entry covers matching differences and unused entries are reported', () => {
    const file = write([
      'entries:',
      '  - { variant: "*", object: Namespace istio-system, field: (object), reason: istioctl install creates it }',
      '  - { variant: demo, object: "Deployment *", field: "*.image", reason: other registry }',
    ].join('\n'));
    const allowlist = Allowlist.load(file, ['variant', 'object', 'field']);
    expect(allowlist.errors).toEqual([]);
    const ns: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } };
    const comparisons = compareManifests([], [ns]);
    applyAllowlist('default', comparisons, allowlist);
    expect(comparisons[0].diffs[0].allowlistedBy?.reason).toBe('istioctl install creates it');
    expect(summarise('default', comparisons)).toMatchObject({ extra: 1, informational: 0, allowlisted: 1 });
    const unused = allowlist.unusedFailures();
    expect(unused).toHaveLength(1);
    expect(unused[0].object).toBe('entry 2');
  });

  test('entries need a reason', () => {
    const allowlist = Allowlist.load(write('entries:\n  - { object: x, field: y }\n'), ['variant', 'object', 'field']);
    expect(allowlist.errors).toMatchObject([{ object: 'entry 1', field: 'reason' }]);
  });
});

describe('runParityChecks', () => {
  test('counts objects, names failures by file, object and field, and applies the allowlist', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-run-'));
    try {
      const allowlistFile = path.join(dir, 'allow.yaml');
      fs.writeFileSync(allowlistFile, 'entries:\n  - { variant: "*", object: Namespace istio-system, field: (object), reason: created by istioctl install }\n');
      const ns: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } };
      const ours = deployment((d) => {
        d.spec.template.spec.containers[0].image = 'example.com/pilot:1';
      });
      const result = await runParityChecks(
        { repoRoot: dir, istioctl: '/nonexistent', examplesDir: dir },
        {
          variants: [{ name: 'default', setFlags: [], props: { profile: 'default' } }],
          reference: () => [deployment(), meshConfigMap('a: 1')],
          ours: () => [ours, meshConfigMap('{"a": 1}'), ns],
          allowlistFile,
          outDir: path.join(dir, 'out'),
        },
      );
      expect(result).toMatchObject({ name: 'parity', items: 3, passed: 1, failed: 1, allowlisted: 1 });
      expect(result.failures.map(formatFailure)).toEqual([
        'out/default/ours.yaml [default] Deployment istio-system/istiod .spec.template.spec.containers[discovery].image: '
        + '[container image] istioctl "registry.istio.io/release/pilot:1.30.3", ours "example.com/pilot:1"',
      ]);
      expect(result.details?.[0]).toContain('default: objects matched 2/2 (missing 0, only in ours 1); differing fields: 1 failing, 0 informational, 1 allowlisted');
      expect(parseManifests(fs.readFileSync(path.join(dir, 'out', 'default', 'ours.yaml'), 'utf8'))).toHaveLength(3);
      expect(summaryTable([result])).toMatch(/parity\s+3\s+1\s+1\s+1\s+FAIL/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a side that cannot be produced fails the variant', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-run-'));
    try {
      const result = await runParityChecks(
        { repoRoot: dir, istioctl: '/nonexistent', examplesDir: dir },
        {
          variants: [{ name: 'minimal', setFlags: [], props: { profile: 'minimal' } }],
          reference: () => [],
          ours: () => {
            throw new Error('boom');
          },
          allowlistFile: path.join(dir, 'none.yaml'),
          outDir: path.join(dir, 'out'),
        },
      );
      expect(result.failed).toBe(1);
      expect(result.failures[0].message).toContain('boom');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
