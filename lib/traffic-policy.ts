import { Duration } from 'cdk8s';
import { istioDuration } from './private/istio-duration';

/**
 * How a client sidecar encrypts connections to the destination (DestinationRule
 * `trafficPolicy.tls.mode`).
 *
 * Only the modes that need no certificate of your own are offered: `SIMPLE` and `MUTUAL` towards
 * mesh services are almost always a mistake (they break Istio's mTLS).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings-TLSmode
 */
export enum ClientTlsMode {
  /** Istio mutual TLS with the workload certificates: what STRICT PeerAuthentication expects. */
  ISTIO_MUTUAL = 'ISTIO_MUTUAL',
  /** Plain text. Only for destinations without a sidecar. */
  DISABLE = 'DISABLE',
}

/**
 * Limits on connections and requests to each host of the destination: the first half of
 * circuit breaking (the second is `OutlierDetection`).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings
 */
export interface ConnectionPoolSettings {
  /**
   * Most TCP connections to a destination host.
   * @default - Istio's default, 2^32-1
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings-TCPSettings
   */
  readonly maxConnections?: number;
  /**
   * TCP connect timeout.
   * @default - Istio's default, 10s
   */
  readonly connectTimeout?: Duration;
  /**
   * Most requests queued while waiting for a connection (HTTP/1.1).
   * @default - Istio's default, 2^32-1
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings-HTTPSettings
   */
  readonly http1MaxPendingRequests?: number;
  /**
   * Most concurrent requests to a destination (HTTP/2 and HTTP/1.1 alike).
   * @default - Istio's default, 2^32-1
   */
  readonly http2MaxRequests?: number;
  /**
   * Requests per connection before it is closed (1 turns keep-alive off).
   * @default - unlimited
   */
  readonly maxRequestsPerConnection?: number;
  /**
   * Most retries outstanding to all hosts of the destination at once.
   * @default - Istio's default, 2^32-1
   */
  readonly maxRetries?: number;
  /**
   * Close upstream connections idle for this long.
   * @default - Istio's default, 1h
   */
  readonly idleTimeout?: Duration;
}

/**
 * Ejection of hosts that keep failing from the load-balancing pool: the second half of circuit
 * breaking.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
 */
export interface OutlierDetection {
  /**
   * Consecutive 5xx responses (or connection failures) before a host is ejected.
   * @default 5
   */
  readonly consecutive5xxErrors?: number;
  /**
   * Consecutive 502/503/504 responses before a host is ejected.
   * @default - not counted separately
   */
  readonly consecutiveGatewayErrors?: number;
  /**
   * Time between ejection sweeps.
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;
  /**
   * Minimum ejection time; it grows with each ejection of the same host.
   * @default Duration.seconds(30)
   */
  readonly baseEjectionTime?: Duration;
  /**
   * Most hosts of the pool that may be ejected at once, in percent.
   * @default 10
   */
  readonly maxEjectionPercent?: number;
  /**
   * Outlier detection is suspended while fewer than this percentage of hosts are healthy.
   * @default - Istio's default, 0 (always on)
   */
  readonly minHealthPercent?: number;
}

/**
 * Where traffic goes when the client's own locality has no healthy endpoint.
 *
 * Locality failover needs outlier detection (Istio ignores it otherwise); CanaryRelease
 * rejects a failover without `outlierDetection`.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LocalityLoadBalancerSetting-Failover
 */
export interface LocalityFailover {
  /** Region of the client, e.g. `us-east`. */
  readonly from: string;
  /** Region to fail over to, e.g. `us-west`. */
  readonly to: string;
}

/**
 * The load-balancing algorithm of a destination.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings
 */
export class LoadBalancerPolicy {
  /** Round robin over the healthy hosts. */
  public static roundRobin(): LoadBalancerPolicy {
    return new LoadBalancerPolicy({ simple: 'ROUND_ROBIN' });
  }

  /** Fewest outstanding requests among two random hosts (Istio's default). */
  public static leastRequest(): LoadBalancerPolicy {
    return new LoadBalancerPolicy({ simple: 'LEAST_REQUEST' });
  }

  /** A random healthy host. */
  public static random(): LoadBalancerPolicy {
    return new LoadBalancerPolicy({ simple: 'RANDOM' });
  }

  /**
   * Sticky sessions: requests with the same value of `header` go to the same host (ring hash).
   * @param header e.g. `x-user-id`
   */
  public static consistentHashByHeader(header: string): LoadBalancerPolicy {
    return new LoadBalancerPolicy({ consistentHash: { httpHeaderName: header } }, header);
  }

  /**
   * Sticky sessions by cookie; Envoy sets the cookie when the request has none.
   * @param name cookie name
   * @param ttl lifetime of the cookie Envoy generates
   */
  public static consistentHashByCookie(name: string, ttl: Duration): LoadBalancerPolicy {
    return new LoadBalancerPolicy({ consistentHash: { httpCookie: { name, ttl: istioDuration(ttl) } } }, name);
  }

  /** Sticky sessions by client IP address. */
  public static consistentHashBySourceIp(): LoadBalancerPolicy {
    return new LoadBalancerPolicy({ consistentHash: { useSourceIp: true } });
  }

  private constructor(private readonly settings: Record<string, unknown>, private readonly key?: string) {}

  /**
   * The `loadBalancer` object, without locality settings.
   * @internal
   */
  public _toIstio(): Record<string, unknown> {
    return JSON.parse(JSON.stringify(this.settings));
  }

  /**
   * The header or cookie name the policy hashes on, for validation.
   * @internal
   */
  public get _key(): string | undefined {
    return this.key;
  }
}

/**
 * Traffic policy of the destination (DestinationRule `trafficPolicy`): circuit breaking,
 * load balancing with locality failover, and TLS towards the workloads.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#TrafficPolicy
 */
export interface TrafficPolicy {
  /**
   * Connection and request limits.
   * @default - Istio's defaults (practically unlimited)
   */
  readonly connectionPool?: ConnectionPoolSettings;
  /**
   * Ejection of failing hosts.
   * @default - no outlier detection
   */
  readonly outlierDetection?: OutlierDetection;
  /**
   * Load-balancing algorithm.
   * @default - Istio's default, LoadBalancerPolicy.leastRequest()
   */
  readonly loadBalancer?: LoadBalancerPolicy;
  /**
   * Region failover order for locality-aware load balancing. Needs `outlierDetection`.
   * @default - Istio's mesh-wide locality settings
   * @see https://istio.io/latest/docs/tasks/traffic-management/locality-load-balancing/failover/
   */
  readonly localityFailover?: LocalityFailover[];
  /**
   * TLS towards the workloads.
   * @default ClientTlsMode.ISTIO_MUTUAL
   */
  readonly tls?: ClientTlsMode;
}
