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
 * written as a Pod, the way the cluster would run it (with the annotation istio-cni puts on the pods
 * it captures for ztunnel, which Istio's Sidecar analyzer reads for IST0167).
 *
 * Cases with `istioAmbient` are this library's ambient checks (AMB codes), for which Istio has no
 * analyzer either: istiod's ambient index (istioctl-build/ambient-status) runs on the app, and must
 * report the case's reason on the case's object for the failing app only (ZtunnelAccepted
 * UnsupportedValue on a policy, WaypointBound False on a Service, no waypoint for a Pod).
 *
 * Cases with `istioReason` are this library's Gateway API reference checks (GWA codes), for which
 * Istio has no analyzer: on a cluster, istiod's Gateway API controller writes the problem into the
 * object's status and Istio's ConditionAnalyzer reports it as IST0171 (NegativeConditionStatus). The
 * app is therefore first run through istiod's controller (istioctl-build/gateway-translate), its
 * status written onto the objects, and then analyzed: Istio reports the case when IST0171 on the
 * object names the reason. The ConditionAnalyzer does not read Gateway listener conditions, so for a
 * Gateway the listener conditions istiod writes count as well. Cases with `istioIgnores` are problems
 * istiod does not report but silently ignores: Istio's side is that its controller writes no status
 * for the object (a route without any parent status, a Gateway without status).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Yaml } from 'cdk8s';
import { ANALYZER_CASES, AnalyzerCase } from './analyzer-cases';
import { ensureAmbientStatus, ensureAnalyzeFiles, ensureGatewayTranslate } from './ensure-istioctl';
import { CheckResult, ConformanceContext, emptyResult } from './report';
import { MeshAnalyzer } from '../lib';

/**
 * Whether istio-cni captures the pods of a Deployment for ztunnel (and annotates them
 * `ambient.istio.io/redirection: enabled`, which Istio's analyzers read): labelled
 * `istio.io/dataplane-mode: ambient`, or in a namespace so labelled without opting out, and without a sidecar.
 */
function capturedByZtunnel(d: any, namespaces: Map<string, Record<string, string>>): boolean {
  const labels: Record<string, string> = d.spec.template.metadata?.labels ?? {};
  const ns = namespaces.get(d.metadata.namespace) ?? {};
  const inject = labels['sidecar.istio.io/inject'];
  if (inject === 'true' || (inject === undefined && (ns['istio-injection'] === 'enabled' || (ns['istio.io/rev'] ?? '') !== ''))) return false;
  return (labels['istio.io/dataplane-mode'] ?? ns['istio.io/dataplane-mode']) === 'ambient';
}

