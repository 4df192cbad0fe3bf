import { IConstruct } from 'constructs';
import { ambientRoutingProblems } from './ambient';
import { describeRenderedMatch, RenderedMatch, routeCovers, routeKey } from './match-algebra';
import { RoutingApi } from '../../routing-api';
import type { TrafficPolicy } from '../../traffic-policy';
import { MeshValidationError } from '../errors';

/**
 * The routing intent of one service, whichever constructs declare it: its versions, its ordered
 * routes and its traffic policies. Rendered by a target (Istio VirtualService + DestinationRule
 * today); nothing here is specific to one API.
 */

export type Labels = { readonly [key: string]: string };

/** The service a table routes: the host clients call. */
export interface RoutedServiceRef {
  readonly name: string;
  readonly namespace: string;
  /** The port routes send to. */
  readonly port?: number;
  /** The Service's selector, when the Service is part of the app. */
  readonly selector?: Labels;
}

/** A named version: a subset of the service's pods, or a Service of its own (split by host). */
export interface VersionDef {
  readonly name: string;
  /** Pod labels that select the version, beside the Service's selector (subset labels). */
  readonly labels?: Labels;
  /** A Service of its own (`reviews-canary`), for split by host; no subset. */
  readonly host?: string;
  readonly trafficPolicy?: TrafficPolicy;
  readonly owner: IConstruct;
}

/** Where a route sends requests: one version (weight 100) or a share of the traffic. */
export interface BackendDef {
  /** Version name; undefined = the whole service (no subset). */
  readonly version?: string;
  /** Weight; undefined when the route has one backend. */
  readonly weight?: number;
}

/** What a route does besides choosing backends, in neutral units. */
export interface RouteBehaviour {
  readonly fault?: {
    readonly delay?: { readonly fixedDelay: string; readonly percent: number };
    readonly abort?: { readonly httpStatus: number; readonly percent: number };
  };
  readonly timeout?: string;
  readonly retries?: { readonly attempts: number; readonly perTryTimeout?: string; readonly retryOn?: string };
  readonly mirror?: { readonly version?: string; readonly percent?: number };
  readonly rewrite?: { readonly uri?: string; readonly authority?: string };
  readonly redirect?: { readonly uri?: string; readonly authority?: string; readonly redirectCode?: number };
  readonly requestHeaders?: HeaderOps;
  readonly responseHeaders?: HeaderOps;
  readonly corsPolicy?: Record<string, unknown>;
}

/** Header changes, neutral form. */
export interface HeaderOps {
  readonly set?: { readonly [name: string]: string };
  readonly add?: { readonly [name: string]: string };
  readonly remove?: readonly string[];
}

/** One route as declared by one construct. */
export interface RouteDef {
  /** Route name (Envoy's route name, what Argo Rollouts and rate limits refer to). */
  readonly name: string;
  /** Alternatives (OR); empty = every request. */
  readonly matches: readonly RenderedMatch[];
  readonly backends: readonly BackendDef[];
  readonly behaviour: RouteBehaviour;
  /** The construct that declared it, and the prop, for errors. */
  readonly owner: IConstruct;
  readonly prop: string;
}

/** A controller (Flagger) that writes the routing of the service itself. */
interface ControllerClaim {
  readonly owner: IConstruct;
  readonly what: string;
}

const apiName = (api: RoutingApi) => (api === RoutingApi.GATEWAY_API ? 'RoutingApi.GATEWAY_API' : 'RoutingApi.ISTIO');

const describeRoute = (r: RouteDef) => `route "${r.name}" (${r.matches.length ? r.matches.map(describeRenderedMatch).join(' or ') : 'every request'}) of ${r.owner.node.path}`;

/**
 * All the routing of one service host in the app: one VirtualService and one DestinationRule are
 * rendered from it, whichever constructs contribute.
 */
export class ServiceTable {
  private readonly versionDefs = new Map<string, VersionDef>();
  private readonly routeDefs: RouteDef[] = [];
  private policy?: { readonly policy: TrafficPolicy; readonly owner: IConstruct };
  private apiChoice?: { readonly api: RoutingApi; readonly owner: IConstruct };
  private controller?: ControllerClaim;

  constructor(public readonly service: RoutedServiceRef, public readonly owner: IConstruct) {}

  /** `<name>.<namespace>.svc.cluster.local` without the cluster domain: the table's key. */
  public get key(): string {
    return `${this.service.namespace}/${this.service.name}`;
  }

  public get versions(): VersionDef[] {
    return [...this.versionDefs.values()];
  }

  public get trafficPolicy(): TrafficPolicy | undefined {
    return this.policy?.policy;
  }

