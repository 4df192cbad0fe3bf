import { istioDuration } from '../istio-duration';
import { renderRetryPolicy } from '../retry-policy';
import { RenderedMatch } from './types';
import type { FaultInjection } from '../../fault-injection';
import {
  DestinationRuleSpecTrafficPolicy, DestinationRuleSpecTrafficPolicyLoadBalancerSimple, DestinationRuleSpecTrafficPolicyTlsMode,
  VirtualServiceSpecHttp, VirtualServiceSpecHttpRoute,
} from '../../imports/networking.istio.io';
import type { RetryPolicy } from '../../shared-interfaces';
import { ClientTlsMode, TrafficPolicy } from '../../traffic-policy';

/** Names of the subsets (Argo Rollouts' conventional names). */
export const STABLE_SUBSET = 'stable';
export const CANARY_SUBSET = 'canary';
/** Name of the weighted route (listed in the Rollout's `routes`). */
export const PRIMARY_ROUTE = 'primary';

/** A destination of the routes: a host, and a subset when splitting by subset. */
export interface Destination {
  readonly host: string;
  readonly subset?: string;
}

/** Everything the HTTP routes are built from. */
export interface RouteInputs {
  readonly port: number;
  readonly stable: Destination;
  readonly canary: Destination;
  readonly stableWeight: number;
  readonly canaryWeight: number;
  readonly matches: Array<{ readonly rendered: RenderedMatch; readonly meshOnly: boolean }>;
  /** Percentage mirrored to the canary from the primary route (static weights only). */
  readonly mirrorPercent?: number;
  readonly fault?: FaultInjection;
  readonly timeout?: string;
  readonly retries?: RetryPolicy;
}

/** The HTTP routes: one per canary match (100% canary), then the weighted primary route. */
export function httpRoutes(inputs: RouteInputs, forGateway: boolean): VirtualServiceSpecHttp[] {
  const common = commonRouteFields(inputs);
  const routes: VirtualServiceSpecHttp[] = [];
  inputs.matches.forEach((m, i) => {
    if (forGateway && m.meshOnly) return;
    routes.push({
      name: `canary-match-${i + 1}`,
      match: [{ headers: m.rendered.headers, sourceLabels: m.rendered.sourceLabels }],
      route: [{ destination: destination(inputs.canary, inputs.port) }],
      ...common,
    });
  });
  routes.push({
    name: PRIMARY_ROUTE,
    route: [weighted(inputs.stable, inputs.port, inputs.stableWeight), weighted(inputs.canary, inputs.port, inputs.canaryWeight)],
    mirror: inputs.mirrorPercent ? { ...destination(inputs.canary, inputs.port) } : undefined,
    mirrorPercentage: inputs.mirrorPercent ? { value: inputs.mirrorPercent } : undefined,
    ...common,
  });
  return routes;
}

function commonRouteFields(inputs: RouteInputs): Partial<VirtualServiceSpecHttp> {
  const f = inputs.fault;
  const r = inputs.retries;
  return {
    timeout: inputs.timeout,
    retries: renderRetryPolicy(r),
    fault: f ? {
      delay: f.delay ? { fixedDelay: istioDuration(f.delay), percentage: { value: f.delayPercent ?? 100 } } : undefined,
      abort: f.abortHttpStatus !== undefined ? { httpStatus: f.abortHttpStatus, percentage: { value: f.abortPercent ?? 100 } } : undefined,
    } : undefined,
  };
}

function destination(d: Destination, port: number) {
  return { host: d.host, subset: d.subset, port: { number: port } };
}

function weighted(d: Destination, port: number, weight: number): VirtualServiceSpecHttpRoute {
  return { destination: destination(d, port), weight };
}

/** The DestinationRule `trafficPolicy`; TLS defaults to ISTIO_MUTUAL. */
export function renderTrafficPolicy(policy: TrafficPolicy | undefined): DestinationRuleSpecTrafficPolicy {
  const p = policy ?? {};
  const pool = p.connectionPool;
  const tcp = pool && (pool.maxConnections !== undefined || pool.connectTimeout !== undefined) ? {
    maxConnections: pool.maxConnections,
    connectTimeout: pool.connectTimeout ? istioDuration(pool.connectTimeout) : undefined,
  } : undefined;
  const httpFields = pool ? {
    http1MaxPendingRequests: pool.http1MaxPendingRequests,
    http2MaxRequests: pool.http2MaxRequests,
    maxRequestsPerConnection: pool.maxRequestsPerConnection,
    maxRetries: pool.maxRetries,
    idleTimeout: pool.idleTimeout ? istioDuration(pool.idleTimeout) : undefined,
  } : {};
  const http = Object.values(httpFields).some((v) => v !== undefined) ? httpFields : undefined;
  const od = p.outlierDetection;
  const failover = p.localityFailover ?? [];
  const lb = p.loadBalancer?._toIstio();
  const loadBalancer = lb || failover.length > 0 ? {
    // An explicit algorithm (Istio's default) when only locality settings are given: Flagger's
    // Canary schema requires `simple` or `consistentHash`.
    ...(lb ?? { simple: DestinationRuleSpecTrafficPolicyLoadBalancerSimple.LEAST_UNDERSCORE_REQUEST }),
    localityLbSetting: failover.length > 0 ? { enabled: true, failover: failover.map((f) => ({ from: f.from, to: f.to })) } : undefined,
  } : undefined;
  return {
    connectionPool: tcp || http ? { tcp, http } : undefined,
    outlierDetection: od ? {
      consecutive5XxErrors: od.consecutive5xxErrors,
      consecutiveGatewayErrors: od.consecutiveGatewayErrors,
      interval: od.interval ? istioDuration(od.interval) : undefined,
      baseEjectionTime: od.baseEjectionTime ? istioDuration(od.baseEjectionTime) : undefined,
      maxEjectionPercent: od.maxEjectionPercent,
      minHealthPercent: od.minHealthPercent,
    } : undefined,
    loadBalancer,
    tls: { mode: (p.tls ?? ClientTlsMode.ISTIO_MUTUAL) as string as DestinationRuleSpecTrafficPolicyTlsMode },
  };
}
