/**
 * What an injected pod must look like, for the `inject` check: the properties of Istio 1.30's
 * `sidecar` and `gateway` templates that a working mesh depends on (proxy container and its
 * environment, the traffic-capture init container, the identity volumes, probe rewriting, labels),
 * and of the proxyless gRPC templates `grpc-agent` and `grpc-simple` (the xDS bootstrap every app
 * container is pointed at).
 */

/** A container as it appears in a pod template. */
export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  restartPolicy?: string;
  securityContext?: {
    runAsUser?: number;
    runAsGroup?: number;
    runAsNonRoot?: boolean;
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
  };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  [probe: string]: unknown;
}

/** A pod template (`spec.template` of a Deployment). */
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Container[]; initContainers?: Container[]; volumes?: Array<Record<string, any>> };
}

/** What the variant's control plane should produce. */
export interface InjectionExpectation {
  /** Full proxy image, e.g. `registry.istio.io/release/proxyv2:1.30.3`. */
  readonly proxyImage: string;
  /** `istiod[-rev].istio-system.svc:15012`. */
  readonly caAddress: string;
  /** Value of the `istio.io/rev` annotation: the revision, or `default`. */
  readonly revision: string;
  readonly cni: boolean;
  readonly trustDomain: string;
  /** istiod's Service host, `istiod[-rev].istio-system.svc` (grpc-simple bootstraps from its plaintext xDS port 15010). */
  readonly istiodHost: string;
}

/** One problem, with the field relative to the Deployment (`.spec.template.spec.containers[istio-proxy].args`). */
export interface PodProblem {
  readonly field: string;
  readonly message: string;
}

/** Which template the pod asks for: opted out, `gateway`, a proxyless gRPC one, native sidecar, or the default `sidecar`. */
export function injectionMode(pod: PodTemplate): 'opt-out' | 'gateway' | 'grpc-agent' | 'grpc-simple' | 'native-sidecar' | 'sidecar' {
  const labels = pod.metadata?.labels ?? {};
  const ann = pod.metadata?.annotations ?? {};
  if (labels['sidecar.istio.io/inject'] === 'false' || ann['sidecar.istio.io/inject'] === 'false') return 'opt-out';
  const templates = (ann['inject.istio.io/templates'] ?? '').split(',');
  if (templates.includes('gateway')) return 'gateway';
  if (templates.includes('grpc-agent')) return 'grpc-agent';
  if (templates.includes('grpc-simple')) return 'grpc-simple';
  return ann['sidecar.istio.io/nativeSidecar'] === 'true' ? 'native-sidecar' : 'sidecar';
}

const TPL = '.spec.template';
const REQUIRED_ENV = [
  'PILOT_CERT_PROVIDER', 'CA_ADDR', 'POD_NAME', 'POD_NAMESPACE', 'INSTANCE_IP', 'SERVICE_ACCOUNT', 'HOST_IP', 'PROXY_CONFIG',
  'ISTIO_META_POD_PORTS', 'ISTIO_META_APP_CONTAINERS', 'ISTIO_META_CLUSTER_ID', 'ISTIO_META_INTERCEPTION_MODE',
  'ISTIO_META_WORKLOAD_NAME', 'ISTIO_META_OWNER', 'ISTIO_META_MESH_ID', 'TRUST_DOMAIN',
];
const PROXY_MOUNTS: Record<string, string> = {
  'istio-token': '/var/run/secrets/tokens',
  'istiod-ca-cert': '/var/run/secrets/istio',
  'istio-envoy': '/etc/istio/proxy',
  'istio-data': '/var/lib/istio/data',
  'istio-podinfo': '/etc/istio/pod',
  'workload-socket': '/var/run/secrets/workload-spiffe-uds',
};
const PROBES: Record<string, string> = { livenessProbe: 'livez', readinessProbe: 'readyz', startupProbe: 'startupz' };

