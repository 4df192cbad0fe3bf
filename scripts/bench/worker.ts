/**
 * One measured process of the benchmark. Prints one JSON line: objects, bytes, peak RSS (KiB).
 *
 *   node worker.js ours N OUTDIR [l1|cdk8s-plus] [no-analyzer]
 *                                      # the platform app with our constructs (workloads as L1 or
 *                                      # cdk8s-plus Deployments; optionally without MeshAnalyzer)
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

function outputStats(outdir: string): { objects: number; bytes: number } {
  let objects = 0;
  let bytes = 0;
  for (const f of fs.readdirSync(outdir)) {
    const text = fs.readFileSync(path.join(outdir, f), 'utf8');
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
  const [mode, arg, outdirArg, workloads, analyzer] = process.argv.slice(2);
  const outdir = mode === 'mesh' ? arg : outdirArg;
  fs.mkdirSync(outdir, { recursive: true });
  if (mode === 'ours') {
    const { App } = require('cdk8s') as typeof import('cdk8s');
    const { buildPlatform } = require('./platform') as typeof import('./platform');
    const { MeshAnalyzer } = require('../../lib') as typeof import('../../lib');
    const app = new App({ outdir });
    buildPlatform(app, Number(arg), (workloads ?? 'l1') as 'l1' | 'cdk8s-plus');
    if (analyzer === 'no-analyzer') MeshAnalyzer.of(app).disable('measuring what the analyzer costs');
    app.synth();
  } else if (mode === 'raw') {
    raw(JSON.parse(fs.readFileSync(arg, 'utf8')), outdir);
  } else if (mode === 'floor') {
    floor(JSON.parse(fs.readFileSync(arg, 'utf8')), outdir);
  } else if (mode === 'mesh') {
    const { App, Chart } = require('cdk8s') as typeof import('cdk8s');
    const { MeshInstallation } = require('../../lib') as typeof import('../../lib');
    const app = new App({ outdir });
    new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', {});
    app.synth();
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const rssKiB = process.resourceUsage().maxRSS;
  process.stdout.write(`${JSON.stringify({ ...outputStats(outdir), rssKiB })}\n`);
}

main();
