/**
 * Entry point of `npm run conformance`: holds what we synthesize against Istio 1.30.3's own tools.
 *
 *   npm run conformance                      # every check
 *   npm run conformance -- parity analyze    # only the named checks (parity, inject, validate, analyze, schema, analyzer, gateway-render, gateway-translate)
 *   npm run conformance -- --synth           # re-synthesize the examples first even if dist/examples exists
 *
 * 1. Builds istioctl with Go into .cache/bin when needed (ensure-istioctl.ts).
 * 2. Synthesizes the examples into dist/examples when it holds none (`npx projen synth`).
 * 3. Runs the checks: parity with `istioctl manifest generate` (parity.ts), sidecar injection
 *    (inject.ts), `istioctl validate` / `istioctl analyze` on every example (validate-analyze.ts),
 *    CRD schemas and CEL rules (schema.ts). A check whose module is absent is reported NOT RUN.
 * 4. Prints every failure as `file object field: message`, then one summary table, and exits 1 when
 *    anything failed (2 when the suite itself could not start).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureIstioctl } from './ensure-istioctl';
import { runParityChecks } from './parity';
import { CheckResult, ConformanceContext, emptyResult, isFailing, printReport } from './report';
import { exampleFolders, runValidateAnalyzeChecks } from './validate-analyze';

/** A check the runner knows: its names (for selecting it on the command line) and how to run it. */
interface CheckSpec {
  /** Names the check's results go by; selecting any of them runs the check. */
  readonly names: readonly string[];
  readonly run: (ctx: ConformanceContext) => Promise<CheckResult | CheckResult[]>;
}

/** Loads `conformance/<module>.ts` and returns its exported check function, or undefined when the module does not exist. */
function optionalCheck(repoRoot: string, module: string, exportName: string): CheckSpec['run'] | undefined {
  const base = path.join(repoRoot, 'conformance', module);
  if (!['.ts', '.js'].some((ext) => fs.existsSync(base + ext))) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(base) as Record<string, unknown>;
  const fn = mod[exportName];
  if (typeof fn !== 'function') throw new Error(`conformance/${module}.ts does not export ${exportName}(ctx)`);
  return fn as CheckSpec['run'];
}

function checks(repoRoot: string): CheckSpec[] {
  const missing = (name: string, module: string) => async (): Promise<CheckResult> => ({
    ...emptyResult(name),
    skipped: true,
    failures: [{ file: `conformance/${module}.ts`, message: 'check module not found' }],
  });
  const lazy = (name: string, module: string, exportName: string): CheckSpec['run'] => async (ctx) => {
    const fn = optionalCheck(repoRoot, module, exportName);
    return fn ? fn(ctx) : missing(name, module)();
  };
  return [
    { names: ['parity'], run: (ctx) => runParityChecks(ctx) },
    { names: ['inject'], run: lazy('inject', 'inject', 'runInjectionChecks') },
    { names: ['validate', 'analyze'], run: (ctx) => runValidateAnalyzeChecks(ctx) },
    { names: ['schema'], run: lazy('schema', 'schema', 'runSchemaChecks') },
    { names: ['analyzer'], run: lazy('analyzer', 'analyzer-agreement', 'runAnalyzerAgreement') },
    { names: ['gateway-render'], run: lazy('gateway-render', 'gateway-render', 'runGatewayRenderChecks') },
    { names: ['gateway-translate'], run: lazy('gateway-translate', 'gateway-translate', 'runGatewayTranslateChecks') },
  ];
}

/** Synthesizes the examples with `npx projen synth`; returns a failed result when that fails. */
function synthesizeExamples(repoRoot: string): CheckResult | undefined {
  console.error('conformance: synthesizing the examples (npx projen synth)');
  const res = spawnSync('npx', ['projen', 'synth'], { cwd: repoRoot, stdio: 'inherit' });
  if (res.status === 0) return undefined;
  return {
    ...emptyResult('synth'),
    items: 1,
    failed: 1,
    failures: [{ file: 'examples/', message: `npx projen synth failed (exit ${res.status ?? res.error?.message}); see its output above` }],
  };
}

/** Warns when jsii-compiled lib/*.js files are older than the sources: Node would load them instead of the .ts. */
function warnStaleCompiledLib(repoRoot: string): void {
  const js = path.join(repoRoot, 'lib', 'index.js');
  if (!fs.existsSync(js)) return;
  const jsTime = fs.statSync(js).mtimeMs;
  const newer = fs.readdirSync(path.join(repoRoot, 'lib'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .some((f) => fs.statSync(path.join(repoRoot, 'lib', f)).mtimeMs > jsTime);
  if (newer) console.error('conformance: WARNING lib/*.js is older than lib/*.ts and will be loaded instead; run `npx projen compile` or delete the .js files');
}

async function main(): Promise<number> {
  const repoRoot = path.resolve(__dirname, '..');
  const args = process.argv.slice(2);
  const forceSynth = args.includes('--synth');
  const selected = args.filter((a) => !a.startsWith('--'));
  const specs = checks(repoRoot);
  const known = specs.flatMap((s) => s.names);
  const unknown = selected.filter((s) => !known.includes(s));
  if (unknown.length > 0) {
    console.error(`conformance: unknown check(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
    return 2;
  }

  let istioctl: string;
  try {
    istioctl = ensureIstioctl(repoRoot);
  } catch (e) {
    console.error(`conformance: cannot get istioctl: ${(e as Error).message}`);
    printReport([{ ...emptyResult('istioctl'), skipped: true, failures: [{ file: 'conformance/istioctl-build/go.mod', message: 'istioctl build failed' }] }]);
    return 2;
  }
  warnStaleCompiledLib(repoRoot);

  const ctx: ConformanceContext = { repoRoot, istioctl, examplesDir: path.join(repoRoot, 'dist', 'examples') };
  const results: CheckResult[] = [];
  const needsExamples = selected.length === 0 || selected.some((s) => !['parity', 'gateway-render', 'gateway-translate'].includes(s));
  if (forceSynth || (needsExamples && exampleFolders(ctx.examplesDir).length === 0)) {
    const failed = synthesizeExamples(repoRoot);
    if (failed) results.push(failed);
  }

  for (const spec of specs) {
    if (selected.length > 0 && !spec.names.some((n) => selected.includes(n))) continue;
    const started = Date.now();
    console.error(`conformance: running ${spec.names.join(' + ')}`);
    try {
      const out = await spec.run(ctx);
      const list = Array.isArray(out) ? out : [out];
      results.push(...list.filter((r) => selected.length === 0 || selected.includes(r.name) || !spec.names.includes(r.name)));
    } catch (e) {
      for (const name of spec.names) {
        results.push({ ...emptyResult(name), skipped: true, failures: [{ message: `check crashed: ${(e as Error).stack ?? e}` }] });
      }
    }
    console.error(`conformance: ${spec.names.join(' + ')} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  printReport(results);
  const passed = results.reduce((n, r) => n + r.passed + r.allowlisted, 0);
  const failed = results.reduce((n, r) => n + Math.max(r.failed, isFailing(r) ? 1 : 0), 0);
  // The plain closing line CI reads: items that passed (allowlisted included) and items that failed.
  console.log(`conformance: ${passed} passed, ${failed} failed`);
  return results.some(isFailing) ? 1 : 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (e) => {
    console.error(e);
    process.exitCode = 2;
  },
);
