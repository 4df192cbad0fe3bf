import { Chart, JsonPatch, Testing } from 'cdk8s';
import { EgressGateway, EgressGatewayProps, EgressRouteOptions, ExternalHost, ZeroTrustNamespace } from '../lib';
import { find, gatewayFixture, inventory, ofKind } from './gateway-fixture';
import { expectIstioctlAccepts, expectSchemaValid } from './helpers/conformance';

/** An EgressGateway `egress` in namespace istio-egress of the fixture's `edge` chart. */
function egress(props: Partial<EgressGatewayProps> = {}) {
  const f = gatewayFixture();
  const gateway = new EgressGateway(f.edge, 'Egress', { mesh: f.mesh, namespace: 'istio-egress', ...props });
  return { ...f, gateway };
}

/** An egress gateway routing api.partner.example (passthrough) for namespace shop. */
function routed(options: EgressRouteOptions = { clients: ['shop'] }) {
  const f = egress();
  const route = f.gateway.routeHost(ExternalHost.https('api.partner.example'), options);
  return { ...f, route };
}

describe('defaults', () => {
  test('snapshot', () => {
    // GIVEN
    const { edge } = routed();

    // THEN
    expect(Testing.synth(edge)).toMatchSnapshot();
  });

  test('emits the workload with a ClusterIP Service, the Gateway, the subsets and one ServiceEntry and VirtualService per host', () => {
    // WHEN
    const objects = Testing.synth(routed().edge);

    // THEN
    expect(inventory(objects)).toEqual([
      'ServiceAccount/egress',
      'Role/egress-sds',
      'RoleBinding/egress-sds',
      'Deployment/egress',
      'Service/egress',
      'HorizontalPodAutoscaler/egress',
      'Gateway/egress',
      'DestinationRule/egress',
      'ServiceEntry/egress-api-partner-example',
      'VirtualService/egress-api-partner-example',
    ]);
    const service = find(objects, 'Service', 'egress');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports.map((p: any) => `${p.name}:${p.port}->${p.targetPort}`)).toEqual(['http2:80->8080', 'https:443->8443']);
    expect(find(objects, 'Deployment', 'egress').spec.template.spec.containers[0].image).toBe('auto');
  });

  test('passes the CRD schemas and istioctl validate', () => {
    // GIVEN
    const { edge, gateway } = routed();
    gateway.routeHost(ExternalHost.tls('db.partner.example', 5433), { clients: ['shop', 'billing'] });
    gateway.routeHost(ExternalHost.https('ledger.partner.example'), { originateTls: true, httpPort: 8080, caCertificates: '/etc/partner/ca.pem' });

    // WHEN
    const objects = Testing.synth(edge);

    // THEN
    expectSchemaValid(objects);
    expectIstioctlAccepts(objects);
  });

  test('fails at synth when no host is routed', () => {
    expect(() => Testing.synth(egress().edge)).toThrow(
      /\[edge\/Egress\] the egress gateway routes no host; call routeHost\(ExternalHost.https\('api.example.com'\)\) or remove the gateway/);
  });
});

