import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { DestinationRule, VirtualService } from './imports/networking.istio.io';
import { MeshAnalyzer } from './mesh-analyzer';
import { IMeshInstallation } from './mesh-installation';
import { markLibraryConstruct } from './private/analyzer/ownership';
import { oncePerSynth } from './private/app-scan';
import { validateLabelValue, validateTrafficPolicy } from './private/canary/validate';
import { asValidationMessages, describeValue, MeshValidationError } from './private/errors';
import { dependOnMesh } from './private/mesh-dependency';
import { ownedApiObjects } from './private/owned-objects';
import { recommendedLabels } from './private/recommended-labels';
import { versionsRefusedByPolicies } from './private/routing/admission';
import { gatewayApiTableProblems, renderGatewayApiRoute, renderVersionService } from './private/routing/gateway-api-objects';
import { podLabelsOf, versionsWithoutPods } from './private/routing/pods';
import { RoutingRegistry } from './private/routing/registry';
import { renderDestinationRule, renderMeshVirtualService } from './private/routing/render-istio';
import { resolveServiceRoute } from './private/routing/resolve-route';
import { RouteDef, ServiceTable } from './private/routing/table';
import { validateDnsLabel, validateEnum } from './private/validate';
import { objectName } from './private/zero-trust/names';
import { RoutedService } from './routed-service';
import { RoutingApi } from './routing-api';
import { ServiceRouteOptions, ServiceVersion } from './service-route';
import { TrafficPolicy } from './traffic-policy';

/**
 * Props of `ServiceRouting`.
 */
export interface ServiceRoutingProps {
  /** The Service whose requests are routed. */
  readonly service: RoutedService;
  /**
   * The versions of the service (more with `addVersion`).
   * @default - none: routes send to `RouteTo.anyVersion()` only
   */
  readonly versions?: ServiceVersion[];
  /**
   * The routes, in the order they are tried; the first whose match holds takes the request (more
   * with `addRoute`).
   * @default - none: add at least one with `addRoute`
   */
  readonly routes?: ServiceRouteOptions[];
  /**
   * Circuit breaking, load balancing and TLS towards every version.
   * @default - TLS ISTIO_MUTUAL, everything else Istio's defaults
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#TrafficPolicy
   */
  readonly trafficPolicy?: TrafficPolicy;
  /**
   * The mesh: the objects are installed after it.
   * @default - no dependency
   */
  readonly mesh?: IMeshInstallation;
  /**
   * The API the service's routes are rendered with: Istio's (VirtualService + DestinationRule
   * subsets) or the Gateway API (an HTTPRoute with the Service as parent, a Service per version).
   * Decided by the construct that first routes the service; another construct may repeat it or
   * leave it out.
   * @default - RoutingApi.ISTIO, or the API another construct routing the service chose
   */
  readonly api?: RoutingApi;
}

/**
 * The traffic of one service inside the mesh: its named versions (`v1`, `v2`, `v3`) and an
 * ordered route table — which requests go to which versions, with what weights, and what happens
 * on the way (faults, timeouts, retries, mirroring, rewrites, redirects, header changes, CORS).
 *
 * Every construct that routes the same service (`ServiceRouting`, `CanaryRelease`) adds to one
 * route table, rendered as exactly one VirtualService and one DestinationRule (a subset per
 * version) in the app. Gateway routes to the service (`IngressGateway.addRoute`) go through the
 * same table, so requests from outside reach the same versions with the same weights.
 *
 * Route order: each construct's routes keep the order they are declared in; a route whose match
 * an earlier route of the same construct already takes is an error. Across constructs, a route
 * moves before the first route of another construct that would take all its requests (specific
 * before general); two constructs routing exactly the same requests is an error naming both.
 *
 * @see https://istio.io/latest/docs/concepts/traffic-management/
 */
export class ServiceRouting extends Construct {
  /** Name of the routed Service. */
  public readonly serviceName: string;
  /** Namespace of the Service and of the routing objects. */
  public readonly namespace: string;
  /** The Service port routes apply to, when known. */
  public readonly port?: number;

  private readonly table: ServiceTable;
  private readonly routeDefs: RouteDef[] = [];
  private readonly versionNames: string[] = [];

