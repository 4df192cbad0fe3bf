import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { parse } from 'yaml';
import { renderedByLibrary } from './ownership';

/** A synthesized object as the analyzer sees it: its manifest and where it comes from. */
export interface ManifestObject {
  readonly json: Record<string, any>;
  readonly kind: string;
  /** API group, `''` for the core group. */
  readonly group: string;
  readonly name: string;
  /** `metadata.namespace`, or `default` when unset (where `kubectl apply` puts it without `-n`). */
  readonly namespace: string;
  /** Construct path of the ApiObject. */
  readonly path: string;
  /** `Kind namespace/name`. */
  readonly ref: string;
  /** Rendered by one of this library's constructs, without JSON patches (see ownership.ts). */
  readonly fromLibrary: boolean;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** The pods a workload object runs, as far as the manifest says. */
export interface Workload {
  readonly object: ManifestObject;
  readonly namespace: string;
  readonly podLabels: Record<string, string>;
  readonly podAnnotations: Record<string, string>;
  readonly podSpec: Record<string, any>;
}

/** Workload kinds and where their pod template lives. */
export const POD_TEMPLATES: Record<string, (spec: any) => any> = {
  Deployment: (s) => s?.template,
  StatefulSet: (s) => s?.template,
  DaemonSet: (s) => s?.template,
  ReplicaSet: (s) => s?.template,
  Job: (s) => s?.template,
  CronJob: (s) => s?.jobTemplate?.spec?.template,
  Rollout: (s) => s?.template,
};

/** The Gateway API group. */
export const GATEWAY_API = 'gateway.networking.k8s.io';

/**
 * The Gateway API CRDs Istio 1.30 needs at a minimum bundle version (pkg/config/schema/gatewayapi):
 * resources of an older CRD are not processed.
 */
export const GATEWAY_API_MINIMUM_CRD_VERSIONS: Record<string, string> = {
  [`grpcroutes.${GATEWAY_API}`]: '1.1.0',
  [`backendtlspolicies.${GATEWAY_API}`]: '1.4.0',
  [`tlsroutes.${GATEWAY_API}`]: '1.5.0',
};

/** Kinds the rules read besides every `*.istio.io` kind: `group/kind`. */
const READ_KINDS = new Set([
  '/Service', '/Namespace', '/Pod',
  ...Object.keys(POD_TEMPLATES).flatMap((k) => [`apps/${k}`, `batch/${k}`, `argoproj.io/${k}`]),
  ...['Gateway', 'GatewayClass', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'ReferenceGrant'].map((k) => `${GATEWAY_API}/${k}`),
]);

/**
 * Whether a rule can read the object. Only those are rendered: rendering is the expensive part of an
 * analysis, and most objects of a platform (RBAC, CRDs, NetworkPolicies, ServiceAccounts, webhooks,
 * monitors) are never read by a rule.
 */
function readByRules(o: ApiObject): boolean {
  const group = o.apiGroup === 'core' ? '' : o.apiGroup;
  if (group.endsWith('.istio.io')) return true;
  if (group === '' && o.kind === 'ConfigMap') return /^istio(-.+)?$/.test(o.name);
  // CRDs are large: only the few whose version Istio checks are read.
  if (group === 'apiextensions.k8s.io' && o.kind === 'CustomResourceDefinition') return GATEWAY_API_MINIMUM_CRD_VERSIONS[o.name] !== undefined;
  return READ_KINDS.has(`${group}/${o.kind}`);
}

/** Mesh-wide settings read from the installation's `istio` ConfigMap (key `mesh`). */
export interface MeshSettings {
  readonly rootNamespace: string;
  readonly defaultAccessLogProviders: string[];
  readonly dnsAutoAllocate: boolean;
  /** Whether a mesh config was found in the app (otherwise Istio's defaults are assumed). */
  readonly fromApp: boolean;
}

/**
 * Everything the rules look at, built once per analysis from the app's ApiObjects: the objects by
 * kind, the namespaces the app declares, the workloads' pod templates and the mesh config.
 */
export class Manifest {
  /**
   * Builds the model of the ApiObjects among `all` that a rule reads. `externalNamespaces` exist but
   * are managed outside the app (their objects are unknown, references into them are not judged).
   */
  public static of(all: IConstruct[], externalNamespaces: Iterable<string> = []): Manifest {
    const objects: ManifestObject[] = [];
    const namespaces = new Set<string>();
    for (const c of all) {
      if (!ApiObject.isApiObject(c)) continue;
      if (c.metadata.namespace) namespaces.add(c.metadata.namespace);
      if (!readByRules(c)) continue;
      const json = c.toJson() as Record<string, any>;
      const meta = json.metadata ?? {};
      const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
      const name = String(meta.name ?? '');
      objects.push({
        json,
        kind: String(json.kind),
        group: c.apiGroup === 'core' ? '' : c.apiGroup,
        name,
        namespace,
        path: c.node.path,
        ref: `${json.kind} ${meta.namespace ? `${meta.namespace}/` : ''}${name}`,
        fromLibrary: renderedByLibrary(c),
        labels: meta.labels ?? {},
        annotations: meta.annotations ?? {},
      });
    }
    return new Manifest(objects, new Set(externalNamespaces), namespaces);
  }

