/**
 * Regenerates lib/imports/ from the Istio CRD bundle in ../shared/istio.
 *
 *   npx projen import:istio
 *
 * 1. Parses ../shared/istio/crd-all.gen.yaml and removes every `description` annotation
 *    (schema descriptions and printer-column descriptions; a property that happens to be
 *    called "description" is kept).
 * 2. Runs `cdk8s import` on the stripped bundle to produce the L1 classes per API group, one
 *    class per kind: its newest served version (v1 where Istio serves it). The older versions
 *    (v1alpha3, v1beta1) name the same schema and would triple the public API.
 * 3. Writes lib/imports/istio-crds.ts: the stripped CRDs as one JSON string, which
 *    MeshInstallation emits verbatim (structural schemas and CEL rules included).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const root = path.resolve(__dirname, '..');
const shared = path.resolve(process.env.ISTIO_SHARED_DIR ?? path.join(root, '..', 'shared', 'istio'));
const bundle = path.join(shared, 'crd-all.gen.yaml');
const outdir = path.join(root, 'lib', 'imports');
const version = fs.readFileSync(path.join(shared, 'VERSION'), 'utf8').trim();
const header = [
  '// GENERATED FILE - do not edit. Regenerate with `npx projen import:istio`',
  `// from ../shared/istio/crd-all.gen.yaml (Istio ${version}), descriptions stripped.`,
  '',
].join('\n');

/** Removes `description` annotations; keys of a `properties` map are field names, not annotations. */
export function stripDescriptions(node: unknown, parentKey?: string): unknown {
  if (Array.isArray(node)) return node.map((item) => stripDescriptions(item));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    const isFieldName = parentKey === 'properties';
    if (!isFieldName && key === 'description' && typeof value === 'string') continue;
    out[key] = stripDescriptions(value, key);
  }
  return out;
}

/** Kubernetes' version priority: GA over beta over alpha, then the higher number. */
function versionRank(name: string): number[] {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(name);
  if (!m) return [-1];
  const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
  return [stage, Number(m[1]), Number(m[3] ?? 0)];
}

/** The CRD with its newest served version only (what the L1 classes are generated from). */
export function newestVersionOnly(crd: any): any {
  const served = (crd.spec.versions as any[]).filter((v) => v.served !== false);
  const newest = served.reduce((best, v) => {
    const a = versionRank(v.name);
    const b = versionRank(best.name);
    for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0) ? v : best;
    return best;
  });
  return { ...crd, spec: { ...crd.spec, versions: [{ ...newest, storage: true }] } };
}

function main() {
  const docs = parseAllDocuments(fs.readFileSync(bundle, 'utf8'))
    .map((doc) => doc.toJS())
    .filter((doc) => doc && doc.kind === 'CustomResourceDefinition');
  const crds = docs
    .map((crd) => stripDescriptions(crd) as any)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-import-'));
  const stripped = path.join(tmp, 'istio-crds.yaml');
  fs.writeFileSync(stripped, crds.map((crd) => JSON.stringify(newestVersionOnly(crd))).join('\n---\n'));

  fs.mkdirSync(outdir, { recursive: true });
  const cli = path.join(root, 'node_modules', '.bin', 'cdk8s');
  execFileSync(cli, ['import', stripped, '--language', 'typescript', '--output', outdir], {
    cwd: tmp,
    stdio: 'inherit',
  });
  for (const file of fs.readdirSync(outdir)) {
    if (!file.endsWith('.istio.io.ts')) continue;
    const target = path.join(outdir, file);
    fs.writeFileSync(target, header + fs.readFileSync(target, 'utf8'));
  }

  const asset = [
    header,
    '/** The Istio CustomResourceDefinitions, descriptions stripped, as one JSON array. */',
    `export const ISTIO_VERSION = ${JSON.stringify(version)};`,
    `export const ISTIO_CRDS_JSON = ${JSON.stringify(JSON.stringify(crds))};`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(outdir, 'istio-crds.ts'), asset);
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`imported ${crds.length} CRDs (Istio ${version}) into ${path.relative(root, outdir)}`);
}

if (require.main === module) main();
