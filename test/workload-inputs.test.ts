/**
 * Workload, Service and ServiceAccount inputs are read from the synthesized object, so k8s L1s and
 * raw ApiObjects work like cdk8s-plus constructs; anything else fails naming what was passed.
 * (cdk8s-plus of other majors: test/cdk8s-plus-compat.test.ts.)
 */
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import {
  CanaryRelease, IngressGateway, MeshPeer, ReleaseStrategy, ReleaseWorkload, RouteDestination, WorkloadSelector, ZeroTrustNamespace,
} from '../lib';
import { find, fixture, synthAll } from './zero-trust-fixture';

const ACCEPTED = 'cdk8s-plus of any major, a k8s L1 or an ApiObject';

function l1Deployment(chart: Chart, id: string, name: string, podLabels: { [k: string]: string }, serviceAccountName?: string): k8s.KubeDeployment {
  return new k8s.KubeDeployment(chart, id, {
    metadata: { name },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: podLabels.app } },
      template: {
        metadata: { labels: podLabels },
        spec: { serviceAccountName, containers: [{ name: 'app', image: `registry.example/${name}:1`, ports: [{ containerPort: 9080 }] }] },
      },
    },
  });
}

describe('WorkloadSelector.fromDeployment', () => {
  test('reads a KubeDeployment L1: its matchLabels and chart namespace', () => {
    const { app } = fixture();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const api = l1Deployment(chart, 'Api', 'api', { app: 'api', tier: 'backend' });

    expect(WorkloadSelector.fromDeployment(api).toWorkloadSelectorConfig()).toEqual({
      labels: { app: 'api' }, namespace: 'shop', description: 'deployment api', name: 'api',
    });
  });

  test('reads a StatefulSet given as a raw ApiObject, and labels added later', () => {
    const { app } = fixture();
    const chart = new Chart(app, 'shop');
    const db = new ApiObject(chart, 'Db', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'data' },
      spec: { selector: { matchLabels: { app: 'db' } }, serviceName: 'db', template: { metadata: { labels: { app: 'db' } }, spec: { containers: [] } } },
    });
    const selector = WorkloadSelector.fromDeployment(db);
    db.addJsonPatch(JsonPatch.add('/spec/selector/matchLabels/tier', 'data'));

    expect(selector.toWorkloadSelectorConfig()).toEqual({ labels: { app: 'db', tier: 'data' }, namespace: 'data', description: 'statefulset db', name: 'db' });
  });

  test('rejects a value that is not a construct, naming the factory, the value and the fix', () => {
    expect(() => WorkloadSelector.fromDeployment('api' as any)).toThrow(
      "[WorkloadSelector.fromDeployment] 'deployment' must be a Deployment, StatefulSet or DaemonSet of this app " +
      `(${ACCEPTED}), got "api" (string); for pods this app does not define use WorkloadSelector.fromLabels({ app: 'api' })`);
    expect(() => WorkloadSelector.fromDeployment(null as any)).toThrow(/'deployment' must be a Deployment, StatefulSet or DaemonSet of this app .*, got null;/);
  });

  test('rejects a construct of another kind, naming its path and object', () => {
    const { chart } = fixture();
    const svc = new kplus.Service(chart, 'Web', { metadata: { name: 'web' }, ports: [{ port: 80 }] });

    expect(() => WorkloadSelector.fromDeployment(svc)).toThrow(
      "[apps/Web] 'WorkloadSelector.fromDeployment(deployment)' must be a Deployment, StatefulSet or DaemonSet of this app " +
      `(${ACCEPTED}), got construct apps/Web (v1 Service "web"); for pods this app does not define use WorkloadSelector.fromLabels({ app: 'api' })`);
  });

  test('rejects a workload selecting its pods by matchExpressions only', () => {
    const { chart } = fixture();
    const api = new k8s.KubeDeployment(chart, 'Api', {
      metadata: { name: 'api', namespace: 'shop' },
      spec: {
        selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api'] }] },
        template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'app', image: 'api' }] } },
      },
    });

    expect(() => WorkloadSelector.fromDeployment(api).toWorkloadSelectorConfig()).toThrow(
      '[apps/Api] Deployment "api" selects its pods by matchExpressions only, which Istio\'s workload selectors cannot express; ' +
      'select its pods by labels: WorkloadSelector.fromLabels({"app":"api"})');
  });
});

