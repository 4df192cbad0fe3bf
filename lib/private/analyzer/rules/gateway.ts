import { RuleDefinition, RuleInput, Report } from '../catalog';
import { ManifestObject, selects, selectorString, Workload } from '../model';

function selector(gw: ManifestObject): Record<string, string> {
  return gw.json.spec?.selector ?? {};
}

/**
 * IST0101 (selector) and IST0162: a Gateway must select gateway pods, and each server port must be
 * a TCP port (or target port) of a Service in front of those pods.
 */
export const gatewayPorts: RuleDefinition = {
  codes: ['IST0101', 'IST0162'],
  run({ manifest }: RuleInput, report: Report) {
    const services = manifest.ofKind('', 'Service');
    for (const gw of manifest.networking('Gateway')) {
      const sel = selector(gw);
      const pods = manifest.workloads.filter((w) => selects(sel, w.podLabels));
      if (pods.length === 0) {
        report({
          code: 'IST0101',
          object: gw,
          message: `selector "${selectorString(sel)}" matches no gateway pods in the app`,
          fix: 'select the labels of the gateway Deployment\'s pods (IngressGateway/EgressGateway expose them), or declare the gateway workload',
        });
        continue;
      }
      const ports = new Set<number>();
      for (const pod of pods) {
        for (const svc of services) {
          if (svc.namespace !== pod.namespace || !svc.json.spec?.selector || !selects(svc.json.spec.selector, pod.podLabels)) continue;
          for (const p of svc.json.spec.ports ?? []) {
            if ((p.protocol ?? 'TCP') !== 'TCP') continue;
            ports.add(p.port);
            if (typeof p.targetPort === 'number') ports.add(p.targetPort);
          }
        }
      }
      for (const server of gw.json.spec?.servers ?? []) {
        const n = server.port?.number;
        if (n === undefined || ports.has(n)) continue;
        report({
          code: 'IST0162',
          object: gw,
          message: `server port ${n} is not a port of any Service in front of the pods selected by "${selectorString(sel)}"`,
          fix: `add port ${n} (or a port targeting ${n}) to the gateway's Service, or use one of its ports (${[...ports].sort((a, b) => a - b).join(', ') || 'none'})`,
        });
      }
    }
  },
};

function sameWorkloads(a: Record<string, string>, b: Record<string, string>, workloads: Workload[]): boolean {
  const sa = selectorString(a);
  const sb = selectorString(b);
  if (sa === sb) return true;
  if (!sa.includes(sb) && !sb.includes(sa)) return false;
  return workloads.some((w) => selects(a, w.podLabels) && selects(b, w.podLabels));
}

/** IST0145: two Gateways on the same workloads and port declare the same host (Envoy keeps one). */
export const conflictingGateways: RuleDefinition = {
  codes: ['IST0145'],
  run({ manifest }: RuleInput, report: Report) {
    const gateways = manifest.networking('Gateway');
    for (const gw of gateways) {
      for (const server of gw.json.spec?.servers ?? []) {
        const conflicts = new Set<string>();
        for (const other of gateways) {
          if (other === gw || !sameWorkloads(selector(gw), selector(other), manifest.workloads)) continue;
          for (const s of other.json.spec?.servers ?? []) {
            if (s.port?.number !== server.port?.number) continue;
            if ((server.hosts ?? []).some((h: string) => (s.hosts ?? []).includes(h) && (s.bind ?? '') === (server.bind ?? ''))) {
              conflicts.add(`${other.namespace}/${other.name}`);
            }
          }
        }
        if (conflicts.size === 0) continue;
        report({
          code: 'IST0145',
          object: gw,
          message: `port ${server.port?.number} hosts ${(server.hosts ?? []).join(', ')} are also declared by ${[...conflicts].sort().join(', ')} on the same gateway workloads`,
          fix: 'declare each host once per gateway port (add routes to one IngressGateway instead of a second Gateway)',
        });
      }
    }
  },
};

/** IST0138: two Gateways on the same workloads use the same certificate (HTTP/2 connection reuse gives 404s). */
export const duplicateCertificates: RuleDefinition = {
  codes: ['IST0138'],
  run({ manifest }: RuleInput, report: Report) {
    const gateways = manifest.networking('Gateway');
    for (const gw of gateways) {
      const sel = selector(gw);
      for (const other of gateways) {
        if (other === gw) continue;
        const os = selector(other);
        if (!Object.entries(sel).every(([k, v]) => os[k] === v)) continue;
        const servers: any[] = other.json.spec?.servers ?? [];
        const shared = (gw.json.spec?.servers ?? []).some((a: any) => servers.some((b) => sameCertificate(a.tls, b.tls)));
        if (!shared) continue;
        report({
          code: 'IST0138',
          object: gw,
          message: `uses the same TLS certificate as Gateway ${other.namespace}/${other.name} on the same workloads; browsers reuse HTTP/2 connections across the hosts and get 404s`,
          fix: 'serve all hosts of one certificate from one Gateway (one IngressGateway with several hosts), or use distinct certificates',
        });
      }
    }
  },
};

function sameCertificate(a: any, b: any): boolean {
  if (!a || !b) return false;
  if (a.credentialName && b.credentialName) return a.credentialName === b.credentialName;
  if (!a.credentialName && !b.credentialName && a.serverCertificate && a.serverCertificate === b.serverCertificate) {
    return !!a.privateKey && a.privateKey === b.privateKey;
  }
  return false;
}
