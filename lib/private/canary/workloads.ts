import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Strategy } from './strategy';
import { ResolvedWorkload } from './types';
import { validateLabelValue } from './validate';
import type { SplitLevel } from '../../canary-release';
import type { ReleaseWorkload } from '../../release-workload';
import { AppService, resolveService } from '../app-objects';
import { describeValue, MeshValidationError } from '../errors';
import { validateDnsLabel } from '../validate';

/** Labels Istio reads the canonical revision from, before `version`. */
const REVISION_LABELS = ['service.istio.io/canonical-revision', 'app.kubernetes.io/version'];
/** Deployment selector labels Flagger accepts (its default `-selector-labels`). */
const FLAGGER_SELECTOR_LABELS = ['app', 'name', 'app.kubernetes.io/name'];

/** One version, resolved and labelled. */
export interface ResolvedVersion {
  readonly version?: string;
  readonly deploymentName?: string;
  readonly selectorLabels: { [key: string]: string };
  readonly replicas?: number;
  readonly containerPort?: number;
  readonly description: string;
  /** The labels the pods carry once the release has labelled them. */
  readonly podLabels: { [key: string]: string };
}

/** Both versions, and the labels that select them. */
export interface ReleaseVersions {
  readonly namespace: string;
  readonly serviceName: string;
  readonly canary: ResolvedVersion;
  readonly stable?: ResolvedVersion;
  readonly stableSubsetLabels: { [key: string]: string };
  readonly canarySubsetLabels: { [key: string]: string };
  /** Selector of the Service clients call. */
  readonly serviceSelector: { [key: string]: string };
}

/** Inputs of `resolveWorkloads`. */
export interface WorkloadInputs {
  readonly canary: ReleaseWorkload;
  readonly stable?: ReleaseWorkload;
  readonly strategy: Strategy;
  /** The Service clients call (any construct whose API object is a Service). */
  readonly service?: IConstruct;
  readonly serviceName?: string;
  readonly splitLevel: SplitLevel;
}

/**
 * Resolves the workloads, checks that they can be told apart and selected, and labels the pods of
 * owned Deployments with `app` and `version`.
 */