describe('MeshPeer from objects of the app', () => {
  test('a KubeDeployment L1: its serviceAccountName as principal, its matchLabels for the NetworkPolicy', () => {
    const { app, mesh } = fixture();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const ns = new ZeroTrustNamespace(chart, 'Shop', { name: 'shop', mesh });
    new k8s.KubeServiceAccount(chart, 'WebSa', { metadata: { name: 'web-sa' } });
    const web = l1Deployment(chart, 'Web', 'web', { app: 'web' }, 'web-sa');
    l1Deployment(chart, 'Api', 'api', { app: 'api' });

    ns.allowFrom(MeshPeer.fromDeployment(web), { to: WorkloadSelector.fromLabels({ app: 'api' }), ports: [9080] });
    const objects = synthAll(app);

    expect(find(objects, 'AuthorizationPolicy', 'allow-shop-web-sa-to-app-api').spec.rules[0].from).toEqual([{ source: { principals: ['cluster.local/ns/shop/sa/web-sa'] } }]);
    expect(find(objects, 'NetworkPolicy', 'allow-shop-web-sa-to-app-api').spec.ingress[0].from[0].podSelector).toEqual({ matchLabels: { app: 'web' } });
  });

  test('a KubeServiceAccount L1: its name and namespace', () => {
    const { app, mesh } = fixture();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const ns = new ZeroTrustNamespace(chart, 'Shop', { name: 'shop', mesh });
    const sa = new k8s.KubeServiceAccount(chart, 'Sa', { metadata: { name: 'reporter' } });
    l1Deployment(chart, 'Reporter', 'reporter', { app: 'reporter' }, 'reporter');

    expect(MeshPeer.fromServiceAccount(sa).toMeshPeerConfig(ns, mesh)).toEqual({
      namespace: 'shop', principals: ['cluster.local/ns/shop/sa/reporter'], podLabels: undefined, description: 'shop/sa/reporter', name: 'shop-reporter',
    });
  });

  test('a Deployment given as a ServiceAccount is rejected, naming the consumer, the object and the fix', () => {
    const { app, mesh } = fixture();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const ns = new ZeroTrustNamespace(chart, 'Shop', { name: 'shop', mesh });
    const web = l1Deployment(chart, 'Web', 'web', { app: 'web' });

    expect(() => MeshPeer.fromServiceAccount(web).toMeshPeerConfig(ns, mesh)).toThrow(
      "[shop/Shop] 'MeshPeer.fromServiceAccount(serviceAccount)' must be a ServiceAccount of this app " +
      `(${ACCEPTED}) or one imported with ServiceAccount.fromServiceAccountName(), got construct shop/Web (apps/v1 Deployment "web"); ` +
      "for a service account this app does not define use MeshPeer.serviceAccount('namespace', 'name')");
  });

  test('a Service given as a Deployment is rejected', () => {
    const { app, mesh } = fixture();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const ns = new ZeroTrustNamespace(chart, 'Shop', { name: 'shop', mesh });
    const svc = new k8s.KubeService(chart, 'Web', { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });

    expect(() => MeshPeer.fromDeployment(svc).toMeshPeerConfig(ns, mesh)).toThrow(
      `[shop/Shop] 'MeshPeer.fromDeployment(deployment)' must be a Deployment, StatefulSet or DaemonSet of this app (${ACCEPTED}), ` +
      'got construct shop/Web (v1 Service "web"); ' +
      "for workloads this app does not define use MeshPeer.serviceAccount('namespace', 'name', { podLabels })");
  });
});

describe('RouteDestination.fromService', () => {
  test('a KubeService L1 and a raw ApiObject Service: name, namespace and only port', () => {
    const { app, mesh } = fixture();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const gateway = new IngressGateway(new Chart(app, 'edge'), 'Public', { mesh, namespace: 'istio-ingress', createNamespace: true });
    const web = new k8s.KubeService(chart, 'Web', { metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 8000 }] } });
    const raw = new ApiObject(chart, 'Api', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'backend' }, spec: { ports: [{ port: 9080 }] } });

    expect(RouteDestination.fromService(web).toRouteDestinationConfig(gateway)).toEqual({ host: 'web.shop.svc.cluster.local', port: 8000 });
    expect(RouteDestination.fromService(raw).toRouteDestinationConfig(gateway)).toEqual({ host: 'api.backend.svc.cluster.local', port: 9080 });
  });

  test('a Deployment is rejected, naming the route\'s construct, the object and the fix', () => {
    const { app, mesh } = fixture();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const gateway = new IngressGateway(new Chart(app, 'edge'), 'Public', { mesh, namespace: 'istio-ingress', createNamespace: true });
    const web = l1Deployment(chart, 'Web', 'web', { app: 'web' });

    expect(() => RouteDestination.fromService(web).toRouteDestinationConfig(gateway)).toThrow(
      `[edge/Public] 'to' must be a Service of this app (${ACCEPTED}), got construct shop/Web (apps/v1 Deployment "web"); ` +
      "for a Service this app does not define use RouteDestination.host('web.shop.svc.cluster.local', 80)");
  });
});

