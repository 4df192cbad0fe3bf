import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { DataPlaneRenderer, RenderHost, renderRuleNetworkPolicy, withPort } from './data-plane-renderer';
import { objectName } from './names';
import { peerPodSelectors } from './peer-pods';
import { mirrorEgress } from './registry';
import { externalCaPeer, ISTIOD_PORTS, MERGED_METRICS_PORT, networkPolicyPeer, networkPolicyPorts, podSelector } from './render';
import { authzRule, InboundRule, tokenRequirementRules } from './rules';
import {
  HBONE_PORT, KUBELET_PROBE_SOURCE, LABEL_DATAPLANE_MODE, LABEL_USE_WAYPOINT, LABEL_WAYPOINT_FOR, needsL7, WAYPOINT_NAME, waypointGatewaySpec,
  waypointPodLabels, waypointTargetRef, waypointTargets,
} from './waypoint';
import { DataPlane } from '../../data-plane';
import { Gateway } from '../../imports/gateway.networking.k8s.io';
import { AuthorizationPolicy, AuthorizationPolicySpecAction, AuthorizationPolicySpecRules } from '../../imports/security.istio.io';

interface DeclaredRule {
  readonly rule: InboundRule;
  readonly base: string;
}

/**
 * Ambient mode. ztunnel enforces L4 only, so each rule is split:
 *
 * - at ztunnel, a selector AuthorizationPolicy with L4 fields only (principals, namespaces,
 *   ports): the peer itself for L4 rules; for rules with L7 conditions, only the waypoint's
 *   identity (the destination's ztunnel sees the waypoint, and a caller that bypasses it, e.g. by
 *   calling a pod IP, must not get in without the L7 check);
 * - when a rule needs L7 (methods, paths, JWT) or the namespace accepts JWTs, a waypoint
 *   (`Gateway` of class `istio-waypoint`), the namespace labelled to use it, and each rule as a
 *   `targetRefs` policy on the Services of its pods, with Service ports (what a waypoint sees);
 *   a token requirement is a DENY there, never on ztunnel (where an L7-only DENY denies nothing);
 * - NetworkPolicies on HBONE (15008), the port every mesh connection to an ambient pod or a
 *   waypoint arrives on, and for kubelet's probes from 169.254.7.127.
 */
export class AmbientRenderer implements DataPlaneRenderer {
  public readonly dataPlane = DataPlane.AMBIENT;
  private readonly rules: DeclaredRule[] = [];
  private waypoint?: ApiObject;

  constructor(private readonly host: RenderHost, private readonly namespaceResource: () => ApiObject) {}

  /** Whether the namespace has a waypoint. */
  public get hasWaypoint(): boolean {
    return this.waypoint !== undefined;
  }

  /** The waypoint's SPIFFE principal: its service account is the Gateway's name. */
  public get waypointPrincipal(): string {
    return `${this.host.mesh.trustDomain}/ns/${this.host.namespace}/sa/${WAYPOINT_NAME}`;
  }

  public namespaceLabels(): { [key: string]: string } {
    return { [LABEL_DATAPLANE_MODE]: 'ambient' };
  }

  public egressPorts(ports: number[]): number[] {
    return withPort(ports, HBONE_PORT);
  }

