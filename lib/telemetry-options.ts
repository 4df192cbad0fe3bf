/**
 * Which side of a connection a telemetry rule applies to.
 *
 * @see https://istio.io/latest/docs/reference/config/telemetry/#WorkloadMode
 */
export enum WorkloadMode {
  /** Both the calling (client) and the called (server) proxy: Istio's default. */
  CLIENT_AND_SERVER = 'CLIENT_AND_SERVER',
  /** Only the proxy that makes the call (outbound traffic). */
  CLIENT = 'CLIENT',
  /** Only the proxy that receives the call (inbound traffic). */
  SERVER = 'SERVER',
}

/**
 * The standard metrics Istio's proxies generate.
 *
 * @see https://istio.io/latest/docs/reference/config/telemetry/#MetricSelector-IstioMetric
 * @see https://istio.io/latest/docs/reference/config/metrics/
 */
export enum IstioMetric {
  /** Every standard metric. */
  ALL_METRICS = 'ALL_METRICS',
  /** `istio_requests_total`. */
  REQUEST_COUNT = 'REQUEST_COUNT',
  /** `istio_request_duration_milliseconds`. */
  REQUEST_DURATION = 'REQUEST_DURATION',
  /** `istio_request_bytes`. */
  REQUEST_SIZE = 'REQUEST_SIZE',
  /** `istio_response_bytes`. */
  RESPONSE_SIZE = 'RESPONSE_SIZE',
  /** `istio_tcp_connections_opened_total`. */
  TCP_OPENED_CONNECTIONS = 'TCP_OPENED_CONNECTIONS',
  /** `istio_tcp_connections_closed_total`. */
  TCP_CLOSED_CONNECTIONS = 'TCP_CLOSED_CONNECTIONS',
  /** `istio_tcp_sent_bytes_total`. */
  TCP_SENT_BYTES = 'TCP_SENT_BYTES',
  /** `istio_tcp_received_bytes_total`. */
  TCP_RECEIVED_BYTES = 'TCP_RECEIVED_BYTES',
  /** `istio_request_messages_total` (gRPC streaming). */
  GRPC_REQUEST_MESSAGES = 'GRPC_REQUEST_MESSAGES',
  /** `istio_response_messages_total` (gRPC streaming). */
  GRPC_RESPONSE_MESSAGES = 'GRPC_RESPONSE_MESSAGES',
}

/**
 * Where the value of a custom span tag comes from.
 *
 * @see https://istio.io/latest/docs/reference/config/telemetry/#Tracing-CustomTag
 */
export class CustomTag {
  /**
   * A fixed value, e.g. the cluster or environment name.
   * @param value the tag value; not empty
   */
  public static literal(value: string): CustomTag {
    return new CustomTag('literal', { value });
  }

  /**
   * The value of a request header, e.g. `x-tenant-id`.
   * @param name header name
   * @param defaultValue value when the request does not carry the header
   */
  public static header(name: string, defaultValue?: string): CustomTag {
    return new CustomTag('header', { name, defaultValue });
  }

  /**
   * The value of an environment variable of the proxy container, e.g. `ISTIO_META_CLUSTER_ID`.
   * @param name variable name
   * @param defaultValue value when the variable is not set
   */
  public static environment(name: string, defaultValue?: string): CustomTag {
    return new CustomTag('environment', { name, defaultValue });
  }

  private constructor(private readonly kind: string, private readonly body: { value?: string; name?: string; defaultValue?: string }) {}

  /** @internal the Telemetry `customTags` value: `{ <kind>: { ... } }` */
  public _toKube(): { [kind: string]: { value?: string; name?: string; defaultValue?: string } } {
    return { [this.kind]: { ...this.body } };
  }
}

/**
 * What to do with a tag (label) of a metric.
 *
 * @see https://istio.io/latest/docs/reference/config/telemetry/#MetricsOverrides-TagOverride
 */
export class TagOverride {
  /**
   * Adds the tag, or replaces its value, with a CEL expression over request attributes, e.g.
   * `request.host` or `'static-value'`.
   * @param value the CEL expression; not empty
   * @see https://istio.io/latest/docs/reference/config/extensibility/wasm/attributes/
   */
  public static upsert(value: string): TagOverride {
    return new TagOverride('UPSERT', value);
  }

