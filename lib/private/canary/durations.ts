import { Duration } from 'cdk8s';

/**
 * A Duration for Argo Rollouts pauses and Flagger intervals (`^[0-9]+(m|s)`): whole minutes as
 * `Nm`, else whole seconds as `Ns`. Callers validate that it is a whole number of seconds.
 */
export function controllerDuration(d: Duration): string {
  const s = d.toSeconds({ integral: false });
  return s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

/** `1h 30m`, `45s`: for the printed plan. */
export function humanDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const parts: string[] = [];
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s) parts.push(`${s}s`);
  return parts.join(' ');
}
