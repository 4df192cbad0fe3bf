/**
 * Situation: a platform team whose certificates all come from cert-manager. Workload
 * certificates are signed by cert-manager's istio-csr (installed beside cert-manager), so
 * istiod's own CA is turned off and every proxy sends its signing requests to istio-csr. The
 * control plane runs on the platform's system nodes, a setting no prop covers: the escape hatch
 * patches the generated istiod Deployment.
 *
 *   npm run synth -- mesh-external-ca   # writes dist/examples/mesh-external-ca/
 */
import { App, Chart, JsonPatch } from 'cdk8s';
import { CertificateAuthority, MeshInstallation, MeshProfile } from 'cdk8s-istio';

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const chart = new Chart(app, 'istio-control-plane');
  const mesh = new MeshInstallation(chart, 'Mesh', {
    profile: MeshProfile.MINIMAL,
    certificateAuthority: CertificateAuthority.external({ address: 'cert-manager-istio-csr.cert-manager.svc:443' }),
  });
  // Escape hatch: istiod on the system node pool, with its priority class.
  mesh.istiodDeployment.addJsonPatch(
    JsonPatch.add('/spec/template/spec/nodeSelector', { 'node-role.example.com/system': 'true' }),
    JsonPatch.add('/spec/template/spec/priorityClassName', 'system-cluster-critical'),
  );
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
