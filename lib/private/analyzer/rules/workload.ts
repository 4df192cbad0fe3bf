import { RuleDefinition, RuleInput, Report } from '../catalog';
import { list } from '../gateway-api';
import { selects, selectorString } from '../model';

/** The UID of the sidecar proxy: traffic from it bypasses the redirection. */
const PROXY_UID = 1337;

/** IST0144: application containers running as the proxy's UID 1337 escape the sidecar's traffic capture. */
export const applicationUid: RuleDefinition = {
  codes: ['IST0144'],
  run({ manifest }: RuleInput, report: Report) {
    for (const w of manifest.workloads) {
      if (w.object.kind !== 'Deployment' && w.object.kind !== 'Pod') continue;
      if (w.object.labels.istio !== undefined || w.object.labels.release === 'istio') continue;
      const offenders: string[] = [];
      if (w.podSpec.securityContext?.runAsUser === PROXY_UID) offenders.push('the pod securityContext');
      for (const c of w.podSpec.containers ?? []) {
        if (c.name === 'istio-proxy' || c.name === 'istio-operator') continue;
        if (c.securityContext?.runAsUser === PROXY_UID) offenders.push(`container "${c.name}"`);
      }
      for (const where of offenders) {
        report({
          code: 'IST0144',
          object: w.object,
          message: `${where} runs as UID 1337, the sidecar proxy's UID: its traffic bypasses the mesh`,
          fix: 'run the application as another UID',
        });
      }
    }
  },
};

/**
 * IST0127: an AuthorizationPolicy selects none of the app's workloads (judged only in namespaces
 * where the app deploys workloads); IST0101: it names source namespaces the app does not declare
 * (namespaces declared external are known).
 */
export const authorizationPolicies: RuleDefinition = {
  codes: ['IST0127', 'IST0101'],
  run({ manifest }: RuleInput, report: Report) {
    const root = manifest.mesh.rootNamespace;
    const known = new Set([...manifest.ownedNamespaces, ...manifest.externalNamespaces, ...manifest.objectNamespaces]);
    for (const ap of manifest.ofKind('security.istio.io', 'AuthorizationPolicy')) {
      const labels = ap.json.spec?.selector?.matchLabels;
      const meshWide = ap.namespace === root;
      const candidates = meshWide ? manifest.workloads : manifest.workloadsByNamespace.get(ap.namespace) ?? [];
      const hasTarget = ap.json.spec?.targetRef !== undefined || ap.json.spec?.targetRefs !== undefined;
      // Judged only where the app deploys workloads: elsewhere they come from another pipeline.
      if (!hasTarget && candidates.length > 0 && !(meshWide && !labels) && !candidates.some((w) => selects(labels, w.podLabels))) {
        report({
          code: 'IST0127',
          object: ap,
          message: `selector "${selectorString(labels)}" matches none of the app's workloads${meshWide ? '' : ` in namespace "${ap.namespace}"`}`,
          fix: 'select the labels of the workload\'s pod template, or remove the policy',
        });
      }
      for (const rule of list(ap.json.spec?.rules)) {
        for (const from of list(rule?.from)) {
          for (const ns of [...list(from?.source?.namespaces), ...list(from?.source?.notNamespaces)]) {
            if (typeof ns !== 'string' || ns.includes('*') || known.has(ns)) continue;
            report({
              code: 'IST0101',
              object: ap,
              message: `rule source namespace "${ns}" does not exist in the app`,
              fix: 'declare the namespace, correct the name, or suppress IST0101 on this object when the namespace is managed elsewhere',
            });
          }
        }
      }
    }
  },
};
