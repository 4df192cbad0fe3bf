import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { DataPlaneRenderer, RenderHost, renderRuleNetworkPolicy, withPort } from './data-plane-renderer';
import { objectName } from './names';
import { findZeroTrustNamespace } from './registry';
import { externalCaPeer, ISTIOD_PORTS, MERGED_METRICS_PORT, networkPolicyPeer, networkPolicyPorts } from './render';
import { authzRule, InboundRule, tokenRequirementRules } from './rules';
import { HBONE_PORT } from './waypoint';
import { DataPlane } from '../../data-plane';
import { Sidecar, SidecarSpecOutboundTrafficPolicyMode } from '../../imports/networking.istio.io';
import { AuthorizationPolicy, AuthorizationPolicySpecAction } from '../../imports/security.istio.io';

/**
 * Sidecar mode: every rule, L4 and L7, is one selector AuthorizationPolicy enforced by the called
 * pod's Envoy, plus an ingress NetworkPolicy on the rule's ports.
 */
export class SidecarRenderer implements DataPlaneRenderer {
  public readonly dataPlane = DataPlane.SIDECAR;
  /** Egress hosts of the namespace's Sidecar. */
  private readonly sidecarHosts = new Set<string>();

  constructor(private readonly host: RenderHost) {}

  public namespaceLabels(): { [key: string]: string } {
    return { ...this.host.mesh.injectionLabels };
  }

  /** Every sidecar reaches istiod (or the external CA) for configuration and certificates, and serves merged metrics on 15020. */
  public renderBaseline(): void {
    const h = this.host;
    const netpol = (name: string, spec: k8s.NetworkPolicySpec) =>
      new k8s.KubeNetworkPolicy(h.networkPolicies, h.netpolNames.allocate(name), { metadata: h.metadata(name), spec });
    netpol('allow-istiod', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [networkPolicyPeer(h.mesh.namespace, { app: 'istiod' })], ports: networkPolicyPorts(ISTIOD_PORTS) }],
    });
    // With an external CA (istio-csr) proxies ask it, not istiod, for their certificates.
    const ca = externalCaPeer(h.mesh.caAddress, h.mesh.caPodPort);
    if (ca) netpol('allow-ca', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [ca.peer], ports: networkPolicyPorts([ca.port]) }] });
    const prometheus = h.prometheusPeer;
    if (prometheus) {
      netpol('allow-metrics-scrape', {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [networkPolicyPeer(prometheus.namespace, prometheus.podLabels)], ports: networkPolicyPorts([MERGED_METRICS_PORT]) }],
      });
    }
  }

  /** Sidecar `default`: `REGISTRY_ONLY`, egress hosts `./*`, the mesh namespace and the namespaces the workloads may reach. */
  public renderEgressLock(): void {
    const h = this.host;
    if (!h.enforced) return;
    this.sidecarHosts.add('./*');
    this.sidecarHosts.add(`${h.mesh.namespace}/*`);
    new Sidecar(h.scope, 'Sidecar', {
      metadata: h.metadata('default'),
      spec: Lazy.any({
        produce: () => ({
          egress: [{ hosts: [...this.sidecarHosts].sort(sidecarHostOrder) }],
          outboundTrafficPolicy: { mode: SidecarSpecOutboundTrafficPolicyMode.REGISTRY_UNDERSCORE_ONLY },
        }),
      }),
    });
  }

  public addEgressNamespace(namespace: string): void {
    if (namespace !== this.host.namespace) this.sidecarHosts.add(`${namespace}/*`);
  }

  public renderInbound(rule: InboundRule, base: string): void {
    const h = this.host;
    const target = rule.target;
    const authzName = h.authzNames.allocate(base);
    new AuthorizationPolicy(h.authorizationPolicies, authzName, {
      metadata: h.metadata(authzName, h.dryRun()),
      spec: {
        selector: target ? { matchLabels: { ...target.labels } } : undefined,
        action: AuthorizationPolicySpecAction.ALLOW,
        rules: [authzRule(rule)],
      },
    });
    this.renderTokenRequirement(rule, base);

    // An ambient caller's ztunnel reaches a sidecar over HBONE (15008).
    renderRuleNetworkPolicy(h, base, target?.labels, () => ({
      from: h.networkPeers(rule.peer),
      ports: networkPolicyPorts(this.callerIsAmbient(rule) ? withPort(rule.ports, HBONE_PORT) : rule.ports),
    }));
  }

  public egressPorts(ports: number[], toHbone: boolean): number[] {
    return toHbone ? withPort(ports, HBONE_PORT) : ports;
  }

  private callerIsAmbient(rule: InboundRule): boolean {
    return findZeroTrustNamespace(this.host.scope, rule.peer.namespace)?.dataPlane === DataPlane.AMBIENT;
  }

  /**
   * A token requirement no other rule can undo: ALLOW rules are OR-ed, so a broader allowFrom for
   * the same peer would let these requests through without a token. A DENY policy (evaluated
   * before every ALLOW) refuses the peer's requests to these operations unless they carry one of
   * the request principals and the required claims, as Istio recommends for mandatory checks.
   * It covers exactly this rule's peer, workloads, ports, methods and paths: nothing wider.
   */
  private renderTokenRequirement(rule: InboundRule, base: string): void {
    const rules = tokenRequirementRules(rule);
    if (!rules) return;
    const h = this.host;
    const name = h.authzNames.allocate(objectName('require-token', base.replace(/^allow-/, '')));
    new AuthorizationPolicy(h.authorizationPolicies, name, {
      metadata: h.metadata(name, h.dryRun()),
      spec: {
        selector: rule.target ? { matchLabels: { ...rule.target.labels } } : undefined,
        action: AuthorizationPolicySpecAction.DENY,
        rules,
      },
    });
  }
}

/** `./*` first, then the mesh and peer namespaces, then external hosts, each alphabetically. */
function sidecarHostOrder(a: string, b: string): number {
  const rank = (h: string) => (h === './*' ? 0 : h.endsWith('/*') ? 1 : 2);
  return rank(a) - rank(b) || a.localeCompare(b);
}
