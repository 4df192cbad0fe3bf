import { k8s } from 'cdk8s-plus-27';

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
