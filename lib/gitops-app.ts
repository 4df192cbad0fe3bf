import * as path from 'path';
import { AppProps, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ArgoCdIgnoreDifference } from './argo-cd';
import { CanaryRelease } from './canary-release';
import { MeshApp, MeshAppProps } from './mesh-app';
import { MeshInstallation } from './mesh-installation';
import { MeshValidationError } from './private/errors';
import {
  argoCdManifest, normaliseIgnoreDifferences, normaliseSyncOptions, ResolvedArgoCd, RESPECT_IGNORE_DIFFERENCES,
} from './private/gitops/argocd';
import { checkFileCollisions, generatedYaml, KUSTOMIZATION_FILE, kustomization } from './private/gitops/layout';
import { stampArgoCdAnnotations, SYNC_WAVES } from './private/gitops/sync-waves';
import { reportingOf } from './private/synth/reporting';
import { recordsConstructMetadata, renderApp, writeOutput } from './private/synth/synthesize';

/**
 * A cluster an ApplicationSet deploys the app to.
 */
export interface ArgoCdCluster {
  /** Short name of the cluster; the generated Application is named `<application name>-<name>`. */
  readonly name: string;
  /** API server URL of the cluster, as registered in Argo CD, e.g. `https://kubernetes.default.svc`. */
  readonly server: string;
}

/**
 * The Argo CD Application (or ApplicationSet) `GitOpsApp` writes to `argocd/application.yaml`.
 *
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/application-specification/
 */
export interface ArgoCdApplicationOptions {
  /**
   * Name of the Application (or ApplicationSet).
   * @default 'mesh-platform'
   */
  readonly name?: string;
  /**
   * Namespace Argo CD runs in, where the Application is created.
   * @default 'argocd'
   */
  readonly namespace?: string;
  /**
   * Argo CD project.
   * @default 'default'
   */
  readonly project?: string;
  /** URL of the Git repository holding the synthesized output, as Argo CD clones it. */
  readonly repoUrl: string;
  /**
   * Branch, tag or commit Argo CD follows.
   * @default 'HEAD'
   */
  readonly targetRevision?: string;
  /**
   * Path of the synthesized output folder (the app's `outdir`) inside the repository, e.g. `dist`.
   * Argo CD finds the root `kustomization.yaml` there.
   */
  readonly path: string;
  /**
   * Deploy to these clusters: an ApplicationSet with a list generator, one Application per cluster.
   * @default - one Application deploying to the cluster Argo CD runs in (`https://kubernetes.default.svc`)
   */
  readonly clusters?: ArgoCdCluster[];
}

/**
 * Props of `GitOpsApp`: cdk8s' `AppProps`, what synthesis prints on stderr (`MeshAppProps`) and
 * the Argo CD options.
 */
export interface GitOpsAppProps extends MeshAppProps {
  /**
   * Write `argocd/application.yaml`, the Argo CD Application (or ApplicationSet) of the output.
   * @default - no Application is written; the folders and kustomizations are
   */
  readonly argoCd?: ArgoCdApplicationOptions;
  /**
   * Stamp `argocd.argoproj.io/sync-wave` on every object (see `GitOpsApp`). Waves the app already
   * sets are kept.
   * @default true
   */
  readonly syncWaves?: boolean;
}

/** Scope of the errors about the app's own props (the App's construct path is empty). */
const APP_SCOPE = { node: { path: 'GitOpsApp' } } as unknown as IConstruct;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A cdk8s App that writes its output the way Argo CD syncs an Istio platform reliably:
 *
 * - one folder per chart, one file per object (`YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE`),
 *   a `kustomization.yaml` in each chart folder and one at the root listing the chart folders;
 * - `argocd.argoproj.io/sync-wave` on every object, so Argo CD installs CRDs, Namespaces, the
 *   control plane, gateways, mesh policies, then workloads and routing, each wave healthy before
 *   the next (`WAVE_*` below); waves set by the app are kept;
 * - `argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true` on every custom resource
 *   whose CRD the app itself emits (merged into sync options already set);
 * - with `argoCd`, `argocd/application.yaml`: an Application (or an ApplicationSet, one
 *   Application per cluster) with automated sync (prune, self-heal, retries), the `ignoreDifferences` of
 *   every MeshInstallation and CanaryRelease of the app, and their sync options. It is not part of
 *   the root kustomization: apply it once (`kubectl apply -n argocd -f <outdir>/argocd/application.yaml`).
 *
 * Output is deterministic: the same app writes byte-identical files. Synthesis is `MeshApp`'s one
 * pass (validated once, each object rendered once; the chart files are byte-identical to cdk8s'
 * own), with its stderr summary at platform scale.
 *
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
 */
