import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshAnalyzer } from './mesh-analyzer';
import { IMeshInstallation } from './mesh-installation';
import { markLibraryConstruct } from './private/analyzer/ownership';
import { oncePerSynth } from './private/app-scan';
import { MeshValidationError } from './private/errors';
import { DEFAULT_REVISION, LABEL_REV } from './private/labels';
import { dependOnMesh } from './private/mesh-dependency';
import {
  POD_MONITOR_GVK, PodMonitorSpec, PROMETHEUS_DURATION, SERVICE_MONITOR_GVK, ServiceMonitorSpec,
} from './private/observability/prometheus-operator';
import { ownedApiObjects } from './private/owned-objects';
import { recommendedLabels } from './private/recommended-labels';
import { validateDnsLabel } from './private/validate';
import { findZeroTrustNamespace } from './private/zero-trust/registry';
import { MERGED_METRICS_PORT } from './private/zero-trust/render';
import { validateLabels, validateList } from './private/zero-trust/validate';
import { ZeroTrustNamespace } from './zero-trust-namespace';

/**
 * How Prometheus finds the mesh's metrics endpoints.
 *
 * @see https://istio.io/latest/docs/ops/integrations/prometheus/#configuration
 */
export enum PrometheusScrapeMode {
  /**
   * The Prometheus Operator: a `PodMonitor` for the proxies (sidecars and gateways) and a
   * `ServiceMonitor` for istiod are emitted.
   */
  PROMETHEUS_OPERATOR = 'PROMETHEUS_OPERATOR',
  /**
   * A Prometheus that honours the `prometheus.io/scrape|port|path` pod annotations (the
   * `kubernetes-pods` job of the community chart and of Istio's Prometheus addon). Nothing is
   * emitted: with metrics merging, which MeshInstallation turns on (`enablePrometheusMerge`),
   * the injector already annotates every injected pod with port 15020 and path
   * `/stats/prometheus`, and istiod carries `prometheus.io/port: 15014`.
   */
  ANNOTATIONS = 'ANNOTATIONS',
}

/**
 * Props of `PrometheusScraping`.
 */
export interface PrometheusScrapingProps {
  /**
   * The mesh whose proxies and istiod are scraped.
   */
  readonly mesh: IMeshInstallation;
  /**
   * How Prometheus discovers the targets.
   * @default PrometheusScrapeMode.PROMETHEUS_OPERATOR
   */
  readonly mode?: PrometheusScrapeMode;
  /**
   * Namespaces whose proxies are scraped; the mesh's namespace (its gateways) is always added.
   * Prometheus Operator mode only.
   * @default - every namespace (`namespaceSelector.any`)
   */
  readonly namespaces?: string[];
  /**
   * Namespace of the PodMonitor and ServiceMonitor: one your Prometheus's
   * `podMonitorNamespaceSelector` / `serviceMonitorNamespaceSelector` selects.
   * Prometheus Operator mode only.
   * @default - the mesh's namespace
   */
  readonly monitorNamespace?: string;
  /**
   * Labels on the PodMonitor and ServiceMonitor, for your Prometheus's `podMonitorSelector` /
   * `serviceMonitorSelector` (e.g. `{ release: 'kube-prometheus-stack' }`).
   * Prometheus Operator mode only.
   * @default - none
   */
  readonly monitorLabels?: { [key: string]: string };
  /**
   * Scrape interval, in Prometheus' duration syntax (e.g. `'15s'`). Prometheus Operator mode only.
   * @default - Prometheus' global scrape interval
   */
  readonly interval?: string;
  /**
   * Scrape istiod's own metrics (Service port `http-monitoring`, 15014). Prometheus Operator
   * mode only.
   * @default true
   */
  readonly scrapeIstiod?: boolean;
}

/**
 * Prometheus scraping of the mesh that keeps working in zero-trust namespaces.
 *
 * Every proxy serves Istio's merged metrics (Envoy's, the agent's and the application's) on
 * pilot-agent port 15020, path `/stats/prometheus`. That port is not captured by Envoy, so mTLS
 * and AuthorizationPolicies do not apply to it; `ZeroTrustNamespace` admits the `prometheus`
 * peer on exactly that port with its `allow-metrics-scrape` NetworkPolicy. The scrape port here
 * is the same constant, so the two always agree.
 *
 * The proxies do not declare port 15020 on the pod, so the PodMonitor discovers each proxy by
 * the port it does declare (`http-envoy-prom`, 15090, on the `istio-proxy` container) and
 * rewrites the target address to port 15020.
 *
 * @see https://istio.io/latest/docs/ops/integrations/prometheus/
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMonitor
 */
export class PrometheusScraping extends Construct {
  /** Port Prometheus scrapes on every proxy: pilot-agent's merged metrics port. */
  public static readonly SCRAPE_PORT: number = MERGED_METRICS_PORT;
  /** Path of the merged metrics. */
  public static readonly SCRAPE_PATH: string = '/stats/prometheus';
  /** Port istiod serves its metrics on (Service port `http-monitoring`). */
  public static readonly ISTIOD_METRICS_PORT: number = 15014;

  /** The mesh. */
  public readonly mesh: IMeshInstallation;
  /** How targets are discovered. */
  public readonly mode: PrometheusScrapeMode;
  /** The PodMonitor of the proxies (Prometheus Operator mode). */
  public readonly podMonitor?: ApiObject;
  /** The ServiceMonitor of istiod (Prometheus Operator mode, unless `scrapeIstiod` is false). */
  public readonly istiodServiceMonitor?: ApiObject;

  private readonly scrapedNamespaces?: string[];

