/**
 * `npm run bench`: synth speed and memory at platform scale, side by side with the baselines.
 *
 *   npm run bench                      # N = 100, 500, 1000, 2000; 5 measured runs each after a warm-up
 *   npm run bench -- --runs 3 100 1000
 *   npm run bench -- --runs 1 --large  # N = 100, 1000, 2000, 5000, 10000 (about 30 min on 2 cores)
 *
 * Each measurement is a whole `node` process (compiled JavaScript, no ts-node), so start-up,
 * module loading, construct tree, validation and file writing all count, as in a CI pipeline:
 * - ours:  the platform app (scripts/bench/platform.ts) with our constructs, its Deployments as
 *          Kubernetes L1 objects, synthesized by MeshApp (one pass); also without the synth-time
 *          analyzer (what the analyzer costs), through GitOpsApp (folder per chart, file per
 *          object, kustomizations, sync waves), and through cdk8s' own App (what the one pass
 *          saves; N <= 2000 only, as it is quadratic);
 * - raw:   plain cdk8s ApiObjects in cdk8s' App emitting byte-equal manifests (generated from our output);
 * - floor: `yaml` stringify of the same objects, nothing else;
 * - plus:  the same app with cdk8s-plus Deployments, and its own raw baseline (what cdk8s-plus
 *          costs; N <= 2000 only);
 * - mesh:  MeshInstallation (default profile) alone, against `istioctl manifest generate`.
 * Prints a table, marks each target met or not, and writes dist/bench/results.json. A CPU profile
 * of `ours` at N = 1000 is summarised (time by phase, top functions by self time).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ensureIstioctl } from '../../conformance/ensure-istioctl';

const root = path.resolve(__dirname, '..', '..');
const cache = path.join(root, '.cache', 'bench');
const jsDir = path.join(cache, 'js');
const worker = path.join(jsDir, 'scripts', 'bench', 'worker.js');

interface Sample { readonly ms: number; readonly objects: number; readonly bytes: number; readonly rssKiB: number }
interface Measured { readonly medianMs: number; readonly peakRssMiB: number; readonly objects: number; readonly bytes: number }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Compiles lib/ and the bench scripts to plain JavaScript once, with the project's compiler options. */
function compile(): void {
  fs.rmSync(jsDir, { recursive: true, force: true });
  const tsconfig = path.join(cache, 'tsconfig.json');
  fs.writeFileSync(tsconfig, JSON.stringify({
    extends: path.join(root, 'tsconfig.json'),
    compilerOptions: { outDir: jsDir, rootDir: root, declaration: false, inlineSourceMap: false, inlineSources: false, noUnusedLocals: false },
    include: [path.join(root, 'lib', '**', '*.ts'), path.join(root, 'scripts', 'bench', '*.ts')],
  }));
  const res = spawnSync('npx', ['tsc', '-p', tsconfig], { cwd: root, encoding: 'utf8' });
  if (res.status !== 0 && !fs.existsSync(worker)) throw new Error(`tsc failed:\n${res.stdout}${res.stderr}`);
  // Type errors elsewhere in a shared working tree do not stop the measurement of what tsc emitted.
  if (res.status !== 0) console.error(`bench: tsc reported errors, measuring the JavaScript it emitted:\n${res.stdout}${res.stderr}`);
}

