import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { parse, parseAllDocuments } from 'yaml';
import {
  CertificateAuthority, CertificateAuthorityType, GatewayTls, IngressGateway, MeshInstallation, MeshInstallationProps, RouteDestination,
} from '../lib';

const ISTIO_CSR = 'cert-manager-istio-csr.cert-manager.svc:443';

function synth(props: MeshInstallationProps = {}): any[] {
  const chart = new Chart(Testing.app(), 'mesh');
  new MeshInstallation(chart, 'Mesh', props);
  return Testing.synth(chart);
}

function find(objects: any[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

const injectorValues = (objects: any[]) => JSON.parse(find(objects, 'ConfigMap', 'istio-sidecar-injector').data.values);
const istiodContainer = (objects: any[]) => find(objects, 'Deployment', 'istiod').spec.template.spec.containers[0];
const istiodEnv = (objects: any[]) => istiodContainer(objects).env.map((e: any) => e.name);
const cacertsVolume = (objects: any[]) => find(objects, 'Deployment', 'istiod').spec.template.spec.volumes.find((v: any) => v.name === 'cacerts');
const gatewayCaAddr = (objects: any[]) =>
  find(objects, 'Deployment', 'istio-ingressgateway').spec.template.spec.containers[0].env.find((e: any) => e.name === 'CA_ADDR').value;

describe('certificate authority', () => {
  test('default: istiod signs with a root of its own, as istioctl install', () => {
    // WHEN
    const objects = synth();

    // THEN
    expect(injectorValues(objects).global.caAddress).toBe('');
    expect(istiodEnv(objects)).not.toContain('ENABLE_CA_SERVER');
    expect(cacertsVolume(objects)).toEqual({ name: 'cacerts', secret: { secretName: 'cacerts', optional: true } });
    expect(gatewayCaAddr(objects)).toBe('istiod.istio-system.svc:15012');
  });

  test('CertificateAuthority.istiod() is the default', () => {
    expect(synth({ certificateAuthority: CertificateAuthority.istiod() })).toEqual(synth());
  });

  test('plugged in: istiod requires the cacerts Secret instead of generating a root', () => {
    // WHEN
    const chart = new Chart(Testing.app(), 'mesh');
    const mesh = new MeshInstallation(chart, 'Mesh', { certificateAuthority: CertificateAuthority.pluggedIn() });
    const objects = Testing.synth(chart);

    // THEN
    expect(cacertsVolume(objects)).toEqual({ name: 'cacerts', secret: { secretName: 'cacerts', optional: false } });
    expect(istiodContainer(objects).volumeMounts).toContainEqual({ name: 'cacerts', mountPath: '/etc/cacerts', readOnly: true });
    expect(injectorValues(objects).global.caAddress).toBe('');
    expect(istiodEnv(objects)).not.toContain('ENABLE_CA_SERVER');
    expect(mesh.certificateAuthority.type).toBe(CertificateAuthorityType.PLUGGED_IN);
    expect(mesh.caAddress).toBeUndefined();
  });

  test('plugged in under another Secret name', () => {
    const objects = synth({ certificateAuthority: CertificateAuthority.pluggedIn({ secretName: 'agency-intermediate-ca' }) });
    expect(cacertsVolume(objects)).toEqual({ name: 'cacerts', secret: { secretName: 'agency-intermediate-ca', optional: false } });
  });

  test.each([
    ['Istio file names', { 'ca-cert.pem': 'x', 'ca-key.pem': 'x', 'root-cert.pem': 'x', 'cert-chain.pem': 'x' }],
    ['cert-manager file names', { 'tls.crt': 'x', 'tls.key': 'x', 'ca.crt': 'x' }],
  ])('a plugged-in CA Secret declared in the app with the %s synthesizes', (_, stringData) => {
    // GIVEN
    const app = Testing.app();
    const chart = new Chart(app, 'mesh');
    new MeshInstallation(chart, 'Mesh', { certificateAuthority: CertificateAuthority.pluggedIn() });
    new k8s.KubeSecret(chart, 'Ca', { metadata: { name: 'cacerts', namespace: 'istio-system' }, stringData });

    // THEN
    expect(() => app.synthYaml()).not.toThrow();
  });

  test('a plugged-in CA Secret declared in the app without the keys istiod reads fails the synth', () => {
    // GIVEN
    const app = Testing.app();
    const chart = new Chart(app, 'mesh');
    new MeshInstallation(chart, 'Mesh', { certificateAuthority: CertificateAuthority.pluggedIn() });
    new k8s.KubeSecret(chart, 'Ca', { metadata: { name: 'cacerts', namespace: 'istio-system' }, stringData: { 'ca-cert.pem': 'x', 'ca-key.pem': 'x' } });

    // THEN
    expect(() => app.synthYaml()).toThrow('Secret istio-system/cacerts (mesh/Ca) is the plugged-in CA but has keys [ca-cert.pem, ca-key.pem]; ' +
      'istiod reads ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem or tls.crt, tls.key, ca.crt');
  });

  test('external (istio-csr): proxies get CA_ADDR from the injector values, istiod turns its CA server off', () => {
    // WHEN
    const chart = new Chart(Testing.app(), 'mesh');
    const mesh = new MeshInstallation(chart, 'Mesh', {
      certificateAuthority: CertificateAuthority.external({ address: ISTIO_CSR }),
      istiodEnv: { PILOT_ENABLE_ALPHA_GATEWAY_API: 'true', AUTO_RELOAD_PLUGIN_CERTS: 'true' },
    });
    const objects = Testing.synth(chart);

    // THEN
    expect(injectorValues(objects).global.caAddress).toBe(ISTIO_CSR);
    expect(JSON.parse(find(objects, 'ConfigMap', 'values').data['merged-values']).global.caAddress).toBe(ISTIO_CSR);
    // pilot.env entries as istioctl renders them: sorted, after the fixed variables
    expect(istiodEnv(objects).slice(-3)).toEqual(['AUTO_RELOAD_PLUGIN_CERTS', 'ENABLE_CA_SERVER', 'PILOT_ENABLE_ALPHA_GATEWAY_API']);
    expect(istiodContainer(objects).env).toContainEqual({ name: 'ENABLE_CA_SERVER', value: 'false' });
    // istio-csr's istiod serving certificate and root are mounted when present, as istioctl's chart does
    expect(istiodContainer(objects).volumeMounts).toEqual(expect.arrayContaining([
      { name: 'istio-csr-dns-cert', mountPath: '/var/run/secrets/istiod/tls', readOnly: true },
      { name: 'istio-csr-ca-configmap', mountPath: '/var/run/secrets/istiod/ca', readOnly: true },
    ]));
    expect(cacertsVolume(objects).secret.optional).toBe(true);
    expect(gatewayCaAddr(objects)).toBe(ISTIO_CSR);
    expect(mesh.caAddress).toBe(ISTIO_CSR);
    expect(mesh.certificateAuthority.address).toBe(ISTIO_CSR);
  });

  test.each(['[2001:db8::1]:443', '10.0.0.5:8443', 'ca.pki.agency.example:65535', 'istio-csr.cert-manager.svc.cluster.local:1'])('external address %s is accepted', (address) => {
    expect(() => synth({ certificateAuthority: CertificateAuthority.external({ address }) })).not.toThrow();
  });

  test('a gateway follows the mesh\'s CA, injected or rendered in full; one whose CA_ADDR is patched back to istiod fails the synth', () => {
    // GIVEN
    const gatewayApp = (injection: boolean, patched = false): App => {
      const app = Testing.app();
      const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', { certificateAuthority: CertificateAuthority.external({ address: ISTIO_CSR }) });
      const gateway = new IngressGateway(new Chart(app, 'edge'), 'Public', { mesh, namespace: 'istio-ingress', injection });
      gateway.addHost('shop.example.com', { tls: GatewayTls.simple('shop-cert') });
      gateway.addRoute('shop.example.com', { to: RouteDestination.host('web.shop.svc.cluster.local', 8080) });
      if (patched) {
        const deployment = gateway.node.findChild('Deployment') as ApiObject;
        const env: any[] = deployment.toJson().spec.template.spec.containers[0].env;
        deployment.addJsonPatch(JsonPatch.replace(`/spec/template/spec/containers/0/env/${env.findIndex((e) => e.name === 'CA_ADDR')}/value`,
          'istiod.istio-system.svc:15012'));
      }
      return app;
    };

    // THEN
    expect(() => gatewayApp(true).synthYaml()).not.toThrow();
    const full = parseAllDocuments(gatewayApp(false).synthYaml()).map((d) => d.toJS()).find((o) => o?.kind === 'Deployment' && o.metadata.name === 'public');
    expect(full.spec.template.spec.containers[0].env.find((e: any) => e.name === 'CA_ADDR').value).toBe(ISTIO_CSR);
    expect(() => gatewayApp(false, true).synthYaml()).toThrow(
      'Deployment istio-ingress/public (edge/Public/Deployment) runs a proxy whose CA_ADDR is istiod (istiod.istio-system.svc:15012), but \'certificateAuthority\' ' +
      `is the external CA ${ISTIO_CSR} and istiod's CA server is off, so it would get no certificate; let the mesh inject it, or set CA_ADDR to "${ISTIO_CSR}"`);
  });
});

describe('validation of certificateAuthority', () => {
  const ADDRESS = 'e.g. "cert-manager-istio-csr.cert-manager.svc:443"';
  test.each<[string, unknown, string]>([
    ['a string', 'istio-csr', "'certificateAuthority' must be CertificateAuthority.istiod(), CertificateAuthority.pluggedIn() or " +
      'CertificateAuthority.external({ address }), got "istio-csr" (string)'],
    ['a plain object', { address: ISTIO_CSR }, "'certificateAuthority' must be CertificateAuthority.istiod(), CertificateAuthority.pluggedIn() or " +
      `CertificateAuthority.external({ address }), got {"address":"${ISTIO_CSR}"}`],
    ['an address without port', CertificateAuthority.external({ address: 'cert-manager-istio-csr.cert-manager.svc' }),
      `'certificateAuthority.address' must be host:port (the port is required), got "cert-manager-istio-csr.cert-manager.svc"; ${ADDRESS}`],
    ['an address with a scheme', CertificateAuthority.external({ address: 'https://ca.example.com:443' }),
      `'certificateAuthority.address' must be host:port without a scheme or path, got "https://ca.example.com:443"; ${ADDRESS}`],
    ['an address with a path', CertificateAuthority.external({ address: 'ca.example.com:443/sign' }),
      `'certificateAuthority.address' must be host:port without a scheme or path, got "ca.example.com:443/sign"; ${ADDRESS}`],
    ['a bare service name', CertificateAuthority.external({ address: 'istio-csr:443' }),
      "'certificateAuthority.address' must name a fully qualified lowercase host (proxies resolve it from every namespace, so " +
      `"<service>.<namespace>.svc", not a bare service name) or an IP address, got "istio-csr:443"; ${ADDRESS}`],
    ['an upper-case host', CertificateAuthority.external({ address: 'CA.example.com:443' }), "'certificateAuthority.address' must name a fully qualified lowercase host"],
    ['port 0', CertificateAuthority.external({ address: 'ca.example.com:0' }),
      `'certificateAuthority.address' has port 0, which is not between 1 and 65535, got "ca.example.com:0"; ${ADDRESS}`],
    ['port 65536', CertificateAuthority.external({ address: 'ca.example.com:65536' }),
      `'certificateAuthority.address' has port 65536, which is not between 1 and 65535, got "ca.example.com:65536"; ${ADDRESS}`],
    ['an unbracketed IPv6 host', CertificateAuthority.external({ address: '2001:db8::1:443' }), "'certificateAuthority.address' must be host:port (the port is required)"],
    ['a number', CertificateAuthority.external({ address: 443 as unknown as string }),
      `'certificateAuthority.address' must be a string host:port, got 443 (number); ${ADDRESS}`],
    ['no address', CertificateAuthority.external(undefined as unknown as { address: string }),
      `'certificateAuthority.address' must be a string host:port, got undefined; ${ADDRESS}`],
    ['a secret name that is no DNS name', CertificateAuthority.pluggedIn({ secretName: 'Agency_CA' }),
      "'certificateAuthority.secretName' must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)"],
    ['a secret name that is a number', CertificateAuthority.pluggedIn({ secretName: 7 as unknown as string }),
      "'certificateAuthority.secretName' must be a string, got 7 (number); omit it for \"cacerts\""],
  ])('fails on %s', (_, certificateAuthority, message) => {
    const chart = new Chart(Testing.app(), 'mesh');
    expect(() => new MeshInstallation(chart, 'Mesh', { certificateAuthority: certificateAuthority as CertificateAuthority })).toThrow(`[mesh/Mesh] ${message}`);
  });

  test('ENABLE_CA_SERVER in istiodEnv points at the typed prop', () => {
    const chart = new Chart(Testing.app(), 'mesh');
    expect(() => new MeshInstallation(chart, 'Mesh', { istiodEnv: { ENABLE_CA_SERVER: 'false' } })).toThrow(
      '[mesh/Mesh] \'istiodEnv\' must not set ENABLE_CA_SERVER (value "false"): istiod\'s CA server is off exactly when ' +
      "'certificateAuthority' is CertificateAuthority.external({ address }), which also points the proxies at that CA; set that instead");
  });
});

describe('MeshInstallation.fromExisting with an external CA', () => {
  test('carries the CA address; a bad one fails with the prop named', () => {
    const chart = new Chart(Testing.app(), 'apps');
    expect(MeshInstallation.fromExisting(chart, 'Mesh', { caAddress: ISTIO_CSR }).caAddress).toBe(ISTIO_CSR);
    expect(MeshInstallation.fromExisting(chart, 'Default').caAddress).toBeUndefined();
    expect(() => MeshInstallation.fromExisting(chart, 'Bad', { caAddress: 'istio-csr' })).toThrow(
      '[apps/Bad] \'caAddress\' must be host:port (the port is required), got "istio-csr"; e.g. "cert-manager-istio-csr.cert-manager.svc:443"');
  });
});

describe('trust domain migration (trustDomainAliases)', () => {
  const meshConfig = (objects: any[]) => parse(find(objects, 'ConfigMap', 'istio').data.mesh);

  test('the aliases go to the mesh config next to the trust domain; none by default', () => {
    const withAliases = Testing.app();
    new MeshInstallation(new Chart(withAliases, 'mesh'), 'Mesh', { trustDomain: 'prod.example.gov', trustDomainAliases: ['cluster.local', 'old.example.gov'] });
    const plain = Testing.app();
    new MeshInstallation(new Chart(plain, 'mesh'), 'Mesh');

    expect(meshConfig(Testing.synth(withAliases.charts[0]))).toMatchObject({ trustDomain: 'prod.example.gov', trustDomainAliases: ['cluster.local', 'old.example.gov'] });
    expect(meshConfig(Testing.synth(plain.charts[0])).trustDomainAliases).toBeUndefined();
  });

  test.each([
    [['Old.Example'], "'trustDomainAliases[0]' must be a lowercase DNS name such as \"old.example.com\", got \"Old.Example\""],
    [['cluster.local'], "'trustDomainAliases[0]' is the trust domain itself (\"cluster.local\"); list only the other trust domains"],
    [['a.example', 'a.example'], "'trustDomainAliases' lists \"a.example\" twice; remove the duplicate"],
    ['old.example', "'trustDomainAliases' must be a list such as [\"old.example.com\"], got \"old.example\" (string)"],
    [[7], "'trustDomainAliases[0]' must be a lowercase DNS name such as \"old.example.com\", got 7 (number)"],
  ])('refuses %p', (aliases, message) => {
    const app = Testing.app();
    expect(() => new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', { trustDomainAliases: aliases as any })).toThrow(`[mesh/Mesh] ${message}`);
  });
});

describe('supported Istio versions', () => {
  test('the range is the patch releases of the installed minor: its patch tags pass, another minor fails', () => {
    expect(MeshInstallation.SUPPORTED_ISTIO_VERSIONS).toBe('>=1.30.0 <1.31.0');
    const ok = Testing.app();
    expect(new MeshInstallation(new Chart(ok, 'mesh'), 'Mesh', { tag: '1.30.1' }).tag).toBe('1.30.1');
    const bad = Testing.app();
    expect(() => new MeshInstallation(new Chart(bad, 'mesh'), 'Mesh', { tag: '1.31.0' })).toThrow(/is Istio 1.31/);
  });
});

describe('the external CA\'s pod port', () => {
  test('istio-csr\'s 6443 by default, another when given, refused out of range', () => {
    const a = Testing.app();
    const mesh = new MeshInstallation(new Chart(a, 'mesh'), 'Mesh', { certificateAuthority: CertificateAuthority.external({ address: ISTIO_CSR }) });
    expect(mesh.caPodPort).toBe(6443);
    const b = Testing.app();
    const other = new MeshInstallation(new Chart(b, 'mesh'), 'Mesh', { certificateAuthority: CertificateAuthority.external({ address: ISTIO_CSR, podPort: 9443 }) });
    expect(other.caPodPort).toBe(9443);
    const c = Testing.app();
    expect(() => new MeshInstallation(new Chart(c, 'mesh'), 'Mesh', { certificateAuthority: CertificateAuthority.external({ address: ISTIO_CSR, podPort: 0 }) }))
      .toThrow("'certificateAuthority.podPort' must be a port between 1 and 65535, got 0; omit it for istio-csr's 6443");
  });
});
