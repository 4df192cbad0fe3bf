/**
 * The synth-time analyzer (lib/mesh-analyzer.ts) must agree with Istio's analyzers on the same
 * manifests. For every case of analyzer-cases.ts, both apps are synthesized (with our analyzer
 * turned off so the failing one can be written) and analyzed by Istio 1.30.3's analyzers — the set
 * `istioctl analyze` runs — through conformance/istioctl-build/analyze-files, because
 * `istioctl analyze --use-kube=false` drops Pods, Services, Deployments and Namespaces from file
 * input and so skips every analyzer that reads them (IST0116, IST0127, IST0144, IST0162, IST0173...):
 * - failing app: our analyzer and istioctl both report the case's code on the case's object;
 * - passing app: neither reports the code on that object.
 * Items: cases × {failing, passing}.
 *
 * File-only analysis has no running pods, and several of istioctl's analyzers (gateway selectors,
 * subsets, authorization policies) look at Pods; each Deployment's pod template is therefore also
 * written as a Pod, the way the cluster would run it.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Yaml } from 'cdk8s';
import { ANALYZER_CASES, AnalyzerCase } from './analyzer-cases';
import { ensureAnalyzeFiles } from './ensure-istioctl';
import { CheckResult, ConformanceContext, emptyResult } from './report';
import { MeshAnalyzer } from '../lib';

/** The objects of an app, plus one Pod per Deployment (its template), as YAML. */
export function manifestWithPods(app: App): string {
  const docs = app.charts.flatMap((c) => c.toJson()) as any[];
  const pods = docs.filter((d) => d.kind === 'Deployment').map((d) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${d.metadata.name}-0`, namespace: d.metadata.namespace, labels: d.spec.template.metadata?.labels ?? {} },
    spec: d.spec.template.spec,
  }));
  return Yaml.stringify(...docs, ...pods);
}

function istioCodes(analyzeFiles: string, yamlText: string): Array<{ code: string; resource?: string; message: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'analyzer-agreement-'));
  try {
    const file = path.join(dir, 'app.yaml');
    fs.writeFileSync(file, yamlText);
    const res = spawnSync(analyzeFiles, [file], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`analyze-files failed: ${res.stderr}`);
    const json = (res.stdout ?? '').split('\n').filter((l) => l.startsWith('[')).join('');
    const messages = JSON.parse(json) as Array<{ code: string; origin: string; message: string }>;
    return messages.map((m) => ({ code: m.code, resource: m.origin, message: m.message }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function variant(c: AnalyzerCase, which: 'fail' | 'pass', analyzeFiles: string): { ours: boolean; theirs: boolean; theirMessages: string[] } {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'analyzer-app-')) });
  c[which](new Chart(app, 'platform'));
  const analyzer = MeshAnalyzer.of(app);
  const ours = analyzer.analyze().some((f) => f.code === c.code && f.object === c.object);
  analyzer.disable('written for istioctl analyze');
  const theirs = istioCodes(analyzeFiles, manifestWithPods(app));
  fs.rmSync(app.outdir, { recursive: true, force: true });
  const hits = theirs.filter((m) => m.code === c.code && m.resource === c.object);
  return { ours, theirs: hits.length > 0, theirMessages: theirs.filter((m) => m.code === c.code).map((m) => `${m.resource}: ${m.message}`) };
}

export async function runAnalyzerAgreement(ctx: ConformanceContext): Promise<CheckResult> {
  const result = emptyResult('analyzer');
  const analyzeFiles = ensureAnalyzeFiles(ctx.repoRoot);
  for (const c of ANALYZER_CASES) {
    for (const which of ['fail', 'pass'] as const) {
      result.items++;
      const where = `${c.code} ${c.title} (${which === 'fail' ? 'failing' : 'passing'} app)`;
      if (c.istioSkip) {
        result.allowlisted++;
        result.details!.push(`${where}: not compared: ${c.istioSkip}`);
        continue;
      }
      const v = variant(c, which, analyzeFiles);
      const expected = which === 'fail';
      if (v.ours === expected && v.theirs === expected) {
        result.passed++;
        continue;
      }
      result.failed++;
      result.failures.push({
        object: c.object,
        message: `${where}: ours ${v.ours ? 'reports' : 'does not report'} ${c.code}, Istio's analyzers ${v.theirs ? 'report' : 'do not report'} it` +
          (v.theirMessages.length ? ` (Istio: ${v.theirMessages.join(' | ')})` : ''),
      });
    }
  }
  result.details!.push(`${ANALYZER_CASES.length} cases, ${new Set(ANALYZER_CASES.map((c) => c.code)).size} codes`);
  return result;
}