/** Runs one process and times it. */
function timed(cmd: string, args: string[], nodeArgs: string[] = []): { ms: number; stdout: string } {
  const started = process.hrtime.bigint();
  const res = spawnSync(cmd, [...nodeArgs, ...args], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${res.stderr.slice(-4000)}`);
  return { ms, stdout: res.stdout };
}

function runWorker(args: string[], outdir: string, nodeArgs: string[] = []): Sample {
  fs.rmSync(outdir, { recursive: true, force: true });
  const { ms, stdout } = timed(process.execPath, [worker, ...args], nodeArgs);
  const stats = JSON.parse(stdout.trim().split('\n').pop()!) as Omit<Sample, 'ms'>;
  return { ms, ...stats };
}

/** A warm-up run, then `runs` measured runs. */
function measure(runs: number, once: () => Sample): Measured {
  once();
  const samples = Array.from({ length: runs }, once);
  return {
    medianMs: median(samples.map((s) => s.ms)),
    peakRssMiB: Math.max(...samples.map((s) => s.rssKiB)) / 1024,
    objects: samples[0].objects,
    bytes: samples[0].bytes,
  };
}

/** Our output as a fixture for the raw and floor baselines: per file, its objects in order. */
function writeFixture(outdir: string, file: string): void {
  const charts = fs.readdirSync(outdir).sort().map((f) => ({
    file: f,
    objects: parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf8')).map((d) => d.toJS()).filter((o) => o),
  }));
  fs.writeFileSync(file, JSON.stringify(charts));
}

function sameBytes(a: string, b: string): boolean {
  const files = fs.readdirSync(a).sort();
  return JSON.stringify(files) === JSON.stringify(fs.readdirSync(b).sort())
    && files.every((f) => fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))));
}

/** Top functions by self time of a V8 .cpuprofile. */
function profileSummary(file: string, top: number): string[] {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
    samples: number[];
    timeDeltas: number[];
  };
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byName = new Map<string, number>();
  for (const n of prof.nodes) {
    const t = self.get(n.id) ?? 0;
    if (!t) continue;
    const url = n.callFrame.url.replace(/^file:\/\//, '').replace(`${root}/`, '').replace(/^.*node_modules\//, '');
    const name = `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
    byName.set(name, (byName.get(name) ?? 0) + t);
  }
  return [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, t]) => `${(100 * t / total).toFixed(1).padStart(5)} %  ${name}`);
}

/** Inclusive time of the synthesis phases (functions of lib/private/synth and the bench) in a V8 .cpuprofile. */
function profilePhases(file: string): string[] {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { functionName: string }; children?: number[] }>;
    samples: number[];
    timeDeltas: number[];
  };
  const phases: Array<[string, RegExp]> = [
    ['build the construct tree (buildPlatform)', /^buildPlatform$/],
    ['validate (every construct\'s validations, the analyzer)', /^validateAll$/],
    ['  of which MeshAnalyzer', /^analyze$/],
    ['resolve dependencies', /^resolveDependencies$/],
    ['order charts and objects', /^(chartsInOrder|chartObjects)$/],
    ['render objects for output (toJson)', /^chartJson$/],
    ['YAML', /^stringifyDocuments?$/],
    ['write files', /^writeOutput$/],
    ['garbage collection', /^\(garbage collector\)$/],
  ];
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const totals = phases.map(() => 0);
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    total += dt;
    const names = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) names.add(byId.get(cur)!.callFrame.functionName);
    phases.forEach(([, re], p) => {
      if ([...names].some((n) => re.test(n))) totals[p] += dt;
    });
  });
  return phases.map(([label], p) => `${(100 * totals[p] / total).toFixed(1).padStart(5)} %  ${(totals[p] / 1000).toFixed(0).padStart(6)} ms  ${label}`);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

/** Largest N at which the quadratic cdk8s App and the cdk8s-plus variant are measured. */
const QUADRATIC_LIMIT = 2000;

