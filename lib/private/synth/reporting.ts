import { IConstruct } from 'constructs';
import { describeValue, MeshValidationError } from '../errors';
import { validateEnum, validateIntRange } from '../validate';
import { Reporting } from './synthesize';

/** Default of `summaryThreshold`. */
export const SUMMARY_THRESHOLD = 20;

/** Values of `SynthStderr`, by member name. */
const STDERR_MODES = { AUTO: 'auto', PER_CONSTRUCT: 'per-construct', SUMMARY: 'summary' };

/** The reporting options of `MeshAppProps`, as the synthesizer takes them. */
export interface ReportingOptions {
  readonly stderr?: string;
  readonly summaryThreshold?: number;
  readonly progress?: boolean;
}

/**
 * Checks the options and resolves them against the defaults, for output to process.stderr.
 * `owner` names the caller in errors (the app has no construct path of its own).
 */
export function reportingOf(owner: string, options: ReportingOptions = {}): Reporting {
  const scope = { node: { path: owner } } as unknown as IConstruct;
  validateEnum(scope, 'stderr', options.stderr, 'SynthStderr', STDERR_MODES);
  if (options.summaryThreshold !== undefined) {
    validateIntRange(scope, 'summaryThreshold', options.summaryThreshold, 0, Number.MAX_SAFE_INTEGER,
      'e.g. 20 prints up to 20 messages one by one and summarizes more');
  }
  if (options.progress !== undefined && typeof options.progress !== 'boolean') {
    throw new MeshValidationError(scope, `'progress' must be true or false, got ${describeValue(options.progress, 'boolean')}; `
      + 'omit it to show progress when stderr is a terminal');
  }
  const mode = (options.stderr ?? 'auto') as Reporting['stderr'];
  return { stderr: mode, summaryThreshold: options.summaryThreshold ?? SUMMARY_THRESHOLD, progress: options.progress, target: process.stderr };
}
