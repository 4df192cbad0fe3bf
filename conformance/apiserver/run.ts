/**
 * Entry point of `npm run conformance:apiserver`: every example we synthesize, admitted by a real
 * kube-apiserver.
 *
 *   npm run conformance:apiserver                          # every example, drift check on mesh-default
 *   npm run conformance:apiserver -- zero-trust-agency     # only the named examples
 *   npm run conformance:apiserver -- canary-static.ambient # a variant (dist/examples/<example>.<variant>/)
 *   npm run conformance:apiserver -- --synth               # re-synthesize dist/examples first
 *   npm run conformance:apiserver -- --timeout=600         # overall limit once the binaries are built (s)
 *   npm run conformance:apiserver -- --examples-dir=DIR    # check DIR/<example>/*.yaml instead of dist/examples
 *
 * 1. Builds kube-apiserver, kubectl and etcd with Go into .cache/apiserver/bin when needed (build.ts).
 * 2. Synthesizes the examples into dist/examples when it holds none (`npx projen synth`).
 * 3. Starts etcd and kube-apiserver on 127.0.0.1 with fresh certificates and a token (server.ts).
 * 4. Installs stub CRDs for the third-party kinds in external-crds.yaml, then admits every example:
 *    CRDs and Namespaces for real, everything else with a server-side dry-run (dry-run.ts). Argo CD's
 *    own namespace, where an example's Application lives, is created first as a stand-in.
 * 5. Builds every example that holds a root kustomization.yaml (a GitOpsApp's output) with
 *    `kubectl kustomize`, the root and each chart folder, and compares the objects (kustomize.ts).
 * 6. Applies the control plane example for real and checks stored = sent and no drift (drift.ts).
 * 7. Stops both servers and removes the temporary directory, also on failure, Ctrl-C or timeout, then
 *    prints the report (report.ts). Exits 1 when an object was rejected or drifted, 2 when the suite
 *    itself could not run.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { ControlPlaneBinaries, ensureControlPlaneBinaries } from './build';
import { checkDrift } from './drift';
import { admitExample, applyObjects, argoCdNamespaces, createDefaultServiceAccounts, createStandInNamespaces, ExampleOutcome, waitEstablished } from './dry-run';
import { killAll } from './exec';
import { definedBy, isOfExternalKind, readExternalCrds, stubCrd } from './external-crds';
import { loadThirdPartyCrds } from '../third-party-crds';
import { Kubectl } from './kubectl';
import { checkKustomize, KustomizeOutcome } from './kustomize';
import { relativeFile } from './objects';
import { allFailures, printSuiteReport, SuiteFigures } from './report';
import { ControlPlane, startControlPlane } from './server';
import { K8sObject, readManifests } from '../manifests';
import { Failure } from '../report';
import { exampleFolders } from '../validate-analyze';

/** The example whose control plane is applied for real and checked for drift. */
export const DRIFT_EXAMPLE = 'mesh-default';

/** Default overall limit, counted from after the build (the build has its own limit). */
const DEFAULT_TIMEOUT_SECONDS = 900;

interface Options {
  readonly synth: boolean;
  readonly timeoutSeconds: number;
  readonly examples: readonly string[];
  /** Folder of example folders; undefined means dist/examples (synthesized when empty). */
  readonly examplesDir?: string;
}

