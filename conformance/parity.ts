/**
 * Parity with Istio's installer: for each variant (profiles default, minimal, demo, a revision +
 * CNI install, an external CA, and ambient: alone, revisioned, with an external CA),
 * `istioctl manifest generate` is compared with what MeshInstallation synthesizes for
 * the same settings.
 *
 * - Objects are matched by apiVersion, kind, namespace and name. An object istioctl emits that we do
 *   not is a failure; an object only we emit is listed (the `istio-system` Namespace is one: istioctl
 *   install creates it, manifest generate does not print it; it is in the allowlist).
 * - Both sides are normalised first (normalise.ts): installer labels dropped, YAML/JSON documents in
 *   ConfigMap data parsed, injector template texts blanked (names still compared), RBAC rules turned
 *   into grants, empty values dropped. Lists are matched by item name where items have one
 *   (object-diff.ts), so paths read `.spec.template.spec.containers[discovery].env[PILOT_CERT_PROVIDER]`.
 * - Each differing field is failing or informational (parity-rules.ts: container images/args/ports/env
 *   names, selectors, webhook rules/selectors/service/failurePolicy, RBAC, Service ports, mesh config).
 * - conformance/parity-allowlist.yaml lists deliberate differences (variant, object, field, reason);
 *   allowlisted differences do not fail; entries that match nothing fail the check.
 *
 * Both sides, raw, and a full list of differences are written to `.cache/conformance/parity/<variant>/`.
 *
 * Standalone use (no MeshInstallation needed to try the engine):
 *   npx ts-node --transpile-only conformance/parity.ts [--reference-dir DIR] [--ours-dir DIR] [--allowlist FILE] [variant...]
 * where DIR holds `<variant>.yaml` files (e.g. saved `istioctl manifest generate` output).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { Allowlist, AllowlistEntry } from './allowlist';
import { ISTIO_VERSION } from './ensure-istioctl';
import { K8sObject, objectKey, objectRef, parseManifests, readManifests } from './manifests';
import { normaliseObject } from './normalise';
import { diffValues, FieldDiff, OBJECT_PATH, preview } from './object-diff';
import { failingCategory } from './parity-rules';
import { CheckResult, ConformanceContext, emptyResult, Failure } from './report';

/** One installation compared: the `istioctl manifest generate --set` flags and the matching MeshInstallation props. */
export interface ParityVariant {
  readonly name: string;
  /** `--set` values for istioctl (hub and tag are added for every variant). */
  readonly setFlags: readonly string[];
  /** Props for `new MeshInstallation(chart, 'Mesh', props)`; profile is a MeshProfile value. */
  readonly props: { readonly profile: string; readonly revision?: string; readonly cni?: boolean };
  /** `CertificateAuthority.external({ address })` for the installation (istio-csr). */
  readonly externalCaAddress?: string;
}

/** The variants the parity check runs. */
export const PARITY_VARIANTS: readonly ParityVariant[] = [
  { name: 'default', setFlags: ['profile=default'], props: { profile: 'default' } },
  { name: 'minimal', setFlags: ['profile=minimal'], props: { profile: 'minimal' } },
  { name: 'demo', setFlags: ['profile=demo'], props: { profile: 'demo' } },
  {
    name: 'rev-cni',
    setFlags: ['profile=default', 'revision=canary', 'components.cni.enabled=true'],
    props: { profile: 'default', revision: 'canary', cni: true },
  },
  {
    // cert-manager's istio-csr as the CA, with the Istio install values its documentation gives.
    name: 'external-ca',
    setFlags: ['profile=minimal', 'values.global.caAddress=cert-manager-istio-csr.cert-manager.svc:443', 'values.pilot.env.ENABLE_CA_SERVER=false'],
    props: { profile: 'minimal' },
    externalCaAddress: 'cert-manager-istio-csr.cert-manager.svc:443',
  },
  // Ambient mode: ztunnel, istio-cni in ambient mode, istiod and mesh config set up for HBONE, distroless images.
  { name: 'ambient', setFlags: ['profile=ambient'], props: { profile: 'ambient' } },
  // ztunnel and the CNI agent are not revisioned; ztunnel's XDS_ADDRESS follows the revision's istiod.
  { name: 'ambient-rev', setFlags: ['profile=ambient', 'revision=canary'], props: { profile: 'ambient', revision: 'canary' } },
  {
    // ztunnel asks istio-csr for the certificates of its node's pods (CA_ADDRESS).
    name: 'ambient-external-ca',
    setFlags: ['profile=ambient', 'values.global.caAddress=cert-manager-istio-csr.cert-manager.svc:443', 'values.pilot.env.ENABLE_CA_SERVER=false'],
    props: { profile: 'ambient' },
    externalCaAddress: 'cert-manager-istio-csr.cert-manager.svc:443',
  },
];

