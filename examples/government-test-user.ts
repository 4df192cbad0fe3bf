/**
 * Situation: a government team segments its services and tries a new version safely. The
 * benefits calculator moves from v1 to v3: half of the traffic is shifted now, one named test user
 * (header `x-test-user: alice`) always gets v3, and a 2-second delay is injected into 10 % of that
 * user's requests only, to prove the portal's timeout holds without slowing anyone else down.
 * Every rule is enforced at L7 (AuthorizationPolicy by SPIFFE identity) and L3 (NetworkPolicies),
 * and traces go to the team's OpenTelemetry collector at 5 % sampling.
 *
 * No ambient variant: the test user's requests get an injected delay (`fault`), which Gateway API has
 * no form for; an ambient namespace routes by HTTPRoute only.
 *
 *   npm run synth -- government-test-user   # writes dist/examples/government-test-user/
 */
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  ExtensionProvider, MeshInstallation, MeshPeer, MeshProfile, MeshTelemetry, RequestMatch, RoutedService, RouteTo, ServiceRouting,
  WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

const NAMESPACE = 'benefits';

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const meshChart = new Chart(app, 'mesh');
  const mesh = new MeshInstallation(meshChart, 'Mesh', {
    profile: MeshProfile.MINIMAL,
    meshConfig: {
      extensionProviders: [
        ExtensionProvider.openTelemetryTracing({ name: 'otel', service: 'otel-collector.observability.svc.cluster.local', port: 4317 }),
      ],
    },
  });
  new MeshTelemetry(meshChart, 'Tracing', { mesh, tracing: { providers: ['otel'], randomSamplingPercentage: 5 } });

  const chart = new Chart(app, 'benefits');
  const benefits = new ZeroTrustNamespace(chart, 'Benefits', { name: NAMESPACE, mesh });
  const portal = workload(chart, 'Portal', 'portal', '1.0.0');
  const v1 = workload(chart, 'CalculatorV1', 'calculator-v1', '1.4.0');
  const v3 = workload(chart, 'CalculatorV3', 'calculator-v3', '3.0.0');

  const calculator = new kplus.Service(chart, 'CalculatorService', {
    metadata: { name: 'calculator', namespace: NAMESPACE },
    selector: kplus.Pods.select(chart, 'CalculatorPods', { labels: { app: 'calculator' } }),
    ports: [{ name: 'http', port: 80, targetPort: 8080 }],
  });
  new ServiceRouting(chart, 'Calculator', {
    service: RoutedService.fromService(calculator),
    mesh,
    versions: [{ name: 'v1', workload: v1 }, { name: 'v3', workload: v3 }],
    routes: [
      // The test user always gets v3, and 10 % of their requests wait 2 s.
      {
        name: 'test-user',
        matches: [RequestMatch.headerExact('x-test-user', 'alice')],
        to: RouteTo.version('v3'),
        fault: { delay: Duration.seconds(2), delayPercent: 10 },
        timeout: Duration.seconds(5),
      },
      // Traffic shifting v1 -> v3, one commit per step.
      { name: 'shift', to: RouteTo.weights({ v1: 50, v3: 50 }), timeout: Duration.seconds(5) },
    ],
  });

  // Only the portal may call the calculator, and only to compute.
  benefits.allowFrom(MeshPeer.fromDeployment(portal), {
    to: WorkloadSelector.fromLabels({ app: 'calculator' }),
    ports: [8080],
    methods: ['POST'],
    paths: ['/calculate'],
  });
}

/** A Deployment with its own ServiceAccount serving HTTP on 8080. */
function workload(chart: Chart, id: string, name: string, version: string): kplus.Deployment {
  const serviceAccount = new kplus.ServiceAccount(chart, `${id}ServiceAccount`, { metadata: { name, namespace: NAMESPACE } });
  return new kplus.Deployment(chart, id, {
    metadata: { name, namespace: NAMESPACE },
    serviceAccount,
    replicas: 2,
    podMetadata: name.startsWith('calculator') ? { labels: { app: 'calculator' } } : undefined,
    containers: [{ name: 'app', image: `registry.gov.example/${name.replace(/-v\d+$/, '')}:${version}`, portNumber: 8080 }],
  });
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