  /** Whether a route of the table (of any construct) is named `name`. */
  public hasRouteName(name: string): boolean {
    return this.routeDefs.some((r) => r.name === name);
  }

  /** The API the table is rendered with (Istio's unless a construct chose Gateway API). */
  public get api(): RoutingApi {
    return this.apiChoice?.api ?? RoutingApi.ISTIO;
  }

  /** Records the API a construct renders the table with; two constructs choosing differently is an error. */
  public setApi(api: RoutingApi, owner: IConstruct): void {
    if (this.apiChoice && this.apiChoice.api !== api) {
      throw new MeshValidationError(owner, `service ${this.key} is routed with ${apiName(this.apiChoice.api)} by ${this.apiChoice.owner.node.path}, ` +
        `and with ${apiName(api)} here; a service's routes are rendered with one API: choose the same in both constructs`);
    }
    this.apiChoice ??= { api, owner };
  }

  /** The controller writing the service's routing, if any. */
  public get controlledBy(): string | undefined {
    return this.controller?.what;
  }

  /**
   * Declares a version; declaring the same version twice with the same pods is allowed (labels the
   * Service's selector already requires make no difference: a subset selects among the Service's
   * pods). A traffic policy given by only one of the declarations applies.
   */
  public addVersion(def: VersionDef): void {
    const existing = this.versionDefs.get(def.name);
    if (existing) {
      const own = (labels?: Labels) => labels && Object.entries(labels)
        .filter(([k, v]) => this.service.selector?.[k] !== v)
        .sort(([a], [b]) => a.localeCompare(b));
      const same = JSON.stringify([own(existing.labels), existing.host]) === JSON.stringify([own(def.labels), def.host]);
      if (!same || (def.trafficPolicy && existing.trafficPolicy)) {
        throw new MeshValidationError(def.owner, `version "${def.name}" of service ${this.key} is already declared by ${existing.owner.node.path} ` +
          `(${describeVersion(existing)}${existing.trafficPolicy ? ', with a traffic policy' : ''}), here as ${describeVersion(def)}` +
          `${def.trafficPolicy ? ', with a traffic policy' : ''}; give the versions different names, or declare it once`);
      }
      if (def.trafficPolicy) this.versionDefs.set(def.name, { ...existing, trafficPolicy: def.trafficPolicy });
      return;
    }
    this.assertNotControlled(def.owner, `version "${def.name}"`);
    this.versionDefs.set(def.name, def);
  }

  public setTrafficPolicy(policy: TrafficPolicy, owner: IConstruct): void {
    if (this.policy && this.policy.owner !== owner) {
      throw new MeshValidationError(owner, `'trafficPolicy' of service ${this.key} is already set by ${this.policy.owner.node.path}; ` +
        'a service has one DestinationRule: set the traffic policy in one construct');
    }
    this.policy = { policy, owner };
  }

  /** Marks the service as routed by a controller: any other contribution is an error. */
  public claimForController(owner: IConstruct, what: string): void {
    const other = this.routeDefs[0]?.owner ?? this.versions[0]?.owner;
    if (other && other !== owner) {
      throw new MeshValidationError(owner, `service ${this.key} is routed by ${other.node.path}, and ${what} writes its routing itself; ` +
        'route the service from one construct');
    }
    this.controller = { owner, what };
  }

  /**
   * Adds the routes of one construct, in the order it declares them. A route that an earlier route
   * of the same construct shadows, a match another construct already routes, and a duplicate route
   * name are errors naming both constructs.
   */
  public addRoutes(owner: IConstruct, routes: RouteDef[]): void {
    this.assertNotControlled(owner, 'routes');
    const mine = this.routeDefs.filter((r) => r.owner === owner);
    for (const r of routes) {
      const taken = this.routeDefs.find((x) => x.name === r.name);
      if (taken) {
        throw new MeshValidationError(owner, `'${r.prop}' name "${r.name}" is already the name of ${describeRoute(taken)}; give the route another name`);
      }
      const shadow = mine.find((x) => routeCovers(x.matches, r.matches));
      if (shadow) {
        throw new MeshValidationError(owner, `'${r.prop}' (${describeRoute(r)}) can never match: ${describeRoute(shadow)} comes first and takes every ` +
          'request it would match; put the more specific route first, or remove one');
      }
      const key = routeKey(r.matches);
      const clash = this.routeDefs.find((x) => x.owner !== owner && routeKey(x.matches) === key);
      if (clash) {
        throw new MeshValidationError(owner, `'${r.prop}' (${describeRoute(r)}) conflicts with ${describeRoute(clash)}: both route the same requests of ` +
          `service ${this.key}; keep one of them, or make the matches differ`);
      }
      mine.push(r);
      this.routeDefs.push(r);
    }
  }

