/**
 * Shared GIVEN steps of the CanaryRelease tests: an app with the mesh installed elsewhere and a
 * `shop` chart (namespace `shop`) holding reviews Deployments, plus object lookups.
 */
import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { CanaryRelease, CanaryReleaseProps, IMeshInstallation, MeshInstallation, ReleaseStrategy, ReleaseWorkload } from '../lib';

export interface CanaryFixture {
  readonly app: App;
  readonly mesh: IMeshInstallation;
  readonly chart: Chart;
}

/** An app with the mesh and an empty `shop` chart (chart namespace `shop`). */
export function canaryFixture(): CanaryFixture {
  const app = Testing.app();
  const mesh = MeshInstallation.fromExisting(new Chart(app, 'mesh'), 'Mesh');
  return { app, mesh, chart: new Chart(app, 'shop', { namespace: 'shop' }) };
}

/** A reviews Deployment serving 9080, image tag `tag`, its pods labelled `version: <tag>` (versions are never read from image tags). */
export function reviews(chart: Chart, id: string, tag: string, props: Partial<kplus.DeploymentProps> = {}): kplus.Deployment {
  return new kplus.Deployment(chart, id, {
    metadata: { name: `reviews-${id.toLowerCase()}` },
    podMetadata: { labels: { version: tag } },
    containers: [{ name: 'app', image: `registry.example/reviews:${tag}`, portNumber: 9080 }],
    ...props,
  });
}

/** A Deployment selected by `app: reviews`, as Flagger needs. */
export function flaggerTarget(chart: Chart, id = 'Reviews', tag = '2.0.0'): kplus.Deployment {
  const d = reviews(chart, id, tag, { select: false, metadata: { name: 'reviews' } });
  d.select(kplus.LabelSelector.of({ labels: { app: 'reviews' } }));
  return d;
}

/** A static release reviews v1 (1.0.0) -> v2 (2.0.0) at `weight`, with `props` on top. */
export function staticRelease(weight = 10, props: Partial<CanaryReleaseProps> = {}) {
  const f = canaryFixture();
  const v1 = reviews(f.chart, 'V1', '1.0.0');
  const v2 = reviews(f.chart, 'V2', '2.0.0');
  const release = new CanaryRelease(f.chart, 'Reviews', {
    serviceName: 'reviews',
    mesh: f.mesh,
    stable: ReleaseWorkload.fromDeployment(v1),
    canary: ReleaseWorkload.fromDeployment(v2),
    strategy: ReleaseStrategy.staticWeight(weight),
    printPlan: false,
    ...props,
  });
  return { ...f, v1, v2, release };
}

/** The objects of `kind` named `name`; throws with the inventory if absent. */
export function find(objects: any[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in [${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}]`);
  return found;
}

/** `kind/name` of every object. */
export function inventory(objects: any[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`);
}

/** The routes of the VirtualService `name`, by route name. */
export function routes(objects: any[], name = 'reviews'): { [route: string]: any } {
  return Object.fromEntries(find(objects, 'VirtualService', name).spec.http.map((r: any) => [r.name, r]));
}