/** Checks an injected pod template against its input and the expectation; returns every problem. */
export function checkInjectedPod(input: PodTemplate, output: PodTemplate, exp: InjectionExpectation, workload: string): PodProblem[] {
  const mode = injectionMode(input);
  if (mode === 'opt-out') return checkNotInjected(input, output);
  if (mode === 'grpc-agent' || mode === 'grpc-simple') return checkGrpc(input, output, exp, mode);
  const out: PodProblem[] = [];
  const fail = (field: string, message: string): void => { out.push({ field: `${TPL}${field}`, message }); };
  const ann = output.metadata?.annotations ?? {};
  const labels = output.metadata?.labels ?? {};
  if (!ann['sidecar.istio.io/status']) fail('.metadata.annotations["sidecar.istio.io/status"]', 'missing: the pod was not injected');
  if (ann['istio.io/rev'] !== exp.revision) fail('.metadata.annotations["istio.io/rev"]', `is ${JSON.stringify(ann['istio.io/rev'])}, want ${exp.revision}`);
  if (mode !== 'gateway' && labels['security.istio.io/tlsMode'] !== 'istio') {
    fail('.metadata.labels["security.istio.io/tlsMode"]', `is ${JSON.stringify(labels['security.istio.io/tlsMode'])}, want "istio" (peers would not send mTLS)`);
  }
  if (mode === 'gateway' && labels['security.istio.io/tlsMode'] !== undefined) {
    fail('.metadata.labels["security.istio.io/tlsMode"]', 'set on a gateway: clients would send Istio mTLS to a port that expects their own traffic');
  }
  if (!labels['service.istio.io/canonical-name']) fail('.metadata.labels["service.istio.io/canonical-name"]', 'missing');

  const inits = output.spec.initContainers ?? [];
  const proxyIn = mode === 'native-sidecar' ? 'initContainers' : 'containers';
  const proxy = (mode === 'native-sidecar' ? inits : output.spec.containers).find((c) => c.name === 'istio-proxy');
  if (!proxy) {
    fail(`.spec.${proxyIn}`, `no istio-proxy container${mode === 'native-sidecar' ? ' (native sidecar: expected in initContainers)' : ''}`);
    return out;
  }
  const at = `.spec.${proxyIn}[istio-proxy]`;
  if (mode === 'native-sidecar' && proxy.restartPolicy !== 'Always') fail(`${at}.restartPolicy`, `is ${JSON.stringify(proxy.restartPolicy)}, want Always (native sidecar)`);
  checkProxy(proxy, exp, workload, mode === 'gateway' ? 'router' : 'sidecar', (f, m) => fail(`${at}${f}`, m));
  if (mode === 'gateway') {
    if (inits.length > 0) fail('.spec.initContainers', `gateway pods get no init containers, got ${inits.map((c) => c.name).join(', ')}`);
  } else {
    checkInit(inits, exp.cni, mode === 'native-sidecar', fail);
    checkProbes(input, output, proxy, (f, m) => fail(f, m), at);
    checkPodPorts(input, proxy, (f, m) => fail(`${at}${f}`, m));
  }
  checkVolumes(output, fail);
  return out;
}

function env(c: Container, name: string): { name: string; value?: string; valueFrom?: unknown } | undefined {
  return (c.env ?? []).find((e) => e.name === name);
}

function checkProxy(proxy: Container, exp: InjectionExpectation, workload: string, role: string, fail: (f: string, m: string) => void): void {
  if (proxy.image !== exp.proxyImage) fail('.image', `is ${JSON.stringify(proxy.image)}, want ${exp.proxyImage}`);
  const args = proxy.args ?? [];
  if (args[0] !== 'proxy' || args[1] !== role) fail('.args', `must start with ["proxy", "${role}"], got ${JSON.stringify(args.slice(0, 2))}`);
  for (const name of REQUIRED_ENV) if (!env(proxy, name)) fail(`.env[${name}]`, 'missing');
  const expectValue = (name: string, want: string): void => {
    const e = env(proxy, name);
    if (e && e.value !== want) fail(`.env[${name}]`, `is ${JSON.stringify(e.value)}, want ${JSON.stringify(want)}`);
  };
  expectValue('CA_ADDR', exp.caAddress);
  expectValue('TRUST_DOMAIN', exp.trustDomain);
  expectValue('ISTIO_META_WORKLOAD_NAME', workload);
  if (!(proxy.ports ?? []).some((p) => p.containerPort === 15090 && p.name === 'http-envoy-prom')) fail('.ports', 'no http-envoy-prom port 15090');
  const ready = proxy.readinessProbe as { httpGet?: { path?: string; port?: unknown } } | undefined;
  if (ready?.httpGet?.path !== '/healthz/ready' || ready.httpGet.port !== 15021) fail('.readinessProbe', 'want httpGet /healthz/ready on 15021');
  const sc = proxy.securityContext ?? {};
  if (sc.runAsUser !== 1337 || sc.runAsGroup !== 1337) fail('.securityContext', `want runAsUser/runAsGroup 1337 (traffic capture exempts UID 1337), got ${sc.runAsUser}/${sc.runAsGroup}`);
  for (const [volume, mountPath] of Object.entries(PROXY_MOUNTS)) {
    if (!(proxy.volumeMounts ?? []).some((m) => m.name === volume && m.mountPath === mountPath)) fail(`.volumeMounts[${volume}]`, `want ${volume} at ${mountPath}`);
  }
  if (role === 'sidecar') {
    const s = proxy.securityContext ?? {};
    if (s.runAsNonRoot !== true || s.allowPrivilegeEscalation !== false || s.readOnlyRootFilesystem !== true || !(s.capabilities?.drop ?? []).includes('ALL')) {
      fail('.securityContext', 'want runAsNonRoot, no privilege escalation, read-only root filesystem, capabilities drop ALL');
    }
    if (!proxy.startupProbe) fail('.startupProbe', 'missing (values.global.proxy.startupProbe.enabled is true)');
  }
}

