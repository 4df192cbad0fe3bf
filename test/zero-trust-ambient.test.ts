import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as yaml from 'yaml';
import {
  DataPlane, EgressGateway, ExternalHost, MeshInstallation, MeshPeer, MeshProfile, MtlsMode, PolicyEnforcement, WorkloadSelector, ZeroTrustNamespace,
  ZeroTrustNamespaceProps,
} from '../lib';
import { ambientCall } from './helpers/ambient-path';
import { authorizeAmbient } from './helpers/authz-evaluator';
import { networkAllows } from './helpers/netpol-evaluator';
import { find, fixture, inventory, ofKind, synthAll } from './zero-trust-fixture';

const ISTIOCTL = path.resolve(__dirname, '..', '.cache', 'bin', 'istioctl');
const LOGIN = 'https://login.example.gov';

/** An ambient ZeroTrustNamespace `shop` in the fixture's `apps` chart. */
function shop(props: Partial<ZeroTrustNamespaceProps> = {}) {
  const f = fixture();
  const ns = new ZeroTrustNamespace(f.chart, 'Shop', { name: 'shop', mesh: f.mesh, dataPlane: DataPlane.AMBIENT, ...props });
  return { ...f, ns };
}

/** A Deployment `name` (service account `name`, container port 8080) and its Service `name` (80 -> 8080). */
function workload(chart: Chart, name: string, namespace = 'shop'): kplus.Deployment {
  const deployment = new kplus.Deployment(chart, `${namespace}-${name}`, {
    metadata: { name, namespace },
    podMetadata: { labels: { app: name } },
    serviceAccount: new kplus.ServiceAccount(chart, `${namespace}-${name}-sa`, { metadata: { name, namespace } }),
    containers: [{ image: `example/${name}:1`, portNumber: 8080, securityContext: { user: 1000, group: 1000 } }],
  });
  deployment.exposeViaService({ name, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  return deployment;
}

const labelsOf = (objects: any[], kind: string, name: string) => find(objects, kind, name).metadata.labels;
const podLabels = (d: kplus.Deployment) => ({ ...d.podMetadata.toJson().labels, ...d.matchLabels });
/** Every L7 field of an AuthorizationPolicy rule. */
const L7 = /"(methods|notMethods|paths|notPaths|hosts|notHosts|requestPrincipals|notRequestPrincipals)"|request\.auth/;

describe('enrolment', () => {
  test('the Namespace is labelled for ambient mode, with no injection label, and gets no Sidecar', () => {
    // GIVEN
    const { chart } = shop();

    // WHEN
    const objects = Testing.synth(chart);

    // THEN
    const labels = labelsOf(objects, 'Namespace', 'shop');
    expect(labels['istio.io/dataplane-mode']).toBe('ambient');
    expect(labels['istio-injection']).toBeUndefined();
    expect(labels['istio.io/use-waypoint']).toBeUndefined();
    expect(inventory(objects)).toEqual([
      'Namespace/shop',
      'PeerAuthentication/default',
      'AuthorizationPolicy/deny-all',
      'NetworkPolicy/default-deny',
      'NetworkPolicy/allow-dns',
      'NetworkPolicy/allow-kubelet-probes',
    ]);
  });

  test('kubelet probes reach every pod from 169.254.7.127 only', () => {
    // GIVEN
    const { chart } = shop();

    // WHEN
    const objects = Testing.synth(chart);

    // THEN
    const pod = { namespace: 'shop', labels: { app: 'api' } };
    expect(networkAllows(objects, { ip: '169.254.7.127' }, pod, 8080)).toBe(true);
    expect(networkAllows(objects, { ip: '169.254.7.128' }, pod, 8080)).toBe(false);
    expect(networkAllows(objects, { namespace: 'other', labels: {} }, pod, 15008)).toBe(false);
  });

  test('a mesh installed without ztunnel is refused', () => {
    // GIVEN
    const f = fixture();
    const mesh = new MeshInstallation(new Chart(f.app, 'istio'), 'Mesh', { profile: MeshProfile.MINIMAL });

    // THEN
    expect(() => new ZeroTrustNamespace(f.chart, 'Shop', { name: 'shop', mesh, dataPlane: DataPlane.AMBIENT })).toThrow(
      '[apps/Shop] \'dataPlane\' DataPlane.AMBIENT needs ztunnel on every node, but mesh istio/Mesh is not installed in ambient mode: ' +
      'nothing would enforce mTLS or the rules; install it with profile: MeshProfile.AMBIENT, or keep DataPlane.SIDECAR');
  });

  test('an ambient mesh is accepted', () => {
    // GIVEN
    const f = fixture();
    const mesh = new MeshInstallation(new Chart(f.app, 'istio'), 'Mesh', { profile: MeshProfile.AMBIENT });

    // THEN
    expect(new ZeroTrustNamespace(f.chart, 'Shop', { name: 'shop', mesh, dataPlane: DataPlane.AMBIENT }).dataPlane).toBe(DataPlane.AMBIENT);
  });

  test.each([['ambient', '"ambient"'], [1, '1 (number)']])('dataPlane %p is refused', (value, described) => {
    // GIVEN
    const f = fixture();

    // THEN
    expect(() => new ZeroTrustNamespace(f.chart, 'Shop', { name: 'shop', mesh: f.mesh, dataPlane: value as any })).toThrow(
      `[apps/Shop] 'dataPlane' must be one of DataPlane.SIDECAR, DataPlane.AMBIENT, got ${described}`);
  });
});

describe('L4 rules: ztunnel only', () => {
  test('a rule without L7 conditions is a selector policy with L4 fields, and no waypoint is deployed', () => {
    // GIVEN
    const { chart, ns } = shop({ externalNamespaces: ['frontend'] });
    const api = workload(chart, 'api');

    // WHEN
    ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'), { to: WorkloadSelector.fromDeployment(api), ports: [8080] });
    const objects = Testing.synth(chart);

    // THEN
    expect(find(objects, 'AuthorizationPolicy', 'allow-frontend-web-to-api').spec).toEqual({
      action: 'ALLOW',
      selector: { matchLabels: api.matchLabels },
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/frontend/sa/web'] } }], to: [{ operation: { ports: ['8080'] } }] }],
    });
    expect(ofKind(objects, 'Gateway')).toEqual([]);
    expect(labelsOf(objects, 'Namespace', 'shop')['istio.io/use-waypoint']).toBeUndefined();
  });

  test('the NetworkPolicies carry the rule on HBONE (15008): in from the caller, out from an ambient caller namespace', () => {
    // GIVEN
    const { app, chart, ns, mesh } = shop();
    const api = workload(chart, 'api');
    const front = new Chart(app, 'front');
    new ZeroTrustNamespace(front, 'Front', { name: 'frontend', mesh, dataPlane: DataPlane.AMBIENT });
    const web = workload(front, 'web', 'frontend');

    // WHEN
    ns.allowFrom(MeshPeer.fromDeployment(web), { to: WorkloadSelector.fromDeployment(api), ports: [8080] });
    const objects = synthAll(app);

    // THEN
    const from = { namespace: 'frontend', labels: podLabels(web) };
    const to = { namespace: 'shop', labels: podLabels(api) };
    expect(networkAllows(objects, from, to, 15008)).toBe(true);
    expect(networkAllows(objects, { namespace: 'frontend', labels: { app: 'other' } }, to, 15008)).toBe(false);
    expect(ambientCall(objects, { namespace: 'frontend', serviceAccount: 'web', labels: podLabels(web), ambient: true },
      { namespace: 'shop', labels: podLabels(api), service: 'api', servicePort: 80, containerPort: 8080 })).toEqual({ allowed: true });
    expect(ambientCall(objects, { namespace: 'frontend', serviceAccount: 'other', labels: podLabels(web), ambient: true },
      { namespace: 'shop', labels: podLabels(api), service: 'api', servicePort: 80, containerPort: 8080 }))
      .toEqual({ allowed: false, refusedBy: 'ztunnel: no ALLOW rule matches' });
  });

  test('a sidecar namespace called by an ambient namespace opens 15008 too (ztunnel reaches sidecars over HBONE)', () => {
    // GIVEN
    const f = fixture();
    const sidecar = new ZeroTrustNamespace(f.chart, 'Shop', { name: 'shop', mesh: f.mesh });
    const api = workload(f.chart, 'api');
    const front = new Chart(f.app, 'front');
    new ZeroTrustNamespace(front, 'Front', { name: 'frontend', mesh: f.mesh, dataPlane: DataPlane.AMBIENT });
    const web = workload(front, 'web', 'frontend');

    // WHEN
    sidecar.allowFrom(MeshPeer.fromDeployment(web), { to: WorkloadSelector.fromDeployment(api), ports: [8080] });
    const objects = synthAll(f.app);

    // THEN
    const netpol = find(objects, 'NetworkPolicy', 'allow-frontend-web-to-api', 'shop');
    expect(netpol.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 15008 }]);
    expect(networkAllows(objects, { namespace: 'frontend', labels: podLabels(web) }, { namespace: 'shop', labels: podLabels(api) }, 15008)).toBe(true);
  });
});

