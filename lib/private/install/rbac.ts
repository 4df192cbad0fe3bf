import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { baseLabels, clusterSuffix, InstallContext } from './context';

/** An RBAC policy rule, kept as plain data so the permission lists read like the facts they are. */
interface Rule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** Reader ServiceAccount for multicluster remote secrets: one per cluster, whatever the revision. */
const READER_SERVICE_ACCOUNT = 'istio-reader-service-account';
const READER_APP = 'istio-reader';
const ISTIOD_APP = 'istiod';
/** Group of the multicluster services API unless istiod is told otherwise with MCS_API_GROUP. */
const DEFAULT_MCS_GROUP = 'multicluster.x-k8s.io';

/** Every API group of Istio's own resources. */
const ISTIO_GROUPS = [
  'config.istio.io',
  'security.istio.io',
  'networking.istio.io',
  'authentication.istio.io',
  'rbac.istio.io',
  'telemetry.istio.io',
  'extensions.istio.io',
];

const ALL = ['get', 'watch', 'list', 'update', 'patch', 'create', 'delete'];

/** Status subresources of Gateway API kinds that istiod writes. */
const GATEWAY_API_STATUS = [
  'backendtlspolicies/status',
  'gatewayclasses/status',
  'gateways/status',
  'grpcroutes/status',
  'httproutes/status',
  'referencegrants/status',
  'tcproutes/status',
  'tlsroutes/status',
  'udproutes/status',
  'listenersets/status',
];

/** Cluster-wide permissions of istiod (discovery, webhook patching, CA, status writes, Gateway API). */
function istiodClusterRules(mcsGroup: string, clusterTrustBundles: boolean): Rule[] {
  return [
    // istiod keeps caBundle (and failurePolicy) of its webhook configurations up to date.
    { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
    { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], verbs: ['get', 'list', 'watch', 'update'] },
    // Istio configuration, and the objects and status it writes itself.
    { apiGroups: ISTIO_GROUPS, resources: ['*'], verbs: ['get', 'watch', 'list'] },
    { apiGroups: ['networking.istio.io'], resources: ['workloadentries'], verbs: ALL },
    { apiGroups: ['networking.istio.io'], resources: ['workloadentries/status', 'serviceentries/status'], verbs: ALL },
    { apiGroups: ['security.istio.io'], resources: ['authorizationpolicies/status'], verbs: ALL },
    { apiGroups: [''], resources: ['services/status'], verbs: ALL },
    // Service discovery.
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['pods', 'nodes', 'services', 'namespaces', 'endpoints'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    // Kubernetes Ingress support.
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['*'] },
    // The root certificate ConfigMap istiod distributes to every namespace.
    { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'list', 'watch', 'update'] },
    ...(clusterTrustBundles ? [
      { apiGroups: ['certificates.k8s.io'], resources: ['clustertrustbundles'], verbs: ['update', 'create', 'delete', 'list', 'watch', 'get'] },
      { apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['istio.io/istiod-ca'], verbs: ['attest'] },
    ] : []),
    // Authenticating workloads' ServiceAccount tokens and authorizing debug requests.
    { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    // Gateway API.
    { apiGroups: ['gateway.networking.k8s.io', 'gateway.networking.x-k8s.io'], resources: ['*'], verbs: ['get', 'watch', 'list'] },
    { apiGroups: ['gateway.networking.x-k8s.io'], resources: ['xbackendtrafficpolicies/status'], verbs: ['update', 'patch'] },
    { apiGroups: ['gateway.networking.k8s.io'], resources: GATEWAY_API_STATUS, verbs: ['update', 'patch'] },
    { apiGroups: ['gateway.networking.k8s.io'], resources: ['gatewayclasses'], verbs: ['create', 'update', 'patch', 'delete'] },
    { apiGroups: ['inference.networking.k8s.io'], resources: ['inferencepools'], verbs: ['get', 'watch', 'list'] },
    { apiGroups: ['inference.networking.k8s.io'], resources: ['inferencepools/status'], verbs: ['update', 'patch'] },
    // Credentials of Gateways (SDS) and remote cluster secrets.
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'watch', 'list'] },
    // Multicluster services API.
    { apiGroups: [mcsGroup], resources: ['serviceexports'], verbs: ['get', 'watch', 'list', 'create', 'delete'] },
    { apiGroups: [mcsGroup], resources: ['serviceimports'], verbs: ['get', 'watch', 'list'] },
  ];
}

/** What istiod needs to deploy Gateway API `Gateway`s and waypoints (its gateway deployment controller). */
const GATEWAY_CONTROLLER_RULES: Rule[] = [
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ALL },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ALL },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ALL },
  { apiGroups: [''], resources: ['services'], verbs: ALL },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ALL },
];