/** The objects of an app, plus one Pod per Deployment (its template, annotated as istio-cni does for ambient pods). */
function manifestDocs(app: App): any[] {
  const docs = app.charts.flatMap((c) => c.toJson()) as any[];
  const namespaces = new Map<string, Record<string, string>>(docs.filter((d) => d.kind === 'Namespace').map((d) => [d.metadata.name, d.metadata.labels ?? {}]));
  const pods = docs.filter((d) => d.kind === 'Deployment').map((d) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${d.metadata.name}-0`,
      namespace: d.metadata.namespace,
      labels: d.spec.template.metadata?.labels ?? {},
      ...(capturedByZtunnel(d, namespaces) ? { annotations: { 'ambient.istio.io/redirection': 'enabled' } } : {}),
    },
    spec: d.spec.template.spec,
  }));
  return [...docs, ...pods];
}

/** The objects of an app, plus one Pod per Deployment (its template), as YAML. */
export function manifestWithPods(app: App): string {
  return Yaml.stringify(...manifestDocs(app));
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

interface Tools {
  readonly analyzeFiles: string;
  readonly gatewayTranslate: () => string;
  readonly ambientStatus: () => string;
}

/**
 * What istiod's ambient index reports for `object` (`Kind namespace/name`): an AuthorizationPolicy's
 * ZtunnelAccepted reason, a Service's WaypointBound reason, `NoWaypoint` for a Pod bound to no
 * waypoint; undefined when it reports nothing (a policy ztunnel does not get, a Service bound fine).
 */
function ambientReason(ambientStatus: string, docs: any[], object: string): { reason?: string; detail: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'analyzer-ambient-'));
  try {
    const file = path.join(dir, 'app.yaml');
    fs.writeFileSync(file, Yaml.stringify(...docs));
    const res = spawnSync(ambientStatus, [file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (res.status !== 0) throw new Error(`ambient-status failed: ${res.stderr.split('\n').filter((l) => !/\tinfo\t/.test(l)).join('\n')}`);
    const out = JSON.parse(res.stdout) as {
      policies: Array<{ namespace: string; name: string; reason: string; message: string }>;
      services: Array<{ namespace: string; name: string; waypoint?: string; reason?: string; message?: string }>;
      workloads: Array<{ namespace: string; name: string; waypointBound: boolean }>;
    };
    const [kind, key] = object.split(' ');
    const named = <T extends { namespace: string; name: string }>(list: T[]) => list.find((x) => `${x.namespace}/${x.name}` === key);
    if (kind === 'AuthorizationPolicy') {
      const p = named(out.policies);
      return { reason: p?.reason === 'Accepted' ? undefined : p?.reason, detail: `ZtunnelAccepted: ${p ? `${p.reason} ${p.message}` : 'not sent to ztunnel'}` };
    }
    if (kind === 'Service') {
      const svc = named(out.services);
      return { reason: svc?.reason, detail: `WaypointBound: ${svc?.reason ? `False ${svc.reason} ${svc.message}` : `bound to ${svc?.waypoint || 'none'}`}` };
    }
    const w = named(out.workloads);
    return { reason: w && !w.waypointBound ? 'NoWaypoint' : undefined, detail: `workload ${key}: ${w ? (w.waypointBound ? 'sent to a waypoint' : 'no waypoint') : 'unknown'}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `Kind namespace/name` as Istio's analyzers name an object. */
function refOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/**
 * The app's objects with the status istiod's Gateway API controller writes on them. ReferenceGrants
 * go in as v1beta1: the version Istio 1.30 watches, which the v1.5.1 CRD serves beside v1 with the
 * same schema (the fake cluster of gateway-translate does not convert between versions).
 */
function withIstiodStatus(gatewayTranslate: string, docs: any[]): { docs: any[]; statuses: Map<string, any> } {
  const input = docs.map((d) => (d.apiVersion === 'gateway.networking.k8s.io/v1' && d.kind === 'ReferenceGrant'
    ? { ...d, apiVersion: 'gateway.networking.k8s.io/v1beta1' } : d));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'analyzer-status-'));
  try {
    const file = path.join(dir, 'app.yaml');
    fs.writeFileSync(file, Yaml.stringify(...input));
    const res = spawnSync(gatewayTranslate, [file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (res.status !== 0) throw new Error(`gateway-translate failed: ${res.stderr.split('\n').filter((l) => !/\tinfo\t/.test(l)).join('\n')}`);
    const statuses = new Map<string, any>();
    for (const st of JSON.parse(res.stdout).status as Array<{ kind: string; namespace: string; name: string; status: any }>) {
      statuses.set(refOf(st.kind, st.namespace, st.name), st.status);
    }
    const out = docs.map((d) => {
      const st = statuses.get(refOf(d.kind, d.metadata?.namespace, d.metadata?.name));
      return st ? { ...d, status: st } : d;
    });
    return { docs: out, statuses };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function variant(c: AnalyzerCase, which: 'fail' | 'pass', tools: Tools): { ours: boolean; theirs: boolean; theirMessages: string[] } {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'analyzer-app-')) });
  c[which](new Chart(app, 'platform'));
  const analyzer = MeshAnalyzer.of(app);
  const ours = analyzer.analyze().some((f) => f.code === c.code && f.object === c.object);
  analyzer.disable('written for istioctl analyze');
  let docs = manifestDocs(app);
  fs.rmSync(app.outdir, { recursive: true, force: true });
  if (c.istioAmbient) {
    const r = ambientReason(tools.ambientStatus(), docs, c.istioAmbient.object);
    return { ours, theirs: r.reason === c.istioAmbient.reason, theirMessages: [r.detail] };
  }
  if (c.istioReason === undefined && !c.istioIgnores) {
    const theirs = istioCodes(tools.analyzeFiles, Yaml.stringify(...docs));
    const hits = theirs.filter((m) => m.code === c.code && m.resource === c.object);
    return { ours, theirs: hits.length > 0, theirMessages: theirs.filter((m) => m.code === c.code).map((m) => `${m.resource}: ${m.message}`) };
  }
  const translated = withIstiodStatus(tools.gatewayTranslate(), docs);
  docs = translated.docs;
  if (c.istioIgnores) {
    const status = translated.statuses.get(c.object);
    const ignored = status === undefined || (c.object.startsWith('Gateway ') ? false : (status.parents ?? []).length === 0);
    return { ours, theirs: ignored, theirMessages: [`istiod's status on ${c.object}: ${JSON.stringify(status ?? null)}`] };
  }
  const conditions = istioCodes(tools.analyzeFiles, Yaml.stringify(...docs))
    .filter((m) => m.code === 'IST0171' && m.resource === c.object)
    .map((m) => `IST0171 ${m.resource}: ${m.message}`);
  const listeners = ((translated.statuses.get(c.object)?.listeners ?? []) as any[])
    .flatMap((l) => (l.conditions ?? []).filter((x: any) => x.status === 'False').map((x: any) => `listener "${l.name}" ${x.type}=False reason=${x.reason}, ${x.message}`));
  const all = [...conditions, ...listeners];
  return { ours, theirs: all.some((m) => m.includes(`reason=${c.istioReason},`)), theirMessages: all };
}

