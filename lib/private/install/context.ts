import type { CaSpec } from './certificate-authority';
import { MeshProfile } from '../../mesh-profile';
import { DEFAULT_REVISION, LABEL_COMPONENT, LABEL_REV } from '../labels';

/** Istio release whose install this library reproduces. */
export const ISTIO_RELEASE = '1.30.3';

/** The Istio versions whose images this release can install (patch releases of ISTIO_RELEASE's minor), as a semver range. */
export const SUPPORTED_ISTIO_RANGE = `>=${ISTIO_RELEASE.split('.').slice(0, 2).join('.')}.0 <${ISTIO_RELEASE.split('.')[0]}.${Number(ISTIO_RELEASE.split('.')[1]) + 1}.0`;

/** Compute resources as Kubernetes quantities. */
export interface ResourceSpec {
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/** Autoscaling settings of a component; `undefined` in InstallContext means a fixed replica count. */
export interface AutoscaleSpec {
  readonly min: number;
  readonly max: number;
  readonly cpuUtilization: number;
}

/**
 * Everything the renderers under private/install need, resolved once from MeshInstallation
 * props and the profile. Renderers read only this; they never look at props.
 */
export interface InstallContext {
  readonly profile: MeshProfile;
  /** Namespace of the control plane (istio-system). */
  readonly namespace: string;
  /** The revision name, or undefined for the default (unrevisioned) install. */
  readonly revision?: string;
  /** Value of the `istio.io/rev` label: the revision or "default". */
  readonly revisionLabel: string;
  /** "" for the default install, "-<rev>" otherwise: appended to revisioned object names. */
  readonly revSuffix: string;
  readonly hub: string;
  readonly tag: string;
  /** Image pull policy for all containers; undefined leaves the Kubernetes default. */
  readonly imagePullPolicy?: string;
  /** Cluster DNS domain, e.g. cluster.local. */
  readonly clusterDomain: string;
  readonly trustDomain: string;
  readonly meshId?: string;
  readonly clusterName: string;
  readonly network?: string;
  readonly cni: boolean;
  /**
   * Ambient mode (MeshProfile.AMBIENT): ztunnel, the CNI agent in ambient mode, istiod's
   * `PILOT_ENABLE_AMBIENT`. Implies `cni`.
   */
  readonly ambient: boolean;
  /**
   * Image variant appended to every tag as `-<variant>` (istioctl's `global.variant`): `distroless`
   * for the ambient profile, undefined for Istio's default images.
   */
  readonly imageVariant?: string;
  /** Who signs workload certificates; `address` set = an external CA proxies call instead of istiod. */
  readonly certificateAuthority: CaSpec;

  /** istiod: `istiod` or `istiod-<rev>` (Deployment, Service, SA, Role, HPA, PDB). */
  readonly istiodName: string;
  /** istiod replicas when not autoscaled. */
  readonly istiodReplicas: number;
  readonly istiodAutoscale?: AutoscaleSpec;
  readonly istiodResources: ResourceSpec;
  /** Emit a PodDisruptionBudget for istiod (only meaningful with > 1 replica). */
  readonly istiodPdb: boolean;
  /** Extra istiod environment variables (PILOT_TRACE_SAMPLING etc. are set by the renderer). */
  readonly istiodEnv: Record<string, string>;
  readonly traceSampling: number;

  /** Sidecar proxy defaults (go into the injector values). */
  readonly proxyResources: ResourceSpec;
  readonly holdApplicationUntilProxyStarts: boolean;

  /** Gateways the profile installs with the legacy charts (ingress for default/demo, egress for demo). */
  readonly ingressGateway: boolean;
  readonly egressGateway: boolean;
  readonly gatewayAutoscale?: AutoscaleSpec;
  readonly gatewayResources: ResourceSpec;

  /** The mesh config YAML object (content of the `mesh` key of ConfigMap istio[-rev]). */
  readonly meshConfig: Record<string, unknown>;
}

/** `<hub>/<image>:<tag>`, or `<hub>/<image>:<tag>-<variant>` with an image variant. */
export function image(ctx: InstallContext, name: string): string {
  return `${ctx.hub}/${name}:${ctx.tag}${ctx.imageVariant ? `-${ctx.imageVariant}` : ''}`;
}

/** Suffix for cluster-scoped names: `-<ns>` or `-<rev>-<ns>` (e.g. istiod-clusterrole-canary-istio-system). */
export function clusterSuffix(ctx: InstallContext): string {
  return `${ctx.revSuffix}-${ctx.namespace}`;
}

/** The discovery / CA address sidecars use: `istiod[-rev].<ns>.svc:15012`. */
export function istiodAddress(ctx: InstallContext): string {
  return `${ctx.istiodName}.${ctx.namespace}.svc:15012`;
}

/** Where proxies send certificate signing requests (`CA_ADDR`): the external CA, or istiod. */
export function caAddress(ctx: InstallContext): string {
  return ctx.certificateAuthority.address ?? istiodAddress(ctx);
}

/**
 * Labels every object we emit carries. Installer-recording labels of Helm/istioctl
 * (helm.sh/chart, release, install.operator.istio.io/owning-resource) are not reproduced.
 */
export function baseLabels(name: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/part-of': 'istio',
    'app.kubernetes.io/managed-by': 'cdk8s-istio',
    'app.kubernetes.io/version': ISTIO_RELEASE,
  };
}

/** Labels of objects owned by an istioctl component (Pilot, IngressGateways, ...), with the functional `istio.io/rev`. */
export function componentLabels(ctx: InstallContext, name: string, component: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...baseLabels(name),
    [LABEL_COMPONENT]: component,
    [LABEL_REV]: ctx.revisionLabel,
    ...extra,
  };
}

export { DEFAULT_REVISION };