describe('L7 rules: a waypoint', () => {
  /** shop (ambient) with api and a JWT issuer; frontend (ambient) with web. */
  function twoNamespaces(frontendPlane = DataPlane.AMBIENT) {
    const { app, chart, ns, mesh } = shop({ jwtIssuers: [{ issuer: LOGIN, jwksUri: `${LOGIN}/jwks.json` }] });
    const api = workload(chart, 'api');
    const front = new Chart(app, 'front');
    new ZeroTrustNamespace(front, 'Front', { name: 'frontend', mesh, dataPlane: frontendPlane });
    const web = workload(front, 'web', 'frontend');
    return { app, chart, ns, api, web };
  }
  const callee = (api: kplus.Deployment) => ({ namespace: 'shop', labels: podLabels(api), service: 'api', servicePort: 80, containerPort: 8080 });
  const caller = (web: kplus.Deployment, ambient = true) => ({ namespace: 'frontend', serviceAccount: 'web', labels: podLabels(web), ambient });

  test('the waypoint is the Gateway istioctl waypoint generate writes, and the namespace uses it', () => {
    // GIVEN
    const { chart } = shop({ jwtIssuers: [{ issuer: LOGIN, jwksUri: `${LOGIN}/jwks.json` }] });

    // WHEN
    const objects = Testing.synth(chart);
    const gateway = find(objects, 'Gateway', 'waypoint');

    // THEN
    const expected = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'waypoint', namespace: 'shop', labels: { 'istio.io/waypoint-for': 'service' } },
      spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
    };
    // Listed difference: our recommended labels (app.kubernetes.io/*) on top.
    const ours = { ...gateway, metadata: { ...gateway.metadata, labels: { 'istio.io/waypoint-for': gateway.metadata.labels['istio.io/waypoint-for'] } } };
    expect(ours).toEqual(expected);
    if (fs.existsSync(ISTIOCTL)) {
      const generated = yaml.parse(execFileSync(ISTIOCTL, ['waypoint', 'generate', '-n', 'shop', '--for', 'service'], { encoding: 'utf8' }));
      expect(ours).toEqual(generated);
    }
    expect(labelsOf(objects, 'Namespace', 'shop')['istio.io/use-waypoint']).toBe('waypoint');
    expect(find(objects, 'RequestAuthentication', 'jwt').spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }]);
  });

  test('the L7 rule is a targetRefs policy on the Service with the Service port; ztunnel admits only the waypoint', () => {
    // GIVEN
    const { app, ns, api, web } = twoNamespaces();

    // WHEN
    ns.allowFrom(MeshPeer.fromDeployment(web), {
      to: WorkloadSelector.fromDeployment(api), ports: [8080], methods: ['GET'], paths: ['/orders/*'], requestPrincipals: [`${LOGIN}/*`],
    });
    const objects = synthAll(app);

    // THEN
    expect(find(objects, 'AuthorizationPolicy', 'waypoint-allow-frontend-web-to-api').spec).toEqual({
      action: 'ALLOW',
      targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
      rules: [{
        from: [{ source: { principals: ['cluster.local/ns/frontend/sa/web'], requestPrincipals: [`${LOGIN}/*`] } }],
        to: [{ operation: { ports: ['80'], methods: ['GET'], paths: ['/orders/*'] } }],
      }],
    });
    expect(find(objects, 'AuthorizationPolicy', 'allow-frontend-web-to-api').spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/shop/sa/waypoint'] } }], to: [{ operation: { ports: ['8080'] } }] },
    ]);
  });

  test('no policy ztunnel enforces carries an L7 field; the token requirement is a DENY at the waypoint', () => {
    // GIVEN
    const { app, ns, api, web } = twoNamespaces();

    // WHEN
    ns.allowFrom(MeshPeer.fromDeployment(web), { to: WorkloadSelector.fromDeployment(api), ports: [8080], requestPrincipals: [`${LOGIN}/*`] });
    ns.allowFrom(MeshPeer.fromDeployment(web), { to: WorkloadSelector.fromDeployment(api), ports: [8080], methods: ['GET'] });
    const objects = synthAll(app);

    // THEN
    const policies = ofKind(objects, 'AuthorizationPolicy', 'shop');
    const ztunnel = policies.filter((p) => !p.spec.targetRefs);
    expect(ztunnel.map((p) => p.metadata.name)).toEqual(['deny-all', 'allow-frontend-web-to-api', 'allow-frontend-web-to-api-2']);
    for (const p of ztunnel) expect(JSON.stringify(p.spec)).not.toMatch(L7);
    const deny = find(objects, 'AuthorizationPolicy', 'waypoint-require-token-frontend-web-to-api');
    expect(deny.spec.action).toBe('DENY');
    expect(deny.spec.targetRefs).toEqual([{ group: '', kind: 'Service', name: 'api' }]);
  });

  test('who can call whom: the path, the method and the token decide at the waypoint; nothing bypasses it', () => {
    // GIVEN
    const { app, ns, api, web } = twoNamespaces();
    ns.allowFrom(MeshPeer.fromDeployment(web), {
      to: WorkloadSelector.fromDeployment(api), ports: [8080], methods: ['GET'], paths: ['/orders/*'], requestPrincipals: [`${LOGIN}/*`],
    });

    // WHEN
    const objects = synthAll(app);
    const call = (request: object, from = caller(web)) => ambientCall(objects, from, callee(api), request);

    // THEN
    const token = { requestPrincipal: `${LOGIN}/alice` };
    expect(call({ method: 'GET', path: '/orders/1', ...token })).toEqual({ allowed: true });
    expect(call({ method: 'POST', path: '/orders/1', ...token })).toEqual({ allowed: false, refusedBy: 'waypoint: no ALLOW rule matches' });
    expect(call({ method: 'GET', path: '/admin', ...token })).toEqual({ allowed: false, refusedBy: 'waypoint: no ALLOW rule matches' });
    expect(call({ method: 'GET', path: '/orders/1' })).toEqual({ allowed: false, refusedBy: 'waypoint: DENY waypoint-require-token-frontend-web-to-api' });
    expect(call({ method: 'GET', path: '/orders/1', ...token }, { ...caller(web), serviceAccount: 'intruder' }))
      .toEqual({ allowed: false, refusedBy: 'waypoint: no ALLOW rule matches' });
    // The same caller straight to the pod (a pod IP, or as a sidecar) is refused by ztunnel: only the waypoint gets in.
    expect(call({ method: 'GET', path: '/orders/1', ...token }, caller(web, false))).toEqual({ allowed: false, refusedBy: 'NetworkPolicy caller -> pod' });
    expect(authorizeAmbient(objects, {
      workload: { namespace: 'shop', labels: podLabels(api) }, principal: 'cluster.local/ns/frontend/sa/web', sourceNamespace: 'frontend', port: 8080,
    }, { ztunnel: true })).toEqual({ allowed: false, by: 'no ALLOW rule matches' });
    // The waypoint itself may reach nothing else of the namespace.
    expect(authorizeAmbient(objects, {
      workload: { namespace: 'shop', labels: podLabels(api) }, principal: 'cluster.local/ns/shop/sa/waypoint', sourceNamespace: 'shop', port: 9090,
    }, { ztunnel: true })).toEqual({ allowed: false, by: 'no ALLOW rule matches' });
  });

  test('with a waypoint, L4 rules are enforced there too (it carries the Service traffic) and ztunnel also admits the peer directly', () => {
    // GIVEN
    const { app, ns, api, web } = twoNamespaces();
    ns.allowFrom(MeshPeer.fromDeployment(web), { to: WorkloadSelector.fromDeployment(api), ports: [8080] });

    // WHEN
    const objects = synthAll(app);

    // THEN
    expect(find(objects, 'AuthorizationPolicy', 'allow-frontend-web-to-api').spec.rules[0].from).toEqual([
      { source: { principals: ['cluster.local/ns/frontend/sa/web'] } },
      { source: { principals: ['cluster.local/ns/shop/sa/waypoint'] } },
    ]);
    expect(ambientCall(objects, caller(web), callee(api), { method: 'DELETE', path: '/x' })).toEqual({ allowed: true });
    expect(ambientCall(objects, caller(web, false), callee(api))).toEqual({ allowed: true });
    expect(ambientCall(objects, { ...caller(web), serviceAccount: 'intruder' }, callee(api)))
      .toEqual({ allowed: false, refusedBy: 'waypoint: no ALLOW rule matches' });
  });

  test('the waypoint is reached on HBONE by the callers only and reaches the pods on HBONE, istiod and nothing else', () => {
    // GIVEN
    const { app, ns, api, web } = twoNamespaces();
    ns.allowFrom(MeshPeer.fromDeployment(web), { to: WorkloadSelector.fromDeployment(api), ports: [8080], methods: ['GET'] });

    // WHEN
    const objects = synthAll(app);

    // THEN
    const waypoint = { namespace: 'shop', labels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' } };
    const webPod = { namespace: 'frontend', labels: podLabels(web) };
    const apiPod = { namespace: 'shop', labels: podLabels(api) };
    expect(networkAllows(objects, webPod, waypoint, 15008)).toBe(true);
    expect(networkAllows(objects, { namespace: 'frontend', labels: { app: 'other' } }, waypoint, 15008)).toBe(false);
    expect(networkAllows(objects, waypoint, apiPod, 15008)).toBe(true);
    expect(networkAllows(objects, waypoint, apiPod, 8080)).toBe(false);
    expect(networkAllows(objects, waypoint, { namespace: 'istio-system', labels: { app: 'istiod' } }, 15012)).toBe(true);
    expect(networkAllows(objects, apiPod, { namespace: 'istio-system', labels: { app: 'istiod' } }, 15012)).toBe(false);
    // L7 rule: the caller's pods reach the api pods only through the waypoint.
    expect(networkAllows(objects, webPod, apiPod, 15008)).toBe(false);
  });

  test('audit mode: every policy (waypoint ones included) is a dry run, and no NetworkPolicy is emitted', () => {
    // GIVEN
    const { app, ns, api, web } = twoNamespaces();
    void ns;
    const audited = fixture();
    const a = new ZeroTrustNamespace(audited.chart, 'Shop', { name: 'shop', mesh: audited.mesh, dataPlane: DataPlane.AMBIENT, enforcement: PolicyEnforcement.AUDIT, externalNamespaces: ['frontend'] });
    const auditedApi = workload(audited.chart, 'api');

    // WHEN
    a.allowFrom(MeshPeer.serviceAccount('frontend', 'web'), { to: WorkloadSelector.fromDeployment(auditedApi), ports: [8080], paths: ['/x'] });
    const objects = Testing.synth(audited.chart);

    // THEN
    for (const p of ofKind(objects, 'AuthorizationPolicy')) expect(p.metadata.annotations).toEqual({ 'istio.io/dry-run': 'true' });
    expect(ofKind(objects, 'NetworkPolicy')).toEqual([]);
    expect(ofKind(objects, 'Gateway')).toHaveLength(1);
    void app; void api; void web;
  });
});

