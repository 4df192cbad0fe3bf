/**
 * How sidecars treat calls to hosts that are not in the mesh's service registry.
 *
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-OutboundTrafficPolicy-Mode
 */
export enum OutboundTrafficPolicyMode {
  /** Calls to unknown hosts pass through the proxy unchanged (Istio's default). */
  ALLOW_ANY = 'ALLOW_ANY',
  /** Only hosts in the registry (Services, ServiceEntries) are reachable; everything else is blocked. */
  REGISTRY_ONLY = 'REGISTRY_ONLY',
}

/**
 * Format of Envoy's access log when `accessLogFile` is set.
 *
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-AccessLogEncoding
 */
export enum AccessLogEncoding {
  /** Plain text, one line per request. */
  TEXT = 'TEXT',
  /** One JSON object per request: best for log pipelines. */
  JSON = 'JSON',
}

/** Options of a tracing backend reached over the network. */
export interface TracingProviderOptions {
  /** Name that Telemetry resources and `defaultProviders` refer to. */
  readonly name: string;
  /**
   * Fully qualified host of the collector, e.g. `otel-collector.observability.svc.cluster.local`.
   */
  readonly service: string;
  /** Port of the collector. */
  readonly port: number;
  /**
   * Limit on the length of tag values, in characters.
   * @default - Istio's default (no limit set)
   */
  readonly maxTagLength?: number;
}

/**
 * An extension provider declared in the mesh config: a backend that Telemetry resources and
 * `defaultProviders` can refer to by name.
 *
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider
 */
export class ExtensionProvider {
  /**
   * Traces exported over OTLP/gRPC to an OpenTelemetry collector.
   * @see https://istio.io/latest/docs/tasks/observability/distributed-tracing/opentelemetry/
   */
  public static openTelemetryTracing(options: TracingProviderOptions): ExtensionProvider {
    return new ExtensionProvider(options.name, 'opentelemetry', tracingBody(options));
  }

  /**
   * Traces sent to a Zipkin-compatible collector (Zipkin, or Jaeger's Zipkin endpoint).
   * @see https://istio.io/latest/docs/tasks/observability/distributed-tracing/zipkin/
   */
  public static zipkin(options: TracingProviderOptions): ExtensionProvider {
    return new ExtensionProvider(options.name, 'zipkin', tracingBody(options));
  }

  /**
   * Envoy access log written to a file (usually `/dev/stdout`).
   * @param name provider name
   * @param path file path
   * @param encoding log format
   */
  public static envoyFileAccessLog(name: string, path: string = '/dev/stdout', encoding: AccessLogEncoding = AccessLogEncoding.TEXT): ExtensionProvider {
    const logFormat = encoding === AccessLogEncoding.JSON ? { labels: {} } : undefined;
    return new ExtensionProvider(name, 'envoyFileAccessLog', { path, ...(logFormat ? { logFormat } : {}) });
  }

  /**
   * Envoy access logs streamed over OTLP/gRPC to an OpenTelemetry collector (`envoyOtelAls`).
   * @see https://istio.io/latest/docs/tasks/observability/logs/otel-provider/
   */
  public static openTelemetryAccessLog(name: string, service: string, port: number = 4317): ExtensionProvider {
    return new ExtensionProvider(name, 'envoyOtelAls', { port, service });
  }

  /**
   * Traces sent to an Apache SkyWalking OAP server.
   */
  public static skywalking(options: TracingProviderOptions): ExtensionProvider {
    return new ExtensionProvider(options.name, 'skywalking', tracingBody(options));
  }

  /**
   * Prometheus metrics (Istio's built-in `prometheus` provider under another name).
   */
  public static prometheus(name: string): ExtensionProvider {
    return new ExtensionProvider(name, 'prometheus', {});
  }

  private constructor(
    /** Name Telemetry resources use to refer to this provider. */
    public readonly name: string,
    private readonly kind: string,
    private readonly body: { [key: string]: unknown },
  ) {}

  /** @internal */
  public _toMeshConfig(): { [key: string]: unknown } {
    return { name: this.name, [this.kind]: this.body };
  }

  /** @internal the provider's network endpoint, when it has one */
  public _endpoint(): { service: string; port: number } | undefined {
    const { service, port } = this.body as { service?: string; port?: number };
    return service !== undefined && port !== undefined ? { service, port } : undefined;
  }
}

function tracingBody(options: TracingProviderOptions): { [key: string]: unknown } {
  return {
    port: options.port,
    service: options.service,
    ...(options.maxTagLength !== undefined ? { maxTagLength: options.maxTagLength } : {}),
  };
}

/**
 * Mesh-wide defaults of the proxies (the `defaultConfig` ProxyConfig of the mesh config).
 *
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig
 */
export interface DefaultProxyConfig {
  /**
   * Environment variables passed to every proxy (`proxyMetadata`), e.g.
   * `{ ISTIO_META_DNS_CAPTURE: 'true' }` for DNS proxying.
   * @default - none
   */
  readonly proxyMetadata?: { [key: string]: string };
  /**
   * Number of Envoy worker threads; 0 uses one per CPU of the container limit.
   * @default - Istio's default (2)
   */
  readonly concurrency?: number;
  /**
   * Time the proxy keeps draining connections when the pod terminates, e.g. `'5s'`.
   * @default - Istio's default (5s)
   */
  readonly terminationDrainDuration?: string;
}

/**
 * The typed part of Istio's MeshConfig that MeshInstallation writes into ConfigMap `istio`.
 *
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/
 */
export interface MeshConfigOptions {
  /**
   * What sidecars do with calls to hosts outside the service registry.
   * @default OutboundTrafficPolicyMode.ALLOW_ANY
   */
  readonly outboundTrafficPolicy?: OutboundTrafficPolicyMode;
  /**
   * File Envoy writes access logs to; `/dev/stdout` sends them to the container log.
   * @default - no access log (the demo profile sets `/dev/stdout`)
   */
  readonly accessLogFile?: string;
  /**
   * Format of the access log.
   * @default AccessLogEncoding.TEXT
   */
  readonly accessLogEncoding?: AccessLogEncoding;
  /**
   * Backends that Telemetry resources can use by name (tracing, access logs, metrics).
   * @default - none besides Istio's built-in `prometheus`, `stackdriver` and `envoy`
   */
  readonly extensionProviders?: ExtensionProvider[];
  /**
   * Names of providers used for tracing by default, mesh-wide.
   * @default - no tracing provider
   */
  readonly defaultTracingProviders?: string[];
  /**
   * Names of providers used for access logging by default, mesh-wide.
   * @default - none (`accessLogFile` still applies)
   */
  readonly defaultAccessLogProviders?: string[];
  /**
   * Mesh-wide proxy defaults.
   * @default - Istio's defaults
   */
  readonly defaultProxyConfig?: DefaultProxyConfig;
  /**
   * Let client sidecars pick mTLS automatically for destinations with sidecars.
   * @default true
   */
  readonly enableAutoMtls?: boolean;
}