/** Hub and tag of the released 1.30.3 images, given to every `manifest generate`. */
export const RELEASE_SET_FLAGS: readonly string[] = ['hub=registry.istio.io/release', `tag=${ISTIO_VERSION}`];

/** Produces the objects of one side of the comparison for a variant. */
export type ManifestSource = (variant: ParityVariant) => K8sObject[] | Promise<K8sObject[]>;

/** istioctl's side: `istioctl manifest generate --set ...`. */
export function istioctlManifestSource(istioctl: string): ManifestSource {
  return (variant) => {
    const args = ['manifest', 'generate', ...[...variant.setFlags, ...RELEASE_SET_FLAGS].flatMap((s) => ['--set', s])];
    const res = spawnSync(istioctl, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (res.error || res.status !== 0) {
      throw new Error(`istioctl ${args.join(' ')} failed: ${res.error?.message ?? res.stderr.trim()}`);
    }
    return parseManifests(res.stdout, `istioctl manifest generate (${variant.name})`);
  };
}

/** Our side: MeshInstallation from lib/, synthesized in-process with cdk8s's Testing app. */
export function meshInstallationSource(repoRoot: string): ManifestSource {
  return (variant) => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const cdk8s = require('cdk8s') as typeof import('cdk8s');
    const lib = require(path.join(repoRoot, 'lib')) as {
      MeshInstallation: new (scope: unknown, id: string, props: unknown) => unknown;
      CertificateAuthority: { external(options: { address: string }): unknown };
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
    const app = cdk8s.Testing.app();
    const chart = new cdk8s.Chart(app, `parity-${variant.name}`);
    const certificateAuthority = variant.externalCaAddress ? lib.CertificateAuthority.external({ address: variant.externalCaAddress }) : undefined;
    new lib.MeshInstallation(chart, 'Mesh', { ...variant.props, certificateAuthority });
    return cdk8s.Testing.synth(chart) as K8sObject[];
  };
}

/** Reads `<dir>/<variant>.yaml`, for trying the engine on saved manifests. */
export function directorySource(dir: string): ManifestSource {
  return (variant) => readManifests(path.join(dir, `${variant.name}.yaml`));
}

/** A field difference with its object, its failing category (if any) and the allowlist entry that covers it (if any). */
export interface ClassifiedDiff extends FieldDiff {
  /** `Kind namespace/name`. */
  readonly object: string;
  readonly objectKind: string;
  /** Failing category, undefined for informational differences. */
  readonly category?: string;
  allowlistedBy?: AllowlistEntry;
}

/** Outcome of comparing one object. */
export interface ObjectComparison {
  readonly object: string;
  readonly status: 'matched' | 'missing' | 'extra';
  readonly diffs: ClassifiedDiff[];
}

/**
 * Compares istioctl's objects with ours: normalises both, matches them by apiVersion/kind/namespace/name,
 * diffs matched pairs field by field and classifies every difference. Duplicate objects on our side
 * are reported as failing `(object)` differences.
 */
export function compareManifests(reference: K8sObject[], ours: K8sObject[]): ObjectComparison[] {
  const refByKey = byKey(reference);
  const oursByKey = byKey(ours);
  const out: ObjectComparison[] = [];
  for (const [key, ref] of refByKey) {
    const mine = oursByKey.get(key);
    const name = objectRef(ref);
    if (!mine) {
      out.push({ object: name, status: 'missing', diffs: [classify(ref.kind, name, { path: OBJECT_PATH, kind: 'missing', reference: name })] });
      continue;
    }
    const diffs = diffValues(normaliseObject(ref), normaliseObject(mine)).map((d) => classify(ref.kind, name, d));
    out.push({ object: name, status: 'matched', diffs });
  }
  for (const [key, mine] of oursByKey) {
    if (refByKey.has(key)) continue;
    const name = objectRef(mine);
    out.push({ object: name, status: 'extra', diffs: [classify(mine.kind, name, { path: OBJECT_PATH, kind: 'extra', ours: name })] });
  }
  const seen = new Set<string>();
  for (const o of ours) {
    const key = objectKey(o);
    if (seen.has(key)) {
      const name = objectRef(o);
      const entry = out.find((c) => c.object === name);
      entry?.diffs.push({ path: OBJECT_PATH, kind: 'extra', ours: name, object: name, objectKind: o.kind, category: 'duplicate object' });
    }
    seen.add(key);
  }
  return out;
}

function byKey(objects: K8sObject[]): Map<string, K8sObject> {
  const m = new Map<string, K8sObject>();
  for (const o of objects) if (!m.has(objectKey(o))) m.set(objectKey(o), o);
  return m;
}

function classify(objectKind: string, object: string, d: FieldDiff): ClassifiedDiff {
  return { ...d, object, objectKind, category: failingCategory(objectKind, d) };
}

/** Marks the differences an allowlist entry covers (fields matched: variant, object, field). */
export function applyAllowlist(variant: string, comparisons: ObjectComparison[], allowlist: Allowlist): void {
  for (const c of comparisons) {
    for (const d of c.diffs) d.allowlistedBy = allowlist.match({ variant, object: d.object, field: d.path });
  }
}

/** One-line description of a difference, without the object and path. */
export function describeDiff(d: ClassifiedDiff): string {
  const tag = d.category ? `[${d.category}] ` : '';
  if (d.path === OBJECT_PATH) {
    if (d.category === 'duplicate object') return `${tag}emitted more than once by ours`;
    return d.kind === 'missing' ? `${tag}istioctl emits this object, ours does not` : `${tag}only in ours`;
  }
  switch (d.kind) {
    case 'missing': return `${tag}istioctl has ${preview(d.reference)}, ours has nothing`;
    case 'extra': return `${tag}ours has ${preview(d.ours)}, istioctl has nothing`;
    case 'order': return `${tag}same elements, other order: istioctl ${preview(d.reference)}, ours ${preview(d.ours)}`;
    default: return `${tag}istioctl ${preview(d.reference)}, ours ${preview(d.ours)}`;
  }
}

/** Per-variant counts. */
export interface VariantSummary {
  readonly variant: string;
  readonly referenceObjects: number;
  readonly matched: number;
  readonly missing: number;
  readonly extra: number;
  readonly failing: number;
  readonly informational: number;
  readonly allowlisted: number;
}

/** Counts a variant's comparisons (after the allowlist was applied). */
export function summarise(variant: string, comparisons: ObjectComparison[]): VariantSummary {
  const diffs = comparisons.flatMap((c) => c.diffs);
  return {
    variant,
    referenceObjects: comparisons.filter((c) => c.status !== 'extra').length,
    matched: comparisons.filter((c) => c.status === 'matched').length,
    missing: comparisons.filter((c) => c.status === 'missing').length,
    extra: comparisons.filter((c) => c.status === 'extra').length,
    failing: diffs.filter((d) => d.category && !d.allowlistedBy).length,
    informational: diffs.filter((d) => !d.category && !d.allowlistedBy).length,
    allowlisted: diffs.filter((d) => d.allowlistedBy).length,
  };
}

/** Options of runParityChecks; everything defaults to the real thing. */
export interface ParityOptions {
  readonly variants?: readonly ParityVariant[];
  /** istioctl's side; default: `istioctl manifest generate`. */
  readonly reference?: ManifestSource;
  /** Our side; default: MeshInstallation from lib/. */
  readonly ours?: ManifestSource;
  /** Default: conformance/parity-allowlist.yaml. */
  readonly allowlistFile?: string;
  /** Where both sides and the full diff are written; default `.cache/conformance/parity`. */
  readonly outDir?: string;
  /** How many informational objects to list per variant in the details. */
  readonly maxInfoLines?: number;
}

/**
 * Runs the parity check for every variant. Items are objects (per variant, istioctl's and ours);
 * an object fails when it has a failing difference not covered by the allowlist.
 */
export async function runParityChecks(ctx: ConformanceContext, options: ParityOptions = {}): Promise<CheckResult> {
  const result = emptyResult('parity');
  const details = result.details!;
  const variants = options.variants ?? PARITY_VARIANTS;
  const reference = options.reference ?? istioctlManifestSource(ctx.istioctl);
  const ours = options.ours ?? meshInstallationSource(ctx.repoRoot);
  const allowlistFile = options.allowlistFile ?? path.join(ctx.repoRoot, 'conformance', 'parity-allowlist.yaml');
  const allowlist = Allowlist.load(allowlistFile, ['variant', 'object', 'field'], path.relative(ctx.repoRoot, allowlistFile));
  const outRoot = options.outDir ?? path.join(ctx.repoRoot, '.cache', 'conformance', 'parity');
  result.failures.push(...allowlist.errors);
  let allRan = true;

  for (const variant of variants) {
    const outDir = path.join(outRoot, variant.name);
    fs.mkdirSync(outDir, { recursive: true });
    const oursFile = path.relative(ctx.repoRoot, path.join(outDir, 'ours.yaml'));
    let refObjects: K8sObject[];
    let ourObjects: K8sObject[];
    try {
      refObjects = await reference(variant);
      writeManifest(path.join(outDir, 'istioctl.yaml'), refObjects);
    } catch (e) {
      allRan = false;
      result.items++;
      result.failed++;
      result.failures.push({ object: `variant ${variant.name}`, message: `could not get istioctl's manifest: ${shortError(e)}` });
      continue;
    }
    try {
      ourObjects = await ours(variant);
      writeManifest(path.join(outDir, 'ours.yaml'), ourObjects);
    } catch (e) {
      allRan = false;
      result.items++;
      result.failed++;
      const props = JSON.stringify(variant.props);
      result.failures.push({ object: `variant ${variant.name}`, message: `could not synthesize MeshInstallation ${props}: ${shortError(e)}` });
      continue;
    }
    const comparisons = compareManifests(refObjects, ourObjects);
    applyAllowlist(variant.name, comparisons, allowlist);
    const s = summarise(variant.name, comparisons);
    fs.writeFileSync(path.join(outDir, 'diff.txt'), diffReport(variant.name, comparisons));

    details.push(
      `${variant.name}: objects matched ${s.matched}/${s.referenceObjects} (missing ${s.missing}, only in ours ${s.extra}); `
      + `differing fields: ${s.failing} failing, ${s.informational} informational, ${s.allowlisted} allowlisted`
      + ` (full list: ${path.relative(ctx.repoRoot, path.join(outDir, 'diff.txt'))})`,
    );
    const infoByObject = comparisons
      .map((c) => ({ object: c.object, info: c.diffs.filter((d) => !d.category && !d.allowlistedBy) }))
      .filter((c) => c.info.length > 0);
    const maxInfo = options.maxInfoLines ?? 12;
    for (const c of infoByObject.slice(0, maxInfo)) {
      const paths = c.info.map((d) => (d.path === OBJECT_PATH ? 'only in ours' : d.path));
      details.push(`  info ${c.object}: ${paths.length} field(s): ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', ...' : ''}`);
    }
    if (infoByObject.length > maxInfo) details.push(`  info ... and ${infoByObject.length - maxInfo} more objects with informational differences`);

    for (const c of comparisons) {
      result.items++;
      const failing = c.diffs.filter((d) => d.category && !d.allowlistedBy);
      if (failing.length > 0) {
        result.failed++;
        for (const d of failing) result.failures.push(toFailure(variant.name, oursFile, d));
      } else if (c.diffs.some((d) => d.allowlistedBy)) {
        result.allowlisted++;
      } else {
        result.passed++;
      }
    }
  }

  if (allRan) {
    const unused = allowlist.unusedFailures();
    result.failures.push(...unused);
    result.items += unused.length;
    result.failed += unused.length;
  } else {
    details.push('unused allowlist entries not checked: not every variant ran');
  }
  if (allowlist.errors.length > 0) {
    result.items += allowlist.errors.length;
    result.failed += allowlist.errors.length;
  }
  return result;
}

/** The error's message and its first stack frame (where it was thrown). */
function shortError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const frame = (e.stack ?? '').split('\n').find((l) => /^\s+at /.test(l) && !/node:|node_modules/.test(l));
  const message = e.message.split('\n')[0];
  return frame ? `${message} (${frame.trim()})` : message;
}

