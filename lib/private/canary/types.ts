import * as kplus from 'cdk8s-plus-27';
import type { BlueGreenOptions, CanaryStep, FlaggerOptions, RolloutOptions } from '../../release-strategy';

/** What a ReleaseWorkload resolves to. */
export interface ResolvedWorkload {
  /** The Deployment, when this app owns it (its pods can be labelled). */
  readonly deployment?: kplus.Deployment;
  readonly deploymentName?: string;
  readonly namespace?: string;
  /** Labels the pods carry now. */
  readonly podLabels: { [key: string]: string };
  /** The workload's own selector (`spec.selector.matchLabels`). */
  readonly selectorLabels: { [key: string]: string };
  readonly description: string;
  readonly explicitVersion?: string;
  readonly image?: string;
  readonly containerPort?: number;
  readonly replicas?: number;
  /** Whether the construct may add labels to the pods. */
  readonly owned: boolean;
}

/** A ReleaseStrategy as declared. */
export type StrategyConfig =
  | { readonly kind: 'static'; readonly canaryWeight: number; readonly stableWeight?: number; readonly positional?: boolean; readonly extraArgument?: unknown }
  | { readonly kind: 'argo'; readonly steps: CanaryStep[]; readonly options: RolloutOptions }
  | { readonly kind: 'flagger'; readonly options: FlaggerOptions }
  | { readonly kind: 'blueGreen'; readonly options: BlueGreenOptions };
