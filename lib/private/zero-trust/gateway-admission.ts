import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { AllowPolicy, allowPoliciesIn } from './allow-policies';
import { podsSelectedBy, servicesIn } from './app-pods';
import { selects } from '../analyzer/model';
import { appIndex } from '../app-scan';

interface GatewayRoute {
  /** `VirtualService ns/name`. */
  readonly virtualService: string;
  readonly namespace: string;
  readonly host: string;
}

/** The backend Services of a Gateway API route attached to a Gateway (`ns/name`), by Gateway. */
function addGatewayApiRoute(routes: Map<string, GatewayRoute[]>, c: ApiObject, ns: string): void {
  const spec = c.toJson().spec ?? {};
  const hosts = new Set<string>();
  for (const rule of spec.rules ?? []) {
    for (const b of rule.backendRefs ?? []) if ((b.kind ?? 'Service') === 'Service' && !b.group) hosts.add(`${b.name}.${b.namespace ?? ns}`);
  }
  for (const p of spec.parentRefs ?? []) {
    if ((p.kind ?? 'Gateway') !== 'Gateway' || (p.group ?? 'gateway.networking.k8s.io') !== 'gateway.networking.k8s.io') continue;
    const ref = `${p.namespace ?? ns}/${p.name}`;
    const list = routes.get(ref) ?? [];
    for (const host of [...hosts].sort()) list.push({ virtualService: `${c.kind} ${ns}/${c.name}`, namespace: ns, host });
    routes.set(ref, list);
  }
}

/** The destination hosts of the VirtualServices and Gateway API routes bound to each gateway (`ns/name`). */
function buildRoutes(all: IConstruct[]): Map<string, GatewayRoute[]> {
  const routes = new Map<string, GatewayRoute[]>();
  for (const c of all) {
    if (!ApiObject.isApiObject(c)) continue;
    if (c.apiGroup === 'gateway.networking.k8s.io' && (c.kind === 'HTTPRoute' || c.kind === 'TLSRoute') && c.metadata.namespace !== undefined) {
      addGatewayApiRoute(routes, c, c.metadata.namespace);
      continue;
    }
    if (c.kind !== 'VirtualService' || c.apiGroup !== 'networking.istio.io') continue;
    const ns = c.metadata.namespace;
    if (ns === undefined) continue;
    const spec = c.toJson().spec ?? {};
    const hosts = new Set<string>();
    for (const http of spec.http ?? []) {
      for (const r of http.route ?? []) if (r.destination?.host) hosts.add(r.destination.host);
      if (http.mirror?.host) hosts.add(http.mirror.host);
    }
    for (const g of spec.gateways ?? []) {
      const ref = String(g).includes('/') ? String(g) : `${ns}/${g}`;
      const list = routes.get(ref) ?? [];
      for (const host of [...hosts].sort()) list.push({ virtualService: `VirtualService ${ns}/${c.name}`, namespace: ns, host });
      routes.set(ref, list);
    }
  }
  return routes;
}

/** Istio's string match for principals and namespaces: exact, `prefix*`, `*suffix` or `*`. */
function matches(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

/** Whether some rule of the policy can admit the caller (operations and conditions are not judged: no false alarms). */
function admits(policy: AllowPolicy, principal: string, namespace: string): boolean {
  return policy.rules.some((rule) => {
    const from: any[] = rule.from ?? [];
    if (from.length === 0) return true;
    return from.some((f) => {
      const s = f.source ?? {};
      if (s.principals && !s.principals.some((p: string) => matches(p, principal))) return false;
      if (s.namespaces && !s.namespaces.some((n: string) => matches(n, namespace))) return false;
      if (s.notPrincipals?.some((p: string) => matches(p, principal))) return false;
      return !s.notNamespaces?.some((n: string) => matches(n, namespace));
    });
  });
}

/** `name` and namespace of a Service host (`api`, `api.shop`, `api.shop.svc.cluster.local`). */
function serviceOf(host: string, defaultNamespace: string): { name: string; namespace: string } | undefined {
  const parts = host.split('.');
  if (parts.length === 1) return { name: parts[0], namespace: defaultNamespace };
  if (parts.length === 2 || parts[2] === 'svc') return { name: parts[0], namespace: parts[1] };
  return undefined;
}

/**
 * Backends the gateway `gatewayRef` routes to whose pods have ALLOW AuthorizationPolicies (a
 * zero-trust namespace's deny-all included), none of which admits the gateway's identity: every
 * request would be refused with 403. Only Services and workloads of the app are judged.
 */
export function backendsRefusingGateway(scope: IConstruct, gatewayRef: string, principal: string, gatewayNamespace: string): string[] {
  const routes = appIndex(scope, 'gateway-routes', buildRoutes);
  const errors: string[] = [];
  for (const route of routes.get(gatewayRef) ?? []) {
    const svc = serviceOf(route.host, route.namespace);
    if (!svc) continue;
    const service = servicesIn(scope, svc.namespace).find((s) => s.name === svc.name);
    if (!service?.selector || Object.keys(service.selector).length === 0) continue;
    const pods = podsSelectedBy(scope, svc.namespace, service.selector);
    if (pods.length === 0) continue;
    const covering = allowPoliciesIn(scope, svc.namespace).filter((p) => pods.some((pod) => selects(p.selector, pod.podLabels)));
    if (covering.length === 0 || covering.some((p) => admits(p, principal, gatewayNamespace))) continue;
    errors.push(`${route.virtualService} sends requests from gateway ${gatewayRef} to Service ${svc.namespace}/${svc.name} ` +
      `(${pods.map((p) => p.description).join(', ')}), but no ALLOW AuthorizationPolicy of those pods admits the gateway's identity ${principal} ` +
      `(policies: ${covering.map((p) => p.name).join(', ')}), so every request would get 403; allow it, e.g. ` +
      'ZeroTrustNamespace.exposeToIngressGateway({ to: WorkloadSelector.fromLabels(...), ports: [...] }) or allowFrom(gateway, ...)');
  }
  return [...new Set(errors)];
}
