import { k8s } from 'cdk8s-plus-27';
import { CLUSTER_DOMAIN, ENVOY_PROM_PORT, STATUS_PORT } from './render';
import { IMeshInstallation } from '../../mesh-installation';
import { GATEWAY_PROXY_MOUNTS, gatewayProxyEnv, gatewayProxyVolumes } from '../gateway-proxy';

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
    env: [...gatewayProxyEnv({
      name: spec.name,
      namespace: spec.namespace,
      // gatewayProxyEnv writes it as CA_ADDR: the mesh's external CA when it has one.
      istiodAddress: spec.mesh.caAddress ?? spec.mesh.istiodAddress,
      trustDomain: spec.mesh.trustDomain,
      meshId: spec.mesh.trustDomain,
      clusterName: 'Kubernetes',
    }), ...spec.env],
    resources: spec.resources,
    volumeMounts: [...GATEWAY_PROXY_MOUNTS],
  };
}

/** The volumes behind the mounts of `renderedProxyContainer`. */
export function renderedProxyVolumes(mesh: IMeshInstallation): k8s.Volume[] {
  return gatewayProxyVolumes(mesh.revision ? `istio-${mesh.revision}` : 'istio', true);
}
