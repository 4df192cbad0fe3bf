import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { POD_TEMPLATES } from '../analyzer/model';
import { appIndex } from '../app-scan';
import { GATEWAY_NAME_LABEL } from '../gateway/gateway-api';
import { LABEL_INJECT, LABEL_INJECTION, LABEL_REV } from '../labels';
import { findZeroTrustNamespace } from '../zero-trust/registry';

type Labels = { [key: string]: string };

/** What the scan needs to know of a control plane. */
export interface MeshIdentity extends IConstruct {
  readonly namespace: string;
  readonly revision?: string;
  readonly istiodAddress: string;
}

/** A workload of the app whose pods connect to the control plane. */
export interface MeshClientWorkload {
  /** `Deployment istio-ingress/public`. */
  readonly ref: string;
  readonly path: string;
  readonly namespace: string;
  /** Labels that select its pods (the workload's `selector.matchLabels`, else its pod labels). */
  readonly selector: Labels;
  /** A gateway proxy (injected with template `gateway`, or a rendered `proxy router`). */
  readonly gateway: boolean;
  /** Why its pods talk to istiod, for messages: `its Namespace has istio-injection=enabled`. */
  readonly reason: string;
}

/** A Namespace object of the app that this control plane injects. */
export interface InjectedNamespace {
  readonly name: string;
  readonly path: string;
  /** The label that selects the control plane, e.g. `istio-injection=enabled`. */
  readonly label: string;
}

/** Every pod and namespace of the app that depends on one control plane, found from the synthesized objects. */
export interface MeshClients {
  /** Namespaces of ZeroTrustNamespaces that belong to the mesh. */
  readonly zeroTrustNamespaces: string[];
  /** Namespace objects whose labels turn on injection by the mesh. */
  readonly injectedNamespaces: InjectedNamespace[];
  /** Workloads whose pods run a proxy of the mesh. */
  readonly workloads: MeshClientWorkload[];
  /** Every workload of the app in `namespace` (the control plane namespace), ours or not. */
  readonly workloadsIn: (namespace: string) => AppWorkload[];
}

/** A workload of the app (any kind with a pod template). */
export interface AppWorkload {
  readonly object: ApiObject;
  readonly ref: string;
  readonly namespace: string;
  readonly selector: Labels;
  readonly podLabels: Labels;
  readonly podAnnotations: Labels;
  readonly containers: any[];
}

/**
 * The revision whose webhook injects pods of a namespace with these labels, as Istio's webhooks
 * select (istio-reference.md §3.6): `istio-injection=enabled` is the default control plane and wins
 * over `istio.io/rev`; any other `istio-injection` value turns injection off.
 */
export function namespaceRevision(labels: Labels): string | undefined {
  if (LABEL_INJECTION in labels) return labels[LABEL_INJECTION] === 'enabled' ? 'default' : undefined;
  return labels[LABEL_REV];
}

/** The revision that injects a pod by its own labels, in a namespace without injection labels. */
function podRevision(labels: Labels): string | undefined {
  if (labels[LABEL_INJECT] === 'false') return undefined;
  if (labels[LABEL_REV] !== undefined) return labels[LABEL_REV];
  return labels[LABEL_INJECT] === 'true' ? 'default' : undefined;
}

/** Every workload of the app (any kind with a pod template), computed once per synthesis. */
export function appWorkloads(scope: IConstruct): AppWorkload[] {
  return appIndex(scope, 'install:mesh-clients:workloads', (all) => {
    const out: AppWorkload[] = [];
    for (const c of all) {
      if (!ApiObject.isApiObject(c) || !POD_TEMPLATES[c.kind] || c.apiGroup === 'core') continue;
      const json = c.toJson() as any;
      const template = POD_TEMPLATES[c.kind](json.spec);
      if (!template) continue;
      const podLabels: Labels = template.metadata?.labels ?? {};
      out.push({
        object: c,
        ref: `${c.kind} ${json.metadata?.namespace ?? 'default'}/${json.metadata?.name}`,
        namespace: json.metadata?.namespace ?? 'default',
        selector: json.spec?.selector?.matchLabels ?? podLabels,
        podLabels,
        podAnnotations: template.metadata?.annotations ?? {},
        containers: [...(template.spec?.containers ?? []), ...(template.spec?.initContainers ?? [])],
      });
    }
    return out;
  });
}

function namespaceObjects(scope: IConstruct): Map<string, { labels: Labels; path: string }> {
  return appIndex(scope, 'install:mesh-clients:namespaces', (all) => {
    const out = new Map<string, { labels: Labels; path: string }>();
    for (const c of all) {
      if (!ApiObject.isApiObject(c) || c.kind !== 'Namespace' || c.apiGroup !== 'core') continue;
      const json = c.toJson() as any;
      if (!out.has(json.metadata.name)) out.set(json.metadata.name, { labels: json.metadata.labels ?? {}, path: c.node.path });
    }
    return out;
  });
}

