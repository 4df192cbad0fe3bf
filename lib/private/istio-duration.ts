import { Duration } from 'cdk8s';

/** A Duration as Istio's protobuf durations read it: `Ns` for whole seconds, else `Nms`. */
export function istioDuration(d: Duration): string {
  const ms = d.toMilliseconds({ integral: false });
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