export class GitOpsApp extends MeshApp {
  /** Sync wave of CustomResourceDefinitions. */
  public static readonly WAVE_CUSTOM_RESOURCE_DEFINITIONS: number = SYNC_WAVES.CRDS;
  /** Sync wave of Namespaces. */
  public static readonly WAVE_NAMESPACES: number = SYNC_WAVES.NAMESPACES;
  /**
   * Sync wave of the rest of what a `MeshInstallation` emits: istiod, RBAC, webhooks, ConfigMaps,
   * istio-cni. Argo CD waits for istiod to be healthy before the next wave, so the validating
   * webhook (pinned to `failurePolicy: Fail`) is served before any Istio resource is applied.
   */
  public static readonly WAVE_CONTROL_PLANE: number = SYNC_WAVES.CONTROL_PLANE;
  /** Sync wave of `IngressGateway`, `EgressGateway`, `EastWestGateway`, the profile gateways and any `Gateway` kind. */
  public static readonly WAVE_GATEWAYS: number = SYNC_WAVES.GATEWAYS;
  /**
   * Sync wave of PeerAuthentication, AuthorizationPolicy, RequestAuthentication, Sidecar,
   * Telemetry, EnvoyFilter, ProxyConfig and NetworkPolicy (outside gateway constructs).
   */
  public static readonly WAVE_MESH_POLICIES: number = SYNC_WAVES.MESH_POLICIES;
  /** Sync wave of everything else: workloads, Services, routing, monitors. */
  public static readonly WAVE_WORKLOADS: number = SYNC_WAVES.WORKLOADS;

  private static resolveProps(props: GitOpsAppProps): AppProps {
    const wanted = YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE;
    if (props.yamlOutputType !== undefined && props.yamlOutputType !== wanted) {
      throw new MeshValidationError(APP_SCOPE, "'yamlOutputType' must be YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, "
        + `got YamlOutputType.${YamlOutputType[props.yamlOutputType] ?? props.yamlOutputType}: Argo CD syncs one kustomization per chart folder; `
        + "omit 'yamlOutputType' (GitOpsApp sets it), or use a plain App for another layout");
    }
    return { ...props, yamlOutputType: wanted };
  }

  /** Whether sync waves are stamped. */
  public readonly syncWaves: boolean;
  private readonly argoCd?: ResolvedArgoCd;

  constructor(props: GitOpsAppProps = {}) {
    super(GitOpsApp.resolveProps(props));
    this.syncWaves = props.syncWaves ?? true;
    this.argoCd = props.argoCd ? resolveArgoCd(props.argoCd) : undefined;
  }

  /**
   * The `ignoreDifferences` of the Application: for each MeshInstallation, the `caBundle` istiod
   * writes into its webhook configurations; for each CanaryRelease, the fields its controller
   * changes. Sorted and deduplicated.
   */
  public get argoCdIgnoreDifferences(): ArgoCdIgnoreDifference[] {
    const all: ArgoCdIgnoreDifference[] = [];
    for (const c of this.node.findAll()) {
      if (c instanceof MeshInstallation || c instanceof CanaryRelease) all.push(...c.argoCdIgnoreDifferences);
    }
    return normaliseIgnoreDifferences(all);
  }

  /**
   * The sync options of the Application: `RespectIgnoreDifferences=true` when there are
   * `ignoreDifferences`, plus those of every CanaryRelease. Sorted and deduplicated.
   */
  public get argoCdSyncOptions(): string[] {
    const all: string[] = [];
    if (this.argoCdIgnoreDifferences.length > 0) all.push(RESPECT_IGNORE_DIFFERENCES);
    for (const c of this.node.findAll()) {
      if (c instanceof CanaryRelease) all.push(...c.argoCdSyncOptions);
    }
    return normaliseSyncOptions(all);
  }

