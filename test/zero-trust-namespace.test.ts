import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EgressGateway, ExternalHost, MeshInstallation, MeshPeer, PolicyEnforcement, WorkloadSelector, ZeroTrustNamespace, ZeroTrustNamespaceProps } from '../lib';
import { authorize } from './helpers/authz-evaluator';
import { find, fixture, inventory, ofKind, synthAll } from './zero-trust-fixture';

/** A ZeroTrustNamespace `shop` in the fixture's `apps` chart. */
function shop(props: Partial<ZeroTrustNamespaceProps> = {}) {
  const f = fixture();
  const ns = new ZeroTrustNamespace(f.chart, 'Shop', { name: 'shop', mesh: f.mesh, ...props });
  return { ...f, ns };
}

describe('defaults', () => {
  test('snapshot', () => {
    // GIVEN
    const { chart } = shop();

    // THEN
    expect(Testing.synth(chart)).toMatchSnapshot();
  });

  test('emits the namespace baseline and nothing else', () => {
    // WHEN
    const { chart } = shop();

    // THEN
    expect(inventory(Testing.synth(chart))).toEqual([
      'Namespace/shop',
      'PeerAuthentication/default',
      'AuthorizationPolicy/deny-all',
      'NetworkPolicy/default-deny',
      'NetworkPolicy/allow-dns',
      'NetworkPolicy/allow-istiod',
      'NetworkPolicy/allow-metrics-scrape',
      'Sidecar/default',
    ]);
  });

  test('the Namespace carries the injection labels of the mesh (default and revisioned)', () => {
    // GIVEN
    const plain = shop();
    const revisioned = fixture({ revision: 'canary' });
    new ZeroTrustNamespace(revisioned.chart, 'Shop', { name: 'shop', mesh: revisioned.mesh });

    // THEN
    const injection = (labels: Record<string, string>) => Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith('app.kubernetes.io/')));
    expect(injection(find(Testing.synth(plain.chart), 'Namespace', 'shop').metadata.labels)).toEqual({ 'istio-injection': 'enabled' });
    expect(injection(find(Testing.synth(revisioned.chart), 'Namespace', 'shop').metadata.labels)).toEqual({ 'istio.io/rev': 'canary' });
  });

  test('mTLS is STRICT for the whole namespace', () => {
    // WHEN
    const pa = find(Testing.synth(shop().chart), 'PeerAuthentication', 'default');

    // THEN
    expect(pa.apiVersion).toBe('security.istio.io/v1');
    expect(pa.metadata.namespace).toBe('shop');
    expect(pa.spec).toEqual({ mtls: { mode: 'STRICT' } });
  });

  test('authorization is deny-all: an ALLOW policy with an empty spec, enforced', () => {
    // WHEN
    const deny = find(Testing.synth(shop().chart), 'AuthorizationPolicy', 'deny-all');

    // THEN
    expect(deny.apiVersion).toBe('security.istio.io/v1');
    expect(deny.spec).toEqual({});
    expect(deny.metadata.annotations).toBeUndefined();
  });

  test('NetworkPolicies deny everything but DNS, istiod and metrics scraping', () => {
    // WHEN
    const objects = Testing.synth(shop().chart);

    // THEN
    expect(find(objects, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(find(objects, 'NetworkPolicy', 'allow-dns').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      }],
    });
    expect(find(objects, 'NetworkPolicy', 'allow-istiod').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istiod' } } }],
        ports: [{ protocol: 'TCP', port: 15012 }],
      }],
    });
    expect(find(objects, 'NetworkPolicy', 'allow-metrics-scrape').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      // Prometheus' own pods, not every pod of its namespace (gateways, istiod)
      ingress: [{
        from: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/component': 'server', 'app.kubernetes.io/name': 'prometheus' } },
        }],
        ports: [{ protocol: 'TCP', port: 15020 }],
      }],
    });
  });

  test('the Sidecar only knows the namespace and the control plane, REGISTRY_ONLY', () => {
    // WHEN
    const sidecar = find(Testing.synth(shop().chart), 'Sidecar', 'default');

    // THEN
    expect(sidecar.apiVersion).toBe('networking.istio.io/v1');
    expect(sidecar.spec).toEqual({ egress: [{ hosts: ['./*', 'istio-system/*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });
  });

  test('follows a custom mesh namespace and trust domain', () => {
    // GIVEN
    const f = fixture({ namespace: 'mesh-system', trustDomain: 'agency.gov' });
    const ns = new ZeroTrustNamespace(f.chart, 'Shop', { name: 'shop', mesh: f.mesh, externalNamespaces: ['frontend'] });

    // WHEN
    ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'));
    const objects = Testing.synth(f.chart);

    // THEN
    expect(find(objects, 'Sidecar', 'default').spec.egress[0].hosts).toEqual(['./*', 'mesh-system/*']);
    expect(find(objects, 'NetworkPolicy', 'allow-istiod').spec.egress[0].to[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'mesh-system' });
    expect(find(objects, 'AuthorizationPolicy', 'allow-frontend-web').spec.rules[0].from[0].source.principals).toEqual(['agency.gov/ns/frontend/sa/web']);
  });

  test('in its own chart it adds no dependency (cdk8s would pair every object); the mesh chart, created first, comes first', () => {
    // GIVEN
    const app = Testing.app();
    const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh');
    const chart = new Chart(app, 'apps');

    // WHEN
    const ns = new ZeroTrustNamespace(chart, 'Shop', { name: 'shop', mesh });

    // THEN
    expect(ns.node.dependencies).toEqual([]);
    const docs = app.synthYaml().split('\n---\n');
    const meshNamespace = docs.findIndex((d) => d.includes('kind: Namespace') && d.includes('name: istio-system'));
    const shopNamespace = docs.findIndex((d) => d.includes('kind: Namespace') && d.includes('name: shop'));
    expect(meshNamespace).toBeGreaterThanOrEqual(0);
    expect(shopNamespace).toBeGreaterThan(meshNamespace);
  });

  test('exposes its resolved settings', () => {
    // WHEN
    const { ns, mesh } = shop();

    // THEN
    expect(ns.name).toBe('shop');
    expect(ns.mesh).toBe(mesh);
    expect(ns.enforcement).toBe(PolicyEnforcement.ENFORCE);
    expect(ns.allowPrometheusScraping).toBe(true);
    expect(ns.checkProbeRewrite).toBe(true);
    expect(ns.externalHosts).toEqual([]);
  });
});

describe('allowFrom', () => {
  test('a service account renders an ALLOW policy with its SPIFFE principal and a matching ingress NetworkPolicy', () => {
    // GIVEN
    const { chart, ns } = shop({ externalNamespaces: ['frontend'] });

    // WHEN
    ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'), {
      to: WorkloadSelector.fromLabels({ app: 'api' }),
      ports: [8080, 8081],
      methods: ['GET', 'POST'],
      paths: ['/api/*'],
    });
    const objects = Testing.synth(chart);

    // THEN
    expect(find(objects, 'AuthorizationPolicy', 'allow-frontend-web-to-app-api').spec).toEqual({
      selector: { matchLabels: { app: 'api' } },
      action: 'ALLOW',
      rules: [{
        from: [{ source: { principals: ['cluster.local/ns/frontend/sa/web'] } }],
        to: [{ operation: { ports: ['8080', '8081'], methods: ['GET', 'POST'], paths: ['/api/*'] } }],
      }],
    });
    expect(find(objects, 'NetworkPolicy', 'allow-frontend-web-to-app-api').spec).toEqual({
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'frontend' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 8081 }],
      }],
    });
  });

  test('without options the peer may call every workload on every port', () => {
    // GIVEN
    const { chart, ns } = shop({ externalNamespaces: ['frontend'] });

    // WHEN
    ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'));
    const objects = Testing.synth(chart);

    // THEN
    expect(find(objects, 'AuthorizationPolicy', 'allow-frontend-web').spec).toEqual({
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/frontend/sa/web'] } }] }],
    });
    expect(find(objects, 'NetworkPolicy', 'allow-frontend-web').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'frontend' } } }] }],
    });
  });

  test('a namespace peer renders source.namespaces', () => {
    // GIVEN
    const { chart, ns } = shop({ externalNamespaces: ['batch'] });

    // WHEN
    ns.allowFrom(MeshPeer.namespace('batch'), { ports: [9000] });

    // THEN
    const policy = find(Testing.synth(chart), 'AuthorizationPolicy', 'allow-ns-batch');
    expect(policy.spec.rules[0].from).toEqual([{ source: { namespaces: ['batch'] } }]);
  });

  test('peers in the same namespace get the egress side in this namespace, without another Sidecar host', () => {
    // GIVEN
    const { chart, ns } = shop();

    // WHEN
    ns.allowFrom(MeshPeer.serviceAccount('shop', 'cart', { podLabels: { app: 'cart' } }), { to: WorkloadSelector.fromLabels({ app: 'db' }), ports: [5432] });
    const objects = Testing.synth(chart);

    // THEN
    expect(find(objects, 'NetworkPolicy', 'allow-to-shop-app-db').spec).toEqual({
      podSelector: { matchLabels: { app: 'cart' } },
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'db' } } }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      }],
    });
    expect(find(objects, 'Sidecar', 'default').spec.egress[0].hosts).toEqual(['./*', 'istio-system/*']);
  });

  test.each([
    ['declared before the callee', true],
    ['declared after the callee', false],
  ])('a caller namespace that is a ZeroTrustNamespace gets the egress NetworkPolicy and Sidecar host (%s)', (_, callerFirst) => {
    // GIVEN
    const { app, mesh, chart } = fixture();
    const frontendChart = new Chart(app, 'frontend');
    let frontend: ZeroTrustNamespace | undefined;
    if (callerFirst) frontend = new ZeroTrustNamespace(frontendChart, 'Frontend', { name: 'frontend', mesh });
    const backend = new ZeroTrustNamespace(chart, 'Backend', { name: 'backend', mesh });

    // WHEN
    backend.allowFrom(MeshPeer.serviceAccount('frontend', 'web', { podLabels: { app: 'web' } }), {
      to: WorkloadSelector.fromLabels({ app: 'api' }),
      ports: [8080],
    });
    if (!callerFirst) frontend = new ZeroTrustNamespace(frontendChart, 'Frontend', { name: 'frontend', mesh });
    const objects = Testing.synth(frontendChart);

    // THEN
    expect(frontend).toBeDefined();
    const egress = find(objects, 'NetworkPolicy', 'allow-to-backend-app-api', 'frontend');
    expect(egress.spec).toEqual({
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'backend' } }, podSelector: { matchLabels: { app: 'api' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      }],
    });
    expect(find(objects, 'Sidecar', 'default', 'frontend').spec.egress[0].hosts).toEqual(['./*', 'backend/*', 'istio-system/*']);
  });

  test('cdk8s-plus objects as peer and target: service account principal, Deployment pod labels', () => {
    // GIVEN
    const { app, chart, ns } = shop();
    const frontendChart = new Chart(app, 'frontend', { namespace: 'frontend' });
    new ZeroTrustNamespace(frontendChart, 'Frontend', { name: 'frontend', mesh: ns.mesh });
    const sa = new kplus.ServiceAccount(frontendChart, 'WebSa', { metadata: { name: 'web' } });
    const web = new kplus.Deployment(frontendChart, 'Web', { serviceAccount: sa, containers: [{ image: 'web', portNumber: 8080 }] });
    const api = new kplus.Deployment(chart, 'Api', { metadata: { namespace: 'shop' }, containers: [{ image: 'api', portNumber: 8080 }] });

    // WHEN
    ns.allowFrom(MeshPeer.fromDeployment(web), { to: WorkloadSelector.fromDeployment(api), ports: [8080] });
    const objects = synthAll(app);

    // THEN
    const policy = ofKind(objects, 'AuthorizationPolicy', 'shop').find((p) => p.metadata.name.startsWith('allow-frontend-web-to-'));
    expect(policy.spec.selector).toEqual({ matchLabels: api.matchLabels });
    expect(policy.spec.rules[0].from).toEqual([{ source: { principals: ['cluster.local/ns/frontend/sa/web'] } }]);
    const ingress = ofKind(objects, 'NetworkPolicy', 'shop').find((p) => p.metadata.name === policy.metadata.name);
    expect(ingress.spec.ingress[0].from).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'frontend' } },
      podSelector: { matchLabels: web.matchLabels },
    }]);
  });

  test('the same peer and target with other ports is a second rule with its own name', () => {
    // GIVEN
    const { chart, ns } = shop({ externalNamespaces: ['frontend'] });
    const peer = MeshPeer.serviceAccount('frontend', 'web');

    // WHEN
    ns.allowFrom(peer, { ports: [8080] });
    ns.allowFrom(peer, { ports: [9090] });

    // THEN
    const names = ofKind(Testing.synth(chart), 'AuthorizationPolicy').map((p) => p.metadata.name);
    expect(names).toEqual(['deny-all', 'allow-frontend-web', 'allow-frontend-web-2']);
  });

  test('long names are shortened to 63 characters with a hash', () => {
    // GIVEN
    const { chart, ns } = shop({ externalNamespaces: ['a-very-long-namespace-name-for-a-caller'] });

    // WHEN
    ns.allowFrom(MeshPeer.serviceAccount('a-very-long-namespace-name-for-a-caller', 'with-an-equally-long-service-account'), {
      to: WorkloadSelector.fromLabels({ 'app.kubernetes.io/name': 'the-receiving-workload' }),
    });

    // THEN
    const name = ofKind(Testing.synth(chart), 'AuthorizationPolicy')[1].metadata.name;
    expect(name).toMatch(/^allow-a-very-long-namespace-name-for-a-caller-with-an-[a-z-]*[0-9a-f]{8}$/);
    expect(name.length).toBeLessThanOrEqual(63);
  });

  test('JWT: RequestAuthentication for the issuers, requestPrincipals and required claims on the rule', () => {
    // GIVEN
    const { chart, ns } = shop({
      externalNamespaces: ['frontend'],
      jwtIssuers: [{ issuer: 'https://login.example.gov', jwksUri: 'https://login.example.gov/jwks.json', audiences: ['shop'], forwardOriginalToken: true }],
    });

    // WHEN
    ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'), {
      requestPrincipals: ['https://login.example.gov/*'],
      requiredClaims: { groups: 'caseworkers' },
    });
    const objects = Testing.synth(chart);

    // THEN
    expect(find(objects, 'RequestAuthentication', 'jwt').spec).toEqual({
      jwtRules: [{ issuer: 'https://login.example.gov', jwksUri: 'https://login.example.gov/jwks.json', audiences: ['shop'], forwardOriginalToken: true }],
    });
    expect(find(objects, 'AuthorizationPolicy', 'allow-frontend-web').spec.rules).toEqual([{
      from: [{ source: { principals: ['cluster.local/ns/frontend/sa/web'], requestPrincipals: ['https://login.example.gov/*'] } }],
      when: [{ key: 'request.auth.claims[groups]', values: ['caseworkers'] }],
    }]);
  });

  describe('a token requirement cannot be undone by a broader rule', () => {
    const ISSUER = 'https://login.example.gov';
    const web = { principal: 'cluster.local/ns/frontend/sa/web', sourceNamespace: 'frontend', port: 8080 };
    const api = { namespace: 'shop', labels: { app: 'api' } };

    /** web may call the api on 8080; /admin/* needs a caseworker's token. */
    function app(broadRule: boolean) {
      const { chart, ns } = shop({ externalNamespaces: ['frontend'], jwtIssuers: [{ issuer: ISSUER, jwksUri: `${ISSUER}/jwks.json` }] });
      const to = WorkloadSelector.fromLabels({ app: 'api' });
      ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'), {
        to, ports: [8080], paths: ['/admin/*'], requestPrincipals: [`${ISSUER}/*`], requiredClaims: { groups: 'caseworkers' },
      });
      if (broadRule) ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'), { to, ports: [8080] });
      return Testing.synth(chart);
    }

    test.each([false, true])('broader allow rule beside it: %p', (broadRule) => {
      // WHEN
      const objects = app(broadRule);
      const call = (path: string, token?: { principal: string; groups?: string }) => authorize(objects, {
        ...web, workload: api, path, requestPrincipal: token?.principal, claims: token?.groups ? { groups: token.groups } : undefined,
      }).allowed;

      // THEN: /admin/* needs the token and the claim whatever else web may call
      expect(call('/admin/users')).toBe(false);
      expect(call('/admin/users', { principal: `${ISSUER}/alice` })).toBe(false);
      expect(call('/admin/users', { principal: `${ISSUER}/alice`, groups: 'citizens' })).toBe(false);
      expect(call('/admin/users', { principal: `${ISSUER}/alice`, groups: 'caseworkers' })).toBe(true);
      expect(call('/admin/users', { principal: 'https://evil.example/alice', groups: 'caseworkers' })).toBe(false);
      // and the broader rule still allows what it declares, nothing is denied beyond the requirement
      expect(call('/status')).toBe(broadRule);
      expect(authorize(objects, { ...web, principal: 'cluster.local/ns/frontend/sa/other', workload: api, path: '/status' }).allowed).toBe(false);
    });

    test('the DENY policy covers exactly the rule: its peer, workloads, port and paths', () => {
      const deny = find(app(false), 'AuthorizationPolicy', 'require-token-frontend-web-to-app-api');
      expect(deny.spec).toEqual({
        selector: { matchLabels: { app: 'api' } },
        action: 'DENY',
        rules: [
          {
            from: [{ source: { principals: ['cluster.local/ns/frontend/sa/web'], notRequestPrincipals: [`${ISSUER}/*`] } }],
            to: [{ operation: { ports: ['8080'], paths: ['/admin/*'] } }],
          },
          {
            from: [{ source: { principals: ['cluster.local/ns/frontend/sa/web'] } }],
            to: [{ operation: { ports: ['8080'], paths: ['/admin/*'] } }],
            when: [{ key: 'request.auth.claims[groups]', notValues: ['caseworkers'] }],
          },
        ],
      });
    });
  });

  test('accepts the port boundaries 1 and 65535', () => {
    // GIVEN
    const { chart, ns } = shop({ externalNamespaces: ['frontend'] });

    // WHEN
    ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'), { ports: [1, 65535] });

    // THEN
    expect(find(Testing.synth(chart), 'AuthorizationPolicy', 'allow-frontend-web').spec.rules[0].to[0].operation.ports).toEqual(['1', '65535']);
  });

  test.each([0, 65536, -1, 80.5])('fails on port %d', (port) => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { ports: [port] }))
      .toThrow(new RegExp(`^\\[apps/Shop\\] 'ports\\[0\\]' must be an integer between 1 and 65535, got ${port}; use the container port the workload listens on$`));
  });

  test('fails on an empty or repeated port list', () => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { ports: [] }))
      .toThrow(/^\[apps\/Shop\] 'ports' must not be empty; omit 'ports' to allow every port$/);
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { ports: [80, 80] }))
      .toThrow(/^\[apps\/Shop\] 'ports' lists 80 twice; remove the duplicate$/);
  });

  test('fails on a method that is not an upper-case HTTP method', () => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { methods: ['get'] }))
      .toThrow(/^\[apps\/Shop\] 'methods\[0\]' must be an upper-case HTTP method such as "GET", got "get"$/);
  });

  test.each([
    ['/api/*/items', "[apps/Shop] 'paths[0]' has '*' inside the path (\"/api/*/items\"), where Istio compares it literally; use a prefix (\"/api/*\"), a suffix (\"*.html\") or a template segment (\"/api/{*}/items\")"],
    [7, "[apps/Shop] 'paths[0]' must start with '/' (or '*' for a suffix match) and contain no spaces, such as \"/api/*\", got 7 (number)"],
  ])('fails on path %p with the fix', (path, message) => {
    const { ns } = shop();
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { paths: [path as string] })).toThrow(message);
  });

  test.each(['*', '/api/*', '*.html', '/api/{*}/items', '/files/{**}'])('accepts path %p', (path) => {
    const { ns } = shop();
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { paths: [path] })).not.toThrow();
  });

  test('fails on a path that does not start with / or *', () => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { paths: ['api/*'] }))
      .toThrow(/^\[apps\/Shop\] 'paths\[0\]' must start with '\/' \(or '\*' for a suffix match\) and contain no spaces, such as "\/api\/\*", got "api\/\*"$/);
  });

  test('fails on a duplicate rule', () => {
    // GIVEN
    const { ns } = shop();
    ns.allowFrom(MeshPeer.serviceAccount('shop', 'web'), { to: WorkloadSelector.fromLabels({ app: 'api' }), ports: [8080, 8081] });

    // THEN
    expect(() => ns.allowFrom(MeshPeer.serviceAccount('shop', 'web'), { to: WorkloadSelector.fromLabels({ app: 'api' }), ports: [8081, 8080] }))
      .toThrow(/^\[apps\/Shop\] 'allowFrom' duplicates an earlier rule: shop\/sa\/web -> shop\/app=api on ports 8080,8081; remove one of them$/);
  });

  test('fails on requestPrincipals without a JWT issuer', () => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { requestPrincipals: ['*'] }))
      .toThrow(/^\[apps\/Shop\] 'requestPrincipals\[0\]' "\*" needs a JWT issuer to check tokens against; add 'jwtIssuers' to the ZeroTrustNamespace props$/);
  });

  test('fails on requestPrincipals of an issuer that is not configured', () => {
    // GIVEN
    const { ns } = shop({ jwtIssuers: [{ issuer: 'https://login.example.gov', jwksUri: 'https://login.example.gov/jwks' }] });

    // THEN
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { requestPrincipals: ['https://evil.example/*'] }))
      .toThrow(/^\[apps\/Shop\] 'requestPrincipals\[0\]' must be "<issuer>\/<subject>", "<issuer>\/\*" or "\*" with an issuer from 'jwtIssuers' \("https:\/\/login.example.gov"\), got "https:\/\/evil.example\/\*"$/);
  });

  test('fails on requiredClaims without a JWT issuer, or with a blank value', () => {
    // GIVEN
    const { ns } = shop();
    const withJwt = shop({ jwtIssuers: [{ issuer: 'iss', jwksUri: 'https://iss.example/jwks' }] }).ns;

    // THEN
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { requiredClaims: { groups: 'admins' } }))
      .toThrow(/^\[apps\/Shop\] 'requiredClaims' needs a JWT issuer to check tokens against; add 'jwtIssuers' to the ZeroTrustNamespace props$/);
    expect(() => withJwt.allowFrom(MeshPeer.namespace('shop'), { requiredClaims: { groups: ' ' } }))
      .toThrow(/^\[apps\/Shop\] 'requiredClaims.groups' is required and must not be blank, got " "; give the value the claim must have$/);
  });

  test('fails on a target in another namespace, or a Deployment without a namespace', () => {
    // GIVEN
    const { chart, ns } = shop();
    const elsewhere = new kplus.Deployment(chart, 'Elsewhere', { metadata: { name: 'elsewhere', namespace: 'other' }, containers: [{ image: 'x' }] });
    const nowhere = new kplus.Deployment(chart, 'Nowhere', { metadata: { name: 'nowhere' }, containers: [{ image: 'x' }] });

    // THEN
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromDeployment(elsewhere) }))
      .toThrow(/^\[apps\/Shop\] 'to' selects deployment elsewhere in namespace "other", but this ZeroTrustNamespace is "shop"; select workloads of this namespace/);
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromDeployment(nowhere) }))
      .toThrow(/^\[apps\/Shop\] 'to' selects deployment nowhere, which has no namespace; set metadata.namespace \(or the chart namespace\) to "shop"$/);
    const db = new kplus.StatefulSet(chart, 'Db', {
      metadata: { name: 'db' },
      containers: [{ image: 'x' }],
      service: new kplus.Service(chart, 'DbService', { ports: [{ port: 5432 }] }),
    });
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromDeployment(db) }))
      .toThrow(/^\[apps\/Shop\] 'to' selects statefulset db, which has no namespace/);
  });

  test('fails on an empty or invalid target selector', () => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromLabels({}) }))
      .toThrow(/^\[apps\/Shop\] 'to' must have at least one label; to select every workload of the namespace, omit the selector$/);
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromLabels({ 'bad key!': 'x' }) }))
      .toThrow(/^\[apps\/Shop\] 'to' has an invalid label key "bad key!"/);
    expect(() => ns.allowFrom(MeshPeer.namespace('shop'), { to: WorkloadSelector.fromLabels({ app: 'not valid' }) }))
      .toThrow(/^\[apps\/Shop\] 'to' has an invalid value "not valid" for label "app"/);
  });

  test('fails on a principal in another trust domain', () => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowFrom(MeshPeer.principal('spiffe://partner.example/ns/shop/sa/web')))
      .toThrow(/^\[apps\/Shop\] 'MeshPeer.principal' "spiffe:\/\/partner.example\/ns\/shop\/sa\/web" is in trust domain "partner.example", but the mesh's trust domain is "cluster.local"; use an identity of this mesh/);
  });

  test('fails on a custom peer whose principal is in another trust domain', () => {
    // GIVEN
    const { ns } = shop();
    const rogue = { toMeshPeerConfig: () => ({ namespace: 'shop', principals: ['other.td/ns/shop/sa/x'], description: 'rogue', name: 'rogue' }) };

    // THEN
    expect(() => ns.allowFrom(rogue))
      .toThrow(/^\[apps\/Shop\] 'allowFrom' peer principal "other.td\/ns\/shop\/sa\/x" is not in the mesh's trust domain "cluster.local"; use an identity of this mesh \(MeshPeer.serviceAccount\)$/);
  });

  test('fails without a peer', () => {
    // GIVEN
    const { ns } = shop();

    // THEN
    expect(() => ns.allowFrom(undefined as any))
      .toThrow(/^\[apps\/Shop\] 'allowFrom' needs a peer, got undefined; use MeshPeer.serviceAccount\(\), MeshPeer.namespace\(\) or another MeshPeer factory$/);
  });
});

