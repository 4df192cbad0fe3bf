/**
 * One measured process of the benchmark. Prints one JSON line: objects, bytes, peak RSS (KiB).
 *
 *   node worker.js ours N OUTDIR [l1|cdk8s-plus] [no-analyzer] [mesh-app|cdk8s-app|gitops-app]
 *                                      # the platform app with our constructs (workloads as L1 or
 *                                      # cdk8s-plus Deployments; optionally without MeshAnalyzer),
 *                                      # synthesized by MeshApp (the default), by cdk8s' own App,
 *                                      # or by GitOpsApp (a folder per chart, a file per object)
 *   node worker.js raw FIXTURE OUTDIR  # raw cdk8s ApiObjects re-emitting the same manifests
 *   node worker.js floor FIXTURE OUTDIR  # yaml stringify of the same objects, nothing else
 *   node worker.js mesh OUTDIR         # MeshInstallation (default profile) alone
 */
import * as fs from 'fs';
import * as path from 'path';
// Modules are loaded by the mode that needs them, so a baseline does not pay for our library.
/* eslint-disable @typescript-eslint/no-require-imports */

/** A synthesized chart: its file name and its objects in order. */
export interface FixtureChart {
  readonly file: string;
  readonly objects: Array<Record<string, any>>;
}

/** Objects and bytes of the manifests under `outdir` (GitOpsApp's kustomizations are not counted). */
function outputStats(outdir: string): { objects: number; bytes: number } {
  let objects = 0;
  let bytes = 0;
  for (const f of fs.readdirSync(outdir, { recursive: true, encoding: 'utf8' }) as string[]) {
    const file = path.join(outdir, f);
    if (path.basename(f) === 'kustomization.yaml' || !fs.statSync(file).isFile()) continue;
    const text = fs.readFileSync(file, 'utf8');
    bytes += Buffer.byteLength(text);
    objects += (text.match(/^kind: /gm) ?? []).length;
  }
  return { objects, bytes };
}

function raw(fixture: FixtureChart[], outdir: string): void {
  const { ApiObject, App, Chart } = require('cdk8s') as typeof import('cdk8s');
  const app = new App({ outdir });
  for (const c of fixture) {
    // Same chart ids in the same order, so cdk8s writes the same file names.
    const chart = new Chart(app, c.file.replace(/^\d{4}-/, '').replace(/\.k8s\.yaml$/, ''));
    c.objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o as any));
  }
  app.synth();
}

function floor(fixture: FixtureChart[], outdir: string): void {
  const { stringify } = require('yaml') as typeof import('yaml');
  for (const c of fixture) {
    fs.writeFileSync(path.join(outdir, c.file), c.objects.map((o) => stringify(o)).join('---\n'));
  }
}

function main(): void {
  const [mode, arg, outdirArg, ...flags] = process.argv.slice(2);
  const outdir = mode === 'mesh' ? arg : outdirArg;
  fs.mkdirSync(outdir, { recursive: true });
  if (mode === 'ours') {
    const { App } = require('cdk8s') as typeof import('cdk8s');
    const { buildPlatform } = require('./platform') as typeof import('./platform');
    const { GitOpsApp, MeshAnalyzer, MeshApp } = require('../../lib') as typeof import('../../lib');
    // The platform's many release plans would fill the pipe: one summary (the default above 20 messages).
    const app = flags.includes('cdk8s-app') ? new App({ outdir }) : flags.includes('gitops-app') ? new GitOpsApp({ outdir }) : new MeshApp({ outdir });
    buildPlatform(app, Number(arg), flags.includes('cdk8s-plus') ? 'cdk8s-plus' : 'l1');
    if (flags.includes('no-analyzer')) MeshAnalyzer.of(app).disable('measuring what the analyzer costs');
    app.synth();
  } else if (mode === 'raw') {
    raw(JSON.parse(fs.readFileSync(arg, 'utf8')), outdir);
  } else if (mode === 'floor') {
    floor(JSON.parse(fs.readFileSync(arg, 'utf8')), outdir);
  } else if (mode === 'mesh') {
    const { Chart } = require('cdk8s') as typeof import('cdk8s');
    const { MeshApp, MeshInstallation } = require('../../lib') as typeof import('../../lib');
    const app = new MeshApp({ outdir });
    new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', {});
    app.synth();
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const rssKiB = process.resourceUsage().maxRSS;
  process.stdout.write(`${JSON.stringify({ ...outputStats(outdir), rssKiB })}\n`);
}

main();
