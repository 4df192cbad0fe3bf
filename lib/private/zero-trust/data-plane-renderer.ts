import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NameAllocator } from './names';
import { podSelector } from './render';
import { InboundRule } from './rules';
import type { DataPlane } from '../../data-plane';
import type { IMeshInstallation } from '../../mesh-installation';
import type { MeshPeerConfig } from '../../mesh-peer';

/** What a renderer needs from its `ZeroTrustNamespace`: where objects go, how they are named. */
export interface RenderHost {
  /** The ZeroTrustNamespace (scope of validations and mirrored egress). */
  readonly scope: Construct;
  readonly namespace: string;
  readonly mesh: IMeshInstallation;
  /** Whether NetworkPolicies are rendered (not a dry run). */
  readonly enforced: boolean;
  readonly authorizationPolicies: Construct;
  readonly networkPolicies: Construct;
  readonly authzNames: NameAllocator;
  readonly netpolNames: NameAllocator;
  /** Who scrapes metrics, when the namespace allows it. */
  readonly prometheusPeer?: MeshPeerConfig;
  metadata(name: string, annotations?: { [key: string]: string }): any;
  /** The dry-run annotation in audit mode. */
  dryRun(): { [key: string]: string } | undefined;
  /** NetworkPolicy peers for a mesh peer (resolved at synthesis). */
  networkPeers(peer: MeshPeerConfig): k8s.NetworkPolicyPeer[];
}

/**
 * The objects one data plane renders for the intent of a zero-trust namespace. The intent (rules,
 * exceptions, hosts) is kept by `ZeroTrustNamespace`; what differs between sidecars and ambient
 * mode is here.
 */
export interface DataPlaneRenderer {
  readonly dataPlane: DataPlane;
  /** Labels that enrol the Namespace in this data plane. */
  namespaceLabels(): { [key: string]: string };
  /**
   * The NetworkPolicies every pod of the namespace needs on this data plane, next to
   * `default-deny` and `allow-dns` (enforced namespaces only).
   */
  renderBaseline(): void;
  /** The per-namespace egress lock, if the data plane has one (after the baseline). */
  renderEgressLock(): void;
  /** A namespace the workloads may now reach (`allowTo`, mirrored egress): a host of the egress lock. */
  addEgressNamespace(namespace: string): void;
  /** The AuthorizationPolicies and ingress NetworkPolicy of one `allowFrom` rule (`base`: its object name). */
  renderInbound(rule: InboundRule, base: string): void;
  /**
   * Ports of an egress NetworkPolicy from this namespace to pods that listen on `ports`:
   * `toHbone` when the callee is an ambient pod (reached over HBONE, port 15008).
   */
  egressPorts(ports: number[], toHbone: boolean): number[];
}

/** `ports` plus the HBONE port, sorted; empty (any port) stays empty. */
export function withPort(ports: number[], port: number): number[] {
  if (ports.length === 0) return [];
  return [...new Set([...ports, port])].sort((a, b) => a - b);
}

/**
 * The ingress NetworkPolicy of one inbound rule, in an enforced namespace: the rule's pods (every pod
 * without a target), one ingress rule computed at synthesis (peers resolved against the whole app).
 */
export function renderRuleNetworkPolicy(h: RenderHost, base: string, labels: { [key: string]: string } | undefined,
  ingress: () => k8s.NetworkPolicyIngressRule): void {
  if (!h.enforced) return;
  const name = h.netpolNames.allocate(base);
  new k8s.KubeNetworkPolicy(h.networkPolicies, name, {
    metadata: h.metadata(name),
    spec: Lazy.any({ produce: () => ({ podSelector: podSelector(labels), policyTypes: ['Ingress'], ingress: [ingress()] }) }),
  });
}
