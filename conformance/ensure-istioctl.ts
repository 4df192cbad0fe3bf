/**
 * Makes sure the istioctl the conformance suite runs is there, building it with Go when it is not.
 *
 * istioctl is built from the wrapper module in conformance/istioctl-build/ (it pins the Istio 1.30
 * sources and the istio.io/api 1.30.3 release) into `.cache/bin/istioctl`, which git ignores. A stamp
 * file beside the binary records a hash of the wrapper's go.mod and go.sum and of the Go version, so
 * the binary is reused while they are unchanged and rebuilt as soon as one of them changes.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** The Istio release the conformance suite targets. */
export const ISTIO_VERSION = '1.30.3';

/** Go package path of the istioctl command inside the Istio module. */
const ISTIOCTL_PACKAGE = 'istio.io/istio/istioctl/cmd/istioctl';

/** Where the binary and its stamp live, relative to the repo root. */
export function istioctlPaths(repoRoot: string): { binary: string; stamp: string; wrapper: string } {
  const binDir = path.join(repoRoot, '.cache', 'bin');
  return {
    binary: path.join(binDir, 'istioctl'),
    stamp: path.join(binDir, 'istioctl.stamp'),
    wrapper: path.join(repoRoot, 'conformance', 'istioctl-build'),
  };
}

/**
 * Hash of what the binary is built from: the wrapper's go.mod and go.sum and the Go toolchain
 * version (`go version`). Throws when Go is not installed.
 */
export function buildInputsHash(wrapperDir: string): string {
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum']) {
    hash.update(`${f}\n`);
    hash.update(fs.readFileSync(path.join(wrapperDir, f)));
  }
  hash.update(goVersion());
  return hash.digest('hex');
}

function goVersion(): string {
  const res = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    throw new Error(
      'Go is needed to build istioctl but `go version` failed'
      + `${res.error ? ` (${res.error.message})` : ''}. Install Go >= 1.26 (e.g. from the Go toolchain packages) and re-run.`,
    );
  }
  return res.stdout.trim();
}

/**
 * Returns the absolute path of a working istioctl for Istio 1.30.3, building it first when it is
 * missing or was built from another go.mod/go.sum/Go version. Progress goes to stderr; a failed build
 * throws with Go's own error output.
 *
 * Set `ISTIOCTL` in the environment to use another binary (no build, no stamp check).
 */
