/**
 * Which parity differences fail the check. Every other difference is informational: it is printed
 * and written to the parity report, but does not fail the run.
 *
 * Failing, per object kind (paths after normalisation, see normalise.ts and object-diff.ts):
 * - any object in istioctl's output that we do not emit (`(object)`, missing);
 * - workloads (Deployment, DaemonSet, StatefulSet, Job): a container or init container missing or
 *   extra, its `image`, `args`/`command`, `ports`, and env variables present on one side only
 *   (env names; env values are informational);
 * - the workload and Service `.spec.selector` (a wrong selector routes to or manages nothing);
 * - webhook configurations: webhooks present on one side only, their `rules`, `namespaceSelector`,
 *   `objectSelector`, `failurePolicy` and `clientConfig.service` (name, namespace, path, port), and
 *   the `istio.io/rev` label, which istiod uses to find the configurations it patches;
 * - Roles/ClusterRoles: `rules` (as grants, see normalise.ts); bindings: `roleRef`, `subjects`;
 * - Services: `.spec.ports`;
 * - ConfigMaps: the mesh config (`.data.mesh`, `.data.meshNetworks`), any key; the injector's
 *   template names (`.data.config.templates.<name>` on one side only: istiod's deployment controller
 *   and pods asking for a template by name fail without it; the texts are compared elsewhere).
 *
 * Objects that exist only in our output are informational (they are listed in the report).
 */
import { isPlainObject } from './manifests';
import { DiffKind, FieldDiff, OBJECT_PATH } from './object-diff';

/** A rule that makes a difference fail: object kinds, a path pattern and optionally the kinds of difference. */
interface FailingRule {
  readonly category: string;
  readonly kinds: RegExp;
  readonly path: RegExp;
  readonly diffKinds?: readonly DiffKind[];
  /** Extra condition on the difference. */
  readonly when?: (diff: FieldDiff) => boolean;
}

const WORKLOADS = /^(Deployment|DaemonSet|StatefulSet|Job|ReplicaSet)$/;
const CONTAINER = String.raw`^\.spec\.template\.spec\.(?:initContainers|containers)`;
const WEBHOOK_CONFIGS = /^(Mutating|Validating)WebhookConfiguration$/;

/** The rules, in the order they are tried. */
export const FAILING_RULES: readonly FailingRule[] = [
  { category: 'missing object', kinds: /.*/, path: /^\(object\)$/, diffKinds: ['missing'] },
  { category: 'container', kinds: WORKLOADS, path: /^\.spec(\.template(\.spec)?)?$/ },
  { category: 'container', kinds: WORKLOADS, path: new RegExp(`${CONTAINER}(\\[[^\\]]+\\])?$`) },
  { category: 'container image', kinds: WORKLOADS, path: new RegExp(`${CONTAINER}\\[[^\\]]+\\]\\.image$`) },
  { category: 'container args', kinds: WORKLOADS, path: new RegExp(`${CONTAINER}\\[[^\\]]+\\]\\.(args|command)(\\[=.*\\])?$`) },
  { category: 'container ports', kinds: WORKLOADS, path: new RegExp(`${CONTAINER}\\[[^\\]]+\\]\\.ports([.[].*)?$`) },
  { category: 'env names', kinds: WORKLOADS, path: new RegExp(`${CONTAINER}\\[[^\\]]+\\]\\.env(\\[[^\\]]+\\])?$`), diffKinds: ['missing', 'extra'] },
  { category: 'selectors', kinds: /^(Deployment|DaemonSet|StatefulSet|ReplicaSet|Service)$/, path: /^\.spec\.selector([.[].*)?$/ },
  { category: 'webhooks', kinds: WEBHOOK_CONFIGS, path: /^\.webhooks(\[[^\]]+\])?$/ },
  {
    category: 'webhooks',
    kinds: WEBHOOK_CONFIGS,
    path: /^\.webhooks\[[^\]]+\]\.(rules|namespaceSelector|objectSelector|failurePolicy|clientConfig\.service)([.[].*)?$/,
  },
  { category: 'webhooks', kinds: WEBHOOK_CONFIGS, path: /^\.metadata\.labels(\["istio\.io\/rev"\])?$/ },
  { category: 'RBAC rules', kinds: /^(Role|ClusterRole)$/, path: /^\.rules([.[].*)?$/ },
  { category: 'RBAC rules', kinds: /^(RoleBinding|ClusterRoleBinding)$/, path: /^\.(roleRef|subjects)([.[].*)?$/ },
  { category: 'Service ports', kinds: /^Service$/, path: /^\.spec(\.ports([.[].*)?)?$/ },
  { category: 'mesh config', kinds: /^ConfigMap$/, path: /^\.data\.(mesh|meshNetworks)([.[].*)?$/ },
  { category: 'mesh config', kinds: /^ConfigMap$/, path: /^\.data$/, when: (d) => hasMeshKey(d.reference) || hasMeshKey(d.ours) },
  { category: 'injection templates', kinds: /^ConfigMap$/, path: /^\.data\.config\.templates(\.[^.[]+)?$/, diffKinds: ['missing', 'extra'] },
];

/**
 * The failing category of a difference on an object of kind `kind`, or undefined when it is
 * informational. A `.metadata.labels` difference on a webhook configuration only fails when it is
 * about `istio.io/rev` (or the whole labels map).
 */
export function failingCategory(kind: string, diff: FieldDiff): string | undefined {
  for (const rule of FAILING_RULES) {
    if (!rule.kinds.test(kind) || !rule.path.test(diff.path)) continue;
    if (rule.diffKinds && !rule.diffKinds.includes(diff.kind)) continue;
    if (rule.when && !rule.when(diff)) continue;
    return rule.category;
  }
  return diff.path === OBJECT_PATH && diff.kind === 'missing' ? 'missing object' : undefined;
}

function hasMeshKey(value: unknown): boolean {
  return isPlainObject(value) && 'mesh' in value;
}
