/**
 * Situation: a platform team whose certificates all come from cert-manager. Workload
 * certificates are signed by cert-manager's istio-csr (installed beside cert-manager), so
 * istiod's own CA is turned off and every proxy sends its signing requests to istio-csr.
 *
 *   npm run synth -- mesh-external-ca   # writes dist/examples/mesh-external-ca/
 */
import { App, Chart } from 'cdk8s';
import { CertificateAuthority, MeshInstallation, MeshProfile } from 'cdk8s-istio';

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const chart = new Chart(app, 'istio-control-plane');
  new MeshInstallation(chart, 'Mesh', {
    profile: MeshProfile.MINIMAL,
    certificateAuthority: CertificateAuthority.external({ address: 'cert-manager-istio-csr.cert-manager.svc:443' }),
  });
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
