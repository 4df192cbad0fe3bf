import { RuleDefinition, RuleInput, Report } from '../catalog';
import { list, MANAGED_BY_CLASS } from '../gateway-api';
import { GATEWAY_API, GATEWAY_API_MINIMUM_CRD_VERSIONS, Manifest, selects } from '../model';

const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** The policy kinds that select workloads by `selector` or attach by `targetRef`/`targetRefs`. */
const POLICY_KINDS: Array<[string, string]> = [
  ['security.istio.io', 'AuthorizationPolicy'],
  ['security.istio.io', 'RequestAuthentication'],
  ['telemetry.istio.io', 'Telemetry'],
  ['extensions.istio.io', 'WasmPlugin'],
];

/**
 * Whether istiod deploys the Gateway's proxy itself: no address, or one IP address; a Hostname
 * address (or several) means manual deployment (an existing gateway Service).
 */
function deployedByIstiod(addresses: any[]): boolean {
  return addresses.length === 0 || (addresses.length === 1 && (addresses[0]?.type ?? 'IPAddress') === 'IPAddress');
}

/**
 * The pod labels of the Kubernetes Gateways' proxies, by namespace: the app's own workloads labelled
 * with a gateway name (a manually deployed gateway, or what istiod rendered, written out), and the
 * pods istiod will deploy for each Gateway of a class it deploys (not manually deployed): the
 * Gateway's `infrastructure.labels` plus the labels its templates add.
 */
function gatewayPods(m: Manifest): Map<string, Array<Record<string, string>>> {
  const out = new Map<string, Array<Record<string, string>>>();
  const add = (ns: string, labels: Record<string, string>) => out.set(ns, [...(out.get(ns) ?? []), labels]);
  for (const w of m.workloads) if (w.podLabels[GATEWAY_NAME_LABEL] !== undefined) add(w.namespace, w.podLabels);
  for (const gw of m.ofKind(GATEWAY_API, 'Gateway')) {
    const className = gw.json.spec?.gatewayClassName;
    const managed = MANAGED_BY_CLASS[className];
    if (!managed || !deployedByIstiod(list(gw.json.spec?.addresses))) continue;
    if (m.workloads.some((w) => w.namespace === gw.namespace && w.podLabels[GATEWAY_NAME_LABEL] === gw.name)) continue;
    add(gw.namespace, {
      'sidecar.istio.io/inject': 'false',
      'service.istio.io/canonical-name': `${gw.name}-${className}`,
      'service.istio.io/canonical-revision': 'latest',
      ...(gw.json.spec?.infrastructure?.labels ?? {}),
      [GATEWAY_NAME_LABEL]: gw.name,
      'gateway.networking.k8s.io/gateway-class-name': className,
      'gateway.istio.io/managed': managed,
    });
  }
  return out;
}

/**
 * IST0166: an AuthorizationPolicy, RequestAuthentication, Telemetry or WasmPlugin that selects the
 * proxy pods of a Kubernetes Gateway with `selector` (and no `targetRef`): a waypoint never takes
 * selector-based policy, a gateway only while istiod's ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY is
 * on (default true); `targetRefs` to the Gateway is the supported attachment.
 */
export const ineffectiveSelectors: RuleDefinition = {
  codes: ['IST0166'],
  run({ manifest }: RuleInput, report: Report) {
    const pods = gatewayPods(manifest);
    if (pods.size === 0) return;
    for (const [group, kind] of POLICY_KINDS) {
      for (const policy of manifest.ofKind(group, kind)) {
        const spec = policy.json.spec ?? {};
        if (spec.targetRef !== undefined || spec.targetRefs !== undefined || spec.selector === undefined) continue;
        for (const labels of pods.get(policy.namespace) ?? []) {
          if (!selects(spec.selector?.matchLabels, labels)) continue;
          const gateway = labels[GATEWAY_NAME_LABEL];
          const waypoint = labels['gateway.networking.k8s.io/gateway-class-name'] === 'istio-waypoint' || labels['gateway.istio.io/managed'] === MANAGED_BY_CLASS['istio-waypoint'];
          report({
            code: 'IST0166',
            object: policy,
            message: `selector ${JSON.stringify(spec.selector?.matchLabels ?? {})} selects the pods of Kubernetes Gateway "${gateway}", ` + (waypoint
              ? `a waypoint, where Istio never applies a selector: the ${kind} has no effect there`
              : 'where Istio applies a selector only while istiod\'s ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY is on (the default): targetRefs is the supported attachment'),
            fix: `replace the selector with targetRefs: [{ group: "${GATEWAY_API}", kind: "Gateway", name: "${gateway}" }]`,
          });
        }
      }
    }
  },
};