  /**
   * Ambient pods run no proxy: ztunnel talks to istiod (and the CA) for them, and the waypoint has
   * policies of its own. Kubelet's probes reach them from istio-cni's SNAT address.
   */
  public renderBaseline(): void {
    const h = this.host;
    const name = h.netpolNames.allocate('allow-kubelet-probes');
    new k8s.KubeNetworkPolicy(h.networkPolicies, name, {
      metadata: h.metadata(name),
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: KUBELET_PROBE_SOURCE } }] }] },
    });
  }

  /** No egress lock by host name in ambient mode (ztunnel ignores Sidecars): NetworkPolicies only. */
  public renderEgressLock(): void {}

  public addEgressNamespace(): void {}

  public renderInbound(rule: InboundRule, base: string): void {
    const h = this.host;
    const l7 = needsL7(rule);
    if (l7) this.ensureWaypoint();
    const declared = { rule, base };
    this.rules.push(declared);
    const authzName = h.authzNames.allocate(base);
    new AuthorizationPolicy(h.authorizationPolicies, authzName, {
      metadata: h.metadata(authzName, h.dryRun()),
      spec: Lazy.any({
        produce: () => ({
          selector: rule.target ? { matchLabels: { ...rule.target.labels } } : undefined,
          action: AuthorizationPolicySpecAction.ALLOW,
          rules: [this.ztunnelRule(rule)],
        }),
      }),
    });
    renderRuleNetworkPolicy(h, base, rule.target?.labels, () => ({
      from: [...(l7 ? [] : h.networkPeers(rule.peer)), ...(this.waypoint ? [networkPolicyPeer(h.namespace, waypointPodLabels())] : [])],
      ports: networkPolicyPorts([HBONE_PORT]),
    }));
    if (this.waypoint) this.renderAtWaypoint(declared);
  }

  /**
   * The waypoint, once: the Gateway, the namespace's `istio.io/use-waypoint` label, an allow-nothing
   * policy on the waypoint (a Service without rules admits nobody there either), its
   * NetworkPolicies, and the waypoint policies of the rules declared so far.
   */
  public ensureWaypoint(): void {
    if (this.waypoint) return;
    const h = this.host;
    this.waypoint = new ApiObject(h.scope, 'Waypoint', {
      ...Gateway.GVK,
      metadata: { ...h.metadata(WAYPOINT_NAME), labels: { ...h.metadata(WAYPOINT_NAME).labels, [LABEL_WAYPOINT_FOR]: 'service' } },
      spec: waypointGatewaySpec(),
    });
    this.namespaceResource().metadata.addLabel(LABEL_USE_WAYPOINT, WAYPOINT_NAME);
    const denyAll = h.authzNames.allocate('waypoint-deny-all');
    new AuthorizationPolicy(h.authorizationPolicies, denyAll, {
      metadata: h.metadata(denyAll, h.dryRun()),
      spec: { targetRefs: [waypointTargetRef()] },
    });
    if (h.enforced) this.renderWaypointNetworkPolicies();
    for (const declared of this.rules) this.renderAtWaypoint(declared);
  }

  /** The L4 rule ztunnel enforces at the destination pods. */
  private ztunnelRule(rule: InboundRule): AuthorizationPolicySpecRules {
    const to = rule.ports.length ? [{ operation: { ports: rule.ports.map(String) } }] : undefined;
    const waypoint = { source: { principals: [this.waypointPrincipal] } };
    if (needsL7(rule)) return { from: [waypoint], to };
    const peer = authzRule(rule).from![0];
    return { from: this.waypoint ? [peer, waypoint] : [peer], to };
  }

  /** A rule's ALLOW (and token DENY) at the waypoint, on the Services of its pods; its caller's egress to the waypoint. */
  private renderAtWaypoint({ rule, base }: DeclaredRule): void {
    const h = this.host;
    const targets = () => waypointTargets(h.scope, h.namespace, rule);
    const targetRefs = () => {
      const t = targets();
      // Unresolvable (the synth reports why): attach to the waypoint with no rule, which admits nothing.
      return t.services.length ? t.services.map((name) => ({ group: '', kind: 'Service', name })) : [waypointTargetRef()];
    };
    const atWaypoint = (): InboundRule => ({ ...rule, ports: targets().ports });
    const name = h.authzNames.allocate(objectName('waypoint', base));
    new AuthorizationPolicy(h.authorizationPolicies, name, {
      metadata: h.metadata(name, h.dryRun()),
      spec: Lazy.any({
        produce: () => ({
          targetRefs: targetRefs(),
          action: AuthorizationPolicySpecAction.ALLOW,
          rules: targets().services.length ? [authzRule(atWaypoint())] : [],
        }),
      }),
    });
    if (tokenRequirementRules(rule)) {
      const denyName = h.authzNames.allocate(objectName('waypoint-require-token', base.replace(/^allow-/, '')));
      new AuthorizationPolicy(h.authorizationPolicies, denyName, {
        metadata: h.metadata(denyName, h.dryRun()),
        spec: Lazy.any({
          produce: () => ({
            // Attached like the ALLOW; when unresolvable, to the whole waypoint (it then denies more, never less).
            targetRefs: targetRefs(),
            action: AuthorizationPolicySpecAction.DENY,
            rules: tokenRequirementRules(atWaypoint()),
          }),
        }),
      });
    }
    const peer = rule.peer;
    mirrorEgress(h.scope, peer.namespace, {
      fromPodLabels: peer.podLabels,
      resolveFromPodLabels: peer.podLabels ? undefined : () => singleSelector(peerPodSelectors(h.scope, peer)),
      fromIdentity: peer.description,
      toNamespace: h.namespace,
      toPodLabels: waypointPodLabels(),
      toName: `${h.namespace}-${WAYPOINT_NAME}`,
      ports: [HBONE_PORT],
    });
  }

  /**
   * The waypoint's pods: reached on HBONE by every caller of a rule, reaching the namespace's pods
   * on HBONE, istiod (and an external CA) for configuration and certificates, scraped by
   * Prometheus on 15020.
   */
  private renderWaypointNetworkPolicies(): void {
    const h = this.host;
    const pods = podSelector(waypointPodLabels());
    const netpol = (base: string, spec: () => Record<string, unknown>) => {
      const name = h.netpolNames.allocate(base);
      new k8s.KubeNetworkPolicy(h.networkPolicies, name, { metadata: h.metadata(name), spec: Lazy.any({ produce: spec }) });
    };
    netpol('allow-to-waypoint', () => {
      const callers = dedupe(this.rules.flatMap((r) => h.networkPeers(r.rule.peer)));
      // No rule yet: no ingress rule at all (a rule with no peers would admit everyone).
      return { podSelector: pods, policyTypes: ['Ingress'], ingress: callers.length ? [{ from: callers, ports: networkPolicyPorts([HBONE_PORT]) }] : [] };
    });
    netpol('allow-waypoint-egress', () => {
      const ca = externalCaPeer(h.mesh.caAddress, h.mesh.caPodPort);
      return {
        podSelector: pods,
        policyTypes: ['Egress'],
        egress: [
          { to: [networkPolicyPeer(h.namespace)], ports: networkPolicyPorts([HBONE_PORT]) },
          { to: [networkPolicyPeer(h.mesh.namespace, { app: 'istiod' })], ports: networkPolicyPorts(ISTIOD_PORTS) },
          ...(ca ? [{ to: [ca.peer], ports: networkPolicyPorts([ca.port]) }] : []),
        ],
      };
    });
    const prometheus = h.prometheusPeer;
    if (prometheus) {
      netpol('allow-waypoint-metrics-scrape', () => ({
        podSelector: pods,
        policyTypes: ['Ingress'],
        ingress: [{ from: [networkPolicyPeer(prometheus.namespace, prometheus.podLabels)], ports: networkPolicyPorts([MERGED_METRICS_PORT]) }],
      }));
    }
  }
}

/** One label set, or undefined (the whole namespace) when there are none or several. */
function singleSelector(selectors: { [key: string]: string }[] | undefined): { [key: string]: string } | undefined {
  return selectors?.length === 1 ? selectors[0] : undefined;
}

function dedupe<T>(values: T[]): T[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = JSON.stringify(v);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
