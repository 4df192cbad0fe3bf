/**
 * Situation: a welfare agency's case-management team runs its services with our constructs, but
 * its legacy document archive still ships as hand-written manifests (a Deployment, a Service, a
 * DestinationRule with two subsets and a VirtualService with a retry policy). Reviews keep
 * missing the same mistakes in those files: a route to a subset that no longer exists, a port
 * named `web`, TLS to a partner without certificate verification.
 *
 * The synth-time analyzer checks the raw objects together with ours, across charts: a wrong
 * subset fails `cdk8s synth` with the IST code, the construct path and the fix, before any YAML
 * is written. One finding is accepted on purpose and suppressed with Istio's own annotation: the scanning
 * partner's endpoint uses a certificate from a private CA the agency cannot distribute yet.
 *
 * No ambient variant: its subject is the hand-written VirtualService (with a retry policy) and
 * DestinationRule subsets the analyzer checks; in an ambient namespace they would have to be an
 * HTTPRoute, and Gateway API 1.5 has retries only in its experimental channel.
 *
 *   npm run synth -- raw-manifests-checked   # writes dist/examples/raw-manifests-checked/
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { ANALYZE_SUPPRESS_ANNOTATION, MeshInstallation, MeshPeer, MeshProfile, WorkloadSelector, ZeroTrustNamespace } from 'cdk8s-istio';

const NS = 'casework';
const ARCHIVE_LABELS = { 'app.kubernetes.io/name': 'archive' };

function archiveVersion(chart: Chart, version: string): void {
  const labels = { ...ARCHIVE_LABELS, version };
  new k8s.KubeDeployment(chart, `Archive-${version}`, {
    metadata: { name: `archive-${version}`, namespace: NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'archive',
            image: `registry.agency.example/archive:${version === 'v1' ? '3.4.2' : '4.0.0'}`,
            ports: [{ containerPort: 8080 }],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          }],
        },
      },
    },
  });
}

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', { profile: MeshProfile.MINIMAL });
  const team = new Chart(app, 'casework');
  const casework = new ZeroTrustNamespace(team, 'Casework', { name: NS, mesh });
  casework.allowFrom(MeshPeer.namespace(NS), { to: WorkloadSelector.fromLabels(ARCHIVE_LABELS), ports: [8080] });

  // The legacy archive, as hand-written manifests in their own chart.
  const legacy = new Chart(app, 'archive');
  archiveVersion(legacy, 'v1');
  archiveVersion(legacy, 'v2');
  new k8s.KubeService(legacy, 'ArchiveService', {
    metadata: { name: 'archive', namespace: NS },
    spec: { selector: ARCHIVE_LABELS, ports: [{ name: 'http-web', port: 80, targetPort: k8s.IntOrString.fromNumber(8080) }] },
  });
  new ApiObject(legacy, 'ArchiveSubsets', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'archive', namespace: NS },
    spec: { host: 'archive', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
  });
  new ApiObject(legacy, 'ArchiveRoutes', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'archive', namespace: NS },
    spec: {
      hosts: ['archive'],
      http: [{
        retries: { attempts: 3, perTryTimeout: '2s', retryOn: 'connect-failure,refused-stream,503' },
        route: [{ destination: { host: 'archive', subset: 'v1' }, weight: 90 }, { destination: { host: 'archive', subset: 'v2' }, weight: 10 }],
      }],
    },
  });

  // TLS origination to the document-scanning partner, whose certificate comes from a private CA.
  new ApiObject(legacy, 'ScanPartner', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: 'scan-partner', namespace: NS },
    spec: { hosts: ['scan.partner.example'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }] },
  });
  // Accepted on purpose (partner CA not distributable yet; tracked in SEC-2291). The annotation is
  // Istio's own: `istioctl analyze` on the cluster honours it as well as our analyzer.
  new ApiObject(legacy, 'ScanPartnerTls', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'scan-partner', namespace: NS, annotations: { [ANALYZE_SUPPRESS_ANNOTATION]: 'IST0128' } },
    spec: { host: 'scan.partner.example', trafficPolicy: { tls: { mode: 'SIMPLE', sni: 'scan.partner.example' } } },
  });
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
