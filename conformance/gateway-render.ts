/**
 * Check `gateway-render`: the proxies istiod deploys for Gateway API Gateways, rendered with OUR
 * injector ConfigMap, equal those rendered with istioctl's, apart from the listed differences.
 *
 * For each injection variant (inject.ts: default, revision, CNI, external CA) the Gateways and
 * ConfigMaps of conformance/gateway-fixtures/gateways.yaml (classes `istio` and `istio-waypoint`,
 * overrides, overlays) and istio-agentgateway.yaml (class `istio-agentgateway`) go through Istio
 * 1.30's own deployment controller (conformance/istioctl-build/gateway-render, run with ambient and
 * agentgateway enabled) twice: with the `istio-sidecar-injector` and `istio` ConfigMaps that
 * MeshInstallation synthesizes, and with those of `istioctl manifest generate`. Fails when:
 * - our templates render nothing for a Gateway, or an object set differs from istioctl's;
 * - a field differs and no entry of LISTED_DIFFERENCES covers it.
 * One item per variant and fixture file.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { ensureGatewayRender } from './ensure-istioctl';
import { InjectionVariant, injectorFilesFrom, InjectorFiles, istioctlManifest, ManifestSource, synthesizedMesh, VARIANTS } from './inject';
import { isPlainObject } from './manifests';
import { diffValues, FieldDiff, preview } from './object-diff';
import { CheckResult, ConformanceContext, emptyResult } from './report';

/** A deliberate difference of our templates (listed in lib/private/install/gateway-templates.ts). */
interface ListedDifference {
  readonly kind: RegExp;
  readonly path: RegExp;
  readonly reason: string;
}

const POD = String.raw`^\.spec\.template\.spec`;

/** Differences from Istio's chart templates that are intended; every other difference fails. */
export const LISTED_DIFFERENCES: readonly ListedDifference[] = [
  {
    kind: /^Deployment$/,
    path: new RegExp(`${POD}\\.securityContext(\\.seccompProfile)?$`),
    reason: 'Pod Security "restricted": seccompProfile RuntimeDefault on every gateway, waypoint and agentgateway pod',
  },
  {
    kind: /^Deployment$/,
    path: new RegExp(`${POD}\\.(volumes|containers\\[istio-proxy\\]\\.volumeMounts)\\[istio-ca-crl\\]$`),
    reason: 'the optional istio-ca-crl ConfigMap is mounted like in our sidecar and gateway templates',
  },
  {
    kind: /^Deployment$/,
    path: new RegExp(`${POD}\\.volumes\\[go-proxy-(envoy|data)\\]$`),
    reason: 'Istio\'s waypoint declares two volumes nothing mounts; ours does not',
  },
];

const FIXTURES = ['gateways.yaml', 'istio-agentgateway.yaml'];