function toFailure(variant: string, file: string, d: ClassifiedDiff): Failure {
  return { file, object: `[${variant}] ${d.object}`, field: d.path === OBJECT_PATH ? undefined : d.path, message: describeDiff(d) };
}

function writeManifest(file: string, objects: K8sObject[]): void {
  fs.writeFileSync(file, objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
}

/** Full text report of a variant: every difference, failing first, with the allowlist reason where one applies. */
export function diffReport(variant: string, comparisons: ObjectComparison[]): string {
  const lines: string[] = [`# parity ${variant}: istioctl manifest generate vs MeshInstallation (after normalisation)`, ''];
  const all = comparisons.flatMap((c) => c.diffs);
  const groups: Array<[string, ClassifiedDiff[]]> = [
    ['FAILING', all.filter((d) => d.category && !d.allowlistedBy)],
    ['ALLOWLISTED', all.filter((d) => d.allowlistedBy)],
    ['INFORMATIONAL', all.filter((d) => !d.category && !d.allowlistedBy)],
  ];
  for (const [title, diffs] of groups) {
    lines.push(`## ${title} (${diffs.length})`);
    for (const d of diffs) {
      const field = d.path === OBJECT_PATH ? '' : ` ${d.path}`;
      const why = d.allowlistedBy ? `  -- allowlisted: ${d.allowlistedBy.reason}` : '';
      lines.push(`${d.object}${field}: ${describeDiff(d)}${why}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { ensureIstioctl } = require('./ensure-istioctl') as typeof import('./ensure-istioctl');
  const { printReport, isFailing } = require('./report') as typeof import('./report');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const args = process.argv.slice(2);
  const take = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const [, value] = args.splice(i, 2);
    return value;
  };
  const refDir = take('--reference-dir');
  const oursDir = take('--ours-dir');
  const allowlistFile = take('--allowlist');
  const repoRoot = path.resolve(__dirname, '..');
  const istioctl = refDir ? '' : ensureIstioctl(repoRoot);
  const variants = args.length > 0 ? PARITY_VARIANTS.filter((v) => args.includes(v.name)) : PARITY_VARIANTS;
  const result = await runParityChecks(
    { repoRoot, istioctl, examplesDir: path.join(repoRoot, 'dist', 'examples') },
    { variants, allowlistFile, reference: refDir ? directorySource(refDir) : undefined, ours: oursDir ? directorySource(oursDir) : undefined },
  );
  printReport([result]);
  process.exitCode = isFailing(result) ? 1 : 0;
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 2;
  });
}
