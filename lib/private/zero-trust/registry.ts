import { IConstruct } from 'constructs';

/** Egress that a callee's `allowFrom` asks the caller's namespace to allow (L3 + Sidecar host). */
export interface MirroredEgress {
  /** Labels of the caller pods, or every pod of the caller namespace. */
  readonly fromPodLabels?: { [key: string]: string };
  /**
   * The caller pods' labels resolved at synthesis (the app's pods that run as the caller's service
   * account; undefined = every pod of the caller namespace). Takes precedence over `fromPodLabels`.
   */
  readonly resolveFromPodLabels?: () => { [key: string]: string } | undefined;
  /** The caller identity, which tells resolved callers apart, e.g. `shop/sa/web`. */
  readonly fromIdentity?: string;
  /** Namespace of the callee. */
  readonly toNamespace: string;
  /** Labels of the callee pods, or every pod of the callee namespace. */
  readonly toPodLabels?: { [key: string]: string };
  /** Short name of the callee target for the object name. */
  readonly toName: string;
  /** Destination (container) ports; empty for any. */
  readonly ports: number[];
  /** The callee is an ambient pod: reached over HBONE (15008) whatever the caller's data plane. */
  readonly toHbone?: boolean;
}

/** What the registry needs from a zero-trust namespace. */
export interface RegisteredNamespace extends IConstruct {
  /** Its data plane (`DataPlane` value): callers in ambient namespaces reach pods over HBONE. */
  readonly dataPlane: string;
  /** Whether it has a waypoint (ambient mode). */
  readonly hasWaypoint: boolean;
  /** Applies egress asked for by a callee. */
  _addMirroredEgress(egress: MirroredEgress): void;
}

interface Registry {
  readonly namespaces: Map<string, RegisteredNamespace>;
  readonly pending: Map<string, MirroredEgress[]>;
}

const registries = new WeakMap<IConstruct, Registry>();

function registryOf(scope: IConstruct): Registry {
  const root = scope.node.root;
  let registry = registries.get(root);
  if (!registry) {
    registry = { namespaces: new Map(), pending: new Map() };
    registries.set(root, registry);
  }
  return registry;
}

/** The zero-trust namespace already registered under `name` in the app of `scope`, if any. */
export function findZeroTrustNamespace(scope: IConstruct, name: string): RegisteredNamespace | undefined {
  return registryOf(scope).namespaces.get(name);
}

/** Registers `ns` as the zero-trust namespace `name` of its app and applies egress asked for earlier. */
export function registerZeroTrustNamespace(ns: RegisteredNamespace, name: string): void {
  const registry = registryOf(ns);
  registry.namespaces.set(name, ns);
  const pending = registry.pending.get(name) ?? [];
  registry.pending.delete(name);
  for (const egress of pending) ns._addMirroredEgress(egress);
}

/**
 * Asks the zero-trust namespace `callerNamespace` to allow `egress`; if it is declared later in
 * the app, it applies the egress when it is constructed.
 */
export function mirrorEgress(scope: IConstruct, callerNamespace: string, egress: MirroredEgress): void {
  const registry = registryOf(scope);
  const caller = registry.namespaces.get(callerNamespace);
  if (caller) {
    caller._addMirroredEgress(egress);
    return;
  }
  const list = registry.pending.get(callerNamespace) ?? [];
  list.push(egress);
  registry.pending.set(callerNamespace, list);
}
