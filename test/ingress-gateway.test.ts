import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { stringify } from 'yaml';
import { injectFixture, injectorFilesFrom } from '../conformance/inject';
import {
  CertificateIssuer, GatewayServiceType, GatewayTls, HeaderMatch, IngressGateway, IngressGatewayProps, MeshInstallation, MeshProfile,
  PathMatch, RouteDestination, TlsMode, TlsProtocolVersion, ZeroTrustNamespace,
} from '../lib';
import { find, gatewayFixture, inventory, ofKind, synthAll } from './gateway-fixture';
import { expectIstioctlAccepts, expectSchemaValid, findIstioctl } from './helpers/conformance';

/** An IngressGateway `public` in the fixture's `edge` chart (namespace istio-system unless given). */
function ingress(props: Partial<IngressGatewayProps> = {}, attrs = {}) {
  const f = gatewayFixture(attrs);
  const gateway = new IngressGateway(f.edge, 'Public', { mesh: f.mesh, ...props });
  return { ...f, gateway };
}

/** An IngressGateway with host shop.example.com (TLS SIMPLE, credential shop-cert) routed to `web`. */
function tlsIngress(props: Partial<IngressGatewayProps> = {}) {
  const f = ingress(props);
  f.gateway.addHost('shop.example.com', { tls: GatewayTls.simple('shop-cert') });
  f.gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(f.web) });
  return f;
}

const podOf = (objects: any[]) => find(objects, 'Deployment', 'public').spec.template;

describe('defaults', () => {
  test('snapshot', () => {
    // GIVEN
    const { edge } = tlsIngress();

    // THEN
    expect(Testing.synth(edge)).toMatchSnapshot();
  });

  test('emits the workload, the Gateway and one VirtualService per host', () => {
    // WHEN
    const { edge } = tlsIngress();

    // THEN
    expect(inventory(Testing.synth(edge))).toEqual([
      'ServiceAccount/public',
      'Role/public-sds',
      'RoleBinding/public-sds',
      'Deployment/public',
      'Service/public',
      'HorizontalPodAutoscaler/public',
      'Gateway/public',
      'VirtualService/public-shop-example-com',
    ]);
  });

  test('the name defaults to the construct id in kebab-case and the namespace to the mesh namespace', () => {
    // GIVEN
    const f = gatewayFixture({ namespace: 'mesh-system' });

    // WHEN
    const gateway = new IngressGateway(f.edge, 'PublicEdgeGateway', { mesh: f.mesh });

    // THEN
    expect(gateway.name).toBe('public-edge-gateway');
    expect(gateway.namespace).toBe('mesh-system');
    expect(gateway.gatewayRef).toBe('mesh-system/public-edge-gateway');
    expect(gateway.selectorLabels).toEqual({ app: 'public-edge-gateway', istio: 'public-edge-gateway' });
  });

  test('passes the CRD schemas and istioctl validate', () => {
    // GIVEN
    const { edge, gateway, web } = tlsIngress({ autoscaling: { minReplicas: 2 } });
    gateway.addHost('partners.example.com', {
      tls: GatewayTls.mutual('partners-cert', { minProtocolVersion: TlsProtocolVersion.TLSV1_3, issuer: CertificateIssuer.clusterIssuer('partner-ca') }),
    });
    gateway.addRoute('partners.example.com', {
      path: PathMatch.prefix('/v1/'),
      headers: [HeaderMatch.regex('x-tier', '^(gold|silver)$')],
      to: RouteDestination.fromService(web),
      rewrite: { uri: '/', authority: 'web.internal' },
      timeout: Duration.seconds(10),
      retries: { attempts: 3, perTryTimeout: Duration.millis(250), retryOn: ['5xx', 'reset'] },
      corsPolicy: { allowOrigins: ['https://portal.example.com'], allowMethods: ['GET'], allowHeaders: ['x-token'], maxAge: Duration.hours(1), allowCredentials: true },
      requestHeaders: { set: { 'x-forwarded-by': 'gateway' }, remove: ['x-debug'] },
      responseHeaders: { add: { 'strict-transport-security': 'max-age=31536000' } },
      rateLimit: { requests: 10, interval: Duration.seconds(1) },
    });
    gateway.addHost('legacy.example.com', { tls: GatewayTls.passthrough() });
    gateway.addRoute('legacy.example.com', { to: RouteDestination.host('legacy.shop.svc.cluster.local', 443) });
    gateway.addHost('mesh.example.com', { tls: GatewayTls.istioMutual(), rateLimit: { requests: 100, interval: Duration.minutes(1), burst: 200, statusCode: 503 } });
    gateway.addRoute('mesh.example.com', { to: RouteDestination.fromService(web) });
    gateway.addHost('plain.example.com');
    gateway.addRoute('plain.example.com', { to: RouteDestination.fromService(web), path: PathMatch.regex('^/v[0-9]+/.*') });

    // WHEN
    const objects = Testing.synth(edge);

    // THEN
    expectSchemaValid(objects);
    expectIstioctlAccepts(objects);
  });
});

