import { Chart, Testing } from 'cdk8s';
import { testContext } from './context-fixture';
import { InstallContext } from '../../lib/private/install/context';
import { renderRbac } from '../../lib/private/install/rbac';

const CANARY: Partial<InstallContext> = { revision: 'canary', revSuffix: '-canary', revisionLabel: 'canary', istiodName: 'istiod-canary' };

function synth(overrides: Partial<InstallContext> = {}): any[] {
  const chart = new Chart(Testing.app(), 'test');
  renderRbac(chart, testContext(overrides));
  return Testing.synth(chart);
}

function find(objects: any[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in [${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}]`);
  return found;
}

/** The verbs of the one rule granting `resource` in `apiGroup`. */
function verbsFor(role: any, apiGroup: string, resource: string): string[] {
  const rules = role.rules.filter((r: any) => r.apiGroups.includes(apiGroup) && r.resources.includes(resource));
  expect(rules).toHaveLength(1);
  return rules[0].verbs;
}

test('default install names its objects after istiod and the namespace', () => {
  // GIVEN
  const overrides = {};

  // WHEN
  const objects = synth(overrides);

  // THEN
  expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
    'ClusterRole/istio-reader-clusterrole-istio-system',
    'ClusterRole/istiod-clusterrole-istio-system',
    'ClusterRole/istiod-gateway-controller-istio-system',
    'ClusterRoleBinding/istio-reader-clusterrole-istio-system',
    'ClusterRoleBinding/istiod-clusterrole-istio-system',
    'ClusterRoleBinding/istiod-gateway-controller-istio-system',
    'Role/istiod',
    'RoleBinding/istiod',
    'ServiceAccount/istio-reader-service-account',
    'ServiceAccount/istiod',
  ]);
  for (const o of objects) {
    const clusterScoped = o.kind.startsWith('Cluster');
    expect(o.metadata.namespace).toBe(clusterScoped ? undefined : 'istio-system');
  }
});

test('a revision suffixes istiod objects but keeps the one reader ServiceAccount', () => {
  // GIVEN
  const overrides = CANARY;

  // WHEN
  const objects = synth(overrides);

  // THEN
  expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
    'ClusterRole/istio-reader-clusterrole-canary-istio-system',
    'ClusterRole/istiod-clusterrole-canary-istio-system',
    'ClusterRole/istiod-gateway-controller-canary-istio-system',
    'ClusterRoleBinding/istio-reader-clusterrole-canary-istio-system',
    'ClusterRoleBinding/istiod-clusterrole-canary-istio-system',
    'ClusterRoleBinding/istiod-gateway-controller-canary-istio-system',
    'Role/istiod-canary',
    'RoleBinding/istiod-canary',
    'ServiceAccount/istio-reader-service-account',
    'ServiceAccount/istiod-canary',
  ]);
});

test.each([
  ['default', {}, 'istiod', '-mesh-system'],
  ['canary', CANARY, 'istiod-canary', '-canary-mesh-system'],
])('bindings of the %s install grant each role to the right ServiceAccount', (_name, overrides, istiodSa, clusterSuffix) => {
  // GIVEN
  const namespace = 'mesh-system';

  // WHEN
  const objects = synth({ ...overrides, namespace });

  // THEN
  for (const [role, sa] of [
    [`istiod-clusterrole${clusterSuffix}`, istiodSa],
    [`istiod-gateway-controller${clusterSuffix}`, istiodSa],
    [`istio-reader-clusterrole${clusterSuffix}`, 'istio-reader-service-account'],
  ]) {
    const binding = find(objects, 'ClusterRoleBinding', role);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace }]);
  }
  const roleBinding = find(objects, 'RoleBinding', istiodSa);
  expect(roleBinding.metadata.namespace).toBe(namespace);
  expect(roleBinding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: istiodSa });
  expect(roleBinding.subjects).toEqual([{ kind: 'ServiceAccount', name: istiodSa, namespace }]);
});

test('istiod may patch its webhooks, read secrets, review tokens and write Gateway API status', () => {
  // GIVEN
  const objects = synth();

  // WHEN
  const role = find(objects, 'ClusterRole', 'istiod-clusterrole-istio-system');

  // THEN
  const admission = 'admissionregistration.k8s.io';
  expect(verbsFor(role, admission, 'mutatingwebhookconfigurations')).toEqual(['get', 'list', 'watch', 'update', 'patch']);
  expect(verbsFor(role, admission, 'validatingwebhookconfigurations')).toEqual(['get', 'list', 'watch', 'update']);
  expect(verbsFor(role, '', 'secrets')).toEqual(['get', 'watch', 'list']);
  expect(verbsFor(role, 'authentication.k8s.io', 'tokenreviews')).toEqual(['create']);
  expect(verbsFor(role, 'authorization.k8s.io', 'subjectaccessreviews')).toEqual(['create']);
  for (const status of ['gatewayclasses/status', 'gateways/status', 'httproutes/status', 'grpcroutes/status', 'listenersets/status']) {
    expect(verbsFor(role, 'gateway.networking.k8s.io', status)).toEqual(['update', 'patch']);
  }
  expect(verbsFor(role, 'gateway.networking.k8s.io', 'gatewayclasses')).toEqual(['create', 'update', 'patch', 'delete']);
  expect(role.rules.some((r: any) => r.apiGroups.includes('certificates.k8s.io'))).toBe(false);
});

test('istiod may manage secrets and leader-election leases in its namespace only', () => {
  // GIVEN
  const objects = synth();

  // WHEN
  const role = find(objects, 'Role', 'istiod');

  // THEN
  expect(verbsFor(role, '', 'secrets')).toEqual(['create', 'get', 'watch', 'list', 'update', 'delete']);
  expect(verbsFor(role, 'coordination.k8s.io', 'leases')).toEqual(['get', 'update', 'patch', 'create']);
});

test('the gateway controller can manage what it deploys for Gateways', () => {
  // GIVEN
  const objects = synth();

  // WHEN
  const role = find(objects, 'ClusterRole', 'istiod-gateway-controller-istio-system');

  // THEN
  expect(role.rules.map((r: any) => `${r.apiGroups[0]}/${r.resources[0]}`)).toEqual([
    'apps/deployments',
    'autoscaling/horizontalpodautoscalers',
    'policy/poddisruptionbudgets',
    '/services',
    '/serviceaccounts',
  ]);
  expect(verbsFor(role, 'apps', 'deployments')).toEqual(['get', 'watch', 'list', 'update', 'patch', 'create', 'delete']);
});

test('the reader role is read-only apart from token reviews and service exports', () => {
  // GIVEN
  const objects = synth();

  // WHEN
  const role = find(objects, 'ClusterRole', 'istio-reader-clusterrole-istio-system');

  // THEN
  const writes = role.rules.filter((r: any) => r.verbs.some((v: string) => !['get', 'list', 'watch'].includes(v)));
  expect(writes.map((r: any) => r.resources).flat().sort()).toEqual(['serviceexports', 'subjectaccessreviews', 'tokenreviews']);
  expect(verbsFor(role, '', 'secrets')).toEqual(['get', 'list', 'watch']);
});

test('labels carry the functional app name but no revision or installer labels', () => {
  // GIVEN
  const objects = synth(CANARY);

  // WHEN
  const sa = find(objects, 'ServiceAccount', 'istiod-canary');
  const reader = find(objects, 'ClusterRole', 'istio-reader-clusterrole-canary-istio-system');

  // THEN
  expect(sa.metadata.labels).toMatchObject({ 'app': 'istiod', 'app.kubernetes.io/name': 'istiod' });
  expect(reader.metadata.labels).toMatchObject({ 'app': 'istio-reader', 'app.kubernetes.io/name': 'istio-reader' });
  for (const o of objects) {
    expect(Object.keys(o.metadata.labels)).not.toEqual(expect.arrayContaining(['istio.io/rev']));
    expect(Object.keys(o.metadata.labels)).not.toEqual(expect.arrayContaining(['helm.sh/chart']));
    expect(o.metadata.labels['app.kubernetes.io/managed-by']).not.toBe('Helm');
  }
});

test('istiod settings that change its permissions are followed', () => {
  // GIVEN
  const istiodEnv = {
    PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER: 'false',
    ENABLE_CLUSTER_TRUST_BUNDLE_API: 'true',
    MCS_API_GROUP: 'mcs.example.com',
  };

  // WHEN
  const objects = synth({ istiodEnv });

  // THEN
  expect(objects.filter((o) => o.metadata.name.startsWith('istiod-gateway-controller'))).toEqual([]);
  const role = find(objects, 'ClusterRole', 'istiod-clusterrole-istio-system');
  expect(verbsFor(role, 'certificates.k8s.io', 'clustertrustbundles')).toEqual(['update', 'create', 'delete', 'list', 'watch', 'get']);
  expect(verbsFor(role, 'mcs.example.com', 'serviceexports')).toEqual(['get', 'watch', 'list', 'create', 'delete']);
  const reader = find(objects, 'ClusterRole', 'istio-reader-clusterrole-istio-system');
  expect(verbsFor(reader, 'mcs.example.com', 'serviceimports')).toEqual(['get', 'list', 'watch']);
});
