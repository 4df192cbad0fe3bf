/**
 * Stub CRDs for the third-party kinds listed in conformance/apiserver/external-crds.yaml (see the
 * comment at its top): the kind exists at its version and scope, any spec is accepted.
 */
import * as fs from 'fs';
import { parse } from 'yaml';
import { groupOf } from './objects';
import { isPlainObject, K8sObject } from '../manifests';

/** One reviewed entry of external-crds.yaml. */
export interface ExternalCrd {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  /** `Namespaced` unless the entry says `scope: Cluster`. */
  readonly scope: 'Namespaced' | 'Cluster';
  readonly reason: string;
}

/** Parses external-crds.yaml; throws naming the file, entry and field that is wrong. */
export function parseExternalCrds(text: string, file = 'external-crds.yaml'): ExternalCrd[] {
  const value = parse(text) as unknown;
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${file}: expected a list of entries`);
  return value.map((entry: unknown, i) => {
    if (!isPlainObject(entry)) throw new Error(`${file}: entry ${i} is not a mapping`);
    const field = (name: string, optional = false): string => {
      const v = entry[name];
      if (typeof v === 'string' && v !== '') return v;
      if (optional && v === undefined) return '';
      throw new Error(`${file}: entry ${i} (${String(entry.kind ?? '?')}): '${name}' must be a non-empty string`);
    };
    const scope = field('scope', true) || 'Namespaced';
    if (scope !== 'Namespaced' && scope !== 'Cluster') throw new Error(`${file}: entry ${i} (${field('kind')}): 'scope' must be Namespaced or Cluster, got ${scope}`);
    return { group: field('group'), version: field('version'), kind: field('kind'), plural: field('plural'), scope, reason: field('reason') };
  });
}

/** Reads and parses the file; a missing file means no entries. */
export function readExternalCrds(file: string): ExternalCrd[] {
  return fs.existsSync(file) ? parseExternalCrds(fs.readFileSync(file, 'utf8'), file) : [];
}

/** True when `o` is of the entry's group, version and kind. */
export function isOfExternalKind(o: K8sObject, e: ExternalCrd): boolean {
  return o.kind === e.kind && o.apiVersion === `${e.group}/${e.version}`;
}

/** The stub CRD for an entry: served and stored at its version, schema open below the root. */
export function stubCrd(e: ExternalCrd): K8sObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${e.plural}.${e.group}`, labels: { 'conformance.cdk8s-istio.io/stub': 'true' } },
    spec: {
      group: e.group,
      scope: e.scope,
      names: { kind: e.kind, plural: e.plural, singular: e.kind.toLowerCase(), listKind: `${e.kind}List` },
      versions: [{
        name: e.version,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      }],
    },
  };
}

/** True when an example's own CRDs define the kind (then its real CRD wins over the stub). */
export function definedBy(crds: readonly K8sObject[], e: ExternalCrd): boolean {
  return crds.some((c) => groupOf(c.apiVersion) === 'apiextensions.k8s.io'
    && isPlainObject(c.spec) && c.spec.group === e.group
    && isPlainObject(c.spec.names) && c.spec.names.kind === e.kind);
}
