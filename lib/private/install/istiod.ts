import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CertificateAuthorityType } from '../../certificate-authority';
import { LABEL_DATAPLANE_MODE, LABEL_INJECT, LABEL_REV } from '../labels';
import { componentLabels, image, InstallContext, ResourceSpec } from './context';
import { istiodExtraEnv } from './injector';

/** istiod's container ports: debug/readiness, plaintext xDS, mTLS xDS + CA, webhooks, metrics. */
const ISTIOD_PORTS = [
  { containerPort: 8080, name: 'http-debug', protocol: 'TCP' },
  { containerPort: 15010, name: 'grpc-xds', protocol: 'TCP' },
  { containerPort: 15012, name: 'tls-xds', protocol: 'TCP' },
  { containerPort: 15017, name: 'https-webhooks', protocol: 'TCP' },
  { containerPort: 15014, name: 'http-monitoring', protocol: 'TCP' },
];

/** Labels that select istiod pods (and that the Service selects on). */
export function istiodSelector(ctx: InstallContext): Record<string, string> {
  return ctx.revision ? { app: 'istiod', [LABEL_REV]: ctx.revisionLabel } : { istio: 'pilot' };
}

/** Service selector: `app: istiod` plus `istio: pilot` (default) or the revision label. */
function serviceSelector(ctx: InstallContext): Record<string, string> {
  return ctx.revision ? { app: 'istiod', [LABEL_REV]: ctx.revisionLabel } : { app: 'istiod', istio: 'pilot' };
}

/** Converts our resource spec to a Kubernetes ResourceRequirements. */
export function toKubeResources(spec: ResourceSpec): k8s.ResourceRequirements | undefined {
  const quantities = (values?: { cpu?: string; memory?: string }) => {
    if (!values || (values.cpu === undefined && values.memory === undefined)) return undefined;
    const out: Record<string, k8s.Quantity> = {};
    if (values.cpu !== undefined) out.cpu = k8s.Quantity.fromString(values.cpu);
    if (values.memory !== undefined) out.memory = k8s.Quantity.fromString(values.memory);
    return out;
  };
  const limits = quantities(spec.limits);
  const requests = quantities(spec.requests);
  return limits || requests ? { limits, requests } : undefined;
}

/**
 * istiod: Deployment, Service, and the HorizontalPodAutoscaler / PodDisruptionBudget when
 * configured. Facts: istio-reference.md §3.2, §3.3, §3.8.
 */
