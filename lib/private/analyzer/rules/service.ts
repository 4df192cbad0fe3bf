import { RuleDefinition, RuleInput, Report } from '../catalog';
import { ManifestObject, selects, Workload, Manifest } from '../model';

const PROTOCOLS = new Set(['tcp', 'udp', 'grpc', 'grpc-web', 'http', 'http_proxy', 'http2', 'https', 'tls', 'mongo', 'redis', 'mysql']);
/** Ports Istio treats as TCP whatever their name: SMTP, DNS, MySQL, MongoDB. */
const WELL_KNOWN_TCP = new Set([25, 53, 3306, 27017]);
const K8S_APP_PROTOCOLS = new Set(['kubernetes.io/h2c', 'kubernetes.io/ws', 'kubernetes.io/wss']);

/** Whether Istio can tell a Service port's protocol (UDP, appProtocol, or a `<protocol>[-suffix]` name). */
function protocolKnown(p: any): boolean {
  if (p.protocol === 'UDP') return true;
  const name: string = p.appProtocol ?? p.name ?? '';
  if (p.appProtocol !== undefined && K8S_APP_PROTOCOLS.has(name)) return true;
  if (name.toLowerCase().startsWith('grpc-web')) return true;
  const prefix = name.split('-')[0].toLowerCase();
  return PROTOCOLS.has(prefix) || WELL_KNOWN_TCP.has(p.port);
}

function isControlPlane(o: ManifestObject): boolean {
  return o.labels.istio !== undefined || o.labels.release === 'istio';
}

/** The `gateway.istio.io/managed` values of what istiod deploys for Kubernetes Gateways (gateways, waypoints, east-west). */
const MANAGED_GATEWAY = new Set(['istio.io-gateway-controller', 'istio.io-mesh-controller', 'istio.io-eastwest-controller']);

/** IST0118 and IST0150: Service ports whose protocol Istio cannot tell (it falls back to TCP sniffing). */
export const portNames: RuleDefinition = {
  codes: ['IST0118', 'IST0150'],
  run({ manifest }: RuleInput, report: Report) {
    for (const svc of manifest.ofKind('', 'Service')) {
      // Istio skips the control plane and the Services istiod deploys for Kubernetes Gateways.
      if (isControlPlane(svc) || MANAGED_GATEWAY.has(svc.labels['gateway.istio.io/managed'])) continue;
      const external = svc.json.spec?.type === 'ExternalName';
      for (const p of svc.json.spec?.ports ?? []) {
        if (external && p.name === 'tcp') {
          report({
            code: 'IST0150',
            object: svc,
            message: 'an ExternalName Service port named "tcp" makes Istio treat all traffic to the external name as opaque TCP',
            fix: 'name the port after its real protocol (http, https, tls, ...)',
          });
          continue;
        }
        if (protocolKnown(p)) continue;
        report({
          code: 'IST0118',
          object: svc,
          message: `port ${p.port}${p.name ? ` ("${p.name}")` : ''} has no protocol Istio understands (name prefix or appProtocol)`,
          fix: 'name it <protocol>[-<suffix>] (http-web, grpc-api, tcp-db) or set appProtocol',
        });
      }
    }
  },
};

/** Whether a workload gets a sidecar: an istio-proxy container, the pod's inject label/annotation, or its namespace's label. */
export function inMesh(w: Workload, m: Manifest): boolean {
  if ((w.podSpec.containers ?? []).some((c: any) => c.name === 'istio-proxy' && c.image)) return true;
  for (const meta of [w.podLabels, w.podAnnotations]) {
    const v = meta['sidecar.istio.io/inject'];
    if (v !== undefined) return v === 'true';
  }
  const ns = m.namespaceObjects.get(w.namespace);
  return ns !== undefined && ns.labels['istio-injection'] === 'enabled';
}

/**
 * IST0116 / IST0137: Services selecting the same meshed Deployment disagree on a port's protocol,
 * or map different ports to the same target port (waypoint Deployments are not judged, as in Istio).
 */
export const multipleServices: RuleDefinition = {
  codes: ['IST0116', 'IST0137'],
  run({ manifest }: RuleInput, report: Report) {
    // Services with a selector by namespace: one pass, not one per workload.
    const byNamespace = new Map<string, ReturnType<typeof manifest.ofKind>>();
    for (const s of manifest.ofKind('', 'Service')) {
      if (!s.json.spec?.selector || Object.keys(s.json.spec.selector).length === 0) continue;
      const list = byNamespace.get(s.namespace) ?? [];
      list.push(s);
      byNamespace.set(s.namespace, list);
    }
    for (const w of manifest.workloads) {
      // Istio skips waypoint Deployments (deployed by istiod for class istio-waypoint).
      if (w.object.kind !== 'Deployment' || w.object.labels['gateway.istio.io/managed'] === 'istio.io-mesh-controller' || !inMesh(w, manifest)) continue;
      const matching = (byNamespace.get(w.namespace) ?? []).filter((s) => selects(s.json.spec.selector, w.podLabels));
      const protocols = new Map<number, Map<string, string[]>>();
      const targets = new Map<string, Map<number, string>>();
      for (const s of matching) {
        const name = `${s.namespace}/${s.name}`;
        for (const p of s.json.spec?.ports ?? []) {
          const byProto = protocols.get(p.port) ?? new Map<string, string[]>();
          const proto = p.protocol ?? 'TCP';
          byProto.set(proto, [...(byProto.get(proto) ?? []), name]);
          protocols.set(p.port, byProto);
          const target = p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '' ? String(p.port) : String(p.targetPort);
          const byPort = targets.get(target) ?? new Map<number, string>();
          byPort.set(p.port, name);
          targets.set(target, byPort);
        }
      }
      for (const [port, byProto] of [...protocols.entries()].sort(([a], [b]) => a - b)) {
        if (byProto.size < 2) continue;
        report({
          code: 'IST0116',
          object: w.object,
          message: `Services ${[...byProto.values()].flat().sort().join(', ')} select it on port ${port} with different protocols`,
          fix: 'use one protocol per port across the Services that select the workload',
        });
      }
      for (const [target, byPort] of [...targets.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        if (byPort.size < 2) continue;
        report({
          code: 'IST0137',
          object: w.object,
          message: `Services ${[...new Set(byPort.values())].sort().join(', ')} send ports ${[...byPort.keys()].sort((a, b) => a - b).join(', ')} to the same target port ${target}`,
          fix: 'give each target port one Service port (Istio builds one listener per target port)',
        });
      }
    }
  },
};