describe('what ambient cannot honour', () => {
  test('an external host without addresses', () => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowEgressTo(ExternalHost.https('api.example.com'))).toThrow(
      '[apps/Shop] \'allowEgressTo\' api.example.com:443 has no addresses: under DataPlane.AMBIENT no Sidecar filters egress by host name, ' +
      'so the NetworkPolicy would open port 443 to any address; declare the addresses, e.g. ExternalHost.tcp(\'api.example.com\', 443, ' +
      '[\'203.0.113.10\']), or keep the namespace on DataPlane.SIDECAR');
  });

  test('an external host with addresses is allowed to those addresses only', () => {
    // GIVEN
    const { chart, ns } = shop();

    // WHEN
    ns.allowEgressTo(ExternalHost.tcp('db.example.com', 5432, ['10.30.0.20']));
    const objects = Testing.synth(chart);

    // THEN
    const pod = { namespace: 'shop', labels: { app: 'api' } };
    expect(networkAllows(objects, pod, { ip: '10.30.0.20' }, 5432)).toBe(true);
    expect(networkAllows(objects, pod, { ip: '10.30.0.21' }, 5432)).toBe(false);
    expect(ofKind(objects, 'Sidecar')).toEqual([]);
  });

  test('egress through an egress gateway', () => {
    // GIVEN
    const { chart, ns, mesh } = shop();
    const egress = new EgressGateway(chart, 'Egress', { mesh, namespace: 'istio-egress' });

    // THEN
    expect(() => ns.allowEgressTo(ExternalHost.https('api.example.com'), { via: egress })).toThrow(
      '[apps/Shop] \'allowEgressTo\' api.example.com:443 with \'via\' has no ambient form: the egress gateway\'s routing is a VirtualService ' +
      'that sidecars apply and ambient pods do not, so the call would leave straight out; keep the namespace on DataPlane.SIDECAR, or allow ' +
      'the host with its addresses without via');
  });

  test('an mTLS exception with MtlsMode.DISABLE; PERMISSIVE is rendered as for sidecars (ztunnel honours port-level PERMISSIVE)', () => {
    // GIVEN
    const { chart, ns } = shop();
    const api = workload(chart, 'api');

    // THEN
    expect(() => ns.addMtlsException({ port: 8443, mode: MtlsMode.DISABLE, selector: WorkloadSelector.fromDeployment(api), reason: 'legacy' })).toThrow(
      '[apps/Shop] \'mtlsExceptions.mode\' MtlsMode.DISABLE for port 8443 is a sidecar setting (the sidecar stops terminating mTLS on the ' +
      'port); under ambient, ztunnel takes a port exception as PERMISSIVE (plaintext callers let in): declare it with MtlsMode.PERMISSIVE, ' +
      'or keep the namespace on DataPlane.SIDECAR');
    ns.addMtlsException({ port: 8080, mode: MtlsMode.PERMISSIVE, selector: WorkloadSelector.fromDeployment(api), reason: 'legacy' });
    expect(find(Testing.synth(chart), 'PeerAuthentication', 'mtls-exception-api').spec.portLevelMtls).toEqual({ 8080: { mode: 'PERMISSIVE' } });
  });

  test('an L7 rule from a sidecar namespace (sidecars never traverse waypoints)', () => {
    // GIVEN
    const { app, chart, ns, mesh } = shop();
    const api = workload(chart, 'api');
    new ZeroTrustNamespace(new Chart(app, 'front'), 'Front', { name: 'frontend', mesh });

    // WHEN
    ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'), { to: WorkloadSelector.fromDeployment(api), ports: [8080], methods: ['GET'] });

    // THEN
    expect(() => Testing.synth(chart)).toThrow(
      '[apps/Shop] \'allowFrom\' frontend/sa/web -> shop/deployment api has L7 conditions, which the waypoint of ambient namespace "shop" ' +
      'enforces, but "frontend" runs sidecars, and sidecar callers do not traverse waypoints in Istio 1.30 (istio/istio#51445): ztunnel, ' +
      'which admits only the waypoint for this rule, would refuse every request; move "frontend" to DataPlane.AMBIENT first, or drop its ' +
      'methods, paths, requestPrincipals and requiredClaims (ztunnel then enforces it at L4)');
  });

  test('an L7 rule for the ingress gateway (it sends straight to the pods)', () => {
    // GIVEN
    const { chart, ns } = shop();
    const api = workload(chart, 'api');

    // WHEN
    ns.exposeToIngressGateway({ to: WorkloadSelector.fromDeployment(api), ports: [8080], paths: ['/api/*'] });

    // THEN
    expect(() => Testing.synth(chart)).toThrow(
      '[apps/Shop] \'allowFrom\' ingress gateway istio-system/sa/istio-ingressgateway-service-account -> shop/deployment api has L7 conditions, which the ' +
      'waypoint of ambient namespace "shop" enforces, but the ingress gateway sends straight to the pods without passing the waypoint: ' +
      'ztunnel, which admits only the waypoint for this rule, would refuse every request; check the conditions at the gateway\'s routes ' +
      'and drop its methods, paths, requestPrincipals and requiredClaims (ztunnel then enforces it at L4)');
  });

  test('an L7 rule for pods no Service of the app selects (a waypoint sees only Service traffic)', () => {
    // GIVEN
    const { chart, ns } = shop();

    // WHEN
    ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromLabels({ app: 'batch' }), methods: ['GET'] });

    // THEN
    expect(() => Testing.synth(chart)).toThrow(
      '[apps/Shop] \'allowFrom\' shop/* -> shop/app=batch: the waypoint enforces this rule for traffic sent to Services, but no Service of ' +
      'this app in namespace "shop" selects the pods of shop/app=batch, and a waypoint only sees traffic sent to a Service; declare the ' +
      'Service of those pods in the app');
  });

  test('an L7 rule for some pods of a Service (a waypoint policy attaches to the whole Service)', () => {
    // GIVEN
    const { chart, ns } = shop();
    const [api] = ['api', 'api-canary'].map((name) => new kplus.Deployment(chart, name, {
      metadata: { name, namespace: 'shop' },
      podMetadata: { labels: { app: 'api' } },
      containers: [{ image: 'example/api:2', portNumber: 8080, securityContext: { user: 1000, group: 1000 } }],
    }));
    new kplus.Service(chart, 'ApiService', {
      metadata: { name: 'api', namespace: 'shop' },
      selector: kplus.Pods.select(chart, 'ApiPods', { labels: { app: 'api' } }),
      ports: [{ port: 80, targetPort: 8080 }],
    });

    // WHEN
    ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromDeployment(api), ports: [8080], methods: ['GET'] });

    // THEN
    expect(() => Testing.synth(chart)).toThrow(/'allowFrom' shop\/\* -> shop\/deployment api: the waypoint enforces this rule for traffic sent to Services, but Service "api" also sends to Deployment api-canary, which shop\/deployment api does not cover/);
  });
});

