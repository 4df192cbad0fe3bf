import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { allConstructs } from '../app-scan';

/** A Telemetry resource of the app, as the conflict checks see it. */
interface TelemetryRef {
  readonly object: ApiObject;
  readonly namespace: string;
  readonly name: string;
  readonly selector?: { [key: string]: string };
}

/** Every Telemetry resource in the app of `scope` (ours and L1 ones written by hand). */
function telemetriesOf(scope: IConstruct): TelemetryRef[] {
  return allConstructs(scope)
    .filter((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Telemetry' && c.apiVersion.startsWith('telemetry.istio.io/'))
    .map((object) => {
      const json = object.toJson() as { metadata?: { namespace?: string }; spec?: { selector?: { matchLabels?: { [key: string]: string } } } };
      const labels = json.spec?.selector?.matchLabels;
      return {
        object,
        namespace: json.metadata?.namespace ?? object.metadata.namespace ?? Chart.of(object).namespace ?? 'default',
        name: object.name,
        selector: labels && Object.keys(labels).length > 0 ? labels : undefined,
      };
    });
}

function isSubset(a: { [key: string]: string }, b: { [key: string]: string }): boolean {
  return Object.entries(a).every(([k, v]) => b[k] === v);
}

function describe(t: TelemetryRef): string {
  return `${t.namespace}/${t.name} (${t.object.node.path})`;
}

/** Telemetry objects whose own construct runs these checks (the others are checked on their behalf). */
const checked = new WeakSet<ApiObject>();

/**
 * Synth-time versions of istioctl analyze's Telemetry selector checks, for `own` against every
 * other Telemetry of the app in the same namespace:
 * - IST0160: more than one Telemetry without a selector in a namespace;
 * - IST0159: two selectors where every pod the narrower one selects is also selected by the
 *   wider one (equal label sets, or one a subset of the other). Selectors that merely might
 *   overlap on some pod cannot be judged without the pods and are left to istioctl.
 * Also refuses two Telemetry resources with the same namespace and name (the second would
 * overwrite the first). A conflict between two checked objects is reported once, by the one
 * declared second; a conflict with an unchecked one (an L1 Telemetry) by the checked one.
 *
 * Returns the validation to add to the construct that owns `own`.
 */
export function telemetryConflictCheck(own: ApiObject): () => string[] {
  checked.add(own);
  return () => conflicts(own);
}

function conflicts(own: ApiObject): string[] {
  const all = telemetriesOf(own);
  const index = all.findIndex((t) => t.object === own);
  if (index < 0) return [];
  const me = all[index];
  const others = all.filter((t, i) => t.namespace === me.namespace && (i < index || (i > index && !checked.has(t.object))));
  const errors: string[] = [];
  for (const other of others) {
    if (other.name === me.name) {
      errors.push(`Telemetry ${describe(me)} has the same name as ${describe(other)}; the second would replace the first: set 'name' on one of them`);
    } else if (!me.selector && !other.selector) {
      errors.push(`namespace "${me.namespace}" has more than one Telemetry without a selector: ${describe(me)} and ${describe(other)}; ` +
        'Istio applies only one (istioctl analyze IST0160): merge them, or give one a selector');
    } else if (me.selector && other.selector && (isSubset(me.selector, other.selector) || isSubset(other.selector, me.selector))) {
      errors.push(`Telemetry ${describe(me)} and ${describe(other)} select the same workloads (${JSON.stringify(me.selector)} / ` +
        `${JSON.stringify(other.selector)}); Istio allows one Telemetry per workload (istioctl analyze IST0159): merge them`);
    }
  }
  return errors;
}
