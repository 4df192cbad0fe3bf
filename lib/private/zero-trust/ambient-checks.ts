import { IConstruct } from 'constructs';
import { findZeroTrustNamespace } from './registry';
import { InboundRule } from './rules';
import { needsL7, waypointTargets } from './waypoint';
import { DataPlane } from '../../data-plane';
import { ExternalHost } from '../../external-host';
import type { MeshPeerConfig } from '../../mesh-peer';

/**
 * Why an external host cannot be allowed from an ambient namespace, or undefined. Ambient mode has
 * no per-namespace egress registry (the Sidecar's `REGISTRY_ONLY` is the sidecar's), so the
 * NetworkPolicy is the only lock: a host without addresses would open its port to any address.
 * Egress gateway routing (`via`) is a `mesh` VirtualService, which ambient pods do not apply.
 */
export function ambientUnsupportedHost(host: ExternalHost, via: boolean): string | undefined {
  const what = `'allowEgressTo' ${host.host}:${host.port}`;
  if (via) {
    return `${what} with 'via' has no ambient form: the egress gateway's routing is a VirtualService that sidecars apply and ambient ` +
      'pods do not, so the call would leave straight out; keep the namespace on DataPlane.SIDECAR, or allow the host with its addresses ' +
      'without via';
  }
  if (host.addresses.length === 0) {
    return `${what} has no addresses: under DataPlane.AMBIENT no Sidecar filters egress by host name, so the NetworkPolicy would open ` +
      `port ${host.port} to any address; declare the addresses, e.g. ExternalHost.tcp('${host.host.replace(/^\*\./, '')}', ${host.port}, ` +
      "['203.0.113.10']), or keep the namespace on DataPlane.SIDECAR";
  }
  return undefined;
}

/**
 * Synth-time problems of an ambient namespace's rules: a rule the waypoint cannot attach to its
 * Services exactly, and L7 rules whose caller never passes the waypoint (sidecars and gateways
 * send straight to the pod in Istio 1.30, istio/istio#51445) so ztunnel, which admits only the
 * waypoint for them, refuses every request.
 */
export function ambientRuleProblems(scope: IConstruct, namespace: string, rules: readonly InboundRule[], hasWaypoint: boolean,
  isIngressGateway: (peer: MeshPeerConfig) => boolean): string[] {
  const errors: string[] = [];
  for (const rule of rules) {
    const what = `'allowFrom' ${rule.peer.description} -> ${namespace}/${rule.target?.description ?? '*'}`;
    const l7 = needsL7(rule);
    if (hasWaypoint) {
      const { problem, services } = waypointTargets(scope, namespace, rule);
      // An L4 rule's pods without a Service are reached on their own addresses, through ztunnel only: nothing to attach.
      if (problem && (l7 || services.length === 0 && !problem.startsWith('no Service'))) {
        errors.push(`${what}: the waypoint enforces this rule for traffic sent to Services, but ${problem}`);
      }
    }
    if (!l7) continue;
    const fix = 'drop its methods, paths, requestPrincipals and requiredClaims (ztunnel then enforces it at L4)';
    const caller = findZeroTrustNamespace(scope, rule.peer.namespace);
    if (caller?.dataPlane === DataPlane.SIDECAR) {
      errors.push(`${what} has L7 conditions, which the waypoint of ambient namespace "${namespace}" enforces, but "${rule.peer.namespace}" ` +
        'runs sidecars, and sidecar callers do not traverse waypoints in Istio 1.30 (istio/istio#51445): ztunnel, which admits only the ' +
        `waypoint for this rule, would refuse every request; move "${rule.peer.namespace}" to DataPlane.AMBIENT first, or ${fix}`);
    } else if (isIngressGateway(rule.peer)) {
      errors.push(`${what} has L7 conditions, which the waypoint of ambient namespace "${namespace}" enforces, but the ingress gateway ` +
        'sends straight to the pods without passing the waypoint: ztunnel, which admits only the waypoint for this rule, would refuse ' +
        `every request; check the conditions at the gateway's routes and ${fix}`);
    }
  }
  return [...new Set(errors)];
}
