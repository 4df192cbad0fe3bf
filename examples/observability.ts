/**
 * Situation: an online shop runs its storefront and its payments service in two zero-trust
 * namespaces and wants to see what happens between them. The mesh declares two backends
 * (extension providers): an OpenTelemetry collector for traces and JSON access logs on the
 * proxies' stdout. A mesh-wide Telemetry traces 10% of requests and logs only server errors;
 * the payments namespace, where every request matters for audits, logs everything and traces
 * a quarter of its requests. The Prometheus Operator scrapes every proxy's merged metrics on
 * port 15020 (the one port the zero-trust NetworkPolicies open to Prometheus) and istiod on
 * `http-monitoring`; Kiali reads both Prometheus and the traces.
 *
 * No ambient variant: what it configures is reported by the pods' sidecars (merged metrics on 15020,
 * access logs and traces per namespace by MeshTelemetry); ambient pods run no proxy, ztunnel reports
 * L4 metrics only and L7 telemetry comes from waypoints, and the default profile's ingress gateway
 * has no counterpart in the ambient profile.
 *
 *   npm run synth -- observability   # writes dist/examples/observability/
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AccessLogEncoding, CustomTag, ExtensionProvider, Kiali, MeshInstallation, MeshPeer, MeshProfile, MeshTelemetry, PrometheusScrapeMode,
  PrometheusScraping, WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

/** Where the platform team's Prometheus (kube-prometheus-stack) runs. */
const MONITORING = 'monitoring';
const PROMETHEUS = MeshPeer.serviceAccount(MONITORING, 'kube-prometheus-stack-prometheus', {
  podLabels: { 'app.kubernetes.io/name': 'prometheus' },
});

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const meshChart = new Chart(app, 'mesh');
  const mesh = new MeshInstallation(meshChart, 'Mesh', {
    profile: MeshProfile.DEFAULT,
    meshConfig: {
      extensionProviders: [
        ExtensionProvider.openTelemetryTracing({ name: 'otel-tracing', service: 'otel-collector.observability.svc.cluster.local', port: 4317 }),
        ExtensionProvider.envoyFileAccessLog('json-stdout', '/dev/stdout', AccessLogEncoding.JSON),
      ],
    },
  });

  const observability = new Chart(app, 'observability');
  // Mesh-wide default (root namespace, no selector): 10% of traces, access logs of 5xx only.
  new MeshTelemetry(observability, 'MeshDefault', {
    mesh,
    tracing: {
      providers: ['otel-tracing'],
      randomSamplingPercentage: 10,
      customTags: { cluster: CustomTag.literal('eu-west-prod') },
    },
    accessLogging: { providers: ['json-stdout'], filter: 'response.code >= 500' },
  });
  new PrometheusScraping(observability, 'Prometheus', {
    mesh,
    mode: PrometheusScrapeMode.PROMETHEUS_OPERATOR,
    monitorLabels: { release: 'kube-prometheus-stack' },
    interval: '30s',
  });
  new Kiali(observability, 'Kiali', {
    mesh,
    prometheusUrl: `http://kube-prometheus-stack-prometheus.${MONITORING}.svc:9090`,
    tracing: { internalUrl: 'http://jaeger-query.observability.svc:16685/jaeger', externalUrl: 'https://jaeger.shop.example' },
  });

  const storefrontChart = new Chart(app, 'storefront');
  const storefront = zeroTrust(storefrontChart, 'Storefront', 'storefront', mesh);
  const web = workload(storefrontChart, 'Web', 'web', 'storefront');

  const paymentsChart = new Chart(app, 'payments');
  const payments = zeroTrust(paymentsChart, 'Payments', 'payments', mesh);
  const api = workload(paymentsChart, 'Api', 'payments-api', 'payments');
  // Namespace override: every request is logged for the audit trail, a quarter are traced.
  new MeshTelemetry(paymentsChart, 'Telemetry', {
    mesh,
    namespace: 'payments',
    tracing: { providers: ['otel-tracing'], randomSamplingPercentage: 25 },
    accessLogging: { providers: ['json-stdout'] },
  });

  storefront.exposeToIngressGateway({ to: WorkloadSelector.fromDeployment(web), ports: [8080] });
  payments.allowFrom(MeshPeer.fromDeployment(web), {
    to: WorkloadSelector.fromDeployment(api),
    ports: [8080],
    methods: ['POST'],
    paths: ['/v1/charges'],
  });
}

/** A zero-trust namespace whose NetworkPolicy lets the platform Prometheus scrape port 15020. */
function zeroTrust(chart: Chart, id: string, name: string, mesh: MeshInstallation): ZeroTrustNamespace {
  return new ZeroTrustNamespace(chart, id, { name, mesh, prometheus: PROMETHEUS, externalNamespaces: [MONITORING] });
}

/** A Deployment with its own ServiceAccount and Service, serving HTTP on 8080. */
function workload(chart: Chart, id: string, name: string, namespace: string): kplus.Deployment {
  const serviceAccount = new kplus.ServiceAccount(chart, `${id}ServiceAccount`, { metadata: { name, namespace } });
  const deployment = new kplus.Deployment(chart, id, {
    metadata: { name, namespace },
    // Istio's canonical service labels: they become the workload and version in metrics, traces and Kiali.
    podMetadata: { labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/version': '3.2.0' } },
    serviceAccount,
    replicas: 2,
    containers: [{
      name: 'app',
      image: `registry.shop.example/${name}:3.2.0`,
      portNumber: 8080,
      readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }),
    }],
  });
  deployment.exposeViaService({ name, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  return deployment;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
