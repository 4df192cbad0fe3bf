import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, Names, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';
import { chartObjects, chartsInOrder, resolveDependencies, TreeIndex } from './dependencies';
import { withAppScan } from '../app-scan';
import { withRenderCache } from './render-cache';
import { ProgressLine, StderrMode, StderrTarget, withCapturedMessages } from './stderr';
import { stringifyDocument, stringifyDocuments } from './yaml';

/** How one synthesis reports on stderr. */
export interface Reporting {
  readonly stderr: StderrMode;
  readonly summaryThreshold: number;
  /** Progress line: true/false, or undefined for "when the target is a terminal". */
  readonly progress?: boolean;
  readonly target: StderrTarget;
}

/** The output layout: cdk8s' `AppProps` that decide file names. */
export interface Layout {
  readonly yamlOutputType: YamlOutputType;
  readonly outputFileExtension: string;
  readonly recordConstructMetadata: boolean;
}

/** A chart as written: its objects in output order and where they went. */
export interface WrittenChart {
  readonly chart: Chart;
  /** File (FILE_PER_CHART) or folder (FOLDER_PER_CHART_FILE_PER_RESOURCE) name, relative to the outdir; '' otherwise. */
  readonly name: string;
  readonly objects: ApiObject[];
  /** Files of the chart relative to its folder (FOLDER_PER_CHART_FILE_PER_RESOURCE) or the outdir, in write order. */
  readonly files: string[];
}

/** Everything one synthesis writes, relative to the outdir, before anything is written. */
export interface Output {
  readonly charts: WrittenChart[];
  /** Folders to create (empty ones included, as cdk8s does). */
  readonly dirs: string[];
  /** Files in write order; a later file of the same path replaces an earlier one, as in cdk8s. */
  readonly files: Map<string, string>;
}

/** The value of cdk8s' `recordConstructMetadata` (a private field of `App`), as cdk8s resolves it. */
export function recordsConstructMetadata(app: App): boolean {
  const value = (app as unknown as { recordConstructMetadata?: unknown }).recordConstructMetadata;
  return typeof value === 'boolean' ? value : process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true';
}

/** cdk8s' own validation: every construct's validations, one error listing all messages. */
function validateAll(all: readonly IConstruct[]): void {
  const errors: string[] = [];
  for (const c of all) {
    for (const e of c.node.validate()) errors.push(`[${c.node.path}] ${e}`);
  }
  // Same text as cdk8s' App.synth(), so callers matching on it keep working.
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
}

/** File name cdk8s 2.70 gives an object of FILE_PER_RESOURCE layouts (without the extension). */
export function resourceFileBase(kind: string, name: string | undefined): string {
  return `${kind}.${name}`.replace(/[^0-9a-zA-Z-_.]/g, '');
}

/**
 * Validates the app (cdk8s order: `synth()` validates before resolving dependencies, `synthYaml()`
 * after), resolves dependencies, and returns the charts in output order with their objects.
 */
function prepare(app: App, all: IConstruct[], order: 'validate-first' | 'resolve-first', reporting: Reporting, progress: ProgressLine) {
  const index = new TreeIndex();
  let hasDependantCharts = false;
  const resolve = () => {
    hasDependantCharts = resolveDependencies(all, index);
  };
  if (order === 'resolve-first') resolve();
  withCapturedMessages(reporting.stderr, reporting.summaryThreshold, reporting.target, () => {
    progress.update(`cdk8s-istio: validating ${all.length.toLocaleString('en-US')} constructs`, true);
    validateAll(all);
  }, () => progress.done());
  if (order === 'validate-first') resolve();
  const charts = chartsInOrder(app, all).map((chart) => ({ chart, objects: chartObjects(chart, index) }));
  return { charts, hasDependantCharts };
}

function progressLine(reporting: Reporting): ProgressLine {
  return new ProgressLine(reporting.target, reporting.progress ?? reporting.target.isTTY === true);
}

/** Overridden `Chart.toJson()` (a user's post-processing) is honoured where cdk8s calls it. */
function chartJson(chart: Chart, objects: ApiObject[]): unknown[] {
  return chart.toJson === Chart.prototype.toJson ? objects.map((o) => o.toJson()) : Object.values(chart.toJson());
}

/**
 * Renders the app as cdk8s 2.70's `App.synth()` writes it (same files, same bytes, same order), in
 * one pass: validation once, dependency resolution once, each object rendered once (the checks
 * that read rendered objects during validation and the output share one rendering). Nothing is
 * written here.
 */
