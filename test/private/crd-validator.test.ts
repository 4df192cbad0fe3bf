import Ajv from 'ajv';
import { ISTIO_CRDS_JSON } from '../../lib/imports/istio-crds';
import { CrdValidator, pointerToField } from '../../lib/private/schema/crd-validator';
import { parseRequestUri } from '../../lib/private/schema/k8s-cel';

const validator = CrdValidator.istio();

type Obj = Record<string, any>;

/** `field: message` of every problem found in one object (it must be a known custom resource). */
function problemsOf(obj: unknown): string[] {
  const r = validator.validate(obj);
  if (!r) throw new Error('no CRD known for the object');
  return r.problems.map((p) => `${p.field ?? ''}: ${p.message}`);
}

const meta = (name: string) => ({ name, namespace: 'shop' });

/** One valid object of every Istio kind the library emits. */
const VALID: Record<string, Obj> = {
  VirtualService: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: meta('reviews'),
    spec: {
      hosts: ['reviews'],
      http: [{
        name: 'main',
        match: [{ uri: { prefix: '/api' }, headers: { 'x-user': { exact: 'jason' } } }],
        route: [
          { destination: { host: 'reviews', subset: 'v1', port: { number: 9080 } }, weight: 90 },
          { destination: { host: 'reviews', subset: 'v2' }, weight: 10 },
        ],
        timeout: '5s',
        retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx' },
      }],
    },
  },
  DestinationRule: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: meta('reviews'),
    spec: {
      host: 'reviews',
      trafficPolicy: {
        tls: { mode: 'ISTIO_MUTUAL' },
        connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 10 } },
        outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s' },
      },
      subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
    },
  },
  Gateway: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: meta('edge'),
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-cert' } }],
    },
  },
  AuthorizationPolicy: {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: meta('allow-web'),
    spec: {
      selector: { matchLabels: { app: 'reviews' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }], to: [{ operation: { methods: ['GET'], paths: ['/api/*'] } }] }],
    },
  },
  PeerAuthentication: {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: meta('default'),
    spec: { selector: { matchLabels: { app: 'reviews' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'PERMISSIVE' } } },
  },
  Telemetry: {
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: meta('default'),
    spec: {
      tracing: [{ providers: [{ name: 'zipkin' }], randomSamplingPercentage: 10 }],
      accessLogging: [{ providers: [{ name: 'envoy' }], filter: { expression: 'response.code >= 500' } }],
    },
  },
  ServiceEntry: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: meta('ext'),
    spec: { hosts: ['api.example.com'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ name: 'https', number: 443, protocol: 'TLS' }] },
  },
  Sidecar: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: meta('default'),
    spec: { egress: [{ hosts: ['./*', 'istio-system/*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } },
  },
  EnvoyFilter: {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: meta('lua'),
    spec: {
      workloadSelector: { labels: { app: 'reviews' } },
      configPatches: [{
        applyTo: 'HTTP_FILTER',
        match: { context: 'SIDECAR_INBOUND' },
        // x-kubernetes-preserve-unknown-fields: free-form Envoy config is not checked.
        patch: { operation: 'INSERT_BEFORE', value: { name: 'envoy.lua', typed_config: { '@type': 'type.googleapis.com/x', 'anything': [1, 2] } } },
      }],
    },
  },
};

/** A copy of the valid object of `kind`, changed by `edit`. */
function broken(kind: string, edit: (o: Obj) => void): Obj {
  const o = JSON.parse(JSON.stringify(VALID[kind])) as Obj;
  edit(o);
  return o;
}

const UNKNOWN_FIELD = 'unknown field (not in the CRD schema; the API server prunes it and kubectl rejects it)';

describe('CrdValidator.istio(): valid objects', () => {
  test.each(Object.keys(VALID))('%s has no problems', (kind) => {
    const r = validator.validate(VALID[kind]);
    expect(r).toBeDefined();
    expect(r!.problems).toEqual([]);
    expect(r!.celNotEvaluated).toEqual([]);
  });

  test('CEL rules are evaluated on the nodes present', () => {
    expect(validator.validate(VALID.ServiceEntry)!.celEvaluated).toBeGreaterThan(0);
    expect(validator.validate(VALID.AuthorizationPolicy)!.celEvaluated).toBeGreaterThan(0);
  });

  test('validating does not change the object', () => {
    const o = { ...broken('VirtualService', (x) => { x.spec.http[0].retries = null; }) };
    const before = JSON.stringify(o);
    validator.validate(o);
    expect(JSON.stringify(o)).toBe(before);
  });
});

describe('CrdValidator.istio(): invalid objects name the field and the problem', () => {
  const cases: Array<[string, Obj, string, string | RegExp]> = [
    ['VirtualService: wrong type', broken('VirtualService', (o) => { o.spec.http[0].route[0].weight = '90'; }),
      '.spec.http[main].route[0].weight', 'must be integer, got "90"'],
    ['VirtualService: missing required field', broken('VirtualService', (o) => { o.spec.http[0].route[0].destination = { subset: 'v1' }; }),
      '.spec.http[main].route[0].destination', 'missing required field "host"'],
    ['VirtualService: duration CEL rule errors', broken('VirtualService', (o) => { o.spec.http[0].timeout = '5 seconds'; }),
      '.spec.http[main].timeout', /^CEL rule errored, the API server rejects the object: .*duration.* \(CEL: duration\(self\) >= duration\('1ms'\)\)$/],
    ['DestinationRule: enum', broken('DestinationRule', (o) => { o.spec.trafficPolicy.tls.mode = 'MUTUAL_TLS'; }),
      '.spec.trafficPolicy.tls.mode', 'must be one of ["DISABLE","SIMPLE","MUTUAL","ISTIO_MUTUAL"], got "MUTUAL_TLS"'],
    ['DestinationRule: required at the top of spec', broken('DestinationRule', (o) => { delete o.spec.host; }),
      '.spec', 'missing required field "host"'],
    ['DestinationRule: list item without name', broken('DestinationRule', (o) => { delete o.spec.subsets[1].name; }),
      '.spec.subsets[1]', 'missing required field "name"'],
    ['Gateway: server without hosts', broken('Gateway', (o) => { delete o.spec.servers[0].hosts; }),
      '.spec.servers[0]', 'missing required field "hosts"'],
    ['AuthorizationPolicy: enum', broken('AuthorizationPolicy', (o) => { o.spec.action = 'PERMIT'; }),
      '.spec.action', 'must be one of ["ALLOW","DENY","AUDIT","CUSTOM"], got "PERMIT"'],
    ['AuthorizationPolicy: CEL, serviceAccounts with principals', broken('AuthorizationPolicy', (o) => { o.spec.rules[0].from[0].source.serviceAccounts = ['shop/web']; }),
      '.spec.rules[0].from[0].source', /^Cannot set serviceAccounts with namespaces or principals \(CEL: /],
    ['AuthorizationPolicy: CEL, selector with targetRef', broken('AuthorizationPolicy', (o) => { o.spec.targetRef = { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' }; }),
      '.spec', /^only one of targetRefs or selector can be set \(CEL: /],
    ['PeerAuthentication: enum', broken('PeerAuthentication', (o) => { o.spec.mtls.mode = 'ON'; }),
      '.spec.mtls.mode', 'must be one of ["UNSET","DISABLE","PERMISSIVE","STRICT"], got "ON"'],
    ['PeerAuthentication: CEL, portLevelMtls without selector', broken('PeerAuthentication', (o) => { delete o.spec.selector; }),
      '.spec', /^portLevelMtls requires selector \(CEL: /],
    ['PeerAuthentication: CEL over map keys', broken('PeerAuthentication', (o) => { o.spec.portLevelMtls = { 0: { mode: 'STRICT' } }; }),
      '.spec.portLevelMtls', /^port must be between 1-65535 \(CEL: /],
    ['Telemetry: maximum', broken('Telemetry', (o) => { o.spec.tracing[0].randomSamplingPercentage = 150; }),
      '.spec.tracing[0].randomSamplingPercentage', 'must be <= 100, got 150'],
    ['Telemetry: unknown field', broken('Telemetry', (o) => { o.spec.accessLogging[0].format = 'json'; }),
      '.spec.accessLogging[0].format', UNKNOWN_FIELD],
    ['ServiceEntry: enum', broken('ServiceEntry', (o) => { o.spec.resolution = 'DNS_LOOKUP'; }),
      '.spec.resolution', 'must be one of ["NONE","STATIC","DNS","DNS_ROUND_ROBIN","DYNAMIC_DNS"], got "DNS_LOOKUP"'],
    ['ServiceEntry: minItems', broken('ServiceEntry', (o) => { o.spec.hosts = []; }),
      '.spec.hosts', 'must NOT have fewer than 1 items'],
    ['ServiceEntry: x-kubernetes-list-type map, duplicate key', broken('ServiceEntry', (o) => { o.spec.ports.push({ name: 'https', number: 8443 }); }),
      '.spec.ports', 'duplicate entry ["https"]: items by ["name"] must be unique'],
    ['Sidecar: CEL, wildcard in workloadSelector', broken('Sidecar', (o) => { o.spec.workloadSelector = { labels: { app: 'web-*' } }; }),
      '.spec.workloadSelector.labels.app', /^wildcard is not supported in selector \(CEL: /],
    ['Sidecar: egress without hosts', broken('Sidecar', (o) => { delete o.spec.egress[0].hosts; }),
      '.spec.egress[0]', 'missing required field "hosts"'],
    ['EnvoyFilter: enum', broken('EnvoyFilter', (o) => { o.spec.configPatches[0].applyTo = 'FILTER'; }),
      '.spec.configPatches[0].applyTo', /^must be one of \[.*"HTTP_FILTER".*\], got "FILTER"$/],
    ['EnvoyFilter: wrong type', broken('EnvoyFilter', (o) => { o.spec.priority = 'high'; }),
      '.spec.priority', 'must be integer, got "high"'],
  ];

  test.each(cases)('%s', (_name, obj, field, message) => {
    const r = validator.validate(obj)!;
    expect(r.problems).toEqual([{ pointer: expect.any(String), field, message: typeof message === 'string' ? message : expect.stringMatching(message) }]);
  });

  test('problems carry the JSON pointer; the field names list items by their name', () => {
    const r = validator.validate(broken('VirtualService', (o) => { o.spec.http[0].route[0].weight = '90'; }))!;
    expect(r.problems[0].pointer).toBe('/spec/http/0/route/0/weight');
    expect(pointerToField('/spec/http/0/route/0/weight', VALID.VirtualService)).toBe('.spec.http[main].route[0].weight');
    expect(pointerToField('/metadata/labels/app.kubernetes.io~1name', { metadata: { labels: {} } })).toBe('.metadata.labels["app.kubernetes.io/name"]');
    expect(pointerToField('', {})).toBe('');
  });

  test('every problem of an object is reported, not only the first', () => {
    const vs = broken('VirtualService', (o) => {
      o.spec.http[0].route[0].weight = '90';
      o.spec.http[0].bogus = 1;
    });
    expect(problemsOf(vs)).toEqual([
      `.spec.http[main].bogus: ${UNKNOWN_FIELD}`,
      '.spec.http[main].route[0].weight: must be integer, got "90"',
    ]);
  });
});

describe('CrdValidator: structural schema rules', () => {
  test('unknown fields are errors (pruned by the API server, rejected by kubectl strict field validation)', () => {
    expect(problemsOf(broken('VirtualService', (o) => { o.spec.http[0].retriez = { attempts: 3 }; })))
      .toEqual([`.spec.http[main].retriez: ${UNKNOWN_FIELD}`]);
    expect(problemsOf({ ...VALID.VirtualService, extra: true })).toEqual([`.extra: ${UNKNOWN_FIELD}`]);
  });

  test('oneOf "at most one of" is explained with the fields set', () => {
    expect(problemsOf(broken('VirtualService', (o) => { o.spec.http[0].match[0].uri = { exact: '/a', prefix: '/b' }; })))
      .toEqual(['.spec.http[main].match[0].uri: at most one of exact, prefix, regex may be set (found exact, prefix)']);
  });

  test('int-or-string accepts both and explains a value of another type', () => {
    expect(problemsOf({ ...VALID.Gateway, status: { observedGeneration: 3 } })).toEqual([]);
    expect(problemsOf({ ...VALID.Gateway, status: { observedGeneration: '3' } })).toEqual([]);
    expect(problemsOf({ ...VALID.Gateway, status: { observedGeneration: true } }))
      .toEqual(['.status.observedGeneration: must be an integer or a string, got true']);
  });

  test('null in a non-nullable field is pruned before validation, as the API server does', () => {
    expect(problemsOf(broken('VirtualService', (o) => { o.spec.http[0].retries = null; }))).toEqual([]);
  });

  test('CEL rules using Kubernetes URL functions are evaluated (WasmPlugin url)', () => {
    const plugin = (url: string) => ({
      apiVersion: 'extensions.istio.io/v1alpha1', kind: 'WasmPlugin', metadata: meta('p'), spec: { url },
    });
    expect(problemsOf(plugin('oci://ghcr.io/acme/filter:1.0'))).toEqual([]);
    expect(problemsOf(plugin('ghcr.io/acme/filter:1.0'))).toEqual([]);
    expect(problemsOf(plugin('ftp://example.com/filter.wasm'))).toEqual([expect.stringMatching(/^\.spec\.url: url must have schema one of/)]);
  });

  test('an apiVersion the CRD does not serve fails', () => {
    expect(problemsOf({ ...VALID.VirtualService, apiVersion: 'networking.istio.io/v2' }))
      .toEqual([expect.stringMatching(/^\.apiVersion: VirtualService networking\.istio\.io\/v2 is not served by the CRD \(served: /)]);
  });
});

describe('CrdValidator: what it covers', () => {
  test('objects without a known CRD give undefined', () => {
    expect(validator.validate({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('web') })).toBeUndefined();
    expect(validator.validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: meta('w') })).toBeUndefined();
    expect(validator.validate({ kind: 'VirtualService' })).toBeUndefined();
    expect(validator.validate(null)).toBeUndefined();
    expect(validator.validate([VALID.VirtualService])).toBeUndefined();
  });

  test('hasCrd looks at the group and kind, any version', () => {
    expect(validator.hasCrd('networking.istio.io/v1beta1', 'VirtualService')).toBe(true);
    expect(validator.hasCrd('security.istio.io/v1', 'AuthorizationPolicy')).toBe(true);
    expect(validator.hasCrd('networking.istio.io/v1', 'AuthorizationPolicy')).toBe(false);
    expect(validator.hasCrd('v1', 'Service')).toBe(false);
  });

  test('istio() is shared', () => {
    expect(CrdValidator.istio()).toBe(validator);
  });

  test('every CEL rule of the Istio CRDs can be evaluated here (no unsupported function, no transition rule)', () => {
    const inv = validator.celInventory();
    expect(inv.rules).toBeGreaterThan(300);
    expect(inv.notEvaluable.map((i) => `${i.crd} ${i.schemaPath}: ${i.reason}`)).toEqual([]);
    expect(inv.transition).toEqual([]);
  });

  test('every served Istio schema is a valid JSON schema (the validator compiles them without that check)', () => {
    const ajv = new Ajv({ strict: false });
    type Version = { name: string; served: boolean; schema?: { openAPIV3Schema: object } };
    const crds = JSON.parse(ISTIO_CRDS_JSON) as Array<{ spec: { names: { kind: string }; versions: Version[] } }>;
    const invalid = crds.flatMap((c) => c.spec.versions.filter((v) => v.served && v.schema)
      .filter((v) => !ajv.validateSchema(v.schema!.openAPIV3Schema))
      .map((v) => `${c.spec.names.kind} ${v.name}: ${ajv.errorsText()}`));
    expect(invalid).toEqual([]);
  });
});

describe('CrdValidator: other CRDs', () => {
  const widgetCrd = (rules: Array<{ rule: string; message?: string }>, group = 'example.com') => ({
    spec: {
      group,
      names: { kind: 'Widget' },
      versions: [{
        name: 'v1',
        served: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                'type': 'object',
                'properties': {
                  size: { type: 'string' },
                  mode: { type: 'string' },
                  replicas: { 'anyOf': [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
                },
                'x-kubernetes-validations': rules,
              },
            },
          },
        },
      }],
    },
  });
  const widget = (spec: Obj) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec });

  test('rules that cannot be evaluated are reported, not skipped', () => {
    const v = new CrdValidator([widgetCrd([
      { rule: 'quantity(self.size).isGreaterThan(quantity("1Gi"))' },
      { rule: 'self.mode == oldSelf.mode', message: 'mode is immutable' },
      { rule: 'self.mode != "bad"', message: 'mode must not be bad' },
    ])]);
    const r = v.validate(widget({ size: '2Gi', mode: 'bad' }))!;
    expect(r.celEvaluated).toBe(1);
    expect(r.problems).toEqual([{ pointer: '/spec', field: '.spec', message: 'mode must not be bad (CEL: self.mode != "bad")' }]);
    expect(r.celNotEvaluated.map((i) => [i.field, i.reason])).toEqual([
      ['.spec', expect.stringMatching(/not available .*quantity/)],
      ['.spec', 'transition rule (reads oldSelf): not run on create'],
    ]);
    expect(v.celInventory().notEvaluable).toHaveLength(1);
    expect(v.celInventory().transition).toHaveLength(1);
  });

  test('int-or-string in a spec', () => {
    const v = new CrdValidator([widgetCrd([])]);
    expect(v.validate(widget({ replicas: '50%' }))!.problems).toEqual([]);
    expect(v.validate(widget({ replicas: 2 }))!.problems).toEqual([]);
    expect(v.validate(widget({ replicas: 1.5 }))!.problems.map((p) => `${p.field}: ${p.message}`))
      .toEqual(['.spec.replicas: must be an integer or a string, got 1.5']);
  });

  test('schema defaults are applied before validation, as the API server does (Gateway API references)', () => {
    const crd = widgetCrd([{ rule: "self.ref.kind == 'Service' ? has(self.ref.port) : true", message: 'a Service reference needs a port' }]);
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties as Record<string, unknown>;
    spec.ref = {
      type: 'object',
      properties: { kind: { type: 'string', default: 'Service' }, name: { type: 'string' }, port: { type: 'integer' }, opts: { type: 'object', default: {}, properties: { weight: { type: 'integer', default: 1, minimum: 2 } } } },
    };
    const v = new CrdValidator([crd]);
    // kind absent: defaulted to Service, so the rule reads it instead of erroring, and requires the port.
    expect(v.validate(widget({ ref: { name: 'db' } }))!.problems.map((p) => `${p.field}: ${p.message}`)).toEqual([
      '.spec.ref.opts.weight: must be >= 2, got 1',
      ".spec: a Service reference needs a port (CEL: self.ref.kind == 'Service' ? has(self.ref.port) : true)",
    ]);
    expect(v.validate(widget({ ref: { kind: 'Backend', name: 'db', opts: { weight: 3 } } }))!.problems).toEqual([]);
    const input = widget({ ref: { name: 'db', port: 5432, opts: { weight: 2 } } });
    expect(v.validate(input)!.problems).toEqual([]);
    expect(input.spec).toEqual({ ref: { name: 'db', port: 5432, opts: { weight: 2 } } });
  });

  test('extend() adds CRDs to the Istio ones, and a later CRD of the same group and kind wins', () => {
    const v = validator.extend([widgetCrd([{ rule: 'self.mode != "bad"', message: 'mode must not be bad' }])]);
    expect(v.hasCrd('example.com/v1', 'Widget')).toBe(true);
    expect(v.validate(VALID.VirtualService)!.problems).toEqual([]);
    expect(v.validate(widget({ mode: 'bad' }))!.problems.map((p) => p.message)).toEqual(['mode must not be bad (CEL: self.mode != "bad")']);
    const replaced = v.extend([widgetCrd([])]);
    expect(replaced.validate(widget({ mode: 'bad' }))!.problems).toEqual([]);
    expect(validator.hasCrd('example.com/v1', 'Widget')).toBe(false);
  });
});

describe('Kubernetes url() emulation (Go url.ParseRequestURI)', () => {
  test.each([
    ['https://example.com:8443/a?b=c', 'https', 'example.com', '8443'],
    ['/absolute/path', '', '', ''],
    ['localhost:5000/img', 'localhost', '', ''],
  ])('%s parses', (input, scheme, hostname, port) => {
    expect(parseRequestUri(input)).toMatchObject({ scheme, hostname, port });
  });

  test.each(['relative/path', 'http://a b', '#%blah$#@', 'http://ho%zzst/'])('%s does not parse', (input) => {
    expect(parseRequestUri(input)).toBeUndefined();
  });
});
