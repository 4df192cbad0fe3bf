import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MeshProfile } from '../../mesh-profile';
import { LABEL_DATAPLANE_MODE, LABEL_INJECT, LABEL_REV } from '../labels';
import { caAddress, componentLabels, image, InstallContext } from './context';
import { toKubeResources } from './istiod';
import { GATEWAY_PROXY_MOUNTS, gatewayProxyEnv, gatewayProxyVolumes } from '../gateway-proxy';

/** A port of a gateway Service; the gateway container listens on `targetPort`. */
export interface GatewayPort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
}

/** What tells the ingress and egress gateways of a profile apart. */
export interface GatewayKind {
  /** Deployment, Service and HPA name, also the `app` label. */
  readonly name: string;
  /** Value of the `istio` label. */
  readonly istio: string;
  /** Value of `operator.istio.io/component`. */
  readonly component: string;
  /** Prefix of the construct ids. */
  readonly idPrefix: string;
  readonly serviceType: string;
  /** Service ports in order; the container ports are their target ports. */
  readonly ports: GatewayPort[];
}

/** Port Envoy serves its Prometheus stats on, in every gateway. */
const ENVOY_PROM_PORT = 15090;
/** Port of the gateway's status/readiness endpoint. */
export const STATUS_PORT = 15021;

/**
 * Ports the demo profile adds to the ingress gateway Service: raw TCP (31400) and
 * SNI-routed mTLS passthrough (15443).
 */
function ingressExtraPorts(ctx: InstallContext): GatewayPort[] {
  if (ctx.profile !== MeshProfile.DEMO) return [];
  return [
    { name: 'tcp', port: 31400, targetPort: 31400 },
    { name: 'tls', port: 15443, targetPort: 15443 },
  ];
}

function ingressKind(ctx: InstallContext): GatewayKind {
  return {
    name: 'istio-ingressgateway',
    istio: 'ingressgateway',
    component: 'IngressGateways',
    idPrefix: 'IngressGateway',
    serviceType: 'LoadBalancer',
    ports: [
      { name: 'status-port', port: STATUS_PORT, targetPort: STATUS_PORT },
      { name: 'http2', port: 80, targetPort: 8080 },
      { name: 'https', port: 443, targetPort: 8443 },
      ...ingressExtraPorts(ctx),
    ],
  };
}

const EGRESS_KIND: GatewayKind = {
  name: 'istio-egressgateway',
  istio: 'egressgateway',
  component: 'EgressGateways',
  idPrefix: 'EgressGateway',
  serviceType: 'ClusterIP',
  ports: [
    { name: 'http2', port: 80, targetPort: 8080 },
    { name: 'https', port: 443, targetPort: 8443 },
  ],
};

/**
 * The gateways the istioctl profiles install with the legacy `gateways/istio-ingress` and
 * `gateways/istio-egress` charts: a fully specified (not injected) `istio-proxy` Deployment
 * with its ServiceAccount, secret-reading Role/RoleBinding (`<name>-sds`), Service and, when
 * autoscaled, a HorizontalPodAutoscaler. Facts: istio-reference.md §3.9.
 */
export function renderProfileGateways(scope: Construct, ctx: InstallContext): void {
  for (const kind of profileGatewayKinds(ctx)) renderGateway(scope, ctx, kind);
}

/** The gateways the profile installs, ingress first. */
export function profileGatewayKinds(ctx: InstallContext): GatewayKind[] {
  return [...(ctx.ingressGateway ? [ingressKind(ctx)] : []), ...(ctx.egressGateway ? [EGRESS_KIND] : [])];
}