function main(): void {
  const args = process.argv.slice(2);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && i !== runsAt + 1).map(Number);
  const ns = sizes.length ? sizes : args.includes('--large') ? [100, 1000, 2000, 5000, 10000] : [100, 500, 1000, 2000];
  fs.mkdirSync(cache, { recursive: true });
  console.error('bench: compiling lib/ and scripts/bench/ with tsc');
  compile();

  const results: Array<{
    n: number;
    ours: Measured;
    noAnalyzer: Measured;
    gitops: Measured;
    viaCdk8sApp?: Measured;
    raw: Measured;
    floor: Measured;
    byteEqual: boolean;
    plus?: Measured;
    plusRaw?: Measured;
    plusByteEqual?: boolean;
  }> = [];
  for (const n of ns) {
    console.error(`bench: N = ${n}`);
    const dir = (name: string) => path.join(cache, `${name}-${n}`);
    const fixture = path.join(cache, `fixture-${n}.json`);
    const ours = measure(runs, () => runWorker(['ours', String(n), dir('ours'), 'l1'], dir('ours')));
    const noAnalyzer = measure(runs, () => runWorker(['ours', String(n), dir('ours-no-analyzer'), 'l1', 'no-analyzer'], dir('ours-no-analyzer')));
    const gitops = measure(runs, () => runWorker(['ours', String(n), dir('gitops'), 'l1', 'gitops-app'], dir('gitops')));
    const small = n <= QUADRATIC_LIMIT;
    const viaCdk8sApp = small ? measure(runs, () => runWorker(['ours', String(n), dir('cdk8s-app'), 'l1', 'cdk8s-app'], dir('cdk8s-app'))) : undefined;
    writeFixture(dir('ours'), fixture);
    const raw = measure(runs, () => runWorker(['raw', fixture, dir('raw')], dir('raw')));
    const floor = measure(runs, () => runWorker(['floor', fixture, dir('floor')], dir('floor')));
    let plus: Measured | undefined;
    let plusRaw: Measured | undefined;
    let plusByteEqual: boolean | undefined;
    if (small) {
      const plusFixture = path.join(cache, `fixture-plus-${n}.json`);
      plus = measure(runs, () => runWorker(['ours', String(n), dir('plus'), 'cdk8s-plus'], dir('plus')));
      writeFixture(dir('plus'), plusFixture);
      plusRaw = measure(runs, () => runWorker(['raw', plusFixture, dir('plus-raw')], dir('plus-raw')));
      plusByteEqual = sameBytes(dir('plus'), dir('plus-raw'));
    }
    results.push({
      n,
      ours,
      noAnalyzer,
      gitops,
      viaCdk8sApp,
      raw,
      floor,
      byteEqual: sameBytes(dir('ours'), dir('raw')) && sameBytes(dir('ours'), dir('ours-no-analyzer'))
        && (!small || sameBytes(dir('ours'), dir('cdk8s-app'))),
      plus,
      plusRaw,
      plusByteEqual,
    });
    for (const d of ['ours-no-analyzer', 'gitops', 'cdk8s-app', 'raw', 'floor', 'plus', 'plus-raw']) fs.rmSync(dir(d), { recursive: true, force: true });
  }

  console.error('bench: control plane vs istioctl manifest generate');
  const meshDir = path.join(cache, 'mesh');
  const mesh = measure(runs, () => runWorker(['mesh', meshDir], meshDir));
  const istioctl = ensureIstioctl(root, () => undefined);
  const istioctlMs = median([0, ...Array(runs).keys()].map(() => timed(istioctl, ['manifest', 'generate', '--set', 'hub=registry.istio.io/release', '--set', 'tag=1.30.3']).ms).slice(1));

  let profile: string[] = [];
  let phases: string[] = [];
  if (ns.includes(1000)) {
    console.error('bench: CPU profile at N = 1000');
    const profDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-istio-prof-'));
    runWorker(['ours', '1000', path.join(cache, 'ours-prof'), 'l1'], path.join(cache, 'ours-prof'), ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
    const prof = fs.readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))!;
    profile = profileSummary(path.join(profDir, prof), 15);
    phases = profilePhases(path.join(profDir, prof));
    fs.rmSync(profDir, { recursive: true, force: true });
  }

  const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const rows = [['N', 'ours ms', 'ms/service', 'peak RSS MiB', 'raw cdk8s App ms', 'ours vs raw cdk8s App', 'floor ms', 'ours vs floor',
    'GitOpsApp ms', 'GitOpsApp vs raw', 'via cdk8s App ms', 'no analyzer ms', 'analyzer +%', 'objects', 'MiB out', 'byte-equal']];
  for (const r of results) {
    rows.push([String(r.n), r.ours.medianMs.toFixed(0), (r.ours.medianMs / r.n).toFixed(2), r.ours.peakRssMiB.toFixed(0),
      r.raw.medianMs.toFixed(0), x(r.ours.medianMs, r.raw.medianMs), r.floor.medianMs.toFixed(0), x(r.ours.medianMs, r.floor.medianMs),
      r.gitops.medianMs.toFixed(0), x(r.gitops.medianMs, r.raw.medianMs), r.viaCdk8sApp ? r.viaCdk8sApp.medianMs.toFixed(0) : '-',
      r.noAnalyzer.medianMs.toFixed(0), (100 * (r.ours.medianMs / r.noAnalyzer.medianMs - 1)).toFixed(1),
      String(r.ours.objects), (r.ours.bytes / 1048576).toFixed(1), r.byteEqual ? 'yes' : 'NO']);
  }
  const plusRows = [['N', 'with cdk8s-plus ms', 'peak RSS MiB', 'its raw ms', 'ratio', 'cdk8s-plus cost ms', 'byte-equal']];
  for (const r of results) {
    if (!r.plus || !r.plusRaw) continue;
    plusRows.push([String(r.n), r.plus.medianMs.toFixed(0), r.plus.peakRssMiB.toFixed(0), r.plusRaw.medianMs.toFixed(0),
      (r.plus.medianMs / r.plusRaw.medianMs).toFixed(2), (r.plus.medianMs - r.ours.medianMs).toFixed(0), r.plusByteEqual ? 'yes' : 'NO']);
  }
  const at = (n: number) => results.find((r) => r.n === n);
  const r1 = at(1000);
  const scaling = (n: number, limit: number): [string, boolean | undefined, string] => [`N = ${n} <= ${limit}x N = 1000`,
    r1 && at(n) ? at(n)!.ours.medianMs <= limit * r1.ours.medianMs : undefined,
    r1 && at(n) ? x(at(n)!.ours.medianMs, r1.ours.medianMs) : 'not run'];
  const targets: Array<[string, boolean | undefined, string]> = [
    ['N = 1000: <= 1.0x the raw cdk8s App', r1 && r1.ours.medianMs <= r1.raw.medianMs, r1 ? x(r1.ours.medianMs, r1.raw.medianMs) : 'not run'],
    ['N = 1000: <= 1.5x the yaml floor', r1 && r1.ours.medianMs <= 1.5 * r1.floor.medianMs, r1 ? x(r1.ours.medianMs, r1.floor.medianMs) : 'not run'],
    ['N = 1000 in <= 5 s', r1 && r1.ours.medianMs <= 5000, r1 ? `${(r1.ours.medianMs / 1000).toFixed(2)} s` : 'not run'],
    ['N = 1000 in <= 300 MiB RSS', r1 && r1.ours.peakRssMiB <= 300, r1 ? `${r1.ours.peakRssMiB.toFixed(0)} MiB` : 'not run'],
    scaling(2000, 2.1),
    scaling(10000, 10.5),
    ['N = 10000 in <= 2 GiB RSS', at(10000) ? at(10000)!.ours.peakRssMiB <= 2048 : undefined,
      at(10000) ? `${at(10000)!.ours.peakRssMiB.toFixed(0)} MiB` : 'not run'],
    ['the analyzer adds <= 10% (every N)', results.every((r) => r.ours.medianMs <= 1.1 * r.noAnalyzer.medianMs),
      results.map((r) => `${r.n}: +${(100 * (r.ours.medianMs / r.noAnalyzer.medianMs - 1)).toFixed(1)}%`).join(', ')],
    ['MeshInstallation <= 0.8x istioctl manifest generate', mesh.medianMs <= 0.8 * istioctlMs,
      `${mesh.medianMs.toFixed(0)} ms vs ${istioctlMs.toFixed(0)} ms = ${x(mesh.medianMs, istioctlMs)}`],
  ];
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.platform()}`;
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`\nmachine: ${machine}; median of ${runs} runs after a warm-up, whole process; load average at the end ${load}\n`);
  console.log(table(rows));
  if (plusRows.length > 1) {
    console.log('\nthe same app with cdk8s-plus Deployments (not our constructs) instead of L1 ones:\n');
    console.log(table(plusRows));
  }
  console.log(`\ncontrol plane: MeshInstallation ${mesh.medianMs.toFixed(0)} ms (${mesh.objects} objects, ${mesh.peakRssMiB.toFixed(0)} MiB) vs istioctl manifest generate ${istioctlMs.toFixed(0)} ms\n`);
  console.log(table([['target', 'met', 'measured'], ...targets.map(([t, met, m]) => [t, met === undefined ? 'n/a' : met ? 'yes' : 'NO', m])]));
  if (phases.length) console.log(`\nCPU profile of ours, N = 1000, by phase (inclusive):\n${phases.join('\n')}`);
  if (profile.length) console.log(`\nCPU profile, N = 1000 (self time):\n${profile.join('\n')}`);
  const out = path.join(root, 'dist', 'bench', 'results.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({
    machine,
    runs,
    loadAverage: os.loadavg(),
    results,
    mesh,
    istioctlMs,
    targets: targets.map(([t, met, m]) => ({ target: t, met, measured: m })),
    phases,
    profile,
  }, undefined, 2)}\n`);
  console.log(`\nwritten: ${path.relative(root, out)}`);
}

main();
