import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { HeaderMatch, PathMatch } from './http-match';
import { resolveService } from './private/app-objects';
import { describeValue, MeshValidationError } from './private/errors';
import { CLUSTER_DOMAIN } from './private/gateway/render';
import { LocalRateLimit } from './rate-limit';
import { RetryPolicy } from './shared-interfaces';

/**
 * A route destination resolved for the mesh.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Destination
 */
export interface RouteDestinationConfig {
  /** Fully qualified host, e.g. `web.shop.svc.cluster.local`. */
  readonly host: string;
  /**
   * Port of the destination service.
   * @default - the only port of the service
   */
  readonly port?: number;
}

/**
 * Where a route sends requests: a Kubernetes Service of this app, or any host the mesh knows
 * (another Service, a ServiceEntry host).
 *
 * Hosts are written fully qualified (`<name>.<namespace>.svc.cluster.local`): the
 * VirtualService lives in the gateway's namespace, where a short name would mean a Service of
 * that namespace.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Destination
 */
export class RouteDestination {
  /**
   * A Service of this app: any construct whose API object is a Service (cdk8s-plus of any major
   * version, `k8s.KubeService`, `ApiObject`). Its name, namespace (metadata or chart) and ports are
   * read from the synthesized object.
   *
   * @param service the Service
   * @param port the Service port; may be omitted when the Service has exactly one port
   */
  public static fromService(service: IConstruct, port?: number): RouteDestination {
    return new RouteDestination((scope) => {
      const svc = resolveService(scope, 'to', service, "for a Service this app does not define use RouteDestination.host('web.shop.svc.cluster.local', 80)");
      if (svc.namespace === undefined) {
        throw new MeshValidationError(scope,
          `'to' Service "${svc.name}" has no namespace; set metadata.namespace (or the chart namespace) on the Service`);
      }
      const ports = svc.ports.map((p) => p.port);
      if (port === undefined && ports.length !== 1) {
        throw new MeshValidationError(scope,
          `'to' Service "${svc.name}" has ${ports.length === 0 ? 'no ports' : `ports ${ports.join(', ')}`}; name the port: RouteDestination.fromService(service, <port>)`);
      }
      if (port !== undefined && !ports.includes(port)) {
        throw new MeshValidationError(scope,
          `'to' port ${describeValue(port, 'number')} is not a port of Service "${svc.name}" (ports: ${ports.join(', ') || 'none'}); use one of them`);
      }
      return { host: `${svc.name}.${svc.namespace}.svc.${CLUSTER_DOMAIN}`, port: port ?? ports[0] };
    });
  }

  /**
   * A host the mesh knows, fully qualified: a Service (`web.shop.svc.cluster.local`) or a
   * ServiceEntry host.
   *
   * @param host the host
   * @param port its port; may be omitted when the host has exactly one port
   */
  public static host(host: string, port?: number): RouteDestination {
    return new RouteDestination(() => ({ host, port }));
  }

  private constructor(private readonly resolver: (scope: IConstruct) => RouteDestinationConfig) {}

  /**
   * Resolves the destination; `scope` is the construct reporting errors.
   */
  public toRouteDestinationConfig(scope: IConstruct): RouteDestinationConfig {
    return this.resolver(scope);
  }
}

/**
 * CORS answered by the gateway.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#CorsPolicy
 */
export interface CorsPolicy {
  /**
   * Origins allowed, exactly (`https://app.example.com`), or `*` for any.
   */
  readonly allowOrigins: string[];
  /**
   * Methods allowed.
   * @default - the method of the preflight request is not checked by Envoy
   */
  readonly allowMethods?: string[];
  /**
   * Request headers allowed.
   * @default - none beyond the CORS-safelisted headers
   */
  readonly allowHeaders?: string[];
  /**
   * Response headers the browser may read.
   * @default - none beyond the CORS-safelisted headers
   */
  readonly exposeHeaders?: string[];
  /**
   * How long browsers may cache the preflight answer.
   * @default - no Access-Control-Max-Age header
   */
  readonly maxAge?: Duration;
  /**
   * Allow credentials (cookies, Authorization).
   * @default false
   */
  readonly allowCredentials?: boolean;
}

/**
 * Header changes on requests or responses.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers-HeaderOperations
 */
export interface HeaderOperations {
  /**
   * Headers to set, replacing existing values.
   * @default - none
   */
  readonly set?: { [name: string]: string };
  /**
   * Headers to append to.
   * @default - none
   */
  readonly add?: { [name: string]: string };
  /**
   * Headers to remove.
   * @default - none
   */
  readonly remove?: string[];
}

/**
 * Rewrite of the request before it is forwarded.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRewrite
 */
export interface HttpRewrite {
  /**
   * Replaces the matched part of the path: the whole path for an exact match, the prefix for a
   * prefix match.
   * @default - the path is forwarded unchanged
   */
  readonly uri?: string;
  /**
   * Replaces the Host/Authority header.
   * @default - the host is forwarded unchanged
   */
  readonly authority?: string;
}

/**
 * A route of a host on a gateway: which requests (path, headers) go where, and how.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
 */
export interface HttpRouteOptions {
  /**
   * Where matching requests go.
   */
  readonly to: RouteDestination;
  /**
   * Path the request must have.
   * @default PathMatch.prefix('/') - every path
   */
  readonly path?: PathMatch;
  /**
   * Headers the request must have (all of them).
   * @default - no header condition
   */
  readonly headers?: HeaderMatch[];
  /**
   * Name of the route (Envoy's route name, used by per-route rate limits).
   * @default - derived from the match, e.g. `prefix-api`
   */
  readonly name?: string;
  /**
   * Rewrite of path or authority.
   * @default - no rewrite
   */
  readonly rewrite?: HttpRewrite;
  /**
   * Timeout of the whole request, retries included.
   * @default - Istio's default: no timeout
   */
  readonly timeout?: Duration;
  /**
   * Retries.
   * @default - Istio's default: 2 attempts on connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes
   */
  readonly retries?: RetryPolicy;
  /**
   * CORS policy.
   * @default - no CORS handling at the gateway
   */
  readonly corsPolicy?: CorsPolicy;
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
   * Local rate limit of this route; replaces the host's limit for requests this route matches.
   * @default - the host's limit, if any
   */
  readonly rateLimit?: LocalRateLimit;
}
