import { CertificateAuthorityType } from '../../lib/certificate-authority';
import { MeshProfile } from '../../lib/mesh-profile';
import { InstallContext } from '../../lib/private/install/context';

/**
 * An InstallContext as MeshInstallation resolves it for the default profile with no props
 * (unrevisioned, istio-system, Istio 1.30.3 images). Tests pass overrides for what they vary.
 */
export function testContext(overrides: Partial<InstallContext> = {}): InstallContext {
  return {
    profile: MeshProfile.DEFAULT,
    namespace: 'istio-system',
    revisionLabel: 'default',
    revSuffix: '',
    hub: 'registry.istio.io/release',
    tag: '1.30.3',
    clusterDomain: 'cluster.local',
    trustDomain: 'cluster.local',
    clusterName: 'Kubernetes',
    cni: false,
    ambient: false,
    certificateAuthority: { type: CertificateAuthorityType.ISTIOD, secretName: 'cacerts' },
    istiodName: 'istiod',
    istiodReplicas: 1,
    istiodAutoscale: { min: 1, max: 5, cpuUtilization: 80 },
    istiodResources: { requests: { cpu: '500m', memory: '2048Mi' } },
    istiodPdb: false,
    istiodEnv: {},
    traceSampling: 1,
    proxyResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } },
    holdApplicationUntilProxyStarts: false,
    ingressGateway: true,
    egressGateway: false,
    gatewayAutoscale: { min: 1, max: 5, cpuUtilization: 80 },
    gatewayResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } },
    meshConfig: {},
    ...overrides,
  };
}
