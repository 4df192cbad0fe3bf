/**
 * Regenerates the Kubernetes Gateway API imports from `sigs.k8s.io/gateway-api`, the version Istio
 * 1.30 builds against (served by the Go module proxy; Go must be installed):
 *
 *   npx projen import:gateway-api
 *
 * 1. `go mod download -json sigs.k8s.io/gateway-api@<version>` and reads the CRDs of
 *    config/crd/standard and config/crd/experimental; every `description` is removed (as for
 *    Istio's CRDs, scripts/import-istio.ts).
 * 2. Runs `cdk8s import` to write lib/imports/gateway.networking.k8s.io.ts: one L1 class per kind of
 *    the `gateway.networking.k8s.io` group in its newest served version, from the STANDARD channel's
 *    schema (what a standard-channel cluster accepts); kinds only the experimental channel has
 *    (TCPRoute, UDPRoute) from the experimental schema. The `gateway.networking.x-k8s.io` group
 *    (XBackendTrafficPolicy, XMesh) gets no classes.
 * 3. Writes lib/imports/gateway-api-crds.ts: both channels' CRDs, descriptions stripped, each as one
 *    JSON string, which MeshInstallation emits verbatim with `gatewayApiCrds`. The channels' safe-upgrades
 *    ValidatingAdmissionPolicy is not part of it (see the README).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { newestVersionOnly, stripDescriptions } from './import-istio';

/** The Gateway API release Istio 1.30's go.mod requires. */
const VERSION = 'v1.5.1';
const MODULE = 'sigs.k8s.io/gateway-api';
const GROUP = 'gateway.networking.k8s.io';

const root = path.resolve(__dirname, '..');
const outdir = path.join(root, 'lib', 'imports');
const header = [
  '// GENERATED FILE - do not edit. Regenerate with `npx projen import:gateway-api`',
  `// from ${MODULE} ${VERSION} (config/crd/standard and config/crd/experimental), descriptions stripped.`,
  '',
].join('\n');

/** The module's directory in the Go module cache, downloaded through the Go module proxy when needed. */
function moduleDir(): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `${MODULE}@${VERSION}`], { cwd: os.tmpdir(), encoding: 'utf8' });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${MODULE}@${VERSION}: ${info.Error ?? 'no Dir'}`);
  return info.Dir;
}

/** The CRDs of one channel, descriptions stripped, sorted by name. */
function channelCrds(dir: string, channel: 'standard' | 'experimental'): any[] {
  const folder = path.join(dir, 'config', 'crd', channel);
  return fs.readdirSync(folder).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(folder, f), 'utf8')).map((d) => d.toJS()))
    .filter((doc) => doc?.kind === 'CustomResourceDefinition')
    .map((crd) => stripDescriptions(crd) as any)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

function main() {
  const dir = moduleDir();
  const standard = channelCrds(dir, 'standard');
  const experimental = channelCrds(dir, 'experimental');
  for (const crd of [...standard, ...experimental]) {
    const bundle = crd.metadata.annotations?.['gateway.networking.k8s.io/bundle-version'];
    if (bundle !== VERSION) throw new Error(`${crd.metadata.name}: bundle-version ${bundle}, expected ${VERSION}`);
  }

  // L1 classes: standard schemas, plus the kinds only the experimental channel defines.
  const standardNames = new Set(standard.map((c) => c.metadata.name));
  const forClasses = [...standard, ...experimental.filter((c) => !standardNames.has(c.metadata.name))]
    .filter((c) => c.spec.group === GROUP)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-api-import-'));
  const input = path.join(tmp, 'gateway-api-crds.yaml');
  fs.writeFileSync(input, forClasses.map((crd) => JSON.stringify(newestVersionOnly(crd))).join('\n---\n'));
  fs.mkdirSync(outdir, { recursive: true });
  execFileSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['import', input, '--language', 'typescript', '--output', tmp], {
    cwd: tmp,
    stdio: 'inherit',
  });
  const generated = path.join(tmp, `${GROUP}.ts`);
  fs.writeFileSync(path.join(outdir, `${GROUP}.ts`), header + fs.readFileSync(generated, 'utf8'));

  const asset = [
    header,
    '/** The Kubernetes Gateway API release these CRDs are (the `gateway.networking.k8s.io/bundle-version` annotation). */',
    `export const GATEWAY_API_VERSION = ${JSON.stringify(VERSION)};`,
    '',
    `/** The standard channel's CustomResourceDefinitions (${standard.map((c) => c.spec.names.kind).join(', ')}), as one JSON array. */`,
    `export const GATEWAY_API_STANDARD_CRDS_JSON = ${JSON.stringify(JSON.stringify(standard))};`,
    '',
    `/** The experimental channel's CustomResourceDefinitions (${experimental.map((c) => c.spec.names.kind).join(', ')}), as one JSON array. */`,
    `export const GATEWAY_API_EXPERIMENTAL_CRDS_JSON = ${JSON.stringify(JSON.stringify(experimental))};`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(outdir, 'gateway-api-crds.ts'), asset);
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`imported Gateway API ${VERSION}: ${standard.length} standard and ${experimental.length} experimental CRDs, `
    + `${forClasses.length} L1 classes into ${path.relative(root, outdir)}`);
}

if (require.main === module) main();
