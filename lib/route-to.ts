import { IConstruct } from 'constructs';
import { describeValue, MeshValidationError } from './private/errors';
import { BackendDef } from './private/routing/table';

/**
 * Where a route of `ServiceRouting` sends its requests: one version, a share of the traffic per
 * version (weights by version name, summing to 100), or any pod of the service.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRouteDestination
 */
export class RouteTo {
  /** Every request to version `version` (e.g. `v1`). */
  public static version(version: string): RouteTo {
    return new RouteTo('version', { [version]: 100 }, version);
  }

  /**
   * Requests split between versions by weight, e.g. `{ v1: 90, v3: 10 }`. Weights are whole
   * percentages that sum to 100; a version may have weight 0 (kept in the route, so a later
   * commit only changes numbers).
   */
  public static weights(weights: { [version: string]: number }): RouteTo {
    return new RouteTo('weights', weights);
  }

  /** Any pod of the service, whatever its version (no subset). */
  public static anyVersion(): RouteTo {
    return new RouteTo('any', {});
  }

  private constructor(
    private readonly kind: 'version' | 'weights' | 'any',
    private readonly weightMap: { [version: string]: number },
    private readonly versionName?: string,
  ) {}

  /**
   * The backends, validated; errors name `scope` and `prop`.
   * @internal
   */
  public _backends(scope: IConstruct, prop: string): BackendDef[] {
    if (this.kind === 'any') return [{}];
    const w = this.weightMap;
    if (!w || typeof w !== 'object' || Array.isArray(w)) {
      throw new MeshValidationError(scope, `'${prop}' weights must be an object of version name to percentage, e.g. { v1: 90, v3: 10 }, got ${describeValue(w)}`);
    }
    const entries = Object.entries(w);
    if (this.kind === 'version') {
      const name = this.versionName;
      if (typeof name !== 'string' || name.length === 0) {
        throw new MeshValidationError(scope, `'${prop}' RouteTo.version() needs a version name such as "v1", got ${describeValue(name)}`);
      }
      return [{ version: name }];
    }
    if (entries.length === 0) {
      throw new MeshValidationError(scope, `'${prop}' RouteTo.weights({}) names no version; give e.g. { v1: 90, v3: 10 }`);
    }
    for (const [name, weight] of entries) {
      if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) {
        throw new MeshValidationError(scope, `'${prop}' weight of version "${name}" must be a whole percentage from 0 to 100, got ${describeValue(weight, 'number')}`);
      }
    }
    const sum = entries.reduce((s, [, x]) => s + x, 0);
    if (sum !== 100) {
      throw new MeshValidationError(scope, `'${prop}' weights must sum to 100, got ${entries.map(([n, x]) => `${n}: ${x}`).join(', ')} = ${sum}; ` +
        'adjust them so every request has a destination');
    }
    if (entries.length === 1) return [{ version: entries[0][0] }];
    return entries.map(([version, weight]) => ({ version, weight }));
  }

  /** @internal */
  public get _description(): string {
    if (this.kind === 'any') return 'any version';
    return Object.entries(this.weightMap).map(([n, x]) => (this.kind === 'version' ? n : `${n} ${x}%`)).join(', ');
  }
}