export async function runAnalyzerAgreement(ctx: ConformanceContext): Promise<CheckResult> {
  const result = emptyResult('analyzer');
  let gatewayTranslate: string | undefined;
  let ambientStatus: string | undefined;
  const tools: Tools = {
    analyzeFiles: ensureAnalyzeFiles(ctx.repoRoot),
    gatewayTranslate: () => (gatewayTranslate ??= ensureGatewayTranslate(ctx.repoRoot)),
    ambientStatus: () => (ambientStatus ??= ensureAmbientStatus(ctx.repoRoot)),
  };
  for (const c of ANALYZER_CASES) {
    for (const which of ['fail', 'pass'] as const) {
      result.items++;
      const where = `${c.code} ${c.title} (${which === 'fail' ? 'failing' : 'passing'} app)`;
      if (c.istioSkip) {
        result.allowlisted++;
        result.details!.push(`${where}: not compared: ${c.istioSkip}`);
        continue;
      }
      const v = variant(c, which, tools);
      const expected = which === 'fail';
      if (v.ours === expected && v.theirs === expected) {
        result.passed++;
        continue;
      }
      result.failed++;
      result.failures.push({
        object: c.object,
        message: `${where}: ours ${v.ours ? 'reports' : 'does not report'} ${c.code}, Istio's analyzers ${v.theirs ? 'report' : 'do not report'} ` +
          `${c.istioReason ? `a negative condition with reason ${c.istioReason} (IST0171 on istiod's status)` : c.istioIgnores ? 'it ignored (no status from istiod)'
            : c.istioAmbient ? `${c.istioAmbient.reason} on ${c.istioAmbient.object} (istiod's ambient index)` : 'it'}` +
          (v.theirMessages.length ? ` (Istio: ${v.theirMessages.join(' | ')})` : ''),
      });
    }
  }
  result.details!.push(`${ANALYZER_CASES.length} cases, ${new Set(ANALYZER_CASES.map((c) => c.code)).size} codes`);
  return result;
}
