import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { MeshPeer, ZeroTrustNamespace } from '../lib';
import { find, fixture } from './zero-trust-fixture';

/** Resolves a peer the way ZeroTrustNamespace does, against the fixture's mesh. */
function resolve(peer: ReturnType<typeof MeshPeer.namespace>, attrs = {}) {
  const { chart, mesh } = fixture(attrs);
  return peer.toMeshPeerConfig(chart, mesh);
}

describe('MeshPeer.serviceAccount', () => {
  test('is the SPIFFE principal of the service account in the mesh trust domain', () => {
    // WHEN
    const config = resolve(MeshPeer.serviceAccount('frontend', 'web'), { trustDomain: 'agency.gov' });

    // THEN
    expect(config).toEqual({
      namespace: 'frontend',
      principals: ['agency.gov/ns/frontend/sa/web'],
      podLabels: undefined,
      description: 'frontend/sa/web',
      name: 'frontend-web',
    });
  });

  test('carries pod labels, copied', () => {
    // GIVEN
    const labels = { app: 'web' };
    const peer = MeshPeer.serviceAccount('frontend', 'web', { podLabels: labels });

    // WHEN
    labels.app = 'changed';

    // THEN
    expect(resolve(peer).podLabels).toEqual({ app: 'web' });
  });

  test('renders source.principals in the AuthorizationPolicy', () => {
    // GIVEN
    const { chart, mesh } = fixture();
    const ns = new ZeroTrustNamespace(chart, 'Shop', { name: 'shop', mesh, externalNamespaces: ['frontend'] });

    // WHEN
    ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'));

    // THEN
    expect(find(Testing.synth(chart), 'AuthorizationPolicy', 'allow-frontend-web').spec.rules[0].from)
      .toEqual([{ source: { principals: ['cluster.local/ns/frontend/sa/web'] } }]);
  });

  test('fails on an invalid namespace or service account name', () => {
    // THEN
    expect(() => resolve(MeshPeer.serviceAccount('Front_End', 'web')))
      .toThrow(/^\[apps\] 'MeshPeer.serviceAccount namespace' must be a DNS-1123 label .* got "Front_End"$/);
    expect(() => resolve(MeshPeer.serviceAccount('frontend', 'Web App')))
      .toThrow(/^\[apps\] 'MeshPeer.serviceAccount name' must be a DNS-1123 subdomain \(lowercase letters, digits, '-' and '.', at most 253 characters\) such as "web", got "Web App"$/);
  });
});

describe('MeshPeer.namespace', () => {
  test('is the whole namespace', () => {
    // THEN
    expect(resolve(MeshPeer.namespace('batch'))).toEqual({ namespace: 'batch', description: 'batch/*', name: 'ns-batch' });
  });

  test('fails on an invalid namespace name', () => {
    // THEN
    expect(() => resolve(MeshPeer.namespace('')))
      .toThrow(/^\[apps\] 'MeshPeer.namespace name' must be a DNS-1123 label .* got ""$/);
  });
});

describe('MeshPeer.fromServiceAccount', () => {
  test('takes the namespace from the argument, the ServiceAccount, its chart, or its import', () => {
    // GIVEN
    const { app, chart, mesh } = fixture();
    const withMeta = new kplus.ServiceAccount(chart, 'A', { metadata: { name: 'a', namespace: 'team-a' } });
    const inChart = new kplus.ServiceAccount(new Chart(app, 'team-b', { namespace: 'team-b' }), 'B', { metadata: { name: 'b' } });
    const imported = kplus.ServiceAccount.fromServiceAccountName(chart, 'C', 'c', { namespaceName: 'team-c' });

    // THEN
    expect(MeshPeer.fromServiceAccount(withMeta).toMeshPeerConfig(chart, mesh).principals).toEqual(['cluster.local/ns/team-a/sa/a']);
    expect(MeshPeer.fromServiceAccount(withMeta, 'override').toMeshPeerConfig(chart, mesh).principals).toEqual(['cluster.local/ns/override/sa/a']);
    expect(MeshPeer.fromServiceAccount(inChart).toMeshPeerConfig(chart, mesh).principals).toEqual(['cluster.local/ns/team-b/sa/b']);
    expect(MeshPeer.fromServiceAccount(imported).toMeshPeerConfig(chart, mesh).principals).toEqual(['cluster.local/ns/team-c/sa/c']);
  });

  test('fails when the namespace cannot be told', () => {
    // GIVEN
    const { chart, mesh } = fixture();
    const sa = new kplus.ServiceAccount(chart, 'Loose', { metadata: { name: 'loose' } });

    // THEN
    expect(() => MeshPeer.fromServiceAccount(sa).toMeshPeerConfig(chart, mesh))
      .toThrow(/^\[apps\] 'MeshPeer.fromServiceAccount' cannot tell the namespace of service account "loose"; pass it as the second argument or set metadata.namespace \(or the chart namespace\) on the ServiceAccount$/);
  });
});

