import { list } from './gateway-api';
import { GATEWAY_API, Manifest, ManifestObject, selects, Workload } from './model';

/**
 * Ambient mode as Istio 1.30 decides it for the app's objects: which namespaces and workloads ztunnel
 * captures, and which waypoint an `istio.io/use-waypoint` label names
 * (pilot/pkg/serviceregistry/ambient, pkg/config/analysis/analyzers/util/in_mesh.go).
 */

export const DATAPLANE_MODE = 'istio.io/dataplane-mode';
export const USE_WAYPOINT = 'istio.io/use-waypoint';
export const USE_WAYPOINT_NAMESPACE = 'istio.io/use-waypoint-namespace';
export const WAYPOINT_FOR = 'istio.io/waypoint-for';
/** The annotation istio-cni writes on a pod it captured for ztunnel. */
export const AMBIENT_REDIRECTION = 'ambient.istio.io/redirection';

/**
 * Whether Istio's analyzers take the namespace for ambient (NamespaceInAmbientMode): labelled
 * `istio.io/dataplane-mode: ambient` and neither `istio-injection: enabled` nor a revision label.
 */
export function namespaceInAmbientMode(ns: ManifestObject | undefined): boolean {
  if (!ns) return false;
  if (ns.labels['istio-injection'] === 'enabled') return false;
  if ((ns.labels['istio.io/rev'] ?? '') !== '') return false;
  return ns.labels[DATAPLANE_MODE] === 'ambient';
}

/** Whether the pods get a sidecar: an istio-proxy container, the pod's inject label/annotation, or the namespace's injection label. */
function sidecarInjected(w: Workload, ns: ManifestObject | undefined): boolean {
  if (list(w.podSpec.containers).some((c: any) => c?.name === 'istio-proxy')) return true;
  const inject = w.podLabels['sidecar.istio.io/inject'] ?? w.podAnnotations['sidecar.istio.io/inject'];
  if (inject !== undefined) return inject === 'true';
  return ns !== undefined && (ns.labels['istio-injection'] === 'enabled' || (ns.labels['istio.io/rev'] ?? '') !== '');
}

/**
 * Whether ztunnel captures the workload's pods: a Pod istio-cni already annotated
 * (`ambient.istio.io/redirection: enabled`), or pods labelled `istio.io/dataplane-mode: ambient`, or
 * in a namespace of the app so labelled without opting out (`none`); never pods with a sidecar, on
 * the host network, or istiod's waypoints.
 */
export function inAmbient(w: Workload, m: Manifest): boolean {
  if (w.object.kind === 'Pod' && w.podAnnotations[AMBIENT_REDIRECTION] === 'enabled') return true;
  if (w.podSpec.hostNetwork === true) return false;
  if (w.podLabels['gateway.istio.io/managed'] === 'istio.io-mesh-controller') return false;
  const ns = m.namespaceObjects.get(w.namespace);
  if (sidecarInjected(w, ns)) return false;
  const mode = w.podLabels[DATAPLANE_MODE];
  if (mode !== undefined) return mode === 'ambient';
  return ns?.labels[DATAPLANE_MODE] === 'ambient';
}

/** The app's workloads a `matchLabels` selector in `namespace` picks (the root namespace picks across all namespaces). */
export function selectedWorkloads(m: Manifest, namespace: string, labels: Record<string, string> | undefined): Workload[] {
  const candidates = namespace === m.mesh.rootNamespace ? m.workloads : m.workloadsByNamespace.get(namespace) ?? [];
  return candidates.filter((w) => selects(labels, w.podLabels));
}

/** `Deployment shop/reviews, Deployment shop/ratings` (at most three, then a count). */
export function describeWorkloads(ws: Workload[]): string {
  const refs = ws.map((w) => w.object.ref);
  return refs.length <= 3 ? refs.join(', ') : `${refs.slice(0, 3).join(', ')} and ${refs.length - 3} more`;
}

/** A waypoint an object asks for with `istio.io/use-waypoint`. */
export interface WaypointRequest {
  readonly name: string;
  readonly namespace: string;
}

/** The waypoint named by an object's labels; undefined without the label or with `none` (opted out). */
export function useWaypoint(labels: Record<string, string>, ownNamespace: string): WaypointRequest | undefined {
  const name = labels[USE_WAYPOINT];
  if (name === undefined || name === 'none') return undefined;
  return { name, namespace: labels[USE_WAYPOINT_NAMESPACE] ?? ownNamespace };
}

/** The traffic a waypoint Gateway accepts: its `istio.io/waypoint-for` label, its GatewayClass's, or `service`. */
export function waypointTrafficType(m: Manifest, gateway: ManifestObject): string {
  const own = gateway.labels[WAYPOINT_FOR];
  if (own !== undefined) return own;
  const cls = m.ofKind(GATEWAY_API, 'GatewayClass').find((c) => c.name === gateway.json.spec?.gatewayClassName);
  return cls?.labels[WAYPOINT_FOR] ?? 'service';
}

/**
 * The listener whose `allowedRoutes` decide which namespaces may use a waypoint: the HBONE listener
 * on 15008; without one Istio admits the waypoint's own namespace only (an empty listener, `Same`).
 */
export function waypointListener(gateway: ManifestObject): any {
  return list(gateway.json.spec?.listeners).find((l: any) => l?.protocol === 'HBONE' && l?.port === 15008) ?? {};
}
