/**
 * Situation: a payments team lets Argo Rollouts release its checkout API. Git holds one
 * Deployment; changing its image (and version) starts a release: 5%, 20%, 50% of the requests,
 * five minutes each, while an AnalysisTemplate checks the canary's success rate and P99 latency
 * in Prometheus every minute and aborts after three failed checks. The Rollout takes its pod
 * template from the Deployment (`workloadRef`) and scales the Deployment down once healthy.
 *
 * The ledger service beside it uses the blue/green preset: the new version runs at full size,
 * receives a mirrored copy of the requests for ten minutes of analysis, then takes all traffic
 * at once.
 *
 * Argo Rollouts changes the VirtualService weights and the DestinationRule subset labels in the
 * cluster: `argoCdIgnoreDifferences` lists exactly those fields for the Argo CD Application.
 *
 * No ambient variant: the ledger's blue/green preview gets a mirrored copy of the requests, which
 * Argo Rollouts sets with its Istio traffic router (`setMirrorRoute` on a VirtualService) and its
 * Gateway API plugin cannot; an ambient namespace routes by HTTPRoute only. Argo Rollouts on
 * ambient: the cart release of canary-gateway-api.ambient.
 *
 *   npm run synth -- canary-argo-rollouts   # writes dist/examples/canary-argo-rollouts/
 */
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CanaryRelease, MeshInstallation, MeshPeer, MeshProfile, ReleaseStrategy, ReleaseWorkload, RolloutScaleDown, WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

const NAMESPACE = 'payments';

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const meshChart = new Chart(app, 'mesh');
  const mesh = new MeshInstallation(meshChart, 'Mesh', { profile: MeshProfile.MINIMAL });

  const chart = new Chart(app, 'payments');
  const payments = new ZeroTrustNamespace(chart, 'Payments', { name: NAMESPACE, mesh });
  const web = workload(chart, 'Web', 'web', 'registry.pay.example/web:3.2.0');
  web.exposeViaService({ name: 'web', ports: [{ name: 'http', port: 8080, targetPort: 8080 }] });
  const checkout = workload(chart, 'Checkout', 'checkout', 'registry.pay.example/checkout:4.7.1');
  const ledger = workload(chart, 'Ledger', 'ledger', 'registry.pay.example/ledger:1.12.0');

  const checkoutRelease = new CanaryRelease(chart, 'CheckoutRelease', {
    serviceName: 'checkout',
    mesh,
    canary: ReleaseWorkload.fromDeployment(checkout, { version: '4.7.1' }),
    strategy: ReleaseStrategy.steps([
      { weight: 5, pause: Duration.minutes(5) },
      { weight: 20, pause: Duration.minutes(5) },
      { weight: 50, pause: Duration.minutes(5) },
    ], { interval: Duration.minutes(1), failureThreshold: 3, minSuccessRate: 99.5, maxLatencyP99: Duration.millis(300) }),
    trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3 } },
    timeout: Duration.seconds(2),
  });

  new CanaryRelease(chart, 'LedgerRelease', {
    serviceName: 'ledger',
    mesh,
    canary: ReleaseWorkload.fromDeployment(ledger, { version: '1.12.0' }),
    strategy: ReleaseStrategy.blueGreen({ analysisDuration: Duration.minutes(10), scaleDown: RolloutScaleDown.PROGRESSIVELY }),
  });

  payments.allowFrom(MeshPeer.fromDeployment(web), { to: WorkloadSelector.fromLabels({ app: checkoutRelease.serviceName }), ports: [8080] });
  payments.allowFrom(MeshPeer.fromDeployment(checkout), { to: WorkloadSelector.fromLabels({ app: 'ledger' }), ports: [8080] });
}

/** A Deployment serving HTTP on 8080, with its own ServiceAccount. */
function workload(chart: Chart, id: string, name: string, image: string): kplus.Deployment {
  const serviceAccount = new kplus.ServiceAccount(chart, `${id}ServiceAccount`, { metadata: { name, namespace: NAMESPACE } });
  return new kplus.Deployment(chart, id, {
    metadata: { name, namespace: NAMESPACE },
    serviceAccount,
    replicas: 3,
    containers: [{ name: 'app', image, portNumber: 8080, readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }) }],
  });
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
