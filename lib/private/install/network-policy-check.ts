import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { InstallContext } from './context';
import { MeshClients } from './mesh-clients';
import { XDS_PORT, XdsClients } from './network-policies';
import { allConstructs } from '../app-scan';

type Labels = { [key: string]: string };

function selectorMatches(selector: any, labels: Labels): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function hasLabels(selector: any): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length > 0 || (selector?.matchExpressions ?? []).length > 0;
}

function isWithin(c: IConstruct, ancestor: IConstruct): boolean {
  for (let s: IConstruct | undefined = c; s; s = s.node.scope) if (s === ancestor) return true;
  return false;
}

/**
 * What the control plane lockdown would break, found over the whole app: namespaces and pods
 * this mesh injects whose proxies would be refused at istiod's xDS port, and workloads of the
 * control plane namespace that the lockdown cuts off because nothing admits their traffic.
 */
export function lockdownMessages(mesh: IConstruct, ctx: InstallContext, clients: MeshClients, xds: XdsClients): string[] {
  const messages: string[] = [];
  const admitted = new Set(xds.namespaces);
  const reported = new Set<string>();
  const fix = (ns: string) => `add ${JSON.stringify(ns)} to 'networkPolicies.meshNamespaces' (or declare it as a ZeroTrustNamespace of this mesh)`;
  for (const ns of clients.injectedNamespaces) {
    if (admitted.has(ns.name) || ns.name === ctx.namespace) continue;
    reported.add(ns.name);
    messages.push(`namespace ${JSON.stringify(ns.name)} (${ns.path}) is injected by this mesh (label ${ns.label}), but 'networkPolicies' ` +
      `admits only ${describeAdmitted(xds)} to istiod's port ${XDS_PORT}, so its proxies would get no configuration or certificates; ${fix(ns.name)}`);
  }
  for (const w of clients.workloads) {
    if (admitted.has(w.namespace) || reported.has(w.namespace) || w.namespace === ctx.namespace) continue;
    reported.add(w.namespace);
    messages.push(`${w.ref} (${w.path}) connects to this mesh (${w.reason}), but 'networkPolicies' admits only ${describeAdmitted(xds)} ` +
      `to istiod's port ${XDS_PORT}, so its proxies would get no configuration or certificates; ${fix(w.namespace)}`);
  }

  // Policies written for some pods: a selector that names labels and at least one rule. The
  // namespace-wide baselines (deny all, DNS) of this and any other lockdown select every pod.
  const policies = allConstructs(mesh)
    .filter((c): c is ApiObject => ApiObject.isApiObject(c) && c.kind === 'NetworkPolicy' && c.metadata.namespace === ctx.namespace)
    .map((p) => (p.toJson() as any).spec ?? {})
    .filter((spec) => hasLabels(spec.podSelector) && ((spec.ingress ?? []).length > 0 || (spec.egress ?? []).length > 0));
  const gateways = new Set(clients.workloads.filter((w) => w.gateway).map((w) => w.path));
  for (const w of clients.workloadsIn(ctx.namespace)) {
    if (isWithin(w.object, mesh)) continue;
    if (policies.some((spec) => selectorMatches(spec.podSelector, w.podLabels))) continue;
    const advice = gateways.has(w.object.node.path)
      ? `deploy the gateway in a namespace of its own (e.g. namespace: "istio-ingress"), as Istio recommends for gateways, or add NetworkPolicies in ${JSON.stringify(ctx.namespace)} that select its pods`
      : `run it in a namespace of its own, or add NetworkPolicies in ${JSON.stringify(ctx.namespace)} that select its pods and admit its traffic`;
    messages.push(`${w.ref} (${w.object.node.path}) runs in the control plane namespace, where 'networkPolicies' denies all its traffic but DNS; ${advice}`);
  }
  return messages;
}

function describeAdmitted(xds: XdsClients): string {
  const parts = xds.namespaces.map((n) => JSON.stringify(n));
  if (parts.length === 0) return 'no namespace';
  return `namespaces ${parts.join(', ')}`;
}
