import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { StrategyConfig } from './types';
import { validateDuration, validatePercent } from './validate';
import { AnalysisOptions, CanaryStep, MetricsReporter, RolloutScaleDown } from '../../release-strategy';
import { MeshValidationError } from '../errors';
import { validateIntRange } from '../validate';

/** Analysis settings with every default applied. */
export interface Analysis {
  readonly intervalSeconds: number;
  readonly threshold: number;
  readonly minSuccessRate: number;
  readonly maxLatencyMs: number;
  readonly prometheusAddress: string;
  readonly reporter: MetricsReporter;
}

/** A step with its defaults applied. */
export interface Step {
  readonly weight: number;
  /** Seconds the step holds; undefined for a manual gate. */
  readonly pauseSeconds?: number;
}

/** Blue/green settings. */
export interface BlueGreen {
  readonly analysisSeconds: number;
  readonly mirrorPercent: number;
}

/** A ReleaseStrategy validated and with its defaults applied. */
export type Strategy =
  | { readonly kind: 'static'; readonly canaryWeight: number; readonly stableWeight: number }
  | { readonly kind: 'argo'; readonly steps: Step[]; readonly analysis: Analysis; readonly scaleDown: RolloutScaleDown; readonly blueGreen?: BlueGreen }
  | {
    readonly kind: 'flagger';
    readonly analysis: Analysis;
    readonly stepWeight?: number;
    readonly maxWeight?: number;
    readonly stepWeights?: number[];
    readonly iterations?: number;
    readonly progressDeadlineSeconds: number;
    readonly blueGreen?: BlueGreen;
  };

/** What the defaults depend on. */
export interface StrategyDefaults {
  readonly meshNamespace: string;
  readonly behindGateway: boolean;
}

/** Validates a strategy and applies its defaults. */
export function normalizeStrategy(scope: IConstruct, config: StrategyConfig, defaults: StrategyDefaults): Strategy {
  switch (config.kind) {
    case 'static': {
      if (config.positional) {
        throw new MeshValidationError(scope, `'strategy' ReleaseStrategy.staticWeight(${config.canaryWeight}, ${JSON.stringify(config.extraArgument) ?? String(config.extraArgument)}) ` +
          'takes the canary weight only; name both shares instead: ReleaseStrategy.weights({ stable: ..., canary: ... })');
      }
      validateIntRange(scope, 'weights.canary', config.canaryWeight, 0, 100, 'the canary share of requests is a whole percentage');
      if (config.stableWeight !== undefined) {
        validateIntRange(scope, 'weights.stable', config.stableWeight, 0, 100, 'the stable share of requests is a whole percentage');
        if (config.stableWeight + config.canaryWeight !== 100) {
          throw new MeshValidationError(scope, `'weights' stable ${config.stableWeight} + canary ${config.canaryWeight} = ` +
            `${config.stableWeight + config.canaryWeight}, not 100; set stable to ${100 - config.canaryWeight} or omit it`);
        }
      }
      return { kind: 'static', canaryWeight: config.canaryWeight, stableWeight: 100 - config.canaryWeight };
    }
    case 'argo': {
      const analysis = normalizeAnalysis(scope, config.options, defaults);
      return {
        kind: 'argo',
        steps: normalizeSteps(scope, config.steps, analysis.intervalSeconds),
        analysis,
        scaleDown: config.options.scaleDown ?? RolloutScaleDown.ON_SUCCESS,
      };
    }
    case 'flagger': {
      const o = config.options;
      const analysis = normalizeAnalysis(scope, o, defaults);
      validateDuration(scope, 'progressDeadline', o.progressDeadline, { wholeSeconds: true });
      const progressDeadlineSeconds = (o.progressDeadline ?? Duration.minutes(10)).toSeconds();
      const modes = [o.stepWeights !== undefined, o.iterations !== undefined].filter(Boolean).length;
      if (modes > 1 || (o.iterations !== undefined && (o.stepWeight !== undefined || o.maxWeight !== undefined))
        || (o.stepWeights !== undefined && (o.stepWeight !== undefined || o.maxWeight !== undefined))) {
        throw new MeshValidationError(scope, "Flagger takes one of 'stepWeight'/'maxWeight' (linear steps), 'stepWeights' (explicit steps) or " +
          "'iterations' (A/B or blue/green); keep one");
      }
      if (o.iterations !== undefined) {
        validateIntRange(scope, 'iterations', o.iterations, 1, 1000);
        return { kind: 'flagger', analysis, iterations: o.iterations, progressDeadlineSeconds };
      }
      if (o.stepWeights !== undefined) {
        const steps = normalizeSteps(scope, o.stepWeights.map((weight) => ({ weight })), analysis.intervalSeconds, 'stepWeights');
        return { kind: 'flagger', analysis, stepWeights: steps.map((s) => s.weight), progressDeadlineSeconds };
      }
      const stepWeight = o.stepWeight ?? 10;
      const maxWeight = o.maxWeight ?? 50;
      validateIntRange(scope, 'stepWeight', stepWeight, 1, 100);
      validateIntRange(scope, 'maxWeight', maxWeight, 1, 100);
      if (stepWeight > maxWeight) {
        throw new MeshValidationError(scope, `'stepWeight' (${stepWeight}) must not exceed 'maxWeight' (${maxWeight}); lower stepWeight or raise maxWeight`);
      }
      return { kind: 'flagger', analysis, stepWeight, maxWeight, progressDeadlineSeconds };
    }
    case 'blueGreen': {
      const o = config.options;
      const analysis = normalizeAnalysis(scope, o, defaults);
      validateDuration(scope, 'analysisDuration', o.analysisDuration, { wholeSeconds: true });
      const analysisSeconds = (o.analysisDuration ?? Duration.minutes(10)).toSeconds();
      if (analysisSeconds < analysis.intervalSeconds) {
        throw new MeshValidationError(scope, `'analysisDuration' (${analysisSeconds}s) is shorter than one analysis 'interval' ` +
          `(${analysis.intervalSeconds}s), so no check would run; lengthen it`);
      }
      const mirrorPercent = o.mirrorPercent ?? 100;
      validateIntRange(scope, 'mirrorPercent', mirrorPercent, 0, 100);
      const blueGreen = { analysisSeconds, mirrorPercent };
      if (o.controller === 'Flagger') {
        return {
          kind: 'flagger',
          analysis,
          iterations: Math.floor(analysisSeconds / analysis.intervalSeconds),
          progressDeadlineSeconds: 600,
          blueGreen,
        };
      }
      if (o.controller !== undefined && o.controller !== 'ArgoRollouts') {
        throw new MeshValidationError(scope, `'controller' of a blue/green release must be DeliveryController.ARGO_ROLLOUTS or FLAGGER, got ${o.controller}; ` +
          'for weights kept in Git use ReleaseStrategy.staticWeight(0) then (100)');
      }
      return {
        kind: 'argo',
        steps: [{ weight: 0, pauseSeconds: analysisSeconds }],
        analysis,
        scaleDown: o.scaleDown ?? RolloutScaleDown.ON_SUCCESS,
        blueGreen,
      };
    }
  }
}

