import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { MeshPeer, WorkloadSelector, ZeroTrustNamespace } from '../lib';
import { find, fixture } from './zero-trust-fixture';

describe('WorkloadSelector.fromLabels', () => {
  test('selects by the labels, copied, with a sorted description and name', () => {
    // GIVEN
    const labels = { version: 'v1', app: 'api' };
    const selector = WorkloadSelector.fromLabels(labels);

    // WHEN
    labels.app = 'changed';

    // THEN
    expect(selector.toWorkloadSelectorConfig()).toEqual({
      labels: { version: 'v1', app: 'api' },
      description: 'app=api,version=v1',
      name: 'app-api-version-v1',
    });
  });

  test('drops label prefixes from the name', () => {
    // THEN
    expect(WorkloadSelector.fromLabels({ 'app.kubernetes.io/name': 'api' }).toWorkloadSelectorConfig().name).toBe('name-api');
  });

  test('renders selector.matchLabels and podSelector.matchLabels', () => {
    // GIVEN
    const { chart, mesh } = fixture();
    const ns = new ZeroTrustNamespace(chart, 'Shop', { name: 'shop', mesh });

    // WHEN
    ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromLabels({ app: 'api' }) });
    const objects = Testing.synth(chart);

    // THEN
    expect(find(objects, 'AuthorizationPolicy', 'allow-ns-shop-to-app-api').spec.selector).toEqual({ matchLabels: { app: 'api' } });
    expect(find(objects, 'NetworkPolicy', 'allow-ns-shop-to-app-api').spec.podSelector).toEqual({ matchLabels: { app: 'api' } });
  });
});

describe('WorkloadSelector.fromDeployment', () => {
  test('selects by the Deployment matchLabels, in its namespace', () => {
    // GIVEN
    const { app } = fixture();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const api = new kplus.Deployment(chart, 'Api', { metadata: { name: 'api' }, containers: [{ image: 'api' }] });

    // WHEN
    const config = WorkloadSelector.fromDeployment(api).toWorkloadSelectorConfig();

    // THEN
    expect(config).toEqual({ labels: api.matchLabels, namespace: 'shop', description: 'deployment api', name: 'api' });
    expect(Object.keys(config.labels)).toEqual(['cdk8s.io/metadata.addr']);
  });

  test('has no namespace when neither the Deployment nor its chart sets one', () => {
    // GIVEN
    const { chart } = fixture();
    const api = new kplus.Deployment(chart, 'Api', { containers: [{ image: 'api' }] });

    // THEN
    expect(WorkloadSelector.fromDeployment(api).toWorkloadSelectorConfig().namespace).toBeUndefined();
  });
});