export function renderApp(app: App, layout: Layout, reporting: Reporting): Output {
  return onePass(app, (all) => renderAppOnce(app, all, layout, reporting));
}

/**
 * Runs `run` with one walk of the app (`findAll()`), shared with the synth-time checks, and with
 * each object rendering once.
 */
function onePass<T>(app: App, run: (all: IConstruct[]) => T): T {
  const all = app.node.findAll();
  return withAppScan(app, all, () => withRenderCache(all.filter((c): c is ApiObject => c instanceof ApiObject), () => run(all)));
}

function renderAppOnce(app: App, all: IConstruct[], layout: Layout, reporting: Reporting): Output {
  const progress = progressLine(reporting);
  try {
    const { charts, hasDependantCharts } = prepare(app, all, 'validate-first', reporting, progress);
    const files = new Map<string, string>();
    const dirs: string[] = [];
    const written: WrittenChart[] = [];
    const ext = layout.outputFileExtension;
    const indexed = (i: number, chart: Chart) => (hasDependantCharts ? `${i.toString().padStart(4, '0')}-${Names.toDnsLabel(chart)}` : Names.toDnsLabel(chart));
    const appDocs: unknown[] = [];
    let objectCount = 0;
    charts.forEach(({ chart, objects }, i) => {
      progress.update(`cdk8s-istio: rendering chart ${i + 1}/${charts.length} (${objectCount.toLocaleString('en-US')} objects so far)`);
      objectCount += objects.length;
      switch (layout.yamlOutputType) {
        case YamlOutputType.FILE_PER_APP:
          appDocs.push(...chartJson(chart, objects));
          written.push({ chart, name: '', objects, files: [] });
          break;
        case YamlOutputType.FILE_PER_CHART: {
          const name = indexed(i, chart) + ext;
          files.set(name, stringifyDocuments(chartJson(chart, objects)));
          written.push({ chart, name, objects, files: [name] });
          break;
        }
        case YamlOutputType.FILE_PER_RESOURCE: {
          const docs = chartJson(chart, objects) as Array<{ kind: string; metadata: { name?: string } } | undefined>;
          const names: string[] = [];
          for (const doc of docs) {
            if (doc === undefined) continue;
            const name = resourceFileBase(doc.kind, doc.metadata.name) + ext;
            files.set(name, stringifyDocument(doc));
            names.push(name);
          }
          written.push({ chart, name: '', objects, files: names });
          break;
        }
        case YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE: {
          const folder = indexed(i, chart);
          dirs.push(folder);
          const names: string[] = [];
          for (const o of objects) {
            const name = resourceFileBase(o.kind, o.metadata.name) + ext;
            // Set after a delete: a later object of the same file name is written last, as in cdk8s.
            files.delete(path.join(folder, name));
            files.set(path.join(folder, name), stringifyDocument(o.toJson()));
            names.push(name);
          }
          written.push({ chart, name: folder, objects, files: names });
          break;
        }
        default:
          written.push({ chart, name: '', objects, files: [] });
      }
    });
    if (layout.yamlOutputType === YamlOutputType.FILE_PER_APP && charts.length > 0) files.set(`app${ext}`, stringifyDocuments(appDocs));
    if (layout.recordConstructMetadata) {
      const resources: { [name: string]: { path: string } } = {};
      for (const c of charts) for (const o of c.objects) resources[o.name] = { path: o.node.path };
      files.set('construct-metadata.json', JSON.stringify({ version: '1.0.0', resources }));
    }
    return { charts: written, dirs, files };
  } finally {
    progress.done();
  }
}

/** Writes `output` under `outdir` (creating it), in order. */
export function writeOutput(outdir: string, output: Output): void {
  fs.mkdirSync(outdir, { recursive: true });
  for (const d of output.dirs) fs.mkdirSync(path.join(outdir, d), { recursive: true });
  for (const [file, content] of output.files) fs.writeFileSync(path.join(outdir, file), content, { encoding: 'utf8' });
}

/** cdk8s' `App.synthYaml()` in one pass: every object of every chart as one YAML string. */
export function renderYaml(app: App, reporting: Reporting): string {
  const progress = progressLine(reporting);
  try {
    return onePass(app, (all) => {
      const { charts } = prepare(app, all, 'resolve-first', reporting, progress);
      const docs: unknown[] = [];
      for (const { chart, objects } of charts) docs.push(...chartJson(chart, objects));
      return stringifyDocuments(docs);
    });
  } finally {
    progress.done();
  }
}
