import { Testing } from 'cdk8s';
import { ExternalHost, ExternalHostProtocol, ZeroTrustNamespace, ZeroTrustNamespaceProps } from '../lib';
import { find, fixture, inventory, ofKind } from './zero-trust-fixture';

function shop(props: Partial<ZeroTrustNamespaceProps> = {}) {
  const f = fixture();
  const ns = new ZeroTrustNamespace(f.chart, 'Shop', { name: 'shop', mesh: f.mesh, ...props });
  return { ...f, ns };
}

describe('factories', () => {
  test('https defaults to 443, tls and tcp take a port, tcp takes addresses (copied)', () => {
    // GIVEN
    const addresses = ['203.0.113.10'];

    // WHEN
    const https = ExternalHost.https('api.example.com');
    const tls = ExternalHost.tls('db.example.com', 5433);
    const tcp = ExternalHost.tcp('ledger.example.com', 5432, addresses);
    addresses.push('198.51.100.1');

    // THEN
    expect([https.host, https.port, https.protocol, https.addresses]).toEqual(['api.example.com', 443, ExternalHostProtocol.HTTPS, []]);
    expect([tls.port, tls.protocol]).toEqual([5433, ExternalHostProtocol.TLS]);
    expect([tcp.port, tcp.protocol, tcp.addresses]).toEqual([5432, ExternalHostProtocol.TCP, ['203.0.113.10']]);
    expect(ExternalHost.https('api.example.com', 8443).port).toBe(8443);
  });
});

describe('rendering', () => {
  test('an HTTPS host is a DNS-resolved MESH_EXTERNAL ServiceEntry visible only in the namespace', () => {
    // WHEN
    const { chart } = shop({ externalHosts: [ExternalHost.https('api.example.com')] });
    const objects = Testing.synth(chart);

    // THEN
    const se = find(objects, 'ServiceEntry', 'external-api-example-com');
    expect(se.apiVersion).toBe('networking.istio.io/v1');
    expect(se.spec).toEqual({
      hosts: ['api.example.com'],
      exportTo: ['.'],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      ports: [{ number: 443, name: 'https-443', protocol: 'HTTPS' }],
    });
    expect(find(objects, 'NetworkPolicy', 'allow-external-egress').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [{ protocol: 'TCP', port: 443 }] }],
    });
  });

  test('the Sidecar reaches it through ./* (Istio rejects ./<host> next to ./* as a duplicate) and stays REGISTRY_ONLY', () => {
    // WHEN
    const { chart } = shop({ externalHosts: [ExternalHost.https('api.example.com')] });

    // THEN
    expect(find(Testing.synth(chart), 'Sidecar', 'default').spec).toEqual({
      egress: [{ hosts: ['./*', 'istio-system/*'] }],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    });
  });

  test('a wildcard host is resolution NONE', () => {
    // WHEN
    const { chart } = shop({ externalHosts: [ExternalHost.https('*.example.com')] });

    // THEN
    const se = find(Testing.synth(chart), 'ServiceEntry', 'external-wildcard-example-com');
    expect(se.spec.hosts).toEqual(['*.example.com']);
    expect(se.spec.resolution).toBe('NONE');
  });

  test('a TCP host with addresses is resolution NONE and narrows the egress NetworkPolicy to them', () => {
    // WHEN
    const { chart } = shop({ externalHosts: [ExternalHost.tcp('ledger.example.com', 5432, ['203.0.113.10', '198.51.100.0/24', '2001:db8::1'])] });
    const objects = Testing.synth(chart);

    // THEN
    expect(find(objects, 'ServiceEntry', 'external-ledger-example-com').spec).toEqual({
      hosts: ['ledger.example.com'],
      addresses: ['203.0.113.10', '198.51.100.0/24', '2001:db8::1'],
      exportTo: ['.'],
      location: 'MESH_EXTERNAL',
      resolution: 'NONE',
      ports: [{ number: 5432, name: 'tcp-5432', protocol: 'TCP' }],
    });
    expect(find(objects, 'NetworkPolicy', 'allow-external-egress').spec.egress).toEqual([{
      to: [{ ipBlock: { cidr: '203.0.113.10/32' } }, { ipBlock: { cidr: '198.51.100.0/24' } }, { ipBlock: { cidr: '2001:db8::1/128' } }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    }]);
  });

  test('one ServiceEntry per host with its ports merged; one egress rule for all address-less ports', () => {
    // GIVEN
    const { chart, ns } = shop();

    // WHEN
    ns.allowEgressTo(ExternalHost.tls('db.example.com', 5433));
    ns.allowEgressTo(ExternalHost.https('db.example.com'));
    ns.allowEgressTo(ExternalHost.https('api.example.com'));
    const objects = Testing.synth(chart);

    // THEN
    expect(ofKind(objects, 'ServiceEntry').map((o) => o.metadata.name)).toEqual(['external-db-example-com', 'external-api-example-com']);
    expect(find(objects, 'ServiceEntry', 'external-db-example-com').spec.ports).toEqual([
      { number: 443, name: 'https-443', protocol: 'HTTPS' },
      { number: 5433, name: 'tls-5433', protocol: 'TLS' },
    ]);
    expect(find(objects, 'NetworkPolicy', 'allow-external-egress').spec.egress).toEqual([{
      to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }],
      ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 5433 }],
    }]);
    expect(ns.externalHosts.map((h) => `${h.host}:${h.port}`)).toEqual(['db.example.com:5433', 'db.example.com:443', 'api.example.com:443']);
  });

  test('without external hosts there is no ServiceEntry and no external egress', () => {
    // WHEN
    const { chart } = shop();

    // THEN
    const kinds = inventory(Testing.synth(chart));
    expect(kinds.filter((k) => k.startsWith('ServiceEntry/'))).toEqual([]);
    expect(kinds).not.toContain('NetworkPolicy/allow-external-egress');
  });
});