  constructor(scope: Construct, id: string, props: PrometheusScrapingProps) {
    super(scope, id);
    MeshAnalyzer.of(this);
    markLibraryConstruct(this);
    this.mesh = props.mesh;
    this.mode = props.mode ?? PrometheusScrapeMode.PROMETHEUS_OPERATOR;
    if (!Object.values(PrometheusScrapeMode).includes(this.mode)) {
      throw new MeshValidationError(this, '\'mode\' must be one of PrometheusScrapeMode.PROMETHEUS_OPERATOR, PrometheusScrapeMode.ANNOTATIONS, ' +
        `got ${JSON.stringify(this.mode)}`);
    }
    dependOnMesh(this, props.mesh);
    if (this.mode === PrometheusScrapeMode.ANNOTATIONS) {
      const operatorOnly = (['namespaces', 'monitorNamespace', 'monitorLabels', 'interval', 'scrapeIstiod'] as const).filter((p) => props[p] !== undefined);
      if (operatorOnly.length > 0) {
        throw new MeshValidationError(this, `'${operatorOnly[0]}' has no effect with PrometheusScrapeMode.ANNOTATIONS (Prometheus reads the pod annotations); ` +
          'remove it, or use PrometheusScrapeMode.PROMETHEUS_OPERATOR');
      }
      return;
    }

    validateList(this, 'namespaces', props.namespaces, "omit 'namespaces' to scrape proxies in every namespace", (ns, prop) => validateDnsLabel(this, prop, ns));
    const monitorNamespace = props.monitorNamespace ?? props.mesh.namespace;
    validateDnsLabel(this, 'monitorNamespace', monitorNamespace);
    if (props.monitorLabels !== undefined) {
      if (Object.keys(props.monitorLabels).length === 0) {
        throw new MeshValidationError(this, "'monitorLabels' must not be empty; omit it when your Prometheus selects monitors without labels");
      }
      validateLabels(this, 'monitorLabels', props.monitorLabels);
    }
    if (props.interval !== undefined && (!PROMETHEUS_DURATION.test(props.interval) || !/[1-9]/.test(props.interval))) {
      throw new MeshValidationError(this, `'interval' must be a positive Prometheus duration such as "15s" or "1m", got ${JSON.stringify(props.interval)}`);
    }
    this.scrapedNamespaces = props.namespaces
      ? [...new Set([props.mesh.namespace, ...props.namespaces])]
      : undefined;

    const metadata = (name: string) => ({
      name,
      namespace: monitorNamespace,
      labels: { ...recommendedLabels(this, { name, component: 'metrics', partOf: 'istio' }), ...props.monitorLabels },
    });
    const podMonitor: PodMonitorSpec = {
      selector: {},
      namespaceSelector: this.scrapedNamespaces ? { matchNames: [...this.scrapedNamespaces] } : { any: true },
      podMetricsEndpoints: [{
        port: 'http-envoy-prom',
        path: PrometheusScraping.SCRAPE_PATH,
        scheme: 'http',
        interval: props.interval,
        relabelings: [
          { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_name'], regex: 'istio-proxy' },
          { action: 'replace', sourceLabels: ['__address__'], regex: '(.+):[0-9]+', replacement: `$1:${PrometheusScraping.SCRAPE_PORT}`, targetLabel: '__address__' },
        ],
      }],
    };
    this.podMonitor = new ApiObject(this, 'PodMonitor', { ...POD_MONITOR_GVK, metadata: metadata('istio-proxies'), spec: podMonitor });

    if (props.scrapeIstiod ?? true) {
      const istiod: ServiceMonitorSpec = {
        selector: { matchLabels: { app: 'istiod', [LABEL_REV]: props.mesh.revision ?? DEFAULT_REVISION } },
        namespaceSelector: { matchNames: [props.mesh.namespace] },
        endpoints: [{ port: 'http-monitoring', interval: props.interval }],
      };
      this.istiodServiceMonitor = new ApiObject(this, 'IstiodServiceMonitor', {
        ...SERVICE_MONITOR_GVK,
        metadata: metadata(props.mesh.istiodServiceName),
        spec: istiod,
      });
    }
    this.node.addValidation({ validate: oncePerSynth(this, () => this.closedNamespaces()) });
  }

  /**
   * Every Kubernetes object this construct has rendered so far, to patch with `addJsonPatch()`
   * (`ApiObject.of()` has no single answer for a construct of several objects), e.g.
   * `x.apiObjects.find((o) => o.kind === 'PodMonitor' && o.name === 'istio-proxies')`.
   */
  public get apiObjects(): ApiObject[] {
    return ownedApiObjects(this);
  }

  /** Namespaces whose proxies are scraped, or undefined for every namespace. */
  public get namespaces(): string[] | undefined {
    return this.scrapedNamespaces ? [...this.scrapedNamespaces] : undefined;
  }

  /** Listed namespaces whose ZeroTrustNamespace turned scraping off: their targets would all be down. */
  private closedNamespaces(): string[] {
    return (this.scrapedNamespaces ?? [])
      .map((name) => findZeroTrustNamespace(this, name))
      .filter((ns): ns is ZeroTrustNamespace => ns instanceof ZeroTrustNamespace && !ns.allowPrometheusScraping)
      .map((ns) => `'namespaces' lists "${ns.name}", but the ZeroTrustNamespace ${ns.node.path} sets 'allowPrometheusScraping: false', ` +
        `so its NetworkPolicies block port ${PrometheusScraping.SCRAPE_PORT}; allow scraping there or drop the namespace`);
  }
}