describe('CanaryRelease with k8s L1 workloads and Service', () => {
  function release(podLabels: { [k: string]: string }) {
    const { app, mesh } = fixture();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const v1 = l1Deployment(chart, 'V1', 'reviews-v1', { app: 'reviews', version: 'v1' });
    const v2 = l1Deployment(chart, 'V2', 'reviews-v2', podLabels);
    const service = new k8s.KubeService(chart, 'ReviewsService', {
      metadata: { name: 'reviews' },
      spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080 }] },
    });
    const make = () => new CanaryRelease(chart, 'Reviews', {
      mesh,
      service,
      stable: ReleaseWorkload.fromDeployment(v1),
      canary: ReleaseWorkload.fromDeployment(v2),
      strategy: ReleaseStrategy.staticWeight(20),
      printPlan: false,
    });
    return { app, make, v2 };
  }

  test('reads names, labels, port and replicas from the objects, and leaves their labels alone', () => {
    const { app, make, v2 } = release({ app: 'reviews', version: 'v2' });
    const r = make();
    const objects = synthAll(app);

    expect([r.serviceName, r.port, r.stableVersion, r.canaryVersion]).toEqual(['reviews', 9080, 'v1', 'v2']);
    expect(find(objects, 'DestinationRule', 'reviews').spec.subsets).toEqual([
      { name: 'v1', labels: { app: 'reviews', version: 'v1' } }, { name: 'v2', labels: { app: 'reviews', version: 'v2' } },
    ]);
    expect(v2.toJson().spec.template.metadata.labels).toEqual({ app: 'reviews', version: 'v2' });
    expect(objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name)).toEqual(['reviews']);
  });

  test('an L1 Deployment whose pods lack the version label cannot be labelled: the error says where to add it', () => {
    const { make } = release({ app: 'reviews' });

    expect(make).toThrow("[shop/Reviews] the pods of 'canary' (deployment reviews-v2) lack version=canary, which the release selects them by, " +
      "and only a cdk8s-plus Deployment's pods can be labelled by it; add { version: 'canary' } to the Deployment's spec.template.metadata.labels");
  });

  test('a StatefulSet is not a release workload', () => {
    const { app, mesh } = fixture();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const db = new kplus.StatefulSet(chart, 'Db', {
      metadata: { name: 'db' },
      containers: [{ image: 'db' }],
      service: new kplus.Service(chart, 'DbService', { metadata: { name: 'db' }, ports: [{ port: 5432 }] }),
    });

    expect(() => new CanaryRelease(chart, 'DbRelease', { mesh, canary: ReleaseWorkload.fromDeployment(db), strategy: ReleaseStrategy.flagger(), printPlan: false })).toThrow(
      `[shop/DbRelease] 'canary' must be a Deployment of this app (${ACCEPTED}), got construct shop/Db (apps/v1 StatefulSet "db"); ` +
      "for pods this app does not define use ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'reviews', version: 'v1' }))");
  });

  test('a Deployment given as the Service is rejected', () => {
    const { app, mesh } = fixture();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const v2 = l1Deployment(chart, 'V2', 'reviews-v2', { app: 'reviews', version: 'v2' });

    expect(() => new CanaryRelease(chart, 'Reviews', {
      mesh, service: v2, canary: ReleaseWorkload.fromDeployment(v2), strategy: ReleaseStrategy.flagger(), printPlan: false,
    })).toThrow(`[shop/Reviews] 'service' must be a Service of this app (${ACCEPTED}), got construct shop/V2 (apps/v1 Deployment "reviews-v2"); ` +
      "omit 'service' to have the release create one, or pass the Service clients call");
  });
});

test('a cdk8s-plus Deployment without containers yet is reported, not a TypeError', () => {
  const { app, mesh } = fixture();
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  const empty = new kplus.Deployment(chart, 'Empty', { metadata: { name: 'empty' } });

  expect(() => new CanaryRelease(chart, 'EmptyRelease', { mesh, canary: ReleaseWorkload.fromDeployment(empty), strategy: ReleaseStrategy.flagger(), printPlan: false }))
    .toThrow(/^\[shop\/EmptyRelease\] 'canary' Deployment "empty" cannot be rendered yet \(.+\); finish defining it \(containers, ports\) before handing it over$/);
});
