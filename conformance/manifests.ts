/**
 * Reading Kubernetes manifests (multi-document YAML) and naming the objects in them.
 */
import * as fs from 'fs';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as parsed from YAML or synthesized by cdk8s. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * Parses a multi-document YAML text into objects, skipping empty documents. Throws with the file
 * name and the document's index when a document is not valid YAML or is not a Kubernetes object.
 */
export function parseManifests(text: string, file = '<input>'): K8sObject[] {
  const out: K8sObject[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${file}: document ${i}: ${doc.errors[0].message}`);
    const value = doc.toJS({ maxAliasCount: -1 }) as unknown;
    if (value === null || value === undefined) return;
    if (!isKubernetesObject(value)) throw new Error(`${file}: document ${i} is not a Kubernetes object (needs apiVersion, kind, metadata.name)`);
    out.push(value);
  });
  return out;
}

/** Reads and parses a manifest file (see parseManifests). */
export function readManifests(file: string): K8sObject[] {
  return parseManifests(fs.readFileSync(file, 'utf8'), file);
}

/** True for a plain object with apiVersion, kind and metadata.name. */
export function isKubernetesObject(value: unknown): value is K8sObject {
  if (!isPlainObject(value)) return false;
  const meta = value.metadata;
  return typeof value.apiVersion === 'string' && typeof value.kind === 'string' && isPlainObject(meta) && typeof meta.name === 'string';
}

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Identity used to match objects across two manifests: apiVersion, kind, namespace and name. */
export function objectKey(o: K8sObject): string {
  return [o.apiVersion, o.kind, o.metadata.namespace ?? '', o.metadata.name].join('|');
}

/** Human-readable object name, `Kind namespace/name` or `Kind name` for cluster-scoped objects. */
export function objectRef(o: K8sObject): string {
  return o.metadata.namespace ? `${o.kind} ${o.metadata.namespace}/${o.metadata.name}` : `${o.kind} ${o.metadata.name}`;
}