  /**
   * Stamps the Argo CD annotations, renders every chart into its folder in one pass (validating
   * the app first), adds the kustomizations and the Argo CD Application, then writes it all:
   * nothing is written when validation fails, or when two objects of one chart would be written
   * to the same file (same kind and name, e.g. in two namespaces).
   */
  public synth(): void {
    checkFileCollisions(this, this.outputFileExtension);
    stampArgoCdAnnotations(this, this.syncWaves);
    const output = renderApp(this, {
      yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE,
      outputFileExtension: this.outputFileExtension,
      recordConstructMetadata: recordsConstructMetadata(this),
    }, reportingOf('GitOpsApp', this._reporting));
    for (const c of output.charts) output.files.set(path.join(c.name, KUSTOMIZATION_FILE), kustomization([...new Set(c.files)]));
    output.files.set(KUSTOMIZATION_FILE, kustomization(output.charts.map((c) => c.name)));
    if (this.argoCd) {
      output.dirs.push('argocd');
      const manifest = argoCdManifest(this.argoCd, this.argoCdIgnoreDifferences, this.argoCdSyncOptions);
      output.files.set(path.join('argocd', 'application.yaml'), generatedYaml(manifest));
    }
    writeOutput(this.outdir, output);
  }

  /**
   * The app's objects as one YAML string, with the Argo CD annotations stamped (the Application is
   * not included: `synth()` writes it).
   */
  public synthYaml(): string {
    stampArgoCdAnnotations(this, this.syncWaves);
    return super.synthYaml();
  }
}

function resolveArgoCd(o: ArgoCdApplicationOptions): ResolvedArgoCd {
  const fail = (msg: string): never => {
    throw new MeshValidationError(APP_SCOPE, msg);
  };
  const name = o.name ?? 'mesh-platform';
  const namespace = o.namespace ?? 'argocd';
  const project = o.project ?? 'default';
  const targetRevision = o.targetRevision ?? 'HEAD';
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
    fail(`'argoCd.name' must be a DNS subdomain (lowercase letters, digits, '-', '.'), got "${name}"; e.g. 'mesh-platform'`);
  }
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) {
    fail(`'argoCd.namespace' must be a namespace name (lowercase letters, digits, '-'), got "${namespace}"; use the namespace Argo CD runs in, e.g. 'argocd'`);
  }
  if (project.trim() === '') fail("'argoCd.project' must not be empty; omit it for Argo CD's 'default' project");
  if (targetRevision.trim() === '') fail("'argoCd.targetRevision' must not be empty; omit it to follow 'HEAD'");
  if (typeof o.repoUrl !== 'string' || o.repoUrl.trim() === '') {
    fail(`'argoCd.repoUrl' must be the Git URL Argo CD clones, got ${JSON.stringify(o.repoUrl)}; e.g. 'https://github.com/acme/platform.git'`);
  }
  const p = typeof o.path === 'string' ? o.path.replace(/\/+$/, '') : '';
  if (p === '' || p.startsWith('/') || p.split('/').includes('..')) {
    fail(`'argoCd.path' must be the path of the synthesized folder relative to the repository root, got ${JSON.stringify(o.path)}; e.g. 'dist'`);
  }
  let clusters: ResolvedArgoCd['clusters'];
  if (o.clusters !== undefined) {
    if (o.clusters.length === 0) fail("'argoCd.clusters' is empty; list at least one cluster, or omit it to deploy to the cluster Argo CD runs in");
    const seen = new Set<string>();
    o.clusters.forEach((c, i) => {
      if (!DNS_LABEL.test(c.name ?? '') || `${name}-${c.name}`.length > 253) {
        fail(`'argoCd.clusters[${i}].name' must be a DNS label (lowercase letters, digits, '-'), got ${JSON.stringify(c.name)}; e.g. 'prod-eu'`);
      }
      if (seen.has(c.name)) fail(`'argoCd.clusters[${i}].name' "${c.name}" is listed twice; each cluster needs its own name`);
      seen.add(c.name);
      if (typeof c.server !== 'string' || !/^https?:\/\/\S+$/.test(c.server)) {
        fail(`'argoCd.clusters[${i}].server' must be the cluster's API server URL, got ${JSON.stringify(c.server)}; e.g. 'https://kubernetes.default.svc'`);
      }
    });
    clusters = o.clusters.map((c) => ({ name: c.name, server: c.server }));
  }
  return { name, namespace, project, repoUrl: o.repoUrl, targetRevision, path: p, clusters };
}
