import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { componentLabels, InstallContext } from './context';
import { AGENTGATEWAY_TEMPLATE, KUBE_GATEWAY_TEMPLATE, WAYPOINT_TEMPLATE } from './gateway-templates';
import { GRPC_AGENT_TEMPLATE, GRPC_SIMPLE_TEMPLATE } from './grpc-templates';
import { GATEWAY_TEMPLATE, SIDECAR_TEMPLATE } from './injection-templates';
import { configMapYaml } from './yaml-text';
import { CertificateAuthorityType } from '../../certificate-authority';

/**
 * Guard template: an istiod that does not understand `templates` would try to render this and
 * fail loudly instead of injecting something half-configured.
 */
const VERSION_GUARD = '{{ Template_Version_And_Istio_Version_Mismatched_Check_Installation }}';

/**
 * The `values` document the injection templates read as `.Values`. It has the shape of the Helm
 * values of the istio-discovery chart (global, pilot, sidecarInjectorWebhook, gateways, revision),
 * because istiod parses it into that schema; unknown fields are tolerated, wrong types are not.
 */
export function injectorValues(ctx: InstallContext): Record<string, unknown> {
  const resources = (spec: InstallContext['proxyResources']) => ({
    ...(spec.limits ? { limits: spec.limits } : {}),
    ...(spec.requests ? { requests: spec.requests } : {}),
  });
  return {
    gateways: { seccompProfile: {}, securityContext: {} },
    global: {
      caAddress: ctx.certificateAuthority.address ?? '',
      caName: '',
      certSigners: [],
      configCluster: false,
      configValidation: true,
      defaultPodDisruptionBudget: { enabled: true },
      defaultResources: { requests: { cpu: '10m' } },
      externalIstiod: false,
      hub: ctx.hub,
      imagePullPolicy: ctx.imagePullPolicy ?? '',
      imagePullSecrets: [],
      istioNamespace: ctx.namespace,
      istiod: { enableAnalysis: false },
      logAsJson: false,
      logging: { level: 'default:info' },
      meshID: ctx.meshId ?? '',
      meshNetworks: {},
      mountMtlsCerts: false,
      multiCluster: { clusterName: ctx.clusterName === 'Kubernetes' ? '' : ctx.clusterName },
      nativeNftables: false,
      network: ctx.network ?? '',
      networkPolicy: { enabled: false },
      omitSidecarInjectorConfigMap: false,
      operatorManageWebhooks: false,
      pilotCertProvider: 'istiod',
      priorityClassName: '',
      proxy: {
        autoInject: 'enabled',
        clusterDomain: ctx.clusterDomain,
        componentLogLevel: 'misc:error',
        excludeIPRanges: '',
        excludeInboundPorts: '',
        excludeOutboundPorts: '',
        holdApplicationUntilProxyStarts: ctx.holdApplicationUntilProxyStarts,
        image: 'proxyv2',
        includeIPRanges: '*',
        includeInboundPorts: '*',
        includeOutboundPorts: '',
        logLevel: 'warning',
        outlierLogPath: '',
        privileged: false,
        readinessFailureThreshold: 4,
        readinessInitialDelaySeconds: 0,
        readinessPeriodSeconds: 15,
        resources: resources(ctx.proxyResources),
        seccompProfile: {},
        startupProbe: { enabled: true, failureThreshold: 600 },
        statusPort: 15020,
        tracer: 'none',
      },
      proxy_init: { forceApplyIptables: false, image: 'proxyv2' },
      remotePilotAddress: '',
      resourceScope: 'all',
      sds: { token: { aud: 'istio-ca' } },
      sts: { servicePort: 0 },
      tag: ctx.tag,
      variant: ctx.imageVariant ?? '',
      // Waypoints istiod deploys (template `waypoint`): Istio 1.30's defaults.
      waypoint: {
        affinity: {},
        nodeSelector: {},
        resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
        tolerations: [],
        topologySpreadConstraints: [],
      },
    },
    pilot: {
      cni: { ...(ctx.ambient ? { ambient: { enabled: true } } : {}), enabled: ctx.cni, provider: 'default' },
      env: istiodExtraEnv(ctx),
    },
    revision: ctx.revision ?? '',
    sidecarInjectorWebhook: {
      alwaysInjectSelector: [],
      defaultTemplates: [],
      enableNamespacesByDefault: false,
      injectedAnnotations: {},
      neverInjectSelector: [],
      reinvocationPolicy: 'Never',
      rewriteAppHTTPProbe: true,
      templates: {},
    },
  };
}