function checkInit(inits: Container[], cni: boolean, native: boolean, fail: (f: string, m: string) => void): void {
  const name = cni ? 'istio-validation' : 'istio-init';
  const other = cni ? 'istio-init' : 'istio-validation';
  const init = inits.find((c) => c.name === name);
  if (inits.some((c) => c.name === other)) fail(`.spec.initContainers[${other}]`, `unexpected with cni ${cni ? 'on' : 'off'}`);
  if (!init) {
    fail('.spec.initContainers', `no ${name} container (cni ${cni ? 'on' : 'off'})`);
    return;
  }
  const at = `.spec.initContainers[${name}]`;
  const args = init.args ?? [];
  const caps = init.securityContext?.capabilities?.add ?? [];
  if (args[0] !== 'istio-iptables') fail(`${at}.args`, `must start with istio-iptables, got ${JSON.stringify(args[0])}`);
  if (cni) {
    if (!args.includes('--run-validation')) fail(`${at}.args`, 'missing --run-validation');
    if (caps.length > 0 || init.securityContext?.runAsUser === 0) fail(`${at}.securityContext`, `must be unprivileged with CNI (adds ${caps.join(',') || 'nothing'}, runAsUser ${init.securityContext?.runAsUser})`);
  } else if (!caps.includes('NET_ADMIN') || !caps.includes('NET_RAW')) {
    fail(`${at}.securityContext.capabilities.add`, `want NET_ADMIN and NET_RAW to program iptables, got ${JSON.stringify(caps)}`);
  }
  if (native && inits.findIndex((c) => c.name === name) > inits.findIndex((c) => c.name === 'istio-proxy')) {
    fail(at, 'must run before the native istio-proxy sidecar');
  }
}

/** Named and numbered app probes must be rewritten to the agent (:15020) and recorded in ISTIO_KUBE_APP_PROBERS. */
function checkProbes(input: PodTemplate, output: PodTemplate, proxy: Container, fail: (f: string, m: string) => void, at: string): void {
  let probers: Record<string, any> = {};
  const raw = env(proxy, 'ISTIO_KUBE_APP_PROBERS')?.value;
  try {
    probers = raw ? JSON.parse(raw) : {};
  } catch {
    fail(`${at}.env[ISTIO_KUBE_APP_PROBERS]`, `not JSON: ${raw}`);
  }
  let rewritten = 0;
  for (const c of input.spec.containers) {
    const injected = output.spec.containers.find((o) => o.name === c.name);
    if (!injected) {
      fail(`.spec.containers[${c.name}]`, 'app container lost by injection');
      continue;
    }
    for (const [probe, suffix] of Object.entries(PROBES)) {
      const orig = c[probe] as Record<string, any> | undefined;
      if (!orig || !(orig.httpGet || orig.tcpSocket)) continue;
      rewritten++;
      const path = `/app-health/${c.name}/${suffix}`;
      const got = injected[probe] as Record<string, any> | undefined;
      if (got?.httpGet?.port !== 15020 || got.httpGet.path !== path) {
        fail(`.spec.containers[${c.name}].${probe}`, `want httpGet ${path} on 15020, got ${JSON.stringify(got?.httpGet ?? got?.tcpSocket)}`);
      }
      const kind = orig.httpGet ? 'httpGet' : 'tcpSocket';
      const port = resolvePort(c, orig[kind].port);
      const recorded = probers[path]?.[kind];
      if (!recorded || recorded.port !== port || (kind === 'httpGet' && recorded.path !== orig.httpGet.path)) {
        fail(`${at}.env[ISTIO_KUBE_APP_PROBERS]`, `want ${path} -> ${kind} ${orig.httpGet?.path ?? ''} port ${port}, got ${JSON.stringify(probers[path])}`);
      }
    }
  }
  if (rewritten === 0 && raw) fail(`${at}.env[ISTIO_KUBE_APP_PROBERS]`, 'set although the pod has no probes');
}

