import { Construct } from 'constructs';
import { resolveCertificateAuthority } from './certificate-authority';
import { AutoscaleSpec, InstallContext, ISTIO_RELEASE, ResourceSpec } from './context';
import { AccessLogEncoding, ExtensionProvider, MeshConfigOptions, OutboundTrafficPolicyMode } from '../../mesh-config';
import type { MeshInstallationProps } from '../../mesh-installation';
import { MeshProfile } from '../../mesh-profile';
import { ResourceRequirements } from '../../shared-interfaces';
import { describeValue, MeshValidationError } from '../errors';
import { DEFAULT_REVISION } from '../labels';
import { validateDnsLabel, validateEnum, validateIntRange, validateNotBlank } from '../validate';

/** Settings that differ between the profiles we reproduce (facts: istio-reference.md §1). */
interface ProfileDefaults {
  readonly ingressGateway: boolean;
  readonly egressGateway: boolean;
  readonly autoscale: boolean;
  readonly traceSampling: number;
  readonly istiodResources: ResourceSpec;
  readonly proxyResources: ResourceSpec;
  readonly accessLogFile?: string;
  readonly extensionProviders: ExtensionProvider[];
  /** Ambient mode: ztunnel, the CNI agent in ambient mode, istiod and sidecars set up for HBONE. */
  readonly ambient: boolean;
  /** istioctl's `global.variant`: appended to every image tag, and the proxies' `imageType`. */
  readonly imageVariant?: string;
}

const PROXY_LIMITS = { cpu: '2000m', memory: '1024Mi' };

const DEFAULT_PROFILE: ProfileDefaults = {
  ingressGateway: true,
  egressGateway: false,
  autoscale: true,
  traceSampling: 1,
  istiodResources: { requests: { cpu: '500m', memory: '2048Mi' } },
  proxyResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: PROXY_LIMITS },
  extensionProviders: [],
  ambient: false,
};

const PROFILES: Record<MeshProfile, ProfileDefaults> = {
  [MeshProfile.DEFAULT]: DEFAULT_PROFILE,
  [MeshProfile.MINIMAL]: {
    ingressGateway: false,
    egressGateway: false,
    autoscale: true,
    traceSampling: 1,
    istiodResources: { requests: { cpu: '500m', memory: '2048Mi' } },
    proxyResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: PROXY_LIMITS },
    extensionProviders: [],
    ambient: false,
  },
  [MeshProfile.DEMO]: {
    ingressGateway: true,
    egressGateway: true,
    autoscale: false,
    traceSampling: 100,
    istiodResources: { requests: { cpu: '10m', memory: '100Mi' } },
    proxyResources: { requests: { cpu: '10m', memory: '40Mi' }, limits: PROXY_LIMITS },
    accessLogFile: '/dev/stdout',
    extensionProviders: [
      ExtensionProvider.openTelemetryAccessLog('otel', 'opentelemetry-collector.observability.svc.cluster.local', 4317),
      ExtensionProvider.skywalking({ name: 'skywalking', service: 'tracing.istio-system.svc.cluster.local', port: 11800 }),
      ExtensionProvider.openTelemetryTracing({ name: 'otel-tracing', service: 'opentelemetry-collector.observability.svc.cluster.local', port: 4317 }),
      ExtensionProvider.openTelemetryTracing({ name: 'jaeger', service: 'jaeger-collector.istio-system.svc.cluster.local', port: 4317 }),
    ],
    ambient: false,
  },
  // The default profile without the ingress gateway, plus CNI (ambient) and ztunnel (istio-reference.md §1).
  [MeshProfile.AMBIENT]: { ...DEFAULT_PROFILE, ingressGateway: false, ambient: true, imageVariant: 'distroless' },
};

/** istiod's switch for ambient mode (ztunnel's xDS, waypoints, ambient policies). */
const PILOT_ENABLE_AMBIENT = 'PILOT_ENABLE_AMBIENT';
/** Proxy metadata that makes sidecars (and gateways) speak HBONE, so they reach ambient pods. */
const ENABLE_HBONE = 'ISTIO_META_ENABLE_HBONE';

const TRUST_DOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[+-]?\d+)?$/;

