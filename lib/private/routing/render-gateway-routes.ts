import { describeRenderedMatch, RenderedMatch } from './match-algebra';
import { gatewayCors, gatewayDuration, headerModifier, httpRouteMatch, PRECEDENCE_FIX, precedenceConflicts } from './render-gateway-api';
import { CLUSTER_DOMAIN } from '../gateway/render';

/**
 * Renders the routes of one host on a gateway as the rules of a Gateway API HTTPRoute attached to a
 * Gateway. The input is the host's route list in the order Envoy evaluates it, as the gateway's
 * route table gives it (the `http` entries of its VirtualService rendering: gateway routes, and the
 * service tables they go through, already combined), so both APIs render one list.
 *
 * Backends are Services by name and namespace (a ReferenceGrant admits those in other namespaces),
 * or, for a host that is no cluster Service (a ServiceEntry), `Hostname` backends of
 * `networking.istio.io`. What Gateway API cannot carry is a problem naming the route and the fix:
 * subsets (a service routed by version with `RoutingApi.ISTIO`), faults, retries, a path rewrite
 * after a non-exact match, and rule orders Istio's precedence sort would change.
 */

type Json = Record<string, any>;

/** A Service by name and namespace. */
export interface BackendService {
  readonly name: string;
  readonly namespace: string;
}

/** The rules of a host's HTTPRoute and what could not be rendered. */
export interface GatewayRules {
  readonly rules: Json[];
  readonly problems: string[];
}

/** A Service `name.namespace.svc.<domain>` (or a short name in `namespace`), undefined for other hosts. */
export function serviceOfHost(host: string, namespace: string): BackendService | undefined {
  const parts = host.split('.');
  if (parts.length === 1) return { name: host, namespace };
  const suffix = `.svc.${CLUSTER_DOMAIN}`;
  if (parts.length === 2) return { name: parts[0], namespace: parts[1] };
  if (host.endsWith(suffix) && parts.length === 5) return { name: parts[0], namespace: parts[1] };
  return undefined;
}

function backendRef(destination: Json, namespace: string, weight?: number): Json {
  const port = destination.port?.number;
  const svc = serviceOfHost(destination.host, namespace);
  if (!svc) return { group: 'networking.istio.io', kind: 'Hostname', name: destination.host, port, weight };
  return { name: svc.name, namespace: svc.namespace === namespace ? undefined : svc.namespace, port, weight };
}

function pairs(o?: Record<string, string>): Record<string, string> | undefined {
  return o && Object.keys(o).length ? o : undefined;
}

function filters(entry: Json, namespace: string, problems: string[], at: string): Json[] {
  const out: Json[] = [];
  const h = entry.headers ?? {};
  if (h.request) out.push({ type: 'RequestHeaderModifier', requestHeaderModifier: headerModifier({ set: pairs(h.request.set), add: pairs(h.request.add), remove: h.request.remove }) });
  if (h.response) {
    out.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: headerModifier({ set: pairs(h.response.set), add: pairs(h.response.add), remove: h.response.remove }) });
  }
  if (entry.mirror) {
    const percent: number | undefined = entry.mirrorPercentage?.value;
    const share = percent === undefined ? {}
      : Number.isInteger(percent) ? { percent } : { fraction: { numerator: Math.round(percent * 10000), denominator: 1000000 } };
    if (entry.mirror.subset) problems.push(subsetProblem(at, entry.mirror.host));
    out.push({ type: 'RequestMirror', requestMirror: { backendRef: backendRef(entry.mirror, namespace), ...share } });
  }
  if (entry.corsPolicy) {
    const cors = gatewayCors(entry.corsPolicy);
    problems.push(...(cors.problems ?? []).map((p) => `${at} ${p}`));
    if (cors.filter) out.push({ type: 'CORS', cors: cors.filter });
  }
  if (entry.redirect) {
    const r = entry.redirect;
    out.push({
      type: 'RequestRedirect',
      requestRedirect: {
        path: r.uri !== undefined ? { type: 'ReplaceFullPath', replaceFullPath: r.uri } : undefined,
        hostname: r.authority,
        // A VirtualService redirect answers 301 by default, Gateway API 302: write the code. Without a
        // port both keep the request's.
        statusCode: r.redirectCode ?? 301,
      },
    });
  }
  if (entry.rewrite) {
    const uri: string | undefined = entry.rewrite.uri;
    const exactOnly = (entry.match ?? []).length > 0 && entry.match.every((m: RenderedMatch) => m.uri?.exact !== undefined);
    if (uri !== undefined && !exactOnly) {
      problems.push(`${at} rewrites the path to ${JSON.stringify(uri)} after a match that is not an exact path; Gateway API replaces a prefix only ` +
        'after its own segment-prefix match, which matches other paths than the route: match the exact path, or use RoutingApi.ISTIO for this gateway');
    }
    out.push({
      type: 'URLRewrite',
      urlRewrite: { hostname: entry.rewrite.authority, path: uri !== undefined ? { type: 'ReplaceFullPath', replaceFullPath: uri } : undefined },
    });
  }
  return out;
}