describe('TLS passthrough (the application speaks TLS)', () => {
  test('mesh -> gateway -> host by SNI, as in Istio\'s egress gateway task', () => {
    // WHEN
    const objects = Testing.synth(routed().edge);

    // THEN
    expect(find(objects, 'ServiceEntry', 'egress-api-partner-example').spec).toEqual({
      hosts: ['api.partner.example'],
      exportTo: ['.', 'shop'],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      ports: [{ number: 443, name: 'https-443', protocol: 'HTTPS' }],
    });
    expect(find(objects, 'Gateway', 'egress').spec).toEqual({
      selector: { app: 'egress', istio: 'egress' },
      servers: [{ port: { number: 443, name: 'tls-passthrough', protocol: 'TLS' }, hosts: ['api.partner.example'], tls: { mode: 'PASSTHROUGH' } }],
    });
    expect(find(objects, 'VirtualService', 'egress-api-partner-example').spec).toEqual({
      hosts: ['api.partner.example'],
      gateways: ['mesh', 'istio-egress/egress'],
      exportTo: ['.', 'shop'],
      tls: [
        {
          match: [{ gateways: ['mesh'], port: 443, sniHosts: ['api.partner.example'] }],
          route: [{ destination: { host: 'egress.istio-egress.svc.cluster.local', subset: 'api-partner-example', port: { number: 443 } } }],
        },
        {
          match: [{ gateways: ['istio-egress/egress'], port: 443, sniHosts: ['api.partner.example'] }],
          route: [{ destination: { host: 'api.partner.example', port: { number: 443 } } }],
        },
      ],
    });
    expect(find(objects, 'DestinationRule', 'egress').spec).toEqual({
      host: 'egress.istio-egress.svc.cluster.local',
      exportTo: ['.', 'shop'],
      subsets: [{ name: 'api-partner-example', trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'DISABLE' } }] } }],
    });
  });

  test('a TLS host on another port enters the gateway on 443 and leaves on its own port', () => {
    // GIVEN
    const { edge, gateway } = egress();

    // WHEN
    gateway.routeHost(ExternalHost.tls('db.partner.example', 5433));

    // THEN
    const objects = Testing.synth(edge);
    const vs = find(objects, 'VirtualService', 'egress-db-partner-example').spec;
    expect(vs.exportTo).toEqual(['*']);
    expect(vs.tls[0].match[0].port).toBe(5433);
    expect(vs.tls[1].match[0].port).toBe(443);
    expect(vs.tls[1].route[0].destination.port).toEqual({ number: 5433 });
    expect(find(objects, 'ServiceEntry', 'egress-db-partner-example').spec.ports).toEqual([{ number: 5433, name: 'tls-5433', protocol: 'TLS' }]);
  });

  test('returns what clients need: the gateway pods and the container port', () => {
    // WHEN
    const { route } = routed();

    // THEN
    expect(route).toEqual({
      host: 'api.partner.example',
      port: 443,
      applicationPort: 443,
      originatesTls: false,
      gatewayNamespace: 'istio-egress',
      gatewayServiceHost: 'egress.istio-egress.svc.cluster.local',
      gatewayPodLabels: { app: 'egress', istio: 'egress' },
      gatewayPorts: [8443],
    });
  });
});

describe('TLS origination', () => {
  test('plain HTTP in the mesh, Istio mTLS to the gateway, verified HTTPS to the host', () => {
    // GIVEN
    const { edge, gateway } = egress();

    // WHEN
    const route = gateway.routeHost(ExternalHost.https('ledger.partner.example'), { clients: ['billing'], originateTls: true });

    // THEN
    const objects = Testing.synth(edge);
    expect(route.applicationPort).toBe(80);
    expect(route.originatesTls).toBe(true);
    expect(find(objects, 'ServiceEntry', 'egress-ledger-partner-example').spec.ports).toEqual([
      { number: 80, name: 'http-80', protocol: 'HTTP' },
      { number: 443, name: 'https-443', protocol: 'HTTPS' },
    ]);
    expect(find(objects, 'Gateway', 'egress').spec.servers).toEqual([
      { port: { number: 443, name: 'https-istio-mutual', protocol: 'HTTPS' }, hosts: ['ledger.partner.example'], tls: { mode: 'ISTIO_MUTUAL' } },
    ]);
    expect(find(objects, 'VirtualService', 'egress-ledger-partner-example').spec.http).toEqual([
      {
        name: 'to-egress-gateway',
        match: [{ gateways: ['mesh'], port: 80 }],
        route: [{ destination: { host: 'egress.istio-egress.svc.cluster.local', subset: 'ledger-partner-example', port: { number: 443 } } }],
      },
      {
        name: 'to-external-host',
        match: [{ gateways: ['istio-egress/egress'], port: 443 }],
        route: [{ destination: { host: 'ledger.partner.example', port: { number: 443 } } }],
      },
    ]);
    expect(find(objects, 'DestinationRule', 'egress').spec.subsets).toEqual([{
      name: 'ledger-partner-example',
      trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'ISTIO_MUTUAL', sni: 'ledger.partner.example' } }] },
    }]);
    expect(find(objects, 'DestinationRule', 'egress-ledger-partner-example-tls').spec).toEqual({
      host: 'ledger.partner.example',
      exportTo: ['.'],
      trafficPolicy: {
        portLevelSettings: [{
          port: { number: 443 },
          tls: { mode: 'SIMPLE', sni: 'ledger.partner.example', caCertificates: '/etc/ssl/certs/ca-certificates.crt' },
        }],
      },
    });
  });
});

