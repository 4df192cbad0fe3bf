/**
 * Naming and matching the objects we send to the API server with the ones it sends back.
 */
import { K8sObject } from '../manifests';

/** The API group of an apiVersion: `apps/v1` -> `apps`, `v1` -> `` (core). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** True for the objects the suite creates for real before any dry-run: CRDs and Namespaces. */
export function isPrerequisite(o: K8sObject): boolean {
  return (o.kind === 'CustomResourceDefinition' && groupOf(o.apiVersion) === 'apiextensions.k8s.io')
    || (o.kind === 'Namespace' && o.apiVersion === 'v1');
}

/**
 * Identity of an object regardless of the version it was sent or returned in: group, kind,
 * namespace and name.
 */
export function identity(o: K8sObject, namespace = o.metadata.namespace ?? ''): string {
  return [groupOf(o.apiVersion), o.kind, namespace, o.metadata.name].join('|');
}

/**
 * Pairs every object we sent with the one the server returned for it (or undefined when it returned
 * none, i.e. rejected it). A namespaced object sent without a namespace comes back in `default`,
 * the kubeconfig's namespace; a cluster-scoped object sent with a namespace comes back without one.
 */
export function matchReturned(sent: readonly K8sObject[], returned: readonly K8sObject[]): Array<K8sObject | undefined> {
  const byId = new Map(returned.map((r) => [identity(r), r] as const));
  return sent.map((s) => byId.get(identity(s)) ?? byId.get(identity(s, s.metadata.namespace ? '' : 'default')));
}

/** Names `dist/examples/x/file.yaml` relative to the repo root, as failures print it. */
export function relativeFile(repoRoot: string, file: string): string {
  return file.startsWith(`${repoRoot}/`) ? file.slice(repoRoot.length + 1) : file;
}
