import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshAnalyzer } from './mesh-analyzer';
import { IMeshInstallation } from './mesh-installation';
import { markLibraryConstruct } from './private/analyzer/ownership';
import { MeshValidationError } from './private/errors';
import { dependOnMesh } from './private/mesh-dependency';
import { KIALI_GVK, KialiSpec, urlProblem } from './private/observability/kiali-spec';
import { ownedApiObjects } from './private/owned-objects';
import { recommendedLabels } from './private/recommended-labels';
import { validateDnsLabel } from './private/validate';
import { NAMESPACE_NAME_LABEL } from './private/zero-trust/render';
import { validateDnsSubdomain, validateList } from './private/zero-trust/validate';

/**
 * The tracing backend Kiali queries.
 *
 * @see https://kiali.io/docs/configuration/p8s-jaeger-grafana/tracing/
 */
export enum KialiTracingProvider {
  /** Jaeger's query API. */
  JAEGER = 'jaeger',
  /** Grafana Tempo's query API. */
  TEMPO = 'tempo',
}

/**
 * Where Kiali reads traces.
 */
export interface KialiTracingOptions {
  /**
   * URL Kiali's backend queries inside the cluster, e.g.
   * `http://tracing.istio-system:16685/jaeger` (gRPC) or `http://tempo.tempo:3200`.
   */
  readonly internalUrl: string;
  /**
   * URL users' browsers open for the tracing UI.
   * @default - no links to the tracing UI
   */
  readonly externalUrl?: string;
  /**
   * The backend.
   * @default KialiTracingProvider.JAEGER
   */
  readonly provider?: KialiTracingProvider;
  /**
   * Query over gRPC (Jaeger's port 16685) rather than HTTP.
   * @default - Kiali's default (true)
   */
  readonly useGrpc?: boolean;
}

/**
 * Props of `Kiali`.
 */
export interface KialiProps {
  /**
   * The mesh Kiali watches (`istio_namespace`).
   */
  readonly mesh: IMeshInstallation;
  /**
   * URL of the Prometheus that scrapes the mesh, e.g.
   * `http://prometheus-operated.monitoring.svc:9090`.
   * @see https://kiali.io/docs/configuration/p8s-jaeger-grafana/prometheus/
   */
  readonly prometheusUrl: string;
  /**
   * The tracing backend.
   * @default - tracing integration off (`external_services.tracing.enabled: false`)
   */
  readonly tracing?: KialiTracingOptions;
  /**
   * Namespaces Kiali may see. Given, Kiali loses cluster-wide access and gets one Role per
   * namespace (plus the mesh's namespace), selected by name.
   * @default - every namespace (`cluster_wide_access: true`)
   * @see https://kiali.io/docs/configuration/namespace-management/
   */
  readonly namespaces?: string[];
  /**
   * Namespace of the Kiali CR: one the Kiali operator watches; the Kiali server is deployed there.
   * @default - the mesh's namespace
   */
  readonly namespace?: string;
  /**
   * Name of the Kiali CR.
   * @default 'kiali'
   */
  readonly name?: string;
}

/**
 * A `kiali.io/v1alpha1` Kiali custom resource (for the Kiali operator, Kiali 2.x), wired to the
 * mesh's namespace, the Prometheus that scrapes it and the tracing backend the mesh reports to.
 * The operator must be installed separately.
 *
 * The generated object is the child `Resource`; add any other Kiali setting with
 * `ApiObject.of(kiali).addJsonPatch(JsonPatch.add('/spec/auth', { strategy: 'openid' }))`.
 *
 * @see https://kiali.io/docs/configuration/kialis.kiali.io/
 */
export class Kiali extends Construct {
  /** The mesh. */
  public readonly mesh: IMeshInstallation;
  /** Namespace of the Kiali CR. */
  public readonly namespace: string;
  /** Name of the Kiali CR. */
  public readonly name: string;
  /** Prometheus URL Kiali queries. */
  public readonly prometheusUrl: string;

  constructor(scope: Construct, id: string, props: KialiProps) {
    super(scope, id);
    MeshAnalyzer.of(this);
    markLibraryConstruct(this);
    this.mesh = props.mesh;
    this.namespace = props.namespace ?? props.mesh.namespace;
    this.name = props.name ?? 'kiali';
    this.prometheusUrl = props.prometheusUrl;
    validateDnsLabel(this, 'namespace', this.namespace);
    validateDnsSubdomain(this, 'name', this.name);
    this.validateUrl('prometheusUrl', props.prometheusUrl);
    if (props.tracing) {
      this.validateUrl('tracing.internalUrl', props.tracing.internalUrl);
      if (props.tracing.externalUrl !== undefined) this.validateUrl('tracing.externalUrl', props.tracing.externalUrl);
    }
    validateList(this, 'namespaces', props.namespaces, "omit 'namespaces' to give Kiali cluster-wide access",
      (ns, prop) => validateDnsLabel(this, prop, ns));
    dependOnMesh(this, props.mesh);

    const visible = props.namespaces ? [...new Set([props.mesh.namespace, ...props.namespaces])] : undefined;
    const spec: KialiSpec = {
      istio_namespace: props.mesh.namespace,
      external_services: {
        prometheus: { url: props.prometheusUrl },
        tracing: props.tracing
          ? {
            enabled: true,
            provider: props.tracing.provider ?? KialiTracingProvider.JAEGER,
            internal_url: props.tracing.internalUrl,
            external_url: props.tracing.externalUrl,
            use_grpc: props.tracing.useGrpc,
          }
          : { enabled: false },
      },
      deployment: visible
        ? { cluster_wide_access: false, discovery_selectors: { default: visible.map((ns) => ({ matchLabels: { [NAMESPACE_NAME_LABEL]: ns } })) } }
        : { cluster_wide_access: true },
    };
    new ApiObject(this, 'Resource', { ...KIALI_GVK, metadata: { name: this.name, namespace: this.namespace, labels: recommendedLabels(this, { name: this.name, component: 'kiali', partOf: 'istio' }) }, spec });
  }

  /**
   * Every Kubernetes object this construct has rendered so far, to patch with `addJsonPatch()`
   * (`ApiObject.of()` has no single answer for a construct of several objects), e.g.
   * `x.apiObjects.find((o) => o.kind === 'Kiali' && o.name === 'kiali')`.
   */
  public get apiObjects(): ApiObject[] {
    return ownedApiObjects(this);
  }

  private validateUrl(prop: string, url: string): void {
    const problem = urlProblem(url);
    if (problem) throw new MeshValidationError(this, `'${prop}' ${problem}, got ${JSON.stringify(url)}`);
  }
}
