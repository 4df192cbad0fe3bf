import { Duration } from 'cdk8s';
import { DeliveryController } from './release-strategy';

/**
 * One step of a release schedule.
 */
export interface PlannedStep {
  /** Percentage of (unmatched) requests the canary receives during the step. */
  readonly canaryWeight: number;
  /**
   * Time from the start of the release to the start of the step.
   * @default - unknown: an earlier step waits for a person
   */
  readonly startsAfter?: Duration;
  /**
   * How long the step holds.
   * @default - until promoted: by a person, or by the next Git commit
   */
  readonly holdFor?: Duration;
  /** Whether the step waits for a person (or a commit) rather than a timer. */
  readonly waitsForPromotion: boolean;
}

/**
 * The schedule of a `CanaryRelease`: the canary weight over time, how soon it can be promoted at
 * the earliest, and how soon a failing canary is rolled back. Printed once at synth.
 */
export interface ReleasePlan {
  /** Who moves traffic. */
  readonly controller: DeliveryController;
  /** The steps, in order. Promotion (100% to the new version) follows the last one. */
  readonly steps: PlannedStep[];
  /**
   * Earliest time from the start of the release to full promotion, if every check passes.
   * @default - no bound: promotion waits for a person or a commit
   */
  readonly minimumPromotionTime?: Duration;
  /**
   * Time from the first failing check to the rollback (interval x failure threshold).
   * @default - no automatic rollback: revert the commit
   */
  readonly rollbackTime?: Duration;
  /** The checks that gate promotion, e.g. `success rate >= 99% (reporter=destination)`. */
  readonly checks: string[];
  /** The plan as printed at synth. */
  readonly text: string;
}