/**
 * Validates MeshInstallation props and resolves them, with the profile's defaults, into the
 * InstallContext the renderers use. Throws MeshValidationError naming prop, value and fix.
 */
export function resolveInstallContext(scope: Construct, props: MeshInstallationProps): InstallContext {
  validateEnum(scope, 'profile', props.profile, 'MeshProfile', MeshProfile);
  const profile = props.profile ?? MeshProfile.DEFAULT;
  const defaults = PROFILES[profile];

  const revision = props.revision;
  if (revision !== undefined) {
    validateDnsLabel(scope, 'revision', revision, 63 - 'istiod-'.length);
    if (revision === DEFAULT_REVISION) {
      throw new MeshValidationError(scope, "'revision' \"default\" names the unrevisioned control plane; omit 'revision' instead");
    }
  }
  const namespace = props.namespace ?? 'istio-system';
  validateDnsLabel(scope, 'namespace', namespace);
  validateNotBlank(scope, 'hub', props.hub, "omit 'hub' to use registry.istio.io/release");
  validateNotBlank(scope, 'tag', props.tag, `omit 'tag' to use ${ISTIO_RELEASE}`);
  for (const [prop, value] of [['hub', props.hub], ['tag', props.tag]] as const) {
    if (value !== undefined && typeof value !== 'string') {
      throw new MeshValidationError(scope, `'${prop}' must be a string such as ${JSON.stringify(prop === 'hub' ? 'registry.example.com/istio' : ISTIO_RELEASE)}, ` +
        `got ${describeValue(value)}`);
    }
    if (value !== undefined && /\s/.test(value)) {
      throw new MeshValidationError(scope, `'${prop}' must not contain whitespace, got ${JSON.stringify(value)}`);
    }
  }
  // The CRDs, templates and labels are Istio 1.30's: another minor's images would run against them.
  const minor = ISTIO_RELEASE.split('.').slice(0, 2).join('.');
  const tagVersion = /^v?(\d+)\.(\d+)(\.\d+)?([-+].*)?$/.exec(props.tag ?? '');
  if (tagVersion && `${tagVersion[1]}.${tagVersion[2]}` !== minor) {
    throw new MeshValidationError(scope, `'tag' ${JSON.stringify(props.tag)} is Istio ${tagVersion[1]}.${tagVersion[2]}, but this release of cdk8s-istio ` +
      `writes Istio ${minor}'s CRDs, injection templates and webhooks; use a ${minor}.x tag (default ${ISTIO_RELEASE}), or the cdk8s-istio release for ` +
      `Istio ${tagVersion[1]}.${tagVersion[2]}`);
  }
  validateAmbientProps(scope, props, defaults);
  if (props.hub !== undefined && (props.hub.endsWith('/') || /^[a-z]+:\/\//.test(props.hub))) {
    throw new MeshValidationError(scope, '\'hub\' must be a registry path without a scheme or a trailing \'/\' (images are written <hub>/pilot:<tag>), ' +
      `got ${JSON.stringify(props.hub)}; e.g. "registry.example.com/istio"`);
  }
  const trustDomain = props.trustDomain ?? 'cluster.local';
  if (!TRUST_DOMAIN.test(trustDomain) || trustDomain.length > 255) {
    throw new MeshValidationError(scope, `'trustDomain' must be a lowercase DNS name such as "cluster.local" or "prod.example.com", got ${JSON.stringify(trustDomain)}`);
  }
  const trustDomainAliases = validateTrustDomainAliases(scope, props.trustDomainAliases, trustDomain);
  validateNotBlank(scope, 'clusterName', props.clusterName, "omit 'clusterName' for a single-cluster mesh");
  validateNotBlank(scope, 'meshId', props.meshId, "omit 'meshId' for a single-cluster mesh");
  validateNotBlank(scope, 'network', props.network, "omit 'network' for a single-network mesh");
  if (props.network !== undefined) validateDnsLabel(scope, 'network', props.network);

  const traceSampling = props.traceSampling ?? defaults.traceSampling;
  if (!(traceSampling >= 0 && traceSampling <= 100)) {
    throw new MeshValidationError(scope, `'traceSampling' is a percentage and must be between 0 and 100, got ${traceSampling}`);
  }

  const { replicas, autoscale } = resolveScaling(scope, props, defaults);
  const istiodPdb = props.istiodPodDisruptionBudget ?? (autoscale ? autoscale.min > 1 : replicas > 1);
  if (props.istiodPodDisruptionBudget && (autoscale ? autoscale.min : replicas) < 2) {
    throw new MeshValidationError(scope, "'istiodPodDisruptionBudget' is true but istiod may run a single replica, so the budget " +
      "(minAvailable 1) would block every node drain; set 'istiodReplicas' >= 2 or 'istiodAutoscaling.minReplicas' >= 2, or drop the budget");
  }

  for (const [name, value] of Object.entries(props.istiodEnv ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new MeshValidationError(scope, `'istiodEnv' keys must be environment variable names ([A-Za-z_][A-Za-z0-9_]*) such as "PILOT_TRACE_SAMPLING", got ${JSON.stringify(name)}`);
    }
    if (typeof value !== 'string') {
      throw new MeshValidationError(scope, `'istiodEnv.${name}' must be a string (Kubernetes env values are strings), got ${describeValue(value)}; ` +
        `quote it, e.g. ${name}: "${String(value)}"`);
    }
    if (name === 'ENABLE_CA_SERVER') {
      throw new MeshValidationError(scope, `'istiodEnv' must not set ENABLE_CA_SERVER (value ${JSON.stringify(value)}): istiod's CA server is off exactly when ` +
        "'certificateAuthority' is CertificateAuthority.external({ address }), which also points the proxies at that CA; set that instead");
    }
    if (RESERVED_ISTIOD_ENV.includes(name)) {
      throw new MeshValidationError(scope, `'istiodEnv' must not set ${name} (value ${JSON.stringify(value)}): it is derived from other props`);
    }
  }

  const certificateAuthority = resolveCertificateAuthority(scope, props.certificateAuthority);
  const istiodResources = resolveResources(scope, 'istiodResources', props.istiodResources, defaults.istiodResources);
  const proxyResources = resolveResources(scope, 'proxyResources', props.proxyResources, defaults.proxyResources);
  const istiodName = `istiod${revision ? `-${revision}` : ''}`;
  const holdApplicationUntilProxyStarts = props.holdApplicationUntilProxyStarts ?? false;

  return {
    profile,
    namespace,
    revision,
    revisionLabel: revision ?? DEFAULT_REVISION,
    revSuffix: revision ? `-${revision}` : '',
    hub: props.hub ?? 'registry.istio.io/release',
    tag: props.tag ?? ISTIO_RELEASE,
    imagePullPolicy: props.imagePullPolicy,
    clusterDomain: 'cluster.local',
    trustDomain,
    meshId: props.meshId,
    clusterName: props.clusterName ?? 'Kubernetes',
    network: props.network,
    cni: defaults.ambient || (props.cni ?? false),
    ambient: defaults.ambient,
    imageVariant: defaults.imageVariant,
    certificateAuthority,
    istiodName,
    istiodReplicas: replicas,
    istiodAutoscale: autoscale,
    istiodResources,
    istiodPdb,
    istiodEnv: { ...props.istiodEnv },
    traceSampling,
    proxyResources,
    holdApplicationUntilProxyStarts,
    ingressGateway: defaults.ingressGateway,
    egressGateway: defaults.egressGateway,
    gatewayAutoscale: defaults.autoscale ? { min: 1, max: 5, cpuUtilization: 80 } : undefined,
    gatewayResources: defaults.proxyResources,
    meshConfig: renderMeshConfig(scope, props.meshConfig ?? {}, defaults, {
      namespace,
      trustDomain,
      trustDomainAliases,
      discoveryAddress: `${istiodName}.${namespace}.svc:15012`,
      meshId: props.meshId,
      holdApplicationUntilProxyStarts,
    }),
  };
}

/**
 * What the ambient profile cannot do without, and props that would take it away: an error naming
 * the prop, the value and the fix. `cni` must be a boolean on every profile.
 */
function validateAmbientProps(scope: Construct, props: MeshInstallationProps, defaults: ProfileDefaults): void {
  if (props.cni !== undefined && typeof props.cni !== 'boolean') {
    throw new MeshValidationError(scope, `'cni' must be a boolean, got ${describeValue(props.cni, 'boolean')}; e.g. cni: true`);
  }
  if (!defaults.ambient) return;
  if (props.cni === false) {
    throw new MeshValidationError(scope, "'cni' is false, but MeshProfile.AMBIENT needs the istio-cni node agent: it redirects the traffic of " +
      "ambient pods to ztunnel; omit 'cni' (the ambient profile installs the agent)");
  }
  const variant = /^v?\d+\.\d+(\.\d+)?-(distroless|debug)$/.exec(props.tag ?? '');
  if (variant) {
    throw new MeshValidationError(scope, `'tag' ${JSON.stringify(props.tag)} names the "${variant[2]}" image variant, but MeshProfile.AMBIENT appends ` +
      `its own ("-${defaults.imageVariant}", istioctl's global.variant), which would give "${props.tag}-${defaults.imageVariant}"; ` +
      `set the version only, e.g. "${props.tag!.slice(0, -variant[2].length - 1)}"`);
  }
  const env = props.istiodEnv?.[PILOT_ENABLE_AMBIENT];
  if (env !== undefined && env !== 'true') {
    throw new MeshValidationError(scope, `'istiodEnv.${PILOT_ENABLE_AMBIENT}' is ${describeValue(env)}, but MeshProfile.AMBIENT needs "true" ` +
      '(istiod serves ztunnel and waypoints only then); remove it, the profile sets it');
  }
  const hbone = props.meshConfig?.defaultProxyConfig?.proxyMetadata?.[ENABLE_HBONE];
  if (hbone !== undefined && hbone !== 'true') {
    throw new MeshValidationError(scope, `'meshConfig.defaultProxyConfig.proxyMetadata.${ENABLE_HBONE}' is ${describeValue(hbone)}, but ` +
      'MeshProfile.AMBIENT needs "true": sidecars and gateways reach ambient pods only over HBONE; remove it, the profile sets it');
  }
}

/**
 * Other trust domains whose identities count as this mesh's (`trustDomainAliases`), for a migration
 * from one trust domain to another: lowercase DNS names, each once, not the trust domain itself.
 */
function validateTrustDomainAliases(scope: Construct, aliases: unknown, trustDomain: string): string[] {
  if (aliases === undefined || aliases === null) return [];
  if (!Array.isArray(aliases)) {
    throw new MeshValidationError(scope, `'trustDomainAliases' must be a list such as ["old.example.com"], got ${describeValue(aliases, 'object')}`);
  }
  aliases.forEach((a, i) => {
    if (typeof a !== 'string' || !TRUST_DOMAIN.test(a) || a.length > 255) {
      throw new MeshValidationError(scope, `'trustDomainAliases[${i}]' must be a lowercase DNS name such as "old.example.com", got ${describeValue(a)}`);
    }
    if (a === trustDomain) {
      throw new MeshValidationError(scope, `'trustDomainAliases[${i}]' is the trust domain itself ("${a}"); list only the other trust domains`);
    }
    if (aliases.indexOf(a) !== i) throw new MeshValidationError(scope, `'trustDomainAliases' lists "${a}" twice; remove the duplicate`);
  });
  return [...aliases];
}

/** istiod env vars that other props own. */
const RESERVED_ISTIOD_ENV = ['REVISION', 'PILOT_CERT_PROVIDER', 'POD_NAME', 'POD_NAMESPACE', 'SERVICE_ACCOUNT', 'CLUSTER_ID', 'PILOT_TRACE_SAMPLING'];

function resolveScaling(scope: Construct, props: MeshInstallationProps, defaults: ProfileDefaults): { replicas: number; autoscale?: AutoscaleSpec } {
  if (props.istiodReplicas !== undefined && props.istiodAutoscaling !== undefined) {
    throw new MeshValidationError(scope, "'istiodReplicas' and 'istiodAutoscaling' are mutually exclusive; " +
      "set 'istiodReplicas' for a fixed count or 'istiodAutoscaling' for an autoscaled range");
  }
  if (props.istiodReplicas !== undefined) {
    validateIntRange(scope, 'istiodReplicas', props.istiodReplicas, 1, Number.MAX_SAFE_INTEGER, 'istiod needs at least one replica');
    return { replicas: props.istiodReplicas };
  }
  const options = props.istiodAutoscaling ?? (defaults.autoscale ? {} : undefined);
  if (!options) return { replicas: 1 };
  const min = options.minReplicas ?? 1;
  const max = options.maxReplicas ?? 5;
  const cpuUtilization = options.targetCpuUtilization ?? 80;
  validateIntRange(scope, 'istiodAutoscaling.minReplicas', min, 1, Number.MAX_SAFE_INTEGER, 'istiod needs at least one replica');
  validateIntRange(scope, 'istiodAutoscaling.maxReplicas', max, 1, Number.MAX_SAFE_INTEGER);
  if (min > max) {
    throw new MeshValidationError(scope, `'istiodAutoscaling.minReplicas' (${min}) must not exceed 'istiodAutoscaling.maxReplicas' (${max}); raise maxReplicas or lower minReplicas`);
  }
  validateIntRange(scope, 'istiodAutoscaling.targetCpuUtilization', cpuUtilization, 1, 100);
  return { replicas: min, autoscale: { min, max, cpuUtilization } };
}

function resolveResources(scope: Construct, prop: string, given: ResourceRequirements | undefined, fallback: ResourceSpec): ResourceSpec {
  if (!given) return fallback;
  const fields: Array<[keyof ResourceRequirements, string | undefined]> = [
    ['cpuRequest', given.cpuRequest], ['memoryRequest', given.memoryRequest], ['cpuLimit', given.cpuLimit], ['memoryLimit', given.memoryLimit],
  ];
  for (const [field, value] of fields) {
    if (value !== undefined && !QUANTITY.test(value)) {
      throw new MeshValidationError(scope, `'${prop}.${field}' must be a Kubernetes quantity such as "500m" or "128Mi", got ${JSON.stringify(value)}`);
    }
  }
  const pick = (cpu?: string, memory?: string) =>
    cpu === undefined && memory === undefined ? undefined : { ...(cpu !== undefined ? { cpu } : {}), ...(memory !== undefined ? { memory } : {}) };
  return { requests: pick(given.cpuRequest, given.memoryRequest), limits: pick(given.cpuLimit, given.memoryLimit) };
}

interface MeshFacts {
  readonly namespace: string;
  readonly trustDomain: string;
  readonly trustDomainAliases: string[];
  readonly discoveryAddress: string;
  readonly meshId?: string;
  readonly holdApplicationUntilProxyStarts: boolean;
}

/**
 * Services labelled `istio.io/global: "true"` are reachable mesh-wide (across clusters): the ambient
 * profile's `serviceScopeConfigs`, as istioctl writes it.
 */
const AMBIENT_SERVICE_SCOPES = [{
  scope: 'GLOBAL',
  servicesSelector: { matchExpressions: [{ key: 'istio.io/global', operator: 'In', values: ['true'] }] },
}];

/**
 * The `mesh` document: the keys istioctl renders (discovery address, default metrics provider,
 * Prometheus merge, root namespace, trust domain) plus what the typed options set. Everything
 * else keeps istiod's built-in defaults.
 */
function renderMeshConfig(scope: Construct, options: MeshConfigOptions, defaults: ProfileDefaults, facts: MeshFacts): Record<string, unknown> {
  const providers = options.extensionProviders ?? defaults.extensionProviders;
  const names = new Set<string>();
  for (const provider of providers) {
    if (names.has(provider.name)) {
      throw new MeshValidationError(scope, `'meshConfig.extensionProviders' has two providers named ${JSON.stringify(provider.name)}; give each a unique name`);
    }
    validateDnsLabel(scope, 'meshConfig.extensionProviders[].name', provider.name);
    const endpoint = provider._endpoint();
    if (endpoint) validateIntRange(scope, `meshConfig.extensionProviders[${provider.name}].port`, endpoint.port, 1, 65535);
    names.add(provider.name);
  }
  const builtIn = ['prometheus', 'stackdriver', 'envoy'];
  for (const [prop, list] of [['defaultTracingProviders', options.defaultTracingProviders], ['defaultAccessLogProviders', options.defaultAccessLogProviders]] as const) {
    for (const name of list ?? []) {
      if (!names.has(name) && !builtIn.includes(name)) {
        throw new MeshValidationError(scope, `'meshConfig.${prop}' refers to provider ${JSON.stringify(name)}, which is neither declared in ` +
          `'meshConfig.extensionProviders' nor built in (${builtIn.join(', ')}); declare it or fix the name`);
      }
    }
  }
  const proxy = options.defaultProxyConfig ?? {};
  if (proxy.concurrency !== undefined) validateIntRange(scope, 'meshConfig.defaultProxyConfig.concurrency', proxy.concurrency, 0, 1024);
  if (proxy.terminationDrainDuration !== undefined && !/^\d+(\.\d+)?(ms|s|m|h)$/.test(proxy.terminationDrainDuration)) {
    throw new MeshValidationError(scope, `'meshConfig.defaultProxyConfig.terminationDrainDuration' must be a duration such as "5s", got ${JSON.stringify(proxy.terminationDrainDuration)}`);
  }

  const defaultProviders: Record<string, string[]> = { metrics: ['prometheus'] };
  if (options.defaultTracingProviders?.length) defaultProviders.tracing = [...options.defaultTracingProviders];
  if (options.defaultAccessLogProviders?.length) defaultProviders.accessLogging = [...options.defaultAccessLogProviders];

  const defaultConfig: Record<string, unknown> = { discoveryAddress: facts.discoveryAddress };
  if (facts.meshId) defaultConfig.meshId = facts.meshId;
  if (facts.holdApplicationUntilProxyStarts) defaultConfig.holdApplicationUntilProxyStarts = true;
  if (proxy.concurrency !== undefined) defaultConfig.concurrency = proxy.concurrency;
  if (proxy.terminationDrainDuration !== undefined) defaultConfig.terminationDrainDuration = proxy.terminationDrainDuration;
  if (defaults.imageVariant) defaultConfig.image = { imageType: defaults.imageVariant };
  const proxyMetadata = { ...(defaults.ambient ? { [ENABLE_HBONE]: 'true' } : {}), ...proxy.proxyMetadata };
  if (Object.keys(proxyMetadata).length > 0) defaultConfig.proxyMetadata = proxyMetadata;

  const mesh: Record<string, unknown> = {
    defaultConfig,
    defaultProviders,
    enablePrometheusMerge: true,
    rootNamespace: facts.namespace,
    trustDomain: facts.trustDomain,
  };
  if (defaults.ambient) mesh.serviceScopeConfigs = AMBIENT_SERVICE_SCOPES.map((c) => JSON.parse(JSON.stringify(c)));
  if (facts.trustDomainAliases.length > 0) mesh.trustDomainAliases = [...facts.trustDomainAliases];
  const accessLogFile = options.accessLogFile ?? defaults.accessLogFile;
  if (accessLogFile !== undefined) {
    validateNotBlank(scope, 'meshConfig.accessLogFile', accessLogFile, "omit 'accessLogFile' to turn access logs off");
    mesh.accessLogFile = accessLogFile;
  }
  if (options.accessLogEncoding !== undefined) {
    if (accessLogFile === undefined) {
      throw new MeshValidationError(scope, "'meshConfig.accessLogEncoding' has no effect without 'meshConfig.accessLogFile'; set accessLogFile (e.g. \"/dev/stdout\")");
    }
    mesh.accessLogEncoding = options.accessLogEncoding === AccessLogEncoding.JSON ? 'JSON' : 'TEXT';
  }
  if (options.outboundTrafficPolicy !== undefined && options.outboundTrafficPolicy !== OutboundTrafficPolicyMode.ALLOW_ANY) {
    mesh.outboundTrafficPolicy = { mode: options.outboundTrafficPolicy };
  }
  if (options.enableAutoMtls === false) mesh.enableAutoMtls = false;
  if (providers.length > 0) mesh.extensionProviders = providers.map((p) => p._toMeshConfig());
  return mesh;
}