/** `[major, minor, patch]` of a `v1.2.3[-pre]` version, or undefined. */
function parseVersion(v: string): { parts: number[]; text: string } | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(v.trim());
  if (!m) return undefined;
  const parts = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
  return { parts, text: `${parts.join('.')}${m[4] ?? ''}${m[5] ?? ''}` };
}

function below(a: number[], b: number[]): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

/**
 * IST0176: a Gateway API CRD of the app whose `gateway.networking.k8s.io/bundle-version` is below
 * the version Istio 1.30 requires for its kind (GRPCRoute 1.1, BackendTLSPolicy 1.4, TLSRoute 1.5,
 * pre-releases counting as their release): istiod does not process resources of that kind.
 */
export const gatewayApiCrdVersions: RuleDefinition = {
  codes: ['IST0176'],
  run({ manifest }: RuleInput, report: Report) {
    for (const crd of manifest.ofKind('apiextensions.k8s.io', 'CustomResourceDefinition')) {
      const minimum = GATEWAY_API_MINIMUM_CRD_VERSIONS[crd.name];
      const installed = parseVersion(String(crd.annotations['gateway.networking.k8s.io/bundle-version'] ?? ''));
      if (!minimum || !installed || !below(installed.parts, parseVersion(minimum)!.parts)) continue;
      report({
        code: 'IST0176',
        object: crd,
        message: `the CRD is Gateway API ${installed.text}, Istio 1.30 needs at least ${minimum}: istiod ignores ${crd.json.spec?.names?.kind ?? crd.name} resources`,
        fix: 'install the Gateway API CRDs Istio 1.30 builds against (MeshInstallation gatewayApiCrds: GatewayApiCrds.STANDARD, v1.5.1)',
      });
    }
  },
};

/**
 * GWA0009: a policy's `targetRef`/`targetRefs` must name something it can attach to: a Kubernetes
 * Gateway, Service or ServiceEntry of its own namespace that the app declares (judged where the app
 * owns the namespace), or GatewayClass `istio-waypoint` from the mesh's root namespace. Istio
 * attaches nothing otherwise, so the policy silently does not apply.
 */
export const policyTargets: RuleDefinition = {
  codes: ['GWA0009'],
  run({ manifest }: RuleInput, report: Report) {
    const known = new Set([
      ...manifest.ofKind(GATEWAY_API, 'Gateway').map((o) => `${GATEWAY_API}/Gateway/${o.namespace}/${o.name}`),
      ...manifest.ofKind('', 'Service').map((o) => `/Service/${o.namespace}/${o.name}`),
      ...manifest.networking('ServiceEntry').map((o) => `networking.istio.io/ServiceEntry/${o.namespace}/${o.name}`),
    ]);
    const root = manifest.mesh.rootNamespace;
    for (const [group, kind] of POLICY_KINDS) {
      for (const policy of manifest.ofKind(group, kind)) {
        const spec = policy.json.spec ?? {};
        const refs: Array<[any, string]> = spec.targetRef ? [[spec.targetRef, 'targetRef']] : [];
        list(spec.targetRefs).forEach((r: any, i: number) => refs.push([r, `targetRefs[${i}]`]));
        for (const [ref, where] of refs) {
          const refGroup = ref?.group ?? '';
          const target = `${ref?.kind} "${ref?.name}"`;
          if (ref?.kind === 'GatewayClass' && refGroup === GATEWAY_API) {
            if (ref?.name === 'istio-waypoint' && policy.namespace === root) continue;
            report({
              code: 'GWA0009',
              object: policy,
              message: `${where} names GatewayClass "${ref?.name}"${policy.namespace !== root ? ` from namespace "${policy.namespace}"` : ''}: Istio attaches ` +
                `a policy to a GatewayClass only for class istio-waypoint and from the root namespace "${root}", so the ${kind} applies nowhere`,
              fix: `target GatewayClass "istio-waypoint" from namespace "${root}" (every waypoint), or a Gateway, Service or ServiceEntry of namespace "${policy.namespace}"`,
            });
            continue;
          }
          const supported = (ref?.kind === 'Gateway' && refGroup === GATEWAY_API) || (ref?.kind === 'Service' && refGroup === '')
            || (ref?.kind === 'ServiceEntry' && refGroup === 'networking.istio.io');
          if (!supported || !manifest.ownedNamespaces.has(policy.namespace)) continue;
          if (known.has(`${refGroup}/${ref.kind}/${policy.namespace}/${ref.name}`)) continue;
          report({
            code: 'GWA0009',
            object: policy,
            message: `${where} names ${target} in namespace "${policy.namespace}", which the app does not declare: the ${kind} applies nowhere`,
            fix: `declare the ${ref.kind}, or correct the target (targets are in the policy's own namespace)`,
          });
        }
      }
    }
  },
};

