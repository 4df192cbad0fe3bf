/**
 * Decides, as Istio does, whether a request reaches a workload under the AuthorizationPolicies of
 * a synthesized app: any matching DENY refuses it; with ALLOW policies on the workload one of them
 * must match; without any, it is allowed. Independent of the library's own model, for tests of
 * who can call whom.
 *
 * @see https://istio.io/latest/docs/concepts/security/#implicit-enablement
 */

/** The request and the workload it is sent to. */
export interface AuthzRequest {
  /** Namespace and pod labels of the called workload. */
  readonly workload: { readonly namespace: string; readonly labels: Record<string, string> };
  /** The caller's SPIFFE principal (`cluster.local/ns/<ns>/sa/<sa>`) and namespace; none for plaintext. */
  readonly principal?: string;
  readonly sourceNamespace?: string;
  /** `<issuer>/<subject>` of a validated end-user token, if any, and its claims. */
  readonly requestPrincipal?: string;
  readonly claims?: Record<string, string>;
  readonly port: number;
  readonly method?: string;
  readonly path?: string;
}

type Json = Record<string, any>;

/** Istio's string match: exact, `prefix*`, `*suffix` or `*`. */
function matches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

/** A field with its `not` counterpart: the positive list must match, the negative one must not. */
function field(positive: string[] | undefined, negative: string[] | undefined, value: string | undefined): boolean {
  if (positive && !positive.some((p) => matches(p, value))) return false;
  if (negative && negative.some((p) => matches(p, value))) return false;
  return true;
}

function sourceMatches(s: Json, r: AuthzRequest): boolean {
  return field(s.principals, s.notPrincipals, r.principal)
    && field(s.namespaces, s.notNamespaces, r.sourceNamespace)
    && field(s.requestPrincipals, s.notRequestPrincipals, r.requestPrincipal);
}

function operationMatches(o: Json, r: AuthzRequest): boolean {
  return field(o.ports, o.notPorts, String(r.port))
    && field(o.methods, o.notMethods, r.method ?? 'GET')
    && field(o.paths, o.notPaths, r.path ?? '/');
}

function conditionMatches(c: Json, r: AuthzRequest): boolean {
  const claim = /^request\.auth\.claims\[(.+)\]$/.exec(c.key);
  if (!claim) throw new Error(`authz-evaluator: condition key ${c.key} is not modelled`);
  return field(c.values, c.notValues, r.claims?.[claim[1]]);
}

function ruleMatches(rule: Json, r: AuthzRequest): boolean {
  const from = rule.from as Json[] | undefined;
  const to = rule.to as Json[] | undefined;
  const when = rule.when as Json[] | undefined;
  return (!from || from.some((f) => sourceMatches(f.source ?? {}, r)))
    && (!to || to.some((t) => operationMatches(t.operation ?? {}, r)))
    && (!when || when.every((c) => conditionMatches(c, r)));
}

/** The policies that apply to the workload: its namespace's, with a selector that selects its pods or none. */
function applicable(objects: readonly unknown[], r: AuthzRequest): Json[] {
  return (objects as Json[]).filter((o) => o?.kind === 'AuthorizationPolicy' && o.metadata?.namespace === r.workload.namespace
    && Object.entries(o.spec?.selector?.matchLabels ?? {}).every(([k, v]) => r.workload.labels[k] === v));
}

/** Whether Istio lets the request through, and which policy decided. */
export function authorize(objects: readonly unknown[], r: AuthzRequest): { allowed: boolean; by?: string } {
  const policies = applicable(objects, r);
  const deny = policies.find((p) => p.spec.action === 'DENY' && (p.spec.rules ?? []).some((rule: Json) => ruleMatches(rule, r)));
  if (deny) return { allowed: false, by: `DENY ${deny.metadata.name}` };
  const allows = policies.filter((p) => (p.spec.action ?? 'ALLOW') === 'ALLOW');
  if (allows.length === 0) return { allowed: true };
  const allow = allows.find((p) => (p.spec.rules ?? []).some((rule: Json) => ruleMatches(rule, r)));
  return allow ? { allowed: true, by: `ALLOW ${allow.metadata.name}` } : { allowed: false, by: 'no ALLOW rule matches' };
}

