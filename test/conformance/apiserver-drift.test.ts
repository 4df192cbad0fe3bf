import { brief, compareStored, parseDiffObjects, parseQuantity, sameQuantity } from '../../conformance/apiserver/drift';
import { K8sObject } from '../../conformance/manifests';

/** A Deployment as we send it; `patch` edits it. */
function sentDeployment(patch: (d: any) => void = () => undefined): K8sObject {
  const d: any = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'istiod', namespace: 'istio-system', labels: { 'app': 'istiod', 'istio.io/rev': 'default' } },
    spec: {
      selector: { matchLabels: { app: 'istiod' } },
      template: {
        metadata: { labels: { app: 'istiod' } },
        spec: {
          containers: [{ name: 'discovery', image: 'pilot:1.30.3', resources: { requests: { cpu: '500m', memory: '2048Mi' } } }],
        },
      },
    },
  };
  patch(d);
  return d;
}

/** What the server stores for it: ours plus the fields it adds. */
function storedDeployment(patch: (d: any) => void = () => undefined): K8sObject {
  const d: any = sentDeployment();
  d.metadata = { ...d.metadata, uid: 'u-1', resourceVersion: '42', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [{ manager: 'cdk8s-istio' }] };
  d.spec.replicas = 1;
  d.spec.strategy = { type: 'RollingUpdate' };
  d.spec.template.spec.restartPolicy = 'Always';
  d.spec.template.spec.containers[0].terminationMessagePath = '/dev/termination-log';
  d.spec.template.spec.containers[0].resources.requests.memory = '2Gi';
  d.status = {};
  patch(d);
  return d;
}

describe('compareStored', () => {
  test('fields the server adds are ignored; a canonicalised quantity is flagged sameQuantity', () => {
    // GIVEN
    const sent = sentDeployment();
    const stored = storedDeployment();
    // WHEN
    const diffs = compareStored(sent, stored);
    // THEN
    expect(diffs).toEqual([{
      field: '.spec.template.spec.containers[discovery].resources.requests.memory',
      sent: '2048Mi',
      stored: '2Gi',
      sameQuantity: true,
    }]);
  });

  test('a value the server replaced is a difference, named by list item name and quoted key', () => {
    // GIVEN
    const stored = storedDeployment((d) => {
      d.spec.template.spec.containers[0].image = 'pilot:1.30.2';
      d.metadata.labels['istio.io/rev'] = 'canary';
    });
    // WHEN
    const diffs = compareStored(sentDeployment(), stored).filter((d) => !d.sameQuantity);
    // THEN
    expect(diffs).toEqual([
      { field: '.metadata.labels["istio.io/rev"]', sent: 'default', stored: 'canary' },
      { field: '.spec.template.spec.containers[discovery].image', sent: 'pilot:1.30.3', stored: 'pilot:1.30.2' },
    ]);
  });

  test('a namespace sent on a cluster-scoped object and dropped by the server is a difference', () => {
    // GIVEN
    const sent: K8sObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', namespace: 'istio-system' }, rules: [] };
    const stored: K8sObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', uid: 'x' } };
    // THEN
    expect(compareStored(sent, stored)).toEqual([{ field: '.metadata.namespace', sent: 'istio-system', stored: undefined }]);
  });

  test('null and empty values we send count as absent; status is not ours', () => {
    // GIVEN
    const sent: K8sObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'n', annotations: {}, labels: null as any },
      data: { a: '1', b: '' },
      status: { phase: 'x' },
    };
    const stored: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { a: '1' } };
    // THEN
    expect(compareStored(sent, stored)).toEqual([]);
  });

  test('a list of another length, and an item missing from a list, are differences', () => {
    // GIVEN
    const sent: K8sObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ name: 'a', port: 1 }, { name: 'b', port: 2 }] } };
    const stored: K8sObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ name: 'a', port: 1, protocol: 'TCP' }] } };
    // WHEN
    const diffs = compareStored(sent, stored);
    // THEN
    expect(diffs.map((d) => d.field)).toEqual(['.spec.ports']);
  });

  test('a number stored as another number is a difference unless it is the same quantity', () => {
    const sent: K8sObject = { apiVersion: 'v1', kind: 'X', metadata: { name: 'x' }, spec: { replicas: 2, cpu: 1 } };
    const stored: K8sObject = { apiVersion: 'v1', kind: 'X', metadata: { name: 'x' }, spec: { replicas: 3, cpu: '1000m' } };
    expect(compareStored(sent, stored)).toEqual([
      { field: '.spec.replicas', sent: 2, stored: 3 },
      { field: '.spec.cpu', sent: 1, stored: '1000m', sameQuantity: true },
    ]);
  });
});

