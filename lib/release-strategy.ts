import { Duration } from 'cdk8s';
import { StrategyConfig } from './private/canary/types';

/**
 * Who moves traffic from the stable version to the canary.
 */
export enum DeliveryController {
  /** Nobody at run time: the weights are in Git, each commit is a step. */
  GIT = 'Git',
  /** Argo Rollouts: a `Rollout` (argoproj.io/v1alpha1) steps the VirtualService weights. */
  ARGO_ROLLOUTS = 'ArgoRollouts',
  /** Flagger: a `Canary` (flagger.app/v1beta1); Flagger generates and steps its own routing. */
  FLAGGER = 'Flagger',
}

/**
 * Which Envoy's report of a request the analysis queries (the `reporter` label of Istio's
 * standard metrics).
 *
 * @see https://istio.io/latest/docs/reference/config/metrics/#labels
 */
export enum MetricsReporter {
  /** The sidecar of the canary pods: sees every request that reached them (mesh-internal releases). */
  DESTINATION = 'destination',
  /**
   * The client's proxy, e.g. the ingress gateway: sees what users see, including requests that
   * never reached a pod (releases exposed through a gateway).
   */
  SOURCE = 'source',
}

/**
 * What Argo Rollouts does with the Deployment it takes the pod template from (`workloadRef.scaleDown`).
 *
 * @see https://argoproj.github.io/argo-rollouts/migrating/#reference-deployment-from-rollout
 */
export enum RolloutScaleDown {
  /** Keep the Deployment's pods running (both it and the Rollout serve). */
  NEVER = 'never',
  /** Scale the Deployment to zero once the Rollout is healthy. */
  ON_SUCCESS = 'onsuccess',
  /** Scale the Deployment down as the Rollout scales up. */
  PROGRESSIVELY = 'progressively',
}

/**
 * One step of a progressive release: the canary's share of the requests, and how long it holds.
 */
export interface CanaryStep {
  /** Percentage of requests the canary receives during the step (1–100; steps must increase). */
  readonly weight: number;
  /**
   * How long the step holds before the next one (whole seconds).
   * @default - the analysis `interval`
   */
  readonly pause?: Duration;
  /**
   * Hold until a person promotes the release (`kubectl argo rollouts promote`) instead of for
   * `pause`.
   * @default false
   */
  readonly manualPromotion?: boolean;
}

/**
 * How the canary is judged: Istio's standard metrics in Prometheus, checked every `interval`.
 * The defaults are Flagger's two built-in checks (success rate and P99 latency).
 *
 * @see https://istio.io/latest/docs/reference/config/metrics/
 */
export interface AnalysisOptions {
  /**
   * Time between checks, also the window of the rate queries (whole seconds, at least 30s).
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /**
   * Failed checks that abort the release and send all traffic back to the stable version.
   * @default 3
   */
  readonly failureThreshold?: number;
  /**
   * Lowest acceptable share of non-5xx responses, in percent.
   * @default 99
   */
  readonly minSuccessRate?: number;
  /**
   * Highest acceptable 99th percentile of request duration.
   * @default Duration.millis(500)
   */
  readonly maxLatencyP99?: Duration;
  /**
   * Prometheus that scrapes the mesh.
   * @default - `http://prometheus.<mesh namespace>:9090` (Istio's Prometheus addon)
   */
  readonly prometheusAddress?: string;
  /**
   * Which proxy's report the queries read.
   * @default - MetricsReporter.SOURCE when the release is bound to a gateway, else
   * MetricsReporter.DESTINATION
   */
  readonly reporter?: MetricsReporter;
}

/**
 * Options of `ReleaseStrategy.steps()` (Argo Rollouts).
 */
export interface RolloutOptions extends AnalysisOptions {
  /**
   * What happens to the canary Deployment the Rollout takes its pod template from.
   * @default RolloutScaleDown.ON_SUCCESS
   */
  readonly scaleDown?: RolloutScaleDown;
}

/**
 * Options of `ReleaseStrategy.flagger()`. Give `stepWeight` (linear), `stepWeights` (explicit)
 * or `iterations` (A/B test or blue/green: no weights).
 *
 * @see https://docs.flagger.app/usage/how-it-works#canary-analysis
 */
export interface FlaggerOptions extends AnalysisOptions {
  /**
   * Weight added at each interval, up to `maxWeight`.
   * @default 10 (unless `stepWeights` or `iterations` is given)
   */
  readonly stepWeight?: number;
  /**
   * Highest canary weight before promotion (with `stepWeight`).
   * @default 50
   */
  readonly maxWeight?: number;
  /**
   * Explicit weights, one per interval (increasing, 1–100).
   * @default - linear steps of `stepWeight`
   */
  readonly stepWeights?: number[];
  /**
   * Checks to run without shifting weights: an A/B test (with `CanaryRelease` matches) or a
   * blue/green analysis; then all traffic moves at once.
   * @default - weighted steps
   */
  readonly iterations?: number;
  /**
   * How long the canary Deployment may take to become ready before the release is rolled back.
   * @default Duration.minutes(10)
   */
  readonly progressDeadline?: Duration;
}

