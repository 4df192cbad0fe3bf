import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { nodeAgentTolerations, ZTUNNEL_SOCKET_DIR } from './cni';
import { baseLabels, caAddress, image, InstallContext, istiodAddress } from './context';
import { toKubeResources } from './istiod';
import { LABEL_COMPONENT, LABEL_DATAPLANE_MODE, LABEL_INJECT, LABEL_REV } from '../labels';

/** Name of ztunnel's DaemonSet and ServiceAccount (istiod trusts `<namespace>/ztunnel`, `CA_TRUSTED_NODE_ACCOUNTS`). */
export const ZTUNNEL_NAME = 'ztunnel';
/** Pod labels the ztunnel DaemonSet selects on. */
export const ZTUNNEL_SELECTOR: Readonly<Record<string, string>> = { app: ZTUNNEL_NAME };
/** ztunnel's Prometheus metrics. */
export const ZTUNNEL_METRICS_PORT = 15020;
/** ztunnel's readiness endpoint (`/healthz/ready`), probed by the kubelet. */
const ZTUNNEL_READINESS_PORT = 15021;

/**
 * The capabilities ztunnel adds (everything else dropped): NET_ADMIN and NET_RAW to set up its
 * listeners and redirection inside each ambient pod's network namespace, SYS_ADMIN to enter
 * those namespaces (`setns`) handed over by the CNI agent.
 */
export const ZTUNNEL_CAPABILITIES = ['NET_ADMIN', 'SYS_ADMIN', 'NET_RAW'];

/**
 * ztunnel, the node proxy of ambient mode, as istioctl's ambient profile installs it (chart
 * `ztunnel`): ServiceAccount `ztunnel` and DaemonSet `ztunnel` in the control plane namespace,
 * in-pod mode (`INPOD_ENABLED`): the CNI agent hands each ambient pod's network namespace to
 * ztunnel over the node's `/var/run/ztunnel` socket, and ztunnel listens inside it (15001
 * outbound, 15006 plaintext inbound, 15008 HBONE). It gets its configuration and the certificates
 * of the pods on its node from istiod on 15012 (`XDS_ADDRESS`; `CA_ADDRESS` is the external CA
 * when there is one), impersonating them as istiod's `CA_TRUSTED_NODE_ACCOUNTS` allows.
 * Not revisioned: one ztunnel per node, which talks to the installation's istiod.
 *
 * Pod Security: ztunnel cannot meet "restricted" (nor "baseline"). It runs as root (UID 0, GID
 * 1337) with NET_ADMIN, SYS_ADMIN and NET_RAW added (all else dropped), `allowPrivilegeEscalation`
 * true, no seccomp profile, and one hostPath volume, `/var/run/ztunnel` (the socket shared with the
 * CNI agent). It is not `privileged`, not on the host network or PID namespace, and its root
 * filesystem is read-only.
 */
export function renderZtunnel(scope: Construct, ctx: InstallContext): void {
  if (!ctx.ambient) return;
  // Not revisioned: a revision is recorded as an annotation (as Istio's chart does), never as the
  // `istio.io/rev` label that revision-scoped tooling selects on.
  const labels = { ...baseLabels(ZTUNNEL_NAME), [LABEL_COMPONENT]: 'Ztunnel' };
  const annotations = ctx.revision ? { [LABEL_REV]: ctx.revision } : undefined;
  const field = (fieldPath: string) => ({ fieldRef: { fieldPath } });

  new k8s.KubeServiceAccount(scope, 'ZtunnelServiceAccount', {
    metadata: { name: ZTUNNEL_NAME, namespace: ctx.namespace, labels, annotations },
  });

  const env: k8s.EnvVar[] = [
    { name: 'CA_ADDRESS', value: caAddress(ctx) },
    { name: 'XDS_ADDRESS', value: istiodAddress(ctx) },
    ...(ctx.network ? [{ name: 'NETWORK', value: ctx.network }] : []),
    { name: 'RUST_LOG', value: 'info' },
    { name: 'RUST_BACKTRACE', value: '1' },
    { name: 'ISTIO_META_CLUSTER_ID', value: ctx.clusterName },
    { name: 'INPOD_ENABLED', value: 'true' },
    { name: 'TERMINATION_GRACE_PERIOD_SECONDS', value: '30' },
    { name: 'POD_NAME', valueFrom: field('metadata.name') },
    { name: 'POD_NAMESPACE', valueFrom: field('metadata.namespace') },
    { name: 'NODE_NAME', valueFrom: field('spec.nodeName') },
    { name: 'INSTANCE_IP', valueFrom: field('status.podIP') },
    { name: 'SERVICE_ACCOUNT', valueFrom: field('spec.serviceAccountName') },
    { name: 'ISTIO_META_ENABLE_HBONE', value: 'true' },
    { name: 'ZTUNNEL_CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: k8s.Quantity.fromString('1') } } },
  ];

  new k8s.KubeDaemonSet(scope, 'ZtunnelDaemonSet', {
    metadata: { name: ZTUNNEL_NAME, namespace: ctx.namespace, labels, annotations },
    spec: {
      selector: { matchLabels: { ...ZTUNNEL_SELECTOR } },
      // A node is never without its ztunnel during an update: the new pod starts before the old one leaves.
      updateStrategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
      },
      template: {
        metadata: {
          labels: { ...baseLabels(ZTUNNEL_NAME), ...ZTUNNEL_SELECTOR, [LABEL_DATAPLANE_MODE]: 'none', [LABEL_INJECT]: 'false' },
          annotations: { 'prometheus.io/port': String(ZTUNNEL_METRICS_PORT), 'prometheus.io/scrape': 'true', [LABEL_INJECT]: 'false', ...annotations },
        },
        spec: {
          serviceAccountName: ZTUNNEL_NAME,
          priorityClassName: 'system-node-critical',
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          terminationGracePeriodSeconds: 30,
          // Every node with ambient pods needs its ztunnel, whatever its taints.
          tolerations: nodeAgentTolerations(),
          containers: [{
            name: 'istio-proxy',
            image: image(ctx, 'ztunnel'),
            imagePullPolicy: ctx.imagePullPolicy,
            args: ['proxy', 'ztunnel'],
            env,
            ports: [{ containerPort: ZTUNNEL_METRICS_PORT, name: 'ztunnel-stats', protocol: 'TCP' }],
            readinessProbe: { httpGet: { path: '/healthz/ready', port: k8s.IntOrString.fromNumber(ZTUNNEL_READINESS_PORT) } },
            resources: toKubeResources({ requests: { cpu: '200m', memory: '512Mi' } }),
            securityContext: {
              privileged: false,
              allowPrivilegeEscalation: true,
              readOnlyRootFilesystem: true,
              runAsUser: 0,
              runAsGroup: 1337,
              runAsNonRoot: false,
              capabilities: { add: [...ZTUNNEL_CAPABILITIES], drop: ['ALL'] },
            },
            volumeMounts: [
              { name: 'istiod-ca-cert', mountPath: '/var/run/secrets/istio' },
              { name: 'istio-token', mountPath: '/var/run/secrets/tokens' },
              { name: 'cni-ztunnel-sock-dir', mountPath: ZTUNNEL_SOCKET_DIR },
              { name: 'tmp', mountPath: '/tmp' },
            ],
          }],
          volumes: [
            {
              name: 'istio-token',
              projected: { sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }] },
            },
            { name: 'istiod-ca-cert', configMap: { name: 'istio-ca-root-cert' } },
            { name: 'cni-ztunnel-sock-dir', hostPath: { path: ZTUNNEL_SOCKET_DIR, type: 'DirectoryOrCreate' } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  });
}
