/**
 * Shared GIVEN steps of the observability tests: an app whose `mesh` chart installs the mesh
 * with an OpenTelemetry tracing provider (`otel-tracing`) and a JSON access-log provider
 * (`json-log`), and an empty `obs` chart.
 */
import { App, Chart, Testing } from 'cdk8s';
import { AccessLogEncoding, ExtensionProvider, MeshConfigOptions, MeshInstallation, MeshInstallationProps } from '../lib';

export interface ObservabilityFixture {
  readonly app: App;
  readonly mesh: MeshInstallation;
  readonly chart: Chart;
}

/** The two providers the fixture's mesh declares. */
export const PROVIDERS = [
  ExtensionProvider.openTelemetryTracing({ name: 'otel-tracing', service: 'otel-collector.observability.svc.cluster.local', port: 4317 }),
  ExtensionProvider.envoyFileAccessLog('json-log', '/dev/stdout', AccessLogEncoding.JSON),
];

/** An app with a MeshInstallation declaring PROVIDERS (plus `meshConfig` overrides) and an empty `obs` chart. */
export function installedMesh(meshConfig: MeshConfigOptions = {}, props: MeshInstallationProps = {}): ObservabilityFixture {
  const app = Testing.app();
  const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', { ...props, meshConfig: { extensionProviders: PROVIDERS, ...meshConfig } });
  return { app, mesh, chart: new Chart(app, 'obs') };
}
