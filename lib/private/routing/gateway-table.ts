import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { RoutingRegistry } from './registry';
import { renderGatewayRoute } from './render-istio';
import { MeshValidationError } from '../errors';
import { ResolvedHttpRoute, sortRoutes } from '../gateway/routes';

/** A route of a host on a gateway, as one construct declared it. */
export interface GatewayRouteDef {
  readonly resolved: ResolvedHttpRoute;
  readonly owner: IConstruct;
  /**
   * Name the expanded routes after the service's routes (a release bound to the gateway: its
   * gateway routes are the service's routes), instead of after this route.
   */
  readonly takeServiceRouteNames?: boolean;
  /** How to remove this contribution, for conflict messages. */
  readonly fix: string;
}

/**
 * All routes of one host on one gateway in the app: rendered as exactly one VirtualService, owned
 * by the first construct that routed the host. Routes to a service that has a route table go
 * through that table (its versions, weights, faults), so the gateway and the mesh route alike.
 */
export class GatewayTable {
  /** The VirtualService rendering this table. */
  public object?: ApiObject;
  /** Route names taken on this host (shared by every contributor). */
  public readonly routeNames = new Set<string>();
  private readonly defs: GatewayRouteDef[] = [];
  private readonly listeners: Array<(def: GatewayRouteDef) => void> = [];

  constructor(private readonly registry: RoutingRegistry, public readonly gatewayRef: string, public readonly host: string) {}

  public get routes(): GatewayRouteDef[] {
    return [...this.defs];
  }

  public addRoute(def: GatewayRouteDef): void {
    const clash = this.defs.find((d) => d.resolved.key === def.resolved.key);
    if (clash) {
      const both = clash.owner === def.owner ? `route "${clash.resolved.name}"` : `${clash.owner.node.path} (${clash.fix})`;
      throw new MeshValidationError(def.owner, `host "${this.host}" on gateway ${this.gatewayRef} is already routed for ${def.resolved.description} by ${both}; ` +
        `one host has one VirtualService, so each request must have one route: ${def.fix}, or make the matches differ`);
    }
    this.defs.push(def);
    this.listeners.forEach((fn) => fn(def));
  }

  /** Calls `fn` for every route of the table, those added so far and those added later. */
  public onRoute(fn: (def: GatewayRouteDef) => void): void {
    this.defs.forEach(fn);
    this.listeners.push(fn);
  }

  /**
   * The `http` routes, in the order Envoy evaluates them, for a VirtualService in `namespace`. A
   * route that cannot be rendered (it cannot be combined with the service's table) is left out
   * and reported by `problems()`, so serialization never throws.
   */
  public renderHttp(namespace: string): Record<string, unknown>[] {
    return this.render(namespace).http;
  }

  /** Routes of this host that cannot be rendered, as validation messages (checked at synth). */
  public problems(): string[] {
    const namespace = this.object?.metadata.namespace;
    return namespace === undefined ? [] : this.render(namespace).errors;
  }

  private render(namespace: string): { http: Record<string, unknown>[]; errors: string[] } {
    const byResolved = new Map(this.defs.map((d) => [d.resolved, d]));
    const errors: string[] = [];
    const http = sortRoutes(this.defs.map((d) => d.resolved)).flatMap((r) => {
      try {
        return renderGatewayRoute(this.registry, byResolved.get(r)!, namespace);
      } catch (e) {
        if (!(e instanceof MeshValidationError)) throw e;
        errors.push(e.message);
        return [];
      }
    });
    return { http, errors };
  }
}