  /**
   * Removes the tag (cuts the metric's cardinality).
   */
  public static remove(): TagOverride {
    return new TagOverride('REMOVE');
  }

  private constructor(private readonly operation: string, private readonly value?: string) {}

  /** @internal the Telemetry `tagOverrides` value */
  public _toKube(): { operation: string; value?: string } {
    return this.value === undefined ? { operation: this.operation } : { operation: this.operation, value: this.value };
  }
}

/**
 * Tracing settings of a Telemetry resource.
 *
 * @see https://istio.io/latest/docs/reference/config/telemetry/#Tracing
 */
export interface TracingOptions {
  /**
   * Name of the extension provider spans are reported to. Istio reports to one tracing
   * provider per entry, so at most one name.
   * @default - the mesh's default tracing provider (`meshConfig.defaultTracingProviders`)
   * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider
   */
  readonly providers?: string[];
  /**
   * Percentage of requests (0-100, precision 0.01) for which a trace is started when the
   * request carries no sampling decision yet.
   * @default - inherited from the parent Telemetry, else the mesh's `traceSampling` (1%)
   */
  readonly randomSamplingPercentage?: number;
  /**
   * Extra tags on every reported span, tag name to source.
   * @default - none
   */
  readonly customTags?: { [tag: string]: CustomTag };
  /**
   * Stop reporting spans (context is still propagated, sampling still decided).
   * @default false
   */
  readonly disableSpanReporting?: boolean;
  /**
   * Side of the connection the entry applies to.
   * @default WorkloadMode.CLIENT_AND_SERVER
   */
  readonly mode?: WorkloadMode;
}

/**
 * Access-log settings of a Telemetry resource.
 *
 * @see https://istio.io/latest/docs/reference/config/telemetry/#AccessLogging
 */
export interface AccessLoggingOptions {
  /**
   * Names of the extension providers that write the log (e.g. an `envoyFileAccessLog` provider,
   * or the built-in `envoy`).
   * @default - the mesh's default access-log providers (`meshConfig.defaultAccessLogProviders`);
   * an error when the mesh is a MeshInstallation that has none (Istio would log nothing, IST0157)
   */
  readonly providers?: string[];
  /**
   * CEL expression over Envoy attributes; only requests for which it is true are logged, e.g.
   * `response.code >= 500`. Parsed at construction.
   * @default - every request is logged
   * @see https://istio.io/latest/docs/tasks/observability/logs/telemetry-api/#get-started-with-telemetry-api
   */
  readonly filter?: string;
  /**
   * Turn access logging off for the selected workloads.
   * @default false
   */
  readonly disabled?: boolean;
  /**
   * Side of the connection the entry applies to.
   * @default WorkloadMode.CLIENT_AND_SERVER
   */
  readonly mode?: WorkloadMode;
}

/**
 * A change to one metric (or all of them) of a metrics provider.
 *
 * @see https://istio.io/latest/docs/reference/config/telemetry/#MetricsOverrides
 */
export interface MetricOverride {
  /**
   * The standard metric to change.
   * @default IstioMetric.ALL_METRICS (unless `customMetric` is set)
   */
  readonly metric?: IstioMetric;
  /**
   * Name of a custom metric to change instead of a standard one (without the `istio_` prefix).
   * @default - a standard metric (`metric`)
   */
  readonly customMetric?: string;
  /**
   * Side of the connection the override applies to.
   * @default WorkloadMode.CLIENT_AND_SERVER
   */
  readonly mode?: WorkloadMode;
  /**
   * Stop generating the metric.
   * @default false
   */
  readonly disabled?: boolean;
  /**
   * Tags (labels) to add, change or remove, tag name to operation.
   * @default - none
   */
  readonly tagOverrides?: { [tag: string]: TagOverride };
}

/**
 * Metrics settings of a Telemetry resource.
 *
 * @see https://istio.io/latest/docs/reference/config/telemetry/#Metrics
 */
export interface MetricsOptions {
  /**
   * Names of the metrics providers the overrides apply to.
   * @default - the mesh's default metrics providers (`prometheus`)
   */
  readonly providers?: string[];
  /**
   * Changes to metrics.
   * @default - none
   */
  readonly overrides?: MetricOverride[];
  /**
   * How often TCP metrics are reported, e.g. `'15s'`.
   * @default - Istio's default (15s for Prometheus)
   */
  readonly reportingInterval?: string;
}
