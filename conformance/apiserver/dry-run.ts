/**
 * Admission of every example by the real API server: `kubectl apply --server-side --dry-run=server`.
 *
 * What is persisted, deliberately:
 * - each example's CustomResourceDefinitions and Namespaces are applied for real first (and the CRDs
 *   awaited until Established), because a dry-run persists nothing: without them, every custom
 *   resource would fail with "no matches for kind" and every namespaced object with "namespaces ...
 *   not found" (the NamespaceLifecycle admission plugin);
 * - each of those namespaces gets the `default` ServiceAccount the controller-manager would create
 *   (none runs here), so that the ServiceAccount admission plugin judges a Pod as a cluster would;
 * - everything else is only dry-run, in particular the Mutating/ValidatingWebhookConfigurations:
 *   they point at istiod with failurePolicy Fail, no istiod runs here, and once stored they would
 *   send every later matching request to a service that is not there. (drift.ts stores the control
 *   plane's webhooks at the very end, after every dry-run.)
 *
 * Objects are sent one file at a time in one kubectl call. When that call reports an error or a
 * warning, every object of the file is sent again on its own, so each rejection and warning is
 * pinned to its object.
 */
import * as path from 'path';
import { Kubectl, applyArgs, errorMessageOf, listInput, parseKubectlJson, warningsOf } from './kubectl';
import { isPrerequisite, matchReturned, relativeFile } from './objects';
import { K8sObject, objectRef, readManifests } from '../manifests';

/** What the API server said about one object. */
export interface ObjectOutcome {
  /** File the object came from, relative to the repo root. */
  readonly file: string;
  /** `Kind namespace/name` or `Kind name`. */
  readonly object: string;
  readonly accepted: boolean;
  /** Applied for real (a prerequisite) rather than dry-run. */
  readonly persisted: boolean;
  /** The server's (or kubectl's) message when the object was rejected. */
  readonly message?: string;
  /** Warnings the server returned for the object (deprecated fields...). */
  readonly warnings: readonly string[];
  /** Of a kind whose CRD is a stub from external-crds.yaml: only metadata was checked. */
  readonly stubKind?: boolean;
}

/** One example's admission results. */
export interface ExampleOutcome {
  readonly name: string;
  readonly outcomes: readonly ObjectOutcome[];
  readonly seconds: number;
}

/** The server's answer for one object of an applyObjects() call. */
export interface ApplyAnswer {
  readonly returned?: K8sObject;
  readonly message?: string;
  readonly warnings: readonly string[];
}

/**
 * Applies `objects` (server-side, dry-run or for real) and returns one answer per object, in order.
 * Throws when kubectl hangs past its time limit.
 */
export async function applyObjects(kubectl: Kubectl, objects: readonly K8sObject[], dryRun: boolean): Promise<ApplyAnswer[]> {
  if (objects.length === 0) return [];
  const batch = await kubectl.run(applyArgs(dryRun), listInput(objects));
  if (batch.timedOut) throw new Error(`kubectl apply of ${objects.length} objects did not finish within ${kubectl.timeoutMs / 1000} s`);
  const returned = matchReturned(objects, safeParse(batch.stdout));
  const clean = batch.status === 0 && warningsOf(batch.stderr).length === 0 && returned.every((r) => r !== undefined);
  if (clean) return returned.map((r) => ({ returned: r, warnings: [] }));
  const answers: ApplyAnswer[] = [];
  for (const o of objects) {
    const one = await kubectl.run(applyArgs(dryRun), listInput([o]));
    if (one.timedOut) throw new Error(`kubectl apply of ${objectRef(o)} did not finish within ${kubectl.timeoutMs / 1000} s`);
    const [back] = matchReturned([o], safeParse(one.stdout));
    const accepted = one.status === 0 && back !== undefined;
    answers.push({
      returned: accepted ? back : undefined,
      message: accepted ? undefined : errorMessageOf(one.stderr) || `kubectl exited ${one.status} without a message`,
      warnings: warningsOf(one.stderr),
    });
  }
  return answers;
}

function safeParse(stdout: string): K8sObject[] {
  try {
    return parseKubectlJson(stdout);
  } catch {
    return [];
  }
}

/** Waits until the named CRDs are Established; returns kubectl's complaint, or undefined when they are. */
export async function waitEstablished(kubectl: Kubectl, crdNames: readonly string[], timeoutSeconds = 60): Promise<string | undefined> {
  if (crdNames.length === 0) return undefined;
  const res = await kubectl.run(['wait', '--for=condition=Established', `--timeout=${timeoutSeconds}s`, ...crdNames.map((n) => `customresourcedefinition/${n}`)]);
  return res.status === 0 ? undefined : errorMessageOf(res.stderr) || `kubectl wait exited ${res.status}`;
}

/** Field manager of the objects the suite creates in place of the missing controller-manager. */
export const STAND_IN_MANAGER = 'conformance-controller-manager-stand-in';

/**
 * Creates the `default` ServiceAccount in each namespace, as the controller-manager's ServiceAccount
 * controller would. Returns kubectl's complaint, or undefined.
 */
