import type { ArgoCdIgnoreDifference } from '../../argo-cd';
import { DeliveryController } from '../../release-strategy';

/** What the ignoreDifferences depend on. */
export interface GitOpsInputs {
  readonly controller: DeliveryController;
  readonly namespace: string;
  readonly splitLevel: string;
  readonly virtualServices: string[];
  /** HTTPRoutes whose weights the Gateway API plugin of Argo Rollouts steps. */
  readonly httpRoutes?: string[];
  /** Names of the header routes the plugin adds to those HTTPRoutes during a release. */
  readonly managedRoutes?: string[];
  readonly destinationRules: string[];
  readonly apexService: string;
  readonly hostServices: string[];
  readonly deployment?: string;
  readonly scalesDownDeployment: boolean;
}

/**
 * The fields each controller changes in the cluster:
 * - Argo Rollouts: VirtualService route weights (HTTPRoute backend weights, and the header rules
 *   its Gateway API plugin adds, named after the managed routes); with subsets, the `rollouts-pod-template-hash`
 *   it adds to the subsets' labels; with hosts, the same label in the two Services' selectors;
 *   the replicas of the Deployment it takes the template from (unless `scaleDown: never`).
 * - Flagger: the selector of the apex Service (it points it at the `-primary` pods) and the
 *   replicas of the target Deployment (scaled to zero between releases). The VirtualService and
 *   DestinationRules are Flagger's own objects, not in Git.
 */
export function ignoreDifferencesFor(i: GitOpsInputs): ArgoCdIgnoreDifference[] {
  const out: ArgoCdIgnoreDifference[] = [];
  const ns = i.namespace;
  if (i.controller === DeliveryController.ARGO_ROLLOUTS) {
    for (const name of i.virtualServices) {
      out.push({ group: 'networking.istio.io', kind: 'VirtualService', name, namespace: ns, jqPathExpressions: ['.spec.http[].route[].weight'] });
    }
    for (const name of i.httpRoutes ?? []) {
      const managed = (i.managedRoutes ?? []).map((r) => `.spec.rules[] | select(.name == ${JSON.stringify(r)})`);
      out.push({
        group: 'gateway.networking.k8s.io',
        kind: 'HTTPRoute',
        name,
        namespace: ns,
        jqPathExpressions: ['.spec.rules[].backendRefs[].weight', ...managed],
      });
    }
    if (i.splitLevel === 'SUBSET') {
      for (const name of i.destinationRules) {
        out.push({
          group: 'networking.istio.io',
          kind: 'DestinationRule',
          name,
          namespace: ns,
          jqPathExpressions: ['.spec.subsets[].labels["rollouts-pod-template-hash"]'],
        });
      }
    } else {
      for (const name of i.hostServices) {
        out.push({ group: '', kind: 'Service', name, namespace: ns, jsonPointers: ['/spec/selector/rollouts-pod-template-hash'] });
      }
    }
  }
  if (i.controller === DeliveryController.FLAGGER) {
    out.push({ group: '', kind: 'Service', name: i.apexService, namespace: ns, jsonPointers: ['/spec/selector'] });
  }
  if (i.controller !== DeliveryController.GIT && i.scalesDownDeployment && i.deployment) {
    out.push({ group: 'apps', kind: 'Deployment', name: i.deployment, namespace: ns, jsonPointers: ['/spec/replicas'] });
  }
  return out;
}
