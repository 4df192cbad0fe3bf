import type { GatewayRouteDef } from './gateway-table';
import { describeRenderedMatch, intersectMatches, isMeshOnly, RenderedMatch } from './match-algebra';
import type { RoutingRegistry } from './registry';
import { versionServiceName } from './render-gateway-api';
import { BackendDef, RouteBehaviour, RouteDef, ServiceTable } from './table';
import { RoutingApi } from '../../routing-api';
import type { TrafficPolicy } from '../../traffic-policy';
import { renderTrafficPolicy } from '../canary/istio';
import { MeshValidationError } from '../errors';
import { CLUSTER_DOMAIN } from '../gateway/render';
import { renderHttpRoute } from '../gateway/routes';

/**
 * Renders route tables as Istio objects: one VirtualService per table (its `http` list) and one
 * DestinationRule per service host (a subset per version).
 */

type Json = Record<string, unknown>;

/** A destination of the table's service: a version's subset or Service, in a VirtualService of `namespace`. */
function destination(table: ServiceTable, version: string | undefined, namespace: string): Json {
  const v = version === undefined ? undefined : table.versions.find((x) => x.name === version);
  // A table rendered with Gateway API serves each version from a Service of its own, no subsets.
  const perVersionServices = table.api === RoutingApi.GATEWAY_API;
  const name = v ? (perVersionServices ? versionServiceName(table, v) : v.host ?? table.service.name) : table.service.name;
  const host = namespace === table.service.namespace ? name : `${name}.${table.service.namespace}.svc.${CLUSTER_DOMAIN}`;
  return {
    host,
    subset: v && !v.host && !perVersionServices ? v.name : undefined,
    port: table.service.port !== undefined ? { number: table.service.port } : undefined,
  };
}

function istioMatch(m: RenderedMatch): Json {
  return {
    uri: m.uri, method: m.method, headers: m.headers, queryParams: m.queryParams, sourceLabels: m.sourceLabels, sourceNamespace: m.sourceNamespace,
  };
}

function headerOps(b: RouteBehaviour): Json | undefined {
  const ops = (o?: RouteBehaviour['requestHeaders']) => o ? { set: o.set, add: o.add, remove: o.remove?.length ? [...o.remove] : undefined } : undefined;
  return b.requestHeaders || b.responseHeaders ? { request: ops(b.requestHeaders), response: ops(b.responseHeaders) } : undefined;
}

/** The fields of one `http` entry that come from the route's behaviour. */
function behaviourFields(table: ServiceTable, b: RouteBehaviour, namespace: string): Json {
  return {
    redirect: b.redirect ? { ...b.redirect } : undefined,
    rewrite: b.rewrite ? { ...b.rewrite } : undefined,
    timeout: b.timeout,
    retries: b.retries ? { ...b.retries } : undefined,
    fault: b.fault ? {
      delay: b.fault.delay ? { fixedDelay: b.fault.delay.fixedDelay, percentage: { value: b.fault.delay.percent } } : undefined,
      abort: b.fault.abort ? { httpStatus: b.fault.abort.httpStatus, percentage: { value: b.fault.abort.percent } } : undefined,
    } : undefined,
    mirror: b.mirror ? destination(table, b.mirror.version, namespace) : undefined,
    mirrorPercentage: b.mirror?.percent !== undefined ? { value: b.mirror.percent } : undefined,
    headers: headerOps(b),
    corsPolicy: b.corsPolicy ? { ...b.corsPolicy } : undefined,
  };
}

function routeList(table: ServiceTable, backends: readonly BackendDef[], namespace: string): Json[] | undefined {
  if (backends.length === 0) return undefined;
  return backends.map((b) => ({ destination: destination(table, b.version, namespace), weight: b.weight }));
}

/** One `http` entry of a service's table. */
function renderRoute(table: ServiceTable, r: RouteDef, matches: readonly RenderedMatch[], namespace: string, name: string, extra: Json = {}): Json {
  return {
    name,
    match: matches.length ? matches.map(istioMatch) : undefined,
    route: routeList(table, r.backends, namespace),
    ...behaviourFields(table, r.behaviour, namespace),
    ...extra,
  };
}

/** The mesh VirtualService of a service: its routes, in order. */
export function renderMeshVirtualService(table: ServiceTable): Json {
  const ns = table.service.namespace;
  return {
    hosts: [table.service.name],
    gateways: ['mesh'],
    // An invalid order is reported by the table's validation (problems()); rendering never throws.
    http: table.orderedRoutesSafe().map((r) => renderRoute(table, r, r.matches, ns, r.name)),
  };
}

/** The DestinationRule of a service's subsets, or undefined when it needs none. */
export function renderDestinationRule(table: ServiceTable): Json | undefined {
  const subsets = table.versions.filter((v) => !v.host);
  if (subsets.length === 0 && !table.trafficPolicy) return undefined;
  return {
    host: table.service.name,
    trafficPolicy: renderTrafficPolicy(table.trafficPolicy),
    subsets: subsets.length ? subsets.map((v) => ({
      name: v.name,
      labels: { ...v.labels },
      trafficPolicy: v.trafficPolicy ? renderSubsetPolicy(v.trafficPolicy) : undefined,
    })) : undefined,
  };
}