describe('peer namespaces must be known to the app (checked at synth)', () => {
  test('fails for a namespace nobody declared', () => {
    // GIVEN
    const { chart, ns } = shop();

    // WHEN
    ns.allowFrom(MeshPeer.serviceAccount('frontnd', 'web'));

    // THEN
    expect(() => Testing.synth(chart)).toThrow(
      /\[apps\/Shop\] 'allowFrom' peer frontnd\/sa\/web lives in namespace "frontnd", which is not declared in this app; declare it \(a ZeroTrustNamespace or a Namespace in the same App\) or list it in 'externalNamespaces' if it is managed elsewhere/);
  });

  test('passes for a ZeroTrustNamespace or a plain Namespace declared later in the app, the mesh namespace, and externalNamespaces', () => {
    // GIVEN
    const { app, chart, ns, mesh } = shop({ externalNamespaces: ['legacy'] });
    ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'));
    ns.allowFrom(MeshPeer.namespace('batch'));
    ns.allowFrom(MeshPeer.namespace('legacy'));
    ns.allowFrom(MeshPeer.serviceAccount('istio-system', 'tooling'));

    // WHEN
    const later = new Chart(app, 'later');
    new ZeroTrustNamespace(later, 'Frontend', { name: 'frontend', mesh });
    new kplus.Namespace(later, 'Batch', { metadata: { name: 'batch' } });

    // THEN
    expect(() => Testing.synth(chart)).not.toThrow();
  });

  test('also checks allowTo peers and the Prometheus peer', () => {
    // GIVEN
    const { chart, ns } = shop({ prometheus: MeshPeer.namespace('monitoring') });

    // WHEN
    ns.allowTo(MeshPeer.namespace('payments'));

    // THEN
    expect(() => Testing.synth(chart)).toThrow(/'allowTo' peer payments\/\* lives in namespace "payments"/);
    expect(() => Testing.synth(chart)).toThrow(/'prometheus' peer monitoring\/\* lives in namespace "monitoring"/);
  });
});

