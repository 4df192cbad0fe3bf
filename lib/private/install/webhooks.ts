import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { LABEL_INJECT, LABEL_INJECTION, LABEL_REV } from '../labels';
import { clusterSuffix, componentLabels, InstallContext } from './context';

type Requirement = k8s.LabelSelectorRequirement;
const exists = (key: string, yes: boolean): Requirement => ({ key, operator: yes ? 'Exists' : 'DoesNotExist' });
const isIn = (key: string, ...values: string[]): Requirement => ({ key, operator: 'In', values });
const notIn = (key: string, ...values: string[]): Requirement => ({ key, operator: 'NotIn', values });

/**
 * The sidecar injector MutatingWebhookConfiguration and the config ValidatingWebhookConfiguration.
 *
 * Both carry the `istio.io/rev` label: istiod patches the caBundle only into webhook
 * configurations labelled with its own revision (istio-reference.md §3.6). No caBundle is
 * emitted. The validating webhook is pinned to `failurePolicy: Fail` (chart value
 * `base.validationFailurePolicy`), so istiod has nothing to flip and GitOps tools see no drift.
 */
export function renderWebhooks(scope: Construct, ctx: InstallContext): void {
  const service = { name: ctx.istiodName, namespace: ctx.namespace };
  const injectRules: k8s.RuleWithOperations[] = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }];
  const optedOut = notIn(LABEL_INJECT, 'false');

  const injector = (name: string, namespaceSelector: Requirement[], objectSelector: Requirement[]): k8s.MutatingWebhook => ({
    name,
    admissionReviewVersions: ['v1'],
    clientConfig: { service: { ...service, path: '/inject', port: 443 } },
    failurePolicy: 'Fail',
    reinvocationPolicy: 'Never',
    sideEffects: 'None',
    rules: injectRules,
    namespaceSelector: { matchExpressions: namespaceSelector },
    objectSelector: { matchExpressions: objectSelector },
  });

  const webhooks: k8s.MutatingWebhook[] = [
    // Namespaces labelled istio.io/rev=<this revision>.
    injector('rev.namespace.sidecar-injector.istio.io',
      [isIn(LABEL_REV, ctx.revisionLabel), exists(LABEL_INJECTION, false)],
      [optedOut]),
    // Pods labelled istio.io/rev=<this revision> in namespaces without any injection label.
    injector('rev.object.sidecar-injector.istio.io',
      [exists(LABEL_REV, false), exists(LABEL_INJECTION, false)],
      [optedOut, isIn(LABEL_REV, ctx.revisionLabel)]),
  ];
  if (!ctx.revision) {
    // The default control plane also serves the classic istio-injection=enabled label
    // and pods that opt in with sidecar.istio.io/inject=true.
    webhooks.push(
      injector('namespace.sidecar-injector.istio.io', [isIn(LABEL_INJECTION, 'enabled')], [optedOut]),
      injector('object.sidecar-injector.istio.io',
        [exists(LABEL_INJECTION, false), exists(LABEL_REV, false)],
        [isIn(LABEL_INJECT, 'true'), exists(LABEL_REV, false)]),
    );
  }

  const nsSuffix = ctx.namespace === 'istio-system' ? '' : `-${ctx.namespace}`;
  new k8s.KubeMutatingWebhookConfiguration(scope, 'SidecarInjectorWebhook', {
    metadata: {
      name: `istio-sidecar-injector${ctx.revSuffix}${nsSuffix}`,
      labels: componentLabels(ctx, 'istiod', 'Pilot', { app: 'sidecar-injector' }),
    },
    webhooks,
  });

  new k8s.KubeValidatingWebhookConfiguration(scope, 'ValidationWebhook', {
    metadata: {
      name: `istio-validator${clusterSuffix(ctx)}`,
      labels: componentLabels(ctx, 'istiod', 'Pilot', { app: 'istiod', istio: 'istiod' }),
    },
    webhooks: [{
      name: 'rev.validation.istio.io',
      admissionReviewVersions: ['v1'],
      clientConfig: { service: { ...service, path: '/validate' } },
      failurePolicy: 'Fail',
      sideEffects: 'None',
      objectSelector: { matchExpressions: [isIn(LABEL_REV, ctx.revisionLabel)] },
      rules: [{
        apiGroups: ['security.istio.io', 'networking.istio.io', 'telemetry.istio.io', 'extensions.istio.io'],
        apiVersions: ['*'],
        operations: ['CREATE', 'UPDATE'],
        resources: ['*'],
      }],
    }],
  });
}