describe('quantities', () => {
  test.each([
    ['2048Mi', '2Gi'],
    ['2000m', '2'],
    ['1024Mi', '1Gi'],
    ['0.5', '500m'],
    ['1e3', '1k'],
    ['1.5Gi', '1536Mi'],
    ['100n', '0.0000001'],
  ])('%s equals %s', (a, b) => {
    expect(sameQuantity(a, b)).toBe(true);
  });

  test.each([
    ['1Gi', '1G'],
    ['100m', '10m'],
    ['2', '2Ki'],
  ])('%s does not equal %s', (a, b) => {
    expect(sameQuantity(a, b)).toBe(false);
  });

  test('text that is no quantity is not parsed', () => {
    expect(parseQuantity('abc')).toBeUndefined();
    expect(parseQuantity('1Gb')).toBeUndefined();
    expect(parseQuantity('')).toBeUndefined();
    expect(sameQuantity('istiod', 'istiod')).toBe(false);
    expect(sameQuantity(true, true)).toBe(false);
  });

  test('signs and fractions are exact', () => {
    expect(parseQuantity('-1.25k')).toEqual({ num: -125000n, den: 100n });
  });
});

describe('parseDiffObjects', () => {
  test('names namespaced and cluster-scoped objects from kubectl diff headers', () => {
    // GIVEN
    const output = [
      'diff -u -N /tmp/LIVE-1/apps.v1.Deployment.istio-system.istiod /tmp/MERGED-2/apps.v1.Deployment.istio-system.istiod',
      '--- /tmp/LIVE-1/apps.v1.Deployment.istio-system.istiod\t2026-01-01',
      '+++ /tmp/MERGED-2/apps.v1.Deployment.istio-system.istiod\t2026-01-01',
      '@@ -1,3 +1,3 @@',
      '-  replicas: 1',
      '+  replicas: 2',
      'diff -u -N /tmp/LIVE-1/apiextensions.k8s.io.v1.CustomResourceDefinition..gateways.networking.istio.io /tmp/MERGED-2/apiextensions.k8s.io.v1.CustomResourceDefinition..gateways.networking.istio.io',
      'diff -u -N /tmp/LIVE-1/v1.ConfigMap.istio-system.istio /tmp/MERGED-2/v1.ConfigMap.istio-system.istio',
      'diff -u -N /tmp/LIVE-1/autoscaling.v2beta2.HorizontalPodAutoscaler.istio-system.istiod /tmp/MERGED-2/autoscaling.v2beta2.HorizontalPodAutoscaler.istio-system.istiod',
    ].join('\n');
    // THEN
    expect(parseDiffObjects(output)).toEqual([
      'Deployment istio-system/istiod',
      'CustomResourceDefinition gateways.networking.istio.io',
      'ConfigMap istio-system/istio',
      'HorizontalPodAutoscaler istio-system/istiod',
    ]);
  });

  test('no diff output, no objects', () => {
    expect(parseDiffObjects('')).toEqual([]);
  });
});

test('brief shortens long values and names missing ones', () => {
  expect(brief(undefined)).toBe('nothing');
  expect(brief('2Gi')).toBe('"2Gi"');
  expect(brief('x'.repeat(500), 20)).toHaveLength(20);
});