describe('workload', () => {
  test('the Deployment is injected by the mesh with the gateway template (image auto)', () => {
    // WHEN
    const pod = podOf(Testing.synth(tlsIngress().edge));

    // THEN
    expect(pod.metadata.annotations['inject.istio.io/templates']).toBe('gateway');
    expect(pod.metadata.labels['sidecar.istio.io/inject']).toBe('true');
    expect(pod.metadata.annotations['sidecar.istio.io/inject']).toBe('true');
    expect(pod.spec.containers).toHaveLength(1);
    expect(pod.spec.containers[0].name).toBe('istio-proxy');
    expect(pod.spec.containers[0].image).toBe('auto');
    expect(pod.spec.volumes).toBeUndefined();
  });

  test('a revisioned mesh is selected with the istio.io/rev pod label', () => {
    // GIVEN
    const { edge, gateway, web } = ingress({}, { revision: 'canary' });
    gateway.addHost('shop.example.com');
    gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(web) });

    // WHEN
    const pod = podOf(Testing.synth(edge));

    // THEN
    expect(pod.metadata.labels['istio.io/rev']).toBe('canary');
  });

  test('pods meet Pod Security "restricted" and Envoy listens on unprivileged ports', () => {
    // WHEN
    const pod = podOf(Testing.synth(tlsIngress().edge));

    // THEN
    expect(pod.spec.securityContext).toEqual({ runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1337,
      runAsGroup: 1337,
    });
    expect(pod.spec.containers[0].ports.map((p: any) => p.containerPort)).toEqual([15021, 8080, 8443]);
  });

  test('the Service maps 80 -> 8080, 443 -> 8443 and the status port, as a LoadBalancer with the given annotations', () => {
    // WHEN
    const service = find(Testing.synth(tlsIngress({ serviceAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' } }).edge), 'Service', 'public');

    // THEN
    expect(service.metadata.annotations).toEqual({ 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' });
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports).toEqual([
      { name: 'status-port', appProtocol: 'tcp', port: 15021, protocol: 'TCP', targetPort: 15021 },
      { name: 'http2', port: 80, protocol: 'TCP', targetPort: 8080 },
      { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 },
    ]);
  });

  test('custom http/https ports and service type', () => {
    // WHEN
    const objects = Testing.synth(tlsIngress({ httpPort: 8000, httpsPort: 9443, serviceType: GatewayServiceType.NODE_PORT }).edge);

    // THEN
    const service = find(objects, 'Service', 'public');
    expect(service.spec.type).toBe('NodePort');
    expect(service.spec.ports.map((p: any) => `${p.port}->${p.targetPort}`)).toEqual(['15021->15021', '8000->8080', '9443->8443']);
    expect(find(objects, 'Gateway', 'public').spec.servers.map((s: any) => s.port.number)).toEqual([8000, 9443]);
  });

  test('a Role lets the gateway read its TLS credentials (SDS)', () => {
    // WHEN
    const objects = Testing.synth(tlsIngress().edge);

    // THEN
    expect(find(objects, 'Role', 'public-sds').rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'watch', 'list'] }]);
    expect(find(objects, 'RoleBinding', 'public-sds').subjects).toEqual([{ kind: 'ServiceAccount', name: 'public', namespace: 'istio-system' }]);
    expect(podOf(objects).spec.serviceAccountName).toBe('public');
  });

  test('autoscaling 1-5 at 80% by default, no replicas field, no PodDisruptionBudget', () => {
    // WHEN
    const objects = Testing.synth(tlsIngress().edge);

    // THEN
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'public');
    expect(hpa.spec.minReplicas).toBe(1);
    expect(hpa.spec.maxReplicas).toBe(5);
    expect(hpa.spec.metrics[0].resource.target.averageUtilization).toBe(80);
    expect(find(objects, 'Deployment', 'public').spec.replicas).toBeUndefined();
    expect(ofKind(objects, 'PodDisruptionBudget')).toEqual([]);
  });

  test('at least two pods get a PodDisruptionBudget selecting the gateway pods', () => {
    // WHEN
    const objects = Testing.synth(tlsIngress({ autoscaling: { minReplicas: 2, maxReplicas: 4, targetCpuUtilization: 60 } }).edge);

    // THEN
    expect(find(objects, 'PodDisruptionBudget', 'public').spec).toEqual({ minAvailable: 1, selector: { matchLabels: { app: 'public', istio: 'public' } } });
    expect(find(objects, 'HorizontalPodAutoscaler', 'public').spec.maxReplicas).toBe(4);
  });

  test('fixed replicas: no autoscaler', () => {
    // WHEN
    const objects = Testing.synth(tlsIngress({ replicas: 3 }).edge);

    // THEN
    expect(find(objects, 'Deployment', 'public').spec.replicas).toBe(3);
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(ofKind(objects, 'PodDisruptionBudget')).toHaveLength(1);
  });

  test('resources reach the container and the injector annotations', () => {
    // WHEN
    const pod = podOf(Testing.synth(tlsIngress({ resources: { cpuRequest: '500m', memoryLimit: '2Gi' } }).edge));

    // THEN
    expect(pod.spec.containers[0].resources).toEqual({ limits: { cpu: '2000m', memory: '2Gi' }, requests: { cpu: '500m', memory: '128Mi' } });
    expect(pod.metadata.annotations).toMatchObject({
      'sidecar.istio.io/proxyCPU': '500m',
      'sidecar.istio.io/proxyMemory': '128Mi',
      'sidecar.istio.io/proxyCPULimit': '2000m',
      'sidecar.istio.io/proxyMemoryLimit': '2Gi',
    });
  });

  test('createNamespace emits the Namespace under Pod Security "restricted"', () => {
    // WHEN
    const objects = Testing.synth(tlsIngress({ namespace: 'istio-ingress', createNamespace: true }).edge);

    // THEN
    expect(find(objects, 'Namespace', 'istio-ingress').metadata).toEqual({
      name: 'istio-ingress', labels: expect.objectContaining({ 'pod-security.kubernetes.io/enforce': 'restricted' }),
    });
    expect(objects.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'istio-ingress')).toBe(true);
  });

  test('injection: false renders the proxy in full from the MeshInstallation image', () => {
    // GIVEN
    const app = Testing.app();
    const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', { profile: MeshProfile.MINIMAL, hub: 'registry.example/istio', tag: '1.30.3-distroless' });
    const edge = new Chart(app, 'edge');
    const gateway = new IngressGateway(edge, 'Public', { mesh, injection: false });
    gateway.addHost('shop.example.com');
    gateway.addRoute('shop.example.com', { to: RouteDestination.host('web.shop.svc.cluster.local', 80) });

    // WHEN
    const objects = Testing.synth(edge);
    const pod = podOf(objects);

    // THEN
    const proxy = pod.spec.containers[0];
    expect(proxy.image).toBe('registry.example/istio/proxyv2:1.30.3-distroless');
    expect(proxy.args.slice(0, 2)).toEqual(['proxy', 'router']);
    expect(proxy.env).toContainEqual({ name: 'CA_ADDR', value: 'istiod.istio-system.svc:15012' });
    expect(proxy.securityContext.runAsNonRoot).toBe(true);
    expect(pod.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    expect(pod.metadata.annotations['inject.istio.io/templates']).toBeUndefined();
    expect(pod.spec.volumes.map((v: any) => v.name)).toContain('istio-token');
    expectSchemaValid(objects);
    expectIstioctlAccepts(objects);
  });

  test('the injected pod passes the injection checks and stays Pod Security "restricted" (istioctl kube-inject)', () => {
    // GIVEN
    const istioctl = findIstioctl();
    if (!istioctl) {
      console.warn('istioctl not found: skipped `istioctl kube-inject` of the gateway');
      return;
    }
    const app = Testing.app();
    const meshChart = new Chart(app, 'mesh');
    const mesh = new MeshInstallation(meshChart, 'Mesh', { profile: MeshProfile.MINIMAL });
    const edge = new Chart(app, 'edge');
    const gateway = new IngressGateway(edge, 'Public', { mesh, namespace: 'istio-ingress' });
    gateway.addHost('shop.example.com');
    gateway.addRoute('shop.example.com', { to: RouteDestination.host('web.shop.svc.cluster.local', 80) });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-inject-'));

    try {
      // WHEN
      const fixture = path.join(dir, 'gateway.yaml');
      fs.writeFileSync(fixture, stringify(find(Testing.synth(edge), 'Deployment', 'public')));
      const ctx = { repoRoot: path.resolve(__dirname, '..'), istioctl, examplesDir: dir };
      const result = injectFixture(ctx, injectorFilesFrom(Testing.synth(meshChart)), fixture, {}, path.join(dir, 'out'));

      // THEN
      expect(result.problems).toEqual([]);
      const proxy = result.output!.spec.containers.find((c: any) => c.name === 'istio-proxy') as any;
      expect(proxy.image).toBe('registry.istio.io/release/proxyv2:1.30.3');
      expect(proxy.args.slice(0, 2)).toEqual(['proxy', 'router']);
      expect(proxy.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
      expect((result.output!.spec as any).securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('selectors always match', () => {
  test('Deployment, Service, Gateway, EnvoyFilter and PDB use the same generated pod labels', () => {
    // GIVEN
    const { edge, gateway } = tlsIngress({ replicas: 2 });
    gateway.addRoute('shop.example.com', { path: PathMatch.prefix('/api'), to: RouteDestination.host('api.shop.svc.cluster.local', 80), rateLimit: { requests: 5, interval: Duration.seconds(1) } });

    // WHEN
    const objects = Testing.synth(edge);

    // THEN
    const podLabels = podOf(objects).metadata.labels;
    const selector = { app: 'public', istio: 'public' };
    expect(podLabels).toMatchObject(selector);
    expect(find(objects, 'Deployment', 'public').spec.selector.matchLabels).toEqual(selector);
    expect(find(objects, 'Service', 'public').spec.selector).toEqual(selector);
    expect(find(objects, 'Gateway', 'public').spec.selector).toEqual(selector);
    expect(find(objects, 'EnvoyFilter', 'public-local-ratelimit').spec.workloadSelector.labels).toEqual(selector);
    expect(find(objects, 'PodDisruptionBudget', 'public').spec.selector.matchLabels).toEqual(selector);
    expect(gateway.selectorLabels).toEqual(selector);
  });

  test('re-checked at synth: a patched Service selector fails with the object and the fix', () => {
    // GIVEN
    const { edge, gateway } = tlsIngress();
    (gateway.node.findChild('Service') as any).addJsonPatch(JsonPatch.replace('/spec/selector', { app: 'other' }));

    // THEN
    expect(() => Testing.synth(edge)).toThrow(
      /\[edge\/Public\] Service istio-system\/public selector \{app=other\} does not select the gateway pods \{.*app=public.*\} in namespace "istio-system"; do not patch the Service selector/);
  });

  test('re-checked at synth: a Gateway port that is not a Service port fails', () => {
    // GIVEN
    const { edge, gateway } = tlsIngress();
    (gateway.node.defaultChild as any).addJsonPatch(JsonPatch.replace('/spec/servers/1/port/number', 8443));

    // THEN
    expect(() => Testing.synth(edge)).toThrow(
      /Gateway istio-system\/public server "https-shop-cert" listens on port 8443, which is not a port of Service istio-system\/public \(15021, 80, 443\); Gateway ports are Service ports/);
  });

  test('re-checked at synth: a VirtualService host that is not a Gateway host fails', () => {
    // GIVEN
    const { edge, gateway } = tlsIngress();
    const vs = gateway.node.findChild('VirtualServices').node.findChild('shop.example.com') as any;
    vs.addJsonPatch(JsonPatch.replace('/spec/hosts/0', 'other.example.com'));

    // THEN
    expect(() => Testing.synth(edge)).toThrow(
      /VirtualService istio-system\/public-shop-example-com host "other.example.com" is not a host of Gateway istio-system\/public \(shop.example.com\); add the host to the gateway first/);
  });
});

describe('TLS', () => {
  test('SIMPLE: an HTTPS server with the credential, and a redirect on port 80 by default', () => {
    // WHEN
    const servers = find(Testing.synth(tlsIngress().edge), 'Gateway', 'public').spec.servers;

    // THEN
    expect(servers).toEqual([
      { port: { number: 80, name: 'http-redirect', protocol: 'HTTP' }, hosts: ['shop.example.com'], tls: { httpsRedirect: true } },
      { port: { number: 443, name: 'https-shop-cert', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-cert' } },
    ]);
  });

  test('MUTUAL with a minimum TLS version', () => {
    // GIVEN
    const { edge, gateway, web } = ingress();

    // WHEN
    gateway.addHost('partners.example.com', { tls: GatewayTls.mutual('partners-cert', { minProtocolVersion: TlsProtocolVersion.TLSV1_3 }) });
    gateway.addRoute('partners.example.com', { to: RouteDestination.fromService(web) });

    // THEN
    expect(find(Testing.synth(edge), 'Gateway', 'public').spec.servers[1]).toEqual({
      port: { number: 443, name: 'https-partners-cert', protocol: 'HTTPS' },
      hosts: ['partners.example.com'],
      tls: { mode: 'MUTUAL', credentialName: 'partners-cert', minProtocolVersion: 'TLSV1_3' },
    });
  });

  test('ISTIO_MUTUAL: terminated with the mesh certificate, no credential', () => {
    // GIVEN
    const { edge, gateway, web } = ingress();

    // WHEN
    gateway.addHost('internal.example.com', { tls: GatewayTls.istioMutual() });
    gateway.addRoute('internal.example.com', { to: RouteDestination.fromService(web) });

    // THEN
    expect(find(Testing.synth(edge), 'Gateway', 'public').spec.servers[1]).toEqual({
      port: { number: 443, name: 'https-istio-mutual', protocol: 'HTTPS' }, hosts: ['internal.example.com'], tls: { mode: 'ISTIO_MUTUAL' },
    });
  });

  test('PASSTHROUGH: a TLS server, no redirect, and a TCP route by SNI', () => {
    // GIVEN
    const { edge, gateway } = ingress();

    // WHEN
    gateway.addHost('legacy.example.com', { tls: GatewayTls.passthrough() });
    gateway.addRoute('legacy.example.com', { to: RouteDestination.host('legacy.shop.svc.cluster.local', 8443) });

    // THEN
    const objects = Testing.synth(edge);
    expect(find(objects, 'Gateway', 'public').spec.servers).toEqual([
      { port: { number: 443, name: 'tls-passthrough', protocol: 'TLS' }, hosts: ['legacy.example.com'], tls: { mode: 'PASSTHROUGH' } },
    ]);
    expect(find(objects, 'VirtualService', 'public-legacy-example-com').spec).toEqual({
      hosts: ['legacy.example.com'],
      gateways: ['istio-system/public'],
      exportTo: ['.'],
      tls: [{ match: [{ port: 443, sniHosts: ['legacy.example.com'] }], route: [{ destination: { host: 'legacy.shop.svc.cluster.local', port: { number: 8443 } } }] }],
    });
  });

  test('httpsRedirect: false serves a TLS host on the https port only; a host without TLS is plain HTTP', () => {
    // GIVEN
    const { edge, gateway, web } = ingress();

    // WHEN
    gateway.addHost('api.example.com', { tls: GatewayTls.simple('api-cert'), httpsRedirect: false });
    gateway.addRoute('api.example.com', { to: RouteDestination.fromService(web) });
    gateway.addHost('plain.example.com');
    gateway.addRoute('plain.example.com', { to: RouteDestination.fromService(web) });

    // THEN
    expect(find(Testing.synth(edge), 'Gateway', 'public').spec.servers.map((s: any) => `${s.port.name}:${s.hosts.join(',')}`)).toEqual([
      'http:plain.example.com',
      'https-api-cert:api.example.com',
    ]);
  });

  test('hosts with the same TLS settings share one server; others get their own, uniquely named', () => {
    // GIVEN
    const { edge, gateway, web } = ingress();

    // WHEN
    for (const host of ['a.example.com', 'b.example.com']) gateway.addHost(host, { tls: GatewayTls.simple('wildcard-cert') });
    gateway.addHost('c.example.com', { tls: GatewayTls.simple('wildcard-cert', { minProtocolVersion: TlsProtocolVersion.TLSV1_3 }) });
    for (const host of gateway.hosts) gateway.addRoute(host, { to: RouteDestination.fromService(web) });

    // THEN
    expect(find(Testing.synth(edge), 'Gateway', 'public').spec.servers.map((s: any) => `${s.port.name}:${s.hosts.join(',')}`)).toEqual([
      'http-redirect:a.example.com,b.example.com,c.example.com',
      'https-wildcard-cert:a.example.com,b.example.com',
      'https-wildcard-cert-2:c.example.com',
    ]);
  });

  test('GatewayTls exposes its mode and whether it terminates', () => {
    expect(GatewayTls.simple('x').mode).toBe(TlsMode.SIMPLE);
    expect(GatewayTls.simple('x').terminatesTls).toBe(true);
    expect(GatewayTls.passthrough().terminatesTls).toBe(false);
    expect(GatewayTls.passthrough().credentialName).toBeUndefined();
  });

  test('cert-manager: one Certificate per credential, in the gateway namespace, for every host using it', () => {
    // GIVEN
    const { edge, gateway, web } = ingress({ namespace: 'istio-ingress' });
    const issuer = CertificateIssuer.clusterIssuer('letsencrypt');

    // WHEN
    gateway.addHost('a.example.com', { tls: GatewayTls.simple('shared-cert', { issuer }) });
    gateway.addHost('b.example.com', { tls: GatewayTls.simple('shared-cert', { issuer: CertificateIssuer.clusterIssuer('letsencrypt') }) });
    gateway.addHost('c.example.com', { tls: GatewayTls.mutual('c-cert', { issuer: CertificateIssuer.issuer('internal-ca') }) });
    for (const host of gateway.hosts) gateway.addRoute(host, { to: RouteDestination.fromService(web) });

    // THEN
    const certificates = ofKind(Testing.synth(edge), 'Certificate');
    expect(certificates).toEqual([
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: expect.objectContaining({ name: 'shared-cert', namespace: 'istio-ingress' }),
        spec: { secretName: 'shared-cert', dnsNames: ['a.example.com', 'b.example.com'], issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt' } },
      },
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: expect.objectContaining({ name: 'c-cert', namespace: 'istio-ingress' }),
        spec: { secretName: 'c-cert', dnsNames: ['c.example.com'], issuerRef: { group: 'cert-manager.io', kind: 'Issuer', name: 'internal-ca' } },
      },
    ]);
  });

  test('cert-manager: a credential has one issuer for all its hosts', () => {
    // GIVEN
    const { gateway } = ingress();
    gateway.addHost('a.example.com', { tls: GatewayTls.simple('shared-cert', { issuer: CertificateIssuer.clusterIssuer('letsencrypt') }) });

    // THEN
    expect(() => gateway.addHost('b.example.com', { tls: GatewayTls.simple('shared-cert', { issuer: CertificateIssuer.issuer('other') }) })).toThrow(
      /^\[edge\/Public\] 'tls.issuer' of host "b.example.com" is Issuer "other", but credential "shared-cert" is already used by "a.example.com" with ClusterIssuer "letsencrypt"; one Secret has one issuer: give the hosts the same issuer or use another credentialName$/);
    expect(() => gateway.addHost('c.example.com', { tls: GatewayTls.simple('shared-cert') })).toThrow(
      /^\[edge\/Public\] host "c.example.com" uses credential "shared-cert" without 'tls.issuer', but cert-manager issues it \(ClusterIssuer "letsencrypt"\) for "a.example.com" only; give this host the same issuer so the certificate covers it, or use another credentialName$/);
  });
});

describe('routes', () => {
  test('one VirtualService per host, in the gateway namespace, bound to the gateway, exported to it only', () => {
    // WHEN
    const vs = find(Testing.synth(tlsIngress({ namespace: 'istio-ingress' }).edge), 'VirtualService', 'public-shop-example-com');

    // THEN
    expect(vs.metadata.namespace).toBe('istio-ingress');
    expect(vs.spec).toEqual({
      hosts: ['shop.example.com'],
      gateways: ['istio-ingress/public'],
      exportTo: ['.'],
      http: [{ name: 'prefix-root', match: [{ uri: { prefix: '/' } }], route: [{ destination: { host: 'web.shop.svc.cluster.local', port: { number: 80 } } }] }],
    });
  });

  test('merge order: exact, then prefixes longest first (more headers first), then regex, then insertion order', () => {
    // GIVEN
    const { edge, gateway, web } = ingress();
    gateway.addHost('shop.example.com');
    const to = RouteDestination.fromService(web);

    // WHEN
    gateway.addRoute('shop.example.com', { to, path: PathMatch.regex('^/v[0-9]+/a') });
    gateway.addRoute('shop.example.com', { to, path: PathMatch.prefix('/api') });
    gateway.addRoute('shop.example.com', { to, path: PathMatch.exact('/b') });
    gateway.addRoute('shop.example.com', { to, path: PathMatch.prefix('/api/v2') });
    gateway.addRoute('shop.example.com', { to, path: PathMatch.regex('^/v[0-9]+/b') });
    gateway.addRoute('shop.example.com', { to, path: PathMatch.prefix('/api'), headers: [HeaderMatch.exact('x-canary', 'true')] });
    gateway.addRoute('shop.example.com', { to, path: PathMatch.exact('/a') });

    // THEN
    const http = find(Testing.synth(edge), 'VirtualService', 'public-shop-example-com').spec.http;
    expect(http.map((r: any) => r.name)).toEqual([
      'exact-b', 'exact-a', 'prefix-api-v2', 'prefix-api-x-canary', 'prefix-api', 'regex-v-0-9-a', 'regex-v-0-9-b',
    ]);
    expect(http[3].match).toEqual([{ uri: { prefix: '/api' }, headers: { 'x-canary': { exact: 'true' } } }]);
  });

  test('routes of one host added from different charts land in one VirtualService', () => {
    // GIVEN
    const { app, edge, gateway, web } = ingress();
    gateway.addHost('shop.example.com');
    gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(web) });

    // WHEN
    const other = new Chart(app, 'payments', { namespace: 'payments' });
    const pay = new kplus.Deployment(other, 'Pay', { containers: [{ image: 'pay:1', portNumber: 9000 }] })
      .exposeViaService({ name: 'pay', ports: [{ port: 9000 }] });
    gateway.addRoute('shop.example.com', { path: PathMatch.prefix('/pay'), to: RouteDestination.fromService(pay) });

    // THEN
    expect(ofKind(synthAll(app), 'VirtualService')).toHaveLength(1);
    expect(find(Testing.synth(edge), 'VirtualService', 'public-shop-example-com').spec.http.map((r: any) => r.route[0].destination.host))
      .toEqual(['pay.payments.svc.cluster.local', 'web.shop.svc.cluster.local']);
  });

  test('route options are rendered in Istio terms', () => {
    // GIVEN
    const { edge, gateway, web } = ingress();
    gateway.addHost('shop.example.com');

    // WHEN
    gateway.addRoute('shop.example.com', {
      name: 'api',
      path: PathMatch.prefix('/api/'),
      headers: [HeaderMatch.prefix('user-agent', 'Mozilla'), HeaderMatch.exact('x-tier', 'gold')],
      to: RouteDestination.fromService(web, 80),
      rewrite: { uri: '/' },
      timeout: Duration.millis(1500),
      retries: { attempts: 2, perTryTimeout: Duration.seconds(1), retryOn: ['5xx', 'connect-failure'] },
      corsPolicy: { allowOrigins: ['*'], exposeHeaders: ['x-trace'] },
      requestHeaders: { set: { 'x-env': 'prod' }, add: { 'x-via': 'edge' }, remove: ['x-debug'] },
      responseHeaders: { remove: ['server'] },
    });

    // THEN
    expect(find(Testing.synth(edge), 'VirtualService', 'public-shop-example-com').spec.http).toEqual([{
      name: 'api',
      match: [{ uri: { prefix: '/api/' }, headers: { 'user-agent': { prefix: 'Mozilla' }, 'x-tier': { exact: 'gold' } } }],
      route: [{ destination: { host: 'web.shop.svc.cluster.local', port: { number: 80 } } }],
      rewrite: { uri: '/' },
      timeout: '1500ms',
      retries: { attempts: 2, perTryTimeout: '1s', retryOn: '5xx,connect-failure' },
      corsPolicy: { allowOrigins: [{ regex: '.*' }], exposeHeaders: ['x-trace'] },
      headers: { request: { set: { 'x-env': 'prod' }, add: { 'x-via': 'edge' }, remove: ['x-debug'] }, response: { remove: ['server'] } },
    }]);
  });

  test('fails on a second route with the same match', () => {
    // GIVEN
    const { gateway, web } = tlsIngress();
    gateway.addRoute('shop.example.com', { path: PathMatch.prefix('/api'), headers: [HeaderMatch.exact('x-v', '2')], to: RouteDestination.fromService(web) });

    // THEN
    expect(() => gateway.addRoute('shop.example.com', { to: RouteDestination.host('other.shop.svc.cluster.local', 80) })).toThrow(
      /^\[edge\/Public\] 'addRoute' for host "shop.example.com" conflicts with route "prefix-root": both match prefix "\/"; remove one of them or make the matches differ \(path or headers\)$/);
    expect(() => gateway.addRoute('shop.example.com', {
      path: PathMatch.prefix('/api'), headers: [HeaderMatch.exact('x-v', '2')], to: RouteDestination.fromService(web), name: 'again',
    })).toThrow(/conflicts with route "prefix-api-x-v": both match prefix "\/api" with header x-v exact "2"/);
  });

  test('fails on a route for a host the gateway does not serve', () => {
    // GIVEN
    const { gateway, web } = tlsIngress();

    // THEN
    expect(() => gateway.addRoute('shop.example.org', { to: RouteDestination.fromService(web) })).toThrow(
      /^\[edge\/Public\] 'addRoute' host "shop.example.org" is not a host of this gateway \(hosts: "shop.example.com"\); call addHost\("shop.example.org", \.\.\.\) first$/);
  });

  test('fails on HTTP options or a second route for a passthrough host', () => {
    // GIVEN
    const { gateway, web } = ingress();
    gateway.addHost('legacy.example.com', { tls: GatewayTls.passthrough() });

    // THEN
    expect(() => gateway.addRoute('legacy.example.com', { to: RouteDestination.fromService(web), path: PathMatch.prefix('/a'), timeout: Duration.seconds(1) })).toThrow(
      /^\[edge\/Public\] 'addRoute' for host "legacy.example.com" cannot use 'path', 'timeout': the host uses TLS passthrough, so the gateway routes the encrypted stream by SNI and never sees HTTP; give only 'to', or terminate TLS at the gateway$/);
    gateway.addRoute('legacy.example.com', { to: RouteDestination.fromService(web) });
    expect(() => gateway.addRoute('legacy.example.com', { to: RouteDestination.fromService(web) })).toThrow(
      /^\[edge\/Public\] 'addRoute' for host "legacy.example.com" adds a second route, but a TLS passthrough host has one destination \(web.shop.svc.cluster.local\); remove one$/);
  });

  test('fails at synth on a regex route after a catch-all prefix', () => {
    // GIVEN
    const { edge, gateway, web } = tlsIngress();

    // WHEN
    gateway.addRoute('shop.example.com', { path: PathMatch.regex('^/v[0-9]+/'), to: RouteDestination.fromService(web) });

    // THEN
    expect(() => Testing.synth(edge)).toThrow(
      /\[edge\/Public\] route "regex-v-0-9" of host "shop.example.com" \(regex "\^\/v\[0-9\]\+\/"\) is unreachable: route "prefix-root" \(prefix "\/"\) comes first and matches every request; give the catch-all route a header condition or replace the regex by an exact or prefix path/);
  });

  test('route names: custom names must be DNS labels and unique; derived names never collide', () => {
    // GIVEN
    const { edge, gateway, web } = ingress();
    gateway.addHost('shop.example.com');
    const to = RouteDestination.fromService(web);
    gateway.addRoute('shop.example.com', { to, path: PathMatch.prefix('/a-b') });
    gateway.addRoute('shop.example.com', { to, path: PathMatch.prefix('/a/b') });
    gateway.addRoute('shop.example.com', { to, name: 'checkout', path: PathMatch.exact('/checkout') });

    // THEN
    expect(find(Testing.synth(edge), 'VirtualService', 'public-shop-example-com').spec.http.map((r: any) => r.name))
      .toEqual(['checkout', 'prefix-a-b', 'prefix-a-b-2']);
    expect(() => gateway.addRoute('shop.example.com', { to, name: 'checkout', path: PathMatch.exact('/pay') }))
      .toThrow(/^\[edge\/Public\] 'name' "checkout" is already the name of another route of this host; choose another name$/);
    expect(() => gateway.addRoute('shop.example.com', { to, name: 'Check Out', path: PathMatch.exact('/pay') }))
      .toThrow(/^\[edge\/Public\] 'name' must be a DNS label \(lowercase letters, digits and '-', at most 63 characters\), got "Check Out"$/);
  });

  test('RouteDestination.fromService needs a namespace and a port of the Service', () => {
    // GIVEN
    const { app, gateway } = tlsIngress();
    const plain = new Chart(app, 'plain');
    const dep = new kplus.Deployment(plain, 'X', { containers: [{ image: 'x', portNumber: 80 }] });
    const noNamespace = dep.exposeViaService({ name: 'x', ports: [{ port: 80 }] });
    const twoPorts = new kplus.Service(new Chart(app, 'two', { namespace: 'two' }), 'Two', { metadata: { name: 'two' }, ports: [{ port: 80 }, { port: 9090 }] });

    // THEN
    expect(() => gateway.addRoute('shop.example.com', { path: PathMatch.prefix('/x'), to: RouteDestination.fromService(noNamespace) })).toThrow(
      /^\[edge\/Public\] 'to' Service "x" has no namespace; set metadata.namespace \(or the chart namespace\) on the Service$/);
    expect(() => gateway.addRoute('shop.example.com', { path: PathMatch.prefix('/x'), to: RouteDestination.fromService(twoPorts) })).toThrow(
      /^\[edge\/Public\] 'to' Service "two" has ports 80, 9090; name the port: RouteDestination.fromService\(service, <port>\)$/);
    expect(() => gateway.addRoute('shop.example.com', { path: PathMatch.prefix('/x'), to: RouteDestination.fromService(twoPorts, 8080) })).toThrow(
      /^\[edge\/Public\] 'to' port 8080 is not a port of Service "two" \(ports: 80, 9090\); use one of them$/);
  });

  test.each([
    [{ path: PathMatch.prefix('api') }, /^\[edge\/Public\] 'path' prefix path must start with '\/' and contain no spaces, got "api"; e.g. "\/api"$/],
    [{ path: PathMatch.regex('(?=x)') }, /^\[edge\/Public\] 'path' must be a non-empty RE2 regular expression \(no look-around or back-references\), got "\(\?=x\)"; escape literal characters/],
    [{ headers: [HeaderMatch.regex('x-tier', '(gold')] }, /^\[edge\/Public\] 'headers\[0\].value' must be a non-empty RE2 regular expression \(no look-around or back-references\), got "\(gold"; escape literal characters/],
    [{ headers: [HeaderMatch.exact('x-tier', 'gold\nx-admin: 1')] }, /^\[edge\/Public\] 'headers\[0\].value' of header "x-tier" contains a control character \(newline, tab, NUL\), got "gold\\nx-admin: 1"; header values cannot carry them/],
    [{ headers: [HeaderMatch.exact('X-Tier', 'gold')] }, /^\[edge\/Public\] 'headers\[0\].name' must be a lowercase HTTP header name such as "x-request-id", got "X-Tier"$/],
    [{ headers: [HeaderMatch.exact('x-a', '1'), HeaderMatch.prefix('x-a', '2')] }, /^\[edge\/Public\] 'headers' matches header "x-a" twice; keep one match per header/],
    [{ timeout: Duration.millis(0) }, /^\[edge\/Public\] 'timeout' must be a whole number of milliseconds, at least 1ms, got 0ms$/],
    [{ retries: { attempts: -1 } }, /^\[edge\/Public\] 'retries.attempts' must be an integer between 0 and 100, got -1; use 0 to turn retries off$/],
    [{ retries: { attempts: 1, retryOn: ['5XX'] } }, /^\[edge\/Public\] 'retries.retryOn\[0\]' must be an Envoy retry condition \(5xx, gateway-error, .*\) or an HTTP status code such as "503", got "5XX"$/],
    [{ rewrite: {} }, /^\[edge\/Public\] 'rewrite' must set 'uri' or 'authority'; omit 'rewrite' to forward requests unchanged$/],
    [{ rewrite: { uri: 'v2' } }, /^\[edge\/Public\] 'rewrite.uri' must start with '\/' and contain no spaces, such as "\/v2\/", got "v2"$/],
    [{ corsPolicy: { allowOrigins: ['portal.example.com'] } }, /^\[edge\/Public\] 'corsPolicy.allowOrigins\[0\]' must be "\*" or an origin such as "https:\/\/app.example.com" \(scheme and host, no path\), got "portal.example.com"$/],
    [{ corsPolicy: { allowOrigins: ['*'], allowCredentials: true } }, /^\[edge\/Public\] 'corsPolicy.allowCredentials' cannot be combined with origin "\*"/],
    [{ corsPolicy: { allowOrigins: [] } }, /^\[edge\/Public\] 'corsPolicy.allowOrigins' must list at least one origin/],
    [{ requestHeaders: { set: { 'bad header': 'x' } } }, /^\[edge\/Public\] 'requestHeaders' names an invalid HTTP header "bad header"; use a header name such as "x-request-id"$/],
  ])('fails on invalid route options %#', (options, error) => {
    // GIVEN
    const { gateway, web } = tlsIngress();

    // THEN
    expect(() => gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(web), path: PathMatch.prefix('/x'), ...options })).toThrow(error);
  });
});

describe('local rate limiting', () => {
  test('an EnvoyFilter inserts the local_ratelimit filter before the router and sets buckets per host and per route', () => {
    // GIVEN
    const { edge, gateway, web } = ingress();
    gateway.addHost('shop.example.com', { tls: GatewayTls.simple('shop-cert'), rateLimit: { requests: 100, interval: Duration.minutes(1) } });
    gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(web) });
    gateway.addRoute('shop.example.com', {
      path: PathMatch.prefix('/login'),
      to: RouteDestination.fromService(web),
      rateLimit: { requests: 5, interval: Duration.seconds(10), burst: 10, statusCode: 503 },
    });

    // WHEN
    const filter = find(Testing.synth(edge), 'EnvoyFilter', 'public-local-ratelimit');

    // THEN
    expect(filter.apiVersion).toBe('networking.istio.io/v1alpha3');
    expect(filter.spec.workloadSelector).toEqual({ labels: { app: 'public', istio: 'public' } });
    expect(filter.spec.priority).toBe(10);
    const [insert, host, route] = filter.spec.configPatches;
    expect(insert).toEqual({
      applyTo: 'HTTP_FILTER',
      match: { context: 'GATEWAY', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } } },
      patch: {
        operation: 'INSERT_BEFORE',
        value: {
          name: 'envoy.filters.http.local_ratelimit',
          typed_config: {
            '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
            'type_url': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
            'value': { stat_prefix: 'http_local_rate_limiter' },
          },
        },
      },
    });
    expect(host.applyTo).toBe('VIRTUAL_HOST');
    expect(host.match).toEqual({ context: 'GATEWAY', routeConfiguration: { vhost: { name: 'shop.example.com:443' } } });
    const hostConfig = host.patch.value.typed_per_filter_config['envoy.filters.http.local_ratelimit'];
    expect(host.patch.operation).toBe('MERGE');
    expect(hostConfig['@type']).toBe('type.googleapis.com/udpa.type.v1.TypedStruct');
    expect(hostConfig.type_url).toBe('type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit');
    expect(hostConfig.value).toEqual({
      stat_prefix: 'http_local_rate_limiter',
      token_bucket: { max_tokens: 100, tokens_per_fill: 100, fill_interval: '60s' },
      filter_enabled: { runtime_key: 'local_rate_limit_enabled', default_value: { numerator: 100, denominator: 'HUNDRED' } },
      filter_enforced: { runtime_key: 'local_rate_limit_enforced', default_value: { numerator: 100, denominator: 'HUNDRED' } },
      status: { code: 429 },
      response_headers_to_add: [{ append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-local-rate-limit', value: 'true' } }],
    });
    expect(route.applyTo).toBe('HTTP_ROUTE');
    expect(route.match).toEqual({ context: 'GATEWAY', routeConfiguration: { vhost: { name: 'shop.example.com:443', route: { name: 'prefix-login' } } } });
    const routeConfig = route.patch.value.typed_per_filter_config['envoy.filters.http.local_ratelimit'].value;
    expect(routeConfig.token_bucket).toEqual({ max_tokens: 10, tokens_per_fill: 5, fill_interval: '10s' });
    expect(routeConfig.status).toEqual({ code: 503 });
  });

  test('a plain-HTTP host is limited on its http port; no limit, no EnvoyFilter', () => {
    // GIVEN
    const { edge, gateway, web } = ingress();
    gateway.addHost('plain.example.com', { rateLimit: { requests: 1, interval: Duration.seconds(1) } });
    gateway.addRoute('plain.example.com', { to: RouteDestination.fromService(web) });

    // THEN
    expect(find(Testing.synth(edge), 'EnvoyFilter', 'public-local-ratelimit').spec.configPatches[1].match.routeConfiguration.vhost.name).toBe('plain.example.com:80');
    expect(ofKind(Testing.synth(tlsIngress().edge), 'EnvoyFilter')).toEqual([]);
  });

  test.each([
    [{ requests: 0, interval: Duration.seconds(1) }, /^\[edge\/Public\] 'rateLimit.requests' must be an integer between 1 and 4294967295, got 0; allow at least one request per interval$/],
    [{ requests: 1, interval: Duration.millis(49) }, /^\[edge\/Public\] 'rateLimit.interval' must be a whole number of milliseconds, at least 50ms, got 49ms$/],
    [{ requests: 10, interval: Duration.seconds(1), burst: 9 }, /^\[edge\/Public\] 'rateLimit.burst' must be an integer between 10 and 4294967295, got 9; the bucket must hold at least 'requests' \(10\) tokens; raise 'burst' or omit it$/],
    [{ requests: 1, interval: Duration.seconds(1), statusCode: 200 }, /^\[edge\/Public\] 'rateLimit.statusCode' must be a 4xx or 5xx HTTP status Envoy knows \(e.g. 429 or 503\), got 200; omit it for 429$/],
  ])('fails on an invalid limit %#', (rateLimit, error) => {
    // GIVEN
    const { gateway } = ingress();

    // THEN
    expect(() => gateway.addHost('shop.example.com', { rateLimit })).toThrow(error);
  });

  test('accepts the boundaries: 1 request, 50ms, burst = requests', () => {
    // GIVEN
    const { gateway } = ingress();

    // THEN
    expect(() => gateway.addHost('shop.example.com', { rateLimit: { requests: 1, interval: Duration.millis(50), burst: 1 } })).not.toThrow();
  });

  test('fails on a limit for a passthrough host', () => {
    // GIVEN
    const { gateway } = ingress();

    // THEN
    expect(() => gateway.addHost('legacy.example.com', { tls: GatewayTls.passthrough(), rateLimit: { requests: 1, interval: Duration.seconds(1) } })).toThrow(
      /^\[edge\/Public\] 'rateLimit' for host "legacy.example.com" needs HTTP, but the host uses TLS passthrough \(the gateway never sees its requests\); rate-limit at the backend or terminate TLS at the gateway$/);
  });
});

describe('mesh peer', () => {
  test('allowFrom(gateway) admits exactly the gateway identity and pods', () => {
    // GIVEN
    const { app, edge, gateway, mesh } = tlsIngress({ namespace: 'istio-ingress', createNamespace: true });
    const apps = new Chart(app, 'apps');
    const ns = new ZeroTrustNamespace(apps, 'Shop', { name: 'shop', mesh });

    // WHEN
    ns.allowFrom(gateway, { ports: [8080] });

    // THEN
    const objects = Testing.synth(apps);
    expect(find(objects, 'AuthorizationPolicy', 'allow-public').spec.rules[0].from).toEqual([{ source: { principals: ['cluster.local/ns/istio-ingress/sa/public'] } }]);
    expect(find(objects, 'NetworkPolicy', 'allow-public').spec.ingress[0].from).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-ingress' } },
      podSelector: { matchLabels: { app: 'public', istio: 'public' } },
    }]);
    expect(() => Testing.synth(edge)).not.toThrow();
  });
});

