import { GATEWAY_API, Manifest, ManifestObject } from './model';

/**
 * The Gateway API objects of an app as Istio 1.30's controller reads them
 * (pilot/pkg/config/kube/gateway): route parents and backends with their defaults applied,
 * Gateway listeners with the route kinds and namespaces they admit, and ReferenceGrants.
 */

/** A list field of a user's object: its items, or none when it is missing or not a list (the rules never throw on bad input). */
export function list(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

/** The route kinds Istio translates, in the order the rules report them. */
export const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute'];

/**
 * The GatewayClasses istiod controls without a GatewayClass object in the app: `istio` always,
 * the others when their feature is on (multi-network, ambient waypoints, ambient east-west, agentgateway).
 */
export const ISTIO_GATEWAY_CLASSES = ['istio', 'istio-waypoint', 'istio-remote', 'istio-east-west', 'istio-agentgateway'];

/** The value of `gateway.istio.io/managed` istiod puts on what it deploys for each class it deploys. */
export const MANAGED_BY_CLASS: Record<string, string> = {
  'istio': 'istio.io-gateway-controller',
  'istio-waypoint': 'istio.io-mesh-controller',
  'istio-east-west': 'istio.io-eastwest-controller',
};

/** A `parentRefs` entry with the CRD defaults applied (group gateway.networking.k8s.io, kind Gateway). */
export interface ParentRef {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly sectionName?: string;
  readonly port?: number;
  /** Whether `group` was written (a Service parent needs `group: ""` written out). */
  readonly groupWritten: boolean;
  /** `parentRefs[0]` */
  readonly where: string;
}

/** A backend of a route (a `backendRefs` entry or a request mirror), with the defaults applied (core Service). */
export interface BackendRef {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** Written namespace, undefined when the route's own. */
  readonly namespace?: string;
  readonly port?: number;
  /** `rules[0].backendRefs[1]`, `rules[0].filters[0].requestMirror.backendRef` */
  readonly where: string;
  /** A request mirror: it gets copies, the client's request does not depend on it. */
  readonly mirror: boolean;
}

export function parentRefs(route: ManifestObject): ParentRef[] {
  return list(route.json.spec?.parentRefs).map((p: any, i: number): ParentRef => ({
    group: p?.group ?? GATEWAY_API,
    kind: p?.kind ?? 'Gateway',
    name: String(p?.name ?? ''),
    namespace: p?.namespace ?? route.namespace,
    sectionName: p?.sectionName,
    port: p?.port,
    groupWritten: p?.group !== undefined,
    where: `parentRefs[${i}]`,
  }));
}

function backend(ref: any, where: string, mirror: boolean): BackendRef {
  return { group: ref?.group ?? '', kind: ref?.kind ?? 'Service', name: String(ref?.name ?? ''), namespace: ref?.namespace, port: ref?.port, where, mirror };
}

/** Every backend a route sends traffic to: its rules' backendRefs and request mirrors (route- and backend-level filters). */
export function backendRefs(route: ManifestObject): BackendRef[] {
  const out: BackendRef[] = [];
  const mirrors = (filters: unknown, where: string) => list(filters).forEach((f: any, k: number) => {
    if (f?.requestMirror?.backendRef) out.push(backend(f.requestMirror.backendRef, `${where}.filters[${k}].requestMirror.backendRef`, true));
  });
  list(route.json.spec?.rules).forEach((rule: any, i: number) => {
    list(rule?.backendRefs).forEach((b: any, j: number) => {
      out.push(backend(b, `rules[${i}].backendRefs[${j}]`, false));
      mirrors(b?.filters, `rules[${i}].backendRefs[${j}]`);
    });
    mirrors(rule?.filters, `rules[${i}]`);
  });
  return out;
}

/** Whether a parent is a Kubernetes Gateway (the CRD default) rather than a mesh parent. */
export function isGatewayParent(p: ParentRef): boolean {
  return p.group === GATEWAY_API && p.kind === 'Gateway';
}

/** The route kinds a listener admits: Istio's defaults per protocol, narrowed by `allowedRoutes.kinds`. */
export function listenerKinds(listener: any): string[] {
  const protocol = listener?.protocol;
  let supported: string[] = [];
  if (protocol === 'HTTP' || protocol === 'HTTPS') supported = ['HTTPRoute', 'GRPCRoute'];
  else if (protocol === 'TCP') supported = ['TCPRoute'];
  else if (protocol === 'TLS') supported = listener?.tls?.mode === 'Terminate' ? ['TLSRoute', 'TCPRoute'] : ['TLSRoute'];
  const allowed = list(listener?.allowedRoutes?.kinds);
  if (allowed.length === 0) return supported;
  return supported.filter((k) => allowed.some((a) => a?.kind === k && (a?.group ?? GATEWAY_API) === GATEWAY_API));
}

/**
 * Whether a listener of `gateway` admits routes from `namespace` (`allowedRoutes.namespaces`, default
 * `Same`); undefined when it cannot be told (a selector and a namespace the app does not declare).
 */
export function listenerAdmitsNamespace(m: Manifest, gateway: ManifestObject, listener: any, namespace: string): boolean | undefined {
  const ns = listener?.allowedRoutes?.namespaces ?? {};
  const from = ns.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return namespace === gateway.namespace;
  if (from !== 'Selector') return false;
  const object = m.namespaceObjects.get(namespace);
  if (!object) return undefined;
  return labelSelectorMatches(ns.selector ?? {}, { ...object.labels, 'kubernetes.io/metadata.name': namespace });
}

/** A Kubernetes LabelSelector (matchLabels and matchExpressions) against labels. */
export function labelSelectorMatches(selector: any, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of list(selector?.matchExpressions)) {
    const has = Object.prototype.hasOwnProperty.call(labels, e?.key);
    const values = list(e?.values);
    const ok = e?.operator === 'In' ? has && values.includes(labels[e.key])
      : e?.operator === 'NotIn' ? !has || !values.includes(labels[e.key])
        : e?.operator === 'Exists' ? has
          : e?.operator === 'DoesNotExist' ? !has : false;
    if (!ok) return false;
  }
  return true;
}

/**
 * Whether a ReferenceGrant of the app in `toNamespace` lets `from` (group, kind, namespace) refer to
 * the object `to` (group, kind, name): a grant's `to` entry without a name admits every object of the kind.
 */
export function referenceGranted(m: Manifest, from: { group: string; kind: string; namespace: string },
  to: { group: string; kind: string; name: string; namespace: string }): boolean {
  return m.ofKind(GATEWAY_API, 'ReferenceGrant').some((g) => g.namespace === to.namespace
    && list(g.json.spec?.from).some((f: any) => (f?.group ?? '') === from.group && f?.kind === from.kind && f?.namespace === from.namespace)
    && list(g.json.spec?.to).some((t: any) => (t?.group ?? '') === to.group && t?.kind === to.kind && (t?.name === undefined || t.name === to.name)));
}

/** Kubernetes Gateways of the app by `namespace/name`. */
export function gatewaysByKey(m: Manifest): Map<string, ManifestObject> {
  return new Map(m.ofKind(GATEWAY_API, 'Gateway').map((g) => [`${g.namespace}/${g.name}`, g]));
}