  constructor(scope: Construct, id: string, props: ServiceRoutingProps) {
    super(scope, id);
    MeshAnalyzer.of(this);
    markLibraryConstruct(this);
    if (!props || !(props.service instanceof RoutedService)) {
      throw new MeshValidationError(this, '\'service\' must be a RoutedService (RoutedService.fromService(service) or RoutedService.fromName(name, namespace, port)), ' +
        `got ${describeValue(props?.service, 'object')}; e.g. RoutedService.fromService(apiService)`);
    }
    const service = props.service._resolve(this);
    this.serviceName = service.name;
    this.namespace = service.namespace;
    this.port = service.port;
    const { table, created } = RoutingRegistry.of(this).serviceTable(this, service);
    this.table = table;
    validateEnum(this, 'api', props.api, 'RoutingApi', { ISTIO: RoutingApi.ISTIO, GATEWAY_API: RoutingApi.GATEWAY_API });
    if (created || props.api !== undefined) table.setApi(props.api ?? RoutingApi.ISTIO, this);
    if (props.trafficPolicy !== undefined) {
      validateTrafficPolicy(this, props.trafficPolicy, false);
      table.setTrafficPolicy(props.trafficPolicy, this);
    }
    dependOnMesh(this, props.mesh);
    for (const v of props.versions ?? []) this.addVersion(v);
    for (const r of props.routes ?? []) this.addRoute(r);

    if (created && table.api === RoutingApi.GATEWAY_API) {
      renderGatewayApiRoute(this, table, (name) => this.metadata(name));
    } else if (created) {
      new DestinationRule(this, 'DestinationRule', {
        metadata: this.metadata(this.serviceName),
        spec: Lazy.any({ produce: () => renderDestinationRule(table) ?? { host: this.serviceName } }),
      });
      new VirtualService(this, 'Resource', { metadata: this.metadata(this.serviceName), spec: Lazy.any({ produce: () => renderMeshVirtualService(table) }) });
    }
    // The construct that created the table checks the whole table; every ServiceRouting checks its own versions.
    this.node.addValidation({ validate: oncePerSynth(this, () => this.validateTable(created)) });
  }

  /**
   * Every Kubernetes object this construct has rendered so far, to patch with `addJsonPatch()`
   * (`ApiObject.of()` has no single answer for a construct of several objects), e.g.
   * `x.apiObjects.find((o) => o.kind === 'DestinationRule' && o.name === 'reviews')`.
   */
  public get apiObjects(): ApiObject[] {
    return ownedApiObjects(this);
  }

  /** Names of the versions this construct declared, in order. */
  public get versions(): string[] {
    return [...this.versionNames];
  }

  /** Names of the routes this construct declared, in order. */
  public get routes(): string[] {
    return this.routeDefs.map((r) => r.name);
  }

  /**
   * Declares a version of the service: the pods that run it and, optionally, a traffic policy of
   * its own. The version's name is its DestinationRule subset name.
   */
  public addVersion(version: ServiceVersion): void {
    const prop = `versions[${this.versionNames.length}]`;
    if (!version || typeof version !== 'object') {
      throw new MeshValidationError(this, `'${prop}' must be a version object such as { name: 'v1' }, got ${describeValue(version)}`);
    }
    validateDnsLabel(this, `${prop}.name`, version.name);
    const labels = version.selector !== undefined ? this.checkSelector(`${prop}.selector`, version.selector) : { version: version.name };
    if (version.workload !== undefined) this.checkWorkload(prop, version.workload, labels);
    if (version.trafficPolicy !== undefined) validateTrafficPolicy(this, version.trafficPolicy, false);
    const isNew = !this.table.versions.some((v) => v.name === version.name);
    this.table.addVersion({ name: version.name, labels, trafficPolicy: version.trafficPolicy, owner: this });
    this.versionNames.push(version.name);
    if (isNew && this.table.api === RoutingApi.GATEWAY_API) renderVersionService(this, this.table, version.name, (n) => this.metadata(n));
  }

  /**
   * Adds a route after the routes this construct already declared.
   */
  public addRoute(route: ServiceRouteOptions): void {
    const position = this.routeDefs.length + 1;
    // Another construct routing the service may have taken `route-<n>` already.
    const defaultName = this.table.hasRouteName(`route-${position}`) ? objectName(this.node.id, 'route', String(position)) : `route-${position}`;
    const def = resolveServiceRoute(this, `routes[${this.routeDefs.length}]`, route, defaultName);
    this.table.addRoutes(this, [def]);
    this.routeDefs.push(def);
  }