/** The negative conditions Istio's ConditionAnalyzer reports, by `group/kind`: condition type → the status that is negative. */
const NEGATIVE_CONDITIONS: Record<string, Record<string, string>> = {
  '/Service': { 'istio.io/WaypointBound': 'False' },
  'networking.istio.io/ServiceEntry': { 'istio.io/WaypointBound': 'False' },
  'networking.istio.io/WorkloadEntry': { 'istio.io/WaypointBound': 'False' },
  'security.istio.io/AuthorizationPolicy': { ZtunnelAccepted: 'False', WaypointAccepted: 'False' },
  [`${GATEWAY_API}/Gateway`]: { Accepted: 'False', Programmed: 'False', ResolvedRefs: 'False' },
  [`${GATEWAY_API}/HTTPRoute`]: { Accepted: 'False', Programmed: 'False', ResolvedRefs: 'False' },
  [`${GATEWAY_API}/GRPCRoute`]: { Accepted: 'False', Programmed: 'False', ResolvedRefs: 'False' },
};

/**
 * IST0171: an object carries a `status` (copied from a cluster, e.g. `kubectl get -o yaml`) with a
 * condition Istio's ConditionAnalyzer counts as negative: a Gateway's or route parent's Accepted,
 * Programmed or ResolvedRefs False, WaypointBound False on a Service, ServiceEntry or WorkloadEntry,
 * ZtunnelAccepted/WaypointAccepted False (or WaypointAccepted PartiallyInvalid) on an
 * AuthorizationPolicy. Gateway listener conditions are not read, as in Istio.
 */
export const negativeConditions: RuleDefinition = {
  codes: ['IST0171'],
  run({ manifest }: RuleInput, report: Report) {
    for (const [key, negative] of Object.entries(NEGATIVE_CONDITIONS)) {
      const [group, kind] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      for (const o of manifest.ofKind(group, kind)) {
        const status = o.json.status;
        if (!status || typeof status !== 'object') continue;
        const conditions = kind === 'HTTPRoute' || kind === 'GRPCRoute'
          ? list(status.parents).flatMap((p: any) => list(p?.conditions)) : list(status.conditions);
        for (const c of conditions) {
          const partial = kind === 'AuthorizationPolicy' && c?.type === 'WaypointAccepted' && c?.reason === 'PartiallyInvalid';
          if (negative[c?.type] !== c?.status && !partial) continue;
          report({
            code: 'IST0171',
            object: o,
            message: `its status has condition ${c.type}=${c.status} (reason ${c.reason ?? 'none'}${c.message ? `: ${c.message}` : ''})`,
            fix: 'fix what the condition names (the status comes from the cluster the object was copied from), or drop the stale status from the manifest',
          });
        }
      }
    }
  },
};