/**
 * Options of `ReleaseStrategy.blueGreen()`.
 */
export interface BlueGreenOptions extends AnalysisOptions {
  /**
   * The controller that runs it.
   * @default DeliveryController.ARGO_ROLLOUTS
   */
  readonly controller?: DeliveryController;
  /**
   * How long the new version is analysed (full size, no user traffic) before all traffic moves.
   * @default Duration.minutes(10)
   */
  readonly analysisDuration?: Duration;
  /**
   * Percentage of user requests mirrored to the new version during the analysis (responses are
   * discarded), so the checks have traffic to judge. 0 turns mirroring off: then the release
   * needs request matches (test users) for the checks to see anything.
   * @default 100
   */
  readonly mirrorPercent?: number;
  /**
   * With Argo Rollouts: what happens to the Deployment the Rollout takes its template from.
   * @default RolloutScaleDown.ON_SUCCESS
   */
  readonly scaleDown?: RolloutScaleDown;
}

/**
 * The two shares of a static release, by name.
 */
export interface ReleaseWeights {
  /** Percentage of requests for the canary, 0–100. */
  readonly canary: number;
  /**
   * Percentage of requests for the stable version.
   * @default 100 - canary
   */
  readonly stable?: number;
}

/**
 * How a `CanaryRelease` moves traffic to the canary: weights kept in Git, steps run by Argo
 * Rollouts, or an analysis run by Flagger.
 */
export class ReleaseStrategy {
  /**
   * GitOps: the canary receives `canaryWeight` percent of the requests until the next commit
   * changes it; the stable version the rest. Each commit is a step; reverting the commit is the
   * rollback. Same as `weights({ canary: canaryWeight })`.
   *
   * @param canaryWeight percentage for the canary, 0–100
   */
  public static staticWeight(canaryWeight: number): ReleaseStrategy {
    // JavaScript callers of the former staticWeight(canary, stable) would silently get the canary
    // share they meant for the stable version: refuse a second argument.
    // eslint-disable-next-line prefer-rest-params
    const extra = arguments.length > 1 ? arguments[1] : undefined;
    return new ReleaseStrategy(DeliveryController.GIT, { kind: 'static', canaryWeight, extraArgument: extra, positional: arguments.length > 1 });
  }

  /**
   * GitOps with the weights named: `weights({ canary: 10 })`, or both shares
   * `weights({ stable: 90, canary: 10 })` (they must add up to 100).
   */
  public static weights(weights: ReleaseWeights): ReleaseStrategy {
    return new ReleaseStrategy(DeliveryController.GIT, { kind: 'static', canaryWeight: weights?.canary, stableWeight: weights?.stable });
  }

  /**
   * Argo Rollouts runs the steps, checking Istio metrics in the background (an
   * `AnalysisTemplate`), and aborts when `failureThreshold` checks fail.
   *
   * @param steps increasing canary weights; after the last one the canary gets all traffic
   */
  public static steps(steps: CanaryStep[], options: RolloutOptions = {}): ReleaseStrategy {
    return new ReleaseStrategy(DeliveryController.ARGO_ROLLOUTS, { kind: 'argo', steps: steps.map((s) => ({ ...s })), options: { ...options } });
  }

  /**
   * Flagger runs the analysis (a `Canary` and two `MetricTemplate`s): it generates the
   * `-primary` Deployment, the Services, the VirtualService and DestinationRules itself.
   */
  public static flagger(options: FlaggerOptions = {}): ReleaseStrategy {
    return new ReleaseStrategy(DeliveryController.FLAGGER, { kind: 'flagger', options: { ...options } });
  }

  /**
   * Blue/green: the new version runs at full size and is analysed on mirrored requests (and
   * matched test users), then receives all traffic at once.
   */
  public static blueGreen(options: BlueGreenOptions = {}): ReleaseStrategy {
    const controller = options.controller ?? DeliveryController.ARGO_ROLLOUTS;
    return new ReleaseStrategy(controller, { kind: 'blueGreen', options: { ...options } });
  }

  /** Who moves traffic. */
  public readonly controller: DeliveryController;

  private constructor(controller: DeliveryController, private readonly config: StrategyConfig) {
    this.controller = controller;
  }

  /**
   * The strategy as declared.
   * @internal
   */
  public get _config(): StrategyConfig {
    return this.config;
  }
}
