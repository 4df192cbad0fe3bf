/**
 * Every example's output must pass Istio's own checks with no errors and no warnings:
 *
 * - `validate`: `istioctl validate -f <file>` for each YAML file under dist/examples/<example>/. It
 *   runs the validating webhook's checks on Istio objects and the mesh's naming rules on Services and
 *   workloads. Errors and warnings both fail. Items: files.
 * - `analyze`: `istioctl analyze --use-kube=false --all-namespaces -o json <files>` once per example
 *   folder, so cross-object analyzers (references between VirtualServices, Gateways, Services,
 *   injection webhooks...) see the whole app. When the example holds a mesh ConfigMap (`data.mesh`;
 *   `istio` is preferred over `istio-<rev>`), it is passed as `--meshConfigFile`, so analyzers see our
 *   mesh config rather than istioctl's defaults. Error and Warning messages fail, Info messages are
 *   listed only; documents analyze could not parse (it skips them with a log line) fail too.
 *   Items: example folders.
 *
 * Messages are named by file, object and field: analyze's `file:line` is mapped back to the object and
 * field path with the YAML parser (yaml-locate.ts). Deliberate exceptions go in
 * conformance/analyze-allowlist.yaml (code, resource, optional example/message, reason); validate
 * messages use the code `validate`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Allowlist } from './allowlist';
import { isPlainObject, K8sObject, parseManifests } from './manifests';
import { CheckResult, ConformanceContext, emptyResult, Failure } from './report';
import { describeDocument, documentAt, fieldForMessage, findDocument, locateLine } from './yaml-locate';

/** One message from istioctl validate or analyze, located. */
export interface ToolMessage {
  /** IST code, or `validate` for istioctl validate. */
  readonly code: string;
  readonly level: 'Error' | 'Warning' | 'Info';
  /** `Kind namespace/name` when known. */
  readonly resource?: string;
  readonly file?: string;
  readonly field?: string;
  readonly message: string;
}

/**
 * Example folders (sorted) under `examplesDir` and the YAML files in each (sorted, recursive: a
 * GitOpsApp writes one folder per chart; dot-folders skipped). A variant's folder
 * `<example>.<variant>` (scripts/synth-examples.ts) is an example of its own. Kustomize's
 * `kustomization.yaml` files are skipped: they list the files, they are not Kubernetes objects.
 */
export function exampleFolders(examplesDir: string): Array<{ name: string; dir: string; files: string[] }> {
  if (!fs.existsSync(examplesDir)) return [];
  return fs.readdirSync(examplesDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ name, dir: path.join(examplesDir, name), files: yamlFiles(path.join(examplesDir, name)) }));
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(e.name) && !isKustomization(e.name)) out.push(p);
  }
  return out.sort();
}

/** File names kustomize reads as a kustomization. */
export function isKustomization(fileName: string): boolean {
  return ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].includes(fileName);
}

/**
 * Parses `istioctl validate` output. Success prints `"<file>" is valid`; warnings print
 * `"<file>" has warnings:` then `* Kind/namespace/name: message` lines; errors print `Error: ...`
 * followed by the same bullet lines; unparseable documents print `error processing <file>[<index>]: ...`.
 */
export function parseValidateOutput(output: string, exitCode: number, file: string, fileText?: string): ToolMessage[] {
  const out: ToolMessage[] = [];
  let level: 'Error' | 'Warning' = exitCode === 0 ? 'Warning' : 'Error';
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (/has warnings:?$/.test(line)) level = 'Warning';
    else if (/^Error\b/.test(line)) level = 'Error';
    const docError = /^\*?\s*error processing (.+)\[(\d+)\]: (.*)$/.exec(line);
    if (docError) {
      const index = Number(docError[2]);
      const resource = fileText !== undefined ? describeDocument(fileText, index) : undefined;
      const field = fileText !== undefined ? fieldForMessage(documentAt(fileText, index), docError[3]) : undefined;
      out.push({ code: 'validate', level: 'Error', file, resource: resource ?? `document ${index + 1}`, field, message: docError[3] });
      continue;
    }
    const bullet = /^\* ([A-Za-z][A-Za-z0-9]*)\/([^/\s]*)\/([^:\s]+): (.*)$/.exec(line);
    if (bullet) {
      const [, kind, ns, name, message] = bullet;
      const resource = ns ? `${kind} ${ns}/${name}` : `${kind} ${name}`;
      const field = fileText !== undefined ? fieldForMessage(findDocument(fileText, resource), message) : undefined;
      out.push({ code: 'validate', level, file, resource, field, message });
    }
  }
  if (exitCode !== 0 && out.every((m) => m.level !== 'Error')) {
    out.push({ code: 'validate', level: 'Error', file, message: `istioctl validate exited ${exitCode}: ${output.trim().split('\n').slice(0, 5).join(' | ')}` });
  }
  return dedupe(out);
}