function renderGateway(scope: Construct, ctx: InstallContext, kind: GatewayKind): void {
  const selector = { app: kind.name, istio: kind.istio };
  const labels = componentLabels(ctx, kind.name, kind.component, selector);
  const rbacLabels = componentLabels(ctx, kind.name, kind.component);
  const serviceAccountName = `${kind.name}-service-account`;
  const sdsName = `${kind.name}-sds`;
  const metadata = { name: kind.name, namespace: ctx.namespace };

  new k8s.KubeServiceAccount(scope, `${kind.idPrefix}ServiceAccount`, {
    metadata: { name: serviceAccountName, namespace: ctx.namespace, labels },
  });

  // The agent reads TLS credentials for Gateway servers from Secrets in its namespace (SDS).
  new k8s.KubeRole(scope, `${kind.idPrefix}SdsRole`, {
    metadata: { name: sdsName, namespace: ctx.namespace, labels: rbacLabels },
    rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'watch', 'list'] }],
  });
  new k8s.KubeRoleBinding(scope, `${kind.idPrefix}SdsRoleBinding`, {
    metadata: { name: sdsName, namespace: ctx.namespace, labels: rbacLabels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sdsName },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccountName }],
  });

  new k8s.KubeDeployment(scope, `${kind.idPrefix}Deployment`, {
    metadata: { ...metadata, labels: { ...labels, [LABEL_DATAPLANE_MODE]: 'none' } },
    spec: {
      selector: { matchLabels: selector },
      strategy: {
        rollingUpdate: { maxSurge: k8s.IntOrString.fromString('100%'), maxUnavailable: k8s.IntOrString.fromString('25%') },
      },
      template: {
        metadata: {
          labels: {
            ...labels,
            [LABEL_DATAPLANE_MODE]: 'none',
            [LABEL_INJECT]: 'false',
            'service.istio.io/canonical-name': kind.name,
            'service.istio.io/canonical-revision': ctx.revision ?? 'latest',
          },
          annotations: {
            [LABEL_REV]: ctx.revisionLabel,
            'prometheus.io/path': '/stats/prometheus',
            'prometheus.io/port': '15020',
            'prometheus.io/scrape': 'true',
            [LABEL_INJECT]: 'false',
          },
        },
        spec: {
          serviceAccountName,
          securityContext: {
            runAsUser: 1337,
            runAsGroup: 1337,
            runAsNonRoot: true,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [proxyContainer(ctx, kind)],
          volumes: proxyVolumes(ctx, kind),
        },
      },
    },
  });

  new k8s.KubeService(scope, `${kind.idPrefix}Service`, {
    metadata: { ...metadata, labels },
    spec: {
      type: kind.serviceType,
      selector,
      ports: kind.ports.map((p) => ({
        name: p.name,
        port: p.port,
        protocol: 'TCP',
        targetPort: k8s.IntOrString.fromNumber(p.targetPort),
      })),
    },
  });

  if (ctx.gatewayAutoscale) {
    new k8s.KubeHorizontalPodAutoscalerV2(scope, `${kind.idPrefix}Autoscaler`, {
      metadata: { ...metadata, labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: kind.name },
        minReplicas: ctx.gatewayAutoscale.min,
        maxReplicas: ctx.gatewayAutoscale.max,
        metrics: [{
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: ctx.gatewayAutoscale.cpuUtilization } },
        }],
      },
    });
  }
}

/** The gateway's Envoy + istio-agent container, spelled out in full (the pod is not injected). */
function proxyContainer(ctx: InstallContext, kind: GatewayKind): k8s.Container {
  const certPrefix = kind.istio;
  return {
    name: 'istio-proxy',
    image: image(ctx, 'proxyv2'),
    imagePullPolicy: ctx.imagePullPolicy,
    args: [
      'proxy',
      'router',
      '--domain', `$(POD_NAMESPACE).svc.${ctx.clusterDomain}`,
      '--proxyLogLevel=warning',
      '--proxyComponentLogLevel=misc:error',
      '--log_output_level=default:info',
    ],
    ports: [
      ...kind.ports.map((p) => ({ containerPort: p.targetPort, protocol: 'TCP' })),
      { containerPort: ENVOY_PROM_PORT, name: 'http-envoy-prom', protocol: 'TCP' },
    ],
    readinessProbe: {
      httpGet: { path: '/healthz/ready', port: k8s.IntOrString.fromNumber(STATUS_PORT), scheme: 'HTTP' },
      initialDelaySeconds: 1,
      periodSeconds: 2,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 30,
    },
    env: gatewayProxyEnv({
      name: kind.name,
      namespace: ctx.namespace,
      // gatewayProxyEnv writes it as CA_ADDR: the external CA when there is one.
      istiodAddress: caAddress(ctx),
      trustDomain: ctx.trustDomain,
      meshId: ctx.meshId ?? ctx.trustDomain,
      clusterName: ctx.clusterName,
      network: ctx.network,
    }),
    resources: toKubeResources(ctx.gatewayResources),
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      ...GATEWAY_PROXY_MOUNTS,
      { name: `${certPrefix}-certs`, mountPath: `/etc/istio/${certPrefix}-certs`, readOnly: true },
      { name: `${certPrefix}-ca-certs`, mountPath: `/etc/istio/${certPrefix}-ca-certs`, readOnly: true },
    ],
  };
}

function proxyVolumes(ctx: InstallContext, kind: GatewayKind): k8s.Volume[] {
  return [
    ...gatewayProxyVolumes(`istio${ctx.revSuffix}`, false),
    { name: `${kind.istio}-certs`, secret: { secretName: `${kind.name}-certs`, optional: true } },
    { name: `${kind.istio}-ca-certs`, secret: { secretName: `${kind.name}-ca-certs`, optional: true } },
  ];
}
