import { Manifest, ManifestObject } from './model';

const CLUSTER_SUFFIX = '.svc.cluster.local';

/** A short name (no dot, no wildcard) is a Service of `namespace`; anything else is already a host name. */
export function toFqdn(namespace: string, host: string): string {
  return host.startsWith('*') || host.includes('.') ? host : `${host}.${namespace}${CLUSTER_SUFFIX}`;
}

/** The namespace of a `name.namespace.svc.cluster.local` host, if it is one. */
export function clusterNamespace(fqdn: string): string | undefined {
  if (!fqdn.endsWith(CLUSTER_SUFFIX)) return undefined;
  const parts = fqdn.slice(0, -CLUSTER_SUFFIX.length).split('.');
  return parts.length === 2 ? parts[1] : undefined;
}

/** Whether two host names overlap, wildcards (`*`, `*.example.com`) included. */
export function hostsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return a.length > b.length ? a.slice(1).endsWith(b.slice(1)) : b.slice(1).endsWith(a.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return false;
}

/** A port of a Service or ServiceEntry. */
export interface RegistryPort {
  readonly number: number;
  readonly name?: string;
  readonly protocol?: string;
}

/** A host known to the mesh: a Kubernetes Service or a ServiceEntry host. */
export interface RegistryEntry {
  readonly fqdn: string;
  /** Namespace it is visible from, `*` for every namespace. */
  readonly scope: string;
  readonly ports: RegistryPort[];
  readonly object: ManifestObject;
}

/**
 * The hosts the app declares (Services and ServiceEntries) with their visibility (`exportTo`), and
 * lookups from a referencing namespace, wildcard ServiceEntry hosts included.
 */
export class ServiceRegistry {
  private readonly byKey = new Map<string, RegistryEntry>();
  private readonly wildcards: RegistryEntry[] = [];

  constructor(private readonly m: Manifest) {
    for (const se of m.networking('ServiceEntry')) {
      const exportTo: string[] = se.json.spec?.exportTo ?? [];
      const scopes = exportTo.length === 0 || exportTo.includes('*') ? ['*'] : exportTo.map((e) => (e === '.' ? se.namespace : e));
      const ports = (se.json.spec?.ports ?? []).map((p: any) => ({ number: p.number, name: p.name, protocol: p.protocol }));
      for (const h of se.json.spec?.hosts ?? []) {
        for (const scope of scopes) this.add({ fqdn: toFqdn(se.namespace, h), scope, ports, object: se });
      }
    }
    for (const svc of m.ofKind('', 'Service')) {
      const anno = svc.annotations['networking.istio.io/exportTo'];
      const scopes = anno ? anno.split(',').map((s) => s.trim()).map((s) => (s === '.' ? svc.namespace : s)) : ['*'];
      const ports = (svc.json.spec?.ports ?? []).map((p: any) => ({ number: p.port, name: p.name, protocol: p.protocol }));
      for (const scope of scopes) this.add({ fqdn: toFqdn(svc.namespace, svc.name), scope, ports, object: svc });
    }
  }

  /**
   * The entry `host` resolves to when referenced from `sourceNamespace` by an object exported to
   * `exportTo`, or undefined.
   */
  public lookup(sourceNamespace: string, host: string, exportTo: string[] = []): RegistryEntry | undefined {
    const fqdn = toFqdn(sourceNamespace, host);
    const all = this.byKey.get(`*/${fqdn}`);
    if (all) return all;
    const scopes = exportTo.length === 0 ? [sourceNamespace] : exportTo.map((e) => (e === '.' ? sourceNamespace : e));
    for (const scope of scopes) {
      const hit = this.byKey.get(`${scope}/${fqdn}`);
      if (hit) return hit;
    }
    const bare = host.startsWith('*') ? host.slice(1) : host;
    return this.wildcards.find((w) => (w.scope === '*' || w.scope === sourceNamespace) && bare.endsWith(w.fqdn.slice(1)));
  }

  /**
   * Whether the analyzer can tell that `host` is missing: hosts outside the cluster domain must be
   * declared by a ServiceEntry; cluster hosts only in namespaces the app owns (it may not see the
   * Services of other namespaces).
   */
  public canJudge(sourceNamespace: string, host: string): boolean {
    const fqdn = toFqdn(sourceNamespace, host);
    const ns = clusterNamespace(fqdn);
    if (ns !== undefined) return this.m.ownedNamespaces.has(ns);
    return !fqdn.endsWith(CLUSTER_SUFFIX);
  }

  private add(e: RegistryEntry): void {
    const key = `${e.scope}/${e.fqdn}`;
    if (!this.byKey.has(key)) this.byKey.set(key, e);
    if (e.fqdn.startsWith('*')) this.wildcards.push(e);
  }
}
