import { describeWorkloads, inAmbient, namespaceInAmbientMode, selectedWorkloads } from '../ambient';
import { RuleDefinition, RuleInput, Report } from '../catalog';
import { list } from '../gateway-api';
import { Manifest, ManifestObject, selects, Workload } from '../model';

/**
 * IST0167 (Sidecar): a Sidecar does nothing for pods without a sidecar. As Istio's SelectorAnalyzer:
 * a Sidecar without a workload selector in a namespace in ambient mode, and a Sidecar whose selector
 * picks an ambient pod. At synth time a workload's pods count as ambient as ztunnel will capture them
 * (istio-cni annotates them once running, which is what Istio's analyzer reads).
 */
export const ambientSidecars: RuleDefinition = {
  codes: ['IST0167'],
  run({ manifest }: RuleInput, report: Report) {
    for (const sidecar of manifest.networking('Sidecar')) {
      const labels = sidecar.json.spec?.workloadSelector?.labels;
      if (!labels || Object.keys(labels).length === 0) {
        if (!namespaceInAmbientMode(manifest.namespaceObjects.get(sidecar.namespace))) continue;
        report({
          code: 'IST0167',
          object: sidecar,
          message: `namespace "${sidecar.namespace}" is in ambient mode (istio.io/dataplane-mode: ambient): its pods have no sidecar, the Sidecar configures nothing`,
          fix: 'remove the Sidecar; in ambient mode egress and reachability are set with ServiceEntries, waypoints and AuthorizationPolicies',
        });
        continue;
      }
      const ambient = (manifest.workloadsByNamespace.get(sidecar.namespace) ?? [])
        .filter((w) => selects(labels, w.podLabels) && inAmbient(w, manifest));
      if (ambient.length === 0) continue;
      report({
        code: 'IST0167',
        object: sidecar,
        message: `workloadSelector selects ${describeWorkloads(ambient)}, in ambient mode: those pods have no sidecar, the Sidecar has no effect on them`,
        fix: 'remove the Sidecar, or select workloads that run a sidecar (sidecar.istio.io/inject: "true")',
      });
    }
  },
};

/** The attributes ztunnel reads (pilot/pkg/serviceregistry/ambient/authorization.go); every other `when` key is HTTP. */
const L4_WHEN_KEYS = new Set(['source.ip', 'source.namespace', 'source.principal', 'destination.ip', 'destination.port']);
const HTTP_OPERATION_FIELDS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
const HTTP_SOURCE_FIELDS = ['remoteIpBlocks', 'notRemoteIpBlocks', 'requestPrincipals', 'notRequestPrincipals'];
const L4_OPERATION_FIELDS = ['ports', 'notPorts'];
const L4_SOURCE_FIELDS = ['ipBlocks', 'notIpBlocks', 'namespaces', 'notNamespaces', 'principals', 'notPrincipals', 'serviceAccounts', 'notServiceAccounts'];

function nonEmpty(o: any, fields: string[]): string[] {
  return fields.filter((f) => list(o?.[f]).length > 0);
}

/** What ztunnel keeps of one rule: the HTTP attributes it drops, and whether a part (to, from, a when) is left with nothing to match. */
function ztunnelView(rule: any): { http: string[]; emptyPart?: string } {
  const http = new Set<string>();
  let emptyPart: string | undefined;
  const to = list(rule?.to);
  to.forEach((t: any) => nonEmpty(t?.operation, HTTP_OPERATION_FIELDS).forEach((f) => http.add(f)));
  if (to.length > 0 && to.every((t: any) => nonEmpty(t?.operation, L4_OPERATION_FIELDS).length === 0)) emptyPart = 'to';
  const from = list(rule?.from);
  from.forEach((s: any) => nonEmpty(s?.source, HTTP_SOURCE_FIELDS).forEach((f) => http.add(f)));
  if (!emptyPart && from.length > 0 && from.every((s: any) => nonEmpty(s?.source, L4_SOURCE_FIELDS).length === 0)) emptyPart = 'from';
  list(rule?.when).forEach((w: any, i: number) => {
    if (typeof w?.key !== 'string' || L4_WHEN_KEYS.has(w.key)) return;
    http.add(String(w?.key));
    emptyPart ??= `when[${i}]`;
  });
  return { http: [...http].sort(), emptyPart };
}

