import { RuleDefinition, RuleInput, Report } from '../catalog';
import {
  BackendRef, backendRefs, gatewaysByKey, isGatewayParent, list, listenerAdmitsNamespace, listenerKinds, ParentRef, parentRefs,
  referenceGranted, ROUTE_KINDS,
} from '../gateway-api';
import { hostsOverlap } from '../hosts';
import { GATEWAY_API, Manifest, ManifestObject } from '../model';

/** How a route's parent reference fares against one listener, in Istio's order of checks. */
type ListenerVerdict = 'accepted' | 'hostname' | 'namespace' | 'kind';

function routes(m: Manifest): ManifestObject[] {
  return ROUTE_KINDS.flatMap((k) => m.ofKind(GATEWAY_API, k));
}

/**
 * GWA0001-GWA0004: what a route's `parentRefs` attach to. A Gateway, ListenerSet, Service or ServiceEntry parent
 * must exist (judged in namespaces the app owns); a Service parent needs `group: ""` written (the CRD
 * defaults the group to gateway.networking.k8s.io, and Istio ignores a `gateway.networking.k8s.io`
 * Service); a Gateway parent needs a listener (by `sectionName`/`port`) whose hostname intersects the
 * route's hostnames and whose `allowedRoutes` admit the route's namespace and kind. These are the
 * reasons istiod gives in the route's parent status (NoMatchingParent, NoMatchingListenerHostname,
 * NotAllowedByListeners); a parent istiod does not find at all gets no status and the route is silently unused.
 */
export const routeParents: RuleDefinition = {
  codes: ['GWA0001', 'GWA0002', 'GWA0003', 'GWA0004'],
  run({ manifest }: RuleInput, report: Report) {
    const gateways = gatewaysByKey(manifest);
    const services = new Set(manifest.ofKind('', 'Service').map((s) => `${s.namespace}/${s.name}`));
    const serviceEntries = new Set(manifest.networking('ServiceEntry').map((s) => `${s.namespace}/${s.name}`));
    const listenerSets = new Set(manifest.ofKind(GATEWAY_API, 'ListenerSet').map((s) => `${s.namespace}/${s.name}`));
    for (const route of routes(manifest)) {
      const hostnames = list(route.json.spec?.hostnames).map(String);
      for (const p of parentRefs(route)) {
        const key = `${p.namespace}/${p.name}`;
        const owned = manifest.ownedNamespaces.has(p.namespace);
        if (p.kind === 'Service' && p.group !== '') {
          report({
            code: 'GWA0002',
            object: route,
            message: `${p.where} names Service "${p.name}" with group ${p.groupWritten ? JSON.stringify(p.group) : `unset (the CRD default ${GATEWAY_API})`}: ` +
              'Istio ignores the parent and the route applies to no traffic',
            fix: `write group: "" (the core group) with kind: Service in ${p.where}`,
          });
        } else if (p.kind === 'Service' && !services.has(key) && owned) {
          notFound(report, route, p, `Service ${key}`, 'declare the Service, or correct the parent\'s name and namespace');
        } else if (p.kind === 'ServiceEntry' && p.group === 'networking.istio.io' && !serviceEntries.has(key) && owned) {
          notFound(report, route, p, `ServiceEntry ${key}`, 'declare the ServiceEntry, or correct the parent\'s name and namespace');
        } else if (p.kind === 'ListenerSet' && p.group === GATEWAY_API && !listenerSets.has(key) && owned) {
          notFound(report, route, p, `ListenerSet ${key}`, 'declare the ListenerSet, or correct the parent\'s name and namespace');
        } else if (isGatewayParent(p)) {
          const gateway = gateways.get(key);
          if (!gateway) {
            if (owned) notFound(report, route, p, `Gateway ${key}`, 'declare the Gateway, or correct the parent\'s name and namespace');
            continue;
          }
          checkListeners(manifest, route, hostnames, p, gateway, report);
        }
      }
    }
  },
};

function notFound(report: Report, route: ManifestObject, p: ParentRef, what: string, fix: string): void {
  report({
    code: 'GWA0001',
    object: route,
    message: `${p.where} attaches to ${what}, which the app does not declare: the route applies to no traffic`,
    fix,
  });
}