describe('clients', () => {
  test('routing a host again adds clients; without clients the route is exported everywhere', () => {
    // GIVEN
    const { edge, gateway } = routed();

    // WHEN
    gateway.routeHost(ExternalHost.https('api.partner.example'), { clients: ['billing', 'istio-egress'] });

    // THEN
    expect(find(Testing.synth(edge), 'VirtualService', 'egress-api-partner-example').spec.exportTo).toEqual(['.', 'billing', 'shop']);
    gateway.routeHost(ExternalHost.https('api.partner.example'));
    expect(find(Testing.synth(edge), 'ServiceEntry', 'egress-api-partner-example').spec.exportTo).toEqual(['*']);
    expect(find(Testing.synth(edge), 'DestinationRule', 'egress').spec.exportTo).toEqual(['*']);
    expect(gateway.routedHosts).toEqual(['api.partner.example']);
  });

  test('a ZeroTrustNamespace reaches the gateway pods only (allowTo), and its Sidecar imports the gateway namespace', () => {
    // GIVEN
    const { app, gateway, mesh, route } = routed();
    const apps = new Chart(app, 'apps');
    const ns = new ZeroTrustNamespace(apps, 'Shop', { name: 'shop', mesh, externalNamespaces: ['istio-egress'] });

    // WHEN
    ns.allowTo(gateway, { ports: route.gatewayPorts });

    // THEN
    const objects = Testing.synth(apps);
    expect(find(objects, 'NetworkPolicy', 'allow-to-egress').spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-egress' } }, podSelector: { matchLabels: { app: 'egress', istio: 'egress' } } }],
      ports: [{ protocol: 'TCP', port: 8443 }],
    }]);
    expect(find(objects, 'Sidecar', 'default').spec.egress[0].hosts).toContain('istio-egress/*');
  });
});

describe('selectors always match', () => {
  test('Deployment, Service and Gateway use the same generated pod labels; re-checked at synth', async () => {
    // GIVEN
    const { edge, gateway } = routed();
    const objects = Testing.synth(edge);
    const selector = { app: 'egress', istio: 'egress' };

    // THEN
    expect(find(objects, 'Deployment', 'egress').spec.template.metadata.labels).toMatchObject(selector);
    expect(find(objects, 'Service', 'egress').spec.selector).toEqual(selector);
    expect(find(objects, 'Gateway', 'egress').spec.selector).toEqual(selector);
    (gateway.node.defaultChild as any).addJsonPatch(JsonPatch.replace('/spec/selector', { istio: 'egressgateway' }));
    await Promise.resolve(); // whole-app checks are computed once per synchronous run (lib/private/app-scan.ts)
    expect(() => Testing.synth(edge)).toThrow(
      /Gateway istio-egress\/egress selector \{istio=egressgateway\} does not select the gateway pods \{.*\} in namespace "istio-egress"; do not patch the Gateway selector/);
  });
});

