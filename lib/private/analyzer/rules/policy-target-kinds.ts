import { RuleDefinition, RuleInput, Report } from '../catalog';
import { list } from '../gateway-api';
import { GATEWAY_API } from '../model';

const KINDS_WITH_TARGETS: Array<[string, string]> = [
  ['security.istio.io', 'AuthorizationPolicy'],
  ['security.istio.io', 'RequestAuthentication'],
  ['telemetry.istio.io', 'Telemetry'],
  ['extensions.istio.io', 'WasmPlugin'],
];

/** What a policy may target, as Istio's validation allows: `group/kind`, the core group written `core` or empty. */
const ALLOWED = new Set(['core/Service', 'networking.istio.io/ServiceEntry', `${GATEWAY_API}/Gateway`, `${GATEWAY_API}/GatewayClass`]);
const EXAMPLES: Record<string, string> = {
  Gateway: `group: "${GATEWAY_API}"`,
  GatewayClass: `group: "${GATEWAY_API}"`,
  Service: 'group: "" (or leave it out)',
  ServiceEntry: 'group: "networking.istio.io"',
};

/**
 * IST0106: a `targetRef`/`targetRefs` entry of an AuthorizationPolicy, RequestAuthentication,
 * Telemetry or WasmPlugin whose group and kind Istio's validation rejects (allowed: core Service,
 * networking.istio.io ServiceEntry, gateway.networking.k8s.io Gateway and GatewayClass). The common
 * case is a waypoint Gateway without `group: gateway.networking.k8s.io`: the empty group means core,
 * the webhook rejects the policy, and `istioctl analyze` reports it. The CRD schema alone accepts it,
 * so the schema rule does not see it.
 */
export const policyTargetKinds: RuleDefinition = {
  codes: ['IST0106'],
  run({ manifest }: RuleInput, report: Report) {
    for (const [group, kind] of KINDS_WITH_TARGETS) {
      for (const policy of manifest.ofKind(group, kind)) {
        const spec = policy.json.spec ?? {};
        const refs: Array<[any, string]> = spec.targetRef ? [[spec.targetRef, 'targetRef']] : [];
        list(spec.targetRefs).forEach((r: any, i: number) => refs.push([r, `targetRefs[${i}]`]));
        for (const [ref, where] of refs) {
          const refGroup = typeof ref?.group === 'string' && ref.group !== '' ? ref.group : 'core';
          if (ALLOWED.has(`${refGroup}/${ref?.kind}`)) continue;
          const example = EXAMPLES[ref?.kind];
          report({
            code: 'IST0106',
            object: policy,
            message: `${where} targets ${ref?.kind} with group ${JSON.stringify(ref?.group ?? '')}: Istio accepts only Service (core), ServiceEntry ` +
              `(networking.istio.io), Gateway and GatewayClass (${GATEWAY_API}), so the API server's webhook rejects the ${kind}`,
            fix: example ? `write ${example} with kind: ${ref.kind} in ${where}` : `target a Service, ServiceEntry, Gateway or GatewayClass in ${where}`,
          });
        }
      }
    }
  },
};
