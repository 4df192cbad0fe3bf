import { IConstruct } from 'constructs';
import { AppService, podsSelectedBy, servicesIn } from './app-pods';
import { targetPortOf } from './peer-pods';
import { InboundRule } from './rules';
import { selects } from '../analyzer/model';

type Labels = { [key: string]: string };

/** Namespace (or pod) label that enrols workloads in ambient mode. */
export const LABEL_DATAPLANE_MODE = 'istio.io/dataplane-mode';
/** Namespace/Service/pod label that sends the traffic of its Services through a waypoint. */
export const LABEL_USE_WAYPOINT = 'istio.io/use-waypoint';
/** Gateway label: which traffic the waypoint serves (`service`, `workload`, `all`, `none`). */
export const LABEL_WAYPOINT_FOR = 'istio.io/waypoint-for';
/** Label istiod's deployment controller puts on a Gateway's pods: the Gateway's name. */
export const LABEL_GATEWAY_NAME = 'gateway.networking.k8s.io/gateway-name';
/** The Gateway API group: policies must name it in `targetRefs` to attach to a Gateway. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** Name of the namespace's waypoint Gateway, and so of its service account (its identity). */
export const WAYPOINT_NAME = 'waypoint';
/** HBONE: ambient traffic between mesh endpoints and waypoints is tunnelled to this port, on both legs. */
export const HBONE_PORT = 15008;
/** The address kubelet probes of ambient pods come from (istio-cni SNATs them). */
export const KUBELET_PROBE_SOURCE = '169.254.7.127/32';

/** Pod labels of the namespace's waypoint. */
export function waypointPodLabels(): Labels {
  return { [LABEL_GATEWAY_NAME]: WAYPOINT_NAME };
}

/** The waypoint `Gateway` spec, as `istioctl waypoint generate --for service` writes it. */
export function waypointGatewaySpec(): Record<string, unknown> {
  return {
    gatewayClassName: 'istio-waypoint',
    listeners: [{ name: 'mesh', port: HBONE_PORT, protocol: 'HBONE' }],
  };
}

/** A `targetRefs` entry naming the namespace's waypoint. */
export function waypointTargetRef(): { group: string; kind: string; name: string } {
  return { group: GATEWAY_API_GROUP, kind: 'Gateway', name: WAYPOINT_NAME };
}

/** Whether a rule needs L7 (HTTP methods, paths, end-user JWT or its claims): ztunnel cannot enforce it. */
export function needsL7(rule: InboundRule): boolean {
  return rule.methods.length > 0 || rule.paths.length > 0 || rule.requestPrincipals.length > 0 || Object.keys(rule.requiredClaims).length > 0;
}

/** The Services a waypoint policy of a rule attaches to, with the rule's ports as Service ports. */
export interface WaypointTargets {
  /** Names of the Services of the namespace that send to the rule's pods, sorted. */
  readonly services: string[];
  /** The rule's container ports as the Services' ports (the port a waypoint sees); empty = any port. */
  readonly ports: number[];
  /** Why the rule cannot be attached exactly (no Service, or a Service port that would admit more). */
  readonly problem?: string;
}

/**
 * The Services that carry a rule's traffic to its pods through the waypoint, and the rule's
 * container ports translated to Service ports (at a waypoint, `destination.port` is the Service
 * port). One policy lists every Service with one port list, so a Service port in that list must
 * reach one of the rule's container ports on every listed Service; otherwise the policy would
 * admit more than the rule declares, and `problem` says so.
 */
export function waypointTargets(scope: IConstruct, namespace: string, rule: InboundRule): WaypointTargets {
  const pods = podsSelectedBy(scope, namespace, rule.target?.labels);
  const serving = servicesIn(scope, namespace)
    .filter((s) => s.selector && Object.keys(s.selector).length > 0 && pods.some((p) => selects(s.selector, p.podLabels)));
  const target = `${namespace}/${rule.target?.description ?? '*'}`;
  if (serving.length === 0) {
    return {
      services: [],
      ports: [],
      problem: `no Service of this app in namespace "${namespace}" selects the pods of ${target}, and a waypoint only sees traffic sent to ` +
        'a Service; declare the Service of those pods in the app',
    };
  }
  // A waypoint policy attaches to a whole Service: every pod behind it must be one the rule covers.
  for (const s of serving) {
    const others = podsSelectedBy(scope, namespace, s.selector).filter((p) => !pods.includes(p));
    if (others.length > 0) {
      return {
        services: [],
        ports: [],
        problem: `Service "${s.name}" also sends to ${others.map((p) => p.description).join(', ')}, which ${target} does not cover, and a ` +
          'waypoint policy attaches to a whole Service: it would admit the caller there too; select every pod of the Service in `to`, ' +
          'or give those workloads a Service of their own',
      };
    }
  }
  if (rule.ports.length === 0) return { services: serving.map((s) => s.name).sort(), ports: [] };
  const mapped = serving.map((s) => ({ service: s, ports: s.ports.filter((p) => reaches(p, s, rule.ports, pods)).map((p) => p.port) }))
    .filter((m) => m.ports.length > 0);
  if (mapped.length === 0) {
    return {
      services: [],
      ports: [],
      problem: `no Service of this app in namespace "${namespace}" sends to port ${rule.ports.join(', ')} of ${target}, and a waypoint only ` +
        'sees traffic sent to a Service; declare a Service port with that targetPort',
    };
  }
  const ports = [...new Set(mapped.flatMap((m) => m.ports))].sort((a, b) => a - b);
  for (const m of mapped) {
    const wider = m.service.ports.filter((p) => ports.includes(p.port) && !reaches(p, m.service, rule.ports, pods));
    if (wider.length > 0) {
      return {
        services: [],
        ports: [],
        problem: `Service "${m.service.name}" port ${wider.map((p) => p.port).join(', ')} does not send to port ${rule.ports.join(', ')} of ` +
          `${target}, but another Service's port of that number does: one waypoint policy for both would admit more than declared; ` +
          'give each workload its own rule (allowFrom with `to`)',
      };
    }
  }
  return { services: mapped.map((m) => m.service.name).sort(), ports };
}

function reaches(port: AppService['ports'][number], _service: AppService, containerPorts: number[], pods: ReturnType<typeof podsSelectedBy>): boolean {
  const target = targetPortOf(port.targetPort, port.port, pods);
  return target !== undefined && containerPorts.includes(target);
}