/**
 * A subset's traffic policy. Istio merges it into the service's field by field, so TLS is written
 * only when the version sets it: the default (ISTIO_MUTUAL) would override the service's TLS.
 */
function renderSubsetPolicy(policy: TrafficPolicy): Json {
  const { tls, ...rest } = renderTrafficPolicy(policy);
  return policy.tls !== undefined ? { ...rest, tls } : rest;
}

/** The DestinationRule of a version with a Service of its own. */
export function renderVersionDestinationRule(table: ServiceTable, version: string): Json {
  const v = table.versions.find((x) => x.name === version)!;
  return { host: v.host, trafficPolicy: renderTrafficPolicy(v.trafficPolicy ?? table.trafficPolicy) };
}

const GATEWAY_ROUTE_FIELDS = ['rewrite', 'timeout', 'retries', 'corsPolicy', 'headers'] as const;

/**
 * The `http` entries of one gateway route. A route to a service that has a route table goes
 * through it: one entry per table route that a gateway request can match (sender conditions only
 * hold inside the mesh), with the gateway's match and the table route's match combined.
 */
export function renderGatewayRoute(registry: RoutingRegistry, def: GatewayRouteDef, namespace: string): Json[] {
  const r = def.resolved;
  const own = renderHttpRoute(r);
  const table = registry.findServiceTable(r.destination.host, namespace);
  const samePort = table && (r.destination.port === undefined || table.service.port === undefined || r.destination.port === table.service.port);
  const tableRoutes = table && samePort && !table.controlledBy ? table.orderedRoutesSafe() : [];
  if (!table || tableRoutes.length === 0) return [own];

  // A prefix "/" matches every path: leave it out of the combined matches.
  const { uri, ...rest } = (own.match as RenderedMatch[])[0];
  const gatewayMatch: RenderedMatch = uri?.prefix === '/' ? rest : { uri, ...rest };
  // The gateway matches the path before its rewrite, the service's routes (in the mesh) after it:
  // their path conditions cannot be combined with the gateway's.
  const rewrite = r.options.rewrite?.uri;
  const byPath = rewrite === undefined ? undefined
    : tableRoutes.find((tr) => tr.matches.some((m) => !isMeshOnly(m) && m.uri !== undefined && m.uri.prefix !== '/'));
  if (byPath) {
    throw new MeshValidationError(def.owner, `gateway route "${r.name}" (${r.description}) rewrites the path to ${JSON.stringify(rewrite)}, but route ` +
      `"${byPath.name}" of service ${table.key} (${byPath.owner.node.path}) matches on the path (${byPath.matches.map(describeRenderedMatch).join(' or ')}), ` +
      'which the gateway would test before the rewrite and the mesh after it; drop the rewrite and match the full path at the gateway, or route the service by headers');
  }
  const out: Json[] = [];
  const expanded: Array<{ route: RouteDef; matches: RenderedMatch[] }> = [];
  for (const tr of tableRoutes) {
    const alternatives = tr.matches.length ? tr.matches.filter((m) => !isMeshOnly(m)) : [{}];
    const combined: RenderedMatch[] = [];
    for (const alt of alternatives) {
      const c = intersectMatches(gatewayMatch, alt);
      if (c === undefined) {
        throw new MeshValidationError(def.owner, `gateway route "${r.name}" (${r.description}) sends requests to service ${table.key}, whose route ` +
          `"${tr.name}" (${tr.owner.node.path}) matches with another regex on the same field; Istio cannot combine two regexes in one match: ` +
          'use a prefix or exact path on one side');
      }
      if (c !== null) combined.push(c);
    }
    // An empty match takes every request: the route needs no match at all.
    if (combined.length > 0) expanded.push({ route: tr, matches: combined.some((c) => Object.keys(c).length === 0) ? [] : combined });
  }
  if (r.rateLimit && expanded.length > 1) {
    throw new MeshValidationError(def.owner, `gateway route "${r.name}" has a 'rateLimit', but service ${table.key} splits its requests into ` +
      `${expanded.length} routes (${expanded.map((e) => e.route.name).join(', ')}); set the limit on the host (addHost rateLimit) instead`);
  }
  for (const { route: tr, matches } of expanded) {
    const gatewayFields: Json = {};
    const tableFields = GATEWAY_ROUTE_FIELDS.some((f) => own[f] !== undefined) ? behaviourFields(table, tr.behaviour, namespace) : {};
    for (const f of GATEWAY_ROUTE_FIELDS) {
      if (own[f] === undefined) continue;
      if (tableFields[f] !== undefined) {
        throw new MeshValidationError(def.owner, `gateway route "${r.name}" sets '${f}', and so does route "${tr.name}" of service ${table.key} ` +
          `(${tr.owner.node.path}); the gateway's requests take both routes at once: set '${f}' in one of them`);
      }
      gatewayFields[f] = own[f];
    }
    const name = def.takeServiceRouteNames ? tr.name : expanded.length === 1 ? r.name : `${r.name}-${tr.name}`;
    out.push(renderRoute(table, tr, matches, namespace, name, gatewayFields));
  }
  return out;
}
