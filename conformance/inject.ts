/**
 * Check `inject`: sidecar injection with OUR injector config. For each MeshInstallation variant
 * (default, revision `canary`, CNI) the ConfigMaps we synthesize (`istio-sidecar-injector[-rev]`
 * keys `config` and `values`, `istio[-rev]` key `mesh`) are given to
 * `istioctl kube-inject --injectConfigFile --valuesFile --meshConfigFile` on every workload of
 * conformance/fixtures/*.yaml, and the injected pod is asserted (inject-assert.ts). Unit: one
 * (variant, fixture) pair.
 *
 * The same fixtures are injected with istioctl's built-in templates (its `manifest generate` output
 * for the same settings) and the differences are listed as details: informational, never failing.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';
import { ISTIO_VERSION } from './ensure-istioctl';
import { checkInjectedPod, injectionMode, PodTemplate } from './inject-assert';
import { diffValues, preview } from './object-diff';
import { CheckResult, ConformanceContext, emptyResult } from './report';

/** A control plane configuration the fixtures are injected with. */
export interface InjectionVariant {
  readonly name: string;
  /** MeshInstallation props (`caAddress` becomes `CertificateAuthority.external({ address })`). */
  readonly props: { readonly revision?: string; readonly cni?: boolean; readonly caAddress?: string };
  /** The same settings for `istioctl manifest generate --set`. */
  readonly istioctlSet: readonly string[];
}

/** Release hub and tag: a source build of istioctl defaults to the `testing` hub and `latest`. */
const RELEASE_SET = ['hub=registry.istio.io/release', `tag=${ISTIO_VERSION}`];

/** The variants of the issue: default, a revision, a CNI install. */
export const VARIANTS: readonly InjectionVariant[] = [
  { name: 'default', props: {}, istioctlSet: [] },
  { name: 'revision-canary', props: { revision: 'canary' }, istioctlSet: ['revision=canary'] },
  { name: 'cni', props: { cni: true }, istioctlSet: ['components.cni.enabled=true'] },
  {
    // cert-manager's istio-csr signs: proxies must send their CSRs there, not to istiod.
    name: 'external-ca',
    props: { caAddress: 'cert-manager-istio-csr.cert-manager.svc:443' },
    istioctlSet: ['values.global.caAddress=cert-manager-istio-csr.cert-manager.svc:443', 'values.pilot.env.ENABLE_CA_SERVER=false'],
  },
];

/**
 * Where a variant's synthesized objects come from. The default synthesizes MeshInstallation
 * in-process; tests or other callers may pass their own documents. `standIn` says why the documents
 * are not ours (the check then fails, with the stand-in's results still shown).
 */
export type ManifestSource = (variant: InjectionVariant, ctx: ConformanceContext) => { docs: unknown[]; standIn?: string };

/** The three files kube-inject reads, as text. */
export interface InjectorFiles {
  readonly config: string;
  readonly values: string;
  readonly mesh: string;
}

type Obj = Record<string, any>;

/** Finds `istio-sidecar-injector[-rev]` (config, values) and `istio[-rev]` (mesh) among synthesized documents. */
export function injectorFilesFrom(docs: unknown[], revision?: string): InjectorFiles | string {
  const suffix = revision ? `-${revision}` : '';
  const cm = (name: string): Obj | undefined => (docs as Obj[]).find((d) => d?.kind === 'ConfigMap' && d.metadata?.name === name);
  const injector = cm(`istio-sidecar-injector${suffix}`);
  const mesh = cm(`istio${suffix}`);
  if (!injector?.data?.config || !injector.data.values) return `no ConfigMap istio-sidecar-injector${suffix} with keys config and values`;
  if (!mesh?.data?.mesh) return `no ConfigMap istio${suffix} with key mesh`;
  return { config: injector.data.config, values: injector.data.values, mesh: mesh.data.mesh };
}

/**
 * Synthesizes MeshInstallation for the variant. Only while lib/ cannot be loaded (a module of the
 * construct not written yet) it falls back to a stand-in; errors of the construct itself propagate.
 */
export const synthesizedMesh: ManifestSource = (variant, ctx) => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Chart, Testing } = require('cdk8s') as typeof import('cdk8s');
  let lib: typeof import('../lib');
  try {
    lib = require(path.join(ctx.repoRoot, 'lib')) as typeof import('../lib');
  } catch (e) {
    return standIn(variant, ctx, (e as Error).message.split('\n')[0]);
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  const chart = new Chart(Testing.app(), 'inject');
  const { caAddress, ...props } = variant.props;
  new lib.MeshInstallation(chart, 'Mesh', { ...props, certificateAuthority: caAddress ? lib.CertificateAuthority.external({ address: caAddress }) : undefined });
  return { docs: Testing.synth(chart) };
};

/**
 * Stand-in while MeshInstallation cannot be loaded: istioctl's own ConfigMaps, with our templates
 * (lib/private/install/injection-templates.ts) swapped in when that module loads.
 */