/**
 * istiod's environment beyond the fixed entries, as istioctl's `pilot.env`: `istiodEnv`,
 * `ENABLE_CA_SERVER=false` when an external CA signs, `PILOT_ENABLE_AMBIENT=true` in ambient mode.
 */
export function istiodExtraEnv(ctx: InstallContext): Record<string, string> {
  const env: Record<string, string> = { ...ctx.istiodEnv };
  if (ctx.certificateAuthority.type === CertificateAuthorityType.EXTERNAL) env.ENABLE_CA_SERVER = 'false';
  if (ctx.ambient) env.PILOT_ENABLE_AMBIENT = 'true';
  return env;
}

/**
 * Every template of Istio 1.30's installer, in istioctl's order: the pod templates (`sidecar`,
 * `gateway`, `grpc-simple`, `grpc-agent`) and the ones istiod's Gateway API deployment controller
 * renders whole objects from (`waypoint`, `kube-gateway`, `agentgateway`).
 */
export const INJECTION_TEMPLATES: Readonly<Record<string, string>> = {
  'sidecar': SIDECAR_TEMPLATE,
  'gateway': GATEWAY_TEMPLATE,
  'grpc-simple': GRPC_SIMPLE_TEMPLATE,
  'grpc-agent': GRPC_AGENT_TEMPLATE,
  'waypoint': WAYPOINT_TEMPLATE,
  'kube-gateway': KUBE_GATEWAY_TEMPLATE,
  'agentgateway': AGENTGATEWAY_TEMPLATE,
};

/** The injector `config` document: policy, selectors and our templates. */
export function injectorConfig(): Record<string, unknown> {
  return {
    policy: 'enabled',
    defaultTemplates: ['sidecar'],
    alwaysInjectSelector: [],
    neverInjectSelector: [],
    injectedAnnotations: {},
    template: VERSION_GUARD,
    templates: { ...INJECTION_TEMPLATES },
  };
}

/**
 * ConfigMap `istio-sidecar-injector[-<rev>]` (keys `config` and `values`) and the debug-only
 * ConfigMap `values[-<rev>]` that records the settings the control plane was rendered with.
 * Without the injector ConfigMap istiod serves no `/inject` endpoint and every pod in an
 * injection-enabled namespace is rejected (istio-reference.md §4.1).
 */
export function renderInjector(scope: Construct, ctx: InstallContext): void {
  const labels = componentLabels(ctx, 'istiod', 'Pilot');
  const values = injectorValues(ctx);
  new k8s.KubeConfigMap(scope, 'SidecarInjectorConfig', {
    metadata: { name: `istio-sidecar-injector${ctx.revSuffix}`, namespace: ctx.namespace, labels },
    data: {
      config: configMapYaml(injectorConfig(), { lineWidth: 0 }),
      values: JSON.stringify(values, undefined, 2),
    },
  });

  const original = {
    global: {
      hub: ctx.hub,
      tag: ctx.tag,
      istioNamespace: ctx.namespace,
      ...(ctx.certificateAuthority.address ? { caAddress: ctx.certificateAuthority.address } : {}),
    },
    pilot: { cni: { enabled: ctx.cni } },
    profile: ctx.profile,
    revision: ctx.revision ?? '',
  };
  new k8s.KubeConfigMap(scope, 'Values', {
    metadata: {
      name: `values${ctx.revSuffix}`,
      namespace: ctx.namespace,
      labels,
      annotations: { 'kubernetes.io/description': 'Settings this control plane was synthesized with by cdk8s-istio. For debugging only: editing it changes nothing.' },
    },
    data: {
      'original-values': JSON.stringify(original, undefined, 2),
      'merged-values': JSON.stringify(values, undefined, 2),
    },
  });
}