  /**
   * Replaces the routes of `owner` (a construct whose routes change after construction, such as a
   * release gaining canary matches), keeping their place among the other constructs' routes.
   */
  public setRoutes(owner: IConstruct, routes: RouteDef[]): void {
    const saved = [...this.routeDefs];
    const position = saved.findIndex((r) => r.owner === owner);
    this.routeDefs.splice(0, this.routeDefs.length, ...saved.filter((r) => r.owner !== owner));
    try {
      this.addRoutes(owner, routes);
    } catch (e) {
      this.routeDefs.splice(0, this.routeDefs.length, ...saved);
      throw e;
    }
    if (position >= 0) {
      const others = this.routeDefs.filter((r) => r.owner !== owner);
      others.splice(position, 0, ...routes);
      this.routeDefs.splice(0, this.routeDefs.length, ...others);
    }
  }

  /**
   * The routes in the order Envoy evaluates them: each construct's own order is kept; across
   * constructs a route comes before every route of another construct that would take all its
   * requests (specific before general); otherwise routes keep the order they were added in.
   * Throws when a route is still unreachable.
   */
  public orderedRoutes(): RouteDef[] {
    const defs = this.routeDefs;
    // Routes that must come before each route: the earlier routes of its construct, and the routes
    // of other constructs it would take all the requests of.
    const before = defs.map((r, i) => defs.filter((x, j) => (x.owner === r.owner
      ? j < i
      : routeCovers(r.matches, x.matches) && !routeCovers(x.matches, r.matches))));
    const out: RouteDef[] = [];
    const placed = new Set<RouteDef>();
    while (out.length < defs.length) {
      const left = defs.filter((r) => !placed.has(r));
      // The earliest route whose predecessors are all placed; when the constraints form a cycle,
      // the earliest left (its construct's order holds), and the check below reports the shadowing.
      const next = left.find((r) => before[defs.indexOf(r)].every((x) => placed.has(x))) ?? left[0];
      out.push(next);
      placed.add(next);
    }
    for (let k = 1; k < out.length; k++) {
      const shadow = out.slice(0, k).find((x) => routeCovers(x.matches, out[k].matches));
      if (shadow) {
        throw new MeshValidationError(out[k].owner, `${describeRoute(out[k])} can never match: ${describeRoute(shadow)} comes before it and takes every ` +
          'request it would match; give one of them a narrower match');
      }
    }
    return out;
  }

  /** The routes in order, or every route when the order is invalid (reported by `problems`). */
  public orderedRoutesSafe(): RouteDef[] {
    try {
      return this.orderedRoutes();
    } catch (e) {
      if (e instanceof MeshValidationError) return [...this.routeDefs];
      throw e;
    }
  }

  /**
   * Problems found once every construct has contributed (checked at synth by `owner`, whose path
   * cdk8s puts before each message), each naming the construct path of another contributor.
   */
  public problems(): string[] {
    const out: string[] = [...ambientRoutingProblems(this)];
    const at = (scope: IConstruct) => (scope === this.owner ? '' : `[${scope.node.path}] `);
    for (const r of this.routeDefs) {
      const names = [...r.backends.map((b) => b.version), r.behaviour.mirror?.version].filter((v): v is string => v !== undefined);
      for (const v of new Set(names)) {
        if (!this.versionDefs.has(v)) {
          out.push(`${at(r.owner)}'${r.prop}' sends requests to version "${v}", which service ${this.key} does not declare ` +
            `(versions: ${[...this.versionDefs.keys()].map((n) => `"${n}"`).join(', ') || 'none'}); add the version or fix the name`);
        }
      }
    }
    try {
      this.orderedRoutes();
    } catch (e) {
      if (!(e instanceof MeshValidationError)) throw e;
      // The message names both routes and their constructs: no path prefix of its own.
      out.push(e.message.replace(/^\[[^\]]*\] /, ''));
    }
    return out;
  }

  private assertNotControlled(owner: IConstruct, what: string): void {
    if (this.controller && this.controller.owner !== owner) {
      throw new MeshValidationError(owner, `${what} of service ${this.key} cannot be added: ${this.controller.owner.node.path} releases it with ` +
        `${this.controller.what}, which writes the service's routing itself; route the service from one construct`);
    }
  }
}

function describeVersion(v: VersionDef): string {
  if (v.host) return `Service "${v.host}"`;
  return `pods labelled ${Object.entries(v.labels ?? {}).map(([k, x]) => `${k}=${x}`).join(',') || '<any>'}`;
}