describe('validation', () => {
  test.each([
    [ExternalHost.tcp('db.example.com', 5432, ['10.0.0.1']), {},
      /^\[edge\/Egress\] 'routeHost' cannot route TCP host "db.example.com" through the egress gateway: TCP carries no host name to route by; allow it directly \(ZeroTrustNamespace.allowEgressTo\) or use ExternalHost.tls\(\) if it speaks TLS$/],
    [ExternalHost.https('*.example.com'), {},
      /^\[edge\/Egress\] 'routeHost' cannot route wildcard host "\*.example.com": the egress gateway would need an SNI forward proxy to reach arbitrary names; route each host \(e.g. "api.example.com"\) separately$/],
    [ExternalHost.https('API.example.com'), {}, /^\[edge\/Egress\] 'ExternalHost host' must be a fully qualified lowercase DNS name/],
    [ExternalHost.https('api.example.com', 70000), {}, /^\[edge\/Egress\] 'ExternalHost port' must be an integer between 1 and 65535, got 70000/],
    [ExternalHost.tls('db.example.com', 5433), { originateTls: true },
      /^\[edge\/Egress\] 'originateTls' needs an HTTPS host, but "db.example.com" is TLS; use ExternalHost.https\(\) or drop 'originateTls'$/],
    [ExternalHost.https('api.example.com'), { httpPort: 8080 },
      /^\[edge\/Egress\] 'httpPort' only applies with 'originateTls: true' \(host "api.example.com"\); set it or drop the option$/],
    [ExternalHost.https('api.example.com'), { originateTls: true, httpPort: 443 },
      /^\[edge\/Egress\] 'httpPort' 443 is also the HTTPS port of "api.example.com"; applications send plain HTTP to another port \(usually 80\)$/],
    [ExternalHost.https('api.example.com'), { originateTls: true, caCertificates: 'ca.pem' },
      /^\[edge\/Egress\] 'caCertificates' must be an absolute file path in the gateway pod, got "ca.pem"$/],
    [ExternalHost.https('api.example.com'), { clients: [] },
      /^\[edge\/Egress\] 'clients' must not be empty; omit 'clients' to export the route to every namespace$/],
    [ExternalHost.https('api.example.com'), { clients: ['Shop'] }, /^\[edge\/Egress\] 'clients\[0\]' must be a DNS-1123 label/],
  ])('fails on %s %j', (host, options, error) => {
    // GIVEN
    const { gateway } = egress();

    // THEN
    expect(() => gateway.routeHost(host, options as EgressRouteOptions)).toThrow(error);
  });

  test('fails on routing a host again with other settings', () => {
    // GIVEN
    const { gateway } = routed();

    // THEN
    expect(() => gateway.routeHost(ExternalHost.https('api.partner.example'), { originateTls: true })).toThrow(
      /^\[edge\/Egress\] 'routeHost' routes "api.partner.example" again with other settings \(HTTPS port 443, TLS originated from port 80 with CA \/etc\/ssl\/certs\/ca-certificates.crt; first: HTTPS port 443, passthrough\); a host has one route through the gateway, call routeHost with the same host, port and TLS settings \(it only adds clients\)$/);
    expect(() => gateway.routeHost(ExternalHost.https('api.partner.example', 8443))).toThrow(/again with other settings \(HTTPS port 8443, passthrough; first: HTTPS port 443, passthrough\)/);
  });

  test('fails on workload props as the ingress gateway does', () => {
    expect(() => egress({ replicas: 0 })).toThrow(/^\[edge\/Egress\] 'replicas' must be an integer between 1 and 1000, got 0; a gateway needs at least one pod$/);
    expect(() => egress({ autoscaling: { minReplicas: 3, maxReplicas: 2 } })).toThrow(/^\[edge\/Egress\] 'autoscaling.minReplicas' \(3\) must not exceed/);
  });

  test('the routes keep the gateway and its objects in one namespace', () => {
    // WHEN
    const objects = Testing.synth(routed().edge);

    // THEN
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(['istio-egress']));
    expect(ofKind(objects, 'EnvoyFilter')).toEqual([]);
  });
});