describe('validation', () => {
  test.each([
    ['https://api.example.com', /'ExternalHost host' must be a host name without scheme, port or path, got "https:\/\/api.example.com"; e.g. "api.example.com"$/],
    ['api.example.com:443', /'ExternalHost host' must be a host name without scheme, port or path, got "api.example.com:443"/],
    ['api.example.com/v1', /'ExternalHost host' must be a host name without scheme, port or path/],
    ['api_example.com', /'ExternalHost host' must be a fully qualified lowercase DNS name such as "api.example.com" or a prefix wildcard such as "\*.example.com", got "api_example.com"$/],
    ['localhost', /must be a fully qualified lowercase DNS name .* got "localhost"$/],
    ['API.example.com', /must be a fully qualified lowercase DNS name .* got "API.example.com"$/],
    ['*', /must be a fully qualified lowercase DNS name .* got "\*"$/],
    ['api*.example.com', /must be a fully qualified lowercase DNS name .* got "api\*.example.com"$/],
    ['*.*.example.com', /must be a fully qualified lowercase DNS name .* got "\*.\*.example.com"$/],
    ['-api.example.com', /must be a fully qualified lowercase DNS name .* got "-api.example.com"$/],
    [`${'a'.repeat(64)}.example.com`, /must be a fully qualified lowercase DNS name/],
  ])('fails on host %s', (host, message) => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowEgressTo(ExternalHost.https(host))).toThrow(message);
  });

  test('fails on a wildcard TCP host', () => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowEgressTo(ExternalHost.tcp('*.example.com', 5432)))
      .toThrow(/^\[apps\/Shop\] 'ExternalHost host' must not be a wildcard for TCP, got "\*.example.com"; TCP carries no host name, so declare each host with its addresses$/);
  });

  test.each([0, 65536])('fails on port %d', (port) => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowEgressTo(ExternalHost.tls('db.example.com', port)))
      .toThrow(new RegExp(`^\\[apps/Shop\\] 'ExternalHost port' must be an integer between 1 and 65535, got ${port}`));
  });

  test.each([1, 65535])('accepts port %d', (port) => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowEgressTo(ExternalHost.tls('db.example.com', port))).not.toThrow();
  });

  test.each(['10.0.0.300', '10.0.0.0/33', 'db.example.com', '2001:db8::/129', '10.0.0.0/8/1'])('fails on address %s', (address) => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowEgressTo(ExternalHost.tcp('db.example.com', 5432, [address])))
      .toThrow(/^\[apps\/Shop\] 'ExternalHost addresses\[0\]' must be an IP address or CIDR block such as "203.0.113.10" or "203.0.113.0\/24", got /);
  });

  test('fails on the same host and port twice', () => {
    // GIVEN
    const { ns } = shop();
    ns.allowEgressTo(ExternalHost.https('api.example.com'));

    // THEN
    expect(() => ns.allowEgressTo(ExternalHost.tls('api.example.com', 443)))
      .toThrow(/^\[apps\/Shop\] 'allowEgressTo' declares api.example.com:443 twice; remove the duplicate or use another port$/);
  });
});
