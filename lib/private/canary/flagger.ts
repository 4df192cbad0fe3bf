import { Duration } from 'cdk8s';
import { controllerDuration } from './durations';
import { renderRetryPolicy } from '../retry-policy';
import { flaggerCanarySelector, latencyP99Query, successRateQuery } from './metrics';
import { Analysis, Strategy } from './strategy';
import type { RetryPolicy } from '../../shared-interfaces';
import { RenderedMatch, RenderedStringMatch } from '../routing/match-algebra';
import { escapeRegex } from '../routing/regex';

export const CANARY_GVK = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary' };
export const METRIC_TEMPLATE_GVK = { apiVersion: 'flagger.app/v1beta1', kind: 'MetricTemplate' };

/** Flagger's provider for the Kubernetes Gateway API `v1` (HTTPRoute). */
export const GATEWAY_API_PROVIDER = 'gatewayapi:v1';

/** Inputs of the Canary spec. */
export interface FlaggerInputs {
  /**
   * Route with the Gateway API: Flagger's `gatewayapi:v1` provider writes an HTTPRoute whose parent
   * is the apex Service (GAMMA, mesh traffic) instead of a VirtualService and DestinationRules.
   */
  readonly gatewayApi?: boolean;
  readonly namespace: string;
  readonly deploymentName: string;
  readonly serviceName: string;
  readonly port: number;
  readonly targetPort: number;
  readonly gateways: string[];
  readonly hosts: string[];
  /** The traffic policy, as JSON. */
  readonly trafficPolicy: unknown;
  readonly retries?: RetryPolicy;
  readonly timeout?: string;
  readonly strategy: Extract<Strategy, { kind: 'flagger' }>;
  readonly matches: RenderedMatch[];
  readonly mirrorPercent?: number;
  readonly successRateTemplate: string;
  readonly latencyTemplate: string;
}

/**
 * A canary match as Flagger's `analysis.match`. Its schema has headers, query parameters and
 * source labels; the Gateway API provider reads exact and regex conditions only (a prefix becomes
 * an escaped regex) and no source labels: callers refuse what does not fit first.
 */
export function flaggerMatch(m: RenderedMatch, gatewayApi: boolean): Record<string, unknown> {
  const conditions = (c?: { [name: string]: RenderedStringMatch }) => {
    if (!c) return undefined;
    return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, gatewayApi && v.prefix !== undefined ? { regex: `${escapeRegex(v.prefix)}.*` } : { ...v }]));
  };
  return { headers: conditions(m.headers), queryParams: conditions(m.queryParams), sourceLabels: gatewayApi ? undefined : m.sourceLabels };
}

/** The Canary spec (provider istio or gatewayapi:v1, targetRef to the Deployment, two MetricTemplate checks). */
export function canarySpec(i: FlaggerInputs): Record<string, unknown> {
  const s = i.strategy;
  const interval = controllerDuration(Duration.seconds(s.analysis.intervalSeconds));
  const r = i.retries;
  const common = { name: i.serviceName, port: i.port, targetPort: i.targetPort, portName: 'http' };
  const service = i.gatewayApi ? {
    ...common,
    // GAMMA: the HTTPRoute's parent is the apex Service itself (Flagger copies gatewayRefs to parentRefs).
    gatewayRefs: [{ group: '', kind: 'Service', name: i.serviceName, namespace: i.namespace, port: i.port }],
    timeout: i.timeout,
  } : {
    ...common,
    gateways: [...i.gateways],
    hosts: i.hosts.length ? [...i.hosts] : undefined,
    trafficPolicy: i.trafficPolicy,
    retries: renderRetryPolicy(r),
    timeout: i.timeout,
  };
  return {
    provider: i.gatewayApi ? GATEWAY_API_PROVIDER : 'istio',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: i.deploymentName },
    progressDeadlineSeconds: s.progressDeadlineSeconds,
    service,
    analysis: {
      interval,
      threshold: s.analysis.threshold,
      iterations: s.iterations,
      stepWeight: s.stepWeight,
      maxWeight: s.maxWeight,
      stepWeights: s.stepWeights ? [...s.stepWeights] : undefined,
      match: i.matches.length ? i.matches.map((m) => flaggerMatch(m, !!i.gatewayApi)) : undefined,
      mirror: i.mirrorPercent ? true : undefined,
      mirrorWeight: i.mirrorPercent && i.mirrorPercent < 100 ? i.mirrorPercent : undefined,
      metrics: [
        {
          name: 'success-rate',
          templateRef: { name: i.successRateTemplate, namespace: i.namespace },
          thresholdRange: { min: s.analysis.minSuccessRate },
          interval,
        },
        {
          name: 'latency-p99',
          templateRef: { name: i.latencyTemplate, namespace: i.namespace },
          thresholdRange: { max: s.analysis.maxLatencyMs },
          interval,
        },
      ],
    },
  };
}

/** The two MetricTemplate specs (Flagger substitutes `namespace`, `target` and `interval`). */
export function metricTemplateSpecs(a: Analysis): { successRate: Record<string, unknown>; latency: Record<string, unknown> } {
  const provider = { type: 'prometheus', address: a.prometheusAddress };
  const selector = flaggerCanarySelector();
  return {
    successRate: { provider, query: successRateQuery(a.reporter, selector, '{{ interval }}') },
    latency: { provider: { ...provider }, query: latencyP99Query(a.reporter, selector, '{{ interval }}') },
  };
}
