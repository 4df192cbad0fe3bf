import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ServiceTable } from './table';
import { POD_TEMPLATES, selects } from '../analyzer/model';
import { appIndex } from '../app-scan';

type Labels = { [key: string]: string };

/** A workload of the app and the labels of its pods. */
export interface AppWorkload {
  readonly description: string;
  readonly namespace?: string;
  readonly podLabels: Labels;
}

/** The pod labels of a workload object (any cdk8s-plus major, L1 or ApiObject), or undefined when it has no pod template. */
export function podLabelsOf(obj: ApiObject): Labels | undefined {
  const template = POD_TEMPLATES[obj.kind]?.(obj.toJson().spec);
  return template ? { ...(template.metadata?.labels ?? {}) } : undefined;
}

/** The app's workloads and their pod labels, rendered once per synthesis. */
export function workloadsOf(scope: IConstruct): AppWorkload[] {
  return appIndex(scope, 'routing-workloads', (all) => all.filter((c): c is ApiObject => ApiObject.isApiObject(c) && POD_TEMPLATES[c.kind] !== undefined)
    .map((o) => ({ description: `${o.kind} ${o.name}`, namespace: o.metadata.namespace, podLabels: podLabelsOf(o) ?? {} })));
}

/**
 * The app's workloads in `namespace` (and those without a namespace, which take the one they are
 * deployed to), indexed once per synthesis: a lookup per table, not a scan of the app.
 */
export function workloadsIn(scope: IConstruct, namespace: string): AppWorkload[] {
  const index = appIndex(scope, 'routing-workloads-by-namespace', () => {
    const byNamespace = new Map<string | undefined, AppWorkload[]>();
    for (const w of workloadsOf(scope)) {
      const list = byNamespace.get(w.namespace) ?? [];
      list.push(w);
      byNamespace.set(w.namespace, list);
    }
    return byNamespace;
  });
  const unplaced = index.get(undefined) ?? [];
  const here = index.get(namespace) ?? [];
  return unplaced.length ? [...here, ...unplaced] : here;
}

const text = (l: Labels) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';

/**
 * Versions declared by `owner` whose labels select none of the service's pods, when the service's
 * pods are part of the app (a Service of the app with workloads behind it). Checked at synth, when
 * every workload exists; the messages are `owner`'s (no construct path).
 */
export function versionsWithoutPods(table: ServiceTable, owner: IConstruct): string[] {
  const selector = table.service.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  const behind = workloadsIn(table.owner, table.service.namespace).filter((w) => selects(selector, w.podLabels));
  if (behind.length === 0) return [];
  const out: string[] = [];
  for (const v of table.versions) {
    if (v.owner !== owner || v.host || !v.labels) continue;
    if (!behind.some((w) => selects(v.labels!, w.podLabels))) {
      out.push(`version "${v.name}" of service ${table.key} selects pods labelled ${text(v.labels)}, but no pod of the service ` +
        `carries them (${behind.map((w) => `${w.description}: ${text(w.podLabels)}`).join('; ')}); fix the version's selector or the workload's labels`);
    }
  }
  return out;
}