  /** Labels and place of the routing objects. */
  private metadata(name: string) {
    return { name, namespace: this.namespace, labels: recommendedLabels(this, { name: this.serviceName, component: 'routing', partOf: this.namespace }) };
  }

  private checkSelector(prop: string, selector: { [key: string]: string }): { [key: string]: string } {
    if (!selector || typeof selector !== 'object' || Array.isArray(selector) || Object.keys(selector).length === 0) {
      throw new MeshValidationError(this, `'${prop}' must be a non-empty object of pod labels, e.g. { version: 'v2' }, got ${describeValue(selector)}`);
    }
    for (const [k, v] of Object.entries(selector)) {
      if (typeof v !== 'string') throw new MeshValidationError(this, `'${prop}' label "${k}" must be a string, got ${describeValue(v)}`);
      validateLabelValue(this, `${prop}.${k}`, v, 'use a label value: letters, digits, -, _ and . (at most 63)');
    }
    return Object.fromEntries(Object.entries(selector).sort(([a], [b]) => a.localeCompare(b)));
  }

  /** The workload's pods must carry the version's labels (added to a cdk8s-plus workload's pods when missing) and be selected by the Service. */
  private checkWorkload(prop: string, workload: IConstruct, labels: { [key: string]: string }): void {
    let obj: ApiObject | undefined;
    try {
      obj = ApiObject.isApiObject(workload) ? workload : ApiObject.of(workload);
    } catch {
      obj = undefined;
    }
    const pods = obj ? podLabelsOf(obj) : undefined;
    if (!obj || !pods) {
      throw new MeshValidationError(this, `'${prop}.workload' must be a Deployment, StatefulSet, DaemonSet or Rollout of this app, got ` +
        `${obj ? `${obj.kind} "${obj.name}"` : describeValue(workload?.node?.path ?? workload)}; for pods outside the app give only 'selector'`);
    }
    const namespace = obj.metadata.namespace ?? Chart.of(obj).namespace;
    if (namespace !== undefined && namespace !== this.namespace) {
      throw new MeshValidationError(this, `'${prop}.workload' ${obj.kind} "${obj.name}" is in namespace "${namespace}", but Service "${this.serviceName}" ` +
        `selects pods in namespace "${this.namespace}" only; run the version's workload in namespace "${this.namespace}"`);
    }
    const podMetadata = (workload as { podMetadata?: { addLabel?: (k: string, v: string) => void } }).podMetadata;
    for (const [k, v] of Object.entries(labels)) {
      if (pods[k] === v) continue;
      if (pods[k] !== undefined || typeof podMetadata?.addLabel !== 'function') {
        throw new MeshValidationError(this, `'${prop}' selects pods labelled ${k}=${v}, but the pods of ${obj.kind} "${obj.name}" are labelled ` +
          `${k}=${pods[k] ?? '<unset>'}; label the pods, or give the version a selector their labels satisfy`);
      }
      podMetadata.addLabel(k, v);
      pods[k] = v;
    }
    const selector = this.table.service.selector;
    const unselected = Object.entries(selector ?? {}).filter(([k, v]) => pods[k] !== v);
    if (unselected.length > 0) {
      throw new MeshValidationError(this, `'${prop}.workload' ${obj.kind} "${obj.name}" runs pods the Service "${this.serviceName}" does not select ` +
        `(it needs ${unselected.map(([k, v]) => `${k}=${v}`).join(',')}); label the pods so the Service sends them requests`);
    }
  }

  private validateTable(created: boolean): string[] {
    const errors = versionsWithoutPods(this.table, this);
    if (!created) return errors;
    if (this.table.api === RoutingApi.GATEWAY_API) errors.push(...gatewayApiTableProblems(this, this.table));
    errors.unshift(...asValidationMessages(this, this.table.problems()), ...versionsRefusedByPolicies(this.table));
    if (this.table.orderedRoutesSafe().length === 0) {
      errors.push(`service ${this.table.key} has no routes; add one, e.g. addRoute({ to: RouteTo.version('${this.table.versions[0]?.name ?? 'v1'}') })`);
    }
    return errors;
  }
}