export function renderIstiod(scope: Construct, ctx: InstallContext): void {
  const labels = componentLabels(ctx, 'istiod', 'Pilot', { app: 'istiod', istio: ctx.revision ? 'istiod' : 'pilot' });
  const metadata = { name: ctx.istiodName, namespace: ctx.namespace };

  new k8s.KubeDeployment(scope, 'IstiodDeployment', {
    metadata: { ...metadata, labels },
    spec: {
      replicas: ctx.istiodAutoscale ? undefined : ctx.istiodReplicas,
      selector: { matchLabels: istiodSelector(ctx) },
      strategy: {
        rollingUpdate: { maxSurge: k8s.IntOrString.fromString('100%'), maxUnavailable: k8s.IntOrString.fromString('25%') },
      },
      template: {
        metadata: {
          labels: { ...labels, [LABEL_INJECT]: 'false', [LABEL_DATAPLANE_MODE]: 'none' },
          annotations: { 'prometheus.io/port': '15014', 'prometheus.io/scrape': 'true', [LABEL_INJECT]: 'false' },
        },
        spec: {
          serviceAccountName: ctx.istiodName,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          tolerations: [{ key: 'cni.istio.io/not-ready', operator: 'Exists' }],
          containers: [{
            name: 'discovery',
            image: image(ctx, 'pilot'),
            imagePullPolicy: ctx.imagePullPolicy,
            args: [
              'discovery',
              '--monitoringAddr=:15014',
              '--log_output_level=default:info',
              '--domain', ctx.clusterDomain,
              '--keepaliveMaxServerConnectionAge', '30m',
            ],
            ports: ISTIOD_PORTS,
            readinessProbe: {
              httpGet: { path: '/ready', port: k8s.IntOrString.fromNumber(8080) },
              initialDelaySeconds: 1,
              periodSeconds: 3,
              timeoutSeconds: 5,
            },
            env: istiodEnv(ctx),
            resources: toKubeResources(ctx.istiodResources),
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              runAsNonRoot: true,
              capabilities: { drop: ['ALL'] },
            },
            volumeMounts: [
              { name: 'istio-token', mountPath: '/var/run/secrets/tokens', readOnly: true },
              { name: 'local-certs', mountPath: '/var/run/secrets/istio-dns' },
              { name: 'cacerts', mountPath: '/etc/cacerts', readOnly: true },
              { name: 'istio-kubeconfig', mountPath: '/var/run/secrets/remote', readOnly: true },
              { name: 'istio-csr-dns-cert', mountPath: '/var/run/secrets/istiod/tls', readOnly: true },
              { name: 'istio-csr-ca-configmap', mountPath: '/var/run/secrets/istiod/ca', readOnly: true },
            ],
          }],
          volumes: [
            { name: 'local-certs', emptyDir: { medium: 'Memory' } },
            {
              name: 'istio-token',
              projected: { sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }] },
            },
            // A plugged-in CA is required: without it istiod would generate a root of its own.
            { name: 'cacerts', secret: { secretName: ctx.certificateAuthority.secretName, optional: ctx.certificateAuthority.type !== CertificateAuthorityType.PLUGGED_IN } },
            { name: 'istio-kubeconfig', secret: { secretName: 'istio-kubeconfig', optional: true } },
            { name: 'istio-csr-dns-cert', secret: { secretName: 'istiod-tls', optional: true } },
            { name: 'istio-csr-ca-configmap', configMap: { name: 'istio-ca-root-cert', defaultMode: 420, optional: true } },
          ],
        },
      },
    },
  });

  new k8s.KubeService(scope, 'IstiodService', {
    metadata: { ...metadata, labels },
    spec: {
      selector: serviceSelector(ctx),
      ports: [
        { name: 'grpc-xds', port: 15010, protocol: 'TCP' },
        { name: 'https-dns', port: 15012, protocol: 'TCP' },
        { name: 'https-webhook', port: 443, targetPort: k8s.IntOrString.fromNumber(15017), protocol: 'TCP' },
        { name: 'http-monitoring', port: 15014, protocol: 'TCP' },
      ],
    },
  });

  if (ctx.istiodAutoscale) {
    new k8s.KubeHorizontalPodAutoscalerV2(scope, 'IstiodAutoscaler', {
      metadata: { ...metadata, labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: ctx.istiodName },
        minReplicas: ctx.istiodAutoscale.min,
        maxReplicas: ctx.istiodAutoscale.max,
        metrics: [{
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: ctx.istiodAutoscale.cpuUtilization } },
        }],
      },
    });
  }

  if (ctx.istiodPdb) {
    new k8s.KubePodDisruptionBudget(scope, 'IstiodDisruptionBudget', {
      metadata: { ...metadata, labels },
      spec: {
        minAvailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: serviceSelector(ctx) },
      },
    });
  }
}

function istiodEnv(ctx: InstallContext): k8s.EnvVar[] {
  const field = (fieldPath: string) => ({ fieldRef: { apiVersion: 'v1', fieldPath } });
  const env: k8s.EnvVar[] = [
    { name: 'REVISION', value: ctx.revisionLabel },
    { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
    { name: 'POD_NAME', valueFrom: field('metadata.name') },
    { name: 'POD_NAMESPACE', valueFrom: field('metadata.namespace') },
    { name: 'SERVICE_ACCOUNT', valueFrom: field('spec.serviceAccountName') },
    { name: 'KUBECONFIG', value: '/var/run/secrets/remote/config' },
    { name: 'CA_TRUSTED_NODE_ACCOUNTS', value: `${ctx.namespace}/ztunnel` },
    { name: 'PILOT_TRACE_SAMPLING', value: String(ctx.traceSampling) },
    { name: 'PILOT_ENABLE_ANALYSIS', value: 'false' },
    { name: 'CLUSTER_ID', value: ctx.clusterName },
    { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: k8s.Quantity.fromString('1') } } },
    { name: 'PLATFORM', value: '' },
  ];
  // As istioctl renders `pilot.env`: sorted by name, after the fixed entries.
  const extra = istiodExtraEnv(ctx);
  for (const name of Object.keys(extra).sort()) {
    env.push({ name, value: extra[name] });
  }
  return env;
}