function parseArgs(args: string[]): Options {
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  let examplesDir: string | undefined;
  const examples: string[] = [];
  for (const a of args) {
    const t = /^--timeout=(\d+)$/.exec(a);
    const d = /^--examples-dir=(.+)$/.exec(a);
    if (t) timeoutSeconds = Number(t[1]);
    else if (d) examplesDir = path.resolve(d[1]);
    else if (a === '--synth') continue;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}; known: --synth, --timeout=SECONDS, --examples-dir=DIR`);
    else examples.push(a);
  }
  return { synth: args.includes('--synth'), timeoutSeconds, examples, examplesDir };
}

function synthesizeExamples(repoRoot: string): Failure | undefined {
  console.error('apiserver: synthesizing the examples (npx projen synth)');
  const res = spawnSync('npx', ['projen', 'synth'], { cwd: repoRoot, stdio: 'inherit' });
  return res.status === 0 ? undefined : { file: 'examples/', message: `npx projen synth failed (exit ${res.status ?? res.error?.message}); see its output above` };
}

/** Installs CRDs (stubs or third-party) and waits for them; returns failures (one that does not install fails the run). */
async function installCrds(kubectl: Kubectl, crds: readonly K8sObject[], file: string, what: string): Promise<Failure[]> {
  if (crds.length === 0) return [];
  const answers = await applyObjects(kubectl, [...crds], false);
  const failures: Failure[] = [];
  answers.forEach((a, i) => {
    if (!a.returned) failures.push({ file, object: `CustomResourceDefinition ${crds[i].metadata.name}`, message: `${what} not accepted: ${a.message}` });
  });
  const notEstablished = await waitEstablished(kubectl, crds.filter((_, i) => answers[i].returned).map((c) => c.metadata.name));
  if (notEstablished) failures.push({ file, message: `${what}s not Established: ${notEstablished}` });
  return failures;
}

async function main(): Promise<number> {
  const repoRoot = path.resolve(__dirname, '..', '..');
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`apiserver: ${(e as Error).message}`);
    return 2;
  }
  const setupFailures: Failure[] = [];
  const notes: string[] = [];
  const examplesDone: ExampleOutcome[] = [];
  const kustomized: KustomizeOutcome[] = [];
  const figures: { -readonly [K in keyof SuiteFigures]: SuiteFigures[K] } = { examples: examplesDone, kustomize: kustomized, setupFailures, notes };
  const finish = (code?: number): number => {
    printSuiteReport(figures);
    return code ?? (allFailures(figures).length > 0 ? 1 : 0);
  };

  let bins: ControlPlaneBinaries;
  try {
    bins = ensureControlPlaneBinaries(repoRoot);
    figures.build = bins.buildSeconds === undefined ? 'reused' : 'built';
    figures.buildSeconds = bins.buildSeconds;
    figures.kubernetesVersion = bins.kubernetesVersion;
  } catch (e) {
    console.error(`apiserver: ${(e as Error).message}`);
    figures.build = 'failed';
    setupFailures.push({ file: 'conformance/apiserver-build/go.mod', message: 'building kube-apiserver/kubectl/etcd failed; see the go output above' });
    return finish(2);
  }

  const examplesDir = opts.examplesDir ?? path.join(repoRoot, 'dist', 'examples');
  if (opts.examplesDir === undefined && (opts.synth || exampleFolders(examplesDir).length === 0)) {
    const failed = synthesizeExamples(repoRoot);
    if (failed) setupFailures.push(failed);
  }
  const all = exampleFolders(examplesDir);
  const unknown = opts.examples.filter((n) => !all.some((e) => e.name === n));
  if (unknown.length > 0) {
    console.error(`apiserver: no example ${unknown.join(', ')} under ${examplesDir}; there are: ${all.map((e) => e.name).join(', ')}`);
    return 2;
  }
  const examples = opts.examples.length > 0 ? all.filter((e) => opts.examples.includes(e.name)) : all;
  if (examples.length === 0) {
    setupFailures.push({ file: `${examplesDir}/`, message: 'no example to check' });
    return finish(2);
  }

  // Tear-down on every way out: normal end, exception, Ctrl-C / SIGTERM, overall timeout.
  let plane: ControlPlane | undefined;
  let aborting = false;
  let suiteBroken = false;
  const abort = (why: string, code: number): void => {
    if (aborting) return;
    aborting = true;
    console.error(`apiserver: ${why}; stopping the servers`);
    killAll();
    setupFailures.push({ message: `run aborted: ${why}` });
    void (plane?.stop() ?? Promise.resolve()).finally(() => {
      process.exitCode = finish(code);
      process.exit();
    });
  };
  const onSigint = (): void => abort('interrupted (SIGINT)', 130);
  const onSigterm = (): void => abort('terminated (SIGTERM)', 143);
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  const timer = setTimeout(() => abort(`overall timeout of ${opts.timeoutSeconds} s reached`, 2), opts.timeoutSeconds * 1000);

  try {
    plane = await startControlPlane(bins, {
      maxLifetimeSeconds: opts.timeoutSeconds + 60,
      logDir: path.join(repoRoot, '.cache', 'apiserver', 'last-run'),
    });
    figures.startSeconds = plane.startSeconds;
    const kubectl = new Kubectl(bins.kubectl, plane.kubeconfig, path.join(plane.dir, 'kube-cache'));

    const version = await kubectl.run(['version', '-o', 'json']);
    if (version.status !== 0) throw new Error(`kubectl version failed: ${version.stderr.trim()}`);
    const v = JSON.parse(version.stdout) as { clientVersion?: { gitVersion?: string }; serverVersion?: { gitVersion?: string } };
    notes.push(`kube-apiserver ${v.serverVersion?.gitVersion}, kubectl ${v.clientVersion?.gitVersion}, etcd embedded (go.etcd.io/etcd/server/v3); objects sent with server-side apply, field manager cdk8s-istio`);

    const noAccount = await createDefaultServiceAccounts(kubectl, ['default']);
    if (noAccount) throw new Error(`cannot create the default ServiceAccount of namespace default: ${noAccount}`);

    // Stub CRDs for third-party kinds no example ships.
    const stubFile = path.join(repoRoot, 'conformance', 'apiserver', 'external-crds.yaml');
    const objectsByExample = new Map<string, K8sObject[]>();
    for (const e of examples) {
      const objs: K8sObject[] = [];
      for (const f of e.files) {
        try {
          objs.push(...readManifests(f));
        } catch {
          // admitExample reports the unreadable file
        }
      }
      objectsByExample.set(e.name, objs);
    }
    const everything = [...objectsByExample.values()].flat();
    // The real CRDs of Prometheus Operator, Argo Rollouts, Flagger, cert-manager and Argo CD (conformance/third-party-crds.ts),
    // so their objects' specs are admitted for real; stubs only for kinds with no reachable CRD.
    const thirdParty = loadThirdPartyCrds() as K8sObject[];
    setupFailures.push(...await installCrds(kubectl, thirdParty, 'conformance/third-party-crds.ts', 'third-party CRD'));
    notes.push(`third-party CRDs installed from their projects' releases: ${thirdParty.map((c) => c.metadata.name).join(', ')}`);
    const shippedCrds = [...everything.filter((o) => o.kind === 'CustomResourceDefinition'), ...thirdParty];
    const stubs = readExternalCrds(stubFile).filter((s) => !definedBy(shippedCrds, s));
    setupFailures.push(...await installCrds(kubectl, stubs.map(stubCrd), 'conformance/apiserver/external-crds.yaml', 'stub CRD'));
    for (const s of stubs) {
      const n = everything.filter((o) => isOfExternalKind(o, s)).length;
      notes.push(n > 0
        ? `stub CRD for ${s.group}/${s.version} ${s.kind} (external-crds.yaml): ${n} object(s) checked for kind, scope and metadata only, not spec`
        : `external-crds.yaml entry ${s.group}/${s.version} ${s.kind} is used by no example; remove it if it is stale`);
    }
    const isStubKind = (o: K8sObject): boolean => stubs.some((s) => isOfExternalKind(o, s));

    // Argo CD's namespace exists wherever Argo CD runs (its installation creates it); no example creates it.
    const argoNamespaces = argoCdNamespaces(everything);
    const noNamespace = await createStandInNamespaces(kubectl, argoNamespaces);
    if (noNamespace) throw new Error(`cannot create Argo CD's namespace ${argoNamespaces.join(', ')}: ${noNamespace}`);
    if (argoNamespaces.length > 0) notes.push(`Argo CD's namespace ${argoNamespaces.join(', ')} created as a stand-in (Argo CD's installation creates it)`);

    for (const e of examples) {
      console.error(`apiserver: admitting ${e.name} (${objectsByExample.get(e.name)?.length ?? 0} objects)`);
      examplesDone.push(await admitExample(kubectl, repoRoot, e, isStubKind));
    }

    for (const e of examples) {
      const k = await checkKustomize(kubectl, repoRoot, e);
      if (k) {
        console.error(`apiserver: kubectl kustomize ${e.name} (${k.builds.length} folders)`);
        kustomized.push(k);
      }
    }

    // Last: it stores the webhook configurations (see drift.ts).
    const driftExample = examples.find((e) => e.name === DRIFT_EXAMPLE);
    if (driftExample) {
      console.error(`apiserver: applying ${DRIFT_EXAMPLE} for real and checking for drift`);
      figures.drift = await checkDrift(kubectl, repoRoot, driftExample);
    } else if (opts.examples.length === 0) {
      setupFailures.push({ file: `${relativeFile(repoRoot, examplesDir)}/${DRIFT_EXAMPLE}/`, message: 'the control plane example is missing, so no drift check ran' });
    }
  } catch (e) {
    suiteBroken = true;
    if (!aborting) setupFailures.push({ message: `suite failed: ${(e as Error).message}` });
  } finally {
    clearTimeout(timer);
    if (!aborting) await plane?.stop();
  }
  if (aborting) return new Promise<number>(() => undefined); // abort() prints and exits
  process.removeListener('SIGINT', onSigint);
  process.removeListener('SIGTERM', onSigterm);
  return finish(suiteBroken ? 2 : undefined);
}

main().then(
  (code) => { process.exitCode = code; },
  (e) => {
    console.error(e);
    process.exitCode = 2;
  },
);