  public readonly objects: ManifestObject[];
  /** Namespaces with a Namespace object in the app: the app owns what runs in them. */
  public readonly ownedNamespaces: Set<string>;
  public readonly workloads: Workload[];
  /** `workloads` by namespace, and Namespace objects by name (rules look them up per object). */
  public readonly workloadsByNamespace = new Map<string, Workload[]>();
  public readonly namespaceObjects = new Map<string, ManifestObject>();
  public readonly mesh: MeshSettings;
  private readonly kinds = new Map<string, ManifestObject[]>();

  /**
   * @param objectNamespaces the namespaces any object of the app (read by a rule or not) is in
   */
  private constructor(objects: ManifestObject[], public readonly externalNamespaces: Set<string>,
    public readonly objectNamespaces: Set<string>) {
    this.objects = objects;
    for (const o of objects) {
      const key = `${o.group}/${o.kind}`;
      const list = this.kinds.get(key);
      if (list) list.push(o);
      else this.kinds.set(key, [o]);
    }
    this.ownedNamespaces = new Set(this.ofKind('', 'Namespace').map((n) => n.name));
    this.workloads = this.findWorkloads();
    for (const w of this.workloads) this.workloadsByNamespace.set(w.namespace, [...(this.workloadsByNamespace.get(w.namespace) ?? []), w]);
    for (const n of this.ofKind('', 'Namespace')) this.namespaceObjects.set(n.name, n);
    this.mesh = this.findMeshSettings();
  }

  /** Objects of one group and kind, in app order. */
  public ofKind(group: string, kind: string): ManifestObject[] {
    return this.kinds.get(`${group}/${kind}`) ?? [];
  }

  /** Istio networking objects of a kind (`networking.istio.io`). */
  public networking(kind: string): ManifestObject[] {
    return this.ofKind('networking.istio.io', kind);
  }

  private findWorkloads(): Workload[] {
    const out: Workload[] = [];
    for (const o of this.objects) {
      let template: any;
      if (o.kind === 'Pod' && o.group === '') template = { metadata: o.json.metadata, spec: o.json.spec };
      else if (POD_TEMPLATES[o.kind] && (o.group === 'apps' || o.group === 'batch' || o.group === 'argoproj.io')) template = POD_TEMPLATES[o.kind](o.json.spec);
      if (!template) continue;
      out.push({
        object: o,
        namespace: o.namespace,
        podLabels: template.metadata?.labels ?? {},
        podAnnotations: template.metadata?.annotations ?? {},
        podSpec: template.spec ?? {},
      });
    }
    return out;
  }

  private findMeshSettings(): MeshSettings {
    const config = this.ofKind('', 'ConfigMap').find((c) => /^istio(-.+)?$/.test(c.name) && typeof c.json.data?.mesh === 'string'
      && c.labels['istio.io/rev'] !== undefined);
    let mesh: any = {};
    if (config) {
      try {
        mesh = parse(config.json.data.mesh) ?? {};
      } catch {
        mesh = {};
      }
    }
    const proxyMetadata = mesh.defaultConfig?.proxyMetadata ?? {};
    return {
      rootNamespace: mesh.rootNamespace ?? config?.namespace ?? 'istio-system',
      defaultAccessLogProviders: mesh.defaultProviders?.accessLogging ?? [],
      dnsAutoAllocate: proxyMetadata.ISTIO_META_DNS_CAPTURE === 'true'
        && (proxyMetadata.ISTIO_META_DNS_AUTO_ALLOCATE === 'true' || proxyMetadata.PILOT_ENABLE_IP_AUTOALLOCATE === 'true'),
      fromApp: config !== undefined,
    };
  }
}

/** Whether every `selector` label is on `labels` (an empty selector matches everything). */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector ?? {})) if (labels[k] !== v) return false;
  return true;
}

/** `k=v,k2=v2`, keys sorted: how Kubernetes prints a label selector. */
export function selectorString(selector: Record<string, string> | undefined): string {
  return Object.keys(selector ?? {}).sort().map((k) => `${k}=${selector![k]}`).join(',');
}

/** Canonical JSON (keys sorted) for comparing values. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as any)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