describe('exposeToIngressGateway', () => {
  test('lets the mesh ingress gateway in: its principal at L7, its pods at L3', () => {
    // GIVEN
    const { chart, ns } = shop();

    // WHEN
    ns.exposeToIngressGateway({ to: WorkloadSelector.fromLabels({ app: 'web' }), ports: [8080] });
    const objects = Testing.synth(chart);

    // THEN
    expect(find(objects, 'AuthorizationPolicy', 'allow-ingress-gateway-to-app-web').spec.rules[0].from)
      .toEqual([{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }]);
    expect(find(objects, 'NetworkPolicy', 'allow-ingress-gateway-to-app-web').spec.ingress[0].from).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
      podSelector: { matchLabels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } },
    }]);
  });

  test('uses the gateway given in props', () => {
    // GIVEN
    const { chart, ns } = shop({
      ingressGateway: MeshPeer.ingressGateway({ serviceAccount: 'public-gw', podLabels: { gateway: 'public' } }),
    });

    // WHEN
    ns.exposeToIngressGateway();

    // THEN
    const policy = find(Testing.synth(chart), 'AuthorizationPolicy', 'allow-ingress-gateway');
    expect(policy.spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/istio-system/sa/public-gw']);
  });
});

describe('allowTo', () => {
  test('opens egress to a peer: NetworkPolicy and Sidecar host', () => {
    // GIVEN
    const { chart, ns } = shop({ externalNamespaces: ['payments'] });

    // WHEN
    ns.allowTo(MeshPeer.namespace('payments'), { from: WorkloadSelector.fromLabels({ app: 'checkout' }), ports: [8443] });
    const objects = Testing.synth(chart);

    // THEN
    expect(find(objects, 'NetworkPolicy', 'allow-to-ns-payments').spec).toEqual({
      podSelector: { matchLabels: { app: 'checkout' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'payments' } } }], ports: [{ protocol: 'TCP', port: 8443 }] }],
    });
    expect(find(objects, 'Sidecar', 'default').spec.egress[0].hosts).toEqual(['./*', 'istio-system/*', 'payments/*']);
  });

  test('fails on a duplicate, or a port out of range', () => {
    // GIVEN
    const { ns } = shop();
    ns.allowTo(MeshPeer.namespace('payments'));

    // THEN
    expect(() => ns.allowTo(MeshPeer.namespace('payments')))
      .toThrow(/^\[apps\/Shop\] 'allowTo' duplicates an earlier rule: shop\/\* -> payments\/\*; remove one of them$/);
    expect(() => ns.allowTo(MeshPeer.namespace('payments'), { ports: [65536] }))
      .toThrow(/^\[apps\/Shop\] 'ports\[0\]' must be an integer between 1 and 65535, got 65536/);
  });
});

