/**
 * Shared GIVEN steps of the gateway tests: an app with a mesh installed elsewhere
 * (`MeshInstallation.fromExisting`), an `edge` chart for gateways and a `shop` chart (namespace
 * `shop`) with a web Service, plus object lookups.
 */
import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ExistingMeshAttributes, IMeshInstallation, MeshInstallation } from '../lib';

export { find, inventory, ofKind, synthAll } from './zero-trust-fixture';

export interface GatewayFixture {
  readonly app: App;
  readonly mesh: IMeshInstallation;
  readonly edge: Chart;
  readonly shop: Chart;
  /** Service `web` (port 80 -> 8080) in namespace `shop`. */
  readonly web: kplus.Service;
}

/** An app with the mesh (attributes as given), an empty `edge` chart and a `shop` chart with Service `web`. */
export function gatewayFixture(attrs: ExistingMeshAttributes = {}): GatewayFixture {
  const app = Testing.app();
  const mesh = MeshInstallation.fromExisting(new Chart(app, 'mesh'), 'Mesh', attrs);
  const shop = new Chart(app, 'shop', { namespace: 'shop' });
  const web = new kplus.Deployment(shop, 'Web', { containers: [{ image: 'web:1', portNumber: 8080 }] })
    .exposeViaService({ name: 'web', ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  return { app, mesh, edge: new Chart(app, 'edge'), shop, web };
}
