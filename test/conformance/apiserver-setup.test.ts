import * as fs from 'fs';
import * as path from 'path';
import { BUILD_PACKAGES, kubernetesVersionOf, versionLdflags } from '../../conformance/apiserver/build';
import { ADMIN_USER, kubeconfigText, tokenFileLine } from '../../conformance/apiserver/certs';
import { definedBy, isOfExternalKind, parseExternalCrds, readExternalCrds, stubCrd } from '../../conformance/apiserver/external-crds';
import { apiserverArgs, freePorts } from '../../conformance/apiserver/server';
import { K8sObject } from '../../conformance/manifests';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

describe('build', () => {
  test('the Kubernetes version comes from the wrapper go.mod', () => {
    const goMod = fs.readFileSync(path.join(REPO_ROOT, 'conformance', 'apiserver-build', 'go.mod'), 'utf8');
    expect(kubernetesVersionOf(goMod)).toMatch(/^v1\.(3[1-9]|[4-9]\d)\.\d+$/);
    expect(kubernetesVersionOf('require (\n\tk8s.io/kubernetes v1.35.3 // indirect\n)')).toBe('v1.35.3');
    expect(kubernetesVersionOf('require k8s.io/kubernetes v1.36.0')).toBe('v1.36.0');
  });

  test('a go.mod without k8s.io/kubernetes fails naming the file', () => {
    expect(() => kubernetesVersionOf('module x\n', 'conformance/apiserver-build/go.mod')).toThrow(/conformance\/apiserver-build\/go.mod does not require k8s.io\/kubernetes/);
  });

  test('every staging repository k8s.io/kubernetes requires is replaced by a published release', () => {
    const goMod = fs.readFileSync(path.join(REPO_ROOT, 'conformance', 'apiserver-build', 'go.mod'), 'utf8');
    const replaced = [...goMod.matchAll(/^\s*(k8s\.io\/[\w-]+) => k8s\.io\/[\w-]+ (v0\.\d+\.\d+)$/gm)];
    expect(replaced.length).toBeGreaterThanOrEqual(28);
    for (const m of replaced) expect(m[2]).toMatch(/^v0\.\d+\.\d+$/);
  });

  test('the version flags stamp both version packages', () => {
    const flags = versionLdflags('v1.35.3');
    expect(flags).toContain('-X k8s.io/component-base/version.gitVersion=v1.35.3');
    expect(flags).toContain('-X k8s.io/client-go/pkg/version.gitMinor=35');
    expect(flags).toContain('-X k8s.io/client-go/pkg/version.gitMajor=1');
    expect(() => versionLdflags('1.35')).toThrow(/'1.35' is not a Kubernetes version/);
  });

  test('kube-apiserver, kubectl and etcd are built', () => {
    expect(BUILD_PACKAGES.map((p) => p.split('/').pop())).toEqual(['kube-apiserver', 'kubectl', 'etcd']);
  });
});

describe('credentials', () => {
  test('the token file puts the user in system:masters', () => {
    expect(tokenFileLine('t0k', ADMIN_USER, ['system:masters'])).toBe(`t0k,${ADMIN_USER},${ADMIN_USER},"system:masters"\n`);
  });

  test('the kubeconfig trusts the CA and sends the token', () => {
    const config = JSON.parse(kubeconfigText('https://127.0.0.1:6443', '/tmp/x/ca.crt', 't0k'));
    expect(config['current-context']).toBe('conformance');
    expect(config.clusters[0].cluster).toEqual({ 'server': 'https://127.0.0.1:6443', 'certificate-authority': '/tmp/x/ca.crt' });
    expect(config.users[0].user).toEqual({ token: 't0k' });
  });
});

describe('server', () => {
  const creds = {
    caCert: '/d/ca.crt',
    serverCert: '/d/server.crt',
    serverKey: '/d/server.key',
    serviceAccountKey: '/d/sa.key',
    serviceAccountPublicKey: '/d/sa.pub',
    tokenFile: '/d/tokens.csv',
    token: 't',
  };

  test('kube-apiserver listens on loopback only, with our certificates, token file and RBAC', () => {
    const args = apiserverArgs({ etcdPort: 2379, securePort: 6443, creds, certDir: '/d/cert-dir' });
    expect(args).toEqual(expect.arrayContaining([
      '--etcd-servers=http://127.0.0.1:2379',
      '--bind-address=127.0.0.1',
      '--secure-port=6443',
      '--tls-cert-file=/d/server.crt',
      '--token-auth-file=/d/tokens.csv',
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      '--service-account-key-file=/d/sa.pub',
      '--service-account-signing-key-file=/d/sa.key',
    ]));
    // Admission plugins stay at kube-apiserver's defaults.
    expect(args.some((a) => a.startsWith('--enable-admission-plugins') || a.startsWith('--disable-admission-plugins'))).toBe(false);
  });

  test('free ports are distinct', async () => {
    const ports = await freePorts(3);
    expect(new Set(ports).size).toBe(3);
    for (const p of ports) expect(p).toBeGreaterThan(0);
  });
});

describe('external CRDs', () => {
  const text = [
    '- group: monitoring.coreos.com',
    '  version: v1',
    '  kind: PodMonitor',
    '  plural: podmonitors',
    '  reason: the operator installs it',
  ].join('\n');

  test('an entry becomes a namespaced stub CRD that accepts any spec', () => {
    // GIVEN
    const [entry] = parseExternalCrds(text);
    // WHEN
    const crd = stubCrd(entry) as any;
    // THEN
    expect(crd.metadata.name).toBe('podmonitors.monitoring.coreos.com');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toEqual({ kind: 'PodMonitor', plural: 'podmonitors', singular: 'podmonitor', listKind: 'PodMonitorList' });
    expect(crd.spec.versions[0].schema.openAPIV3Schema['x-kubernetes-preserve-unknown-fields']).toBe(true);
  });

  test('objects are matched by group, version and kind', () => {
    const [entry] = parseExternalCrds(text);
    const pm: K8sObject = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'p' } };
    expect(isOfExternalKind(pm, entry)).toBe(true);
    expect(isOfExternalKind({ ...pm, apiVersion: 'monitoring.coreos.com/v1alpha1' }, entry)).toBe(false);
  });

  test('a kind an example ships its own CRD for needs no stub', () => {
    const [entry] = parseExternalCrds(text);
    const real = { ...stubCrd(entry), metadata: { name: 'podmonitors.monitoring.coreos.com' } };
    expect(definedBy([real], entry)).toBe(true);
    expect(definedBy([], entry)).toBe(false);
  });

  test.each([
    ['not a list', 'a: 1', /expected a list/],
    ['missing reason', '- { group: g, version: v1, kind: K, plural: ks }', /entry 0 \(K\): 'reason' must be a non-empty string/],
    ['bad scope', '- { group: g, version: v1, kind: K, plural: ks, reason: r, scope: Global }', /'scope' must be Namespaced or Cluster, got Global/],
  ])('fails on %s', (_, bad, message) => {
    expect(() => parseExternalCrds(bad, 'external-crds.yaml')).toThrow(message);
  });

  test('the reviewed list in the repo parses and every entry has a reason', () => {
    const entries = readExternalCrds(path.join(REPO_ROOT, 'conformance', 'apiserver', 'external-crds.yaml'));
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e.reason.length).toBeGreaterThan(10);
  });
});
