/**
 * Shared GIVEN steps of the zero-trust tests: an app with a mesh chart (the mesh installed
 * elsewhere, `MeshInstallation.fromExisting`) and an `apps` chart, plus object lookups.
 */
import { App, Chart, Testing } from 'cdk8s';
import { ExistingMeshAttributes, IMeshInstallation, MeshInstallation } from '../lib';

export interface Fixture {
  readonly app: App;
  readonly mesh: IMeshInstallation;
  readonly chart: Chart;
}

/** An app with the mesh (attributes as given) and an empty `apps` chart. */
export function fixture(attrs: ExistingMeshAttributes = {}): Fixture {
  const app = Testing.app();
  const mesh = MeshInstallation.fromExisting(new Chart(app, 'mesh'), 'Mesh', attrs);
  return { app, mesh, chart: new Chart(app, 'apps') };
}

/** Every object the app synthesizes, chart by chart. */
export function synthAll(app: App): any[] {
  return app.charts.flatMap((c) => Testing.synth(c));
}

/** The objects of one kind (optionally in one namespace). */
export function ofKind(objects: any[], kind: string, namespace?: string): any[] {
  return objects.filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));
}

/** The object of `kind` named `name` (in `namespace` when given); throws with the inventory if absent. */
export function find(objects: any[], kind: string, name: string, namespace?: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (!found) {
    throw new Error(`no ${kind} ${namespace ?? '*'}/${name} in [${objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).join(', ')}]`);
  }
  return found;
}

/** `kind/name` of every object, for asserting what is (not) emitted. */
export function inventory(objects: any[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`);
}
