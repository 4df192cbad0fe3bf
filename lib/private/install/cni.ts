import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshProfile } from '../../mesh-profile';
import { LABEL_DATAPLANE_MODE, LABEL_INJECT } from '../labels';
import { baseLabels, componentLabels, image, InstallContext, ResourceSpec } from './context';
import { toKubeResources } from './istiod';

const NAME = 'istio-cni';
const CONFIG_MAP = 'istio-cni-config';
/** Port the node agent serves Prometheus metrics on. */
const METRICS_PORT = 15014;

/**
 * Which pods ambient mode captures (the agent reads it in sidecar mode too, and ignores it):
 * pods labelled `istio.io/dataplane-mode: ambient`, or pods in a namespace so labelled unless
 * the pod opts out with `none`.
 */
const AMBIENT_ENABLEMENT_SELECTOR = [
  '- podSelector:',
  '    matchLabels:',
  `      ${LABEL_DATAPLANE_MODE}: ambient`,
  '- namespaceSelector:',
  '    matchLabels:',
  `      ${LABEL_DATAPLANE_MODE}: ambient`,
  '  podSelector:',
  '    matchExpressions:',
  `    - key: ${LABEL_DATAPLANE_MODE}`,
  '      operator: NotIn',
  '      values:',
  '      - none',
].join('\n');

/** The node agent's requests: the demo profile shrinks them like every other component. */
function cniResources(ctx: InstallContext): ResourceSpec {
  return ctx.profile === MeshProfile.DEMO
    ? { requests: { cpu: '10m', memory: '40Mi' } }
    : { requests: { cpu: '100m', memory: '100Mi' } };
}

/** The socket directory ztunnel and the agent share on each node (ambient mode). */
export const ZTUNNEL_SOCKET_DIR = '/var/run/ztunnel';

/**
 * The istio-cni node agent, as istioctl installs it with `components.cni.enabled=true` (sidecar
 * mode) or the ambient profile (ambient mode): ServiceAccount, agent settings ConfigMap,
 * ClusterRoles and bindings for watching pods and repairing broken ones, and the `istio-cni-node`
 * DaemonSet. In ambient mode the agent also captures the traffic of ambient pods for ztunnel:
 * `AMBIENT_ENABLED=true`, ClusterRole `istio-cni-ambient` (pod status, its own DaemonSet), and
 * the host's `/var/run/netns` and ztunnel's socket directory `/var/run/ztunnel` mounted.
 * Facts: istio-reference.md §3.10.
 *
 * The DaemonSet cannot meet Pod Security "restricted" (nor "baseline"): its job is to write
 * the CNI plugin binary and chained network config into the node's `/opt/cni/bin` and
 * `/etc/cni/net.d` (hostPath volumes), read `/proc` of the host, and program iptables inside
 * pod network namespaces, which takes root plus NET_ADMIN, NET_RAW, SYS_ADMIN, SYS_PTRACE and
 * DAC_OVERRIDE, and AppArmor `unconfined`. It keeps exactly the capabilities Istio uses (dropping
 * everything else), stays unprivileged and off the host network; its namespace must allow
 * "privileged" pods.
 */
/** Tolerations of a node agent (istio-cni, ztunnel): it runs on every node, whatever its taints, as Istio's charts set. */
export function nodeAgentTolerations(): k8s.Toleration[] {
  return [
    { effect: 'NoSchedule', operator: 'Exists' },
    { key: 'CriticalAddonsOnly', operator: 'Exists' },
    { effect: 'NoExecute', operator: 'Exists' },
  ];
}

