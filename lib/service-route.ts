import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { FaultInjection } from './fault-injection';
import { CorsPolicy, HeaderOperations, HttpRewrite } from './http-route';
import { RequestMatch } from './request-match';
import { RouteTo } from './route-to';
import { RetryPolicy } from './shared-interfaces';
import { TrafficPolicy } from './traffic-policy';

/**
 * One version of a service: the pods that run it, told apart by labels. Its name is the
 * DestinationRule subset name and what routes refer to (`RouteTo.version('v2')`).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#Subset
 */
export interface ServiceVersion {
  /** Version name, e.g. `v1` (a DNS label). */
  readonly name: string;
  /**
   * Pod labels that select this version among the service's pods.
   * @default - `{ version: <name> }`
   */
  readonly selector?: { [key: string]: string };
  /**
   * The workload that runs this version (a Deployment or StatefulSet of this app, any
   * cdk8s-plus major, or its `ApiObject`). Its pods must be selected by the Service and by
   * `selector`; a cdk8s-plus workload whose pods lack the `version` label gets it.
   * @default - the pods are not in this app; `selector` is trusted
   */
  readonly workload?: IConstruct;
  /**
   * Traffic policy of this version only: each setting it gives (connection pool, outlier
   * detection, load balancer, TLS) replaces the service's for the version's pods; the settings it
   * leaves out are the service's (Istio merges a subset's policy into the service's field by field).
   * @default - the service's traffic policy
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#Subset
   */
  readonly trafficPolicy?: TrafficPolicy;
}

/**
 * Requests also sent to a version, whose responses are discarded (shadowing).
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/mirroring/
 */
export interface RouteMirror {
  /** Version that receives the copies. */
  readonly version: string;
  /**
   * Percentage of the route's requests copied (0 < p <= 100, fractions allowed).
   * @default 100
   */
  readonly percent?: number;
}

/**
 * A redirect answered by the proxy instead of forwarding the request.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRedirect
 */
export interface HttpRedirect {
  /**
   * Replaces the path.
   * @default - the path is kept
   */
  readonly uri?: string;
  /**
   * Replaces the host.
   * @default - the host is kept
   */
  readonly authority?: string;
  /**
   * Status code of the redirect (301, 302, 303, 307 or 308).
   * @default 301
   */
  readonly redirectCode?: number;
}

/**
 * A route of a service: which requests (matches), where they go (versions and weights), and what
 * happens on the way (fault, timeout, retries, mirror, rewrite, redirect, headers, CORS).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
 */
export interface ServiceRouteOptions {
  /**
   * Where matching requests go. Required unless `redirect` is set.
   * @default - none: `redirect` answers the requests
   */
  readonly to?: RouteTo;
  /**
   * Which requests the route takes: any one of the matches (OR); each match's conditions all
   * hold (AND).
   * @default - every request
   */
  readonly matches?: RequestMatch[];
  /**
   * Route name (Envoy's route name; shown in access logs and metrics).
   * @default - `route-<position>`, counted from 1 among this construct's routes (`<construct id>-route-<position>`
   * when another construct routing the service already has a route of that name)
   */
  readonly name?: string;
  /**
   * Faults injected into this route's requests only.
   * @default - none
   * @see https://istio.io/latest/docs/tasks/traffic-management/fault-injection/
   */
  readonly fault?: FaultInjection;
  /**
   * Timeout of the whole request, retries included.
   * @default - Istio's default: none
   * @see https://istio.io/latest/docs/tasks/traffic-management/request-timeouts/
   */
  readonly timeout?: Duration;
  /**
   * Retries of failed requests.
   * @default - Istio's default: 2 attempts on connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes
   */
  readonly retries?: RetryPolicy;
  /**
   * Copies of the route's requests sent to a version.
   * @default - no mirroring
   */
  readonly mirror?: RouteMirror;
  /**
   * Rewrite of path or authority before forwarding.
   * @default - no rewrite
   */
  readonly rewrite?: HttpRewrite;
  /**
   * Answer with a redirect instead of forwarding (then `to` is not allowed).
   * @default - requests are forwarded
   */
  readonly redirect?: HttpRedirect;
  /**
   * Changes to request headers.
   * @default - none
   */
  readonly requestHeaders?: HeaderOperations;
  /**
   * Changes to response headers.
   * @default - none
   */
  readonly responseHeaders?: HeaderOperations;
  /**
   * CORS policy.
   * @default - no CORS handling
   */
  readonly corsPolicy?: CorsPolicy;
}