/** The ambient workloads a policy without targetRefs applies to, and how to name them; undefined when ztunnel enforces it nowhere in the app. */
function ztunnelScope(m: Manifest, policy: ManifestObject): { workloads: Workload[]; where: string } | undefined {
  const spec = policy.json.spec ?? {};
  if (spec.targetRef !== undefined || spec.targetRefs !== undefined) return undefined;
  const root = policy.namespace === m.mesh.rootNamespace;
  const workloads = selectedWorkloads(m, policy.namespace, spec.selector?.matchLabels).filter((w) => inAmbient(w, m));
  if (workloads.length > 0) return { workloads, where: `ztunnel enforces it for ${describeWorkloads(workloads)}` };
  if (spec.selector !== undefined) return undefined;
  const ambientNamespaces = [...m.namespaceObjects.values()].filter((n) => n.labels['istio.io/dataplane-mode'] === 'ambient'
    && (root || n.name === policy.namespace)).map((n) => n.name);
  if (ambientNamespaces.length === 0) return undefined;
  return { workloads, where: `ztunnel enforces it in ambient namespace${ambientNamespaces.length > 1 ? 's' : ''} ${ambientNamespaces.map((n) => `"${n}"`).join(', ')}` };
}

const MOVE_TO_WAYPOINT = 'keep the ztunnel policy L4 (ports, source namespaces, principals, ipBlocks) and put the HTTP conditions in a policy with ' +
  'targetRefs to the waypoint (kind Gateway, group gateway.networking.k8s.io) or to the Service the waypoint serves';

/**
 * AMB0001 / AMB0002: AuthorizationPolicies ztunnel enforces (no targetRefs, applied to ambient pods)
 * that use HTTP attributes, which ztunnel cannot see. ztunnel drops an ALLOW rule with any HTTP
 * attribute (the traffic it allowed is denied) and enforces a DENY rule without its HTTP attributes:
 * a part (`to`, `from` or a `when`) left with nothing to match never matches, so such a rule denies
 * nothing (AMB0001, an error: the requirement is silently gone; istiod only marks the policy
 * ZtunnelAccepted with reason UnsupportedValue and calls it more restrictive); otherwise it denies
 * more than written (AMB0002). CUSTOM is not enforced by ztunnel at all (AMB0001), nor is AUDIT (AMB0002).
 */
