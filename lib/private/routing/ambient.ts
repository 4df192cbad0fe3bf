import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { ServiceTable } from './table';
import { DataPlane } from '../../data-plane';
import { RoutingApi } from '../../routing-api';
import { appIndex } from '../app-scan';
import { findZeroTrustNamespace } from '../zero-trust/registry';
import { LABEL_DATAPLANE_MODE, LABEL_USE_WAYPOINT } from '../zero-trust/waypoint';

/**
 * Routing on the ambient data plane: pods run no proxy, ztunnel carries L4 only, so a service's
 * routes apply where its traffic meets an L7 proxy — the namespace's waypoint, which applies
 * HTTPRoutes with the Service as parent (GAMMA) and not a mesh VirtualService.
 */

interface NamespaceMode {
  readonly ambient: boolean;
  readonly waypoint: boolean;
  /** How to give the namespace a waypoint. */
  readonly fix: string;
}

/** Labels of the app's Namespace objects, by name. */
function namespaceLabels(scope: IConstruct): Map<string, { [key: string]: string }> {
  return appIndex(scope, 'routing:ambient:namespaces', (all) => {
    const out = new Map<string, { [key: string]: string }>();
    for (const c of all) {
      if (!ApiObject.isApiObject(c) || c.kind !== 'Namespace' || c.apiGroup !== 'core') continue;
      const json = c.toJson() as any;
      if (!out.has(json.metadata?.name)) out.set(json.metadata?.name, json.metadata?.labels ?? {});
    }
    return out;
  });
}

/** Whether `namespace` runs ambient and has a waypoint: a ZeroTrustNamespace's data plane, else the Namespace's labels. */
function namespaceMode(scope: IConstruct, namespace: string): NamespaceMode | undefined {
  const ztn = findZeroTrustNamespace(scope, namespace);
  if (ztn) {
    return { ambient: ztn.dataPlane === DataPlane.AMBIENT, waypoint: ztn.hasWaypoint, fix: `call addWaypoint() on ZeroTrustNamespace ${ztn.node.path}` };
  }
  const labels = namespaceLabels(scope).get(namespace);
  if (!labels) return undefined;
  return {
    ambient: labels[LABEL_DATAPLANE_MODE] === 'ambient',
    waypoint: labels[LABEL_USE_WAYPOINT] !== undefined && labels[LABEL_USE_WAYPOINT] !== 'none',
    fix: `deploy a waypoint (istioctl waypoint generate -n ${namespace}) and label the Namespace ${LABEL_USE_WAYPOINT}=waypoint`,
  };
}

/** Why a table of a service in an ambient namespace would not route: a VirtualService, or no waypoint. */
export function ambientRoutingProblems(table: ServiceTable): string[] {
  const mode = namespaceMode(table.owner, table.service.namespace);
  if (!mode?.ambient) return [];
  const ns = table.service.namespace;
  if (table.api !== RoutingApi.GATEWAY_API) {
    return [`service ${table.key} is in namespace "${ns}", which runs on the ambient data plane: its clients run no proxy to apply a mesh ` +
      'VirtualService (ztunnel carries L4 only), and Istio 1.30 applies VirtualServices at waypoints as an alpha feature only; route it with ' +
      "api: RoutingApi.GATEWAY_API, an HTTPRoute the namespace's waypoint applies"];
  }
  if (!mode.waypoint) {
    return [`service ${table.key} is routed by an HTTPRoute, which ambient traffic meets only at a waypoint, and namespace "${ns}" has none: ` +
      `its requests would ignore the routes; ${mode.fix}`];
  }
  return [];
}