describe('Prometheus scraping', () => {
  test('can be switched off', () => {
    // WHEN
    const { chart, ns } = shop({ allowPrometheusScraping: false });

    // THEN
    expect(inventory(Testing.synth(chart))).not.toContain('NetworkPolicy/allow-metrics-scrape');
    expect(ns.connections().rows.map((r) => r.ports)).not.toContainEqual([15020]);
  });

  test('follows the Prometheus peer given, pod labels included, on port 15020 only', () => {
    // GIVEN
    const { chart } = shop({
      externalNamespaces: ['monitoring'],
      prometheus: MeshPeer.serviceAccount('monitoring', 'prometheus', { podLabels: { 'app.kubernetes.io/name': 'prometheus' } }),
    });

    // THEN
    expect(find(Testing.synth(chart), 'NetworkPolicy', 'allow-metrics-scrape').spec.ingress).toEqual([{
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
      }],
      ports: [{ protocol: 'TCP', port: 15020 }],
    }]);
  });
});

describe('kubelet probes under STRICT mTLS', () => {
  function deploymentWithoutRewrite(chart: Chart, namespace: string, probe: boolean) {
    const d = new kplus.Deployment(chart, `Api${namespace}${probe}`, {
      metadata: { name: 'api', namespace },
      podMetadata: { annotations: { 'sidecar.istio.io/rewriteAppHTTPProbers': 'false' } },
      // cdk8s-plus adds a TCP startup probe to a container with a port: no port, no probe.
      containers: [probe
        ? { name: 'app', image: 'api', portNumber: 8080, readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }) }
        : { name: 'app', image: 'api' }],
    });
    return d;
  }

  test('warns once when a workload turns the probe rewrite off and has HTTP probes', () => {
    // GIVEN
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const { chart } = shop();
    deploymentWithoutRewrite(chart, 'shop', true);

    // WHEN
    Testing.synth(chart);
    Testing.synth(chart);

    // THEN
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(
      /^\[apps\/Shop\] warning: Deployment "api" sets sidecar.istio.io\/rewriteAppHTTPProbers: "false" but namespace "shop" enforces STRICT mTLS: kubelet has no mesh certificate, so its probes \(app.readinessProbe, app.startupProbe\) will fail; remove the annotation, or set 'checkProbeRewrite: false' if the probes are served on a port excluded from mTLS$/);
    warn.mockRestore();
  });

  test.each([
    ['the check is off', false, 'shop', true],
    ['the workload has no probes', true, 'shop', false],
    ['the workload is in another namespace', true, 'other', true],
  ])('stays quiet when %s', (_, check, namespace, probe) => {
    // GIVEN
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const { chart } = shop({ checkProbeRewrite: check });
    deploymentWithoutRewrite(chart, namespace, probe);

    // WHEN
    Testing.synth(chart);

    // THEN
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});