function standIn(variant: InjectionVariant, ctx: ConformanceContext, why: string): { docs: unknown[]; standIn: string } {
  const docs = istioctlManifest(ctx, variant);
  let templates: { sidecar: string; gateway: string } | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const t = require(path.join(ctx.repoRoot, 'lib', 'private', 'install', 'injection-templates'));
    templates = { sidecar: t.SIDECAR_TEMPLATE, gateway: t.GATEWAY_TEMPLATE };
  } catch {
    templates = undefined;
  }
  const suffix = variant.props.revision ? `-${variant.props.revision}` : '';
  const cm = (docs as Obj[]).find((d) => d?.kind === 'ConfigMap' && d.metadata?.name === `istio-sidecar-injector${suffix}`);
  if (templates && cm) {
    const config = parseYaml(cm.data.config);
    config.templates = { ...config.templates, ...templates };
    cm.data.config = stringify(config, { lineWidth: 0 });
  }
  const what = templates ? 'istioctl\'s ConfigMaps with OUR templates from injection-templates.ts' : 'istioctl\'s ConfigMaps and templates';
  return { docs, standIn: `lib/ cannot be loaded (${why}): injected with a STAND-IN, ${what}` };
}

/** The ConfigMaps of `istioctl manifest generate` for the variant's settings, parsed. */
export function istioctlManifest(ctx: ConformanceContext, variant: InjectionVariant): unknown[] {
  const args = ['manifest', 'generate', ...[...variant.istioctlSet, ...RELEASE_SET].flatMap((s) => ['--set', s])];
  const res = spawnSync(ctx.istioctl, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  if (res.status !== 0) throw new Error(`istioctl ${args.join(' ')} failed: ${res.stderr || res.error?.message}`);
  // Only the ConfigMaps are needed: skip parsing the CRDs and the rest of the megabyte of YAML.
  const configMaps = res.stdout.split(/^---\s*$/m).filter((doc) => /^kind: ConfigMap$/m.test(doc)).join('\n---\n');
  return parseAllDocuments(configMaps).map((d) => d.toJS({ maxAliasCount: -1 }) as unknown).filter((d) => d);
}

/** Runs `istioctl kube-inject` offline with the given files; returns the injected documents or the error text. */
export function kubeInject(ctx: ConformanceContext, dir: string, files: InjectorFiles, fixture: string, revision?: string): unknown[] | string {
  fs.mkdirSync(dir, { recursive: true });
  const p = (n: string): string => path.join(dir, n);
  fs.writeFileSync(p('config.yaml'), files.config);
  fs.writeFileSync(p('values.json'), files.values);
  fs.writeFileSync(p('mesh.yaml'), files.mesh);
  // An explicit --revision keeps istioctl from looking for a cluster's default revision.
  const args = ['kube-inject', '-r', revision ?? 'default', '--injectConfigFile', p('config.yaml'),
    '--valuesFile', p('values.json'), '--meshConfigFile', p('mesh.yaml'), '-f', fixture];
  const res = spawnSync(ctx.istioctl, args, { encoding: 'utf8', timeout: 60_000 });
  if (res.status !== 0) return `istioctl kube-inject exited ${res.status ?? res.error?.message}: ${(res.stderr || res.stdout).trim()}`;
  return parseAllDocuments(res.stdout).map((d) => d.toJS() as unknown).filter((d) => d);
}

function podOf(docs: unknown[]): { name: string; pod: PodTemplate } | undefined {
  const d = (docs as Obj[]).find((x) => x?.spec?.template?.spec?.containers);
  return d ? { name: d.metadata.name, pod: d.spec.template } : undefined;
}

/** Runs the inject check. `source` gives each variant's synthesized documents (default: MeshInstallation). */
export async function runInjectionChecks(ctx: ConformanceContext, source: ManifestSource = synthesizedMesh): Promise<CheckResult> {
  const result = emptyResult('inject');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-istio-inject-'));
  try {
    const files = fixtureFiles(ctx.repoRoot);
    for (const variant of VARIANTS) runVariant(ctx, variant, source, files, path.join(tmp, variant.name), result);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return result;
}

/** Outcome of injecting one fixture with one injector configuration. */
export interface FixtureInjection {
  /** `Deployment <name>` of the fixture, when it has a workload. */
  readonly object?: string;
  /** The injected pod template (undefined when kube-inject failed). */
  readonly output?: PodTemplate;
  /** Problems with field paths relative to the workload (`.spec.template...`); field-less ones are whole-run errors. */
  readonly problems: Array<{ field?: string; message: string }>;
}

/** The control plane settings an injected pod is checked against. */
export interface InjectionSettings {
  readonly revision?: string;
  readonly cni?: boolean;
  /** @default `registry.istio.io/release/proxyv2:<ISTIO_VERSION>` */
  readonly proxyImage?: string;
  /** @default 'cluster.local' */
  readonly trustDomain?: string;
  /** `CA_ADDR` the proxy must get. @default istiod's address (`istiod[-<rev>].istio-system.svc:15012`) */
  readonly caAddress?: string;
}

/** Runs kube-inject on one fixture with the given injector files and checks the injected pod (inject-assert.ts). */
export function injectFixture(ctx: ConformanceContext, files: InjectorFiles | string, fixture: string, settings: InjectionSettings,
  dir: string): FixtureInjection {
  const input = podOf(readDocs(fixture));
  if (!input) return { problems: [{ message: 'fixture has no workload with spec.template' }] };
  const object = `Deployment ${input.name}`;
  const rev = settings.revision;
  const injected = typeof files === 'string' ? files : kubeInject(ctx, dir, files, fixture, rev);
  const output = typeof injected === 'string' ? undefined : podOf(injected);
  if (!output) return { object, problems: [{ message: typeof injected === 'string' ? injected : 'kube-inject returned no workload' }] };
  const expectation = {
    proxyImage: settings.proxyImage ?? `registry.istio.io/release/proxyv2:${ISTIO_VERSION}`,
    caAddress: settings.caAddress ?? `istiod${rev ? `-${rev}` : ''}.istio-system.svc:15012`,
    revision: rev ?? 'default',
    cni: settings.cni ?? false,
    trustDomain: settings.trustDomain ?? 'cluster.local',
    istiodHost: `istiod${rev ? `-${rev}` : ''}.istio-system.svc`,
  };
  return { object, output: output.pod, problems: checkInjectedPod(input.pod, output.pod, expectation, input.name) };
}

/** The fixture files, conformance/fixtures/*.yaml, sorted. */
export function fixtureFiles(repoRoot: string): string[] {
  const dir = path.join(repoRoot, 'conformance', 'fixtures');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(dir, f));
}

function runVariant(ctx: ConformanceContext, variant: InjectionVariant, source: ManifestSource, fixtures: string[], tmp: string,
  result: CheckResult): void {
  const rev = variant.props.revision;
  let ours: InjectorFiles | string;
  try {
    const { docs, standIn: why } = source(variant, ctx);
    if (why) result.failures.push({ file: 'lib/index.ts', message: `[${variant.name}] ${why}` });
    ours = injectorFilesFrom(docs, rev);
  } catch (e) {
    ours = `synthesizing MeshInstallation ${JSON.stringify(variant.props)} failed: ${(e as Error).message}`;
  }
  let builtin: InjectorFiles | string;
  try {
    builtin = injectorFilesFrom(istioctlManifest(ctx, variant), rev);
  } catch (e) {
    builtin = (e as Error).message;
  }
  for (const fixture of fixtures) {
    const file = path.relative(ctx.repoRoot, fixture);
    const r = injectFixture(ctx, ours, fixture, variant.props, path.join(tmp, 'ours'));
    result.items++;
    if (r.problems.length > 0) result.failed++;
    else result.passed++;
    result.failures.push(...r.problems.map((p) => ({ file, object: r.object, field: p.field, message: `[${variant.name}] ${p.message}` })));
    const label = `${variant.name}/${path.basename(fixture)}`;
    result.details!.push(...builtinDiff(ctx, label, builtin, fixture, rev, path.join(tmp, 'builtin'), r.output));
  }
}

function readDocs(file: string): unknown[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as unknown).filter((d) => d);
}