export const ztunnelPolicies: RuleDefinition = {
  codes: ['AMB0001', 'AMB0002'],
  run({ manifest }: RuleInput, report: Report) {
    for (const policy of manifest.ofKind('security.istio.io', 'AuthorizationPolicy')) {
      const scope = ztunnelScope(manifest, policy);
      if (!scope) continue;
      const action = policy.json.spec?.action ?? 'ALLOW';
      if (action === 'CUSTOM' || action === 'AUDIT') {
        report({
          code: action === 'CUSTOM' ? 'AMB0001' : 'AMB0002',
          object: policy,
          message: `${scope.where}, and ztunnel does not support action ${action}: ${action === 'CUSTOM'
            ? 'the external authorizer is never asked, every request it should check passes' : 'nothing is audited'}`,
          fix: `attach the ${action} policy to a waypoint (targetRefs: kind Gateway, group gateway.networking.k8s.io) and route the workloads' traffic through it (istio.io/use-waypoint)`,
        });
        continue;
      }
      if (action !== 'ALLOW' && action !== 'DENY') continue;
      const rules = list(policy.json.spec?.rules);
      const views = rules.map(ztunnelView);
      const dropped = views.filter((v) => v.http.length > 0).length;
      views.forEach((v, i) => {
        if (v.http.length === 0) return;
        const attrs = `HTTP attributes (${v.http.join(', ')})`;
        if (action === 'ALLOW') {
          report({
            code: 'AMB0002',
            object: policy,
            message: `rules[${i}] uses ${attrs}, which ztunnel cannot see; ${scope.where}, and drops the whole rule: the traffic it allows is denied` +
              (dropped === rules.length ? ' (no rule of the policy is left, so it allows nothing)' : ''),
            fix: MOVE_TO_WAYPOINT,
          });
        } else if (v.emptyPart) {
          report({
            code: 'AMB0001',
            object: policy,
            message: `DENY rules[${i}] uses ${attrs}, which ztunnel cannot see; ${scope.where} without them, and rules[${i}].${v.emptyPart} is left with ` +
              'nothing to match: the rule never matches and denies nothing',
            fix: `${MOVE_TO_WAYPOINT}; never express a security requirement as an HTTP DENY enforced by ztunnel`,
          });
        } else {
          report({
            code: 'AMB0002',
            object: policy,
            message: `DENY rules[${i}] uses ${attrs}, which ztunnel cannot see; ${scope.where} without them: it denies all traffic its L4 conditions match, more than written`,
            fix: MOVE_TO_WAYPOINT,
          });
        }
      });
    }
  },
};

/** Selector-based policy kinds only a sidecar or gateway proxy applies: [group, kind, selector labels]. */
const PROXY_POLICIES: Array<[string, string, (spec: any) => Record<string, string> | undefined]> = [
  ['security.istio.io', 'RequestAuthentication', (s) => s?.selector?.matchLabels ?? (s?.selector ? {} : undefined)],
  ['telemetry.istio.io', 'Telemetry', (s) => s?.selector?.matchLabels ?? (s?.selector ? {} : undefined)],
  ['extensions.istio.io', 'WasmPlugin', (s) => s?.selector?.matchLabels ?? (s?.selector ? {} : undefined)],
  ['networking.istio.io', 'EnvoyFilter', (s) => s?.workloadSelector?.labels ?? (s?.workloadSelector ? {} : undefined)],
];

/**
 * AMB0006: a RequestAuthentication, Telemetry, WasmPlugin or EnvoyFilter whose selector picks only
 * ambient workloads. Those pods have no Envoy: ztunnel applies none of these, and a waypoint takes
 * policies by targetRefs only, never by selector, so the policy has no effect. Istio has no analyzer
 * for it (it reports IST0167 only for Sidecars).
 */
export const ambientSelectorPolicies: RuleDefinition = {
  codes: ['AMB0006'],
  run({ manifest }: RuleInput, report: Report) {
    for (const [group, kind, selectorOf] of PROXY_POLICIES) {
      for (const policy of manifest.ofKind(group, kind)) {
        const spec = policy.json.spec ?? {};
        const labels = selectorOf(spec);
        if (labels === undefined || spec.targetRef !== undefined || spec.targetRefs !== undefined) continue;
        const selected = selectedWorkloads(manifest, policy.namespace, labels);
        if (selected.length === 0 || !selected.every((w) => inAmbient(w, manifest))) continue;
        report({
          code: 'AMB0006',
          object: policy,
          message: `its selector picks only ambient workloads (${describeWorkloads(selected)}): they run no Envoy, ztunnel does not apply a ${kind}, ` +
            'and a waypoint never applies a selector, so it has no effect',
          fix: kind === 'EnvoyFilter'
            ? 'apply the filter at the waypoint (targetRefs to its Gateway), or run the workloads with a sidecar'
            : 'replace the selector with targetRefs to the waypoint (kind Gateway, group gateway.networking.k8s.io) or to the Service it serves',
        });
      }
    }
  },
};
