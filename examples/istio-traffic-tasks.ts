/**
 * Situation: a team learns Istio's traffic management the way Istio teaches it, with the Bookinfo
 * services of its traffic-management tasks, and writes every step with constructs only: no
 * VirtualService or DestinationRule by hand. Each step lives in a namespace of its own, so all
 * steps are checked together (istioctl validate and analyze, a real API server):
 *
 * - request routing: everything to reviews v1 (one version only); then the test user jason to v2;
 * - fault injection: a 7 s delay, then an HTTP 500 abort, for jason's calls to ratings only;
 * - traffic shifting: reviews 90/10, 50/50, then 100 % to v3 (each step a commit);
 * - request timeouts: reviews v2 answers within 0.5 s while ratings is slowed down by 2 s;
 * - circuit breaking: httpbin with one connection and one pending request at most;
 * - mirroring: every request to httpbin v1 is copied to v2.
 *
 * The profile's ingress gateway (`istio-ingressgateway`) serves the product page of the test-user
 * step for any host (access by IP), as Istio's `bookinfo-gateway` does; the product page calls
 * reviews inside the mesh, where jason's route applies.
 *
 *   npm run synth -- istio-traffic-tasks   # writes dist/examples/istio-traffic-tasks/
 */
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import {
  IMeshInstallation, IngressGateway, MeshInstallation, MeshProfile, PathMatch, RequestMatch, RouteDestination, RoutedService, RouteTo,
  ServiceRouting,
} from 'cdk8s-istio';

/** The test user of Istio's tasks: the product page sends `end-user: jason` once he signs in. */
const JASON = RequestMatch.headerExact('end-user', 'jason');

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const meshChart = new Chart(app, 'mesh');
  const mesh = new MeshInstallation(meshChart, 'Mesh', { profile: MeshProfile.DEFAULT });

  // Request routing: every request to v1, the service's only routed version.
  const allV1 = bookinfo(app, mesh, 'routing-all-v1');
  new ServiceRouting(allV1.chart, 'Reviews', {
    service: RoutedService.fromService(allV1.reviews),
    versions: [{ name: 'v1', workload: allV1.reviewsV1 }],
    routes: [{ to: RouteTo.version('v1') }],
  });

  // Request routing by user identity: jason gets v2, everyone else v1.
  const user = bookinfo(app, mesh, 'routing-test-user');
  new ServiceRouting(user.chart, 'Reviews', {
    service: RoutedService.fromService(user.reviews),
    versions: [{ name: 'v1', workload: user.reviewsV1 }, { name: 'v2', workload: user.reviewsV2 }],
    routes: [
      { name: 'jason', matches: [JASON], to: RouteTo.version('v2') },
      { name: 'everyone', to: RouteTo.version('v1') },
    ],
  });

  // Fault injection: jason's calls to ratings wait 7 s; then, in the next step, fail with 500.
  for (const [step, fault] of [
    ['fault-delay', { delay: Duration.seconds(7) }],
    ['fault-abort', { abortHttpStatus: 500 }],
  ] as const) {
    const b = bookinfo(app, mesh, step);
    new ServiceRouting(b.chart, 'Ratings', {
      service: RoutedService.fromService(b.ratings),
      versions: [{ name: 'v1', workload: b.ratingsV1 }],
      routes: [
        { name: 'jason', matches: [JASON], to: RouteTo.version('v1'), fault },
        { name: 'everyone', to: RouteTo.version('v1') },
      ],
    });
  }

  // Traffic shifting, one commit per step: 90/10, 50/50, then all of it to v3.
  for (const [step, weights] of [
    ['shift-90-10', { v1: 90, v3: 10 }],
    ['shift-50-50', { v1: 50, v3: 50 }],
    ['shift-all-v3', { v1: 0, v3: 100 }],
  ] as const) {
    const b = bookinfo(app, mesh, step);
    new ServiceRouting(b.chart, 'Reviews', {
      service: RoutedService.fromService(b.reviews),
      versions: [{ name: 'v1', workload: b.reviewsV1 }, { name: 'v3', workload: b.reviewsV3 }],
      routes: [{ to: RouteTo.weights(weights) }],
    });
  }

  // Request timeouts: reviews v2 (which calls ratings) must answer within 0.5 s; ratings is 2 s slow.
  const timeouts = bookinfo(app, mesh, 'timeouts');
  new ServiceRouting(timeouts.chart, 'Reviews', {
    service: RoutedService.fromService(timeouts.reviews),
    versions: [{ name: 'v2', workload: timeouts.reviewsV2 }],
    routes: [{ to: RouteTo.version('v2'), timeout: Duration.millis(500) }],
  });
  new ServiceRouting(timeouts.chart, 'Ratings', {
    service: RoutedService.fromService(timeouts.ratings),
    versions: [{ name: 'v1', workload: timeouts.ratingsV1 }],
    routes: [{ to: RouteTo.version('v1'), fault: { delay: Duration.seconds(2) } }],
  });

  // Circuit breaking: more than one connection or one pending request trips the breaker; a pod
  // answering one 5xx is ejected for 3 minutes.
  const breaking = httpbin(app, mesh, 'circuit-breaking');
  new ServiceRouting(breaking.chart, 'Httpbin', {
    service: RoutedService.fromService(breaking.service),
    trafficPolicy: {
      connectionPool: { maxConnections: 1, http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 },
      outlierDetection: { consecutive5xxErrors: 1, interval: Duration.seconds(1), baseEjectionTime: Duration.minutes(3), maxEjectionPercent: 100 },
    },
    routes: [{ to: RouteTo.anyVersion() }],
  });

  // Mirroring: v1 answers every request, v2 gets a copy of each (its answers are dropped).
  const mirroring = httpbin(app, mesh, 'mirroring');
  new ServiceRouting(mirroring.chart, 'Httpbin', {
    service: RoutedService.fromService(mirroring.service),
    versions: [{ name: 'v1', workload: mirroring.v1 }, { name: 'v2', workload: mirroring.v2 }],
    routes: [{ to: RouteTo.version('v1'), mirror: { version: 'v2', percent: 100 } }],
  });

  // The profile's ingress gateway serves the product page on any host (access by IP).
  const ingress = IngressGateway.fromExisting(meshChart, 'Bookinfo', { mesh, gatewayName: 'bookinfo-gateway' });
  ingress.addHost('*');
  for (const path of [PathMatch.exact('/productpage'), PathMatch.prefix('/static'), PathMatch.exact('/login'), PathMatch.exact('/logout')]) {
    ingress.addRoute('*', { path, to: RouteDestination.fromService(user.productpage) });
  }
  ingress.addRoute('*', { path: PathMatch.prefix('/api/v1/products'), to: RouteDestination.fromService(user.productpage) });
}

