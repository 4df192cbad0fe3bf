import { Duration } from 'cdk8s';
import { humanDuration } from './durations';
import { Analysis, Strategy } from './strategy';
import { PlannedStep, ReleasePlan } from '../../release-plan';
import { DeliveryController } from '../../release-strategy';

/** What the printed plan says about the release besides its strategy. */
export interface PlanContext {
  readonly title: string;
  readonly controller: DeliveryController;
  readonly matches: string[];
  readonly mirrorPercent?: number;
}

interface RawStep {
  readonly weight: number;
  readonly holdSeconds?: number;
  readonly note?: string;
}

/** Computes the schedule of a release and its printed form. */
export function computePlan(strategy: Strategy, ctx: PlanContext): ReleasePlan {
  const raw = rawSteps(strategy);
  const steps: PlannedStep[] = [];
  let t: number | undefined = 0;
  for (const s of raw) {
    steps.push({
      canaryWeight: s.weight,
      startsAfter: t === undefined ? undefined : Duration.seconds(t),
      holdFor: s.holdSeconds === undefined ? undefined : Duration.seconds(s.holdSeconds),
      waitsForPromotion: s.holdSeconds === undefined,
    });
    t = t === undefined || s.holdSeconds === undefined ? undefined : t + s.holdSeconds;
  }
  const analysis = strategy.kind === 'static' ? undefined : strategy.analysis;
  const rollbackSeconds = analysis ? analysis.intervalSeconds * analysis.threshold : undefined;
  const checks = analysis ? checksOf(analysis) : [];
  const plan = {
    controller: ctx.controller,
    steps,
    minimumPromotionTime: t === undefined || strategy.kind === 'static' ? undefined : Duration.seconds(t),
    rollbackTime: rollbackSeconds === undefined ? undefined : Duration.seconds(rollbackSeconds),
    checks,
  };
  return { ...plan, text: planText(ctx, raw, t, rollbackSeconds, analysis, checks, strategy) };
}

function rawSteps(s: Strategy): RawStep[] {
  switch (s.kind) {
    case 'static':
      return [{ weight: s.canaryWeight, note: 'until the next commit changes the weight' }];
    case 'argo':
      if (s.blueGreen) {
        return [{ weight: 0, holdSeconds: s.blueGreen.analysisSeconds, note: 'new version at full size, analysed' }];
      }
      return s.steps.map((x) => ({ weight: x.weight, holdSeconds: x.pauseSeconds, note: x.pauseSeconds === undefined ? 'until promoted' : undefined }));
    case 'flagger': {
      const interval = s.analysis.intervalSeconds;
      if (s.iterations !== undefined) {
        return [{ weight: 0, holdSeconds: interval * s.iterations, note: `${s.iterations} checks without shifting weight` }];
      }
      const weights = s.stepWeights ?? linear(s.stepWeight!, s.maxWeight!);
      return weights.map((weight) => ({ weight, holdSeconds: interval }));
    }
  }
}

function linear(step: number, max: number): number[] {
  const out: number[] = [];
  for (let w = step; w <= max; w += step) out.push(w);
  return out;
}

function checksOf(a: Analysis): string[] {
  return [
    `success rate >= ${a.minSuccessRate}% (istio_requests_total, reporter=${a.reporter})`,
    `P99 latency <= ${a.maxLatencyMs}ms (istio_request_duration_milliseconds_bucket, reporter=${a.reporter})`,
  ];
}

function planText(ctx: PlanContext, raw: RawStep[], end: number | undefined, rollback: number | undefined,
  analysis: Analysis | undefined, checks: string[], strategy: Strategy): string {
  const lines = [`${ctx.title}: ${controllerName(ctx.controller)}`];
  let t: number | undefined = 0;
  for (const s of raw) {
    const at = t === undefined ? 'later' : `t+${humanDuration(t)}`;
    const hold = s.holdSeconds === undefined ? '' : ` for ${humanDuration(s.holdSeconds)}`;
    lines.push(`  ${at.padEnd(10)} canary ${String(s.weight).padStart(3)}%${hold}${s.note ? ` (${s.note})` : ''}`);
    t = t === undefined || s.holdSeconds === undefined ? undefined : t + s.holdSeconds;
  }
  if (strategy.kind !== 'static') {
    lines.push(`  ${(end === undefined ? 'later' : `t+${humanDuration(end)}`).padEnd(10)} canary 100% (promoted: it becomes the stable version)`);
    lines.push(`  minimum promotion time: ${end === undefined ? 'none (waits for a person to promote)' : humanDuration(end)}`);
    lines.push(`  rollback time: ${humanDuration(rollback!)} (${analysis!.threshold} failed checks, ${humanDuration(analysis!.intervalSeconds)} apart)`);
    for (const c of checks) lines.push(`  check: ${c}`);
  } else {
    lines.push('  promotion and rollback: commit a new weight (100 promotes, 0 rolls back)');
  }
  for (const m of ctx.matches) lines.push(`  always to the canary: ${m}`);
  if (ctx.mirrorPercent) lines.push(`  mirrored to the canary: ${ctx.mirrorPercent}% of requests (responses discarded)`);
  return lines.join('\n');
}

function controllerName(c: DeliveryController): string {
  switch (c) {
    case DeliveryController.GIT: return 'static weights in Git';
    case DeliveryController.ARGO_ROLLOUTS: return 'Argo Rollouts';
    case DeliveryController.FLAGGER: return 'Flagger';
  }
}
