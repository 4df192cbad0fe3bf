import { IConstruct } from 'constructs';
import { DataPlane } from './data-plane';
import { describeValue, MeshValidationError } from './private/errors';
import { ZeroTrustNamespace } from './zero-trust-namespace';

/** Errors about the arguments themselves name the method (there is no construct to name). */
const PLAN_SCOPE = { node: { path: 'DataPlaneMigrationPlan.between' } } as unknown as IConstruct;

/**
 * How to move one namespace from one data plane to the other without changing anybody's access:
 * the objects to add first, to switch, and to remove last, and the proof that both renderings
 * grant the same connections.
 *
 * Render the namespace twice, once per data plane (two Apps built by the same code with another
 * `dataPlane`), and compare: `DataPlaneMigrationPlan.between(sidecarNs, ambientNs)`.
 */
export class DataPlaneMigrationPlan {
  /**
   * The plan from `before` to `after`: the same namespace, rendered for two data planes.
   *
   * @param before the namespace as it runs today
   * @param after the same namespace (same name, same rules) on the other data plane
   */
  public static between(before: ZeroTrustNamespace, after: ZeroTrustNamespace): DataPlaneMigrationPlan {
    for (const [prop, ns] of [['before', before], ['after', after]] as const) {
      if (!(ns instanceof ZeroTrustNamespace)) {
        throw new MeshValidationError(PLAN_SCOPE, `'${prop}' must be a ZeroTrustNamespace, got ${describeValue(ns, 'ZeroTrustNamespace')}; ` +
          'pass the same namespace rendered once per data plane');
      }
    }
    if (before.name !== after.name) {
      throw new MeshValidationError(after, `DataPlaneMigrationPlan.between: 'before' is namespace "${before.name}" and 'after' is "${after.name}"; ` +
        'render the same namespace twice, once per data plane');
    }
    if (before.dataPlane === after.dataPlane) {
      throw new MeshValidationError(after, `DataPlaneMigrationPlan.between: both renderings of "${after.name}" use DataPlane.${after.dataPlane}; ` +
        'render \'after\' with the other data plane');
    }
    return new DataPlaneMigrationPlan(before, after);
  }

  /** The namespace that moves. */
  public readonly namespace: string;
  /** Its data plane today. */
  public readonly from: DataPlane;
  /** Its data plane after the move. */
  public readonly to: DataPlane;
  /** `Kind/name` of the objects only the new rendering has: apply them first. */
  public readonly add: string[];
  /** `Kind/name` of the objects both renderings have, with other contents: apply them, then restart the workloads. */
  public readonly change: string[];
  /** `Kind/name` of the objects only the old rendering has: delete them last. */
  public readonly remove: string[];
  /** What one rendering grants and the other does not (`ConnectionMatrix.accessDifferences`); empty when access is unchanged. */
  public readonly accessDifferences: string[];

  private constructor(before: ZeroTrustNamespace, after: ZeroTrustNamespace) {
    this.namespace = after.name;
    this.from = before.dataPlane;
    this.to = after.dataPlane;
    const objects = (ns: ZeroTrustNamespace) => new Map(ns.apiObjects.map((o) => [`${o.kind}/${o.name}`, JSON.stringify(o.toJson())]));
    const old = objects(before);
    const next = objects(after);
    this.add = [...next.keys()].filter((k) => !old.has(k)).sort();
    this.remove = [...old.keys()].filter((k) => !next.has(k)).sort();
    this.change = [...next.keys()].filter((k) => old.has(k) && old.get(k) !== next.get(k)).sort();
    this.accessDifferences = after.connections().accessDifferences(before.connections());
  }

  /** The plan as text, step by step, for the change request. */
  public toString(): string {
    const list = (keys: string[]) => (keys.length ? keys.map((k) => `     - ${k}`) : ['     (none)']);
    const toAmbient = this.to === DataPlane.AMBIENT;
    return [
      `Migration of namespace "${this.namespace}": DataPlane.${this.from} -> DataPlane.${this.to}`,
      toAmbient
        ? '  0. Before: the mesh runs in ambient mode (ztunnel and istio-cni on every node); sidecars keep working there.'
        : '  0. Before: the mesh injects sidecars into the namespace once it carries the injection labels.',
      `  1. Add (inert while the pods still run ${toAmbient ? 'their sidecars: the waypoint and its targetRefs policies see no traffic yet' : 'in ambient mode'}):`,
      ...list(this.add),
      `  2. Switch: apply the changed objects, then restart the workloads (kubectl rollout restart deployment -n ${this.namespace}) so their pods ` +
        `come back ${toAmbient ? 'without' : 'with'} sidecars; until they have, calls with L7 conditions may be refused:`,
      ...list(this.change),
      '  3. Remove (nothing selects them any more):',
      ...list(this.remove),
      this.accessDifferences.length === 0
        ? '  Access: unchanged - both renderings grant exactly the same connections'
        : '  Access: CHANGED - review before migrating:',
      ...this.accessDifferences.map((d) => `     ${d}`),
    ].join('\n') + '\n';
  }
}
