/**
 * Follows a request to an ambient pod the way Istio 1.30 carries it, hop by hop, and asks the
 * independent evaluators at each hop: an ambient caller's request to a Service whose namespace (or
 * the Service) is labelled `istio.io/use-waypoint` goes caller -> waypoint (HBONE 15008, L7
 * policies of the Service and the waypoint, Service port) -> pod (HBONE 15008, ztunnel's L4
 * policies, the waypoint's identity, container port); any other request (sidecar callers, calls
 * without a waypoint) goes straight to the pod's ztunnel with the caller's identity.
 */
import { authorizeAmbient } from './authz-evaluator';
import { networkAllows } from './netpol-evaluator';

type Labels = Record<string, string>;

export interface AmbientCaller {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly labels: Labels;
  /** Whether the caller is an ambient pod (else a sidecar or gateway, which never traverses a waypoint). */
  readonly ambient: boolean;
}

export interface AmbientCallee {
  readonly namespace: string;
  readonly labels: Labels;
  readonly service: string;
  readonly servicePort: number;
  readonly containerPort: number;
}

export interface AmbientRequest {
  readonly method?: string;
  readonly path?: string;
  readonly requestPrincipal?: string;
  readonly claims?: Record<string, string>;
}

/** Whether the request arrives, and the hop that refused it. */
export function ambientCall(objects: any[], caller: AmbientCaller, callee: AmbientCallee, request: AmbientRequest = {},
  trustDomain = 'cluster.local'): { allowed: boolean; refusedBy?: string } {
  const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === callee.namespace);
  const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === callee.service && o.metadata.namespace === callee.namespace);
  const waypoint: string | undefined = svc?.metadata?.labels?.['istio.io/use-waypoint'] ?? ns?.metadata?.labels?.['istio.io/use-waypoint'];
  const principal = `${trustDomain}/ns/${caller.namespace}/sa/${caller.serviceAccount}`;
  const pod = { namespace: callee.namespace, labels: callee.labels };
  if (waypoint && waypoint !== 'none' && caller.ambient) {
    const waypointPod = { namespace: callee.namespace, labels: { 'gateway.networking.k8s.io/gateway-name': waypoint } };
    if (!networkAllows(objects, caller, waypointPod, 15008)) return { allowed: false, refusedBy: 'NetworkPolicy caller -> waypoint' };
    const l7 = authorizeAmbient(objects, {
      workload: pod, principal, sourceNamespace: caller.namespace, port: callee.servicePort, ...request,
    }, { waypoint, service: callee.service });
    if (!l7.allowed) return { allowed: false, refusedBy: `waypoint: ${l7.by}` };
    if (!networkAllows(objects, waypointPod, pod, 15008)) return { allowed: false, refusedBy: 'NetworkPolicy waypoint -> pod' };
    const l4 = authorizeAmbient(objects, {
      workload: pod, principal: `${trustDomain}/ns/${callee.namespace}/sa/${waypoint}`, sourceNamespace: callee.namespace, port: callee.containerPort,
    }, { ztunnel: true });
    return l4.allowed ? { allowed: true } : { allowed: false, refusedBy: `ztunnel: ${l4.by}` };
  }
  if (!networkAllows(objects, caller, pod, 15008)) return { allowed: false, refusedBy: 'NetworkPolicy caller -> pod' };
  const l4 = authorizeAmbient(objects, {
    workload: pod, principal, sourceNamespace: caller.namespace, port: callee.containerPort, ...request,
  }, { ztunnel: true });
  return l4.allowed ? { allowed: true } : { allowed: false, refusedBy: `ztunnel: ${l4.by}` };
}