export function resolveWorkloads(scope: IConstruct, inputs: WorkloadInputs): ReleaseVersions {
  const kind = inputs.strategy.kind;
  for (const prop of ['canary', 'stable'] as const) {
    const w = inputs[prop];
    if ((prop === 'canary' || (w !== undefined && w !== null)) && typeof (w as any)?._resolve !== 'function') {
      throw new MeshValidationError(scope, `'${prop}' must be a ReleaseWorkload, got ${describeValue(w, 'object')}; ` +
        `e.g. ReleaseWorkload.fromDeployment(${prop}Deployment) or ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'api', version: 'v2' }))`);
    }
  }
  const canary = inputs.canary._resolve(scope, 'canary');
  const stable = inputs.stable ? inputs.stable._resolve(scope, 'stable') : undefined;
  const service = inputs.service === undefined ? undefined : resolveService(scope, 'service', inputs.service,
    "omit 'service' to have the release create one, or pass the Service clients call");
  if (kind === 'static' && !stable) {
    throw new MeshValidationError(scope, "'stable' is required with ReleaseStrategy.staticWeight(): give the version serving now, " +
      'e.g. stable: ReleaseWorkload.fromDeployment(v1)');
  }
  if (kind !== 'static' && stable) {
    throw new MeshValidationError(scope, `'stable' must be omitted with ${kind === 'argo' ? 'Argo Rollouts' : 'Flagger'}: the controller keeps ` +
      "the previous pod template of 'canary' running as the stable version; keep one Deployment in Git and change its image to release");
  }
  if (stable && isSameWorkload(canary, stable)) {
    throw new MeshValidationError(scope, `'canary' and 'stable' are the same workload (${canary.description}); the canary must be a second ` +
      'Deployment running the new version');
  }

  const namespace = resolveNamespace(scope, canary, stable, service);
  const serviceName = inputs.serviceName ?? service?.name ?? canary.podLabels.app ?? canary.selectorLabels.app ?? stable?.podLabels.app;
  if (serviceName === undefined) {
    throw new MeshValidationError(scope, "'serviceName' is required: no 'service' is given and the pods carry no `app` label to name it after; " +
      "set serviceName: 'reviews'");
  }
  if (inputs.serviceName !== undefined && service && service.name !== inputs.serviceName) {
    throw new MeshValidationError(scope, `'serviceName' "${inputs.serviceName}" differs from the name of 'service' ("${service.name}"); omit serviceName`);
  }
  validateDnsLabel(scope, 'serviceName', serviceName);

  if (kind !== 'static' && canary.deploymentName === undefined) {
    throw new MeshValidationError(scope, `'canary' (${canary.description}) has no Deployment name, which ${kind === 'argo' ? "Argo Rollouts' workloadRef" : "Flagger's targetRef"} ` +
      "needs; pass ReleaseWorkload.fromSelector(selector, { deploymentName: '...' }) or a Deployment of this app");
  }

  const canaryVersion = versionOf(scope, canary, 'canary', kind);
  const stableVersion = stable ? versionOf(scope, stable, 'stable', kind) : undefined;
  if (stable && canaryVersion !== undefined && canaryVersion === stableVersion) {
    throw new MeshValidationError(scope, `'canary' and 'stable' are both version "${canaryVersion}", so no label tells their pods apart; ` +
      'give the canary its new version (ReleaseWorkload.fromDeployment(d, { version }) or a `version` label on its pods)');
  }

  let serviceSelector: { [key: string]: string } = { app: serviceName };
  if (kind === 'flagger') {
    const key = FLAGGER_SELECTOR_LABELS.find((k) => canary.selectorLabels[k] !== undefined);
    if (!key) {
      throw new MeshValidationError(scope, `'canary' (${canary.description}) must select its pods by \`app\`, \`name\` or \`app.kubernetes.io/name\` ` +
        `for Flagger (which derives the -primary selector from it), got ${JSON.stringify(canary.selectorLabels)}; create the Deployment with ` +
        `\`select: false\` and call deployment.select(kplus.LabelSelector.of({ labels: { app: '${serviceName}' } }))`);
    }
    serviceSelector = { [key]: canary.selectorLabels[key] };
  }

  const canaryResolved = label(scope, canary, 'canary', serviceName, canaryVersion);
  const stableResolved = stable ? label(scope, stable, 'stable', serviceName, stableVersion) : undefined;

  const subsetLabels = (w: ResolvedWorkload, v: ResolvedVersion) => {
    if (kind === 'argo') return { app: serviceName };
    return w.owned ? { app: serviceName, ...(v.version ? { version: v.version } : {}) } : { ...w.selectorLabels };
  };
  const canarySubsetLabels = subsetLabels(canary, canaryResolved);
  const stableSubsetLabels = stable ? subsetLabels(stable, stableResolved!) : { ...canarySubsetLabels };
  checkSelects(scope, 'subset "canary"', canarySubsetLabels, canaryResolved);
  if (stableResolved) {
    checkSelects(scope, 'subset "stable"', stableSubsetLabels, stableResolved);
    if (selects(stableSubsetLabels, canaryResolved.podLabels) || selects(canarySubsetLabels, stableResolved.podLabels)) {
      throw new MeshValidationError(scope, `the subsets cannot tell the versions apart: "stable" (${labelsText(stableSubsetLabels)}) and ` +
        `"canary" (${labelsText(canarySubsetLabels)}) select each other's pods; give the pods different \`version\` labels`);
    }
  }
  for (const v of [canaryResolved, stableResolved]) {
    if (v) checkSelects(scope, 'the Service selector', serviceSelector, v);
  }
  if (service) {
    const selector = service.selector;
    for (const v of [canaryResolved, stableResolved]) {
      if (v && (Object.keys(selector).length === 0 || !selects(selector, v.podLabels))) {
        throw new MeshValidationError(scope, `'service' "${service.name}" selects ${labelsText(selector) || 'nothing'}, which the pods of ` +
          `${v.description} do not carry, so requests routed to it would never reach them; make the Service select ` +
          `app=${serviceName} (service.selectLabel('app', '${serviceName}')), the label both versions share`);
      }
    }
  }
  return {
    namespace,
    serviceName,
    canary: canaryResolved,
    stable: stableResolved,
    stableSubsetLabels,
    canarySubsetLabels,
    serviceSelector,
  };
}

function isSameWorkload(a: ResolvedWorkload, b: ResolvedWorkload): boolean {
  if (a.object && a.object === b.object) return true;
  if (a.deploymentName !== undefined && a.deploymentName === b.deploymentName && a.namespace === b.namespace) return true;
  return !a.owned && !b.owned && labelsText(a.selectorLabels) === labelsText(b.selectorLabels);
}

