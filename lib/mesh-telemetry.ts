import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Telemetry, TelemetrySpec, TelemetrySpecAccessLogging, TelemetrySpecMetrics, TelemetrySpecTracing } from './imports/telemetry.istio.io';
import { MeshAnalyzer } from './mesh-analyzer';
import { IMeshInstallation } from './mesh-installation';
import { markLibraryConstruct } from './private/analyzer/ownership';
import { oncePerSynth } from './private/app-scan';
import { MeshValidationError } from './private/errors';
import { dependOnMesh } from './private/mesh-dependency';
import { meshTelemetryFacts, MeshTelemetryFacts } from './private/observability/mesh-facts';
import { telemetryConflictCheck } from './private/observability/telemetry-conflicts';
import { renderAccessLogging, renderMetrics, renderTracing } from './private/observability/telemetry-spec';
import { ownedApiObjects } from './private/owned-objects';
import { recommendedLabels } from './private/recommended-labels';
import { validateDnsLabel } from './private/validate';
import { validateDnsSubdomain, validateLabels } from './private/zero-trust/validate';
import { AccessLoggingOptions, MetricsOptions, TracingOptions } from './telemetry-options';
import { IWorkloadSelector, WorkloadSelectorConfig } from './workload-selector';

/**
 * Props of `MeshTelemetry`. Where it applies follows Istio's hierarchy: leave out `namespace`
 * and `selector` for the mesh-wide default (in the mesh's root namespace), give a `namespace`
 * for a namespace-wide override, add a `selector` for a workload override.
 */
export interface MeshTelemetryProps {
  /**
   * The mesh. Its namespace is the root namespace that holds the mesh-wide default, and, when
   * this app installs it (`MeshInstallation`), its mesh config tells which extension providers
   * exist: a name it does not declare fails at construction.
   */
  readonly mesh: IMeshInstallation;
  /**
   * Namespace the Telemetry applies to.
   * @default - the selector's namespace when it knows one (`WorkloadSelector.fromDeployment`),
   * else the mesh's root namespace: the mesh-wide default
   */
  readonly namespace?: string;
  /**
   * Workloads the Telemetry applies to; Istio allows one Telemetry per workload.
   * @default - every workload of the namespace (of the mesh, for the mesh-wide default)
   * @see https://istio.io/latest/docs/reference/config/type/workload-selector/
   */
  readonly selector?: IWorkloadSelector;
  /**
   * Name of the Telemetry resource.
   * @default - `mesh-default` for the mesh-wide default, `default` for a namespace, the
   * selector's name (e.g. the Deployment's) for a workload
   */
  readonly name?: string;
  /**
   * Tracing: provider, sampling, custom tags. More entries with `addTracing()`.
   * @default - inherited (namespace and workload overrides), else the mesh config's tracing
   * @see https://istio.io/latest/docs/tasks/observability/distributed-tracing/telemetry-api/
   */
  readonly tracing?: TracingOptions;
  /**
   * Access logging: providers, CEL filter, on/off. More entries with `addAccessLogging()`.
   * @default - inherited, else the mesh config's `accessLogFile` / default access-log providers
   * @see https://istio.io/latest/docs/tasks/observability/logs/telemetry-api/
   */
  readonly accessLogging?: AccessLoggingOptions;
  /**
   * Metrics: overrides of Istio's standard metrics per provider. More entries with `addMetrics()`.
   * @default - inherited, else Istio's standard metrics for the `prometheus` provider
   * @see https://istio.io/latest/docs/tasks/observability/metrics/customize-metrics/
   */
  readonly metrics?: MetricsOptions;
}

/**
 * A `telemetry.istio.io/v1` Telemetry resource: how the proxies of the mesh, of a namespace or
 * of some workloads trace, log and count requests.
 *
 * Backends are extension providers declared in the mesh config
 * (`meshConfig.extensionProviders`, see `ExtensionProvider`) and referred to by name. Checked
 * at construction: sampling in 0-100, filters that parse as CEL, provider names the mesh
 * declares (when this app installs it) and that serve the signal, and access logging that
 * would log nothing (IST0157). Checked at synthesis, across the app: one selector-less
 * Telemetry per namespace (IST0160) and one Telemetry per workload (IST0159).
 *
 * The generated object is the child `Resource` (`ApiObject.of(telemetry)` for JSON patches).
 *
 * @see https://istio.io/latest/docs/reference/config/telemetry/
 */
export class MeshTelemetry extends Construct {
  /** The mesh. */
  public readonly mesh: IMeshInstallation;
  /** Namespace of the Telemetry resource. */
  public readonly namespace: string;
  /** Name of the Telemetry resource. */
  public readonly name: string;
  /** Workloads it applies to; undefined for the whole namespace. */
  public readonly selector?: IWorkloadSelector;
  /** Whether this is the mesh-wide default (root namespace, no selector). */
  public readonly meshWide: boolean;