export async function runGatewayRenderChecks(ctx: ConformanceContext, source: ManifestSource = synthesizedMesh): Promise<CheckResult> {
  const result: CheckResult = { ...emptyResult('gateway-render'), details: [] };
  let binary: string;
  try {
    binary = ensureGatewayRender(ctx.repoRoot);
  } catch (e) {
    return { ...result, skipped: true, failures: [{ file: 'conformance/istioctl-build/gateway-render/main.go', message: (e as Error).message }] };
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-render-'));
  try {
    for (const variant of VARIANTS) runVariant(ctx, binary, variant, source, tmp, result);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return result;
}

function runVariant(ctx: ConformanceContext, binary: string, variant: InjectionVariant, source: ManifestSource, tmp: string,
  result: CheckResult): void {
  const rev = variant.props.revision;
  const files = (what: string, get: () => InjectorFiles | string): InjectorFiles | string => {
    try {
      return get();
    } catch (e) {
      return `${what}: ${(e as Error).message}`;
    }
  };
  const ours = files('synthesizing MeshInstallation', () => {
    const { docs, standIn } = source(variant, ctx);
    return standIn ? `not our ConfigMaps: ${standIn}` : injectorFilesFrom(docs, rev);
  });
  const theirs = files('istioctl manifest generate', () => injectorFilesFrom(istioctlManifest(ctx, variant), rev));
  for (const fixture of FIXTURES) {
    const file = `conformance/gateway-fixtures/${fixture}`;
    result.items++;
    const dir = path.join(tmp, variant.name);
    const failures = compareFixture(binary, path.join(ctx.repoRoot, file), rev, ours, theirs, dir, result.details!, variant.name);
    if (failures.length > 0) result.failed++;
    else result.passed++;
    result.failures.push(...failures.map((f) => ({ file, object: f.object, field: f.field, message: `[${variant.name}] ${f.message}` })));
  }
}

interface Problem {
  readonly object?: string;
  readonly field?: string;
  readonly message: string;
}

function compareFixture(binary: string, fixture: string, rev: string | undefined, ours: InjectorFiles | string, theirs: InjectorFiles | string,
  dir: string, details: string[], variant: string): Problem[] {
  if (typeof ours === 'string') return [{ message: ours }];
  if (typeof theirs === 'string') return [{ message: theirs }];
  fs.mkdirSync(dir, { recursive: true });
  const input = path.join(dir, path.basename(fixture));
  fs.writeFileSync(input, withRevision(fs.readFileSync(fixture, 'utf8'), rev));
  const gateways = parseAllDocuments(fs.readFileSync(input, 'utf8')).map((d) => d.toJS() as Obj).filter((d) => d?.kind === 'Gateway');
  const mine = render(binary, dir, 'ours', ours, input, rev);
  const reference = render(binary, dir, 'istioctl', theirs, input, rev);
  if (typeof mine === 'string') return [{ message: `our templates: ${mine}` }];
  if (typeof reference === 'string') return [{ message: `istioctl's templates: ${reference}` }];

  const problems: Problem[] = [];
  for (const gw of gateways) {
    const owned = (o: Obj) => (o.metadata?.ownerReferences ?? []).some((r: Obj) => r.kind === 'Gateway' && r.name === gw.metadata.name);
    if (!mine.some((o) => o.kind === 'Deployment' && owned(o))) {
      problems.push({ object: `Gateway ${gw.metadata.namespace}/${gw.metadata.name}`, message: 'our templates deploy no proxy for it (istiod logged a rendering error?)' });
    }
  }
  const key = (o: Obj) => `${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}`;
  const byKey = (list: Obj[]) => new Map(list.map((o) => [key(o), o]));
  const a = byKey(reference);
  const b = byKey(mine);
  let listed = 0;
  for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const diffs = diffValues(comparable(a.get(k)), comparable(b.get(k)));
    for (const d of diffs) {
      const kind = k.split(' ')[0];
      if (LISTED_DIFFERENCES.some((l) => l.kind.test(kind) && l.path.test(d.path))) {
        listed++;
        continue;
      }
      problems.push({ object: k, field: d.path || '(object)', message: describe(d) });
    }
  }
  details.push(`${variant}/${path.basename(fixture)}: ${mine.length} objects (istioctl's templates: ${reference.length}), ${listed} listed difference(s)`);
  return problems;
}

type Obj = Record<string, any>;

/** Adds `istio.io/rev: <rev>` to every Gateway, so the revision's controller handles it. */
function withRevision(text: string, rev: string | undefined): string {
  if (!rev) return text;
  return parseAllDocuments(text).map((d) => {
    const o = d.toJS() as Obj;
    if (o?.kind === 'Gateway') o.metadata.labels = { ...o.metadata.labels, 'istio.io/rev': rev };
    return stringify(o);
  }).join('---\n');
}

/** Runs gateway-render; returns the applied objects or the error text. */
function render(binary: string, dir: string, name: string, files: InjectorFiles, input: string, rev: string | undefined): Obj[] | string {
  const write = (suffix: string, text: string) => {
    const f = path.join(dir, `${name}.${suffix}`);
    fs.writeFileSync(f, text);
    return f;
  };
  const args = [write('config', files.config), write('values', files.values), write('mesh', files.mesh), input, ...(rev ? [rev] : [])];
  const env = { ...process.env, PILOT_ENABLE_AMBIENT: 'true', PILOT_ENABLE_AGENTGATEWAY: 'true' };
  const res = spawnSync(binary, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 180_000 });
  if (res.status !== 0) return `gateway-render failed (exit ${res.status ?? res.error?.message}): ${res.stderr.split('\n').slice(-5).join(' ')}`;
  const errors = res.stderr.split('\n').filter((l) => /\terror\t/.test(l));
  if (errors.length > 0) return `istiod's deployment controller logged: ${errors.map((l) => l.split('\t').slice(3).join(' ')).join('; ')}`;
  return JSON.parse(res.stdout) as Obj[];
}

/** The object with PROXY_CONFIG parsed (its JSON text's formatting does not count). */
function comparable(o: Obj | undefined): unknown {
  if (!o) return undefined;
  const copy = JSON.parse(JSON.stringify(o)) as Obj;
  for (const c of copy.spec?.template?.spec?.containers ?? []) {
    for (const e of c.env ?? []) {
      if (e.name === 'PROXY_CONFIG' && typeof e.value === 'string') e.value = JSON.parse(e.value);
    }
  }
  return isPlainObject(copy) ? copy : undefined;
}

function describe(d: FieldDiff): string {
  switch (d.kind) {
    case 'missing': return `istioctl's templates render ${preview(d.reference)}, ours nothing`;
    case 'extra': return `ours render ${preview(d.ours)}, istioctl's templates nothing`;
    case 'order': return `same items in another order: istioctl's ${preview(d.reference)}, ours ${preview(d.ours)}`;
    default: return `istioctl's templates render ${preview(d.reference)}, ours ${preview(d.ours)}`;
  }
}