export async function createDefaultServiceAccounts(kubectl: Kubectl, namespaces: readonly string[]): Promise<string | undefined> {
  if (namespaces.length === 0) return undefined;
  const accounts = namespaces.map((namespace) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } }));
  const res = await kubectl.run(['apply', '--server-side', `--field-manager=${STAND_IN_MANAGER}`, '-f', '-'], listInput(accounts));
  return res.status === 0 ? undefined : errorMessageOf(res.stderr) || `kubectl apply exited ${res.status}`;
}

/**
 * Namespaces of Argo CD's own objects (Application, ApplicationSet, AppProject) that no Namespace
 * object of `objects` creates: Argo CD's installation creates its namespace. Sorted.
 */
export function argoCdNamespaces(objects: readonly K8sObject[]): string[] {
  const created = new Set(objects.filter((o) => o.kind === 'Namespace' && o.apiVersion === 'v1').map((o) => o.metadata.name));
  const argo = objects.filter((o) => o.apiVersion.startsWith('argoproj.io/') && ['Application', 'ApplicationSet', 'AppProject'].includes(o.kind));
  return [...new Set(argo.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined && !created.has(n)))].sort();
}

/** Creates namespaces a cluster would already have (see argoCdNamespaces). Returns kubectl's complaint, or undefined. */
export async function createStandInNamespaces(kubectl: Kubectl, namespaces: readonly string[]): Promise<string | undefined> {
  if (namespaces.length === 0) return undefined;
  const objects = namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  const res = await kubectl.run(['apply', '--server-side', `--field-manager=${STAND_IN_MANAGER}`, '-f', '-'], listInput(objects));
  return res.status === 0 ? undefined : errorMessageOf(res.stderr) || `kubectl apply exited ${res.status}`;
}

/** An example folder as run.ts finds it. */
export interface ExampleFolder {
  readonly name: string;
  readonly files: readonly string[];
}

/**
 * Admits one example: its CRDs and Namespaces for real, then every other object as a dry-run, file
 * by file in file order. `isStubKind` tells which objects only have a stub CRD.
 */
export async function admitExample(
  kubectl: Kubectl,
  repoRoot: string,
  example: ExampleFolder,
  isStubKind: (o: K8sObject) => boolean = () => false,
): Promise<ExampleOutcome> {
  const started = Date.now();
  const perFile: Array<{ file: string; objects: K8sObject[]; answers: Array<ObjectOutcome | undefined> }> = [];
  const outcomes: ObjectOutcome[] = [];
  for (const file of [...example.files].sort()) {
    const rel = relativeFile(repoRoot, file);
    try {
      const objects = readManifests(file);
      perFile.push({ file: rel, objects, answers: objects.map(() => undefined) });
    } catch (e) {
      outcomes.push({ file: rel, object: `(${path.basename(file)})`, accepted: false, persisted: false, message: (e as Error).message, warnings: [] });
    }
  }
  const record = (f: typeof perFile[number], indexes: number[], answers: ApplyAnswer[], persisted: boolean): void => {
    indexes.forEach((idx, i) => {
      const o = f.objects[idx];
      const a = answers[i];
      f.answers[idx] = {
        file: f.file,
        object: objectRef(o),
        accepted: a.returned !== undefined,
        persisted,
        message: a.message,
        warnings: a.warnings,
        stubKind: isStubKind(o) || undefined,
      };
    });
  };

  // 1. Prerequisites for real: CRDs and Namespaces (with their default ServiceAccount).
  const crdNames: string[] = [];
  const namespaces: string[] = [];
  for (const f of perFile) {
    const idx = f.objects.map((o, i) => (isPrerequisite(o) ? i : -1)).filter((i) => i >= 0);
    const answers = await applyObjects(kubectl, idx.map((i) => f.objects[i]), false);
    record(f, idx, answers, true);
    idx.forEach((i, n) => {
      if (!answers[n].returned) return;
      (f.objects[i].kind === 'Namespace' ? namespaces : crdNames).push(f.objects[i].metadata.name);
    });
  }
  const noAccounts = await createDefaultServiceAccounts(kubectl, namespaces);
  if (noAccounts) throw new Error(`cannot create the default ServiceAccounts of ${namespaces.join(', ')}: ${noAccounts}`);
  const notEstablished = await waitEstablished(kubectl, crdNames);
  if (notEstablished) {
    for (const f of perFile) {
      f.answers.forEach((a, i) => {
        if (a?.accepted && f.objects[i].kind === 'CustomResourceDefinition') {
          f.answers[i] = { ...a, accepted: false, message: `not Established within 60 s: ${notEstablished}` };
        }
      });
    }
  }

  // 2. Everything else as a dry-run.
  for (const f of perFile) {
    const idx = f.objects.map((o, i) => (isPrerequisite(o) ? -1 : i)).filter((i) => i >= 0);
    record(f, idx, await applyObjects(kubectl, idx.map((i) => f.objects[i]), true), false);
  }
  for (const f of perFile) outcomes.push(...f.answers.filter((a): a is ObjectOutcome => a !== undefined));
  return { name: example.name, outcomes, seconds: (Date.now() - started) / 1000 };
}
