/**
 * Check `kustomize`: the output of a GitOpsApp (a root `kustomization.yaml` listing one folder per
 * chart, each with its own `kustomization.yaml` listing its files) is what Argo CD builds with
 * kustomize. `kubectl kustomize` (kustomize as built into the suite's kubectl) builds the root
 * folder and every chart folder; each build must give exactly the objects of the YAML files it
 * covers, counted and named from the files themselves (not from the kustomizations), so a file
 * missing from a kustomization, an object duplicated across folders or a kustomization kustomize
 * rejects all fail. Runs for every example folder that holds a root `kustomization.yaml`; needs
 * no API server.
 */
import * as fs from 'fs';
import * as path from 'path';
import { errorMessageOf, Kubectl } from './kubectl';
import { identity, relativeFile } from './objects';
import { K8sObject, parseManifests, readManifests } from '../manifests';
import { Failure } from '../report';

/** One `kubectl kustomize` build: a folder, the objects its files hold and the objects kustomize built. */
export interface KustomizeBuild {
  /** Folder relative to the repo root. */
  readonly folder: string;
  readonly expected: number;
  /** Objects kustomize printed; undefined when it failed. */
  readonly built?: number;
  /** Built, and exactly the objects of the files. */
  readonly ok: boolean;
}

/** The kustomize check of one example. */
export interface KustomizeOutcome {
  readonly name: string;
  /** The root folder first, then the chart folders in name order. */
  readonly builds: readonly KustomizeBuild[];
  readonly failures: readonly Failure[];
  readonly seconds: number;
}

const KUSTOMIZATION = 'kustomization.yaml';

/** The YAML files of one folder (not recursive), kustomizations excluded, sorted. */
function objectFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && e.name !== KUSTOMIZATION)
    .map((e) => path.join(dir, e.name))
    .sort();
}

/** Identities that are in `a` more often than in `b`. */
function surplus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else out.push(x);
  }
  return out;
}

const show = (ids: readonly string[]): string => ids.slice(0, 10).map((i) => i.split('|').filter((p) => p !== '').join(' ')).join(', ')
  + (ids.length > 10 ? `, ... (${ids.length} in all)` : '');

/**
 * Builds the root folder and every chart folder of `example` with `kubectl kustomize` and compares
 * the objects; returns undefined when the example has no root kustomization.yaml.
 */
export async function checkKustomize(
  kubectl: Kubectl, repoRoot: string, example: { readonly name: string; readonly dir: string },
): Promise<KustomizeOutcome | undefined> {
  if (!fs.existsSync(path.join(example.dir, KUSTOMIZATION))) return undefined;
  const started = Date.now();
  const failures: Failure[] = [];
  const builds: KustomizeBuild[] = [];

  const chartDirs = fs.readdirSync(example.dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(example.dir, e.name, KUSTOMIZATION)))
    .map((e) => path.join(example.dir, e.name))
    .sort();
  const objectsOf = new Map<string, K8sObject[]>();
  for (const dir of chartDirs) {
    const objects: K8sObject[] = [];
    for (const f of objectFiles(dir)) {
      try {
        objects.push(...readManifests(f));
      } catch (e) {
        failures.push({ file: relativeFile(repoRoot, f), message: (e as Error).message });
      }
    }
    objectsOf.set(dir, objects);
  }
  // The root covers the chart folders; files directly in the root (none from GitOpsApp) count too.
  const rootObjects = [...chartDirs.flatMap((d) => objectsOf.get(d) ?? []), ...objectFiles(example.dir).flatMap((f) => {
    try {
      return readManifests(f);
    } catch (e) {
      failures.push({ file: relativeFile(repoRoot, f), message: (e as Error).message });
      return [];
    }
  })];

  for (const [dir, expectedObjects] of [[example.dir, rootObjects] as const, ...chartDirs.map((d) => [d, objectsOf.get(d) ?? []] as const)]) {
    const folder = relativeFile(repoRoot, dir);
    const file = `${folder}/${KUSTOMIZATION}`;
    const res = await kubectl.run(['kustomize', dir]);
    if (res.timedOut || res.status !== 0) {
      builds.push({ folder, expected: expectedObjects.length, ok: false });
      failures.push({ file, message: `kubectl kustomize failed: ${res.timedOut ? 'timed out' : errorMessageOf(res.stderr) || `exit ${res.status}`}` });
      continue;
    }
    let built: K8sObject[];
    try {
      built = parseManifests(res.stdout, `kubectl kustomize ${folder}`);
    } catch (e) {
      builds.push({ folder, expected: expectedObjects.length, ok: false });
      failures.push({ file, message: `kubectl kustomize printed what is not a list of objects: ${(e as Error).message}` });
      continue;
    }
    const want = expectedObjects.map((o) => identity(o));
    const got = built.map((o) => identity(o));
    const missing = surplus(want, got);
    const extra = surplus(got, want);
    const ok = built.length === expectedObjects.length && missing.length === 0 && extra.length === 0;
    builds.push({ folder, expected: expectedObjects.length, built: built.length, ok });
    if (!ok) {
      failures.push({
        file,
        message: `kubectl kustomize built ${built.length} objects, the files hold ${expectedObjects.length}`
          + (missing.length > 0 ? `; not built: ${show(missing)}` : '')
          + (extra.length > 0 ? `; built but in no file: ${show(extra)}` : ''),
      });
    }
  }
  return { name: example.name, builds, failures, seconds: (Date.now() - started) / 1000 };
}