describe('validation of the namespace', () => {
  test('fails on a name that is not a DNS label', () => {
    // GIVEN
    const { chart, mesh } = fixture();

    // THEN
    expect(() => new ZeroTrustNamespace(chart, 'Bad', { name: 'Bad_Name', mesh }))
      .toThrow(/^\[apps\/Bad\] 'name' must be a DNS-1123 label .* got "Bad_Name"$/);
  });

  test.each([
    [undefined, "[apps/NoMesh] 'mesh' is required, got undefined; pass the MeshInstallation, or MeshInstallation.fromExisting(scope, 'Mesh') for a mesh installed elsewhere"],
    ['istio-system', "[apps/NoMesh] 'mesh' is required, got \"istio-system\" (string); pass the MeshInstallation, or MeshInstallation.fromExisting(scope, 'Mesh') for a mesh installed elsewhere"],
  ])('fails without a mesh (untyped callers: %p) with the fix, not a TypeError', (mesh, message) => {
    const { chart } = fixture();
    expect(() => new ZeroTrustNamespace(chart, 'NoMesh', { name: 'shop', mesh } as any)).toThrow(message);
  });

  test.each(['istio-system', 'kube-system'])('fails on %s', (name) => {
    // GIVEN
    const { chart, mesh } = fixture();

    // THEN
    expect(() => new ZeroTrustNamespace(chart, 'Sys', { name, mesh }))
      .toThrow(new RegExp(`^\\[apps/Sys\\] 'name' must not be "${name}": the control plane and kube-system must stay reachable; choose an application namespace$`));
  });

  test('fails on a second ZeroTrustNamespace with the same name in the app', () => {
    // GIVEN
    const { app, ns } = shop();

    // THEN
    expect(() => new ZeroTrustNamespace(new Chart(app, 'other'), 'Again', { name: 'shop', mesh: ns.mesh }))
      .toThrow(/^\[other\/Again\] 'name' "shop" is already a ZeroTrustNamespace in this app \(apps\/Shop\); declare each namespace once$/);
  });

  test('fails on invalid externalNamespaces', () => {
    // GIVEN
    const { chart, mesh } = fixture();

    // THEN
    expect(() => new ZeroTrustNamespace(chart, 'A', { name: 'a', mesh, externalNamespaces: [] }))
      .toThrow(/^\[apps\/A\] 'externalNamespaces' must not be empty; omit 'externalNamespaces' if there are none$/);
    expect(() => new ZeroTrustNamespace(chart, 'B', { name: 'b', mesh, externalNamespaces: ['Legacy'] }))
      .toThrow(/^\[apps\/B\] 'externalNamespaces\[0\]' must be a DNS-1123 label/);
  });

  test('fails on invalid JWT issuers', () => {
    // GIVEN
    const { chart, mesh } = fixture();
    const make = (id: string, jwtIssuers: any[]) => () => new ZeroTrustNamespace(chart, id, { name: id.toLowerCase(), mesh, jwtIssuers });

    // THEN
    expect(make('A', [])).toThrow(/^\[apps\/A\] 'jwtIssuers' must not be empty; omit 'jwtIssuers' if the namespace accepts no end-user tokens$/);
    expect(make('B', [{ issuer: ' ', jwksUri: 'https://x.example/jwks' }]))
      .toThrow(/^\[apps\/B\] 'jwtIssuers\[0\].issuer' is required and must not be blank, got " "; give the iss claim of the tokens/);
    expect(make('C', [{ issuer: 'x', jwksUri: 'http://x.example/jwks' }]))
      .toThrow(/^\[apps\/C\] 'jwtIssuers\[0\].jwksUri' must be an https:\/\/ URL such as "https:\/\/login.example.gov\/.well-known\/jwks.json" \(keys fetched over plain HTTP can be forged\), got "http:\/\/x.example\/jwks"$/);
    expect(make('D', [{ issuer: 'x', jwksUri: 'not a url' }])).toThrow(/'jwtIssuers\[0\].jwksUri' must be an https:\/\/ URL/);
    expect(make('E', [{ issuer: 'x', jwksUri: 'https://x.example/jwks', audiences: [] }]))
      .toThrow(/^\[apps\/E\] 'jwtIssuers\[0\].audiences' must not be empty; omit 'audiences' to accept any audience$/);
    expect(make('F', [{ issuer: 'x', jwksUri: 'https://x.example/a' }, { issuer: 'x', jwksUri: 'https://x.example/b' }]))
      .toThrow(/^\[apps\/F\] 'jwtIssuers' lists issuer "x" twice; keep one$/);
  });
});

