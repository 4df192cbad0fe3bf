import { ApiObject, Duration, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { ArgoCdIgnoreDifference } from './argo-cd';
import { ArgoRolloutsGatewayApiPlugin } from './argo-rollouts-gateway-api-plugin';
import { FaultInjection } from './fault-injection';
import { RouteDestination } from './http-route';
import { DestinationRule, toJson_DestinationRuleSpecTrafficPolicy, VirtualService } from './imports/networking.istio.io';
import { IngressGateway } from './ingress-gateway';
import { MeshAnalyzer } from './mesh-analyzer';
import { IMeshInstallation } from './mesh-installation';
import { markLibraryConstruct } from './private/analyzer/ownership';
import { AppService, resolveService } from './private/app-objects';
import { allConstructs, oncePerSynth } from './private/app-scan';
import { analysisTemplateSpec, ANALYSIS_TEMPLATE_GVK, headerRoute, ROLLOUT_GVK, rolloutSpec } from './private/canary/argo';
import { CANARY_GVK, canarySpec, METRIC_TEMPLATE_GVK, metricTemplateSpecs } from './private/canary/flagger';
import { ignoreDifferencesFor } from './private/canary/gitops';
import { CANARY_SUBSET, PRIMARY_ROUTE, renderTrafficPolicy, STABLE_SUBSET } from './private/canary/istio';
import { computePlan } from './private/canary/plan';
import { normalizeStrategy, Strategy } from './private/canary/strategy';
import {
  validateDuration, validateFault, validateGatewayName, validateHostname, validatePercent, validateTrafficPolicy,
} from './private/canary/validate';
import { resolveWorkloads, ReleaseVersions } from './private/canary/workloads';
import { asValidationMessages, describeValue, MeshValidationError } from './private/errors';
import { resolveHttpRoute } from './private/gateway/routes';
import { hostCovers } from './private/gateway/validate';
import { istioDuration } from './private/istio-duration';
import { dependOnMesh } from './private/mesh-dependency';
import { ownedApiObjects } from './private/owned-objects';
import { recommendedLabels } from './private/recommended-labels';
import { validateRetryPolicy } from './private/retry-policy';
import { versionsRefusedByPolicies } from './private/routing/admission';
import { gatewayApiTableProblems, renderGatewayApiRoute, renderVersionService } from './private/routing/gateway-api-objects';
import { GatewayTable } from './private/routing/gateway-table';
import { RenderedMatch } from './private/routing/match-algebra';
import { RoutingRegistry } from './private/routing/registry';
import { gatewayDuration } from './private/routing/render-gateway-api';
import { renderDestinationRule, renderMeshVirtualService, renderVersionDestinationRule } from './private/routing/render-istio';
import { behaviourOf } from './private/routing/resolve-route';
import { RouteDef, ServiceTable } from './private/routing/table';
import { isDnsLabel, validateDnsLabel, validateEnum, validateIntRange } from './private/validate';
import { objectName } from './private/zero-trust/names';
import { ReleasePlan } from './release-plan';
import { DeliveryController, MetricsReporter, ReleaseStrategy } from './release-strategy';
import { ReleaseWorkload } from './release-workload';
import { RequestMatch } from './request-match';
import { RoutingApi } from './routing-api';
import { RetryPolicy } from './shared-interfaces';
import { TrafficPolicy } from './traffic-policy';

/**
 * How requests are split between the versions.
 *
 * @see https://argoproj.github.io/argo-rollouts/features/traffic-management/istio/#comparison-between-approaches
 */
export enum SplitLevel {
  /**
   * One Service; a DestinationRule with `stable` and `canary` subsets told apart by pod labels.
   * Best for mesh-internal callers: they keep calling one host.
   */
  SUBSET = 'SUBSET',
  /**
   * A Service per version (`<service>-stable`, `<service>-canary`) beside the one clients call,
   * each with its own DestinationRule (Flagger's layout). Metrics per version come for free
   * (they differ by `destination_service`).
   */
  HOST = 'HOST',
}

/**
 * Binds the release to an Istio Gateway (north-south traffic) in addition to the mesh.
 */
export interface GatewayBinding {
  /** The Gateway, `<namespace>/<name>`, e.g. `istio-ingress/public`. */
  readonly gateway: string;
  /** Hosts clients use through the gateway; each must be a host of one of the gateway's servers. */
  readonly hosts: string[];
}

/**
 * Names of the stable and canary versions of a `CanaryRelease`.
 */
export interface ReleaseVersionNames {
  /**
   * Name of the stable version.
   * @default - its `version` label (static weights), `stable` (controllers)
   */
  readonly stable?: string;
  /**
   * Name of the canary version.
   * @default - its `version` label (static weights), `canary` (controllers)
   */
  readonly canary?: string;
}

/**
 * Props of `CanaryRelease`.
 */
export interface CanaryReleaseProps {
  /**
   * The new version. With Argo Rollouts and Flagger it is the one Deployment you keep in Git:
   * the controller rolls its pod template out and keeps the previous template running as the
   * stable version.
   */
  readonly canary: ReleaseWorkload;
  /**
   * The version serving now. Required by `ReleaseStrategy.staticWeight()`; must be omitted with
   * Argo Rollouts and Flagger, which keep the stable version themselves.
   * @default - none (controller strategies)
   */
  readonly stable?: ReleaseWorkload;
  /** How traffic moves to the canary. */
  readonly strategy: ReleaseStrategy;
  /**
   * The Service clients call, already defined in this app: any construct whose API object is a
   * Service (cdk8s-plus of any major version, `k8s.KubeService`, `ApiObject`). Its selector must
   * select the pods of both versions.
   * @default - a Service named `serviceName` selecting `app: <serviceName>` is created
   */
  readonly service?: IConstruct;
  /**
   * Name of the Service (and the `app` label of the pods, which Kiali groups by).
   * @default - the name of `service`, else the `app` label of the canary's pods (or selector), else of the stable's pods
   */
  readonly serviceName?: string;
  /**
   * Service port the routes send traffic to (an HTTP port).
   * @default - the only port of `service`, else 80
   */
  readonly port?: number;
  /**
   * Container port behind `port` on the created Service.
   * @default - the first container port of the canary Deployment, else `port`
   */
  readonly targetPort?: number;
  /**
   * The mesh: the release is installed after it, and its namespace locates Prometheus.
   * @default - no dependency; Prometheus is looked for in `istio-system`
   */
  readonly mesh?: IMeshInstallation;
  /**
   * How requests are split between the versions. Flagger always splits by host, and so does Argo
   * Rollouts on `RoutingApi.GATEWAY_API` (Gateway API has no subsets).
   * @default - SplitLevel.SUBSET; SplitLevel.HOST with Flagger, and with Argo Rollouts on RoutingApi.GATEWAY_API
   */
  readonly splitLevel?: SplitLevel;
  /**
   * Also route requests arriving through this gateway: the release's routes go into the one
   * VirtualService of each host on that gateway (shared with an `IngressGateway` that serves the
   * host; created here when none does).
   * @default - mesh-internal only (gateway `mesh`)
   */
  readonly gateway?: GatewayBinding;
  /**
   * Circuit breaking, load balancing and TLS towards both versions.
   * @default - TLS ISTIO_MUTUAL, everything else Istio's defaults
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#TrafficPolicy
   */
  readonly trafficPolicy?: TrafficPolicy;
  /**
   * Requests that always go to the canary (see `addCanaryMatch`).
   * @default - none
   */
  readonly canaryMatches?: RequestMatch[];
  /**
   * Percentage of requests also sent to the canary, whose responses are discarded (0 < p <= 100).
   * @default - no mirroring
   * @see https://istio.io/latest/docs/tasks/traffic-management/mirroring/
   */
  readonly mirrorPercent?: number;
  /**
   * Faults injected into the requests the canary matches send to the canary (the test users),
   * never into the weighted traffic; needs at least one canary match (not available with
   * Flagger). To inject faults elsewhere, route the service with `ServiceRouting`.
   * @default - none
   */
  readonly fault?: FaultInjection;
  /**
   * Names of the two versions: the DestinationRule subset names (split by subset) and the names
   * other constructs' routes use for them.
   * @default - static weights: the versions' `version` labels; Argo Rollouts and Flagger: `stable` and `canary`
   */
  readonly versionNames?: ReleaseVersionNames;
  /**
   * Timeout of each request.
   * @default - Istio's default: none
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
   */
  readonly timeout?: Duration;
  /**
   * Retries of failed requests.
   * @default - Istio's default: 2 attempts on connection failures and refused streams
   */
  readonly retries?: RetryPolicy;
  /**
   * Print the release plan (`plan()`) to stderr once, at synth.
   * @default true
   */
  readonly printPlan?: boolean;
  /**
   * The API the release's routes are rendered with. `RoutingApi.GATEWAY_API` renders an HTTPRoute
   * whose parent is the Service (GAMMA: mesh traffic) and a Service per version:
   * - static weights: the canary matches and the weighted route as its rules;
   * - Argo Rollouts: the weighted route to `<service>-stable` (100) and `<service>-canary` (0),
   *   stepped by Argo Rollouts' Gateway API plugin (register it with
   *   `ArgoRolloutsGatewayApiPlugin`); split by host; canary matches become header routes
   *   (`setHeaderRoute`, headers only); no mirroring;
   * - Flagger: its `gatewayapi:v1` provider writes the HTTPRoute; canary matches on headers and
   *   query parameters; no traffic policy or retries.
   * Argo Rollouts and Flagger not yet with a `gateway` binding.
   * @default RoutingApi.ISTIO
   */
  readonly api?: RoutingApi;
}

/**
 * Releases a new version of a service progressively, from one API: weights kept in Git
 * (`ReleaseStrategy.staticWeight`), steps run by Argo Rollouts (`steps`, `blueGreen`), or an
 * analysis run by Flagger (`flagger`).
 *
 * The release is one use of the service's route table (see `ServiceRouting`): the stable and the
 * canary are two versions, the weighted route `primary` and one route per canary match are its
 * routes, so other constructs routing the same service share its one VirtualService and
 * DestinationRule.
 *
 * Emits, in the namespace of the workloads: the Service (unless given), a DestinationRule with a
 * subset per version (named after the versions with static weights, `stable`/`canary` with
 * controllers; or one per version Service), a mesh VirtualService (and one per gateway host) with
 * the weighted route `primary` after one route per canary match; plus a `Rollout`
 * and an `AnalysisTemplate` (Argo Rollouts) or a `Canary` and two `MetricTemplate`s (Flagger,
 * which generates the routing itself). Pods of Deployments it is given get the `app` and
 * `version` labels. With `api: RoutingApi.GATEWAY_API` an HTTPRoute whose parent is the Service
 * takes the VirtualService's place (Flagger writes its own), with a Service per version.
 *
 * @see https://istio.io/latest/docs/concepts/traffic-management/
 */
export class CanaryRelease extends Construct {
  /** Namespace of the workloads and of every object of the release. */
  public readonly namespace: string;
  /** The Service clients call. */
  public readonly serviceName: string;
  /** The Service port routes send traffic to. */
  public readonly port: number;
  /** How requests are split. */
  public readonly splitLevel: SplitLevel;
  /** The strategy. */
  public readonly strategy: ReleaseStrategy;
  /** Canary weight in the synthesized VirtualService (controllers start at 0 and change it). */
  public readonly canaryWeight: number;
  /** Stable weight in the synthesized VirtualService; always `100 - canaryWeight`. */
  public readonly stableWeight: number;
  /** Version label of the canary's pods, when known. */
  public readonly canaryVersion?: string;
  /** Version label of the stable pods (static weights only). */
  public readonly stableVersion?: string;
  /** Which proxy's reports the analysis reads (controller strategies). */
  public readonly reporter?: MetricsReporter;
  /** Name of the stable version in the service's route table (its subset name when split by subset). */
  public readonly stableVersionName: string;
  /** Name of the canary version in the service's route table. */
  public readonly canaryVersionName: string;

  /** The API the release's routes are rendered with. */
  public readonly api: RoutingApi;

  private readonly norm: Strategy;
  private readonly versions: ReleaseVersions;
  private readonly mirrorPercent?: number;
  private readonly fault?: FaultInjection;
  private readonly retries?: RetryPolicy;
  private readonly timeout?: string;
  private readonly gatewayBinding?: GatewayBinding;
  private readonly matches: Array<{ readonly match: RequestMatch; readonly rendered: RenderedMatch }> = [];
  private readonly hostServices?: { readonly stable: string; readonly canary: string };
  private readonly virtualServiceNames: string[] = [];
  private readonly destinationRuleNames: string[] = [];
  private table?: ServiceTable;
  private readonly gatewayTables: GatewayTable[] = [];
  private planPrinted = false;

  /** The recommended labels of the release's objects. */
  private get labels(): { [key: string]: string } {
    return recommendedLabels(this, { name: this.serviceName, component: 'canary', partOf: this.namespace });
  }

  constructor(scope: Construct, id: string, props: CanaryReleaseProps) {
    super(scope, id);
    MeshAnalyzer.of(this);
    markLibraryConstruct(this);
    if (!props.strategy || typeof props.strategy._config !== 'object') {
      throw new MeshValidationError(this, "'strategy' is required; e.g. ReleaseStrategy.staticWeight(10) or ReleaseStrategy.steps([...])");
    }
    const config = props.strategy._config;
    const controller = props.strategy.controller;
    this.strategy = props.strategy;
    const flagger = controller === DeliveryController.FLAGGER;

    if (props.gateway) {
      validateGatewayName(this, 'gateway.gateway', props.gateway.gateway);
      if (props.gateway.hosts.length === 0) {
        throw new MeshValidationError(this, "'gateway.hosts' is empty; give the hosts clients use through the gateway, e.g. [\"shop.example.com\"]");
      }
      props.gateway.hosts.forEach((h, i) => validateHostname(this, `gateway.hosts[${i}]`, h));
      this.gatewayBinding = { gateway: props.gateway.gateway, hosts: [...props.gateway.hosts] };
    }
    this.norm = normalizeStrategy(this, config, { meshNamespace: props.mesh?.namespace ?? 'istio-system', behindGateway: !!props.gateway });
    this.api = this.routingApi(props.api);
    const argoGatewayApi = this.norm.kind === 'argo' && this.api === RoutingApi.GATEWAY_API;

    validateEnum(this, 'splitLevel', props.splitLevel, 'SplitLevel', SplitLevel);
    this.splitLevel = props.splitLevel ?? (flagger || argoGatewayApi ? SplitLevel.HOST : SplitLevel.SUBSET);
    if (flagger && this.splitLevel !== SplitLevel.HOST) {
      throw new MeshValidationError(this, "'splitLevel' SUBSET is not available with Flagger, which splits by host (its -primary and -canary " +
        "Services); remove 'splitLevel'");
    }
    if (argoGatewayApi && this.splitLevel !== SplitLevel.HOST) {
      throw new MeshValidationError(this, "'splitLevel' SUBSET is not available with Argo Rollouts on RoutingApi.GATEWAY_API: Gateway API has no " +
        "subsets, and the plugin shifts weight between the stable and canary Services; remove 'splitLevel'");
    }

    this.versions = resolveWorkloads(this, {
      canary: props.canary,
      stable: props.stable,
      strategy: this.norm,
      service: props.service,
      serviceName: props.serviceName,
      splitLevel: this.splitLevel,
    });
    this.namespace = this.versions.namespace;
    this.serviceName = this.versions.serviceName;
    this.canaryVersion = this.versions.canary.version;
    this.stableVersion = this.versions.stable?.version;
    const names = this.resolveVersionNames(props.versionNames);
    this.stableVersionName = names.stable;
    this.canaryVersionName = names.canary;
    if (this.splitLevel === SplitLevel.HOST || flagger) validateDnsLabel(this, 'serviceName', this.serviceName, 63 - '-stable'.length);

    // Ports.
    this.port = this.resolvePort(props);
    const targetPort = props.targetPort ?? this.versions.canary.containerPort ?? this.port;
    if (props.targetPort !== undefined) {
      if (props.service) throw new MeshValidationError(this, "'targetPort' only applies to the Service the release creates; set it on 'service' instead");
      validateIntRange(this, 'targetPort', props.targetPort, 1, 65535);
    }

    // Route settings.
    validateTrafficPolicy(this, props.trafficPolicy, flagger);
    validateFault(this, props.fault);
    validateRetryPolicy(this, props.retries);
    validateDuration(this, 'timeout', props.timeout);
    if (flagger && props.fault) {
      throw new MeshValidationError(this, "'fault' is not available with Flagger: its Canary has no fault injection; remove it or use " +
        'ReleaseStrategy.steps() or staticWeight()');
    }
    if (props.mirrorPercent !== undefined) {
      validatePercent(this, 'mirrorPercent', props.mirrorPercent, 0, 'omit it to mirror nothing');
      if (props.mirrorPercent === 0) throw new MeshValidationError(this, "'mirrorPercent' is 0, which mirrors nothing; omit it or give a percentage above 0");
      if (config.kind === 'blueGreen') {
        throw new MeshValidationError(this, "'mirrorPercent' is set by ReleaseStrategy.blueGreen({ mirrorPercent }); remove it from the release props");
      }
      if (this.norm.kind === 'argo' && !Number.isInteger(props.mirrorPercent)) {
        throw new MeshValidationError(this, `'mirrorPercent' must be a whole percentage with Argo Rollouts (setMirrorRoute), got ${props.mirrorPercent}`);
      }
      if (this.norm.kind === 'flagger' && this.norm.iterations === undefined) {
        throw new MeshValidationError(this, "'mirrorPercent' needs Flagger's 'iterations' (blue/green with mirroring): Flagger mirrors only " +
          'when it does not shift weights; set iterations, or drop mirrorPercent');
      }
    }
    this.mirrorPercent = props.mirrorPercent ?? (this.norm.kind !== 'static' && this.norm.blueGreen?.mirrorPercent ? this.norm.blueGreen.mirrorPercent : undefined);
    this.fault = props.fault;
    this.retries = props.retries ? { ...props.retries, retryOn: props.retries.retryOn ? [...props.retries.retryOn] : undefined } : undefined;
    this.timeout = props.timeout ? istioDuration(props.timeout) : undefined;
    if (this.api === RoutingApi.GATEWAY_API && this.norm.kind !== 'static') this.checkControllerOnGatewayApi(props, config.kind === 'blueGreen');
    this.reporter = this.norm.kind === 'static' ? undefined : this.norm.analysis.reporter;
    this.canaryWeight = this.norm.kind === 'static' ? this.norm.canaryWeight : 0;
    this.stableWeight = 100 - this.canaryWeight;

    dependOnMesh(this, props.mesh);

    // Objects.
    if (!props.service) this.createService(targetPort, this.versions.serviceSelector);
    if (this.splitLevel === SplitLevel.HOST && !flagger) {
      this.hostServices = { stable: `${this.serviceName}-stable`, canary: `${this.serviceName}-canary` };
      this.createService(targetPort, this.versions.stableSubsetLabels, 'StableService', this.hostServices.stable);
      this.createService(targetPort, this.versions.canarySubsetLabels, 'CanaryService', this.hostServices.canary);
    }
    if (flagger) {
      this.renderFlagger(targetPort, props.trafficPolicy);
    } else {
      this.renderIstio(props.trafficPolicy, this.api);
      if (this.norm.kind === 'argo') this.renderArgo();
    }

    if (props.canaryMatches !== undefined && props.canaryMatches !== null && !Array.isArray(props.canaryMatches)) {
      throw new MeshValidationError(this, `'canaryMatches' must be a list of RequestMatch, got ${describeValue(props.canaryMatches, 'object')}; ` +
        "e.g. [RequestMatch.headerExact('x-test-user', 'alice')]");
    }
    for (const m of props.canaryMatches ?? []) this.addCanaryMatch(m);
    if (props.fault) {
      this.node.addValidation({
        validate: () => this.matches.length > 0 ? [] : ["'fault' applies to the requests canary matches send to the canary, and the release has no " +
          "canary matches; add one (canaryMatches: [RequestMatch.headerExact('x-test-user', 'alice')]), or inject the fault with ServiceRouting"],
      });
    }
    if (config.kind === 'blueGreen' && !this.mirrorPercent) {
      // Matches may still be added after construction: checked at synth.
      this.node.addValidation({
        validate: () => this.matches.length > 0 ? [] : ["a blue/green release with 'mirrorPercent: 0' and no canary matches gives the " +
          'analysis no requests to judge, so every check fails; keep the default mirroring, or addCanaryMatch() for test users'],
      });
    }
    if (this.gatewayBinding) this.node.addValidation({ validate: oncePerSynth(this, () => this.unservedGatewayHosts()) });
    if (props.printPlan ?? true) this.node.addValidation({ validate: () => this.printPlanOnce() });
  }

  /**
   * Every Kubernetes object this construct has rendered so far, to patch with `addJsonPatch()`
   * (`ApiObject.of()` has no single answer for a construct of several objects), e.g.
   * `x.apiObjects.find((o) => o.kind === 'VirtualService' && o.name === 'reviews')`.
   */
  public get apiObjects(): ApiObject[] {
    return ownedApiObjects(this);
  }

  /**
   * Sends every request that satisfies `match` to the canary (A/B test, "route the test user to
   * v2"), whatever the weights. Rendered as a route before the weighted one; with Flagger as
   * `analysis.match`, which needs `iterations` (Flagger's A/B mode).
   */
  public addCanaryMatch(match: RequestMatch): void {
    const prop = `canaryMatches[${this.matches.length}]`;
    if (!(match instanceof RequestMatch)) {
      throw new MeshValidationError(this, `'${prop}' must be a RequestMatch, got ${describeValue(match, 'object')}; ` +
        "e.g. RequestMatch.headerExact('x-test-user', 'alice')");
    }
    const rendered = match._render(this, prop);
    if (this.norm.kind === 'flagger' && this.norm.iterations === undefined) {
      throw new MeshValidationError(this, `'${prop}' needs Flagger's 'iterations': Flagger routes matching requests to the canary only ` +
        'in its A/B mode; set iterations in ReleaseStrategy.flagger(), or remove the match');
    }
    this.checkMatchForController(prop, rendered);
    const key = JSON.stringify(rendered);
    if (this.matches.some((m) => JSON.stringify(m.rendered) === key)) {
      throw new MeshValidationError(this, `'${prop}' repeats an earlier match (${match._description}); remove one of them`);
    }
    this.matches.push({ match, rendered });
    if (this.table && !this.table.controlledBy) this.table.setRoutes(this, this.routeDefs());
  }

  /** The requests that always go to the canary (a copy). */
  public get canaryMatches(): RequestMatch[] {
    return this.matches.map((m) => m.match);
  }

  /**
   * The schedule of the release: the canary weight over time, the minimum promotion time and the
   * rollback time. Printed once at synth (`printPlan`).
   */
  public plan(): ReleasePlan {
    return computePlan(this.norm, {
      title: `CanaryRelease ${this.namespace}/${this.serviceName} (${this.node.path})`,
      controller: this.strategy.controller,
      // Argo Rollouts' Gateway API plugin holds them as header routes from the first step to the end of the release.
      matches: this.matches.map((m) => (this.headerRoutes().length ? `${m.match._description} (a header route from the first step until the release ends)`
        : m.match._description)),
      mirrorPercent: this.mirrorPercent,
    });
  }

  /**
   * Argo CD `ignoreDifferences` entries for the fields the strategy's controller changes in the
   * cluster (VirtualService weights, DestinationRule subset labels, Service selectors, the
   * replicas of a Deployment it scales down). Empty for static weights: Git is the truth.
   * Use with `argoCdSyncOptions`.
   */
  public get argoCdIgnoreDifferences(): ArgoCdIgnoreDifference[] {
    return ignoreDifferencesFor({
      controller: this.strategy.controller,
      namespace: this.namespace,
      splitLevel: this.splitLevel,
      virtualServices: [...this.virtualServiceNames],
      httpRoutes: this.norm.kind === 'argo' && this.api === RoutingApi.GATEWAY_API ? [this.serviceName] : [],
      managedRoutes: this.headerRoutes().map((r) => r.name),
      destinationRules: [...this.destinationRuleNames],
      apexService: this.serviceName,
      hostServices: this.hostServices ? [this.hostServices.stable, this.hostServices.canary] : [],
      deployment: this.versions.canary.deploymentName,
      scalesDownDeployment: this.norm.kind === 'flagger' || (this.norm.kind === 'argo' && this.norm.scaleDown !== 'never'),
    });
  }

  /**
   * Argo CD sync options the strategy needs beside `argoCdIgnoreDifferences`: none for static
   * weights; `RespectIgnoreDifferences=true` (also when syncing) otherwise, plus
   * `ApplyOutOfSyncOnly=true` for Argo Rollouts so a sync does not re-apply the weights.
   */
  public get argoCdSyncOptions(): string[] {
    switch (this.strategy.controller) {
      case DeliveryController.GIT: return [];
      case DeliveryController.ARGO_ROLLOUTS: return ['ApplyOutOfSyncOnly=true', 'RespectIgnoreDifferences=true'];
      case DeliveryController.FLAGGER: return ['RespectIgnoreDifferences=true'];
    }
  }

  private resolvePort(props: CanaryReleaseProps): number {
    if (!props.service) {
      const port = props.port ?? 80;
      validateIntRange(this, 'port', port, 1, 65535);
      return port;
    }
    const svc = resolveService(this, 'service', props.service, 'pass the Service clients call');
    const ports = svc.ports;
    if (props.port === undefined) {
      if (ports.length !== 1) {
        throw new MeshValidationError(this, `'port' is required: Service "${svc.name}" has ${ports.length} ports ` +
          `(${ports.map((p) => p.port).join(', ') || 'none'}); name the one to route, e.g. port: ${ports[0]?.port ?? 80}`);
      }
      this.checkPortProtocol(svc, ports[0]);
      return ports[0].port;
    }
    const found = ports.find((p) => p.port === props.port);
    if (!found) {
      throw new MeshValidationError(this, `'port' ${props.port} is not a port of Service "${svc.name}" (ports: ${ports.map((p) => p.port).join(', ') || 'none'}); ` +
        'route to one of its ports, or add the port to the Service');
    }
    this.checkPortProtocol(svc, found);
    return found.port;
  }

  /** HTTP routes do not apply to ports Istio treats as TCP or TLS. */
  private checkPortProtocol(svc: AppService, port: { port: number; name?: string }): void {
    const name = port.name ?? '';
    const protocol = name.split('-')[0];
    if (['tcp', 'tls', 'https', 'mongo', 'mysql', 'redis', 'udp'].includes(protocol)) {
      throw new MeshValidationError(this, `Service "${svc.name}" port ${port.port} is named "${name}", so Istio treats it as ${protocol.toUpperCase()} ` +
        'and the release\'s HTTP routes would not apply; name it "http" (or "http-...", "grpc-...")');
    }
  }

  private createService(targetPort: number, selector: { [key: string]: string }, id = 'Service', name = this.serviceName): void {
    new k8s.KubeService(this, id, {
      metadata: { name, namespace: this.namespace, labels: { ...this.labels, app: this.serviceName } },
      spec: {
        selector: { ...selector },
        ports: [{ name: 'http', port: this.port, targetPort: k8s.IntOrString.fromNumber(targetPort), protocol: 'TCP' }],
      },
    });
  }

  private resolveVersionNames(names: ReleaseVersionNames | undefined): { stable: string; canary: string } {
    const controller = this.norm.kind !== 'static';
    // A version label that is not a DNS label (`3.2.0`) cannot name a subset: the role names it then.
    const label = (v: string | undefined, role: string) => (isDnsLabel(v) ? v : role);
    const stable = names?.stable ?? (controller ? STABLE_SUBSET : label(this.versions.stable?.version, STABLE_SUBSET));
    const canary = names?.canary ?? (controller ? CANARY_SUBSET : label(this.versions.canary.version, CANARY_SUBSET));
    if (controller && names && (names.stable !== undefined || names.canary !== undefined)) {
      throw new MeshValidationError(this, "'versionNames' cannot be set with Argo Rollouts or Flagger, whose subsets are named stable and canary; remove it");
    }
    validateDnsLabel(this, 'versionNames.stable', stable);
    validateDnsLabel(this, 'versionNames.canary', canary);
    if (stable === canary) {
      throw new MeshValidationError(this, `the stable and canary versions are both named "${stable}"; give them different names (versionNames: { stable: 'v1', canary: 'v2' })`);
    }
    return { stable, canary };
  }

  /** The release's routes in the service's route table: one per canary match, then the weighted one. */
  private routeDefs(): RouteDef[] {
    const common = behaviourOf(undefined, undefined, this.retries);
    const timeout = this.timeout;
    // Argo Rollouts' Gateway API plugin rewrites the weights of every rule naming the canary
    // Service: canary matches are its header routes (set by the Rollout), not rules of ours.
    const matches = this.norm.kind === 'argo' && this.api === RoutingApi.GATEWAY_API ? [] : this.matches;
    const matchRoutes: RouteDef[] = matches.map((m, i) => ({
      name: `canary-match-${i + 1}`,
      matches: [m.rendered],
      backends: [{ version: this.canaryVersionName }],
      behaviour: { ...behaviourOf(this.fault, undefined, this.retries), timeout },
      owner: this,
      prop: `canaryMatches[${i}]`,
    }));
    // Controllers mirror with their own managed routes; a static mirror would duplicate traffic to
    // the stable pods between releases (both subsets point at them then).
    const mirror = this.norm.kind === 'static' && this.mirrorPercent ? { version: this.canaryVersionName, percent: this.mirrorPercent } : undefined;
    return [...matchRoutes, {
      name: PRIMARY_ROUTE,
      matches: [],
      backends: [{ version: this.stableVersionName, weight: this.stableWeight }, { version: this.canaryVersionName, weight: this.canaryWeight }],
      behaviour: { ...common, timeout, mirror },
      owner: this,
      prop: 'strategy',
    }];
  }

  /** The API the release renders its routes with. */
  private routingApi(api: RoutingApi | undefined): RoutingApi {
    validateEnum(this, 'api', api, 'RoutingApi', { ISTIO: RoutingApi.ISTIO, GATEWAY_API: RoutingApi.GATEWAY_API });
    if (api === RoutingApi.GATEWAY_API && this.gatewayBinding && this.norm.kind !== 'static') {
      // The controllers would have to step (Argo Rollouts) or write (Flagger) the gateway's routes too: not yet.
      const who = this.norm.kind === 'argo' ? 'Argo Rollouts' : 'Flagger';
      throw new MeshValidationError(this, `'gateway' cannot be combined with ${who} on RoutingApi.GATEWAY_API yet: the release would steer the ` +
        "mesh's HTTPRoute but not the gateway's routes; bind the gateway with RoutingApi.ISTIO, or drop 'gateway' and route the host to the " +
        'Service from the IngressGateway');
    }
    return api ?? RoutingApi.ISTIO;
  }

  /**
   * What Argo Rollouts' Gateway API plugin and Flagger's `gatewayapi:v1` provider cannot do, refused
   * at construction with the fix.
   */
  private checkControllerOnGatewayApi(props: CanaryReleaseProps, blueGreen: boolean): void {
    const onGatewayApi = 'on RoutingApi.GATEWAY_API';
    if (this.norm.kind === 'argo') {
      if (blueGreen && this.mirrorPercent) {
        throw new MeshValidationError(this, `ReleaseStrategy.blueGreen() mirrors ${this.mirrorPercent}% of the requests to the new version, which Argo ` +
          `Rollouts does ${onGatewayApi} (setMirrorRoute needs its Istio traffic router); set blueGreen({ mirrorPercent: 0 }) and add canary ` +
          'matches for test users, or use RoutingApi.ISTIO');
      }
      if (this.mirrorPercent) {
        throw new MeshValidationError(this, `'mirrorPercent' is not available with Argo Rollouts ${onGatewayApi}: setMirrorRoute needs its Istio ` +
          "traffic router; remove 'mirrorPercent', or use RoutingApi.ISTIO");
      }
      if (props.fault) {
        throw new MeshValidationError(this, `'fault' is not available with Argo Rollouts ${onGatewayApi}: Gateway API has no fault injection; ` +
          "remove 'fault', or use RoutingApi.ISTIO");
      }
      return;
    }
    if (props.trafficPolicy) {
      throw new MeshValidationError(this, `'trafficPolicy' is not available with Flagger ${onGatewayApi}: its gatewayapi:v1 provider writes no ` +
        "DestinationRule and ignores the Canary's trafficPolicy; remove it (mTLS stays on: Istio's auto mTLS), or use RoutingApi.ISTIO");
    }
    if (props.retries) {
      throw new MeshValidationError(this, `'retries' is not available with Flagger ${onGatewayApi}: its HTTPRoute has no retries (Gateway API ` +
        "standard channel); remove 'retries', or use RoutingApi.ISTIO");
    }
    if (this.mirrorPercent !== undefined && this.mirrorPercent < 100) {
      throw new MeshValidationError(this, `'mirrorPercent' ${this.mirrorPercent} is not available with Flagger ${onGatewayApi}: its HTTPRoute ` +
        'mirrors every request (no mirrorWeight); set 100, or use RoutingApi.ISTIO');
    }
    if (this.timeout !== undefined && gatewayDuration(this.timeout) === undefined) {
      throw new MeshValidationError(this, `'timeout' ${this.timeout} cannot be written as a Gateway API duration (whole milliseconds, at most ` +
        '99999 per unit); round it, e.g. Duration.seconds(2)');
    }
  }

  /**
   * Refuses canary match conditions the controller would drop: Flagger's `analysis.match` holds
   * headers, query parameters and source labels (no source labels with the Gateway API); Argo
   * Rollouts' Gateway API plugin routes by headers only.
   */
  private checkMatchForController(prop: string, m: RenderedMatch): void {
    const fields: Array<[string, unknown]> = [['the path', m.uri], ['the method', m.method], ['query parameters', m.queryParams],
      ['source labels', m.sourceLabels], ['the source namespace', m.sourceNamespace]];
    const gatewayApi = this.api === RoutingApi.GATEWAY_API;
    if (this.norm.kind === 'flagger') {
      const refused = fields.filter(([what, v]) => v !== undefined && (what !== 'query parameters') && (what !== 'source labels' || gatewayApi));
      if (refused.length) {
        throw new MeshValidationError(this, `'${prop}' matches on ${refused.map(([what]) => what).join(' and ')}, which Flagger's analysis.match ` +
          `${gatewayApi ? 'on the Gateway API ' : ''}cannot hold (${gatewayApi ? 'headers and query parameters' : 'headers, query parameters and source labels'} ` +
          `only); match on a header instead, e.g. RequestMatch.headerExact('x-canary', 'insider')${gatewayApi ? ', or use RoutingApi.ISTIO' : ''}`);
      }
    }
    if (this.norm.kind === 'argo' && gatewayApi) {
      const refused = fields.filter(([, v]) => v !== undefined);
      if (refused.length) {
        throw new MeshValidationError(this, `'${prop}' matches on ${refused.map(([what]) => what).join(' and ')}, which Argo Rollouts' Gateway API ` +
          'plugin cannot send to the canary: its header routes (setHeaderRoute) match request headers only; match on a header, e.g. ' +
          "RequestMatch.headerExact('x-canary', 'insider'), or use RoutingApi.ISTIO");
      }
      if (this.timeout !== undefined) {
        throw new MeshValidationError(this, `'${prop}' and 'timeout' cannot be combined with Argo Rollouts on RoutingApi.GATEWAY_API: the plugin's ` +
          "header routes copy the matches of the weighted rule but not its timeout, so the canary's test users would have none; drop one of them, " +
          'or use RoutingApi.ISTIO');
      }
    }
  }

  /** The canary matches as Argo Rollouts header routes (Gateway API plugin only). */
  private headerRoutes() {
    if (this.norm.kind !== 'argo' || this.api !== RoutingApi.GATEWAY_API) return [];
    return this.matches.map((m, i) => headerRoute(`canary-match-${i + 1}`, m.rendered));
  }

  private renderIstio(policy: TrafficPolicy | undefined, api: RoutingApi = RoutingApi.ISTIO): void {
    const meta = (name: string) => ({ name, namespace: this.namespace, labels: this.labels });
    const { table, created } = RoutingRegistry.of(this).serviceTable(this, {
      name: this.serviceName, namespace: this.namespace, port: this.port, selector: this.versions.serviceSelector,
    });
    this.table = table;
    // Argo Rollouts and Flagger steer Istio's VirtualService; static weights may use the Gateway API.
    table.setApi(api, this);
    const gatewayApi = table.api === RoutingApi.GATEWAY_API;
    if (this.hostServices) {
      table.addVersion({ name: this.stableVersionName, host: this.hostServices.stable, trafficPolicy: policy, owner: this });
      table.addVersion({ name: this.canaryVersionName, host: this.hostServices.canary, trafficPolicy: policy, owner: this });
      new DestinationRule(this, 'StableDestinationRule', { metadata: meta(this.hostServices.stable), spec: Lazy.any({ produce: () => renderVersionDestinationRule(table, this.stableVersionName) }) });
      new DestinationRule(this, 'CanaryDestinationRule', { metadata: meta(this.hostServices.canary), spec: Lazy.any({ produce: () => renderVersionDestinationRule(table, this.canaryVersionName) }) });
      this.destinationRuleNames.push(this.hostServices.stable, this.hostServices.canary);
    } else {
      const stableIsNew = !table.versions.some((v) => v.name === this.stableVersionName);
      const canaryIsNew = !table.versions.some((v) => v.name === this.canaryVersionName);
      table.addVersion({ name: this.stableVersionName, labels: { ...this.versions.stableSubsetLabels }, owner: this });
      table.addVersion({ name: this.canaryVersionName, labels: { ...this.versions.canarySubsetLabels }, owner: this });
      if (policy) table.setTrafficPolicy(policy, this);
      if (gatewayApi) {
        // Gateway API has no subsets: each version is a Service of its own.
        if (stableIsNew) renderVersionService(this, table, this.stableVersionName, meta);
        if (canaryIsNew) renderVersionService(this, table, this.canaryVersionName, meta);
      } else {
        if (created) new DestinationRule(this, 'DestinationRule', { metadata: meta(this.serviceName), spec: Lazy.any({ produce: () => renderDestinationRule(table) }) });
        this.destinationRuleNames.push(this.serviceName);
      }
    }
    table.setRoutes(this, this.routeDefs());
    if (created && gatewayApi) {
      renderGatewayApiRoute(this, table, meta);
    } else if (created) {
      new VirtualService(this, 'Resource', { metadata: meta(this.serviceName), spec: Lazy.any({ produce: () => renderMeshVirtualService(table) }) });
    }
    if (created) {
      this.node.addValidation({
        validate: oncePerSynth(this, () => [
          ...asValidationMessages(this, table.problems()), ...versionsRefusedByPolicies(table),
          ...(table.api === RoutingApi.GATEWAY_API ? gatewayApiTableProblems(this, table) : []),
        ]),
      });
    }
    if (!gatewayApi) this.virtualServiceNames.push(this.serviceName);
    if (this.gatewayBinding) this.bindGateway(this.gatewayBinding);
  }

  /**
   * Routes the gateway's hosts through the service's route table: one VirtualService per host on
   * the gateway in the whole app, shared with an IngressGateway that serves the host.
   */
  private bindGateway(gw: GatewayBinding): void {
    const registry = RoutingRegistry.of(this);
    gw.hosts.forEach((host, i) => {
      const name = gw.hosts.length === 1 ? `${this.serviceName}-gateway` : objectName(this.serviceName, 'gateway', host);
      const table = registry.gatewayTable(gw.gateway, host, (t) => new VirtualService(this, i === 0 ? 'GatewayVirtualService' : `GatewayVirtualService-${host}`, {
        metadata: { name, namespace: this.namespace, labels: this.labels },
        spec: Lazy.any({ produce: () => ({ hosts: [host], gateways: [gw.gateway], http: t.renderHttp(this.namespace) }) }),
      }));
      const to = RouteDestination.host(`${this.serviceName}.${this.namespace}.svc.cluster.local`, this.port);
      table.addRoute({
        resolved: resolveHttpRoute(this, { to }, table.routes.length, table.routeNames),
        owner: this,
        takeServiceRouteNames: true,
        fix: `remove the 'gateway' binding of CanaryRelease ${this.node.path} (a gateway route to the service already goes through its versions)`,
      });
      this.gatewayTables.push(table);
      const objectName_ = table.object?.metadata.name;
      if (objectName_ && !this.virtualServiceNames.includes(objectName_) && table.object?.metadata.namespace === this.namespace) {
        this.virtualServiceNames.push(objectName_);
      }
    });
  }

  private renderArgo(): void {
    if (this.norm.kind !== 'argo') return;
    const norm = this.norm;
    const canary = this.versions.canary;
    const templateName = `${this.serviceName}-analysis`;
    const gatewayApi = this.api === RoutingApi.GATEWAY_API;
    // The HTTPRoute of the service's table is named after the Service, whichever construct renders it.
    const httpRoute = this.serviceName;
    if (gatewayApi) this.grantPluginAccess(httpRoute);
    new ApiObject(this, 'AnalysisTemplate', {
      ...ANALYSIS_TEMPLATE_GVK,
      metadata: { name: templateName, namespace: this.namespace, labels: this.labels },
      spec: analysisTemplateSpec(this.norm.analysis),
    });
    new ApiObject(this, 'Rollout', {
      ...ROLLOUT_GVK,
      metadata: { name: this.serviceName, namespace: this.namespace, labels: { ...this.labels, app: this.serviceName } },
      // Lazy: canary matches (header routes on the Gateway API) may be added after construction.
      spec: Lazy.any({
        produce: () => rolloutSpec({
          deploymentName: canary.deploymentName!,
          selectorLabels: canary.selectorLabels,
          replicas: canary.replicas ?? 2,
          scaleDown: norm.scaleDown,
          steps: norm.steps,
          blueGreen: norm.blueGreen,
          mirrorPercent: this.mirrorPercent,
          virtualServices: [...this.virtualServiceNames],
          gatewayApi: gatewayApi ? { httpRoute, namespace: this.namespace, headerRoutes: this.headerRoutes() } : undefined,
          destinationRule: this.hostServices ? undefined : this.destinationRuleNames[0],
          stableService: this.hostServices?.stable,
          canaryService: this.hostServices?.canary,
          analysisTemplate: templateName,
          analysisArgs: {
            'namespace': this.namespace,
            'service': this.hostServices?.canary ?? this.serviceName,
            'canary-version': canary.version!,
          },
        }),
      }),
    });
    if (gatewayApi) {
      this.node.addValidation({ validate: oncePerSynth(this, () => this.routesThePluginWouldChange()) });
    }
  }

  /**
   * Lets the Argo Rollouts controller (whose process runs the Gateway API plugin) read and change
   * the release's HTTPRoute, and nothing else: a Role on that one object in the release's namespace.
   */
  private grantPluginAccess(httpRoute: string): void {
    const name = `${this.serviceName}-argo-rollouts-gateway-api`;
    const meta = { name, namespace: this.namespace, labels: this.labels };
    new ApiObject(this, 'PluginRole', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta,
      // The plugin reads the route and writes its weights, header rules and state annotations back (update or patch).
      rules: [{ apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], resourceNames: [httpRoute], verbs: ['get', 'patch', 'update'] }],
    });
    new ApiObject(this, 'PluginRoleBinding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { ...meta, labels: { ...meta.labels } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: Lazy.any({
        produce: () => {
          const controller = ArgoRolloutsGatewayApiPlugin._controllerOf(this);
          return [{ kind: 'ServiceAccount', name: controller.serviceAccountName, namespace: controller.namespace }];
        },
      }),
    });
  }

  /**
   * Rules of other constructs that send requests to the stable or canary Service: the plugin
   * rewrites the weights of every rule naming them, which would change where those requests go.
   */
  private routesThePluginWouldChange(): string[] {
    const table = this.table;
    if (!table || !this.hostServices) return [];
    const mine = [this.stableVersionName, this.canaryVersionName];
    return table.orderedRoutesSafe().filter((r) => r.owner !== this && [...r.backends.map((b) => b.version), r.behaviour.mirror?.version]
      .some((v) => v !== undefined && mine.includes(v))).map((r) => `route "${r.name}" of ${r.owner.node.path} sends requests to the ` +
      `${this.hostServices!.stable} or ${this.hostServices!.canary} Service, whose weights Argo Rollouts' Gateway API plugin rewrites in every ` +
      'rule of the HTTPRoute during a release; route those requests to another version, or release with RoutingApi.ISTIO');
  }

  private renderFlagger(targetPort: number, policy: TrafficPolicy | undefined): void {
    if (this.norm.kind !== 'flagger') return;
    const norm = this.norm;
    const gatewayApi = this.api === RoutingApi.GATEWAY_API;
    const table = RoutingRegistry.of(this).serviceTable(this, { name: this.serviceName, namespace: this.namespace, port: this.port }).table;
    table.setApi(this.api, this);
    table.claimForController(this, gatewayApi ? 'Flagger (its Canary generates the HTTPRoute)' : 'Flagger (its Canary generates the VirtualService and DestinationRules)');
    const templates = metricTemplateSpecs(norm.analysis);
    const successRateTemplate = `${this.serviceName}-success-rate`;
    const latencyTemplate = `${this.serviceName}-latency-p99`;
    new ApiObject(this, 'SuccessRateMetric', {
      ...METRIC_TEMPLATE_GVK, metadata: { name: successRateTemplate, namespace: this.namespace, labels: this.labels }, spec: templates.successRate,
    });
    new ApiObject(this, 'LatencyMetric', {
      ...METRIC_TEMPLATE_GVK, metadata: { name: latencyTemplate, namespace: this.namespace, labels: this.labels }, spec: templates.latency,
    });
    const trafficPolicy = gatewayApi ? undefined : toJson_DestinationRuleSpecTrafficPolicy(renderTrafficPolicy(policy));
    new ApiObject(this, 'Resource', {
      ...CANARY_GVK,
      metadata: { name: this.serviceName, namespace: this.namespace, labels: this.labels },
      spec: Lazy.any({
        produce: () => canarySpec({
          gatewayApi,
          namespace: this.namespace,
          deploymentName: this.versions.canary.deploymentName!,
          serviceName: this.serviceName,
          port: this.port,
          targetPort,
          gateways: this.gatewayBinding ? ['mesh', this.gatewayBinding.gateway] : ['mesh'],
          hosts: this.gatewayBinding ? [...this.gatewayBinding.hosts] : [],
          trafficPolicy,
          retries: this.retries,
          timeout: gatewayApi && this.timeout ? gatewayDuration(this.timeout) : this.timeout,
          strategy: norm,
          matches: this.matches.map((m) => m.rendered),
          mirrorPercent: this.mirrorPercent,
          successRateTemplate,
          latencyTemplate,
        }),
      }),
    });
  }

  /** Hosts of the gateway binding that the app's IngressGateway of that name does not serve (its requests would never arrive). */
  private unservedGatewayHosts(): string[] {
    const gw = this.gatewayBinding!;
    const gateway = allConstructs(this).find((c): c is IngressGateway => c instanceof IngressGateway && c.gatewayRef === gw.gateway);
    if (!gateway) return [];
    return gw.hosts.filter((h) => !gateway.hosts.some((served) => hostCovers(served, h))).map((h) =>
      `'gateway.hosts' ${JSON.stringify(h)} is not a host of IngressGateway ${gateway.node.path} (hosts: ` +
      `${gateway.hosts.map((x) => JSON.stringify(x)).join(', ') || 'none'}), so its requests never reach the release; add it there with ` +
      `addHost(${JSON.stringify(h)}, ...) or bind one of its hosts`);
  }

  private printPlanOnce(): string[] {
    if (!this.planPrinted) {
      this.planPrinted = true;
      console.error(this.plan().text);
    }
    return [];
  }
}
