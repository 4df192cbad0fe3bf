import { MetricsReporter } from '../../release-strategy';

/**
 * PromQL over Istio's standard metrics (`istio_requests_total`,
 * `istio_request_duration_milliseconds_bucket`), the two checks Flagger has built in.
 * `selector` holds the label matchers that pick the canary's requests.
 */
export function successRateQuery(reporter: MetricsReporter, selector: string[], window: string): string {
  const base = [`reporter="${reporter}"`, ...selector].join(', ');
  return [
    `sum(rate(istio_requests_total{${base}, response_code!~"5.*"}[${window}]))`,
    '/',
    `sum(rate(istio_requests_total{${base}}[${window}]))`,
    '* 100',
  ].join('\n');
}

/** P99 request duration in milliseconds. */
export function latencyP99Query(reporter: MetricsReporter, selector: string[], window: string): string {
  const base = [`reporter="${reporter}"`, ...selector].join(', ');
  return [
    'histogram_quantile(0.99,',
    `  sum(rate(istio_request_duration_milliseconds_bucket{${base}}[${window}])) by (le)`,
    ')',
  ].join('\n');
}

/** Label matchers of the canary's requests for Argo Rollouts: the Service and the canary's version (an analysis arg). */
export function argoCanarySelector(): string[] {
  return [
    'destination_workload_namespace="{{args.namespace}}"',
    'destination_service_name="{{args.service}}"',
    'destination_canonical_revision="{{args.canary-version}}"',
  ];
}

/** Label matchers of the canary's requests for Flagger: its template variables. */
export function flaggerCanarySelector(): string[] {
  return ['destination_workload_namespace="{{ namespace }}"', 'destination_workload=~"{{ target }}"'];
}