describe('connections()', () => {
  test('lists rules, exceptions, scraping, egress, DNS and istiod', () => {
    // GIVEN
    const { ns } = shop({ externalNamespaces: ['frontend', 'payments'] });
    ns.allowFrom(MeshPeer.serviceAccount('frontend', 'web'), { to: WorkloadSelector.fromLabels({ app: 'api' }), ports: [8080], methods: ['GET'] });
    ns.allowTo(MeshPeer.namespace('payments'), { ports: [443] });

    // WHEN
    const rows = ns.connections().rows;

    // THEN
    expect(rows.map((r) => `${r.direction} ${r.from} -> ${r.to} [${r.ports}] ${r.layers.join('+')}`)).toEqual([
      'INBOUND frontend/sa/web -> shop/app=api [8080] AuthorizationPolicy+NetworkPolicy',
      'INBOUND istio-system/sa/prometheus -> shop/* [15020] NetworkPolicy',
      'OUTBOUND shop/* -> payments/* [443] NetworkPolicy+Sidecar',
      'OUTBOUND shop/* -> kube-system/k8s-app=kube-dns [53] NetworkPolicy',
      'OUTBOUND shop/* -> istio-system/app=istiod [15012] NetworkPolicy',
    ]);
    expect(rows[0]).toMatchObject({ namespace: 'shop', methods: ['GET'], enforcement: PolicyEnforcement.ENFORCE });
  });
});

