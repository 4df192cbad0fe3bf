import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { EastWestGateway } from '../../east-west-gateway';
import { EgressGateway } from '../../egress-gateway';
import { IngressGateway } from '../../ingress-gateway';
import { MeshInstallation } from '../../mesh-installation';
import { LABEL_COMPONENT } from '../labels';

/** Annotation Argo CD orders a sync by: lower waves are applied first, and healthy, before higher ones. */
export const ANNOTATION_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** Annotation with per-object sync options, comma-separated. */
export const ANNOTATION_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Sync option that lets Argo CD skip the dry-run of a custom resource whose CRD is not served yet. */
export const SKIP_DRY_RUN_ON_MISSING_RESOURCE = 'SkipDryRunOnMissingResource=true';

/**
 * The waves, lowest first. Argo CD waits until every object of a wave is healthy before it applies
 * the next one, so istiod (a Deployment, healthy once ready) serves its webhooks before any Istio
 * custom resource reaches the validating webhook, which we pin to `failurePolicy: Fail`.
 */
export const SYNC_WAVES = {
  /** CustomResourceDefinitions: every custom resource needs its CRD first. */
  CRDS: -3,
  /** Namespaces: every namespaced object needs its namespace. */
  NAMESPACES: -2,
  /** The rest of what a MeshInstallation emits: istiod, RBAC, webhooks, ConfigMaps, istio-cni. */
  CONTROL_PLANE: -1,
  /** Gateway constructs, the profile's gateways, and any `Gateway` kind. */
  GATEWAYS: 0,
  /** Mesh and network policies, before the workloads they protect start. */
  MESH_POLICIES: 1,
  /** Everything else: workloads, Services, routing (VirtualService, DestinationRule...), monitors. */
  WORKLOADS: 2,
} as const;

/** Values of `operator.istio.io/component` on the objects of the profile gateways of MeshInstallation. */
const PROFILE_GATEWAY_COMPONENTS = new Set(['IngressGateways', 'EgressGateways']);

/** `group/kind` of the Gateway kinds (Istio and Kubernetes Gateway API). */
const GATEWAY_KINDS = new Set(['networking.istio.io/Gateway', 'gateway.networking.k8s.io/Gateway']);

/** `group/kind` of the mesh policies. */
const POLICY_KINDS = new Set([
  'security.istio.io/PeerAuthentication',
  'security.istio.io/AuthorizationPolicy',
  'security.istio.io/RequestAuthentication',
  'networking.istio.io/Sidecar',
  'networking.istio.io/EnvoyFilter',
  'networking.istio.io/ProxyConfig',
  'telemetry.istio.io/Telemetry',
  'networking.k8s.io/NetworkPolicy',
]);

/** API group of an apiVersion: `apps/v1` -> `apps`, `v1` -> `` (core). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** True for a CustomResourceDefinition. */
export function isCrd(o: ApiObject): boolean {
  return o.kind === 'CustomResourceDefinition' && groupOf(o.apiVersion) === 'apiextensions.k8s.io';
}

/** The nearest ancestor of `o` that decides its wave: a gateway construct or a MeshInstallation. */
function owningConstruct(o: IConstruct): IConstruct | undefined {
  const scopes = o.node.scopes;
  for (let i = scopes.length - 2; i >= 0; i--) {
    const s = scopes[i];
    if (s instanceof IngressGateway || s instanceof EgressGateway || s instanceof EastWestGateway || s instanceof MeshInstallation) return s;
  }
  return undefined;
}

/**
 * The sync wave of an object: by kind for CRDs and Namespaces, then by the construct that emitted
 * it (gateway constructs; MeshInstallation, whose profile gateways carry
 * `operator.istio.io/component: IngressGateways|EgressGateways`), then by kind.
 */
export function syncWaveOf(o: ApiObject): number {
  const group = groupOf(o.apiVersion);
  const groupKind = `${group}/${o.kind}`;
  if (isCrd(o)) return SYNC_WAVES.CRDS;
  if (group === '' && o.kind === 'Namespace') return SYNC_WAVES.NAMESPACES;
  const owner = owningConstruct(o);
  if (owner instanceof MeshInstallation) {
    const component = o.metadata.getLabel(LABEL_COMPONENT);
    return component !== undefined && PROFILE_GATEWAY_COMPONENTS.has(component) ? SYNC_WAVES.GATEWAYS : SYNC_WAVES.CONTROL_PLANE;
  }
  if (owner !== undefined) return SYNC_WAVES.GATEWAYS;
  if (GATEWAY_KINDS.has(groupKind)) return SYNC_WAVES.GATEWAYS;
  if (POLICY_KINDS.has(groupKind)) return SYNC_WAVES.MESH_POLICIES;
  return SYNC_WAVES.WORKLOADS;
}

/** `group/kind` served by a CRD object (from its spec), or undefined when the spec does not say. */
function servedKind(crd: ApiObject): string | undefined {
  const spec = (crd.toJson() as { spec?: { group?: unknown; names?: { kind?: unknown } } }).spec;
  const group = spec?.group;
  const kind = spec?.names?.kind;
  return typeof group === 'string' && typeof kind === 'string' ? `${group}/${kind}` : undefined;
}

/** Sync options of an annotation value with `option` added unless an option of the same key is there. */
export function withSyncOption(existing: string | undefined, option: string): string {
  const options = (existing ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const key = option.split('=')[0];
  if (options.some((s) => s.split('=')[0] === key)) return options.join(',');
  return [...options, option].join(',');
}

/**
 * Stamps the Argo CD annotations on every ApiObject under `root`:
 * - `argocd.argoproj.io/sync-wave` (when `syncWaves`), unless the object already has one;
 * - `argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true` on every custom resource
 *   whose CRD is emitted by the same app, merged into existing sync options (an explicit
 *   `SkipDryRunOnMissingResource=...` is kept as it is).
 *
 * Idempotent: a second call changes nothing.
 */
export function stampArgoCdAnnotations(root: IConstruct, syncWaves: boolean): void {
  const objects = root.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  const crdKinds = new Set(objects.filter(isCrd).map(servedKind).filter((k): k is string => k !== undefined));
  for (const o of objects) {
    const annotations: { [key: string]: string } = o.metadata.toJson().annotations ?? {};
    if (syncWaves && annotations[ANNOTATION_SYNC_WAVE] === undefined) {
      o.metadata.addAnnotation(ANNOTATION_SYNC_WAVE, String(syncWaveOf(o)));
    }
    if (!isCrd(o) && crdKinds.has(`${groupOf(o.apiVersion)}/${o.kind}`)) {
      const merged = withSyncOption(annotations[ANNOTATION_SYNC_OPTIONS], SKIP_DRY_RUN_ON_MISSING_RESOURCE);
      if (merged !== annotations[ANNOTATION_SYNC_OPTIONS]) o.metadata.addAnnotation(ANNOTATION_SYNC_OPTIONS, merged);
    }
  }
}