export function ensureIstioctl(repoRoot: string, log: (line: string) => void = (l) => console.error(l)): string {
  const override = process.env.ISTIOCTL;
  if (override) {
    log(`istioctl: using ${override} (from $ISTIOCTL)`);
    return path.resolve(override);
  }
  const { binary, stamp, wrapper } = istioctlPaths(repoRoot);
  const wanted = buildInputsHash(wrapper);
  const have = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8').trim() : undefined;
  if (fs.existsSync(binary) && have === wanted) {
    log(`istioctl: reusing ${path.relative(repoRoot, binary)} (built from the current conformance/istioctl-build)`);
    return binary;
  }
  const why = !fs.existsSync(binary) ? 'not built yet' : have === undefined ? 'no build stamp' : 'conformance/istioctl-build or Go changed';
  log(`istioctl: building ${ISTIOCTL_PACKAGE} into ${path.relative(repoRoot, binary)} (${why}); the first build takes several minutes`);
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  const started = Date.now();
  // -mod=mod lets go resolve the wrapper's `tool` requirement from go.mod/go.sum without a vendor dir.
  const env = { ...process.env, GOFLAGS: [process.env.GOFLAGS, '-mod=mod'].filter(Boolean).join(' ') };
  const tmp = `${binary}.tmp-${process.pid}`;
  const res = spawnSync('go', ['build', '-o', tmp, ISTIOCTL_PACKAGE], { cwd: wrapper, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.error || res.status !== 0) {
    fs.rmSync(tmp, { force: true });
    const output = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim();
    throw new Error(
      `building istioctl failed (go build in conformance/istioctl-build exited ${res.status ?? res.error?.message}):\n${output}`,
    );
  }
  fs.renameSync(tmp, binary);
  // -mod=mod may let go rewrite go.mod/go.sum; stamp what the binary was really built from.
  const built = buildInputsHash(wrapper);
  if (built !== wanted) log('istioctl: WARNING go build changed conformance/istioctl-build/go.mod or go.sum; review and commit the change');
  fs.writeFileSync(stamp, `${built}\n`);
  log(`istioctl: built in ${Math.round((Date.now() - started) / 1000)} s`);
  return binary;
}

/**
 * Returns the path of `analyze-files` (conformance/istioctl-build/analyze-files): Istio's analyzers
 * run on files with the runtime kinds (Pods, Services, Deployments, Namespaces) that `istioctl analyze
 * --use-kube=false` leaves out. Built from the same module and sources as istioctl (a few seconds once
 * istioctl's packages are in Go's build cache).
 */
export function ensureAnalyzeFiles(repoRoot: string, log: (line: string) => void = (l) => console.error(l)): string {
  return ensureWrapperTool(repoRoot, 'analyze-files', log);
}

/**
 * Returns the path of `gateway-render` (conformance/istioctl-build/gateway-render): istiod's Gateway
 * API deployment controller run on a fake cluster, printing the objects it would apply for the given
 * Gateways with the given injector ConfigMap. Built like analyze-files.
 */
export function ensureGatewayRender(repoRoot: string, log: (line: string) => void = (l) => console.error(l)): string {
  return ensureWrapperTool(repoRoot, 'gateway-render', log);
}

/**
 * Returns the path of `gateway-translate` (conformance/istioctl-build/gateway-translate): istiod's
 * Gateway API translation run on files, printing the internal VirtualServices it makes of HTTPRoutes.
 * Built like analyze-files.
 */
export function ensureGatewayTranslate(repoRoot: string, log: (line: string) => void = (l) => console.error(l)): string {
  return ensureWrapperTool(repoRoot, 'gateway-translate', log);
}

/**
 * Returns the path of `ambient-status` (conformance/istioctl-build/ambient-status): istiod's ambient
 * index on YAML files, printing the ZtunnelAccepted and WaypointBound status it would write.
 */
export function ensureAmbientStatus(repoRoot: string, log: (line: string) => void = (l) => console.error(l)): string {
  return ensureWrapperTool(repoRoot, 'ambient-status', log);
}

/** The Go files of a tool's own package and of the packages the tools share (internal/), sorted. */
function toolSources(wrapper: string, name: string): string[] {
  const goFiles = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : [])
    .flatMap((e) => (e.isDirectory() ? goFiles(path.join(dir, e.name)) : e.name.endsWith('.go') ? [path.join(dir, e.name)] : []));
  return [...goFiles(path.join(wrapper, name)), ...goFiles(path.join(wrapper, 'internal'))].sort();
}

/** Builds `conformance/istioctl-build/<name>` (a `main` package of the istioctl wrapper module) into .cache/bin when its inputs changed. */
function ensureWrapperTool(repoRoot: string, name: string, log: (line: string) => void): string {
  const { wrapper } = istioctlPaths(repoRoot);
  const binary = path.join(repoRoot, '.cache', 'bin', name);
  const stamp = `${binary}.stamp`;
  const hash = createHash('sha256').update(buildInputsHash(wrapper));
  for (const f of toolSources(wrapper, name)) hash.update(`${path.relative(wrapper, f)}\n`).update(fs.readFileSync(f));
  const wanted = hash.digest('hex');
  if (fs.existsSync(binary) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === wanted) return binary;
  log(`${name}: building conformance/istioctl-build/${name}`);
  const env = { ...process.env, GOFLAGS: [process.env.GOFLAGS, '-mod=mod'].filter(Boolean).join(' ') };
  const res = spawnSync('go', ['build', '-o', binary, `./${name}`], { cwd: wrapper, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.error || res.status !== 0) {
    throw new Error(`building ${name} failed (exit ${res.status ?? res.error?.message}):\n${`${res.stdout ?? ''}${res.stderr ?? ''}`.trim()}`);
  }
  fs.writeFileSync(stamp, `${wanted}\n`);
  return binary;
}
