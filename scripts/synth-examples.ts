/**
 * Synthesizes every example app (examples/<name>.ts) into dist/examples/<name>/.
 *
 *   npm run synth            # all examples
 *   npm run synth -- NAME    # only the named ones
 *
 * Each example exports `build(app)`, and may export `createApp(props)` to synthesize on its own App
 * (e.g. a GitOpsApp) instead of a plain cdk8s App. An example is synthesized into a temporary folder
 * first and moved into place only when synthesis succeeded, so a failing example leaves no partial
 * output.
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

function main(): void {
  resolvePackageNameToSources();
  const wanted = process.argv.slice(2);
  const names = wanted.length > 0 ? wanted : exampleNames();
  const failures: string[] = [];
  for (const name of names) {
    const staging = path.join(outRoot, `.${name}.tmp`);
    fs.rmSync(staging, { recursive: true, force: true });
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const example = require(path.join(examplesDir, name));
      if (typeof example.build !== 'function') throw new Error(`examples/${name}.ts must export build(app: App)`);
      const app: App = typeof example.createApp === 'function' ? example.createApp({ outdir: staging }) : new App({ outdir: staging });
      example.build(app);
      app.synth();
      const target = path.join(outRoot, name);
      fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(staging, target);
      const files = fs.readdirSync(target);
      console.log(`synthesized examples/${name}.ts -> ${path.relative(root, target)}/ (${files.join(', ')})`);
    } catch (err) {
      fs.rmSync(staging, { recursive: true, force: true });
      failures.push(name);
      console.error(`FAILED examples/${name}.ts: ${(err as Error).message}`);
    }
  }
  if (failures.length > 0) {
    console.error(`${failures.length} example(s) failed: ${failures.join(', ')}`);
    process.exit(1);
  }
}

if (require.main === module) main();
