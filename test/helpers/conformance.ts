/**
 * Jest helpers that run the conformance checks on a construct's output:
 *
 *   const docs = Testing.synth(chart);
 *   expectSchemaValid(docs);        // CRD schemas + CEL (Istio, and third-party ones when Go can fetch them), Kubernetes schemas
 *   expectIstioctlAccepts(docs);    // `istioctl validate`: skipped (with a warning) without istioctl
 *   expectInjectionWorks(docs, { revision: 'canary' });  // kube-inject with our injector ConfigMaps
 *
 * Both take the synthesized objects (`Testing.synth(chart)`) or a multi-document YAML string.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { fixtureFiles, injectFixture, InjectionSettings, injectorFilesFrom } from '../../conformance/inject';
import { formatFailure } from '../../conformance/report';
import { SchemaValidator } from '../../conformance/schema-validator';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Synthesized objects, or a multi-document YAML string. */
export type Manifests = unknown[] | string;

function toDocs(input: Manifests): unknown[] {
  if (Array.isArray(input)) return input;
  return parseAllDocuments(input).map((d) => d.toJS() as unknown).filter((d) => d !== null && d !== undefined);
}

/**
 * Asserts every object passes admission emulation: Istio kinds against the CRD schema of their
 * version (unknown fields are errors) and its CEL rules; core kinds against the Kubernetes schemas
 * (kubernetes-models 4.x); metadata rules for all. The failure message lists `object field: problem`.
 * Objects no schema covers, and CEL rules that could not be evaluated, are reported with console.warn.
 */
export function expectSchemaValid(input: Manifests): void {
  const results = schemaValidator().validateAll(toDocs(input));
  const unvalidated = results.filter((r) => r.validatedBy === 'none');
  if (unvalidated.length > 0) {
    console.warn(`expectSchemaValid: not validated:\n${unvalidated.map((r) => `  ${r.object}: ${r.unvalidatedReason}`).join('\n')}`);
  }
  const notEvaluated = results.flatMap((r) => r.celNotEvaluated.map((i) => `  ${r.object} ${i.field}: ${i.reason}: ${i.rule}`));
  if (notEvaluated.length > 0) console.warn(`expectSchemaValid: CEL rules not evaluated:\n${notEvaluated.join('\n')}`);
  const problems = results.flatMap((r) => r.problems).map(formatFailure);
  if (problems.length > 0) {
    throw new Error(`${problems.length} schema problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** Istio + third-party CRDs; Istio's alone (with a warning) where Go cannot fetch the others. */
function schemaValidator(): SchemaValidator {
  try {
    return SchemaValidator.withThirdParty();
  } catch (e) {
    console.warn(`expectSchemaValid: third-party CRDs unavailable, only Istio and core kinds validated: ${(e as Error).message}`);
    return SchemaValidator.istio();
  }
}

/** The istioctl the helpers use: `$ISTIOCTL`, else `.cache/bin/istioctl` (built by `npm run conformance`). */
export function findIstioctl(): string | undefined {
  const candidate = process.env.ISTIOCTL ?? path.join(REPO_ROOT, '.cache', 'bin', 'istioctl');
  return fs.existsSync(candidate) ? candidate : undefined;
}

/**
 * Asserts `istioctl validate` accepts the objects (Istio's own validation of Istio kinds, plus its
 * checks of Services and workloads). Without istioctl it passes after a visible console.warn, so
 * `npm test` works on machines without Go.
 */
export function expectIstioctlAccepts(input: Manifests): void {
  const istioctl = findIstioctl();
  if (!istioctl) {
    console.warn('istioctl not found: skipped `istioctl validate` (run `npm run conformance` once to build .cache/bin/istioctl, or set ISTIOCTL)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-istio-validate-'));
  try {
    const file = path.join(dir, 'manifests.yaml');
    fs.writeFileSync(file, toDocs(input).map((d) => stringify(d, { lineWidth: 0 })).join('---\n'));
    const res = spawnSync(istioctl, ['validate', '-f', file], { encoding: 'utf8', timeout: 60_000 });
    if (res.error || res.status !== 0) {
      throw new Error(`istioctl validate rejected the objects:\n${`${res.stdout ?? ''}${res.stderr ?? ''}`.trim() || res.error?.message}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Asserts that the injector ConfigMaps among `input` (`istio-sidecar-injector[-rev]`, `istio[-rev]`,
 * as MeshInstallation synthesizes them) inject every pod of conformance/fixtures correctly with
 * `istioctl kube-inject` (see conformance/inject-assert.ts). Without istioctl it passes after a
 * visible console.warn.
 */
export function expectInjectionWorks(input: Manifests, settings: InjectionSettings = {}): void {
  const istioctl = findIstioctl();
  if (!istioctl) {
    console.warn('istioctl not found: skipped `istioctl kube-inject` (run `npm run conformance` once to build .cache/bin/istioctl, or set ISTIOCTL)');
    return;
  }
  const files = injectorFilesFrom(toDocs(input), settings.revision);
  if (typeof files === 'string') throw new Error(`cannot inject: ${files}`);
  const ctx = { repoRoot: REPO_ROOT, istioctl, examplesDir: path.join(REPO_ROOT, 'dist', 'examples') };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-istio-inject-'));
  try {
    const problems = fixtureFiles(REPO_ROOT).flatMap((fixture) => {
      const r = injectFixture(ctx, files, fixture, settings, dir);
      return r.problems.map((p) => `  ${path.basename(fixture)} ${r.object ?? ''} ${p.field ?? ''}: ${p.message}`);
    });
    if (problems.length > 0) throw new Error(`injection problems:\n${problems.join('\n')}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
