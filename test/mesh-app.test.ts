import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart, JsonPatch, YamlOutputType } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CanaryRelease, MeshApp, MeshAppProps, MeshInstallation, ReleaseStrategy, ReleaseWorkload, SynthStderr } from '../lib';
import { summarize } from '../lib/private/synth/stderr';

const EXAMPLES = path.resolve(__dirname, '..', 'examples');
const examples = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3)).sort();

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-app-'));
}

/** Every file under `dir` (relative path -> bytes) and every folder, sorted. */
function tree(dir: string): { files: Map<string, Buffer>; dirs: string[] } {
  const entries = (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).sort();
  const files = new Map<string, Buffer>();
  const dirs: string[] = [];
  for (const e of entries) {
    if (fs.statSync(path.join(dir, e)).isDirectory()) dirs.push(e);
    else files.set(e, fs.readFileSync(path.join(dir, e)));
  }
  return { files, dirs };
}

/** Asserts that two output folders hold the same folders and files, byte for byte. */
function expectSameTree(ours: string, theirs: string): void {
  const a = tree(ours);
  const b = tree(theirs);
  expect(a.dirs).toEqual(b.dirs);
  expect([...a.files.keys()]).toEqual([...b.files.keys()]);
  expect(a.files.size).toBeGreaterThan(0);
  for (const [file, bytes] of b.files) {
    // Compared as text first for a readable diff, then as bytes.
    expect(`${file}:\n${a.files.get(file)!.toString('utf8')}`).toEqual(`${file}:\n${bytes.toString('utf8')}`);
    expect(a.files.get(file)!.equals(bytes)).toBe(true);
  }
}

/** What console.warn/console.error printed while `run` ran (and nothing reaches the test output). */
function consoleOutput(run: () => void): string[] {
  const printed: string[] = [];
  const warn = jest.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void printed.push(`warn: ${a.join(' ')}`));
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void printed.push(`error: ${a.join(' ')}`));
  try {
    run();
  } finally {
    warn.mockRestore();
    error.mockRestore();
  }
  return printed;
}

/** Loads an example's build(app). */
function builder(name: string): (app: App) => void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(EXAMPLES, name)).build;
}

describe('MeshApp writes what cdk8s App.synth() writes, byte for byte', () => {
  test.each(examples)('examples/%s.ts', (name) => {
    const build = builder(name);
    const theirs = new App({ outdir: tmpdir() });
    build(theirs);
    const theirMessages = consoleOutput(() => theirs.synth());
    const ours = new MeshApp({ outdir: tmpdir() });
    build(ours);
    const ourMessages = consoleOutput(() => ours.synth());
    expectSameTree(ours.outdir, theirs.outdir);
    // Few messages: passed through as cdk8s printed them, in the same order.
    expect(ourMessages.length).toBeLessThanOrEqual(20);
    expect(ourMessages).toEqual(theirMessages);
  });

  test.each(examples)('examples/%s.ts: synthYaml()', (name) => {
    const build = builder(name);
    const theirs = new App();
    build(theirs);
    const ours = new MeshApp();
    build(ours);
    let expected = '';
    consoleOutput(() => (expected = theirs.synthYaml()));
    consoleOutput(() => expect(ours.synthYaml()).toEqual(expected));
  });
});

/**
 * An app whose order depends on dependencies: nested charts, a chart depending on a later one,
 * objects of one chart ordered by construct dependencies, two objects with the same file name,
 * an empty chart, names cdk8s strips from file names.
 */
