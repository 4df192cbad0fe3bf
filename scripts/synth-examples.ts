/**
 * Synthesizes every example app (examples/<name>.ts) into dist/examples/<name>/, and each of its
 * variants into dist/examples/<name>.<variant>/.
 *
 *   npm run synth                    # all examples, with their variants
 *   npm run synth -- NAME            # the named examples, with their variants
 *   npm run synth -- NAME.VARIANT    # one variant only
 *
 * Each example exports `build(app)`, and may export `createApp(props)` to synthesize on its own App
 * (e.g. a GitOpsApp) instead of a plain cdk8s App, and `variants`: other builds of the same example
 * by name (e.g. `{ ambient: (app) => build(app, DataPlane.AMBIENT) }`), which the conformance checks
 * read as examples of their own. An example is synthesized into a temporary folder first and moved
 * into place only when synthesis succeeded, so a failing example leaves no partial output.
 */
import * as fs from 'fs';
import Module from 'module';
import * as path from 'path';
import { App } from 'cdk8s';

const root = path.resolve(__dirname, '..');

/**
 * Examples import the library by its package name, as a user's app does (`from 'cdk8s-istio'`), so
 * the README snippets cut from them can be pasted into a project. Here that name resolves to the
 * sources in lib/ (what `../lib` resolved to before); tsc and eslint map it with `paths` in
 * examples/tsconfig.json, jest with `moduleNameMapper`.
 */
export function resolvePackageNameToSources(): void {
  const m = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string; __cdk8sIstio?: boolean };
  if (m.__cdk8sIstio) return;
  const original = m._resolveFilename;
  m._resolveFilename = function (request: string, ...rest: unknown[]) {
    return original.call(this, request === 'cdk8s-istio' ? path.join(root, 'lib') : request, ...rest);
  };
  m.__cdk8sIstio = true;
}

const examplesDir = path.join(root, 'examples');
const outRoot = path.join(root, 'dist', 'examples');

/** Names of the example apps, sorted. */
export function exampleNames(): string[] {
  return fs.readdirSync(examplesDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3)).sort();
}

/** A variant's name: a DNS label, so `<example>.<variant>` stays a plain folder name. */
const VARIANT_NAME = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

/** One build of an example: the default (`variant` undefined, folder `<example>`) or a named variant (folder `<example>.<variant>`). */
export interface ExampleBuild {
  readonly example: string;
  readonly variant?: string;
  /** Folder under dist/examples/ (and snapshot name). */
  readonly folder: string;
  readonly build: (app: App) => void;
  /** The example's own App factory, when it exports `createApp(props)`. */
  readonly createApp?: (props: { outdir?: string }) => App;
}

/**
 * The builds of examples/<name>.ts: `build(app)` first, then each of `variants` in name order. Throws
 * an Error naming the example when it exports no `build`, or a `variants` that is not an object of
 * functions with DNS-label names.
 */
export function exampleBuilds(name: string): ExampleBuild[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const example = require(path.join(examplesDir, name));
  if (typeof example.build !== 'function') throw new Error(`examples/${name}.ts must export build(app: App)`);
  const createApp = typeof example.createApp === 'function' ? example.createApp : undefined;
  const out: ExampleBuild[] = [{ example: name, folder: name, build: (app) => example.build(app), createApp }];
  const variants: unknown = example.variants;
  if (variants === undefined) return out;
  if (typeof variants !== 'object' || variants === null || Array.isArray(variants)) {
    throw new Error(`examples/${name}.ts: 'variants' must be an object of builds by name, e.g. { ambient: (app: App) => build(app, DataPlane.AMBIENT) }`);
  }
  for (const [variant, build] of Object.entries(variants).sort(([a], [b]) => a.localeCompare(b))) {
    if (!VARIANT_NAME.test(variant)) throw new Error(`examples/${name}.ts: variant name "${variant}" must be a DNS label (lower-case letters, digits, '-'), e.g. ambient`);
    if (typeof build !== 'function') throw new Error(`examples/${name}.ts: variant "${variant}" must be a function (app: App) => void`);
    out.push({ example: name, variant, folder: `${name}.${variant}`, build: (app) => build(app), createApp });
  }
  return out;
}

/** The builds `npm run synth -- <args>` writes: every example's with no argument; `NAME` all of that example's; `NAME.VARIANT` one. */
export function selectBuilds(wanted: readonly string[]): ExampleBuild[] {
  if (wanted.length === 0) return exampleNames().flatMap(exampleBuilds);
  const out: ExampleBuild[] = [];
  for (const arg of wanted) {
    const dot = arg.indexOf('.');
    const example = dot < 0 ? arg : arg.slice(0, dot);
    const builds = exampleBuilds(example);
    if (dot < 0) {
      out.push(...builds);
      continue;
    }
    const one = builds.find((b) => b.folder === arg);
    if (!one) throw new Error(`examples/${example}.ts has no variant "${arg.slice(dot + 1)}"; it has: ${builds.map((b) => b.folder).join(', ')}`);
    out.push(one);
  }
  return out;
}

/** Removes dist/examples/<example>.<variant>/ folders of variants the example no longer declares, so the checks do not read them. */
function removeStaleVariants(example: string, builds: readonly ExampleBuild[]): void {
  if (!fs.existsSync(outRoot)) return;
  for (const e of fs.readdirSync(outRoot, { withFileTypes: true })) {
    if (e.isDirectory() && e.name.startsWith(`${example}.`) && !builds.some((b) => b.folder === e.name)) {
      fs.rmSync(path.join(outRoot, e.name), { recursive: true, force: true });
      console.log(`removed ${path.relative(root, path.join(outRoot, e.name))}/ (examples/${example}.ts declares no such variant)`);
    }
  }
}

function main(): void {
  resolvePackageNameToSources();
  const failures: string[] = [];
  const wanted = process.argv.slice(2);
  // Each argument (each example when there is none) is resolved on its own: one broken example fails alone.
  const builds: ExampleBuild[] = [];
  for (const arg of wanted.length > 0 ? wanted : exampleNames()) {
    try {
      const selected = selectBuilds([arg]);
      builds.push(...selected);
      if (!arg.includes('.')) removeStaleVariants(arg, selected);
    } catch (err) {
      failures.push(arg);
      console.error(`FAILED examples/${arg.split('.')[0]}.ts: ${(err as Error).message}`);
    }
  }
  for (const b of builds) {
    const label = `examples/${b.example}.ts${b.variant ? ` (variant ${b.variant})` : ''}`;
    const staging = path.join(outRoot, `.${b.folder}.tmp`);
    fs.rmSync(staging, { recursive: true, force: true });
    try {
      const app: App = b.createApp ? b.createApp({ outdir: staging }) : new App({ outdir: staging });
      b.build(app);
      app.synth();
      const target = path.join(outRoot, b.folder);
      fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(staging, target);
      const files = fs.readdirSync(target);
      console.log(`synthesized ${label} -> ${path.relative(root, target)}/ (${files.join(', ')})`);
    } catch (err) {
      fs.rmSync(staging, { recursive: true, force: true });
      failures.push(b.folder);
      console.error(`FAILED ${label}: ${(err as Error).message}`);
    }
  }
  if (failures.length > 0) {
    console.error(`${failures.length} example(s) failed: ${failures.join(', ')}`);
    process.exit(1);
  }
}

if (require.main === module) main();
