import { Chart, Testing } from 'cdk8s';
import { testContext } from './context-fixture';
import { MeshProfile } from '../../lib/mesh-profile';
import { renderCni } from '../../lib/private/install/cni';
import { InstallContext } from '../../lib/private/install/context';

function synth(overrides: Partial<InstallContext> = {}): any[] {
  const chart = new Chart(Testing.app(), 'test');
  renderCni(chart, testContext({ cni: true, ...overrides }));
  return Testing.synth(chart);
}

function find(objects: any[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in [${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}]`);
  return found;
}

const agent = (daemonSet: any) => daemonSet.spec.template.spec.containers.find((c: any) => c.name === 'install-cni');

test('no objects when cni is off', () => {
  // GIVEN
  const overrides = { cni: false };

  // WHEN
  const objects = synth(overrides);

  // THEN
  expect(objects).toEqual([]);
});

test('emits the node agent with its ServiceAccount, ConfigMap and RBAC', () => {
  // GIVEN
  const overrides = {};

  // WHEN
  const objects = synth(overrides);

  // THEN
  expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
    'ClusterRole/istio-cni',
    'ClusterRole/istio-cni-repair-role',
    'ClusterRoleBinding/istio-cni',
    'ClusterRoleBinding/istio-cni-repair-rolebinding',
    'ConfigMap/istio-cni-config',
    'DaemonSet/istio-cni-node',
    'ServiceAccount/istio-cni',
  ]);
  expect(find(objects, 'ClusterRole', 'istio-cni').metadata.namespace).toBeUndefined();
  expect(find(objects, 'DaemonSet', 'istio-cni-node').metadata.namespace).toBe('istio-system');
});

test('DaemonSet selector matches its pod labels', () => {
  // GIVEN
  const objects = synth();

  // WHEN
  const daemonSet = find(objects, 'DaemonSet', 'istio-cni-node');

  // THEN
  expect(daemonSet.spec.selector.matchLabels).toEqual({ 'k8s-app': 'istio-cni-node' });
  expect(daemonSet.spec.template.metadata.labels).toEqual(expect.objectContaining(daemonSet.spec.selector.matchLabels));
  expect(daemonSet.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
  expect(daemonSet.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
});

test('agent runs as root with exactly the capabilities it needs, unprivileged', () => {
  // GIVEN
  const objects = synth();

  // WHEN
  const container = agent(find(objects, 'DaemonSet', 'istio-cni-node'));

  // THEN
  expect(container.securityContext).toEqual({
    privileged: false,
    runAsUser: 0,
    runAsGroup: 0,
    runAsNonRoot: false,
    capabilities: { add: ['NET_ADMIN', 'NET_RAW', 'SYS_PTRACE', 'SYS_ADMIN', 'DAC_OVERRIDE'], drop: ['ALL'] },
  });
});

test('agent container: image, command, config, probe, host paths', () => {
  // GIVEN
  const objects = synth();

  // WHEN
  const daemonSet = find(objects, 'DaemonSet', 'istio-cni-node');
  const pod = daemonSet.spec.template.spec;
  const container = agent(daemonSet);

  // THEN
  expect(container.image).toBe('registry.istio.io/release/install-cni:1.30.3');
  expect(container.command).toEqual(['install-cni']);
  expect(container.envFrom).toEqual([{ configMapRef: { name: 'istio-cni-config' } }]);
  expect(container.readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 8000 } });
  expect(container.ports).toEqual([{ containerPort: 15014, name: 'metrics', protocol: 'TCP' }]);
  expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '100Mi' } });
  expect(pod.serviceAccountName).toBe('istio-cni');
  expect(pod.priorityClassName).toBe('system-node-critical');
  expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
  const hostPaths = Object.fromEntries(pod.volumes.map((v: any) => [v.name, v.hostPath.path]));
  expect(hostPaths).toEqual({
    'cni-bin-dir': '/opt/cni/bin',
    'cni-host-procfs': '/proc',
    'cni-net-dir': '/etc/cni/net.d',
    'cni-socket-dir': '/var/run/istio-cni',
    'cni-netns-dir': '/var/run/netns',
  });
  expect(container.volumeMounts.find((m: any) => m.name === 'cni-host-procfs')).toEqual({ name: 'cni-host-procfs', mountPath: '/host/proc', readOnly: true });
});

test('ConfigMap runs the agent chained, with repair via the istio-validation init container', () => {
  // GIVEN
  const overrides = { tag: '9.9.9' };

  // WHEN
  const data = find(synth(overrides), 'ConfigMap', 'istio-cni-config').data;

  // THEN
  expect(data).toEqual(expect.objectContaining({
    CHAINED_CNI_PLUGIN: 'true',
    AMBIENT_ENABLED: 'false',
    EXCLUDE_NAMESPACES: 'kube-system',
    REPAIR_ENABLED: 'true',
    REPAIR_INIT_CONTAINER_NAME: 'istio-validation',
    CURRENT_AGENT_VERSION: '9.9.9',
  }));
});

test('RBAC binds both ClusterRoles to the istio-cni ServiceAccount in the control plane namespace', () => {
  // GIVEN
  const overrides = { namespace: 'mesh-system' };

  // WHEN
  const objects = synth(overrides);

  // THEN
  expect(find(objects, 'ClusterRole', 'istio-cni').rules).toEqual([
    { apiGroups: [''], resources: ['pods', 'nodes', 'namespaces'], verbs: ['get', 'list', 'watch'] },
  ]);
  expect(find(objects, 'ClusterRole', 'istio-cni-repair-role').rules).toEqual([
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['watch', 'get', 'list'] },
  ]);
  for (const [name, role] of [['istio-cni', 'istio-cni'], ['istio-cni-repair-rolebinding', 'istio-cni-repair-role']]) {
    const binding = find(objects, 'ClusterRoleBinding', name);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'istio-cni', namespace: 'mesh-system' }]);
  }
});

test('demo profile shrinks the agent requests; revision labels the objects', () => {
  // GIVEN
  const overrides = { profile: MeshProfile.DEMO, revision: 'canary', revisionLabel: 'canary', revSuffix: '-canary' };

  // WHEN
  const daemonSet = find(synth(overrides), 'DaemonSet', 'istio-cni-node');

  // THEN
  expect(agent(daemonSet).resources).toEqual({ requests: { cpu: '10m', memory: '40Mi' } });
  expect(daemonSet.metadata.labels['istio.io/rev']).toBe('canary');
});
