import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { DataPlaneRenderer, RenderHost, withPort } from './data-plane-renderer';
import { objectName } from './names';
import { findZeroTrustNamespace } from './registry';
import { networkPolicyPorts, podSelector } from './render';
import { authzRule, InboundRule, tokenRequirementRules } from './rules';
import { HBONE_PORT } from './waypoint';
import { DataPlane } from '../../data-plane';
import { AuthorizationPolicy, AuthorizationPolicySpecAction } from '../../imports/security.istio.io';

/**
 * Sidecar mode: every rule, L4 and L7, is one selector AuthorizationPolicy enforced by the called
 * pod's Envoy, plus an ingress NetworkPolicy on the rule's ports.
 */
export class SidecarRenderer implements DataPlaneRenderer {
  public readonly dataPlane = DataPlane.SIDECAR;

  constructor(private readonly host: RenderHost) {}

  public namespaceLabels(): { [key: string]: string } {
    return { ...this.host.mesh.injectionLabels };
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

    if (h.enforced) {
      const netpolName = h.netpolNames.allocate(base);
      new k8s.KubeNetworkPolicy(h.networkPolicies, netpolName, {
        metadata: h.metadata(netpolName),
        spec: Lazy.any({
          produce: () => ({
            podSelector: podSelector(target?.labels),
            policyTypes: ['Ingress'],
            // An ambient caller's ztunnel reaches a sidecar over HBONE (15008).
            ingress: [{
              from: h.networkPeers(rule.peer),
              ports: networkPolicyPorts(this.callerIsAmbient(rule) ? withPort(rule.ports, HBONE_PORT) : rule.ports),
            }],
          }),
        }),
      });
    }
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