/** Differences between istioctl's built-in injection and ours for one fixture (informational lines). */
function builtinDiff(ctx: ConformanceContext, label: string, builtin: InjectorFiles | string, fixture: string, rev: string | undefined,
  dir: string, ours: PodTemplate | undefined): string[] {
  if (typeof builtin === 'string') return [`${label}: built-in comparison not run: ${builtin}`];
  const injected = kubeInject(ctx, dir, builtin, fixture, rev);
  const reference = typeof injected === 'string' ? undefined : podOf(injected);
  if (!reference) return [`${label}: built-in injection failed: ${typeof injected === 'string' ? injected : 'no workload'}`];
  if (!ours) return [];
  const diffs = diffValues(comparable(reference.pod), comparable(ours));
  const mode = injectionMode(reference.pod);
  if (diffs.length === 0) return [`${label} (${mode}): identical to istioctl's built-in injection`];
  return [
    `${label} (${mode}): ${diffs.length} difference(s) from istioctl's built-in injection (informational):`,
    ...diffs.map((d) => `    ${d.kind} .spec.template${d.path}: built-in ${preview(d.reference)} | ours ${preview(d.ours)}`),
  ];
}

/** A pod template with its JSON-valued annotations and env parsed, so diffs show fields, not strings. */
function comparable(pod: PodTemplate): unknown {
  const copy = JSON.parse(JSON.stringify(pod)) as Obj;
  const tryJson = (s: unknown): unknown => {
    if (typeof s !== 'string' || !/^\s*[[{]/.test(s)) return s;
    try {
      return JSON.parse(s);
    } catch {
      return s;
    }
  };
  for (const [k, v] of Object.entries(copy.metadata?.annotations ?? {})) copy.metadata.annotations[k] = tryJson(v);
  for (const c of [...(copy.spec.containers ?? []), ...(copy.spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) if ('value' in e) e.value = tryJson(e.value);
  }
  return copy;
}