function checkListeners(m: Manifest, route: ManifestObject, hostnames: string[], p: ParentRef, gateway: ManifestObject, report: Report): void {
  const all = list(gateway.json.spec?.listeners);
  const listeners = all.filter((l) => (p.sectionName === undefined || l?.name === p.sectionName) && (p.port === undefined || l?.port === p.port));
  const gw = `Gateway ${gateway.namespace}/${gateway.name}`;
  if (gateway.json.spec?.gatewayClassName === 'istio-waypoint') {
    report({
      code: 'GWA0004',
      object: route,
      message: `${p.where} attaches to ${gw}, a waypoint (class istio-waypoint): istiod attaches no route to a waypoint Gateway, the route applies to no traffic`,
      fix: 'attach the route to the Service whose traffic the waypoint handles (parentRefs: kind Service, group ""); the waypoint runs it',
    });
    return;
  }
  if (listeners.length === 0) {
    const wanted = [p.sectionName !== undefined ? `named "${p.sectionName}"` : '', p.port !== undefined ? `on port ${p.port}` : ''].filter(Boolean).join(' ');
    report({
      code: 'GWA0001',
      object: route,
      message: `${p.where} attaches to ${gw}, which has no listener ${wanted}: the route applies to no traffic`,
      fix: `name one of its listeners (${all.map((l) => `"${l?.name}" port ${l?.port}`).join(', ') || 'none'}), or add the listener to the Gateway`,
    });
    return;
  }
  const routeHosts = hostnames.length > 0 ? hostnames : ['*'];
  const verdicts = listeners.map((l): ListenerVerdict => {
    if (!routeHosts.some((h) => hostsOverlap(String(l?.hostname ?? '*'), h))) return 'hostname';
    if (listenerAdmitsNamespace(m, gateway, l, route.namespace) === false) return 'namespace';
    if (!listenerKinds(l).includes(route.kind)) return 'kind';
    return 'accepted';
  });
  if (verdicts.includes('accepted')) return;
  const names = listeners.map((l) => `"${l?.name}"`).join(', ');
  if (verdicts.includes('hostname')) {
    const listenerHosts = listeners.map((l) => l?.hostname ?? '*').join(', ');
    report({
      code: 'GWA0003',
      object: route,
      message: `${p.where}: none of the route's hostnames (${hostnames.join(', ') || 'none, i.e. *'}) intersects the hostname of listener ${names} of ${gw} (${listenerHosts}): ` +
        'the Gateway does not accept the route',
      fix: 'route a hostname the listener serves, or add a listener for the route\'s hostnames',
    });
    return;
  }
  const reasons = listeners.map((l, i) => (verdicts[i] === 'namespace'
    ? `listener "${l?.name}" admits routes from ${describeNamespaces(l, gateway.namespace)}, not from namespace "${route.namespace}"`
    : `listener "${l?.name}" (${l?.protocol}) admits ${listenerKinds(l).join(', ') || 'no route kind'}, not ${route.kind}`));
  report({
    code: 'GWA0004',
    object: route,
    message: `${p.where}: ${gw} does not accept the route: ${reasons.join('; ')}`,
    fix: verdicts.includes('namespace')
      ? 'widen the listener\'s allowedRoutes.namespaces (from: All, or a Selector matching the route\'s namespace), or move the route'
      : 'attach the route to a listener of its kind (HTTPRoute/GRPCRoute: HTTP or HTTPS, TLSRoute: TLS, TCPRoute: TCP) or correct allowedRoutes.kinds',
  });
}

function describeNamespaces(listener: any, gatewayNamespace: string): string {
  const from = listener?.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'Same') return `its Gateway's namespace "${gatewayNamespace}" only`;
  if (from === 'Selector') return `the namespaces selected by ${JSON.stringify(listener.allowedRoutes.namespaces.selector ?? {})}`;
  return `"${from}"`;
}

/**
 * GWA0005-GWA0007: what a route sends traffic to. A Service backend (the default kind) must exist in
 * namespaces the app owns and have the port; an Istio `Hostname` backend must be a host of the mesh;
 * a Service name with a dot or a backend without a port makes Istio drop every rule of the route; a
 * backend in another namespace needs a ReferenceGrant there when the route has a Gateway parent
 * (mesh routes, whose parents are Services, are not subject to ReferenceGrants).
 */
