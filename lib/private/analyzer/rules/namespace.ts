import { DATAPLANE_MODE } from '../ambient';
import { RuleDefinition, RuleInput, Report } from '../catalog';

/**
 * IST0123: a Namespace (other than istio-system) carrying more than one way into the mesh:
 * `istio-injection`, `istio.io/rev` and `istio.io/dataplane-mode`, as Istio's injection analyzer counts
 * them (the last two only while `istio-injection` is absent or `enabled`). Sidecar injection and
 * ambient capture then depend on which label wins.
 */
export const injectionLabels: RuleDefinition = {
  codes: ['IST0123'],
  run({ manifest }: RuleInput, report: Report) {
    for (const ns of manifest.ofKind('', 'Namespace')) {
      if (ns.name === 'istio-system') continue;
      const injection = ns.labels['istio-injection'];
      const found = injection !== undefined ? [`istio-injection=${injection}`] : [];
      for (const key of ['istio.io/rev', DATAPLANE_MODE]) {
        if (ns.labels[key] !== undefined && (injection === undefined || injection === 'enabled')) found.push(`${key}=${ns.labels[key]}`);
      }
      if (found.length < 2) continue;
      report({
        code: 'IST0123',
        object: ns,
        message: `it has more than one mesh enrolment label (${found.join(', ')}): whether its pods get a sidecar or join ambient depends on which one wins`,
        fix: `keep one: ${DATAPLANE_MODE}: ambient for ambient mode, istio-injection: enabled or istio.io/rev: <revision> for sidecars`,
      });
    }
  },
};