describe('rules the waypoint cannot attach exactly', () => {
  /** Pods app=api listening on 8080 and 9090 (or on undeclared ports), and Services given as [name, port, targetPort][]. */
  function api(services: Array<[string, number, number]>, declarePorts = true) {
    const { chart, ns } = shop();
    new kplus.Deployment(chart, 'api', {
      metadata: { name: 'api', namespace: 'shop' },
      podMetadata: { labels: { app: 'api' } },
      containers: [{
        image: 'example/api:1',
        securityContext: { user: 1000, group: 1000 },
        ports: declarePorts ? [{ number: 8080, name: 'http' }, { number: 9090, name: 'admin' }] : undefined,
      }],
    });
    const byName = new Map<string, Array<[number, number]>>();
    for (const [name, port, target] of services) byName.set(name, [...(byName.get(name) ?? []), [port, target]]);
    for (const [name, ports] of byName) {
      new kplus.Service(chart, `Svc-${name}`, {
        metadata: { name, namespace: 'shop' },
        selector: kplus.Pods.select(chart, `Pods-${name}`, { labels: { app: 'api' } }),
        ports: ports.map(([port, targetPort]) => ({ port, targetPort, name: `p${port}` })),
      });
    }
    return { chart, ns };
  }

  test('two Services whose same port number reaches different container ports', () => {
    // GIVEN
    const { chart, ns } = api([['a', 80, 8080], ['b', 80, 9090], ['b', 81, 8080]]);

    // WHEN
    ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromLabels({ app: 'api' }), ports: [8080], methods: ['GET'] });

    // THEN
    expect(() => Testing.synth(chart)).toThrow(
      '[apps/Shop] \'allowFrom\' shop/* -> shop/app=api: the waypoint enforces this rule for traffic sent to Services, but Service "b" port 80 ' +
      'does not send to port 8080 of shop/app=api, but another Service\'s port of that number does: one waypoint policy for both would admit ' +
      'more than declared; give each workload its own rule (allowFrom with `to`)');
  });

  test('no Service port reaches the rule\'s port', () => {
    // GIVEN
    const { chart, ns } = api([['a', 80, 8080]], false);

    // WHEN
    ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromLabels({ app: 'api' }), ports: [7070], paths: ['/x'] });

    // THEN
    expect(() => Testing.synth(chart)).toThrow(
      '[apps/Shop] \'allowFrom\' shop/* -> shop/app=api: the waypoint enforces this rule for traffic sent to Services, but no Service of this ' +
      'app in namespace "shop" sends to port 7070 of shop/app=api, and a waypoint only sees traffic sent to a Service; declare a Service port ' +
      'with that targetPort');
  });

  test('an L4 rule for pods without a Service is fine next to a waypoint (ztunnel enforces it on the pods\' own addresses)', () => {
    // GIVEN
    const { chart, ns } = api([['a', 80, 8080]]);
    ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromLabels({ app: 'api' }), ports: [8080], methods: ['GET'] });

    // WHEN
    ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromLabels({ app: 'batch' }), ports: [8080] });

    // THEN
    expect(() => Testing.synth(chart)).not.toThrow();
    const objects = Testing.synth(chart);
    expect(find(objects, 'AuthorizationPolicy', 'waypoint-allow-ns-shop-to-app-api').spec.targetRefs).toEqual([{ group: '', kind: 'Service', name: 'a' }]);
    // Nothing to attach for batch: the waypoint policy admits nothing (the waypoint never carries batch's traffic).
    expect(find(objects, 'AuthorizationPolicy', 'waypoint-allow-ns-shop-to-app-batch').spec).toEqual({
      action: 'ALLOW', targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }], rules: [],
    });
  });
});