export const routeBackends: RuleDefinition = {
  codes: ['GWA0005', 'GWA0006', 'GWA0007'],
  run({ manifest, registry }: RuleInput, report: Report) {
    const services = new Map(manifest.ofKind('', 'Service').map((s) => [`${s.namespace}/${s.name}`, s]));
    for (const route of routes(manifest)) {
      const gatewayParent = parentRefs(route).some(isGatewayParent);
      for (const b of backendRefs(route)) {
        const namespace = b.namespace ?? route.namespace;
        if (b.group === '' && b.kind === 'Service') {
          if (b.name.includes('.')) {
            invalid(report, route, b, `names Service "${b.name}", a host name, not a Service name: Istio drops every rule of the route`,
              `use the Service's name ("${b.name.split('.')[0]}") with namespace: "${b.name.split('.')[1] ?? namespace}" if it is in another namespace`);
            continue;
          }
          if (b.port === undefined) {
            invalid(report, route, b, `names Service "${b.name}" without a port: Istio drops every rule of the route`, 'set the backend\'s port (a port of the Service)');
          }
          if (gatewayParent && namespace !== route.namespace && manifest.ownedNamespaces.has(namespace)
            && !referenceGranted(manifest, { group: GATEWAY_API, kind: route.kind, namespace: route.namespace }, { group: '', kind: 'Service', name: b.name, namespace })) {
            report({
              code: 'GWA0007',
              object: route,
              message: `${b.where} sends traffic from namespace "${route.namespace}" to Service ${namespace}/${b.name}, and no ReferenceGrant in "${namespace}" ` +
                `admits ${route.kind}s from "${route.namespace}": ${b.mirror ? 'no copy is mirrored there' : 'the Gateway answers 500 for this backend\'s share'}`,
              fix: `add a ReferenceGrant in namespace "${namespace}" from ${route.kind} in "${route.namespace}" to Service "${b.name}" (group "")`,
            });
          }
          const svc = services.get(`${namespace}/${b.name}`);
          if (!svc) {
            if (manifest.ownedNamespaces.has(namespace)) {
              report({
                code: 'GWA0005',
                object: route,
                message: `${b.where} sends traffic to Service ${namespace}/${b.name}, which the app does not declare: ${unresolved(b)}`,
                fix: `declare the Service, or correct the backend's name${b.namespace ? ' and namespace' : ` (without a namespace it is looked up in "${route.namespace}")`}`,
              });
            }
          } else if (b.port !== undefined) {
            missingPort(report, route, b, `Service ${namespace}/${b.name}`, list(svc.json.spec?.ports).map((p: any) => p?.port));
          }
        } else if (b.group === 'networking.istio.io' && b.kind === 'Hostname') {
          if (b.namespace !== undefined) {
            invalid(report, route, b, 'is a Hostname backend with a namespace: Istio drops every rule of the route', 'remove the namespace (a Hostname backend names a mesh host)');
            continue;
          }
          const entry = registry.lookup(route.namespace, b.name);
          if (!entry) {
            if (registry.canJudge(route.namespace, b.name)) {
              report({
                code: 'GWA0005',
                object: route,
                message: `${b.where} sends traffic to host "${b.name}", which no Service or ServiceEntry in the app declares: ${unresolved(b)}`,
                fix: 'declare a ServiceEntry for the host, or correct the host',
              });
            }
          } else if (b.port !== undefined) {
            missingPort(report, route, b, entry.object.ref, entry.ports.map((p) => p.number));
          }
        }
      }
    }
  },
};

/** What happens to the traffic of a backend that does not resolve. */
function unresolved(b: BackendRef): string {
  return b.mirror ? 'the mirrored copies go nowhere' : 'its share of requests gets HTTP 500';
}

function invalid(report: Report, route: ManifestObject, b: BackendRef, what: string, fix: string): void {
  report({ code: 'GWA0006', object: route, message: `${b.where} ${what}`, fix });
}

function missingPort(report: Report, route: ManifestObject, b: BackendRef, target: string, ports: number[]): void {
  if (ports.includes(b.port!)) return;
  report({
    code: 'GWA0005',
    object: route,
    message: `${b.where} sends traffic to port ${b.port} of ${target}, which has no such port (ports: ${ports.join(', ') || 'none'}): no endpoint serves it`,
    fix: `use one of the ports (${ports.join(', ') || 'none'}), or add port ${b.port} to ${target}`,
  });
}
