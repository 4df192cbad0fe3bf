import { Duration } from 'cdk8s';
import { controllerDuration } from './durations';
import { renderRetryPolicy } from '../retry-policy';
import { flaggerCanarySelector, latencyP99Query, successRateQuery } from './metrics';
import { Analysis, Strategy } from './strategy';
import type { RetryPolicy } from '../../shared-interfaces';
import { RenderedMatch } from '../routing/match-algebra';

export const CANARY_GVK = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary' };
export const METRIC_TEMPLATE_GVK = { apiVersion: 'flagger.app/v1beta1', kind: 'MetricTemplate' };

/** Inputs of the Canary spec. */
export interface FlaggerInputs {
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

/** The Canary spec (provider istio, targetRef to the Deployment, two MetricTemplate checks). */
export function canarySpec(i: FlaggerInputs): Record<string, unknown> {
  const s = i.strategy;
  const interval = controllerDuration(Duration.seconds(s.analysis.intervalSeconds));
  const r = i.retries;
  return {
    provider: 'istio',
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: i.deploymentName },
    progressDeadlineSeconds: s.progressDeadlineSeconds,
    service: {
      name: i.serviceName,
      port: i.port,
      targetPort: i.targetPort,
      portName: 'http',
      gateways: [...i.gateways],
      hosts: i.hosts.length ? [...i.hosts] : undefined,
      trafficPolicy: i.trafficPolicy,
      retries: renderRetryPolicy(r),
      timeout: i.timeout,
    },
    analysis: {
      interval,
      threshold: s.analysis.threshold,
      iterations: s.iterations,
      stepWeight: s.stepWeight,
      maxWeight: s.maxWeight,
      stepWeights: s.stepWeights ? [...s.stepWeights] : undefined,
      match: i.matches.length ? i.matches.map((m) => ({ headers: m.headers, sourceLabels: m.sourceLabels })) : undefined,
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
