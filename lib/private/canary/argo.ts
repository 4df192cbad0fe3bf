import { Duration } from 'cdk8s';
import { controllerDuration } from './durations';
import { CANARY_SUBSET, PRIMARY_ROUTE, STABLE_SUBSET } from './istio';
import { argoCanarySelector, latencyP99Query, successRateQuery } from './metrics';
import { Analysis, BlueGreen, Step } from './strategy';
import { RolloutScaleDown } from '../../release-strategy';
import { RenderedMatch, RenderedStringMatch } from '../routing/match-algebra';
import { escapeRegex } from '../routing/regex';

export const ROLLOUT_GVK = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' };
export const ANALYSIS_TEMPLATE_GVK = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate' };

/** Name of the managed route Argo Rollouts creates to mirror requests during a blue/green analysis. */
export const MIRROR_ROUTE = 'mirror-to-canary';

/** The traffic-router plugin for the Kubernetes Gateway API, as Argo Rollouts' `trafficRouterPlugins` names it. */
export const GATEWAY_API_PLUGIN = 'argoproj-labs/gatewayAPI';

/**
 * An Argo Rollouts header route (`setHeaderRoute`): the requests whose headers all match go to the
 * canary Service. The Gateway API plugin adds it to the HTTPRoute as a rule of its own.
 */
export interface HeaderRoute {
  readonly name: string;
  readonly match: Array<{ readonly headerName: string; readonly headerValue: RenderedStringMatch }>;
}

/** Routing through the Gateway API plugin: the HTTPRoute it changes, and the header routes it adds. */
export interface GatewayApiRouting {
  readonly httpRoute: string;
  readonly namespace: string;
  readonly headerRoutes: HeaderRoute[];
}

/**
 * A canary match as a header route. A header prefix becomes a regex with the prefix escaped: the
 * plugin would write `<prefix>.*` unescaped, widening a prefix such as `v1.2`.
 */
export function headerRoute(name: string, m: RenderedMatch): HeaderRoute {
  const match = Object.entries(m.headers ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([headerName, v]) => ({
    headerName,
    headerValue: v.prefix !== undefined ? { regex: `${escapeRegex(v.prefix)}.*` } : { ...v },
  }));
  return { name, match };
}

/** Inputs of the Rollout spec. */
export interface RolloutInputs {
  readonly deploymentName: string;
  readonly selectorLabels: { [key: string]: string };
  readonly replicas: number;
  readonly scaleDown: RolloutScaleDown;
  readonly steps: Step[];
  readonly blueGreen?: BlueGreen;
  /** Mirror percentage for weighted steps (release-level `mirrorPercent`). */
  readonly mirrorPercent?: number;
  readonly virtualServices: string[];
  /** Gateway API instead of Istio's VirtualServices (host-level split only). */
  readonly gatewayApi?: GatewayApiRouting;
  /** Subset-level split: the DestinationRule name. */
  readonly destinationRule?: string;
  /** Host-level split: the two Services. */
  readonly stableService?: string;
  readonly canaryService?: string;
  readonly analysisTemplate: string;
  readonly analysisArgs: { [name: string]: string };
}

/**
 * The Rollout spec: `workloadRef` to the canary Deployment, and traffic routing through Istio's
 * VirtualServices or through the Gateway API plugin.
 *
 * With the plugin, canary matches are header routes set right after the canary has pods (the
 * first `setWeight`, or `setCanaryScale` of a blue/green release): Argo Rollouts removes managed
 * routes while the canary has no available pod, and removes them all when the release ends.
 */