function resolveNamespace(scope: IConstruct, canary: ResolvedWorkload, stable: ResolvedWorkload | undefined, service?: AppService): string {
  const candidates: Array<[string, string | undefined]> = [
    [`'canary' (${canary.description})`, canary.namespace],
    [`'stable' (${stable?.description})`, stable?.namespace],
    [`'service' "${service?.name}"`, service?.namespace],
  ];
  const known = candidates.filter(([, ns]) => ns !== undefined) as Array<[string, string]>;
  const namespace = known[0]?.[1] ?? Chart.of(scope).namespace;
  if (namespace === undefined) {
    throw new MeshValidationError(scope, 'the release has no namespace: set metadata.namespace on the Deployments (or the namespace of their chart)');
  }
  for (const [what, ns] of known) {
    if (ns !== namespace) {
      throw new MeshValidationError(scope, `${what} is in namespace "${ns}" but ${known[0][0]} is in "${namespace}"; ` +
        'a release routes within one namespace: put both versions and the Service in the same one');
    }
  }
  validateDnsLabel(scope, 'namespace', namespace);
  return namespace;
}

function versionOf(scope: IConstruct, w: ResolvedWorkload, role: 'stable' | 'canary', kind: Strategy['kind']): string | undefined {
  const found = w.explicitVersion ?? w.podLabels.version ?? w.podLabels['app.kubernetes.io/version'];
  const version = found ?? (kind === 'static' ? role : undefined);
  if (version === undefined && kind === 'argo') {
    throw new MeshValidationError(scope, `'${role}' (${w.description}) has no version: Argo Rollouts' analysis tells the canary's requests apart ` +
      "by it (destination_canonical_revision), and a version is never guessed from an image tag; pass ReleaseWorkload.fromDeployment(d, { version: '1.5.0' }) " +
      'or label the pods with `version` or `app.kubernetes.io/version`');
  }
  if (version !== undefined) {
    validateLabelValue(scope, `${role} version`, version, "pass a label-safe value: ReleaseWorkload.fromDeployment(d, { version: 'v2' })");
  }
  return version;
}

/** Adds `app` and `version` to the pods of an owned Deployment; checks the labels of others. */
function label(scope: IConstruct, w: ResolvedWorkload, role: string, app: string, version: string | undefined): ResolvedVersion {
  const pods = { ...w.podLabels };
  const conflict = (key: string, want: string) => {
    if (pods[key] !== undefined && pods[key] !== want) {
      throw new MeshValidationError(scope, `the pods of '${role}' (${w.description}) carry ${key}=${pods[key]}, but the release selects them by ` +
        `${key}=${want}, so its ${key === 'app' ? 'Service and subsets' : `"${role}" subset`} would select no pod of them; ` +
        (key === 'app' ? `set serviceName: '${pods[key]}', or change the pods' app label` : `pass { version: '${pods[key]}' } or change the label`));
    }
  };
  conflict('app', app);
  if (version !== undefined) {
    conflict('version', version);
    for (const key of REVISION_LABELS) conflict(key, version);
  }
  if (w.owned) {
    const missing = Object.entries({ app, ...(version !== undefined ? { version } : {}) }).filter(([k]) => pods[k] === undefined);
    if (missing.length > 0 && !w.addPodLabel) {
      const wanted = missing.map(([k, v]) => `${k}: '${v}'`).join(', ');
      throw new MeshValidationError(scope, `the pods of '${role}' (${w.description}) lack ${missing.map(([k, v]) => `${k}=${v}`).join(' and ')}, ` +
        `which the release selects them by, and only a cdk8s-plus Deployment's pods can be labelled by it; add { ${wanted} } to the ` +
        "Deployment's spec.template.metadata.labels");
    }
    for (const [k, v] of missing) {
      w.addPodLabel!(k, v);
      pods[k] = v;
    }
  } else if (pods.app === undefined) {
    throw new MeshValidationError(scope, `'${role}' (${w.description}) must select pods by app=${app} (the label the Service selects and Kiali ` +
      `groups by); add it: WorkloadSelector.fromLabels({ app: '${app}', ... })`);
  }
  return {
    version,
    deploymentName: w.deploymentName,
    selectorLabels: { ...w.selectorLabels },
    replicas: w.replicas,
    containerPort: w.containerPort,
    description: w.description,
    podLabels: pods,
  };
}

function selects(selector: { [key: string]: string }, pods: { [key: string]: string }): boolean {
  return Object.entries(selector).every(([k, v]) => pods[k] === v);
}

function checkSelects(scope: IConstruct, what: string, selector: { [key: string]: string }, v: ResolvedVersion): void {
  if (!selects(selector, v.podLabels)) {
    throw new MeshValidationError(scope, `${what} (${labelsText(selector)}) selects no pod of ${v.description}, whose pods carry ` +
      `${labelsText(v.podLabels)}; label the pods accordingly or select them by the labels they carry`);
  }
}

function labelsText(labels: { [key: string]: string }): string {
  return Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',');
}