/**
 * Where a request is decided in ambient mode: the destination pod's ztunnel (L4 only), or the
 * waypoint a Service's traffic passes (full L7, `targetRefs` policies of that Service or of the
 * waypoint Gateway).
 */
export type AmbientEnforcer = { readonly ztunnel: true } | { readonly waypoint: string; readonly service: string };

const L7_SOURCE = ['requestPrincipals', 'notRequestPrincipals'];
const L7_OPERATION = ['methods', 'notMethods', 'paths', 'notPaths', 'hosts', 'notHosts'];

/**
 * A rule as ztunnel enforces it (ztunnel `src/rbac.rs`, istiod's ambient conversion): L7 fields
 * are dropped; an ALLOW rule with any L7 field matches nothing; in a DENY rule, a source or
 * operation left with only L7 fields never matches, so the rule denies nothing through it.
 */
function ztunnelRuleMatches(rule: Json, action: string, r: AuthzRequest): boolean {
  const from = rule.from as Json[] | undefined;
  const to = rule.to as Json[] | undefined;
  const when = rule.when as Json[] | undefined;
  const hasL7 = (o: Json | undefined, keys: string[]) => keys.some((k) => o?.[k] !== undefined);
  const l7 = (from ?? []).some((f) => hasL7(f.source, L7_SOURCE)) || (to ?? []).some((t) => hasL7(t.operation, L7_OPERATION))
    || (when ?? []).some((c) => c.key.startsWith('request.'));
  if (l7 && action === 'ALLOW') return false;
  const strip = (o: Json | undefined, keys: string[]) => Object.fromEntries(Object.entries(o ?? {}).filter(([k]) => !keys.includes(k)));
  const onlyL7 = (o: Json | undefined, keys: string[]) => hasL7(o, keys) && Object.keys(strip(o, keys)).length === 0;
  const fromOk = !from || from.some((f) => !onlyL7(f.source, L7_SOURCE) && sourceMatches(strip(f.source, L7_SOURCE), r));
  const toOk = !to || to.some((t) => !onlyL7(t.operation, L7_OPERATION) && operationMatches({ ...strip(t.operation, L7_OPERATION) }, r));
  const whenOk = !when || when.every((c) => !c.key.startsWith('request.') && conditionMatches(c, r));
  return fromOk && toOk && whenOk;
}

/** Whether the ambient data plane lets the request through at `at`, and which policy decided. */
export function authorizeAmbient(objects: readonly unknown[], r: AuthzRequest, at: AmbientEnforcer): { allowed: boolean; by?: string } {
  const inNamespace = (objects as Json[]).filter((o) => o?.kind === 'AuthorizationPolicy' && o.metadata?.namespace === r.workload.namespace);
  const targets = (o: Json) => [...(o.spec?.targetRefs ?? []), ...(o.spec?.targetRef ? [o.spec.targetRef] : [])] as Json[];
  let policies: Json[];
  let ruleDecides: (rule: Json, action: string) => boolean;
  if ('ztunnel' in at) {
    policies = inNamespace.filter((o) => targets(o).length === 0
      && Object.entries(o.spec?.selector?.matchLabels ?? {}).every(([k, v]) => r.workload.labels[k] === v));
    ruleDecides = (rule, action) => ztunnelRuleMatches(rule, action, r);
  } else {
    policies = inNamespace.filter((o) => targets(o).some((t) =>
      (t.kind === 'Service' && (t.group ?? '') === '' && t.name === at.service)
      || (t.kind === 'Gateway' && t.group === 'gateway.networking.k8s.io' && t.name === at.waypoint)));
    ruleDecides = (rule) => ruleMatches(rule, r);
  }
  const deny = policies.find((p) => p.spec.action === 'DENY' && (p.spec.rules ?? []).some((rule: Json) => ruleDecides(rule, 'DENY')));
  if (deny) return { allowed: false, by: `DENY ${deny.metadata.name}` };
  const allows = policies.filter((p) => (p.spec.action ?? 'ALLOW') === 'ALLOW');
  if (allows.length === 0) return { allowed: true };
  const allow = allows.find((p) => (p.spec.rules ?? []).some((rule: Json) => ruleDecides(rule, 'ALLOW')));
  return allow ? { allowed: true, by: `ALLOW ${allow.metadata.name}` } : { allowed: false, by: 'no ALLOW rule matches' };
}