export function rolloutSpec(i: RolloutInputs): Record<string, unknown> {
  const mirror = i.blueGreen ? i.blueGreen.mirrorPercent : (i.mirrorPercent ?? 0);
  const headerRoutes = (i.gatewayApi?.headerRoutes ?? []).map((r) => ({ setHeaderRoute: { name: r.name, match: r.match.map((m) => ({ ...m })) } }));
  const steps: Array<Record<string, unknown>> = [];
  if (mirror > 0) {
    steps.push({ setMirrorRoute: { name: MIRROR_ROUTE, percentage: Math.round(mirror), match: [{ path: { prefix: '/' } }] } });
  }
  if (i.blueGreen) {
    // Full-size new version, no user traffic but the mirrored requests; then all at once.
    steps.push({ setCanaryScale: { weight: 100 } });
    steps.push(...headerRoutes);
    steps.push({ pause: { duration: controllerDuration(Duration.seconds(i.blueGreen.analysisSeconds)) } });
    if (mirror > 0) steps.push({ setMirrorRoute: { name: MIRROR_ROUTE } });
    steps.push({ setWeight: 100 });
  } else {
    i.steps.forEach((s, k) => {
      steps.push({ setWeight: s.weight });
      if (k === 0) steps.push(...headerRoutes);
      steps.push({ pause: s.pauseSeconds === undefined ? {} : { duration: controllerDuration(Duration.seconds(s.pauseSeconds)) } });
    });
  }
  const managedRoutes = [...(mirror > 0 ? [MIRROR_ROUTE] : []), ...(i.gatewayApi?.headerRoutes ?? []).map((r) => r.name)].map((name) => ({ name }));
  let router: Record<string, unknown>;
  if (i.gatewayApi) {
    router = { plugins: { [GATEWAY_API_PLUGIN]: { httpRoute: i.gatewayApi.httpRoute, namespace: i.gatewayApi.namespace } } };
  } else {
    const istio: Record<string, unknown> = {
      virtualServices: i.virtualServices.map((name) => ({ name, routes: [PRIMARY_ROUTE] })),
    };
    if (i.destinationRule) {
      istio.destinationRule = { name: i.destinationRule, canarySubsetName: CANARY_SUBSET, stableSubsetName: STABLE_SUBSET };
    }
    router = { istio };
  }
  // Background analysis from the first pause on: the canary has traffic (weighted, mirrored) by then.
  const startingStep = steps.findIndex((s) => s.pause !== undefined);
  return {
    replicas: i.replicas,
    selector: { matchLabels: { ...i.selectorLabels } },
    workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: i.deploymentName, scaleDown: i.scaleDown },
    strategy: {
      canary: {
        canaryService: i.canaryService,
        stableService: i.stableService,
        trafficRouting: {
          managedRoutes: managedRoutes.length ? managedRoutes : undefined,
          ...router,
        },
        analysis: {
          templates: [{ templateName: i.analysisTemplate }],
          startingStep,
          args: Object.entries(i.analysisArgs).map(([name, value]) => ({ name, value })),
        },
        steps,
      },
    },
  };
}

/** The AnalysisTemplate spec: success rate and P99 latency of the canary's requests. */
export function analysisTemplateSpec(a: Analysis): Record<string, unknown> {
  const window = controllerDuration(Duration.seconds(a.intervalSeconds));
  const selector = argoCanarySelector();
  // A check with no data (no requests yet, or 0/0) fails, as in Flagger: a canary nobody calls is
  // not promoted. `failureLimit` counts the failures tolerated, hence threshold - 1.
  const common = { interval: window, failureLimit: a.threshold - 1 };
  return {
    args: [{ name: 'namespace' }, { name: 'service' }, { name: 'canary-version' }],
    metrics: [
      {
        name: 'success-rate',
        ...common,
        successCondition: `len(result) > 0 && !isNaN(result[0]) && result[0] >= ${a.minSuccessRate}`,
        provider: { prometheus: { address: a.prometheusAddress, query: successRateQuery(a.reporter, selector, window) } },
      },
      {
        name: 'latency-p99',
        ...common,
        successCondition: `len(result) > 0 && !isNaN(result[0]) && result[0] <= ${a.maxLatencyMs}`,
        provider: { prometheus: { address: a.prometheusAddress, query: latencyP99Query(a.reporter, selector, window) } },
      },
    ],
  };
}
