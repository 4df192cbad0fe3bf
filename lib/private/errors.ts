import { Construct, IConstruct } from 'constructs';

/**
 * Not exported from the package: jsii cannot model classes derived from `Error`. Users see it as
 * an `Error` whose `name` is `MeshValidationError`.
 *
 * Thrown when a construct receives props it cannot turn into valid Istio or Kubernetes objects.
 *
 * The message names the construct path, the prop, the value received and how to fix it, so a
 * failing `cdk8s synth` points straight at the offending line of the user's app.
 */
export class MeshValidationError extends Error {
  /** Path of the construct that rejected its input, e.g. `platform/Mesh`. */
  public readonly constructPath: string;

  constructor(scope: IConstruct, message: string) {
    super(`[${scope.node.path}] ${message}`);
    this.name = 'MeshValidationError';
    this.constructPath = scope.node.path;
  }
}

/**
 * Messages of MeshValidationErrors as cdk8s validation results of `scope`: cdk8s prefixes each
 * with `scope`'s path, so the error's own `[path]` is dropped when it is `scope` or an ancestor
 * of it, and kept when it names another construct.
 */
export function asValidationMessages(scope: IConstruct, messages: string[]): string[] {
  const path = scope.node.path;
  return messages.map((m) => {
    const prefix = /^\[([^\]]*)\] /.exec(m);
    if (!prefix) return m;
    const p = prefix[1];
    return path === p || path.startsWith(`${p}/`) ? m.slice(prefix[0].length) : m;
  });
}

/**
 * A value for an error message: JSON, with its type when it is not of the `expected` type (a
 * string unless said otherwise) — JavaScript and Python callers pass strings, numbers and nulls.
 */
export function describeValue(value: unknown, expected = 'string'): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return expected === 'number' ? String(value) : `${value} (number)`;
  if (Construct.isConstruct(value)) return `${value.constructor.name} ${value.node.path} (a construct)`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Circular (an object holding constructs): its class is what the caller needs to see.
    text = `a ${(value as object).constructor?.name ?? 'object'}`;
  }
  return typeof value === expected ? text : `${text} (${typeof value})`;
}
