/**
 * The platform-scale app the benchmark synthesizes: one MeshInstallation and one IngressGateway,
 * N services spread over N/10 ZeroTrustNamespaces, each service with two versions released by a
 * static-weight CanaryRelease, two allow rules and a route on the gateway.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CanaryRelease, GatewayTls, IngressGateway, MeshInstallation, MeshPeer, MeshProfile, PathMatch, ReleaseStrategy, ReleaseWorkload,
  RouteDestination, WorkloadSelector, ZeroTrustNamespace,
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
  const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', { profile: MeshProfile.MINIMAL });
  const gateway = new IngressGateway(new Chart(app, 'edge'), 'Public', { mesh, namespace: 'istio-ingress', createNamespace: true });
  const namespaces = Math.max(1, Math.ceil(services / PER_NAMESPACE));
  for (let n = 0; n < namespaces; n++) {
    const namespace = `team-${n}`;
    const chart = new Chart(app, namespace);
    const zt = new ZeroTrustNamespace(chart, 'Namespace', { name: namespace, mesh, externalNamespaces: ['istio-ingress'] });
    const host = `${namespace}.platform.example`;
    gateway.addHost(host, { tls: GatewayTls.simple(`${namespace}-cert`) });
    const count = Math.min(PER_NAMESPACE, services - n * PER_NAMESPACE);
    for (let s = 0; s < count; s++) {
      const name = `svc-${s}`;
      const stable = deployment(chart, `${name}-v1`, namespace, `${name}-v1`, '1.0.0');
      const canary = deployment(chart, `${name}-v2`, namespace, `${name}-v2`, '1.1.0');
      const release = new CanaryRelease(chart, `${name}-release`, {
        serviceName: name,
        mesh,
        stable: ReleaseWorkload.fromDeployment(stable, { version: 'v1' }),
        canary: ReleaseWorkload.fromDeployment(canary, { version: 'v2' }),
        strategy: ReleaseStrategy.staticWeight(10),
      });
      const target = WorkloadSelector.fromLabels({ app: name });
      // The previous service of the namespace calls this one; the ingress gateway reaches it too.
      if (s > 0) zt.allowFrom(MeshPeer.serviceAccount(namespace, 'default'), { to: target, ports: [8080], methods: ['GET'] });
      zt.allowFrom(gateway, { to: target, ports: [8080] });
      gateway.addRoute(host, { path: PathMatch.prefix(`/${name}/`), to: RouteDestination.host(`${release.serviceName}.${namespace}.svc.cluster.local`, release.port) });
      if (s === 0) zt.allowFrom(MeshPeer.namespace(namespace), { to: target, ports: [8080] });
    }
  }
}