function normalizeAnalysis(scope: IConstruct, o: AnalysisOptions, defaults: StrategyDefaults): Analysis {
  validateDuration(scope, 'interval', o.interval, { wholeSeconds: true, minSeconds: 30 });
  validateDuration(scope, 'maxLatencyP99', o.maxLatencyP99);
  const threshold = o.failureThreshold ?? 3;
  validateIntRange(scope, 'failureThreshold', threshold, 1, 100);
  const minSuccessRate = o.minSuccessRate ?? 99;
  validatePercent(scope, 'minSuccessRate', minSuccessRate, 0);
  if (o.prometheusAddress !== undefined && !/^https?:\/\/[^\s/]+/.test(o.prometheusAddress)) {
    throw new MeshValidationError(scope, `'prometheusAddress' must be an http(s) URL such as "http://prometheus.istio-system:9090", got ${JSON.stringify(o.prometheusAddress)}`);
  }
  return {
    intervalSeconds: (o.interval ?? Duration.minutes(1)).toSeconds(),
    threshold,
    minSuccessRate,
    maxLatencyMs: (o.maxLatencyP99 ?? Duration.millis(500)).toMilliseconds({ integral: false }),
    prometheusAddress: o.prometheusAddress ?? `http://prometheus.${defaults.meshNamespace}:9090`,
    reporter: o.reporter ?? (defaults.behindGateway ? MetricsReporter.SOURCE : MetricsReporter.DESTINATION),
  };
}

function normalizeSteps(scope: IConstruct, steps: CanaryStep[], intervalSeconds: number, prop = 'steps'): Step[] {
  if (steps.length === 0) {
    throw new MeshValidationError(scope, `'${prop}' is empty; give at least one step, e.g. [{ weight: 10 }, { weight: 50 }]`);
  }
  return steps.map((s, i) => {
    validateIntRange(scope, `${prop}[${i}].weight`, s.weight, 1, 100, 'each step gives the canary a whole percentage of the requests');
    if (i > 0 && s.weight <= steps[i - 1].weight) {
      throw new MeshValidationError(scope, `'${prop}' must increase: step ${i} has weight ${s.weight} after ${steps[i - 1].weight}; ` +
        'order the steps by weight and drop repeats');
    }
    validateDuration(scope, `${prop}[${i}].pause`, s.pause, { wholeSeconds: true });
    if (s.manualPromotion && s.pause) {
      throw new MeshValidationError(scope, `'${prop}[${i}]' has both 'pause' and 'manualPromotion'; a manual step waits for a person, remove 'pause'`);
    }
    return { weight: s.weight, pauseSeconds: s.manualPromotion ? undefined : (s.pause?.toSeconds() ?? intervalSeconds) };
  });
}