/** Read access another cluster's istiod gets through the reader ServiceAccount (multicluster remote secrets). */
function readerRules(mcsGroup: string): Rule[] {
  return [
    { apiGroups: ISTIO_GROUPS, resources: ['*'], verbs: ['get', 'list', 'watch'] },
    {
      apiGroups: [''],
      resources: ['endpoints', 'pods', 'services', 'nodes', 'replicationcontrollers', 'namespaces', 'secrets', 'configmaps'],
      verbs: ['get', 'list', 'watch'],
    },
    { apiGroups: ['networking.istio.io'], resources: ['workloadentries'], verbs: ['get', 'watch', 'list'] },
    { apiGroups: ['networking.x-k8s.io', 'gateway.networking.k8s.io'], resources: ['gateways'], verbs: ['get', 'watch', 'list'] },
    { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [mcsGroup], resources: ['serviceexports'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { apiGroups: [mcsGroup], resources: ['serviceimports'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  ];
}

/** istiod's permissions in its own namespace: CA and leader-election state. */
const ISTIOD_NAMESPACE_RULES: Rule[] = [
  { apiGroups: ['networking.istio.io'], resources: ['gateways'], verbs: ['create'] },
  // The self-signed CA's root (istio-ca-secret, cacerts) and istiod's own certificates.
  { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'get', 'watch', 'list', 'update', 'delete'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['delete'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update', 'patch', 'create'] },
];

/**
 * Identity and permissions of the control plane, as istioctl installs them: ServiceAccounts
 * `istiod[-rev]` and `istio-reader-service-account` (unless `readerServiceAccount` is false); ClusterRoles and ClusterRoleBindings
 * `istiod-clusterrole`, `istiod-gateway-controller` and `istio-reader-clusterrole` (each suffixed
 * `[-rev]-<namespace>`); and the Role/RoleBinding `istiod[-rev]` in the control-plane namespace.
 * Facts: istio-reference.md §3.4–3.5.
 *
 * Rules Istio grants only under non-default istiod settings follow the matching `istiodEnv`
 * entries: `PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER=false` drops the gateway-controller
 * role, `ENABLE_CLUSTER_TRUST_BUNDLE_API=true` adds ClusterTrustBundle access, and
 * `MCS_API_GROUP` moves the multicluster-services rules to that group.
 */
export function renderRbac(scope: Construct, ctx: InstallContext, readerServiceAccount = true): void {
  const suffix = clusterSuffix(ctx);
  const mcsGroup = ctx.istiodEnv.MCS_API_GROUP || DEFAULT_MCS_GROUP;
  const istiodLabels = { ...baseLabels(ISTIOD_APP), app: ISTIOD_APP };
  const readerLabels = { ...baseLabels(READER_APP), app: READER_APP };

  new k8s.KubeServiceAccount(scope, 'IstiodServiceAccount', {
    metadata: { name: ctx.istiodName, namespace: ctx.namespace, labels: istiodLabels },
  });
  // Part of Istio's cluster-wide `base` component, like the CRDs: one installation owns it.
  if (readerServiceAccount) {
    new k8s.KubeServiceAccount(scope, 'ReaderServiceAccount', {
      metadata: { name: READER_SERVICE_ACCOUNT, namespace: ctx.namespace, labels: readerLabels },
    });
  }

  const clusterRoles: Array<{ id: string; name: string; labels: Record<string, string>; rules: Rule[]; serviceAccount: string }> = [
    {
      id: 'Istiod',
      name: `istiod-clusterrole${suffix}`,
      labels: istiodLabels,
      rules: istiodClusterRules(mcsGroup, ctx.istiodEnv.ENABLE_CLUSTER_TRUST_BUNDLE_API === 'true'),
      serviceAccount: ctx.istiodName,
    },
    {
      id: 'Reader',
      name: `istio-reader-clusterrole${suffix}`,
      labels: readerLabels,
      rules: readerRules(mcsGroup),
      serviceAccount: READER_SERVICE_ACCOUNT,
    },
  ];
  if (ctx.istiodEnv.PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER !== 'false') {
    clusterRoles.splice(1, 0, {
      id: 'GatewayController',
      name: `istiod-gateway-controller${suffix}`,
      labels: istiodLabels,
      rules: GATEWAY_CONTROLLER_RULES,
      serviceAccount: ctx.istiodName,
    });
  }

  for (const role of clusterRoles) {
    new k8s.KubeClusterRole(scope, `${role.id}ClusterRole`, {
      metadata: { name: role.name, labels: role.labels },
      rules: role.rules,
    });
    new k8s.KubeClusterRoleBinding(scope, `${role.id}ClusterRoleBinding`, {
      metadata: { name: role.name, labels: role.labels },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role.name },
      subjects: [{ kind: 'ServiceAccount', name: role.serviceAccount, namespace: ctx.namespace }],
    });
  }

  new k8s.KubeRole(scope, 'IstiodRole', {
    metadata: { name: ctx.istiodName, namespace: ctx.namespace, labels: istiodLabels },
    rules: ISTIOD_NAMESPACE_RULES,
  });
  new k8s.KubeRoleBinding(scope, 'IstiodRoleBinding', {
    metadata: { name: ctx.istiodName, namespace: ctx.namespace, labels: istiodLabels },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: ctx.istiodName },
    subjects: [{ kind: 'ServiceAccount', name: ctx.istiodName, namespace: ctx.namespace }],
  });
}
