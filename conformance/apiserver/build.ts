/**
 * Builds the real Kubernetes control plane the apiserver suite runs: kube-apiserver and kubectl from
 * k8s.io/kubernetes, and etcd from the wrapper's own ./etcd command (embedded etcd server).
 *
 * They come from the wrapper module in conformance/apiserver-build/ (k8s.io/kubernetes with its
 * staging repositories pinned to the matching v0.x releases) and land in `.cache/apiserver/bin/`,
 * which git ignores. A stamp file beside them holds a hash of what they are built from (the wrapper's
 * go.mod, go.sum and etcd/main.go, the Go version and the version flags), so they are reused while
 * those are unchanged and rebuilt as soon as one changes.
 *
 * kubectl is built too, rather than taken from the PATH, so that it is exactly the server's version:
 * kubectl is only supported within one minor version of kube-apiserver, and the one a machine happens
 * to have (here a 1.32 behind a cloud SDK dispatcher) is not, nor is it on a plain Debian machine.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** The three programs of the throwaway control plane, with the Kubernetes version they are. */
export interface ControlPlaneBinaries {
  readonly kubeApiserver: string;
  readonly kubectl: string;
  readonly etcd: string;
  /** Kubernetes release the binaries were built from, e.g. `v1.35.3`. */
  readonly kubernetesVersion: string;
  /** Seconds the build took, or undefined when cached binaries were reused. */
  readonly buildSeconds?: number;
}

/** Go packages built into `.cache/apiserver/bin/`, named after their last path element. */
export const BUILD_PACKAGES = ['k8s.io/kubernetes/cmd/kube-apiserver', 'k8s.io/kubernetes/cmd/kubectl', './etcd'];

/** Files of the wrapper module whose content decides the build. */
const WRAPPER_INPUTS = ['go.mod', 'go.sum', path.join('etcd', 'main.go')];

/** Where the wrapper module, the binaries and their stamp live. */
export function buildPaths(repoRoot: string): { wrapper: string; binDir: string; stamp: string } {
  const binDir = path.join(repoRoot, '.cache', 'apiserver', 'bin');
  return { wrapper: path.join(repoRoot, 'conformance', 'apiserver-build'), binDir, stamp: path.join(binDir, 'build.stamp') };
}

/**
 * The k8s.io/kubernetes version a go.mod requires (`v1.35.3`). Throws, naming the file, when the
 * go.mod does not require k8s.io/kubernetes.
 */
export function kubernetesVersionOf(goMod: string, file = 'go.mod'): string {
  const m = /^\s*(?:require\s+)?k8s\.io\/kubernetes\s+(v\d+\.\d+\.\d+\S*)/m.exec(goMod);
  if (!m) throw new Error(`${file} does not require k8s.io/kubernetes (expected a line "k8s.io/kubernetes v1.x.y")`);
  return m[1];
}

/**
 * `-ldflags` that stamp the Kubernetes version into the binaries, as Kubernetes' own release build
 * does (hack/lib/version.sh). Without them both report `v0.0.0-master+$Format:%H$`, which kubectl
 * refuses to parse (`kubectl version` fails).
 */
export function versionLdflags(version: string): string {
  const m = /^v(\d+)\.(\d+)\.\d+/.exec(version);
  if (!m) throw new Error(`'${version}' is not a Kubernetes version like v1.35.3`);
  const vars: Record<string, string> = { gitVersion: version, gitMajor: m[1], gitMinor: m[2], gitTreeState: 'clean' };
  const flags: string[] = [];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    for (const [name, value] of Object.entries(vars)) flags.push(`-X ${pkg}.${name}=${value}`);
  }
  return flags.join(' ');
}

/**
 * Hash of everything the binaries are built from: the wrapper's go.mod, go.sum and etcd/main.go, the
 * Go toolchain version and the version flags. Throws when Go is not installed.
 */
export function buildInputsHash(wrapperDir: string, ldflags: string): string {
  const hash = createHash('sha256');
  for (const f of WRAPPER_INPUTS) {
    hash.update(`${f}\n`);
    hash.update(fs.readFileSync(path.join(wrapperDir, f)));
  }
  hash.update(goVersion());
  hash.update(ldflags);
  return hash.digest('hex');
}

