/**
 * The platform-scale app the benchmark synthesizes: one MeshInstallation and one IngressGateway,
 * N services spread over N/10 ZeroTrustNamespaces, each service with two versions released by a
 * static-weight CanaryRelease, two allow rules and a route on the gateway.
 *
 * The services' Deployments are the app's own, not our library's: as Kubernetes L1 objects
 * (`k8s.KubeDeployment`, the default, so the comparison with raw cdk8s measures our constructs
 * only) or as cdk8s-plus `Deployment`s (which cost on their own what the table shows).
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import {
  CanaryRelease, GatewayTls, IngressGateway, MeshInstallation, MeshPeer, MeshProfile, PathMatch, ReleaseStrategy, ReleaseWorkload,
  RouteDestination, WorkloadSelector, ZeroTrustNamespace,
} from '../../lib';

/** Services per namespace. */
const PER_NAMESPACE = 10;

/** How the services' Deployments are written. */
export type Workloads = 'l1' | 'cdk8s-plus';

function deployment(chart: Chart, id: string, namespace: string, name: string, version: string, label: string,
  workloads: Workloads): ReleaseWorkload {
  const app = name.replace(/-v\d+$/, '');
  if (workloads === 'cdk8s-plus') {
    return ReleaseWorkload.fromDeployment(new kplus.Deployment(chart, id, {
      metadata: { name, namespace },
      podMetadata: { labels: { 'app.kubernetes.io/name': app } },
      replicas: 2,
      containers: [{ name: 'app', image: `registry.example/${name}:${version}`, portNumber: 8080 }],
    }), { version: label });
  }
  const labels = { app, version: label };
  new k8s.KubeDeployment(chart, id, {
    metadata: { name, namespace },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'app',
            image: `registry.example/${name}:${version}`,
            ports: [{ containerPort: 8080 }],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsUser: 10001 },
          }],
        },
      },
    },
  });
  return ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels(labels), { deploymentName: name, version: label });
}

/** Adds the platform for `services` services to `app` (one chart per namespace, one for the mesh). */
export function buildPlatform(app: App, services: number, workloads: Workloads = 'l1'): void {
  const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', { profile: MeshProfile.MINIMAL });
  const gateway = new IngressGateway(new Chart(app, 'edge'), 'Public', { mesh, namespace: 'istio-ingress', createNamespace: true });
  const namespaces = Math.max(1, Math.ceil(services / PER_NAMESPACE));
  for (let n = 0; n < namespaces; n++) {
    const namespace = `team-${n}`;
    const chart = new Chart(app, namespace, { namespace });
    const zt = new ZeroTrustNamespace(chart, 'Namespace', { name: namespace, mesh, externalNamespaces: ['istio-ingress'] });
    const host = `${namespace}.platform.example`;
    gateway.addHost(host, { tls: GatewayTls.simple(`${namespace}-cert`) });
    const count = Math.min(PER_NAMESPACE, services - n * PER_NAMESPACE);
    for (let s = 0; s < count; s++) {
      const name = `svc-${s}`;
      const release = new CanaryRelease(chart, `${name}-release`, {
        serviceName: name,
        mesh,
        stable: deployment(chart, `${name}-v1`, namespace, `${name}-v1`, '1.0.0', 'v1', workloads),
        canary: deployment(chart, `${name}-v2`, namespace, `${name}-v2`, '1.1.0', 'v2', workloads),
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
