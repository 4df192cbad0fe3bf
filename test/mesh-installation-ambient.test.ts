import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { CertificateAuthority, ImagePullPolicy, MeshInstallation, MeshInstallationProps, MeshProfile, ZeroTrustNamespace } from '../lib';
import { Endpoint, networkAllows } from './helpers/netpol-evaluator';
import { podSecurityViolations } from './helpers/pod-security';

const PROFILES_DIR = path.resolve(__dirname, '..', '..', 'shared', 'istio', 'profiles');
const CSR = 'cert-manager-istio-csr.cert-manager.svc:443';

function synth(props: MeshInstallationProps = {}): any[] {
  const chart = new Chart(Testing.app(), 'test');
  new MeshInstallation(chart, 'Mesh', { profile: MeshProfile.AMBIENT, ...props });
  return Testing.synth(chart);
}

function find(objects: any[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in [${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}]`);
  return found;
}

const container = (workload: any, name: string) => workload.spec.template.spec.containers.find((c: any) => c.name === name);
/** Env as name → value (or the source of a valueFrom), in order. */
const envOf = (c: any) => c.env.map((e: any) => [e.name, e.value ?? JSON.stringify(e.valueFrom)]);
const envValue = (c: any, name: string) => c.env.find((e: any) => e.name === name)?.value;

describe('MeshProfile.AMBIENT object set', () => {
  test('equals istioctl manifest generate --set profile=ambient (44 objects) plus the istio-system Namespace', () => {
    // GIVEN
    const expected: any[] = JSON.parse(fs.readFileSync(path.join(PROFILES_DIR, 'ambient-objects.json'), 'utf8'));
    const key = (o: { apiVersion: string; kind: string; namespace?: string | null; name: string }) =>
      `${o.apiVersion} ${o.kind} ${o.namespace ?? '-'} ${o.name}`;

    // WHEN
    const objects = synth();

    // THEN
    const got = objects.map((o) => key({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name })).sort();
    expect(expected).toHaveLength(44);
    expect(got).toEqual([...expected.map(key), key({ apiVersion: 'v1', kind: 'Namespace', name: 'istio-system' })].sort());
  });

  test('the construct reports ambient and CNI on, and exposes both DaemonSets for patches', () => {
    // GIVEN
    const chart = new Chart(Testing.app(), 'test');

    // WHEN
    const ambient = new MeshInstallation(chart, 'Ambient', { profile: MeshProfile.AMBIENT });
    const sidecars = new MeshInstallation(new Chart(Testing.app(), 'other'), 'Mesh');

    // THEN
    expect([ambient.ambient, ambient.cni, ambient.tag]).toEqual([true, true, '1.30.3']);
    expect(ambient.ztunnelDaemonSet?.name).toBe('ztunnel');
    expect(ambient.cniDaemonSet?.name).toBe('istio-cni-node');
    expect([sidecars.ambient, sidecars.ztunnelDaemonSet, sidecars.cniDaemonSet]).toEqual([false, undefined, undefined]);
  });
});

describe('ztunnel', () => {
  test('DaemonSet: distroless image, in-pod mode, xDS and CA at istiod, HBONE, node-critical on every node', () => {
    // WHEN
    const objects = synth();

    // THEN
    const ds = find(objects, 'DaemonSet', 'ztunnel');
    const proxy = container(ds, 'istio-proxy');
    expect(proxy.image).toBe('registry.istio.io/release/ztunnel:1.30.3-distroless');
    expect(proxy.args).toEqual(['proxy', 'ztunnel']);
    expect(envOf(proxy)).toEqual([
      ['CA_ADDRESS', 'istiod.istio-system.svc:15012'],
      ['XDS_ADDRESS', 'istiod.istio-system.svc:15012'],
      ['RUST_LOG', 'info'],
      ['RUST_BACKTRACE', '1'],
      ['ISTIO_META_CLUSTER_ID', 'Kubernetes'],
      ['INPOD_ENABLED', 'true'],
      ['TERMINATION_GRACE_PERIOD_SECONDS', '30'],
      ['POD_NAME', '{"fieldRef":{"fieldPath":"metadata.name"}}'],
      ['POD_NAMESPACE', '{"fieldRef":{"fieldPath":"metadata.namespace"}}'],
      ['NODE_NAME', '{"fieldRef":{"fieldPath":"spec.nodeName"}}'],
      ['INSTANCE_IP', '{"fieldRef":{"fieldPath":"status.podIP"}}'],
      ['SERVICE_ACCOUNT', '{"fieldRef":{"fieldPath":"spec.serviceAccountName"}}'],
      ['ISTIO_META_ENABLE_HBONE', 'true'],
      ['ZTUNNEL_CPU_LIMIT', '{"resourceFieldRef":{"divisor":"1","resource":"limits.cpu"}}'],
    ]);
    expect(proxy.ports).toEqual([{ containerPort: 15020, name: 'ztunnel-stats', protocol: 'TCP' }]);
    expect(proxy.readinessProbe).toEqual({ httpGet: { path: '/healthz/ready', port: 15021 } });
    expect(proxy.resources).toEqual({ requests: { cpu: '200m', memory: '512Mi' } });
    const pod = ds.spec.template.spec;
    expect(pod.serviceAccountName).toBe('ztunnel');
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(pod.hostNetwork).toBeUndefined();
    expect(ds.spec.selector.matchLabels).toEqual({ app: 'ztunnel' });
    expect(ds.spec.template.metadata.labels).toMatchObject({ 'app': 'ztunnel', 'istio.io/dataplane-mode': 'none', 'sidecar.istio.io/inject': 'false' });
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(find(objects, 'ServiceAccount', 'ztunnel').metadata.namespace).toBe('istio-system');
  });

  test('follows the revision, the external CA, the network, the cluster name and the pull policy', () => {
    // WHEN
    const objects = synth({
      revision: 'canary',
      certificateAuthority: CertificateAuthority.external({ address: CSR }),
      network: 'net1',
      clusterName: 'eu-west',
      imagePullPolicy: ImagePullPolicy.ALWAYS,
    });

    // THEN
    const ds = find(objects, 'DaemonSet', 'ztunnel');
    const proxy = container(ds, 'istio-proxy');
    expect(envValue(proxy, 'XDS_ADDRESS')).toBe('istiod-canary.istio-system.svc:15012');
    expect(envValue(proxy, 'CA_ADDRESS')).toBe(CSR);
    expect(envValue(proxy, 'NETWORK')).toBe('net1');
    expect(proxy.env.map((e: any) => e.name).slice(0, 4)).toEqual(['CA_ADDRESS', 'XDS_ADDRESS', 'NETWORK', 'RUST_LOG']);
    expect(envValue(proxy, 'ISTIO_META_CLUSTER_ID')).toBe('eu-west');
    expect(proxy.imagePullPolicy).toBe('Always');
    // one ztunnel per node whatever the revision: the revision is an annotation, not the istio.io/rev label
    expect(ds.metadata.name).toBe('ztunnel');
    expect(ds.metadata.annotations).toEqual({ 'istio.io/rev': 'canary' });
    expect(ds.metadata.labels['istio.io/rev']).toBeUndefined();
  });

  test('istiod trusts the ztunnel ServiceAccount of its own namespace to ask for its pods\' certificates', () => {
    // WHEN
    const objects = synth({ namespace: 'mesh-system' });

    // THEN
    const istiod = container(find(objects, 'Deployment', 'istiod'), 'discovery');
    const sa = find(objects, 'ServiceAccount', 'ztunnel');
    expect(envValue(istiod, 'CA_TRUSTED_NODE_ACCOUNTS')).toBe(`${sa.metadata.namespace}/${sa.metadata.name}`);
    expect(find(objects, 'DaemonSet', 'ztunnel').spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
  });
});

describe('istio-cni in ambient mode', () => {
  test('the agent captures ambient pods: AMBIENT_ENABLED, its ambient ClusterRole, the netns and ztunnel socket mounts', () => {
    // WHEN
    const objects = synth();

    // THEN
    expect(find(objects, 'ConfigMap', 'istio-cni-config').data).toMatchObject({ AMBIENT_ENABLED: 'true', CHAINED_CNI_PLUGIN: 'true', CURRENT_AGENT_VERSION: '1.30.3' });
    expect(find(objects, 'ClusterRole', 'istio-cni-ambient').rules).toEqual([
      { apiGroups: [''], resources: ['pods/status'], verbs: ['patch', 'update'] },
      { apiGroups: ['apps'], resources: ['daemonsets'], resourceNames: ['istio-cni-node'], verbs: ['get'] },
    ]);
    const binding = find(objects, 'ClusterRoleBinding', 'istio-cni-ambient');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'istio-cni-ambient' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'istio-cni', namespace: 'istio-system' }]);
    const ds = find(objects, 'DaemonSet', 'istio-cni-node');
    const agent = container(ds, 'install-cni');
    expect(agent.image).toBe('registry.istio.io/release/install-cni:1.30.3-distroless');
    expect(agent.volumeMounts).toEqual(expect.arrayContaining([
      { name: 'cni-netns-dir', mountPath: '/host/var/run/netns', mountPropagation: 'HostToContainer' },
      { name: 'cni-ztunnel-sock-dir', mountPath: '/var/run/ztunnel' },
    ]));
    // ztunnel and the agent share the node's socket directory
    const socketDir = (d: any) => d.spec.template.spec.volumes.find((v: any) => v.name === 'cni-ztunnel-sock-dir').hostPath;
    expect(socketDir(ds)).toEqual({ path: '/var/run/ztunnel', type: 'DirectoryOrCreate' });
    expect(socketDir(find(objects, 'DaemonSet', 'ztunnel'))).toEqual(socketDir(ds));
  });

  test('sidecar mode (cni: true on another profile) keeps ambient off', () => {
    // WHEN
    const objects = synth({ profile: MeshProfile.DEFAULT, cni: true });

    // THEN
    expect(find(objects, 'ConfigMap', 'istio-cni-config').data.AMBIENT_ENABLED).toBe('false');
    expect(objects.filter((o) => o.metadata.name === 'istio-cni-ambient' || o.metadata.name === 'ztunnel')).toEqual([]);
    const agent = container(find(objects, 'DaemonSet', 'istio-cni-node'), 'install-cni');
    expect(agent.image).toBe('registry.istio.io/release/install-cni:1.30.3');
    expect(agent.volumeMounts.map((m: any) => m.name)).not.toContain('cni-ztunnel-sock-dir');
  });
});

describe('istiod, mesh config and injector in ambient mode', () => {
  test('istiod: PILOT_ENABLE_AMBIENT after the other pilot.env entries in name order, distroless image', () => {
    // WHEN
    const objects = synth({ certificateAuthority: CertificateAuthority.external({ address: CSR }), istiodEnv: { PILOT_X: '1' } });

    // THEN
    const istiod = container(find(objects, 'Deployment', 'istiod'), 'discovery');
    expect(istiod.image).toBe('registry.istio.io/release/pilot:1.30.3-distroless');
    const names = istiod.env.map((e: any) => e.name);
    expect(names.slice(names.indexOf('PLATFORM') + 1)).toEqual(['ENABLE_CA_SERVER', 'PILOT_ENABLE_AMBIENT', 'PILOT_X']);
    expect(envValue(istiod, 'PILOT_ENABLE_AMBIENT')).toBe('true');
    expect(envValue(container(find(synth({ profile: MeshProfile.DEFAULT }), 'Deployment', 'istiod'), 'discovery'), 'PILOT_ENABLE_AMBIENT')).toBeUndefined();
  });

  test('mesh config: distroless proxies that speak HBONE, global services by label; proxy metadata of yours kept', () => {
    // WHEN
    const objects = synth({ meshConfig: { defaultProxyConfig: { proxyMetadata: { ISTIO_META_DNS_CAPTURE: 'true' } } } });

    // THEN
    const mesh = parse(find(objects, 'ConfigMap', 'istio').data.mesh);
    expect(mesh.defaultConfig).toEqual({
      discoveryAddress: 'istiod.istio-system.svc:15012',
      image: { imageType: 'distroless' },
      proxyMetadata: { ISTIO_META_ENABLE_HBONE: 'true', ISTIO_META_DNS_CAPTURE: 'true' },
    });
    expect(mesh.serviceScopeConfigs).toEqual([{
      scope: 'GLOBAL',
      servicesSelector: { matchExpressions: [{ key: 'istio.io/global', operator: 'In', values: ['true'] }] },
    }]);
    const sidecarMesh = parse(find(synth({ profile: MeshProfile.MINIMAL }), 'ConfigMap', 'istio').data.mesh);
    expect(sidecarMesh.serviceScopeConfigs).toBeUndefined();
    expect(sidecarMesh.defaultConfig).toEqual({ discoveryAddress: 'istiod.istio-system.svc:15012' });
  });

  test('injector values: the distroless variant, CNI in ambient mode, istiod\'s ambient env', () => {
    // WHEN
    const values = JSON.parse(find(synth(), 'ConfigMap', 'istio-sidecar-injector').data.values);

    // THEN
    expect(values.global).toMatchObject({ tag: '1.30.3', variant: 'distroless' });
    expect(values.pilot).toEqual({ cni: { ambient: { enabled: true }, enabled: true, provider: 'default' }, env: { PILOT_ENABLE_AMBIENT: 'true' } });
  });
});

describe('ambient validation', () => {
  const fails = (props: any, message: string) => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new MeshInstallation(chart, 'Mesh', { profile: MeshProfile.AMBIENT, ...props })).toThrow(message);
  };

  test.each([
    [{ cni: false }, "[test/Mesh] 'cni' is false, but MeshProfile.AMBIENT needs the istio-cni node agent: it redirects the traffic of ambient pods " +
      "to ztunnel; omit 'cni' (the ambient profile installs the agent)"],
    [{ cni: 'true' }, "[test/Mesh] 'cni' must be a boolean, got \"true\" (string); e.g. cni: true"],
    [{ tag: '1.30.3-distroless' }, "[test/Mesh] 'tag' \"1.30.3-distroless\" names the \"distroless\" image variant, but MeshProfile.AMBIENT appends " +
      "its own (\"-distroless\", istioctl's global.variant), which would give \"1.30.3-distroless-distroless\"; set the version only, e.g. \"1.30.3\""],
    [{ tag: '1.30.2-debug' }, "'tag' \"1.30.2-debug\" names the \"debug\" image variant"],
    [{ istiodEnv: { PILOT_ENABLE_AMBIENT: 'false' } }, "[test/Mesh] 'istiodEnv.PILOT_ENABLE_AMBIENT' is \"false\", but MeshProfile.AMBIENT needs " +
      '"true" (istiod serves ztunnel and waypoints only then); remove it, the profile sets it'],
    [{ meshConfig: { defaultProxyConfig: { proxyMetadata: { ISTIO_META_ENABLE_HBONE: 'false' } } } },
      "[test/Mesh] 'meshConfig.defaultProxyConfig.proxyMetadata.ISTIO_META_ENABLE_HBONE' is \"false\", but MeshProfile.AMBIENT needs \"true\": " +
      'sidecars and gateways reach ambient pods only over HBONE; remove it, the profile sets it'],
    [{ certificateAuthority: CertificateAuthority.external({ address: 'ca.pki.example.com:443' }), networkPolicies: {} },
      "[test/Mesh] 'networkPolicies' cannot let ztunnel reach the external CA at \"ca.pki.example.com:443\": a NetworkPolicy names a Service " +
      'of the cluster or an IP address, not a DNS name outside the cluster; give the CA as "<service>.<namespace>.svc:<port>" or "<ip>:<port>", ' +
      "or omit 'networkPolicies'"],
  ])('%j fails', (props, message) => fails(props, message));

  test.each([
    [{ cni: true }],
    [{ tag: '1.30.2' }],
    [{ tag: 'my-build' }],
    [{ istiodEnv: { PILOT_ENABLE_AMBIENT: 'true' } }],
    [{ certificateAuthority: CertificateAuthority.external({ address: 'ca.pki.example.com:443' }) }],
  ])('%j is accepted', (props) => {
    expect(() => synth(props as MeshInstallationProps)).not.toThrow();
  });

  test('a custom tag gets the variant too; PILOT_ENABLE_AMBIENT given as "true" is not emitted twice', () => {
    // WHEN
    const objects = synth({ tag: 'my-build', istiodEnv: { PILOT_ENABLE_AMBIENT: 'true' } });

    // THEN
    expect(container(find(objects, 'DaemonSet', 'ztunnel'), 'istio-proxy').image).toBe('registry.istio.io/release/ztunnel:my-build-distroless');
    expect(container(find(objects, 'Deployment', 'istiod'), 'discovery').env.filter((e: any) => e.name === 'PILOT_ENABLE_AMBIENT')).toHaveLength(1);
  });

  test('a second ambient installation in the app names the node agents both would own', () => {
    // GIVEN
    const app = Testing.app();
    new MeshInstallation(new Chart(app, 'stable'), 'Mesh', { profile: MeshProfile.AMBIENT });
    new MeshInstallation(new Chart(app, 'canary'), 'Mesh', { profile: MeshProfile.AMBIENT, revision: 'canary', installCrds: false, createNamespace: false });

    // THEN
    expect(() => app.synth()).toThrow(
      '[canary/Mesh] emits ServiceAccount istio-system/istio-cni, ConfigMap istio-system/istio-cni-config, ClusterRole istio-cni, ClusterRoleBinding istio-cni, ClusterRole istio-cni-repair-role, ' +
      'ClusterRoleBinding istio-cni-repair-rolebinding, ClusterRole istio-cni-ambient, ClusterRoleBinding istio-cni-ambient, ' +
      'DaemonSet istio-system/istio-cni-node, ServiceAccount istio-system/ztunnel, DaemonSet istio-system/ztunnel, also emitted by stable/Mesh; ' +
      "istio-cni and ztunnel run once per node, so only one installation may install them: set 'cni' to false on the other (a second revision " +
      "of an ambient mesh: 'profile: MeshProfile.MINIMAL' with 'istiodEnv: { PILOT_ENABLE_AMBIENT: \"true\" }', see the README)");
  });
});

describe('control plane lockdown in ambient mode', () => {
  const ISTIOD = { namespace: 'istio-system', labels: { 'app': 'istiod', 'istio': 'pilot', 'istio.io/rev': 'default' } };
  const ISTIOD_CANARY = { namespace: 'istio-system', labels: { 'app': 'istiod', 'istio': 'istiod', 'istio.io/rev': 'canary' } };
  const ZTUNNEL = { namespace: 'istio-system', labels: { 'app': 'ztunnel', 'istio.io/dataplane-mode': 'none' } };
  const CNI = { namespace: 'istio-system', labels: { 'k8s-app': 'istio-cni-node' } };
  const PROMETHEUS = { namespace: 'istio-system', labels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/component': 'server' } };
  const KIALI = { namespace: 'istio-system', labels: { app: 'kiali' } };
  const CSR_POD = { namespace: 'cert-manager', labels: { app: 'cert-manager-istio-csr' } };
  const DNS = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
  const API_SERVER = { ip: '172.20.0.5' };

  function lockedDown(props: MeshInstallationProps = {}): any[] {
    const app = Testing.app();
    const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', { profile: MeshProfile.AMBIENT, networkPolicies: {}, ...props });
    new ZeroTrustNamespace(new Chart(app, 'apps'), 'Shop', { name: 'shop', mesh });
    return app.charts.flatMap((c) => Testing.synth(c));
  }
  const reach = (objects: any[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP') => networkAllows(objects, from, to, port, protocol);

  test('ztunnel reaches istiod on 15012 only; istiod admits ztunnel, not the other pods of its namespace', () => {
    // WHEN
    const objects = lockedDown();

    // THEN
    expect(reach(objects, ZTUNNEL, ISTIOD, 15012)).toBe(true);
    for (const port of [15010, 15017, 8080, 15014]) expect(reach(objects, ZTUNNEL, ISTIOD, port)).toBe(false);
    expect(reach(objects, KIALI, ISTIOD, 15012)).toBe(false);
    expect(reach(objects, CNI, ISTIOD, 15012)).toBe(false);
    expect(reach(objects, ZTUNNEL, DNS, 53, 'UDP')).toBe(true);
    // nothing else leaves ztunnel's own pod: the traffic it carries leaves from the ambient pods' network namespaces
    expect(reach(objects, ZTUNNEL, API_SERVER, 443)).toBe(false);
    expect(reach(objects, ZTUNNEL, { namespace: 'shop', labels: { app: 'web' } }, 15008)).toBe(false);
    expect(reach(objects, ZTUNNEL, CSR_POD, 6443)).toBe(false);
  });

  test('Prometheus scrapes ztunnel on 15020, nobody else reaches it', () => {
    // WHEN
    const objects = lockedDown();

    // THEN
    expect(reach(objects, PROMETHEUS, ZTUNNEL, 15020)).toBe(true);
    expect(reach(objects, KIALI, ZTUNNEL, 15020)).toBe(false);
    expect(reach(objects, { namespace: 'shop', labels: { app: 'web' } }, ZTUNNEL, 15020)).toBe(false);
    expect(reach(objects, PROMETHEUS, ZTUNNEL, 15021)).toBe(false);
  });

  test('the CNI agent keeps the API server only', () => {
    // WHEN
    const objects = lockedDown();

    // THEN
    expect(reach(objects, CNI, API_SERVER, 443)).toBe(true);
    expect(reach(objects, CNI, ISTIOD, 15012)).toBe(false);
    expect(reach(objects, CNI, ZTUNNEL, 15020)).toBe(false);
  });

  test('a revision: ztunnel reaches the revision\'s istiod', () => {
    // WHEN
    const objects = lockedDown({ revision: 'canary' });

    // THEN
    expect(reach(objects, ZTUNNEL, ISTIOD_CANARY, 15012)).toBe(true);
    expect(reach(objects, ZTUNNEL, ISTIOD, 15012)).toBe(false);
  });

  test('an external CA in the cluster: ztunnel reaches its pods\' port', () => {
    // WHEN
    const objects = lockedDown({ certificateAuthority: CertificateAuthority.external({ address: CSR }) });

    // THEN
    expect(reach(objects, ZTUNNEL, CSR_POD, 6443)).toBe(true);
    expect(reach(objects, ZTUNNEL, CSR_POD, 443)).toBe(false);
    expect(reach(objects, ZTUNNEL, { namespace: 'other', labels: {} }, 6443)).toBe(false);
    expect(reach(objects, ZTUNNEL, ISTIOD, 15012)).toBe(true);
  });

  test('sidecar profiles render no ztunnel rule', () => {
    // WHEN
    const objects = lockedDown({ profile: MeshProfile.DEFAULT });

    // THEN
    expect(objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'ztunnel')).toEqual([]);
    expect(reach(objects, ZTUNNEL, ISTIOD, 15012)).toBe(false);
  });
});

describe('Pod Security', () => {
  /** Violations of every pod template the installation renders, by workload. */
  function violationsByWorkload(props: MeshInstallationProps): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const o of synth(props)) {
      if (!['Deployment', 'DaemonSet', 'StatefulSet', 'Job'].includes(o.kind)) continue;
      const violations = podSecurityViolations(o.spec.template);
      if (violations.length > 0) out[`${o.kind}/${o.metadata.name}`] = violations;
    }
    return out;
  }

  const ZTUNNEL_PRIVILEGES = [
    'baseline: hostPath volume "cni-ztunnel-sock-dir" (/var/run/ztunnel)',
    'baseline: container "istio-proxy" adds capabilities NET_ADMIN, SYS_ADMIN, NET_RAW',
    'restricted: container "istio-proxy" allowPrivilegeEscalation true',
    'restricted: container "istio-proxy" runAsNonRoot false',
    'restricted: container "istio-proxy" runAsUser 0',
    'restricted: container "istio-proxy" seccompProfile unset',
    'restricted: container "istio-proxy" adds capabilities beyond NET_BIND_SERVICE: NET_ADMIN, SYS_ADMIN, NET_RAW',
  ];
  const CNI_HOST_PATHS = [
    'baseline: hostPath volume "cni-bin-dir" (/opt/cni/bin)',
    'baseline: hostPath volume "cni-host-procfs" (/proc)',
    'baseline: hostPath volume "cni-net-dir" (/etc/cni/net.d)',
    'baseline: hostPath volume "cni-socket-dir" (/var/run/istio-cni)',
    'baseline: hostPath volume "cni-netns-dir" (/var/run/netns)',
  ];
  const CNI_CONTAINER = [
    'baseline: AppArmor unconfined for container "install-cni"',
    'baseline: container "install-cni" adds capabilities NET_ADMIN, NET_RAW, SYS_PTRACE, SYS_ADMIN',
    'restricted: container "install-cni" allowPrivilegeEscalation unset',
    'restricted: container "install-cni" runAsNonRoot false',
    'restricted: container "install-cni" runAsUser 0',
    'restricted: container "install-cni" seccompProfile unset',
    'restricted: container "install-cni" adds capabilities beyond NET_BIND_SERVICE: NET_ADMIN, NET_RAW, SYS_PTRACE, SYS_ADMIN, DAC_OVERRIDE',
  ];

  test('ambient: every pod meets "restricted" except ztunnel and the CNI agent, which take exactly the documented privileges', () => {
    // WHEN
    const violations = violationsByWorkload({});

    // THEN
    expect(violations).toEqual({
      'DaemonSet/istio-cni-node': [...CNI_HOST_PATHS, 'baseline: hostPath volume "cni-ztunnel-sock-dir" (/var/run/ztunnel)', ...CNI_CONTAINER],
      'DaemonSet/ztunnel': ZTUNNEL_PRIVILEGES,
    });
  });

  test.each([
    [MeshProfile.DEFAULT, false],
    [MeshProfile.MINIMAL, false],
    [MeshProfile.DEMO, false],
    [MeshProfile.DEFAULT, true],
  ])('%s (cni %s): every pod meets "restricted" but the CNI agent', (profile, cni) => {
    // WHEN
    const violations = violationsByWorkload({ profile, cni });

    // THEN
    expect(violations).toEqual(cni ? { 'DaemonSet/istio-cni-node': [...CNI_HOST_PATHS, ...CNI_CONTAINER] } : {});
  });
});