describe('connections() are the same for both data planes', () => {
  test('rules, egress and external hosts; only the enforcing layers and the mesh\'s own connections differ', () => {
    // GIVEN
    const build = (dataPlane: DataPlane) => {
      const f = fixture();
      const ns = new ZeroTrustNamespace(f.chart, 'Shop', { name: 'shop', mesh: f.mesh, dataPlane, externalNamespaces: ['frontend', 'payments'] });
      const api = workload(f.chart, 'api');
      ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'), { to: WorkloadSelector.fromDeployment(api), ports: [8080], methods: ['GET'] });
      ns.allowFrom(MeshPeer.namespace('payments'), { ports: [8080] });
      ns.allowTo(MeshPeer.namespace('payments'), { ports: [443] });
      ns.allowEgressTo(ExternalHost.tcp('db.example.com', 5432, ['10.30.0.20']));
      return ns.connections();
    };

    // WHEN
    const sidecar = build(DataPlane.SIDECAR);
    const ambient = build(DataPlane.AMBIENT);

    // THEN
    expect(ambient.accessDifferences(sidecar)).toEqual([]);
    expect(ambient.rows[0].layers).toEqual(['AuthorizationPolicy', 'Waypoint', 'NetworkPolicy']);
    expect(sidecar.rows[0].layers).toEqual(['AuthorizationPolicy', 'NetworkPolicy']);
  });

  test('accessDifferences names what one grants and the other does not', () => {
    // GIVEN
    const f = fixture();
    const a = new ZeroTrustNamespace(f.chart, 'A', { name: 'a', mesh: f.mesh, externalNamespaces: ['x'] });
    const b = new ZeroTrustNamespace(f.chart, 'B', { name: 'b', mesh: f.mesh, externalNamespaces: ['x'] });
    a.allowFrom(MeshPeer.namespace('x'), { ports: [80] });
    b.allowFrom(MeshPeer.namespace('x'), { ports: [81] });

    // THEN
    expect(a.connections().accessDifferences(b.connections())).toEqual([
      '+ INBOUND x/* -> a/* ports=80 methods=any paths=any jwt=- ENFORCE',
      '- INBOUND x/* -> b/* ports=81 methods=any paths=any jwt=- ENFORCE',
    ]);
  });
});
