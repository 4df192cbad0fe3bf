/**
 * Normalisation applied to both sides of the parity comparison before any field is compared.
 *
 * 1. Installer labels are dropped from every `metadata.labels` (the object's and its pod template's):
 *    they only record which tool installed the object (Helm, the istioctl operator) or the chart
 *    version, and we write our own (`app.kubernetes.io/managed-by: cdk8s-istio`, ...). Selectors are
 *    left alone: none of these labels is used in one.
 * 2. ConfigMap data values that are YAML or JSON documents (a map or a list once parsed: the mesh
 *    config `mesh`/`meshNetworks`, the injector's `config` and `values`, the `values` ConfigMap's
 *    `original-values`/`merged-values`, the CNI ambient selector...) are parsed, so formatting, key
 *    order and JSON-vs-YAML do not count, and differences are reported per key inside them.
 * 3. The injector's Go templates (`config.templates`) are not compared: each template's text is
 *    replaced by a placeholder, so only the set of template names is compared. Our templates are
 *    written by us and checked by what they do (the kube-inject check).
 * 4. RBAC rules are turned into one entry per `apiGroup/resource[/resourceName]` (core group written
 *    `core`) holding the sorted verbs granted on it, merged over all rules: how the grants are split
 *    into rules and listed does not count, a verb granted or not does.
 * 5. Nulls, empty maps and empty lists are dropped: Kubernetes treats them like absent fields. So is
 *    `protocol: TCP` on the items of any `ports` list (Service and container ports), the API default.
 *
 * Order is handled by the diff (object-diff.ts): lists are matched by a key where their items have
 * one, and lists of scalars compare as sets except `args` and `command`, whose order is meaningful.
 */
import { parse as parseYaml } from 'yaml';
import { isPlainObject, K8sObject } from './manifests';

/** Labels that only record the installer, dropped from both sides. */
export const INSTALLER_LABELS: readonly string[] = [
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'helm.sh/chart',
  'chart',
  'heritage',
  'release',
  'install.operator.istio.io/owning-resource',
  'operator.istio.io/component',
];

/** Text that replaces each injection template, so only template names are compared. */
export const TEMPLATE_PLACEHOLDER = '<template text: compared by the kube-inject check, not here>';

const RBAC_ROLE_KINDS = new Set(['Role', 'ClusterRole']);

/** Returns a normalised deep copy of `o` (see the file comment for what is done). */
export function normaliseObject(o: K8sObject): K8sObject {
  const copy = JSON.parse(JSON.stringify(o)) as K8sObject;
  dropInstallerLabels(copy);
  dropDefaultPortProtocol(copy);
  if (copy.kind === 'ConfigMap' && isPlainObject(copy.data)) copy.data = normaliseConfigMapData(copy.data);
  if (RBAC_ROLE_KINDS.has(copy.kind) && Array.isArray(copy.rules)) copy.rules = rbacGrants(copy.rules);
  return prune(copy) as K8sObject;
}

/** Drops INSTALLER_LABELS from every `metadata.labels` map found anywhere in the value. */
function dropInstallerLabels(value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach(dropInstallerLabels);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'metadata' && isPlainObject(v) && isPlainObject(v.labels)) {
      for (const l of INSTALLER_LABELS) delete v.labels[l];
    }
    dropInstallerLabels(v);
  }
}

/** Drops `protocol: TCP` (the API server's default) from the items of every `ports` list. */
function dropDefaultPortProtocol(value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach(dropDefaultPortProtocol);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'ports' && Array.isArray(v)) {
      for (const port of v) if (isPlainObject(port) && port.protocol === 'TCP') delete port.protocol;
    }
    dropDefaultPortProtocol(v);
  }
}

/** Parses embedded YAML/JSON documents in ConfigMap data and blanks the injector templates. */
export function normaliseConfigMapData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    out[key] = typeof value === 'string' ? parseEmbeddedDocument(value) : value;
  }
  const config = out.config;
  if (isPlainObject(config) && isPlainObject(config.templates) && 'values' in out) {
    config.templates = Object.fromEntries(Object.keys(config.templates).map((name) => [name, TEMPLATE_PLACEHOLDER]));
  }
  return out;
}

/** The parsed document when `text` is a YAML/JSON map or list, else `text` unchanged. */
export function parseEmbeddedDocument(text: string): unknown {
  if (!/[\n:{[]/.test(text)) return text;
  try {
    const parsed = parseYaml(text, { maxAliasCount: -1 }) as unknown;
    return typeof parsed === 'object' && parsed !== null ? parsed : text;
  } catch {
    return text;
  }
}

/**
 * Turns RBAC rules into `{ "group/resource[/name]": sortedVerbs, "nonResourceURL:/path": sortedVerbs }`.
 * Items that are not valid rules are kept under `"<unparsed rule N>"` so they still show up.
 */
export function rbacGrants(rules: unknown[]): Record<string, string[]> {
  const grants = new Map<string, Set<string>>();
  const add = (key: string, verbs: string[]): void => {
    const set = grants.get(key) ?? new Set<string>();
    verbs.forEach((v) => set.add(v));
    grants.set(key, set);
  };
  rules.forEach((rule, i) => {
    if (!isPlainObject(rule)) {
      add(`<unparsed rule ${i}>`, [JSON.stringify(rule)]);
      return;
    }
    const verbs = strings(rule.verbs);
    for (const url of strings(rule.nonResourceURLs)) add(`nonResourceURL:${url}`, verbs);
    const names = strings(rule.resourceNames);
    for (const group of strings(rule.apiGroups)) {
      for (const resource of strings(rule.resources)) {
        const base = `${group === '' ? 'core' : group}/${resource}`;
        if (names.length === 0) add(base, verbs);
        else names.forEach((n) => add(`${base}/${n}`, verbs));
      }
    }
  });
  return Object.fromEntries([...grants.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]));
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** Removes nulls, undefined, empty maps and empty lists, recursively. Returns undefined when nothing is left. */
export function prune(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([k, v]) => [k, prune(v)] as const).filter(([, v]) => v !== undefined);
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  return value;
}
