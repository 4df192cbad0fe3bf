import { RuleDefinition, RuleInput, Report } from '../catalog';
import { ISTIO_GATEWAY_CLASSES, list, referenceGranted } from '../gateway-api';
import { GATEWAY_API } from '../model';

/**
 * GWA0007 (certificates) and GWA0008: a Gateway's `gatewayClassName` must be a class Istio controls
 * or a GatewayClass of the app (otherwise no controller of this mesh programs it; another
 * implementation in the cluster may, hence a warning), and a listener certificate in another
 * namespace needs a ReferenceGrant there admitting the Gateway (judged in namespaces the app owns).
 */
export const gatewayReferences: RuleDefinition = {
  codes: ['GWA0007', 'GWA0008'],
  run({ manifest }: RuleInput, report: Report) {
    const classes = new Set([...ISTIO_GATEWAY_CLASSES, ...manifest.ofKind(GATEWAY_API, 'GatewayClass').map((c) => c.name)]);
    for (const gw of manifest.ofKind(GATEWAY_API, 'Gateway')) {
      const className = gw.json.spec?.gatewayClassName;
      if (typeof className === 'string' && !classes.has(className)) {
        report({
          code: 'GWA0008',
          object: gw,
          message: `gatewayClassName "${className}" is neither one of Istio's classes (${ISTIO_GATEWAY_CLASSES.join(', ')}) nor a GatewayClass of the app: ` +
            'istiod does not program this Gateway',
          fix: 'use gatewayClassName "istio" (or "istio-waypoint" for a waypoint), or declare the GatewayClass when another controller implements it',
        });
      }
      list(gw.json.spec?.listeners).forEach((l: any, i: number) => {
        list(l?.tls?.certificateRefs).forEach((ref: any, j: number) => {
          const namespace = ref?.namespace ?? gw.namespace;
          const group = ref?.group ?? '';
          const kind = ref?.kind ?? 'Secret';
          if (namespace === gw.namespace || !manifest.ownedNamespaces.has(namespace)) return;
          if (referenceGranted(manifest, { group: GATEWAY_API, kind: 'Gateway', namespace: gw.namespace }, { group, kind, name: ref?.name, namespace })) return;
          report({
            code: 'GWA0007',
            object: gw,
            message: `listeners[${i}] ("${l?.name}") tls.certificateRefs[${j}] uses ${kind} ${namespace}/${ref?.name}, and no ReferenceGrant in "${namespace}" ` +
              `admits Gateways from "${gw.namespace}": the listener is not programmed (ResolvedRefs RefNotPermitted)`,
            fix: `add a ReferenceGrant in namespace "${namespace}" from Gateway in "${gw.namespace}" to ${kind} "${ref?.name}" (group "${group}"), or keep the certificate in "${gw.namespace}"`,
          });
        });
      });
    }
  },
};