export function renderCni(scope: Construct, ctx: InstallContext): void {
  if (!ctx.cni) return;
  const labels = componentLabels(ctx, NAME, 'Cni', { app: NAME });
  const nodeSelector = { 'k8s-app': 'istio-cni-node' };
  const subjects = [{ kind: 'ServiceAccount', name: NAME, namespace: ctx.namespace }];

  new k8s.KubeServiceAccount(scope, 'CniServiceAccount', {
    metadata: { name: NAME, namespace: ctx.namespace, labels },
  });

  new k8s.KubeConfigMap(scope, 'CniConfigMap', {
    metadata: { name: CONFIG_MAP, namespace: ctx.namespace, labels },
    data: {
      AMBIENT_DNS_CAPTURE: 'true',
      AMBIENT_ENABLED: String(ctx.ambient),
      AMBIENT_ENABLEMENT_SELECTOR,
      AMBIENT_IPV6: 'true',
      AMBIENT_RECONCILE_POD_RULES_ON_STARTUP: 'true',
      CHAINED_CNI_PLUGIN: 'true',
      CURRENT_AGENT_VERSION: ctx.tag,
      ENABLE_AMBIENT_DETECTION_RETRY: 'false',
      EXCLUDE_NAMESPACES: 'kube-system',
      ISTIO_OWNED_CNI_CONFIG: 'false',
      NATIVE_NFTABLES: 'false',
      REPAIR_BROKEN_POD_LABEL_KEY: 'cni.istio.io/uninitialized',
      REPAIR_BROKEN_POD_LABEL_VALUE: 'true',
      REPAIR_DELETE_PODS: 'false',
      REPAIR_ENABLED: 'true',
      REPAIR_INIT_CONTAINER_NAME: 'istio-validation',
      REPAIR_LABEL_PODS: 'false',
      REPAIR_REPAIR_PODS: 'true',
    },
  });

  new k8s.KubeClusterRole(scope, 'CniClusterRole', {
    metadata: { name: NAME, labels },
    rules: [{ apiGroups: [''], resources: ['pods', 'nodes', 'namespaces'], verbs: ['get', 'list', 'watch'] }],
  });
  new k8s.KubeClusterRoleBinding(scope, 'CniClusterRoleBinding', {
    metadata: { name: NAME, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
    subjects,
  });

  // The repair controller finds pods whose traffic redirection failed and fixes them.
  new k8s.KubeClusterRole(scope, 'CniRepairClusterRole', {
    metadata: { name: 'istio-cni-repair-role', labels },
    rules: [
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['watch', 'get', 'list'] },
    ],
  });
  new k8s.KubeClusterRoleBinding(scope, 'CniRepairClusterRoleBinding', {
    metadata: { name: 'istio-cni-repair-rolebinding', labels: componentLabels(ctx, NAME, 'Cni', { 'k8s-app': 'istio-cni-repair' }) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'istio-cni-repair-role' },
    subjects,
  });

  if (ctx.ambient) {
    // Ambient mode: the agent marks pods it has captured and reads its own DaemonSet.
    new k8s.KubeClusterRole(scope, 'CniAmbientClusterRole', {
      metadata: { name: 'istio-cni-ambient', labels },
      rules: [
        { apiGroups: [''], resources: ['pods/status'], verbs: ['patch', 'update'] },
        { apiGroups: ['apps'], resources: ['daemonsets'], resourceNames: ['istio-cni-node'], verbs: ['get'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(scope, 'CniAmbientClusterRoleBinding', {
      metadata: { name: 'istio-cni-ambient', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'istio-cni-ambient' },
      subjects,
    });
  }

  const field = (fieldPath: string) => ({ fieldRef: { fieldPath } });
  const limit = (resource: string) => ({ resourceFieldRef: { resource, divisor: k8s.Quantity.fromString('1') } });

  new k8s.KubeDaemonSet(scope, 'CniDaemonSet', {
    metadata: { name: 'istio-cni-node', namespace: ctx.namespace, labels: componentLabels(ctx, NAME, 'Cni', nodeSelector) },
    spec: {
      selector: { matchLabels: nodeSelector },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
      template: {
        metadata: {
          labels: { ...baseLabels(NAME), ...nodeSelector, [LABEL_DATAPLANE_MODE]: 'none', [LABEL_INJECT]: 'false' },
          annotations: {
            'container.apparmor.security.beta.kubernetes.io/install-cni': 'unconfined',
            'prometheus.io/path': '/metrics',
            'prometheus.io/port': String(METRICS_PORT),
            'prometheus.io/scrape': 'true',
            [LABEL_INJECT]: 'false',
          },
        },
        spec: {
          serviceAccountName: NAME,
          priorityClassName: 'system-node-critical',
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          terminationGracePeriodSeconds: 30,
          // Every node needs the plugin, whatever its taints.
          tolerations: nodeAgentTolerations(),
          containers: [{
            name: 'install-cni',
            image: image(ctx, 'install-cni'),
            imagePullPolicy: ctx.imagePullPolicy,
            command: ['install-cni'],
            args: ['--log_output_level=info'],
            ports: [{ containerPort: METRICS_PORT, name: 'metrics', protocol: 'TCP' }],
            readinessProbe: { httpGet: { path: '/readyz', port: k8s.IntOrString.fromNumber(8000) } },
            envFrom: [{ configMapRef: { name: CONFIG_MAP } }],
            env: [
              { name: 'REPAIR_NODE_NAME', valueFrom: field('spec.nodeName') },
              { name: 'REPAIR_RUN_AS_DAEMON', value: 'true' },
              { name: 'REPAIR_SIDECAR_ANNOTATION', value: 'sidecar.istio.io/status' },
              { name: 'ALLOW_SWITCH_TO_HOST_NS', value: 'true' },
              { name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
              { name: 'GOMEMLIMIT', valueFrom: limit('limits.memory') },
              { name: 'GOMAXPROCS', valueFrom: limit('limits.cpu') },
              { name: 'POD_NAME', valueFrom: field('metadata.name') },
              { name: 'POD_NAMESPACE', valueFrom: field('metadata.namespace') },
            ],
            resources: toKubeResources(cniResources(ctx)),
            securityContext: {
              privileged: false,
              runAsUser: 0,
              runAsGroup: 0,
              runAsNonRoot: false,
              capabilities: {
                add: ['NET_ADMIN', 'NET_RAW', 'SYS_PTRACE', 'SYS_ADMIN', 'DAC_OVERRIDE'],
                drop: ['ALL'],
              },
            },
            volumeMounts: [
              { name: 'cni-bin-dir', mountPath: '/host/opt/cni/bin' },
              { name: 'cni-host-procfs', mountPath: '/host/proc', readOnly: true },
              { name: 'cni-net-dir', mountPath: '/host/etc/cni/net.d' },
              { name: 'cni-socket-dir', mountPath: '/var/run/istio-cni' },
              // Ambient: the agent enters pod network namespaces and hands them to ztunnel over its socket.
              ...(ctx.ambient ? [
                { name: 'cni-netns-dir', mountPath: '/host/var/run/netns', mountPropagation: 'HostToContainer' },
                { name: 'cni-ztunnel-sock-dir', mountPath: ZTUNNEL_SOCKET_DIR },
              ] : []),
            ],
          }],
          volumes: [
            { name: 'cni-bin-dir', hostPath: { path: '/opt/cni/bin' } },
            { name: 'cni-host-procfs', hostPath: { path: '/proc', type: 'Directory' } },
            { name: 'cni-net-dir', hostPath: { path: '/etc/cni/net.d' } },
            { name: 'cni-socket-dir', hostPath: { path: '/var/run/istio-cni' } },
            { name: 'cni-netns-dir', hostPath: { path: '/var/run/netns', type: 'DirectoryOrCreate' } },
            ...(ctx.ambient ? [{ name: 'cni-ztunnel-sock-dir', hostPath: { path: ZTUNNEL_SOCKET_DIR, type: 'DirectoryOrCreate' } }] : []),
          ],
        },
      },
    },
  });
}