/** The Bookinfo services of one step, in namespace `namespace`. */
interface Bookinfo {
  readonly chart: Chart;
  readonly productpage: kplus.Service;
  readonly reviews: kplus.Service;
  readonly ratings: kplus.Service;
  readonly reviewsV1: kplus.Deployment;
  readonly reviewsV2: kplus.Deployment;
  readonly reviewsV3: kplus.Deployment;
  readonly ratingsV1: kplus.Deployment;
}

function bookinfo(app: App, mesh: IMeshInstallation, namespace: string): Bookinfo {
  const chart = namespaceChart(app, mesh, namespace);
  deployment(chart, 'productpage', 'v1');
  const productpage = service(chart, 'productpage');
  const reviewsV1 = deployment(chart, 'reviews', 'v1');
  const reviewsV2 = deployment(chart, 'reviews', 'v2');
  const reviewsV3 = deployment(chart, 'reviews', 'v3');
  const ratingsV1 = deployment(chart, 'ratings', 'v1');
  deployment(chart, 'details', 'v1');
  service(chart, 'details');
  return {
    chart,
    productpage,
    reviews: service(chart, 'reviews'),
    ratings: service(chart, 'ratings'),
    reviewsV1,
    reviewsV2,
    reviewsV3,
    ratingsV1,
  };
}

function httpbin(app: App, mesh: IMeshInstallation, namespace: string) {
  const chart = namespaceChart(app, mesh, namespace);
  const v1 = deployment(chart, 'httpbin', 'v1', 8080);
  const v2 = deployment(chart, 'httpbin', 'v2', 8080);
  return { chart, v1, v2, service: service(chart, 'httpbin', 8000, 8080) };
}

/** A chart for one step: its namespace, with sidecar injection. */
function namespaceChart(app: App, mesh: IMeshInstallation, namespace: string): Chart {
  const chart = new Chart(app, namespace, { namespace });
  new k8s.KubeNamespace(chart, 'Namespace', { metadata: { name: namespace, labels: { ...mesh.injectionLabels } } });
  return chart;
}

/** A Deployment of `app` at `version`, labelled as Istio's samples are (`app`, `version`). */
function deployment(chart: Chart, app: string, version: string, port = 9080): kplus.Deployment {
  return new kplus.Deployment(chart, `${app}-${version}`, {
    metadata: { name: `${app}-${version}` },
    podMetadata: { labels: { app, version } },
    serviceAccount: serviceAccount(chart, app),
    containers: [{
      name: app,
      image: `docker.io/istio/examples-bookinfo-${app}-${version}:1.20.3`,
      portNumber: port,
      securityContext: { user: 1000, group: 1000 },
    }],
  });
}

/** The identity of `app`'s pods (`bookinfo-<app>`, as in Istio's samples), one per namespace. */
function serviceAccount(chart: Chart, app: string): kplus.IServiceAccount {
  const id = `${app}-sa`;
  return (chart.node.tryFindChild(id) as kplus.ServiceAccount | undefined)
    ?? new kplus.ServiceAccount(chart, id, { metadata: { name: `bookinfo-${app}` }, automountToken: false });
}

/** The Service of `app`: selects every version by the `app` label. */
function service(chart: Chart, app: string, port = 9080, targetPort = 9080): kplus.Service {
  return new kplus.Service(chart, `${app}-service`, {
    metadata: { name: app },
    selector: kplus.Pods.select(chart, `${app}-pods`, { labels: { app } }),
    ports: [{ name: 'http', port, targetPort }],
  });
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
