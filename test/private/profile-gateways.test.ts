import { Chart, Testing } from 'cdk8s';
import { testContext } from './context-fixture';
import { MeshProfile } from '../../lib/mesh-profile';
import { InstallContext } from '../../lib/private/install/context';
import { renderProfileGateways } from '../../lib/private/install/profile-gateways';

function synth(overrides: Partial<InstallContext> = {}): any[] {
  const chart = new Chart(Testing.app(), 'test');
  renderProfileGateways(chart, testContext(overrides));
  return Testing.synth(chart);
}

function find(objects: any[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in [${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}]`);
  return found;
}

const names = (objects: any[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
const proxy = (deployment: any) => deployment.spec.template.spec.containers.find((c: any) => c.name === 'istio-proxy');
const envValue = (container: any, name: string) => container.env.find((e: any) => e.name === name)?.value;
const portMap = (service: any) => Object.fromEntries(service.spec.ports.map((p: any) => [p.name, `${p.port}->${p.targetPort}`]));

describe('ingress gateway', () => {
  test('default profile emits SA, SDS Role/RoleBinding, Deployment, Service and HPA', () => {
    // GIVEN
    const overrides = { ingressGateway: true, egressGateway: false };

    // WHEN
    const objects = synth(overrides);

    // THEN
    expect(names(objects)).toEqual([
      'Deployment/istio-ingressgateway',
      'HorizontalPodAutoscaler/istio-ingressgateway',
      'Role/istio-ingressgateway-sds',
      'RoleBinding/istio-ingressgateway-sds',
      'Service/istio-ingressgateway',
      'ServiceAccount/istio-ingressgateway-service-account',
    ]);
    for (const o of objects) expect(o.metadata.namespace).toBe('istio-system');
  });

  test('Deployment selector equals the pod labels it selects and the Service selector', () => {
    // GIVEN
    const objects = synth();

    // WHEN
    const deployment = find(objects, 'Deployment', 'istio-ingressgateway');
    const service = find(objects, 'Service', 'istio-ingressgateway');

    // THEN
    const selector = deployment.spec.selector.matchLabels;
    expect(selector).toEqual({ app: 'istio-ingressgateway', istio: 'ingressgateway' });
    expect(deployment.spec.template.metadata.labels).toEqual(expect.objectContaining(selector));
    expect(service.spec.selector).toEqual(selector);
  });

  test('Service is a LoadBalancer mapping 80->8080 and 443->8443 onto container ports', () => {
    // GIVEN
    const objects = synth();

    // WHEN
    const service = find(objects, 'Service', 'istio-ingressgateway');
    const container = proxy(find(objects, 'Deployment', 'istio-ingressgateway'));

    // THEN
    expect(service.spec.type).toBe('LoadBalancer');
    expect(portMap(service)).toEqual({ 'status-port': '15021->15021', 'http2': '80->8080', 'https': '443->8443' });
    const containerPorts = container.ports.map((p: any) => p.containerPort);
    expect(containerPorts).toEqual([15021, 8080, 8443, 15090]);
    for (const p of service.spec.ports) expect(containerPorts).toContain(p.targetPort);
  });

  test('demo profile adds the tcp (31400) and tls (15443) ports', () => {
    // GIVEN
    const overrides = { profile: MeshProfile.DEMO };

    // WHEN
    const objects = synth(overrides);

    // THEN
    const service = find(objects, 'Service', 'istio-ingressgateway');
    expect(portMap(service)).toEqual(expect.objectContaining({ tcp: '31400->31400', tls: '15443->15443' }));
    expect(proxy(find(objects, 'Deployment', 'istio-ingressgateway')).ports.map((p: any) => p.containerPort))
      .toEqual([15021, 8080, 8443, 31400, 15443, 15090]);
  });

  test('istio-proxy container is fully specified and points at istiod', () => {
    // GIVEN
    const objects = synth();

    // WHEN
    const deployment = find(objects, 'Deployment', 'istio-ingressgateway');
    const container = proxy(deployment);

    // THEN
    expect(container.image).toBe('registry.istio.io/release/proxyv2:1.30.3');
    expect(container.args).toEqual([
      'proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local',
      '--proxyLogLevel=warning', '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info',
    ]);
    expect(envValue(container, 'CA_ADDR')).toBe('istiod.istio-system.svc:15012');
    expect(envValue(container, 'ISTIO_META_OWNER')).toBe('kubernetes://apis/apps/v1/namespaces/istio-system/deployments/istio-ingressgateway');
    expect(envValue(container, 'ISTIO_META_CLUSTER_ID')).toBe('Kubernetes');
    expect(envValue(container, 'ISTIO_META_MESH_ID')).toBe('cluster.local');
    expect(container.env.map((e: any) => e.name)).not.toContain('ISTIO_META_NETWORK');
    expect(container.readinessProbe.httpGet).toEqual({ path: '/healthz/ready', port: 15021, scheme: 'HTTP' });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } });
    expect(deployment.spec.template.metadata.annotations['sidecar.istio.io/inject']).toBe('false');
    expect(deployment.spec.template.spec.serviceAccountName).toBe('istio-ingressgateway-service-account');
    const volumes = deployment.spec.template.spec.volumes;
    expect(volumes.find((v: any) => v.name === 'config-volume').configMap).toEqual({ name: 'istio', optional: true });
    expect(volumes.find((v: any) => v.name === 'ingressgateway-certs').secret.secretName).toBe('istio-ingressgateway-certs');
  });

  test('pod meets Pod Security "restricted"', () => {
    // GIVEN
    const objects = synth();

    // WHEN
    const deployment = find(objects, 'Deployment', 'istio-ingressgateway');
    const pod = deployment.spec.template.spec;

    // THEN
    expect(pod.securityContext).toEqual({
      runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(proxy(deployment).securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    });
    expect(pod.volumes.some((v: any) => v.hostPath)).toBe(false);
  });

  test('SDS Role reads secrets and is bound to the gateway ServiceAccount', () => {
    // GIVEN
    const objects = synth();

    // WHEN
    const role = find(objects, 'Role', 'istio-ingressgateway-sds');
    const binding = find(objects, 'RoleBinding', 'istio-ingressgateway-sds');

    // THEN
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'watch', 'list'] }]);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'istio-ingressgateway-sds' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'istio-ingressgateway-service-account' }]);
  });

  test('HPA targets the Deployment with the autoscale settings', () => {
    // GIVEN
    const overrides = { gatewayAutoscale: { min: 2, max: 7, cpuUtilization: 60 } };

    // WHEN
    const hpa = find(synth(overrides), 'HorizontalPodAutoscaler', 'istio-ingressgateway');

    // THEN
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'istio-ingressgateway' });
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(7);
    expect(hpa.spec.metrics[0].resource.target).toEqual({ type: 'Utilization', averageUtilization: 60 });
  });

  test('no HPA without autoscaling', () => {
    // GIVEN
    const overrides = { gatewayAutoscale: undefined };

    // WHEN
    const objects = synth(overrides);

    // THEN
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect(find(objects, 'Deployment', 'istio-ingressgateway').spec.replicas).toBeUndefined();
  });

  test('revision and multi-cluster settings reach labels, env and mesh config volume', () => {
    // GIVEN
    const overrides = {
      revision: 'canary',
      revisionLabel: 'canary',
      revSuffix: '-canary',
      istiodName: 'istiod-canary',
      meshId: 'mesh1',
      network: 'net1',
      clusterName: 'c1',
      trustDomain: 'td.example',
      imagePullPolicy: 'Always',
    };

    // WHEN
    const deployment = find(synth(overrides), 'Deployment', 'istio-ingressgateway');
    const container = proxy(deployment);

    // THEN
    expect(deployment.metadata.labels['istio.io/rev']).toBe('canary');
    expect(deployment.spec.template.metadata.labels['service.istio.io/canonical-revision']).toBe('canary');
    expect(deployment.spec.template.metadata.annotations['istio.io/rev']).toBe('canary');
    expect(envValue(container, 'CA_ADDR')).toBe('istiod-canary.istio-system.svc:15012');
    expect(envValue(container, 'ISTIO_META_MESH_ID')).toBe('mesh1');
    expect(envValue(container, 'TRUST_DOMAIN')).toBe('td.example');
    expect(envValue(container, 'ISTIO_META_NETWORK')).toBe('net1');
    expect(envValue(container, 'ISTIO_META_CLUSTER_ID')).toBe('c1');
    expect(container.imagePullPolicy).toBe('Always');
    expect(deployment.spec.template.spec.volumes.find((v: any) => v.name === 'config-volume').configMap.name).toBe('istio-canary');
  });
});

describe('egress gateway', () => {
  test('emits SA, SDS Role/RoleBinding, Deployment and a ClusterIP Service', () => {
    // GIVEN
    const overrides = { ingressGateway: false, egressGateway: true, gatewayAutoscale: undefined };

    // WHEN
    const objects = synth(overrides);

    // THEN
    expect(names(objects)).toEqual([
      'Deployment/istio-egressgateway',
      'Role/istio-egressgateway-sds',
      'RoleBinding/istio-egressgateway-sds',
      'Service/istio-egressgateway',
      'ServiceAccount/istio-egressgateway-service-account',
    ]);
    const service = find(objects, 'Service', 'istio-egressgateway');
    expect(service.spec.type).toBe('ClusterIP');
    expect(portMap(service)).toEqual({ http2: '80->8080', https: '443->8443' });
    const deployment = find(objects, 'Deployment', 'istio-egressgateway');
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'istio-egressgateway', istio: 'egressgateway' });
    expect(deployment.spec.template.metadata.labels).toEqual(expect.objectContaining(deployment.spec.selector.matchLabels));
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(proxy(deployment).ports.map((p: any) => p.containerPort)).toEqual([8080, 8443, 15090]);
    expect(deployment.spec.template.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('gets an HPA when autoscaled', () => {
    // GIVEN
    const overrides = { ingressGateway: false, egressGateway: true, gatewayAutoscale: { min: 1, max: 5, cpuUtilization: 80 } };

    // WHEN
    const hpa = find(synth(overrides), 'HorizontalPodAutoscaler', 'istio-egressgateway');

    // THEN
    expect(hpa.spec.scaleTargetRef.name).toBe('istio-egressgateway');
  });
});

test('no objects when both gateways are off', () => {
  // GIVEN
  const overrides = { ingressGateway: false, egressGateway: false };

  // WHEN
  const objects = synth(overrides);

  // THEN
  expect(objects).toEqual([]);
});
