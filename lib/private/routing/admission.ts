import { workloadsIn } from './pods';
import { ServiceTable } from './table';
import { selects } from '../analyzer/model';
import { allowPoliciesIn } from '../zero-trust/allow-policies';

/**
 * Requests a route sends to a version reach its pods only if the namespace's ALLOW policies admit
 * the caller there too. An ALLOW policy that admits callers to the pods of some versions of a
 * routed service, while the pods of another version have ALLOW policies (a deny-all included) none
 * of which admits the same callers, refuses that version's share of the traffic: e.g. an
 * `allowFrom(..., { to: WorkloadSelector.fromDeployment(v1) })` beside a canary. Returns the
 * problems as validation messages.
 */
export function versionsRefusedByPolicies(table: ServiceTable): string[] {
  const selector = table.service.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  const ns = table.service.namespace;
  const inNamespace = allowPoliciesIn(table.owner, ns);
  if (inNamespace.length === 0) return [];
  const pods = workloadsIn(table.owner, ns);
  // The pods of each version the routes send requests to (subset versions only: a version with its
  // own Service is a host of its own).
  const routed = new Set(table.orderedRoutesSafe().flatMap((r) => [...r.backends.map((b) => b.version), r.behaviour.mirror?.version]));
  const versions = table.versions.filter((v) => !v.host && v.labels && routed.has(v.name)).map((v) => ({
    name: v.name,
    pods: pods.filter((p) => selects(selector, p.podLabels) && selects(v.labels!, p.podLabels)),
  })).filter((v) => v.pods.length > 0);
  if (versions.length < 2) return [];
  const errors: string[] = [];
  for (const p of inNamespace) {
    if (p.rules.length === 0) continue; // deny-all admits nobody anywhere
    const admitted = versions.filter((v) => v.pods.some((pod) => selects(p.selector, pod.podLabels)));
    if (admitted.length === 0 || admitted.length === versions.length) continue;
    for (const v of versions.filter((x) => !admitted.includes(x))) {
      const covering = inNamespace.filter((q) => v.pods.some((pod) => selects(q.selector, pod.podLabels)));
      if (covering.length === 0) continue; // no ALLOW policy on those pods: Istio allows every caller
      if (covering.some((q) => q.rulesKey === p.rulesKey)) continue;
      errors.push(`AuthorizationPolicy ${ns}/${p.name} admits its callers to version${admitted.length > 1 ? 's' : ''} ` +
        `${admitted.map((a) => `"${a.name}"`).join(', ')} of service ${table.key} but not to version "${v.name}" ` +
        `(${v.pods.map((pod) => pod.description).join(', ')}), where the routes of ${table.owner.node.path} also send requests: that share would be ` +
        'refused; select the workloads by a label every version shares (WorkloadSelector.fromLabels({ app: ... })) or allow the callers to each version');
    }
  }
  return [...new Set(errors)];
}