  private readonly facts?: MeshTelemetryFacts;
  private readonly selectorConfig?: WorkloadSelectorConfig;
  private readonly tracingEntries: TelemetrySpecTracing[] = [];
  private readonly accessLoggingEntries: TelemetrySpecAccessLogging[] = [];
  private readonly metricsEntries: TelemetrySpecMetrics[] = [];
  private readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: MeshTelemetryProps) {
    super(scope, id);
    MeshAnalyzer.of(this);
    markLibraryConstruct(this);
    this.mesh = props.mesh;
    this.selector = props.selector;
    this.selectorConfig = props.selector?.toWorkloadSelectorConfig();
    if (this.selectorConfig) validateLabels(this, 'selector', this.selectorConfig.labels);
    this.namespace = this.resolveNamespace(props.namespace);
    validateDnsLabel(this, 'namespace', this.namespace);
    this.meshWide = this.namespace === props.mesh.namespace && !this.selectorConfig;
    this.name = props.name ?? (this.selectorConfig ? this.selectorConfig.name : this.meshWide ? 'mesh-default' : 'default');
    validateDnsSubdomain(this, 'name', this.name);
    this.facts = meshTelemetryFacts(props.mesh);
    dependOnMesh(this, props.mesh);

    this.resource = new Telemetry(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels: recommendedLabels(this, { name: this.name, component: 'telemetry', partOf: 'istio' }) },
      spec: Lazy.any({ produce: () => this._toKube() }),
    });
    if (props.tracing) this.addTracing(props.tracing);
    if (props.accessLogging) this.addAccessLogging(props.accessLogging);
    if (props.metrics) this.addMetrics(props.metrics);
    this.node.addValidation({ validate: () => this.nothingConfigured() });
    this.node.addValidation({ validate: oncePerSynth(this, telemetryConflictCheck(this.resource)) });
  }

  /**
   * Every Kubernetes object this construct has rendered so far, to patch with `addJsonPatch()`
   * (`ApiObject.of()` has no single answer for a construct of several objects), e.g.
   * `x.apiObjects.find((o) => o.kind === 'Telemetry' && o.name === 'mesh-default')`.
   */
  public get apiObjects(): ApiObject[] {
    return ownedApiObjects(this);
  }

  /**
   * Adds a tracing entry (one per `mode`, e.g. a different sampling for CLIENT and SERVER).
   */
  public addTracing(options: TracingOptions): void {
    this.tracingEntries.push(renderTracing(this, this.facts, options));
  }

  /**
   * Adds an access-logging entry (e.g. a second provider, or another filter per `mode`).
   */
  public addAccessLogging(options: AccessLoggingOptions): void {
    this.accessLoggingEntries.push(renderAccessLogging(this, this.facts, options));
  }

  /**
   * Adds a metrics entry (overrides for another provider).
   */
  public addMetrics(options: MetricsOptions): void {
    this.metricsEntries.push(renderMetrics(this, this.facts, options));
  }

  /** @internal */
  public _toKube(): TelemetrySpec {
    return {
      selector: this.selectorConfig ? { matchLabels: { ...this.selectorConfig.labels } } : undefined,
      tracing: this.tracingEntries.length > 0 ? [...this.tracingEntries] : undefined,
      accessLogging: this.accessLoggingEntries.length > 0 ? [...this.accessLoggingEntries] : undefined,
      metrics: this.metricsEntries.length > 0 ? [...this.metricsEntries] : undefined,
    };
  }

  private resolveNamespace(namespace: string | undefined): string {
    const selectorNamespace = this.selectorConfig?.namespace;
    if (namespace !== undefined && selectorNamespace !== undefined && namespace !== selectorNamespace) {
      throw new MeshValidationError(this, `'namespace' is "${namespace}", but the selector's workloads (${this.selectorConfig!.description}) ` +
        `live in "${selectorNamespace}"; a Telemetry selects workloads of its own namespace only: omit 'namespace'`);
    }
    if (namespace === undefined && selectorNamespace === undefined && this.selectorConfig) {
      throw new MeshValidationError(this, `'namespace' is required with a selector that does not know its namespace (${this.selectorConfig.description}); ` +
        "set 'namespace' to the workloads' namespace");
    }
    return namespace ?? selectorNamespace ?? this.mesh.namespace;
  }

  private nothingConfigured(): string[] {
    if (this.tracingEntries.length + this.accessLoggingEntries.length + this.metricsEntries.length > 0) return [];
    return ["MeshTelemetry configures nothing; pass 'tracing', 'accessLogging' or 'metrics' (or call addTracing() / addAccessLogging() / addMetrics())"];
  }
}
