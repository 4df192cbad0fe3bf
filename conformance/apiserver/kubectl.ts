/**
 * kubectl against the throwaway control plane, and reading what it prints.
 *
 * Objects go to kubectl as one JSON `v1 List` on standard input, never re-serialised as YAML: a YAML
 * writer following YAML 1.2 leaves strings such as `yes` or `on` unquoted, and kubectl's YAML 1.1
 * reader would turn them into booleans.
 */
import { exec, ExecResult } from './exec';
import { isKubernetesObject, isPlainObject, K8sObject } from '../manifests';

/** Field manager of every apply, as a GitOps tool would use one name for everything it owns. */
export const FIELD_MANAGER = 'cdk8s-istio';

export class Kubectl {
  constructor(
    readonly binary: string,
    readonly kubeconfig: string,
    /** Discovery cache directory (inside the run's temporary directory). */
    readonly cacheDir: string,
    readonly timeoutMs = 120_000,
  ) {}

  /** Runs kubectl with the run's kubeconfig and cache; `input` goes to standard input. */
  run(args: string[], input?: string): Promise<ExecResult> {
    const env = { ...process.env };
    // Neither the caller's cluster nor an external diff program may leak into the run.
    delete env.KUBECONFIG;
    delete env.KUBECTL_EXTERNAL_DIFF;
    return exec(this.binary, [`--kubeconfig=${this.kubeconfig}`, `--cache-dir=${this.cacheDir}`, '--request-timeout=60s', ...args], {
      input,
      env,
      timeoutMs: this.timeoutMs,
    });
  }
}

/** The arguments of `kubectl apply` for server-side apply, dry-run or for real, of standard input. */
export function applyArgs(dryRun: boolean): string[] {
  return ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--validate=strict', ...(dryRun ? ['--dry-run=server'] : []), '-o', 'json', '-f', '-'];
}

/** Objects as the standard input of `kubectl ... -f -`: one JSON v1 List. */
export function listInput(objects: readonly unknown[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
}

/**
 * Objects kubectl printed with `-o json`: one object when it handled one, a `List` when it handled
 * several, nothing when every object failed. Throws when the output is not JSON.
 */
export function parseKubectlJson(stdout: string): K8sObject[] {
  const text = stdout.trim();
  if (text === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`kubectl printed something that is not JSON (${(e as Error).message}): ${text.slice(0, 200)}`);
  }
  if (isPlainObject(value) && value.kind === 'List' && Array.isArray(value.items)) return value.items.filter(isKubernetesObject);
  return isKubernetesObject(value) ? [value] : [];
}

/** `Warning: ...` lines the API server sent (deprecations, unknown-but-ignored fields...), without the prefix. */
export function warningsOf(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('Warning: ')).map((l) => l.slice('Warning: '.length).trim());
}

/**
 * kubectl's error output for one object as one line: warnings dropped, lines joined, and what only
 * says where kubectl read the object (`error when creating "STDIN":`, `from "STDIN"`) or how to
 * switch validation off removed.
 */
export function errorMessageOf(stderr: string): string {
  return stderr.split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('Warning: '))
    .map((l) => l.trim())
    .join(' ')
    .replace(/^error: /, '')
    .replace(/ from "STDIN"/g, '')
    .replace(/(error when (creating|patching|applying patch)|error validating) "STDIN": /g, '')
    .replace(/; if you choose to ignore these errors, turn validation off with --validate=false$/, '');
}
