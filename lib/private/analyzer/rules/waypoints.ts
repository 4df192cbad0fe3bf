import { USE_WAYPOINT, useWaypoint, waypointListener, waypointTrafficType } from '../ambient';
import { RuleDefinition, RuleInput, Report } from '../catalog';
import { gatewaysByKey, listenerAdmitsNamespace } from '../gateway-api';
import { ManifestObject } from '../model';

/** An `istio.io/use-waypoint` label of the app: where it is written and which traffic binds by it. */
interface LabelledObject {
  readonly object: ManifestObject;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** `namespace` (its Services and workloads), `service` (a Service or ServiceEntry), `workload` (a pod template). */
  readonly binds: 'namespace' | 'service' | 'workload';
}

/**
 * AMB0003-AMB0005: the waypoint an `istio.io/use-waypoint` label (with `istio.io/use-waypoint-namespace`)
 * on a Namespace, Service, ServiceEntry or pod template names, as istiod binds it
 * (pilot/pkg/serviceregistry/ambient/waypoints.go). The Gateway must exist (judged where the app owns
 * the waypoint's namespace; a Service or pod label naming a missing waypoint does not fall back to the
 * namespace's), its HBONE listener's `allowedRoutes` must admit the labelled object's namespace, and it
 * must accept the traffic type (`istio.io/waypoint-for`, default `service`): a Service needs `service`
 * or `all`, a pod labelled itself `workload` or `all`. Otherwise istiod sets WaypointBound False
 * (WaypointIsNotReady, AttachmentDenied, UnsupportedTrafficType) and the traffic skips the waypoint
 * and every L7 policy on it. Istio has no analyzer for these until the status exists.
 */
export const waypointReferences: RuleDefinition = {
  codes: ['AMB0003', 'AMB0004', 'AMB0005'],
  run({ manifest }: RuleInput, report: Report) {
    const gateways = gatewaysByKey(manifest);
    const labelled: LabelledObject[] = [
      ...manifest.ofKind('', 'Namespace').map((o): LabelledObject => ({ object: o, namespace: o.name, labels: o.labels, binds: 'namespace' })),
      ...[...manifest.ofKind('', 'Service'), ...manifest.networking('ServiceEntry')]
        .map((o): LabelledObject => ({ object: o, namespace: o.namespace, labels: o.labels, binds: 'service' })),
      ...manifest.workloads.map((w): LabelledObject => ({ object: w.object, namespace: w.namespace, labels: w.podLabels, binds: 'workload' })),
    ];
    for (const l of labelled) {
      const wanted = useWaypoint(l.labels, l.namespace);
      if (!wanted) continue;
      const key = `${wanted.namespace}/${wanted.name}`;
      const where = `${l.binds === 'workload' ? 'its pod template\'s' : 'its'} label ${USE_WAYPOINT}: ${wanted.name}`;
      const gateway = gateways.get(key);
      if (!gateway) {
        if (!manifest.ownedNamespaces.has(wanted.namespace)) continue;
        report({
          code: 'AMB0003',
          object: l.object,
          message: `${where} names waypoint ${key}, which the app does not declare: istiod binds no waypoint (WaypointIsNotReady)` +
            (l.binds === 'namespace' ? '' : ' and does not fall back to the namespace\'s') + ', the traffic skips every L7 policy',
          fix: `declare the waypoint (a Gateway with gatewayClassName istio-waypoint named "${wanted.name}" in "${wanted.namespace}"), ` +
            'or correct the label (istio.io/use-waypoint-namespace for a waypoint in another namespace)',
        });
        continue;
      }
      const listener = waypointListener(gateway);
      if (listenerAdmitsNamespace(manifest, gateway, listener, l.namespace) === false) {
        const from = listener?.allowedRoutes?.namespaces?.from ?? 'Same';
        report({
          code: 'AMB0004',
          object: l.object,
          message: `${where} names waypoint ${key}, whose ${listener.name ? `listener "${listener.name}"` : 'HBONE listener (none: Same)'} admits ` +
            `${from === 'Selector' ? 'the namespaces its selector matches' : `namespace "${gateway.namespace}" only`}, not "${l.namespace}": ` +
            'istiod refuses the binding (AttachmentDenied), the traffic skips the waypoint and its L7 policies',
          fix: `set allowedRoutes.namespaces on the waypoint's HBONE listener (port 15008) to admit "${l.namespace}" (from: All, or a Selector matching it), ` +
            `or use a waypoint in "${l.namespace}"`,
        });
        continue;
      }
      const type = waypointTrafficType(manifest, gateway);
      const needed = l.binds === 'service' ? 'service' : l.binds === 'workload' ? 'workload' : undefined;
      if (needed === undefined || type === needed || type === 'all') continue;
      report({
        code: 'AMB0005',
        object: l.object,
        message: `${where} binds ${needed} traffic to waypoint ${key}, which is for ${type} traffic (istio.io/waypoint-for: ${type}): ` +
          'istiod refuses the binding (UnsupportedTrafficType), the traffic skips the waypoint and its L7 policies',
        fix: `label the waypoint istio.io/waypoint-for: ${needed} (or all), or put the label on the ${needed === 'service' ? 'pods' : 'Service'} instead`,
      });
    }
  },
};
