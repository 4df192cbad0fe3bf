import type { ApiObject } from 'cdk8s';
import type { BlueGreenOptions, CanaryStep, FlaggerOptions, RolloutOptions } from '../../release-strategy';

/** What a ReleaseWorkload resolves to. */
export interface ResolvedWorkload {
  /** The Deployment's API object, when this app defines it. */
  readonly object?: ApiObject;
  /** Adds a label to the Deployment's pods, when its construct can (cdk8s-plus of any major). */
  readonly addPodLabel?: (key: string, value: string) => void;
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
  /** Whether this app defines the Deployment (its pods carry the release's labels, added when `addPodLabel` can). */
  readonly owned: boolean;
}

/** A ReleaseStrategy as declared. */
export type StrategyConfig =
  | { readonly kind: 'static'; readonly canaryWeight: number; readonly stableWeight?: number; readonly positional?: boolean; readonly extraArgument?: unknown }
  | { readonly kind: 'argo'; readonly steps: CanaryStep[]; readonly options: RolloutOptions }
  | { readonly kind: 'flagger'; readonly options: FlaggerOptions }
  | { readonly kind: 'blueGreen'; readonly options: BlueGreenOptions };
