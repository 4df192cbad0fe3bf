import { k8s } from 'cdk8s-plus-27';
import { CLUSTER_DOMAIN, ENVOY_PROM_PORT, STATUS_PORT } from './render';
import { IMeshInstallation } from '../../mesh-installation';
import { gatewayProxyVolumes } from '../gateway-volumes';

/** What a fully rendered (not injected) gateway proxy needs to know. */
export interface RenderedProxySpec {
  readonly name: string;
  readonly namespace: string;
  readonly mesh: IMeshInstallation;
  readonly image: string;
  readonly containerPorts: number[];
  readonly env: k8s.EnvVar[];
  readonly resources?: k8s.ResourceRequirements;
}

/**
 * The `istio-proxy` router container of a gateway that is not injected, spelled out as the legacy
 * istioctl gateway chart does (istio-reference.md §3.9).
 */
export function renderedProxyContainer(spec: RenderedProxySpec): k8s.Container {
  return {
    name: 'istio-proxy',
    image: spec.image,
    args: [
      'proxy',
      'router',
      '--domain', `$(POD_NAMESPACE).svc.${CLUSTER_DOMAIN}`,
      '--proxyLogLevel=warning',
      '--proxyComponentLogLevel=misc:error',
      '--log_output_level=default:info',
    ],
    ports: [
      ...spec.containerPorts.map((containerPort) => ({ containerPort, protocol: 'TCP' })),
      { containerPort: ENVOY_PROM_PORT, name: 'http-envoy-prom', protocol: 'TCP' },
    ],
    readinessProbe: {
      httpGet: { path: '/healthz/ready', port: k8s.IntOrString.fromNumber(STATUS_PORT), scheme: 'HTTP' },
      initialDelaySeconds: 1,
      periodSeconds: 2,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 30,
    },
    env: [...proxyEnv(spec), ...spec.env],
    resources: spec.resources,
    volumeMounts: [
      { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
      { name: 'credential-socket', mountPath: '/var/run/secrets/credential-uds' },
      { name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' },
      { name: 'istio-envoy', mountPath: '/etc/istio/proxy' },
      { name: 'config-volume', mountPath: '/etc/istio/config' },
      { name: 'istiod-ca-cert', mountPath: '/var/run/secrets/istio' },
      { name: 'istio-token', mountPath: '/var/run/secrets/tokens', readOnly: true },
      { name: 'istio-data', mountPath: '/var/lib/istio/data' },
      { name: 'podinfo', mountPath: '/etc/istio/pod' },
    ],
  };
}

function proxyEnv(spec: RenderedProxySpec): k8s.EnvVar[] {
  const field = (fieldPath: string) => ({ fieldRef: { apiVersion: 'v1', fieldPath } });
  return [
    { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
    { name: 'CA_ADDR', value: spec.mesh.istiodAddress },
    { name: 'NODE_NAME', valueFrom: field('spec.nodeName') },
    { name: 'POD_NAME', valueFrom: field('metadata.name') },
    { name: 'POD_NAMESPACE', valueFrom: field('metadata.namespace') },
    { name: 'INSTANCE_IP', valueFrom: field('status.podIP') },
    { name: 'HOST_IP', valueFrom: field('status.hostIP') },
    { name: 'ISTIO_CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: k8s.Quantity.fromString('1') } } },
    { name: 'SERVICE_ACCOUNT', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
    { name: 'ISTIO_META_WORKLOAD_NAME', value: spec.name },
    { name: 'ISTIO_META_OWNER', value: `kubernetes://apis/apps/v1/namespaces/${spec.namespace}/deployments/${spec.name}` },
    { name: 'ISTIO_META_MESH_ID', value: spec.mesh.trustDomain },
    { name: 'TRUST_DOMAIN', value: spec.mesh.trustDomain },
    { name: 'ISTIO_META_UNPRIVILEGED_POD', value: 'true' },
    { name: 'ISTIO_META_CLUSTER_ID', value: 'Kubernetes' },
    { name: 'ISTIO_META_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  ];
}

/** The volumes behind the mounts of `renderedProxyContainer`. */
export function renderedProxyVolumes(mesh: IMeshInstallation): k8s.Volume[] {
  return gatewayProxyVolumes(mesh.revision ? `istio-${mesh.revision}` : 'istio', true);
}
