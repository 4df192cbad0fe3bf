import { k8s } from 'cdk8s-plus-27';

/** Identity of a fully rendered gateway proxy, for its environment. */
export interface GatewayProxyIdentity {
  /** Deployment name. */
  readonly name: string;
  readonly namespace: string;
  /** istiod's `host:15012`. */
  readonly istiodAddress: string;
  readonly trustDomain: string;
  readonly meshId: string;
  readonly clusterName: string;
  readonly network?: string;
}

/**
 * Environment of a fully rendered gateway proxy (pilot-agent in router mode), as istioctl's legacy
 * gateway chart sets it. Shared like the volumes below.
 */
export function gatewayProxyEnv(id: GatewayProxyIdentity): k8s.EnvVar[] {
  const field = (fieldPath: string) => ({ fieldRef: { apiVersion: 'v1', fieldPath } });
  return [
    { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
    { name: 'CA_ADDR', value: id.istiodAddress },
    { name: 'NODE_NAME', valueFrom: field('spec.nodeName') },
    { name: 'POD_NAME', valueFrom: field('metadata.name') },
    { name: 'POD_NAMESPACE', valueFrom: field('metadata.namespace') },
    { name: 'INSTANCE_IP', valueFrom: field('status.podIP') },
    { name: 'HOST_IP', valueFrom: field('status.hostIP') },
    { name: 'ISTIO_CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: k8s.Quantity.fromString('1') } } },
    { name: 'SERVICE_ACCOUNT', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
    { name: 'ISTIO_META_WORKLOAD_NAME', value: id.name },
    { name: 'ISTIO_META_OWNER', value: `kubernetes://apis/apps/v1/namespaces/${id.namespace}/deployments/${id.name}` },
    { name: 'ISTIO_META_MESH_ID', value: id.meshId },
    { name: 'TRUST_DOMAIN', value: id.trustDomain },
    { name: 'ISTIO_META_UNPRIVILEGED_POD', value: 'true' },
    ...(id.network ? [{ name: 'ISTIO_META_NETWORK', value: id.network }] : []),
    { name: 'ISTIO_META_CLUSTER_ID', value: id.clusterName },
    { name: 'ISTIO_META_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  ];
}

/** Mounts of the volumes of `gatewayProxyVolumes`. */
export const GATEWAY_PROXY_MOUNTS: k8s.VolumeMount[] = [
  { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
  { name: 'credential-socket', mountPath: '/var/run/secrets/credential-uds' },
  { name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' },
  { name: 'istio-envoy', mountPath: '/etc/istio/proxy' },
  { name: 'config-volume', mountPath: '/etc/istio/config' },
  { name: 'istiod-ca-cert', mountPath: '/var/run/secrets/istio' },
  { name: 'istio-token', mountPath: '/var/run/secrets/tokens', readOnly: true },
  { name: 'istio-data', mountPath: '/var/lib/istio/data' },
  { name: 'podinfo', mountPath: '/etc/istio/pod' },
];

/**
 * Volumes of a fully rendered gateway proxy (not injected): workload identity sockets and
 * certificates, the istiod CA, pod info, Envoy's scratch space, the istio-ca token and the mesh
 * config. Shared by the profile gateways (MeshInstallation) and IngressGateway/EgressGateway with
 * injection off.
 *
 * @param meshConfigMap the mesh config ConfigMap (`istio` or `istio-<rev>`)
 * @param memoryBackedEnvoy keep Envoy's bootstrap and sockets in memory (istioctl's legacy gateways do not)
 */
export function gatewayProxyVolumes(meshConfigMap: string, memoryBackedEnvoy: boolean): k8s.Volume[] {
  return [
    { name: 'workload-socket', emptyDir: {} },
    { name: 'credential-socket', emptyDir: {} },
    { name: 'workload-certs', emptyDir: {} },
    { name: 'istiod-ca-cert', configMap: { name: 'istio-ca-root-cert' } },
    {
      name: 'podinfo',
      downwardApi: {
        items: [
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
        ],
      },
    },
    { name: 'istio-envoy', emptyDir: memoryBackedEnvoy ? { medium: 'Memory' } : {} },
    { name: 'istio-data', emptyDir: {} },
    {
      name: 'istio-token',
      projected: { sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }] },
    },
    { name: 'config-volume', configMap: { name: meshConfigMap, optional: true } },
  ];
}
