/**
 * The platform-scale app the benchmark synthesizes: one MeshInstallation, N services spread over
 * N/10 ZeroTrustNamespaces, each service with two versions released by a static-weight
 * CanaryRelease and two allow rules.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CanaryRelease, MeshInstallation, MeshPeer, ReleaseStrategy, ReleaseWorkload, WorkloadSelector, ZeroTrustNamespace,
} from '../../lib';

/** Services per namespace. */
const PER_NAMESPACE = 10;

function deployment(chart: Chart, id: string, namespace: string, name: string, version: string): kplus.Deployment {
  return new kplus.Deployment(chart, id, {
    metadata: { name, namespace },
    podMetadata: { labels: { 'app.kubernetes.io/name': name.replace(/-v\d+$/, '') } },
    replicas: 2,
    containers: [{ name: 'app', image: `registry.example/${name}:${version}`, portNumber: 8080 }],
  });
}

/** Adds the platform for `services` services to `app` (one chart per namespace, one for the mesh). */
export function buildPlatform(app: App, services: number): void {
  const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', {});
  const namespaces = Math.max(1, Math.ceil(services / PER_NAMESPACE));
  for (let n = 0; n < namespaces; n++) {
    const namespace = `team-${n}`;
    const chart = new Chart(app, namespace);
    const zt = new ZeroTrustNamespace(chart, 'Namespace', { name: namespace, mesh });
    const count = Math.min(PER_NAMESPACE, services - n * PER_NAMESPACE);
    for (let s = 0; s < count; s++) {
      const name = `svc-${s}`;
      const stable = deployment(chart, `${name}-v1`, namespace, `${name}-v1`, '1.0.0');
      const canary = deployment(chart, `${name}-v2`, namespace, `${name}-v2`, '1.1.0');
      new CanaryRelease(chart, `${name}-release`, {
        serviceName: name,
        mesh,
        stable: ReleaseWorkload.fromDeployment(stable, { version: 'v1' }),
        canary: ReleaseWorkload.fromDeployment(canary, { version: 'v2' }),
        strategy: ReleaseStrategy.staticWeight(10),
      });
      const target = WorkloadSelector.fromLabels({ app: name });
      // The previous service of the namespace calls this one; the ingress gateway reaches it too.
      if (s > 0) zt.allowFrom(MeshPeer.serviceAccount(namespace, 'default'), { to: target, ports: [8080], methods: ['GET'] });
      zt.allowFrom(MeshPeer.ingressGateway(), { to: target, ports: [8080] });
      if (s === 0) zt.allowFrom(MeshPeer.namespace(namespace), { to: target, ports: [8080] });
    }
  }
}