function goVersion(): string {
  const res = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    throw new Error(
      'Go is needed to build kube-apiserver, etcd and kubectl but `go version` failed'
      + `${res.error ? ` (${res.error.message})` : ''}. Install Go >= 1.26 and re-run.`,
    );
  }
  return res.stdout.trim();
}

/**
 * Returns the paths of kube-apiserver, kubectl and etcd, building them first when they are missing or
 * were built from other inputs. Progress goes to `log`; a failed build throws with Go's own output.
 */
export function ensureControlPlaneBinaries(repoRoot: string, log: (line: string) => void = (l) => console.error(l)): ControlPlaneBinaries {
  const { wrapper, binDir, stamp } = buildPaths(repoRoot);
  const goModFile = path.join(wrapper, 'go.mod');
  const kubernetesVersion = kubernetesVersionOf(fs.readFileSync(goModFile, 'utf8'), path.relative(repoRoot, goModFile));
  const ldflags = versionLdflags(kubernetesVersion);
  const binaries = {
    kubeApiserver: path.join(binDir, 'kube-apiserver'),
    kubectl: path.join(binDir, 'kubectl'),
    etcd: path.join(binDir, 'etcd'),
    kubernetesVersion,
  };
  const wanted = buildInputsHash(wrapper, ldflags);
  const have = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : undefined;
  const present = [binaries.kubeApiserver, binaries.kubectl, binaries.etcd].every((f) => fs.existsSync(f));
  const rel = path.relative(repoRoot, binDir);
  if (present && have === wanted) {
    log(`apiserver: reusing ${rel}/{kube-apiserver,kubectl,etcd} ${kubernetesVersion} (built from the current conformance/apiserver-build)`);
    return binaries;
  }
  const why = !present ? 'not built yet' : have === undefined ? 'no build stamp' : 'conformance/apiserver-build or Go changed';
  log(`apiserver: building kube-apiserver, kubectl and etcd ${kubernetesVersion} into ${rel} (${why}); the first build takes about 6 minutes on 2 cores`);
  // Build into a fresh directory and move the binaries in only when all three are built, so a
  // failed or interrupted build never leaves a mix of old and new binaries behind a valid stamp.
  const tmpDir = `${binDir}.tmp-${process.pid}`;
  fs.rmSync(tmpDir, { recursive: true, force: true });
  fs.mkdirSync(tmpDir, { recursive: true });
  fs.rmSync(stamp, { force: true });
  const started = Date.now();
  // -mod=mod lets go resolve the wrapper's `tool` requirements from go.mod/go.sum without a vendor dir.
  const env = { ...process.env, GOFLAGS: [process.env.GOFLAGS, '-mod=mod'].filter(Boolean).join(' ') };
  const res = spawnSync('go', ['build', '-ldflags', ldflags, '-o', `${tmpDir}${path.sep}`, ...BUILD_PACKAGES], {
    cwd: wrapper,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 45 * 60 * 1000,
  });
  if (res.error || res.status !== 0) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    const output = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim();
    throw new Error(`building the control plane failed (go build in conformance/apiserver-build exited ${res.status ?? res.error?.message}):\n${output}`);
  }
  fs.mkdirSync(binDir, { recursive: true });
  for (const name of ['kube-apiserver', 'kubectl', 'etcd']) fs.renameSync(path.join(tmpDir, name), path.join(binDir, name));
  fs.rmSync(tmpDir, { recursive: true, force: true });
  // -mod=mod may let go rewrite go.mod/go.sum; stamp what the binaries were really built from.
  const built = buildInputsHash(wrapper, ldflags);
  if (built !== wanted) log('apiserver: WARNING go build changed conformance/apiserver-build/go.mod or go.sum; review and commit the change');
  fs.writeFileSync(stamp, `${built}\n`);
  const buildSeconds = (Date.now() - started) / 1000;
  log(`apiserver: built in ${Math.round(buildSeconds)} s`);
  return { ...binaries, buildSeconds };
}