function dependantApp(app: App): void {
  const later = new Chart(app, 'a-later');
  const early = new Chart(app, 'z-early');
  new Chart(app, 'empty');
  const parent = new Chart(app, 'parent');
  const nested = new Chart(parent, 'nested');
  new ApiObject(nested, 'Inner', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inner' } });
  new ApiObject(parent, 'Outer', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'outer' } });
  later.addDependency(early);
  const group = new Construct(later, 'Group');
  const first = new ApiObject(group, 'First', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first:x' }, data: { a: '1' } });
  const second = new ApiObject(group, 'Second', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'second' } });
  const third = new ApiObject(later, 'Third', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'third', namespace: 'a' } });
  new ApiObject(later, 'ThirdAgain', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'third', namespace: 'b' } });
  second.addDependency(third);
  first.node.addDependency(second);
  const deps = new Construct(early, 'Deps');
  new ApiObject(deps, 'Ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
  new ApiObject(early, 'Other', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' }, spec: { multi: 'line one\nline two\n', yes: 'yes', n: '0o17' } });
  early.node.findChild('Other').node.addDependency(deps);
}

describe.each([
  ['FILE_PER_CHART', YamlOutputType.FILE_PER_CHART],
  ['FILE_PER_APP', YamlOutputType.FILE_PER_APP],
  ['FILE_PER_RESOURCE', YamlOutputType.FILE_PER_RESOURCE],
  ['FOLDER_PER_CHART_FILE_PER_RESOURCE', YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE],
])('yamlOutputType %s', (_name, yamlOutputType) => {
  function both(build: (app: App) => void, props: AppProps = {}): { ours: string; theirs: string } {
    const theirs = new App({ outdir: tmpdir(), yamlOutputType, ...props });
    build(theirs);
    theirs.synth();
    const ours = new MeshApp({ outdir: tmpdir(), yamlOutputType, ...props });
    build(ours);
    ours.synth();
    return { ours: ours.outdir, theirs: theirs.outdir };
  }

  test('dependant and nested charts: same file names (numbered), same order, same bytes', () => {
    const { ours, theirs } = both(dependantApp, { outputFileExtension: '.yml', recordConstructMetadata: true });
    expectSameTree(ours, theirs);
    expect(fs.existsSync(path.join(ours, 'construct-metadata.json'))).toBe(true);
  });

  test('charts with numeric ids (listed first, in numeric order, by cdk8s) and a dependency between them', () => {
    const { ours, theirs } = both((app) => {
      for (const id of ['b', '10', '2', 'a']) {
        const chart = new Chart(app, id);
        new ApiObject(chart, 'Cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${id}` } });
      }
      app.node.findChild('10').node.addDependency(app.node.findChild('a'));
    });
    expectSameTree(ours, theirs);
  });

  test('examples/gitops-argocd.ts built on plain apps', () => {
    const { ours, theirs } = both(builder('gitops-argocd'));
    expectSameTree(ours, theirs);
  });

  test('MeshApp.synthesize(app) on a plain App writes the same', () => {
    const theirs = new App({ outdir: tmpdir(), yamlOutputType });
    dependantApp(theirs);
    theirs.synth();
    const ours = new App({ outdir: tmpdir(), yamlOutputType });
    dependantApp(ours);
    MeshApp.synthesize(ours);
    expectSameTree(ours.outdir, theirs.outdir);
  });
});

test('the dependant app is ordered by its dependencies (what the byte comparison relies on)', () => {
  const app = new MeshApp({ outdir: tmpdir() });
  dependantApp(app);
  app.synth();
  expect(fs.readdirSync(app.outdir).sort()).toEqual(['0000-z-early.k8s.yaml', '0001-a-later.k8s.yaml', '0002-empty.k8s.yaml',
    '0003-parent-nested-c835d7e2.k8s.yaml', '0004-parent.k8s.yaml']);
  const later = fs.readFileSync(path.join(app.outdir, '0001-a-later.k8s.yaml'), 'utf8');
  expect([...later.matchAll(/^ {2}name: (.*)$/gm)].map((m) => m[1])).toEqual(['third', 'second', 'first:x', 'third']);
});

describe('validation', () => {
  function failing(app: App): void {
    const chart = new Chart(app, 'chart');
    new ApiObject(chart, 'Ok', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok' } });
    chart.node.addValidation({ validate: () => ['first problem', 'second problem'] });
  }

  test('a failing validation throws cdk8s\' message and writes nothing, not even the outdir', () => {
    const theirs = new App({ outdir: tmpdir() });
    failing(theirs);
    let expected: unknown;
    try {
      theirs.synth();
    } catch (e) {
      expected = e;
    }
    expect(String(expected)).toContain('[chart] first problem');
    const outdir = path.join(tmpdir(), 'out');
    const ours = new MeshApp({ outdir });
    failing(ours);
    expect(() => ours.synth()).toThrow((expected as Error).message);
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test('a dependency cycle fails with cdk8s\' error', () => {
    const cyclic = (app: App) => {
      const chart = new Chart(app, 'chart');
      const a = new ApiObject(chart, 'A', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
      const b = new ApiObject(chart, 'B', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
      a.addDependency(b);
      b.addDependency(a);
    };
    const theirs = new App({ outdir: tmpdir() });
    cyclic(theirs);
    expect(() => theirs.synth()).toThrow('Dependency cycle detected: chart/A => chart/B => chart/A');
    const ours = new MeshApp({ outdir: path.join(tmpdir(), 'out') });
    cyclic(ours);
    expect(() => ours.synth()).toThrow('Dependency cycle detected: chart/A => chart/B => chart/A');
    expect(fs.existsSync(ours.outdir)).toBe(false);
  });

  test('each object is rendered once per synth: checks that read it during validation and the output share the rendering', () => {
    let renders = 0;
    class Counted extends ApiObject {
      public toJson(): any {
        renders++;
        return super.toJson();
      }
    }
    const app = new MeshApp({ outdir: tmpdir() });
    const chart = new Chart(app, 'chart');
    const cm = new Counted(chart, 'Cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1' } });
    const seen: unknown[] = [];
    chart.node.addValidation({ validate: () => (seen.push(cm.toJson().data), []) });
    new Construct(chart, 'Other').node.addValidation({ validate: () => (seen.push(cm.toJson().data), []) });
    app.synth();
    expect(renders).toBe(1);
    expect(seen).toEqual([{ a: '1' }, { a: '1' }]);
    expect(fs.readFileSync(path.join(app.outdir, 'chart.k8s.yaml'), 'utf8')).toContain('data:\n  a: "1"\n');
    // After synthesis the object renders afresh again.
    expect(Object.prototype.hasOwnProperty.call(cm, 'toJson')).toBe(false);
    cm.addJsonPatch(JsonPatch.add('/data/b', '2'));
    expect(cm.toJson().data).toEqual({ a: '1', b: '2' });
    expect(renders).toBe(2);
  });

  test('validations run once per synth, not once per chart', () => {
    const app = new MeshApp({ outdir: tmpdir() });
    let runs = 0;
    for (let i = 0; i < 5; i++) {
      const chart = new Chart(app, `c${i}`);
      new ApiObject(chart, 'Cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm${i}` } });
    }
    app.node.findChild('c0').node.addValidation({ validate: () => (runs++, []) });
    app.synth();
    expect(runs).toBe(1);
    const plain = new App({ outdir: tmpdir() });
    for (let i = 0; i < 5; i++) new Chart(plain, `c${i}`);
    let plainRuns = 0;
    plain.node.findChild('c0').node.addValidation({ validate: () => (plainRuns++, []) });
    plain.synth();
    expect(plainRuns).toBe(6); // what the one pass saves: cdk8s validates once, then once per chart
  });

  test.each([
    [{ stderr: 'loud' }, "[MeshApp] 'stderr' must be one of SynthStderr.AUTO, SynthStderr.PER_CONSTRUCT, SynthStderr.SUMMARY, got \"loud\""],
    [{ summaryThreshold: -1 }, "[MeshApp] 'summaryThreshold' must be an integer >= 0, got -1; e.g. 20 prints up to 20 messages one by one and summarizes more"],
    [{ summaryThreshold: '20' }, "[MeshApp] 'summaryThreshold' must be an integer >= 0, got \"20\" (string)"],
    [{ progress: 'yes' }, "[MeshApp] 'progress' must be true or false, got \"yes\" (string); omit it to show progress when stderr is a terminal"],
  ])('bad props %j', (props, message) => {
    expect(() => new MeshApp(props as unknown as MeshAppProps)).toThrow(message);
  });
});

describe('stderr', () => {
  /** An app with `n` static CanaryReleases (each prints its plan) in one chart. */
  function releases(props: MeshAppProps, n: number): MeshApp {
    const app = new MeshApp({ outdir: tmpdir(), ...props });
    const mesh = MeshInstallation.fromExisting(new Chart(app, 'mesh'), 'Mesh');
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    for (let i = 0; i < n; i++) {
      const d = (id: string, tag: string) => new kplus.Deployment(chart, `${id}${i}`, {
        metadata: { name: `svc${i}-${id.toLowerCase()}` },
        podMetadata: { labels: { version: tag } },
        containers: [{ name: 'app', image: `registry.example/svc:${tag}`, portNumber: 9080 }],
      });
      new CanaryRelease(chart, `Release${i}`, {
        serviceName: `svc${i}`,
        mesh,
        stable: ReleaseWorkload.fromDeployment(d('V1', '1.0.0')),
        canary: ReleaseWorkload.fromDeployment(d('V2', '2.0.0')),
        strategy: ReleaseStrategy.staticWeight(i === 0 ? 20 : 10),
      });
    }
    return app;
  }

  /** Synthesizes, returning what went to process.stderr directly and through console.error. */
  function synthOutput(app: App, tty = false): { stderr: string; console: string[] } {
    const written: string[] = [];
    const write = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (written.push(String(s)), true));
    const descriptor = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true });
    try {
      const printed = consoleOutput(() => app.synth());
      return { stderr: written.join(''), console: printed };
    } finally {
      write.mockRestore();
      if (descriptor) Object.defineProperty(process.stderr, 'isTTY', descriptor);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
  }

  const PLAN_0 = 'CanaryRelease shop/svc0 (shop/Release0): static weights in Git\n'
    + '  t+0s       canary  20% (until the next commit changes the weight)\n'
    + '  promotion and rollback: commit a new weight (100 promotes, 0 rolls back)';

  test('a small app prints each release plan, as with cdk8s App', () => {
    const out = synthOutput(releases({ summaryThreshold: 3 }, 3));
    expect(out.console).toHaveLength(3);
    expect(out.console[0]).toEqual(`error: ${PLAN_0}`);
    expect(out.stderr).toEqual('');
  });

  test('above the threshold: one summary instead of one block per construct', () => {
    const out = synthOutput(releases({ summaryThreshold: 3 }, 5));
    expect(out.console).toEqual([]);
    expect(out.stderr).toEqual([
      'cdk8s-istio: 5 messages from synthesis, summarized (MeshApp/GitOpsApp prop `stderr: SynthStderr.PER_CONSTRUCT` prints each)',
      '  5 release plans (CanaryRelease.plan() has each):',
      '    1 x static weights in Git: t+0s canary 20% (until the next commit changes the weight); '
      + 'promotion and rollback: commit a new weight (100 promotes, 0 rolls back) (shop/Release0)',
      '    4 x static weights in Git: t+0s canary 10% (until the next commit changes the weight); '
      + 'promotion and rollback: commit a new weight (100 promotes, 0 rolls back) (shop/Release1, shop/Release2, shop/Release3 and 1 more)',
      '',
    ].join('\n'));
  });

  test('PER_CONSTRUCT prints each however many; SUMMARY summarizes however few', () => {
    expect(synthOutput(releases({ summaryThreshold: 1, stderr: SynthStderr.PER_CONSTRUCT }, 3)).console).toHaveLength(3);
    const summary = synthOutput(releases({ stderr: SynthStderr.SUMMARY }, 1));
    expect(summary.console).toEqual([]);
    expect(summary.stderr).toContain('  1 release plan (CanaryRelease.plan() has each):\n');
  });

  test('a progress line on a terminal, erased at the end; none when stderr is not a terminal', () => {
    const tty = synthOutput(releases({}, 1), true).stderr;
    expect(tty).toMatch(/^\r\x1b\[Kcdk8s-istio: validating \d+ constructs/);
    expect(tty.endsWith('\r\x1b[K')).toBe(true);
    expect(synthOutput(releases({}, 1), false).stderr).toEqual('');
    expect(synthOutput(releases({ progress: true }, 1), false).stderr).toContain('validating');
    expect(synthOutput(releases({ progress: false }, 1), true).stderr).toEqual('');
    // The summary starts on a line of its own: the progress line is erased first.
    const both = synthOutput(releases({ stderr: SynthStderr.SUMMARY }, 1), true).stderr;
    expect(both).toMatch(/validating \d+ constructs\r\x1b\[Kcdk8s-istio: 1 message from synthesis, summarized/);
  });

  test('warnings are grouped by analyzer code or message, with paths and the first one in full; other lines kept', () => {
    const analyzer = (p: string) => `[${p}] warning IST0102 (NamespaceNotInjected) Namespace ${p}: not injected; fix: label it`;
    expect(summarize([analyzer('a/X'), 'plain line', analyzer('b/Y'), '[c/Z] warning: host "*" serves every host name']).join('\n')).toEqual([
      'cdk8s-istio: 4 messages from synthesis, summarized (MeshApp/GitOpsApp prop `stderr: SynthStderr.PER_CONSTRUCT` prints each)',
      '  3 warnings:',
      '    2 x IST0102 (NamespaceNotInjected) (a/X, b/Y); first in full:',
      `      ${analyzer('a/X')}`,
      '    1 x host "…" serves every host name (c/Z); first in full:',
      '      [c/Z] warning: host "*" serves every host name',
      'plain line',
    ].join('\n'));
  });
});