describe('validation', () => {
  test.each([
    ['UPPER.example.com'],
    ['https://shop.example.com'],
    ['shop'],
    ['shop.example.com/path'],
  ])('fails on host %s', (host) => {
    // GIVEN
    const { gateway } = ingress();

    // THEN
    expect(() => gateway.addHost(host)).toThrow(/^\[edge\/Public\] 'host' must be/);
  });

  test('accepts "*" (every host, access by IP) with a warning at synth', () => {
    // GIVEN
    const { app, gateway, web } = ingress();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);

    // WHEN
    gateway.addHost('*');
    gateway.addRoute('*', { to: RouteDestination.fromService(web) });
    app.synth();
    app.synth();
    const objects = Testing.synth(Chart.of(gateway));
    const warnings = warn.mock.calls.map((c) => String(c[0]));
    warn.mockRestore();

    // THEN: the server and the VirtualService serve every host; the warning is printed once
    const vs = objects.find((o) => o.kind === 'VirtualService');
    expect(vs.spec.hosts).toEqual(['*']);
    expect(objects.find((o) => o.kind === 'Gateway').spec.servers[0].hosts).toEqual(['*']);
    expect(warnings.filter((w) => w.includes('host "*" serves every host name'))).toHaveLength(1);
  });

  test('accepts a wildcard host', () => {
    // GIVEN
    const { gateway } = ingress();

    // THEN
    expect(() => gateway.addHost('*.example.com', { tls: GatewayTls.simple('wildcard') })).not.toThrow();
  });

  test('fails on a duplicate host', () => {
    // GIVEN
    const { gateway } = tlsIngress();

    // THEN
    expect(() => gateway.addHost('shop.example.com')).toThrow(
      /^\[edge\/Public\] 'addHost' adds host "shop.example.com" twice; add each host once \(a host's routes all go into one VirtualService\)$/);
  });

  test.each([[TlsMode.SIMPLE, GatewayTls.simple('')], [TlsMode.MUTUAL, GatewayTls.mutual(' ')]])('fails on %s without credentialName', (mode, tls) => {
    // GIVEN
    const { gateway } = ingress();

    // THEN
    expect(() => gateway.addHost('shop.example.com', { tls })).toThrow(new RegExp(
      `^\\[edge/Public\\] 'tls.credentialName' is required for TlsMode.${mode} \\(host "shop.example.com"\\), got "\\s*"; give the name of the Secret in namespace "istio-system" that holds the certificate$`));
  });

  test('fails on an invalid credentialName and an issuer without credential', () => {
    // GIVEN
    const { gateway } = ingress();

    // THEN
    expect(() => gateway.addHost('a.example.com', { tls: GatewayTls.simple('Shop_Cert') })).toThrow(
      /^\[edge\/Public\] 'tls.credentialName' must be a DNS-1123 subdomain/);
    expect(() => gateway.addHost('b.example.com', { tls: GatewayTls.istioMutual({ issuer: CertificateIssuer.clusterIssuer('x') }) })).toThrow(
      /^\[edge\/Public\] 'tls.issuer' for host "b.example.com" needs a credential to fill; use GatewayTls.simple\(\) or .mutual\(\) with a credentialName$/);
  });

  test('fails on httpsRedirect without TLS', () => {
    // GIVEN
    const { gateway } = ingress();

    // THEN
    expect(() => gateway.addHost('shop.example.com', { httpsRedirect: true })).toThrow(
      /^\[edge\/Public\] 'httpsRedirect' for host "shop.example.com" needs 'tls': there is no https listener to redirect to; add 'tls' or drop 'httpsRedirect'$/);
  });

  test.each([0, 65536, -1, 80.5])('fails on httpPort %d', (httpPort) => {
    expect(() => ingress({ httpPort })).toThrow(new RegExp(`^\\[edge/Public\\] 'httpPort' must be an integer between 1 and 65535, got ${httpPort}; use a TCP port number$`));
  });

  test('accepts the port boundaries 1 and 65535', () => {
    expect(() => ingress({ httpPort: 1, httpsPort: 65535 })).not.toThrow();
  });

  test('fails on equal or reserved ports', () => {
    expect(() => ingress({ httpPort: 443 })).toThrow(/^\[edge\/Public\] 'httpPort' and 'httpsPort' must differ, both are 443; use e.g. 80 and 443$/);
    expect(() => ingress({ httpsPort: 15021 })).toThrow(
      /^\[edge\/Public\] 'httpsPort' 15021 is reserved by the Istio proxy \(15000, 15001, 15004, 15006, 15008, 15020, 15021, 15053, 15090\); choose another port$/);
  });

  test.each([0, -2, 1.5])('fails on replicas %d', (replicas) => {
    expect(() => ingress({ replicas })).toThrow(new RegExp(`^\\[edge/Public\\] 'replicas' must be an integer between 1 and 1000, got ${replicas}; a gateway needs at least one pod$`));
  });

  test('fails on autoscaling min > max, min < 1, and on replicas with autoscaling', () => {
    expect(() => ingress({ autoscaling: { minReplicas: 4, maxReplicas: 3 } })).toThrow(
      /^\[edge\/Public\] 'autoscaling.minReplicas' \(4\) must not exceed 'autoscaling.maxReplicas' \(3\); raise maxReplicas or lower minReplicas$/);
    expect(() => ingress({ autoscaling: { minReplicas: 0 } })).toThrow(
      /^\[edge\/Public\] 'autoscaling.minReplicas' must be an integer between 1 and 1000, got 0; a gateway needs at least one pod$/);
    expect(() => ingress({ replicas: 2, autoscaling: {} })).toThrow(
      /^\[edge\/Public\] 'replicas' and 'autoscaling' are mutually exclusive; set 'replicas' for a fixed count or 'autoscaling' for an autoscaled range$/);
    expect(() => ingress({ autoscaling: { minReplicas: 3, maxReplicas: 3 } })).not.toThrow();
  });

  test('fails on a PodDisruptionBudget with a single pod', () => {
    expect(() => ingress({ replicas: 1, podDisruptionBudget: true })).toThrow(
      /^\[edge\/Public\] 'podDisruptionBudget' with at most 1 pod \(minAvailable 1\) would block every node drain; run at least 2 pods \('replicas' or 'autoscaling.minReplicas'\) or drop the budget$/);
  });

  test('fails on an invalid name or namespace, and on proxyImage with injection', () => {
    expect(() => ingress({ name: 'Public_GW' })).toThrow(/^\[edge\/Public\] 'name' must be a DNS-1123 label .*got "Public_GW"$/);
    expect(() => ingress({ name: '1gw' })).toThrow(/^\[edge\/Public\] 'name' must start with a letter \(it names a Service\), got "1gw"$/);
    expect(() => ingress({ namespace: 'Istio' })).toThrow(/^\[edge\/Public\] 'namespace' must be a DNS-1123 label/);
    expect(() => ingress({ proxyImage: 'x/proxyv2:1' })).toThrow(
      /^\[edge\/Public\] 'proxyImage' "x\/proxyv2:1" is only used by a fully rendered gateway; set 'injection: false' or drop 'proxyImage' \(the injector picks the image\)$/);
  });

  test('fails at synth when another object of the app has the gateway\'s name (a second gateway, the profile gateway)', () => {
    // GIVEN
    const { app, edge, gateway, web } = tlsIngress();
    const second = new IngressGateway(new Chart(app, 'other'), 'Public', { mesh: gateway.mesh });
    second.addHost('other.example.com');
    second.addRoute('other.example.com', { to: RouteDestination.fromService(web) });
    const profileApp = Testing.app();
    const mesh = new MeshInstallation(new Chart(profileApp, 'mesh'), 'Mesh');
    const profileEdge = new Chart(profileApp, 'edge');
    const clash = new IngressGateway(profileEdge, 'Public', { mesh, name: 'istio-ingressgateway' });
    clash.addHost('shop.example.com');
    clash.addRoute('shop.example.com', { to: RouteDestination.host('web.shop.svc.cluster.local', 80) });

    // THEN
    expect(() => Testing.synth(edge)).toThrow(
      /\[edge\/Public\] Deployment istio-system\/public is also emitted by other\/Public\/Deployment; give the gateway another 'name' \(or 'namespace'\)/);
    expect(() => Testing.synth(profileEdge)).toThrow(
      /\[edge\/Public\] Service istio-system\/istio-ingressgateway is also emitted by mesh\/Mesh\/IngressGatewayService; give the gateway another 'name'/);
  });

  test('fails at synth without hosts, and for a host without routes', () => {
    // GIVEN
    const empty = ingress();
    const routeless = ingress();
    routeless.gateway.addHost('shop.example.com');

    // THEN
    expect(() => Testing.synth(empty.edge)).toThrow(
      /\[edge\/Public\] the gateway has no hosts; call addHost\('app.example.com', \{ tls: GatewayTls.simple\('app-cert'\) \}\) and addRoute\(\)/);
    expect(() => Testing.synth(routeless.edge)).toThrow(
      /\[edge\/Public\] host "shop.example.com" has no routes, so the gateway would answer 404; call addRoute\("shop.example.com", \{ to: \.\.\. \}\), bind a release to it \(CanaryRelease gateway\), or remove the host/);
  });
});

describe('IngressGateway.fromExisting', () => {
  test("routes on the profile's istio-ingressgateway of a mesh installed elsewhere: a Gateway selecting its pods, one VirtualService per host", () => {
    // GIVEN: the mesh and its gateway pods are outside the app
    const f = gatewayFixture();
    const gateway = IngressGateway.fromExisting(f.edge, 'Profile', { mesh: f.mesh, gatewayName: 'public' });

    // WHEN
    gateway.addHost('*');
    gateway.addRoute('*', { to: RouteDestination.fromService(f.web) });
    f.app.synth();
    const objects = Testing.synth(f.edge);

    // THEN: no Deployment or Service of its own; the Gateway selects the profile's pods in the mesh namespace
    expect(objects.map((o) => o.kind).sort()).toEqual(['Gateway', 'VirtualService']);
    const gw = find(objects, 'Gateway', 'public');
    expect([gw.metadata.namespace, gw.spec.selector]).toEqual(['istio-system', { istio: 'ingressgateway' }]);
    const vs = objects.find((o) => o.kind === 'VirtualService');
    expect([vs.spec.hosts, vs.spec.gateways, vs.spec.http[0].route[0].destination.host]).toEqual([['*'], ['istio-system/public'], 'web.shop.svc.cluster.local']);
    expect(gateway.toMeshPeerConfig(gateway, f.mesh).principals).toEqual(['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account']);
  });

  test('a Gateway of another app: only VirtualServices are written; TLS belongs to that app', () => {
    // GIVEN
    const f = gatewayFixture();
    const gateway = IngressGateway.fromExisting(f.edge, 'Shared', { mesh: f.mesh, gatewayName: 'shared', namespace: 'edge', gatewayExists: true });

    // WHEN
    gateway.addHost('shop.example.com');
    gateway.addRoute('shop.example.com', { to: RouteDestination.fromService(f.web) });
    const objects = Testing.synth(f.edge);

    // THEN
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.spec.gateways}`)).toEqual(['VirtualService edge/edge/shared']);
    expect(() => gateway.addHost('admin.example.com', { tls: GatewayTls.simple('admin-cert') })).toThrow(
      "[edge/Shared] 'tls' for host \"admin.example.com\" cannot be set: the Istio Gateway edge/shared belongs to another app, which sets its TLS; " +
      "remove 'tls' (and 'httpsRedirect'), or drop 'gatewayExists' to let this app write the Gateway");
  });

  test.each([
    [{ gatewayName: 'Public' }, "[edge/Bad] 'gatewayName' must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters) such as \"payments\", got \"Public\""],
    [{ selectorLabels: {} }, "[edge/Bad] 'selectorLabels' must be a non-empty object of string labels of the gateway pods, e.g. { istio: 'ingressgateway' }, got {} (object)"],
    [{ selectorLabels: { istio: 1 } }, "[edge/Bad] 'selectorLabels' must be a non-empty object of string labels of the gateway pods, e.g. { istio: 'ingressgateway' }, got {\"istio\":1} (object)"],
  ])('fails on %p with the fix', (props, message) => {
    const f = gatewayFixture();
    expect(() => IngressGateway.fromExisting(f.edge, 'Bad', { mesh: f.mesh, ...(props as any) })).toThrow(message);
  });
});
