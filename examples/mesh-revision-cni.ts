/**
 * Situation: a canary upgrade of the control plane on a cluster that forbids privileged pods
 * in application namespaces. A revisioned control plane (`istiod-canary`) is selected by
 * namespaces labelled `istio.io/rev=canary`, and the istio-cni node agent replaces the
 * privileged `istio-init` container, so injected pods only get an unprivileged
 * `istio-validation` init container.
 *
 *   npm run synth -- mesh-revision-cni   # writes dist/examples/mesh-revision-cni/
 */
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { AccessLogEncoding, ExtensionProvider, MeshInstallation, MeshProfile, OutboundTrafficPolicyMode } from 'cdk8s-istio';

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const chart = new Chart(app, 'istio-canary');
  const mesh = new MeshInstallation(chart, 'Mesh', {
    profile: MeshProfile.MINIMAL,
    revision: 'canary',
    cni: true,
    istiodAutoscaling: { minReplicas: 2, maxReplicas: 5 },
    holdApplicationUntilProxyStarts: true,
    meshConfig: {
      outboundTrafficPolicy: OutboundTrafficPolicyMode.REGISTRY_ONLY,
      accessLogFile: '/dev/stdout',
      accessLogEncoding: AccessLogEncoding.JSON,
      extensionProviders: [
        ExtensionProvider.openTelemetryTracing({ name: 'otel', service: 'otel-collector.observability.svc.cluster.local', port: 4317 }),
      ],
      defaultTracingProviders: ['otel'],
    },
  });
  // An application namespace opts in to this revision with the mesh's injection labels.
  new k8s.KubeNamespace(chart, 'Shop', { metadata: { name: 'shop', labels: mesh.injectionLabels } });
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