describe('allowEgressTo via an egress gateway', () => {
  function viaEgress() {
    const f = shop();
    const egress = new EgressGateway(new Chart(f.app, 'edge'), 'Egress', { mesh: f.mesh, namespace: 'istio-egress', createNamespace: true });
    return { ...f, egress };
  }

  test('the gateway routes the host; the namespace only reaches the gateway pods', () => {
    // GIVEN
    const { app, ns, egress } = viaEgress();

    // WHEN
    ns.allowEgressTo(ExternalHost.https('api.payments.example'), { via: egress });
    ns.allowEgressTo(ExternalHost.https('ledger.partner.example'), { via: egress, originateTls: true });

    // THEN
    const objects = synthAll(app);
    expect(ofKind(objects, 'ServiceEntry', 'shop')).toEqual([]);
    expect(ofKind(objects, 'ServiceEntry', 'istio-egress').map((o) => o.spec.hosts[0]).sort()).toEqual(['api.payments.example', 'ledger.partner.example']);
    const toGateway = ofKind(objects, 'NetworkPolicy', 'shop').filter((p) => p.metadata.name.startsWith('allow-to'));
    expect(toGateway).toHaveLength(1);
    const gatewayPods = ofKind(objects, 'Deployment', 'istio-egress')[0].spec.template.metadata.labels;
    const rule = toGateway[0].spec.egress[0];
    expect(rule.to[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'istio-egress' });
    expect(Object.entries(rule.to[0].podSelector.matchLabels).every(([k, v]) => gatewayPods[k] === v)).toBe(true);
    expect(find(objects, 'Sidecar', 'default', 'shop').spec.egress[0].hosts).toContain('istio-egress/*');
    expect(ofKind(objects, 'NetworkPolicy', 'shop').map((p) => p.metadata.name)).not.toContain('allow-external-egress');
  });

  test('originateTls without a gateway fails with the fix', () => {
    const { ns } = shop();
    expect(() => ns.allowEgressTo(ExternalHost.https('api.example.com'), { originateTls: true }))
      .toThrow(/^\[apps\/Shop\] 'originateTls' for api.example.com needs 'via': TLS is originated by an egress gateway; add via: <EgressGateway> or remove originateTls$/);
  });
});
