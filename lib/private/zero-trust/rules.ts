import { ApiObject } from 'cdk8s';
import type { AuthorizationPolicySpecRules } from '../../imports/security.istio.io';
import type { MeshPeerConfig } from '../../mesh-peer';
import type { MtlsMode } from '../../mtls';
import type { WorkloadSelectorConfig } from '../../workload-selector';

/** An allow rule as declared, resolved. */
export interface InboundRule {
  readonly peer: MeshPeerConfig;
  readonly target?: WorkloadSelectorConfig;
  readonly ports: number[];
  readonly methods: string[];
  readonly paths: string[];
  readonly requestPrincipals: string[];
  readonly requiredClaims: { [claim: string]: string };
}

export interface OutboundRule {
  readonly peer: MeshPeerConfig;
  readonly from?: WorkloadSelectorConfig;
  readonly ports: number[];
}

export interface ExceptionEntry {
  readonly port: number;
  readonly mode: MtlsMode;
  readonly reason: string;
  readonly callers: MeshPeerConfig[];
}

export interface ExceptionGroup {
  readonly selector: WorkloadSelectorConfig;
  readonly entries: ExceptionEntry[];
  /** The group's PeerAuthentication, which records each entry's reason as an annotation. */
  peerAuthentication?: ApiObject;
}

/** The ALLOW rule of an inbound rule: the peer's identity, the operations, the required claims. */
export function authzRule(rule: InboundRule): AuthorizationPolicySpecRules {
  const source = {
    principals: rule.peer.principals ? [...rule.peer.principals] : undefined,
    namespaces: rule.peer.principals ? undefined : [rule.peer.namespace],
    requestPrincipals: rule.requestPrincipals.length ? [...rule.requestPrincipals] : undefined,
  };
  const operation = {
    ports: rule.ports.length ? rule.ports.map(String) : undefined,
    methods: rule.methods.length ? [...rule.methods] : undefined,
    paths: rule.paths.length ? [...rule.paths] : undefined,
  };
  const hasOperation = Object.values(operation).some((v) => v !== undefined);
  const when = Object.entries(rule.requiredClaims).sort().map(([claim, value]) => ({ key: `request.auth.claims[${claim}]`, values: [value] }));
  return { from: [{ source }], to: hasOperation ? [{ operation }] : undefined, when: when.length ? when : undefined };
}

/**
 * The DENY rules that make a rule's token requirement hold whatever other ALLOW rules say: the
 * peer's requests to the rule's operations without one of its request principals, or without the
 * required value of a claim. Undefined when the rule requires no token.
 */
export function tokenRequirementRules(rule: InboundRule): AuthorizationPolicySpecRules[] | undefined {
  const claims = Object.entries(rule.requiredClaims).sort(([a], [b]) => a.localeCompare(b));
  if (rule.requestPrincipals.length === 0 && claims.length === 0) return undefined;
  const allow = authzRule(rule);
  const peer = { principals: allow.from![0].source!.principals, namespaces: allow.from![0].source!.namespaces };
  const to = allow.to;
  const rules: AuthorizationPolicySpecRules[] = [];
  // No token, or a token of another principal.
  rules.push({ from: [{ source: { ...peer, notRequestPrincipals: rule.requestPrincipals.length ? [...rule.requestPrincipals] : ['*'] } }], to });
  // A token without the required value of a claim.
  for (const [claim, value] of claims) {
    rules.push({ from: [{ source: peer }], to, when: [{ key: `request.auth.claims[${claim}]`, notValues: [value] }] });
  }
  return rules;
}
