import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import { MeshInstallation, MeshInstallationProps } from '../lib';

function mesh(props: MeshInstallationProps = {}): { chart: Chart; mesh: MeshInstallation } {
  const chart = new Chart(Testing.app(), 'mesh');
  return { chart, mesh: new MeshInstallation(chart, 'Mesh', props) };
}

function find(objects: any[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

describe('typed access to the generated control plane objects', () => {
  test.each<[string, (m: MeshInstallation) => ApiObject, string, string, string]>([
    ['istiodDeployment', (m) => m.istiodDeployment, 'apps/v1', 'Deployment', 'istiod'],
    ['istiodService', (m) => m.istiodService, 'v1', 'Service', 'istiod'],
    ['meshConfigMap', (m) => m.meshConfigMap, 'v1', 'ConfigMap', 'istio'],
    ['injectorConfigMap', (m) => m.injectorConfigMap, 'v1', 'ConfigMap', 'istio-sidecar-injector'],
    ['injectionWebhook', (m) => m.injectionWebhook, 'admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'istio-sidecar-injector'],
    ['validationWebhook', (m) => m.validationWebhook, 'admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'istio-validator-istio-system'],
  ])('%s returns the generated object', (_, get, apiVersion, kind, name) => {
    const object = get(mesh().mesh);
    expect([object.apiVersion, object.kind, object.name]).toEqual([apiVersion, kind, name]);
  });

  test('revisioned names follow the revision', () => {
    const { mesh: m } = mesh({ revision: 'canary' });
    expect([m.istiodDeployment, m.istiodService, m.meshConfigMap, m.injectorConfigMap, m.injectionWebhook, m.validationWebhook].map((o) => o.name))
      .toEqual(['istiod-canary', 'istiod-canary', 'istio-canary', 'istio-sidecar-injector-canary', 'istio-sidecar-injector-canary', 'istio-validator-canary-istio-system']);
  });

  test('a JSON patch through a getter lands in the synthesized object', () => {
    // GIVEN
    const { chart, mesh: m } = mesh();

    // WHEN
    m.istiodDeployment.addJsonPatch(
      JsonPatch.add('/spec/template/spec/nodeSelector', { 'node-role.example.com/system': 'true' }),
      JsonPatch.add('/spec/template/spec/priorityClassName', 'system-cluster-critical'),
    );
    m.istiodService.addJsonPatch(JsonPatch.add('/metadata/annotations', { 'service.example.com/owner': 'platform' }));
    m.injectionWebhook.addJsonPatch(JsonPatch.replace('/webhooks/0/timeoutSeconds', 5));
    m.meshConfigMap.addJsonPatch(JsonPatch.add('/metadata/annotations', { 'platform.example.com/reviewed': 'true' }));
    const objects = Testing.synth(chart);

    // THEN
    const pod = find(objects, 'Deployment', 'istiod').spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'node-role.example.com/system': 'true' });
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    expect(find(objects, 'Service', 'istiod').metadata.annotations).toEqual({ 'service.example.com/owner': 'platform' });
    expect(find(objects, 'MutatingWebhookConfiguration', 'istio-sidecar-injector').webhooks[0].timeoutSeconds).toBe(5);
    expect(find(objects, 'ConfigMap', 'istio').metadata.annotations).toEqual({ 'platform.example.com/reviewed': 'true' });
    // the other objects are untouched
    expect(find(objects, 'MutatingWebhookConfiguration', 'istio-sidecar-injector').webhooks[1].timeoutSeconds).toBeUndefined();
  });

  test('the getters return the objects apiObjects lists', () => {
    const { mesh: m } = mesh();
    for (const o of [m.istiodDeployment, m.istiodService, m.meshConfigMap, m.injectorConfigMap, m.injectionWebhook, m.validationWebhook]) {
      expect(m.apiObjects).toContain(o);
    }
  });
});