/** Gateway classes whose Gateways istiod deploys a proxy for. */
const DEPLOYED_CLASSES = ['istio', 'istio-waypoint'];

/**
 * Gateway API Gateways whose proxies istiod of `revision` deploys (class `istio` or `istio-waypoint`;
 * the Gateway's `istio.io/rev` label, else its namespace's, else the default revision): their pods
 * are not in the app, but connect to the control plane like a gateway's.
 */
function deployedGateways(all: IConstruct[], namespaces: Map<string, { labels: Labels }>, revision: string): MeshClientWorkload[] {
  const out: MeshClientWorkload[] = [];
  for (const c of all) {
    if (!ApiObject.isApiObject(c) || c.kind !== 'Gateway' || c.apiGroup !== 'gateway.networking.k8s.io') continue;
    const json = c.toJson() as any;
    const gatewayClass = json.spec?.gatewayClassName;
    if (!DEPLOYED_CLASSES.includes(gatewayClass)) continue;
    const namespace = json.metadata?.namespace ?? 'default';
    const rev = json.metadata?.labels?.[LABEL_REV] ?? namespaces.get(namespace)?.labels[LABEL_REV] ?? 'default';
    if (rev !== revision) continue;
    out.push({
      ref: `Gateway ${namespace}/${json.metadata.name}`,
      path: c.node.path,
      namespace,
      selector: { [GATEWAY_NAME_LABEL]: json.metadata.name },
      gateway: true,
      reason: `istiod deploys its proxy (gatewayClassName ${gatewayClass})`,
    });
  }
  return out;
}

/** A rendered (not injected) proxy container that connects to this control plane. */
function renderedProxyOf(w: AppWorkload, addresses: string[]): boolean {
  return w.containers.some((c) => c.name === 'istio-proxy' && (c.env ?? []).some((e: any) => e.name === 'CA_ADDR' && addresses.includes(e.value)));
}

/**
 * Finds what depends on `mesh` in the app of `scope`: its ZeroTrustNamespaces, the Namespaces it
 * injects, and the workloads whose pods run its proxies (by namespace or pod injection labels, or
 * a rendered proxy that names its istiod or CA). Computed once per synthesis.
 *
 * @param caAddresses addresses a rendered proxy of this mesh may name as `CA_ADDR`
 */
export function meshClients(scope: IConstruct, mesh: MeshIdentity, caAddresses: string[]): MeshClients {
  return appIndex(scope, `install:mesh-clients:${mesh.node.addr}`, (all) => {
    const revision = mesh.revision ?? 'default';
    const zeroTrust = new Set<string>();
    for (const c of all) {
      const candidate = c as unknown as { mesh?: unknown; name?: unknown };
      if (candidate.mesh === mesh && typeof candidate.name === 'string' && findZeroTrustNamespace(c, candidate.name) === c) {
        zeroTrust.add(candidate.name);
      }
    }
    const namespaces = namespaceObjects(scope);
    const injectedNamespaces: InjectedNamespace[] = [];
    for (const [name, ns] of namespaces) {
      if (namespaceRevision(ns.labels) !== revision) continue;
      const label = LABEL_INJECTION in ns.labels ? `${LABEL_INJECTION}=${ns.labels[LABEL_INJECTION]}` : `${LABEL_REV}=${ns.labels[LABEL_REV]}`;
      injectedNamespaces.push({ name, path: ns.path, label });
    }
    const workloads: MeshClientWorkload[] = [];
    const addresses = [mesh.istiodAddress, ...caAddresses];
    for (const w of appWorkloads(scope)) {
      const nsLabels = namespaces.get(w.namespace)?.labels ?? {};
      const nsRevision = namespaceRevision(nsLabels);
      const gatewayTemplate = w.podAnnotations['inject.istio.io/templates'] === 'gateway';
      let reason: string | undefined;
      let gateway = false;
      if (nsRevision !== undefined) {
        if (nsRevision === revision && w.podLabels[LABEL_INJECT] !== 'false') reason = 'its Namespace is labelled for injection by this mesh';
        gateway = gatewayTemplate;
      } else if (!(LABEL_INJECTION in nsLabels) && podRevision(w.podLabels) === revision) {
        reason = 'its pods are labelled for injection by this mesh';
        gateway = gatewayTemplate;
      }
      if (!reason && renderedProxyOf(w, addresses)) {
        reason = 'it runs a proxy of this mesh';
        gateway = true;
      }
      if (reason) workloads.push({ ref: w.ref, path: w.object.node.path, namespace: w.namespace, selector: w.selector, gateway, reason });
    }
    workloads.push(...deployedGateways(all, namespaces, revision));
    const all2 = appWorkloads(scope);
    return {
      zeroTrustNamespaces: [...zeroTrust].sort(),
      injectedNamespaces,
      workloads,
      workloadsIn: (namespace: string) => all2.filter((w) => w.namespace === namespace),
    };
  });
}
