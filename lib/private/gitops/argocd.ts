import type { ArgoCdIgnoreDifference } from '../../argo-cd';

/** The in-cluster destination of Argo CD. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** Sync option that makes a sync keep the live value of ignored fields. */
export const RESPECT_IGNORE_DIFFERENCES = 'RespectIgnoreDifferences=true';

/** What the Application (or ApplicationSet) is rendered from, defaults applied. */
export interface ResolvedArgoCd {
  readonly name: string;
  readonly namespace: string;
  readonly project: string;
  readonly repoUrl: string;
  readonly targetRevision: string;
  readonly path: string;
  readonly clusters?: ReadonlyArray<{ readonly name: string; readonly server: string }>;
}

/** An ignoreDifferences entry as Argo CD reads it: only the fields that are set, in a fixed order. */
function entry(d: ArgoCdIgnoreDifference): Record<string, unknown> {
  const out: Record<string, unknown> = { group: d.group, kind: d.kind };
  if (d.name !== undefined) out.name = d.name;
  if (d.namespace !== undefined) out.namespace = d.namespace;
  if (d.jsonPointers !== undefined && d.jsonPointers.length > 0) out.jsonPointers = [...d.jsonPointers];
  if (d.jqPathExpressions !== undefined && d.jqPathExpressions.length > 0) out.jqPathExpressions = [...d.jqPathExpressions];
  return out;
}

/** Entries deduplicated and sorted by group, kind, namespace, name (then content), so the output does not depend on construct order. */
export function normaliseIgnoreDifferences(all: readonly ArgoCdIgnoreDifference[]): ArgoCdIgnoreDifference[] {
  const byKey = new Map<string, ArgoCdIgnoreDifference>();
  for (const d of all) byKey.set(JSON.stringify(entry(d)), d);
  const sortKey = (d: ArgoCdIgnoreDifference): string => [d.group, d.kind, d.namespace ?? '', d.name ?? '', JSON.stringify(entry(d))].join('\u0000');
  return [...byKey.values()].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/** Sorted, deduplicated sync options. */
export function normaliseSyncOptions(all: readonly string[]): string[] {
  return [...new Set(all)].sort();
}

function applicationSpec(
  o: ResolvedArgoCd, server: string, ignore: readonly ArgoCdIgnoreDifference[], syncOptions: readonly string[],
): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    project: o.project,
    source: { repoURL: o.repoUrl, targetRevision: o.targetRevision, path: o.path },
    destination: { server },
    syncPolicy: {
      automated: { prune: true, selfHeal: true },
      ...(syncOptions.length > 0 ? { syncOptions: [...syncOptions] } : {}),
      // The first Istio resources of a fresh cluster can reach the validating webhook while istiod's
      // endpoints are still being published (istio/istio#38930): retry instead of failing the sync.
      retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
    },
  };
  if (ignore.length > 0) spec.ignoreDifferences = ignore.map(entry);
  return spec;
}

/**
 * The Argo CD Application of the synthesized folder (one destination: the cluster Argo CD runs
 * in), or an ApplicationSet with a list generator creating one Application per cluster.
 *
 * No `resources-finalizer.argocd.argoproj.io`: deleting the Application leaves the mesh running
 * (removing a control plane is a decision of its own).
 */
export function argoCdManifest(
  o: ResolvedArgoCd, ignore: readonly ArgoCdIgnoreDifference[], syncOptions: readonly string[],
): Record<string, unknown> {
  const metadata = { name: o.name, namespace: o.namespace };
  if (o.clusters === undefined) {
    return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata, spec: applicationSpec(o, IN_CLUSTER_SERVER, ignore, syncOptions) };
  }
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata,
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ list: { elements: o.clusters.map((c) => ({ cluster: c.name, url: c.server })) } }],
      template: {
        metadata: { name: `${o.name}-{{.cluster}}` },
        spec: applicationSpec(o, '{{.url}}', ignore, syncOptions),
      },
    },
  };
}