function dedupe(messages: ToolMessage[]): ToolMessage[] {
  const seen = new Set<string>();
  return messages.filter((m) => {
    const k = JSON.stringify(m);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Parses analyze's `-o json` output and its stderr (documents it skipped), locating each message by file and line. */
export function parseAnalyzeOutput(rawStdout: string, stderr: string, readText: (file: string) => string | undefined): ToolMessage[] {
  const out: ToolMessage[] = [];
  // istioctl's logger writes to stdout too: move its timestamped lines out of the JSON.
  const isLog = (l: string): boolean => /^\d{4}-\d{2}-\d{2}T\S+\s+(debug|info|warn|error|fatal)\s/.test(l);
  const stdoutLines = rawStdout.split('\n');
  const stdout = stdoutLines.filter((l) => !isLog(l)).join('\n');
  const logLines = [...stdoutLines.filter(isLog), ...stderr.split('\n')];
  for (const line of logLines) {
    const m = /error processing (.+?)\[(\d+)\]: (.*?)(?: - skipping)?$/.exec(line);
    if (!m) continue;
    const text = readText(m[1]);
    const index = Number(m[2]);
    out.push({
      code: 'parse',
      level: 'Error',
      file: m[1],
      resource: (text !== undefined ? describeDocument(text, index) : undefined) ?? `document ${index + 1}`,
      field: text !== undefined ? fieldForMessage(documentAt(text, index), m[3]) : undefined,
      message: `analyze could not read this object and skipped it: ${m[3]}`,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    out.push({ code: 'analyze', level: 'Error', message: `istioctl analyze printed no JSON: ${(stdout + stderr).trim().split('\n').slice(0, 5).join(' | ')}` });
    return dedupe(out);
  }
  for (const item of Array.isArray(parsed) ? parsed : []) {
    if (!isPlainObject(item)) continue;
    const level = item.level === 'Error' || item.level === 'Warning' ? item.level : 'Info';
    const ref = typeof item.reference === 'string' ? /^(.*):(\d+)$/.exec(item.reference) : null;
    const file = ref ? ref[1] : undefined;
    const text = file ? readText(file) : undefined;
    const loc = ref && text !== undefined ? locateLine(text, Number(ref[2])) : undefined;
    // A reference to the object's first line names the object, not a field: then guess it from the message.
    const message = String(item.message ?? '');
    const field = loc?.field === '.apiVersion' || loc?.field === '.kind' || loc?.field === undefined
      ? (loc && text !== undefined ? fieldForMessage(documentAt(text, loc.document), message) : undefined)
      : loc.field;
    out.push({
      code: String(item.code ?? 'analyze'),
      level,
      resource: typeof item.origin === 'string' ? item.origin : loc?.object,
      file: ref ? `${file}:${ref[2]}` : undefined,
      field,
      message,
    });
  }
  return dedupe(out);
}

/** Finds the mesh config (`data.mesh` of ConfigMap `istio`, else `istio-<rev>`) in an example's objects. */
export function findMeshConfig(objects: K8sObject[]): { source: string; mesh: string } | undefined {
  const withMesh = objects.filter((o) => o.kind === 'ConfigMap' && isPlainObject(o.data) && typeof o.data.mesh === 'string');
  const pick = withMesh.find((o) => o.metadata.name === 'istio') ?? withMesh.find((o) => o.metadata.name.startsWith('istio-')) ?? withMesh[0];
  return pick ? { source: `ConfigMap ${pick.metadata.namespace ?? ''}/${pick.metadata.name}`, mesh: (pick.data as { mesh: string }).mesh } : undefined;
}

/** Turns a message into a failure, with paths relative to the repo root. */
function toFailure(repoRoot: string, example: string, m: ToolMessage): Failure {
  const rel = (f?: string): string | undefined => (f && path.isAbsolute(f) ? path.relative(repoRoot, f) : f);
  return { file: rel(m.file) ?? `dist/examples/${example}/`, object: m.resource, field: m.field, message: `${m.level} ${m.code}: ${m.message}` };
}

/** Runs `istioctl validate` on every example file and `istioctl analyze` on every example folder. */
export async function runValidateAnalyzeChecks(ctx: ConformanceContext): Promise<CheckResult[]> {
  const validate = emptyResult('validate');
  const analyze = emptyResult('analyze');
  const allowlistFile = path.join(ctx.repoRoot, 'conformance', 'analyze-allowlist.yaml');
  const allowlist = Allowlist.load(allowlistFile, ['code', 'resource', 'example', 'message'], path.relative(ctx.repoRoot, allowlistFile));
  const examples = exampleFolders(ctx.examplesDir);
  const texts = new Map<string, string>();
  const readText = (file: string): string | undefined => {
    if (!texts.has(file) && fs.existsSync(file)) texts.set(file, fs.readFileSync(file, 'utf8'));
    return texts.get(file);
  };
  if (examples.length === 0) {
    validate.failures.push({ file: path.relative(ctx.repoRoot, ctx.examplesDir), message: 'no example output found; run `npm run synth` first' });
    validate.failed++;
  }
  const allowed = (example: string, m: ToolMessage): boolean =>
    allowlist.match({ code: m.code, resource: m.resource ?? '', example, message: m.message }) !== undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-analyze-'));

  try {
    for (const ex of examples) {
      const objects: K8sObject[] = [];
      for (const file of ex.files) {
        validate.items++;
        const text = readText(file) ?? '';
        try {
          objects.push(...parseManifests(text, file));
        } catch (e) {
          validate.failed++;
          validate.failures.push({ file: path.relative(ctx.repoRoot, file), message: (e as Error).message });
          continue;
        }
        const res = spawnSync(ctx.istioctl, ['validate', '-f', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        const messages = res.error
          ? [{ code: 'validate', level: 'Error' as const, file, message: `could not run istioctl: ${res.error.message}` }]
          : parseValidateOutput(`${res.stdout}\n${res.stderr}`, res.status ?? 1, file, text);
        tally(validate, ex.name, messages, allowed, ctx.repoRoot);
      }

      if (ex.files.length === 0) {
        analyze.items++;
        analyze.failed++;
        analyze.failures.push({ file: path.relative(ctx.repoRoot, ex.dir), message: 'example folder holds no YAML file' });
        continue;
      }
      analyze.items++;
      const args = ['analyze', '--use-kube=false', '--all-namespaces', '-o', 'json'];
      const mesh = findMeshConfig(objects);
      if (mesh) {
        const meshFile = path.join(tmp, `${ex.name}-mesh.yaml`);
        fs.writeFileSync(meshFile, mesh.mesh);
        args.push('--meshConfigFile', meshFile);
      }
      args.push(...ex.files);
      const res = spawnSync(ctx.istioctl, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const messages = res.error
        ? [{ code: 'analyze', level: 'Error' as const, message: `could not run istioctl: ${res.error.message}` }]
        : parseAnalyzeOutput(res.stdout, res.stderr, readText);
      const infos = messages.filter((m) => m.level === 'Info');
      analyze.details!.push(
        `${ex.name}: ${ex.files.length} file(s), mesh config ${mesh ? `from ${mesh.source}` : 'istioctl default'}, `
        + `${messages.length - infos.length} error/warning message(s), ${infos.length} info`,
      );
      for (const m of infos) analyze.details!.push(`  info ${m.code} ${m.resource ?? ''} ${m.field ?? ''}: ${m.message}`);
      tally(analyze, ex.name, messages, allowed, ctx.repoRoot);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const problems = [...allowlist.errors, ...(examples.length > 0 ? allowlist.unusedFailures() : [])];
  analyze.failures.push(...problems);
  analyze.items += problems.length;
  analyze.failed += problems.length;
  return [validate, analyze];
}

/** Counts one item (a file or an example) from its messages: failed, allowlisted or passed. */
function tally(
  result: CheckResult, example: string, messages: ToolMessage[], allowed: (ex: string, m: ToolMessage) => boolean, repoRoot: string,
): void {
  const blocking = messages.filter((m) => m.level !== 'Info');
  const failing = blocking.filter((m) => !allowed(example, m));
  if (failing.length > 0) {
    result.failed++;
    result.failures.push(...failing.map((m) => toFailure(repoRoot, example, m)));
  } else if (blocking.length > 0) {
    result.allowlisted++;
  } else {
    result.passed++;
  }
}
