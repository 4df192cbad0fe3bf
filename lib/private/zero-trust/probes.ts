import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { appIndex } from '../app-scan';

/** Pod annotation that turns Istio's kubelet probe rewrite off for a pod. */
export const ANNOTATION_REWRITE_PROBERS = 'sidecar.istio.io/rewriteAppHTTPProbers';

const WORKLOAD_KINDS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

/** A workload in `namespace` that disables the probe rewrite although it has probes that need it. */
export interface ProbeRewriteFinding {
  readonly workload: ApiObject;
  readonly probes: string[];
}

/** The pod template (metadata + spec) of a workload manifest. */
function podTemplate(manifest: any): any {
  switch (manifest.kind) {
    case 'Pod': return manifest;
    case 'CronJob': return manifest.spec?.jobTemplate?.spec?.template;
    default: return manifest.spec?.template;
  }
}

/**
 * Finds workloads of the app in `namespace` whose pod template sets
 * `sidecar.istio.io/rewriteAppHTTPProbers: "false"` and has httpGet, tcpSocket or gRPC probes:
 * under STRICT mTLS kubelet (outside the mesh, no certificate) can no longer reach them.
 *
 * cdk8s validates the whole app once per chart, so the findings of every namespace are computed in
 * one pass (one `toJson()` per workload) and shared for the rest of the synthesis.
 */
export function findDisabledProbeRewrites(scope: IConstruct, namespace: string): ProbeRewriteFinding[] {
  return appIndex(scope, 'disabled-probe-rewrites', (all) => {
    const byNamespace = new Map<string, ProbeRewriteFinding[]>();
    for (const c of all) {
      if (!(c instanceof ApiObject) || !WORKLOAD_KINDS.has(c.kind) || c.metadata.namespace === undefined) continue;
      const finding = disabledRewrite(c);
      if (finding) byNamespace.set(c.metadata.namespace, [...(byNamespace.get(c.metadata.namespace) ?? []), finding]);
    }
    return byNamespace;
  }).get(namespace) ?? [];
}

function disabledRewrite(c: ApiObject): ProbeRewriteFinding | undefined {
  const template = podTemplate(c.toJson());
  const value = template?.metadata?.annotations?.[ANNOTATION_REWRITE_PROBERS];
  if (value === undefined || String(value).toLowerCase() !== 'false') return undefined;
  const probes: string[] = [];
  for (const container of [...(template?.spec?.containers ?? []), ...(template?.spec?.initContainers ?? [])]) {
    for (const kind of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const probe = container?.[kind];
      if (probe && (probe.httpGet || probe.tcpSocket || probe.grpc)) probes.push(`${container.name}.${kind}`);
    }
  }
  return probes.length > 0 ? { workload: c, probes } : undefined;
}