function resolvePort(c: Container, port: unknown): unknown {
  if (typeof port !== 'string') return port;
  return (c.ports ?? []).find((p) => p.name === port)?.containerPort ?? port;
}

/** Every declared app port must reach ISTIO_META_POD_PORTS, every app container ISTIO_META_APP_CONTAINERS. */
function checkPodPorts(input: PodTemplate, proxy: Container, fail: (f: string, m: string) => void): void {
  let ports: Array<{ name?: string; containerPort: number }> = [];
  try {
    ports = JSON.parse(env(proxy, 'ISTIO_META_POD_PORTS')?.value ?? '[]');
  } catch {
    fail('.env[ISTIO_META_POD_PORTS]', 'not JSON');
  }
  for (const p of input.spec.containers.flatMap((c) => c.ports ?? [])) {
    if (!ports.some((q) => q.containerPort === p.containerPort && q.name === p.name)) fail('.env[ISTIO_META_POD_PORTS]', `missing ${p.name}:${p.containerPort}`);
  }
  const want = input.spec.containers.map((c) => c.name).join(',');
  const got = env(proxy, 'ISTIO_META_APP_CONTAINERS')?.value;
  if (got !== undefined && got !== want) fail('.env[ISTIO_META_APP_CONTAINERS]', `is ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

function checkVolumes(output: PodTemplate, fail: (f: string, m: string) => void, required = ['istio-envoy', 'istio-data', 'istio-podinfo']): void {
  const vols = output.spec.volumes ?? [];
  const token = vols.find((v) => v.name === 'istio-token');
  const source = token?.projected?.sources?.[0]?.serviceAccountToken;
  if (source?.audience !== 'istio-ca' || source?.path !== 'istio-token') {
    fail('.spec.volumes[istio-token]', `want a projected serviceAccountToken with audience istio-ca, got ${JSON.stringify(token ?? null)}`);
  }
  const ca = vols.find((v) => v.name === 'istiod-ca-cert');
  if (ca?.configMap?.name !== 'istio-ca-root-cert') fail('.spec.volumes[istiod-ca-cert]', `want configMap istio-ca-root-cert, got ${JSON.stringify(ca ?? null)}`);
  for (const name of required) {
    if (!vols.some((v) => v.name === name)) fail(`.spec.volumes[${name}]`, 'missing');
  }
}

/**
 * Proxyless gRPC: no traffic capture, no Envoy. `grpc-agent` adds pilot-agent (xDS generator `grpc`,
 * Envoy disabled) that writes the gRPC bootstrap and certificates to volumes the app containers
 * mount; `grpc-simple` adds only an init container that writes a bootstrap pointing at istiod's xDS.
 * Either way every app container gets GRPC_XDS_BOOTSTRAP and the volume holding that file.
 */
function checkGrpc(input: PodTemplate, output: PodTemplate, exp: InjectionExpectation, mode: 'grpc-agent' | 'grpc-simple'): PodProblem[] {
  const out: PodProblem[] = [];
  const fail = (field: string, message: string): void => { out.push({ field: `${TPL}${field}`, message }); };
  const ann = output.metadata?.annotations ?? {};
  if (!ann['sidecar.istio.io/status']) fail('.metadata.annotations["sidecar.istio.io/status"]', 'missing: the pod was not injected');
  if (ann['sidecar.istio.io/rewriteAppHTTPProbers'] !== 'false') {
    fail('.metadata.annotations["sidecar.istio.io/rewriteAppHTTPProbers"]', 'want "false": no agent serves rewritten probes for a proxyless pod');
  }
  if (output.metadata?.labels?.['security.istio.io/tlsMode'] !== undefined) {
    fail('.metadata.labels["security.istio.io/tlsMode"]', 'set by the template: only the app knows whether its gRPC code uses xDS credentials');
  }
  const inits = output.spec.initContainers ?? [];
  const capture = inits.filter((c) => c.name === 'istio-init' || c.name === 'istio-validation');
  if (capture.length > 0) fail('.spec.initContainers', `proxyless pods get no traffic capture, got ${capture.map((c) => c.name).join(', ')}`);
  const proxy = output.spec.containers.find((c) => c.name === 'istio-proxy');
  let bootstrap: string;
  let sharedWith: Container;
  if (mode === 'grpc-agent') {
    if (!proxy) {
      fail('.spec.containers', 'no istio-proxy container (pilot-agent serves xDS and certificates to the app)');
      return out;
    }
    const at = '.spec.containers[istio-proxy]';
    if (proxy.image !== exp.proxyImage) fail(`${at}.image`, `is ${JSON.stringify(proxy.image)}, want ${exp.proxyImage}`);
    if ((proxy.args ?? [])[0] !== 'proxy' || (proxy.args ?? [])[1] !== 'sidecar') fail(`${at}.args`, 'must start with ["proxy", "sidecar"]');
    const want: Record<string, string> = { ISTIO_META_GENERATOR: 'grpc', DISABLE_ENVOY: 'true', CA_ADDR: exp.caAddress, TRUST_DOMAIN: exp.trustDomain };
    for (const [name, value] of Object.entries(want)) {
      const e = env(proxy, name);
      if (e?.value !== value) fail(`${at}.env[${name}]`, `is ${JSON.stringify(e?.value)}, want ${JSON.stringify(value)}`);
    }
    checkVolumes(output, fail, ['istio-data', 'istio-podinfo']);
    bootstrap = '/etc/istio/proxy/grpc-bootstrap.json';
    sharedWith = proxy;
  } else {
    if (proxy) fail('.spec.containers[istio-proxy]', 'grpc-simple adds no agent');
    const init = inits.find((c) => c.name === 'grpc-bootstrap-init');
    if (!init) {
      fail('.spec.initContainers', 'no grpc-bootstrap-init container writing the xDS bootstrap');
      return out;
    }
    // The script with the container's env values substituted (`$NAME`, `${NAME}`) must name istiod's xDS.
    const values = new Map((init.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!.trim()]));
    const script = [...(init.command ?? []), ...(init.args ?? [])].join(' ')
      .replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a: string | undefined, b: string | undefined) => values.get((a ?? b)!) ?? m);
    if (!script.includes(`${exp.istiodHost}:15010`)) fail('.spec.initContainers[grpc-bootstrap-init]', `the bootstrap does not name istiod's xDS ${exp.istiodHost}:15010`);
    bootstrap = '/var/lib/grpc/data/bootstrap.json';
    sharedWith = init;
  }
  const dir = bootstrap.slice(0, bootstrap.lastIndexOf('/'));
  const volumeOf = (c: Container) => (c.volumeMounts ?? []).find((m) => m.mountPath.replace(/\/$/, '') === dir)?.name;
  const volume = volumeOf(sharedWith);
  if (!volume) fail('.spec', `${sharedWith.name} mounts nothing at ${dir}`);
  for (const app of input.spec.containers) {
    const c = output.spec.containers.find((o) => o.name === app.name);
    if (!c) {
      fail(`.spec.containers[${app.name}]`, 'app container lost by injection');
      continue;
    }
    if (env(c, 'GRPC_XDS_BOOTSTRAP')?.value !== bootstrap) fail(`.spec.containers[${app.name}].env[GRPC_XDS_BOOTSTRAP]`, `want ${bootstrap}`);
    if (volume && volumeOf(c) !== volume) fail(`.spec.containers[${app.name}].volumeMounts`, `want volume ${volume} at ${dir} (where ${sharedWith.name} writes the bootstrap)`);
  }
  return out;
}

/** A pod that opted out must come back with the same containers and no injection traces. */
function checkNotInjected(input: PodTemplate, output: PodTemplate): PodProblem[] {
  const out: PodProblem[] = [];
  if (output.metadata?.annotations?.['sidecar.istio.io/status']) out.push({ field: `${TPL}.metadata.annotations`, message: 'opted-out pod was injected' });
  const names = (p: PodTemplate): string => [...(p.spec.initContainers ?? []), ...p.spec.containers].map((c) => `${c.name}=${c.image}`).join(',');
  if (names(input) !== names(output)) out.push({ field: `${TPL}.spec`, message: `containers changed: ${names(input)} -> ${names(output)}` });
  if (output.metadata?.labels?.['security.istio.io/tlsMode']) out.push({ field: `${TPL}.metadata.labels`, message: 'tlsMode label added to an opted-out pod' });
  return out;
}