describe('MeshPeer.fromDeployment', () => {
  test('is the Deployment service account (or default) with its selector labels', () => {
    // GIVEN
    const { chart, mesh } = fixture();
    const sa = new kplus.ServiceAccount(chart, 'Sa', { metadata: { name: 'web', namespace: 'frontend' } });
    const web = new kplus.Deployment(chart, 'Web', { metadata: { name: 'web', namespace: 'frontend' }, serviceAccount: sa, containers: [{ image: 'web' }] });
    const job = new kplus.Deployment(chart, 'Job', { metadata: { name: 'job', namespace: 'frontend' }, containers: [{ image: 'job' }] });

    // THEN
    expect(MeshPeer.fromDeployment(web).toMeshPeerConfig(chart, mesh)).toEqual({
      namespace: 'frontend',
      principals: ['cluster.local/ns/frontend/sa/web'],
      podLabels: web.matchLabels,
      description: 'frontend/sa/web (deployment web)',
      name: 'frontend-web',
    });
    expect(MeshPeer.fromDeployment(job).toMeshPeerConfig(chart, mesh).principals).toEqual(['cluster.local/ns/frontend/sa/default']);
  });

  test('fails when the Deployment has no namespace', () => {
    // GIVEN
    const { chart, mesh } = fixture();
    const web = new kplus.Deployment(chart, 'Web', { metadata: { name: 'web' }, containers: [{ image: 'web' }] });

    // THEN
    expect(() => MeshPeer.fromDeployment(web).toMeshPeerConfig(chart, mesh))
      .toThrow(/^\[apps\] 'MeshPeer.fromDeployment' cannot tell the namespace of Deployment "web"; set metadata.namespace \(or the chart namespace\) on the Deployment$/);
  });
});

describe('MeshPeer.ingressGateway', () => {
  test('defaults to the istio-ingressgateway of the mesh', () => {
    // THEN
    expect(resolve(MeshPeer.ingressGateway(), { namespace: 'mesh-system' })).toEqual({
      namespace: 'mesh-system',
      principals: ['cluster.local/ns/mesh-system/sa/istio-ingressgateway-service-account'],
      podLabels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
      description: 'ingress gateway mesh-system/sa/istio-ingressgateway-service-account',
      name: 'ingress-gateway',
    });
  });

  test('takes another gateway', () => {
    // WHEN
    const config = resolve(MeshPeer.ingressGateway({ namespace: 'gateways', serviceAccount: 'public', podLabels: { gw: 'public' } }));

    // THEN
    expect(config.principals).toEqual(['cluster.local/ns/gateways/sa/public']);
    expect(config.podLabels).toEqual({ gw: 'public' });
  });
});

describe('MeshPeer.principal', () => {
  test.each([
    'spiffe://cluster.local/ns/partner/sa/client',
    'cluster.local/ns/partner/sa/client',
  ])('parses %s', (principal) => {
    // THEN
    expect(resolve(MeshPeer.principal(principal))).toMatchObject({ namespace: 'partner', principals: ['cluster.local/ns/partner/sa/client'] });
  });

  test('fails on a malformed principal', () => {
    // THEN
    expect(() => resolve(MeshPeer.principal('cluster.local/partner/client')))
      .toThrow(/^\[apps\] 'MeshPeer.principal' must look like "\[spiffe:\/\/\]<trustDomain>\/ns\/<namespace>\/sa\/<serviceAccount>", got "cluster.local\/partner\/client"$/);
  });

  test('fails on a principal in another trust domain', () => {
    // THEN
    expect(() => resolve(MeshPeer.principal('other.example/ns/partner/sa/client')))
      .toThrow(/^\[apps\] 'MeshPeer.principal' "other.example\/ns\/partner\/sa\/client" is in trust domain "other.example", but the mesh's trust domain is "cluster.local"; use an identity of this mesh \(MeshPeer.serviceAccount\) or fix the trust domain$/);
  });
});
