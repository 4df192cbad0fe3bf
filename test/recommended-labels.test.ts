/**
 * Every object a library construct renders carries the Kubernetes recommended labels, so Argo CD,
 * Kiali and `kubectl -l` users can find what a construct made; pod templates keep only their own
 * labels (they are selectors).
 */
import * as os from 'os';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { build as buildSmallBusiness } from '../examples/small-business-platform';
import { build as buildAgency } from '../examples/zero-trust-agency';

const KEYS = ['app.kubernetes.io/name', 'app.kubernetes.io/part-of', 'app.kubernetes.io/managed-by'];

function objects(build: (app: App) => void): any[] {
  const app = new App({ outdir: os.tmpdir() });
  build(app);
  return parseAllDocuments(app.synthYaml()).map((d) => d.toJS()).filter((o) => o);
}

describe.each([['zero-trust-agency', buildAgency], ['small-business-platform', buildSmallBusiness]])('%s', (_name, build) => {
  const all = objects(build);
  // Objects the example writes itself are the user's: its Deployments, Services, ServiceAccounts and
  // the mesh-wide PeerAuthentication it writes with the L1 class.
  const ours = all.filter((o) => (!['Deployment', 'Service', 'ServiceAccount'].includes(o.kind) || o.metadata.labels?.['app.kubernetes.io/managed-by'])
    && !(o.kind === 'PeerAuthentication' && o.metadata.namespace === 'istio-system'));

  test('every object of the library carries name, part-of and managed-by', () => {
    const missing = ours.filter((o) => o.kind !== 'CustomResourceDefinition' && KEYS.some((k) => !o.metadata.labels?.[k]))
      .map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(missing).toEqual([]);
  });

  test('managed-by is cdk8s-istio and label values are valid', () => {
    for (const o of ours.filter((x) => x.metadata.labels?.['app.kubernetes.io/managed-by'])) {
      expect(o.metadata.labels['app.kubernetes.io/managed-by']).toBe('cdk8s-istio');
      for (const v of Object.values(o.metadata.labels) as string[]) expect(v).toMatch(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/);
    }
  });

  test('zero-trust objects of one namespace share name, part-of and instance', () => {
    const policies = all.filter((o) => ['AuthorizationPolicy', 'NetworkPolicy', 'PeerAuthentication', 'Sidecar'].includes(o.kind)
      && o.metadata.labels?.['app.kubernetes.io/component'] === 'zero-trust');
    expect(policies.length).toBeGreaterThan(3);
    const byNamespace = new Map<string, Set<string>>();
    for (const p of policies) {
      const key = p.metadata.namespace;
      const l = p.metadata.labels;
      byNamespace.set(key, new Set([...(byNamespace.get(key) ?? []), `${l['app.kubernetes.io/name']}|${l['app.kubernetes.io/part-of']}|${l['app.kubernetes.io/instance']}`]));
      expect(l['app.kubernetes.io/name']).toBe(key);
    }
    for (const values of byNamespace.values()) expect(values.size).toBe(1);
  });
});
