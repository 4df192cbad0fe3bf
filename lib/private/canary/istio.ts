import {
  DestinationRuleSpecTrafficPolicy, DestinationRuleSpecTrafficPolicyLoadBalancerSimple, DestinationRuleSpecTrafficPolicyTlsMode,
} from '../../imports/networking.istio.io';
import { ClientTlsMode, TrafficPolicy } from '../../traffic-policy';
import { istioDuration } from '../istio-duration';

/** Names of the subsets (Argo Rollouts' conventional names). */
export const STABLE_SUBSET = 'stable';
export const CANARY_SUBSET = 'canary';
/** Name of the weighted route (listed in the Rollout's `routes`). */
export const PRIMARY_ROUTE = 'primary';

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
