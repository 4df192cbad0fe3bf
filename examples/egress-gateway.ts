/**
 * Situation: a tax office's billing service calls two outside services, and security wants one
 * audited exit: every call leaves the cluster through a dedicated egress gateway, and the billing
 * pods may not open connections anywhere else (their NetworkPolicy only reaches the gateway).
 *
 * The payment provider is called over HTTPS by the application itself; the gateway passes the TLS
 * through by SNI. The old ledger partner is called with plain HTTP inside the mesh: the sidecar
 * carries it to the gateway over Istio mutual TLS and the gateway opens HTTPS to the partner,
 * verifying its certificate (TLS origination).
 *
 * No ambient variant: the calls leave through the egress gateway (`allowEgressTo(..., { via })`), a
 * route that only a sidecar applies (a VirtualService on the mesh gateway); ambient pods run no
 * proxy to apply it, and `DataPlane.AMBIENT` refuses `via` with that reason.
 *
 *   npm run synth -- egress-gateway   # writes dist/examples/egress-gateway/
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EgressGateway, ExternalHost, MeshInstallation, MeshProfile, ZeroTrustNamespace } from 'cdk8s-istio';

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', { profile: MeshProfile.MINIMAL });

  const edge = new Chart(app, 'edge');
  const egress = new EgressGateway(edge, 'Egress', { mesh, namespace: 'istio-egress', createNamespace: true, replicas: 2 });

  const appChart = new Chart(app, 'billing');
  const billing = new ZeroTrustNamespace(appChart, 'Billing', { name: 'billing', mesh });
  new kplus.Deployment(appChart, 'BillingApp', {
    metadata: { name: 'billing', namespace: 'billing' },
    podMetadata: { labels: { 'app.kubernetes.io/name': 'billing', 'app.kubernetes.io/version': '5.1.0' } },
    replicas: 2,
    containers: [{ name: 'app', image: 'registry.tax.example/billing:5.1.0', portNumber: 8080, securityContext: { user: 10001, group: 10001 } }],
  }).exposeViaService({ name: 'billing', ports: [{ name: 'http', port: 80, targetPort: 8080 }] });

  // The application speaks HTTPS itself: passed through by SNI. Billing's Sidecar learns the
  // gateway namespace, and its NetworkPolicy reaches only the gateway pods.
  billing.allowEgressTo(ExternalHost.https('api.payments.example'), { via: egress });
  // The application speaks plain HTTP to http://ledger.partner.example; the gateway originates TLS.
  billing.allowEgressTo(ExternalHost.https('ledger.partner.example'), { via: egress, originateTls: true });
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