function subsetProblem(at: string, host: string): string {
  return `${at} sends to a version of ${host}, which is routed with RoutingApi.ISTIO (DestinationRule subsets); a Gateway API route reaches ` +
    "versions through a Service per version: give that service's ServiceRouting or CanaryRelease api: RoutingApi.GATEWAY_API";
}

/**
 * The HTTPRoute rules of a host from its route list (VirtualService `http` entries, in evaluation
 * order), for an HTTPRoute in `namespace`; `where` names the host and gateway in messages.
 */
export function renderGatewayRules(http: readonly Json[], namespace: string, where: string): GatewayRules {
  const problems: string[] = [];
  const rules = http.map((entry) => {
    const at = `route "${entry.name}" of ${where}`;
    const matches: RenderedMatch[] = entry.match?.length ? entry.match : [{}];
    if (matches.some((m) => m.sourceLabels || m.sourceNamespace)) {
      problems.push(`${at} matches on the sender (source labels or namespace), which Gateway API cannot express; match on a header, or use RoutingApi.ISTIO`);
    }
    if (entry.fault) problems.push(`${at} injects a fault, which Gateway API has no form for; inject it in the mesh with RoutingApi.ISTIO, or use RoutingApi.ISTIO for this gateway`);
    if (entry.retries) {
      problems.push(`${at} sets 'retries', which Gateway API 1.5 has only in its experimental channel; drop the retries or use RoutingApi.ISTIO for this gateway`);
    }
    const routes: Json[] = entry.route ?? [];
    for (const r of routes) {
      if (r.destination.subset) problems.push(subsetProblem(at, r.destination.host));
    }
    const timeout = entry.timeout !== undefined ? gatewayDuration(entry.timeout) : undefined;
    if (entry.timeout !== undefined && timeout === undefined) {
      problems.push(`${at} has timeout ${entry.timeout}, which a Gateway API duration cannot write (whole milliseconds, at most 99999 per unit); round it`);
    }
    const f = filters(entry, namespace, problems, at);
    return {
      name: entry.name,
      matches: matches.map(httpRouteMatch),
      filters: f.length ? f : undefined,
      backendRefs: routes.length ? routes.map((r) => backendRef(r.destination, namespace, routes.length > 1 ? r.weight : undefined)) : undefined,
      timeouts: timeout ? { request: timeout } : undefined,
    };
  });
  const entries = http.flatMap((entry, index) => ((entry.match?.length ? entry.match : [{}]) as RenderedMatch[])
    .map((match) => ({ index, match, outcome: JSON.stringify({ ...entry, name: undefined, match: undefined }), name: entry.name as string })));
  for (const { early, late } of precedenceConflicts(entries)) {
    problems.push(`route "${late.name}" of ${where} (${describeRenderedMatch(late.match)}) would take requests that route "${early.name}" ` +
      `(${describeRenderedMatch(early.match)}) takes first: ${PRECEDENCE_FIX}`);
  }
  return { rules, problems: [...new Set(problems)] };
}
