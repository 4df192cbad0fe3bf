import { RuleDefinition, RuleInput, Report } from '../catalog';
import { hostsOverlap, toFqdn } from '../hosts';
import { canonical, ManifestObject } from '../model';

interface Destination {
  readonly host: string;
  readonly subset?: string;
  readonly port?: number;
  /** `http[0].route[1]`, `http[0].mirror`, ... */
  readonly where: string;
  readonly mirror: boolean;
}

function destinations(vs: ManifestObject): Destination[] {
  const out: Destination[] = [];
  const spec = vs.json.spec ?? {};
  for (const kind of ['tcp', 'tls', 'http'] as const) {
    (spec[kind] ?? []).forEach((rule: any, i: number) => {
      (rule?.route ?? []).forEach((r: any, j: number) => {
        if (r?.destination?.host) out.push({ ...dest(r.destination), where: `${kind}[${i}].route[${j}]`, mirror: false });
      });
      if (kind !== 'http') return;
      if (rule?.mirror?.host) out.push({ ...dest(rule.mirror), where: `http[${i}].mirror`, mirror: true });
      (rule?.mirrors ?? []).forEach((m: any, j: number) => {
        if (m?.destination?.host) out.push({ ...dest(m.destination), where: `http[${i}].mirrors[${j}]`, mirror: true });
      });
    });
  }
  return out;
}

function dest(d: any): { host: string; subset?: string; port?: number } {
  return { host: d.host, subset: d.subset || undefined, port: d.port?.number };
}

/** IST0101 (host, host:port, subset, gateway), IST0112 and IST0132: what a VirtualService points at exists. */
export const virtualServiceReferences: RuleDefinition = {
  codes: ['IST0101', 'IST0112', 'IST0132'],
  run({ manifest, registry }: RuleInput, report: Report) {
    const subsets = new Set<string>();
    for (const dr of manifest.networking('DestinationRule')) {
      for (const s of dr.json.spec?.subsets ?? []) subsets.add(`${toFqdn(dr.namespace, dr.json.spec?.host ?? '')}+${s.name}`);
    }
    const gateways = new Map(manifest.networking('Gateway').map((g) => [`${g.namespace}/${g.name}`, g]));
    for (const vs of manifest.networking('VirtualService')) {
      const exportTo: string[] = vs.json.spec?.exportTo ?? [];
      for (const d of destinations(vs)) {
        const what = d.mirror ? 'mirror host' : 'host';
        const entry = registry.lookup(vs.namespace, d.host, exportTo);
        if (!entry) {
          if (registry.canJudge(vs.namespace, d.host)) {
            report({
              code: 'IST0101',
              object: vs,
              message: `${d.where} routes to ${what} "${d.host}", which no Service or ServiceEntry in the app declares`,
              fix: `declare the Service (or a ServiceEntry for an external host), or correct the host (short names resolve in namespace "${vs.namespace}")`,
            });
          }
        } else if (d.port === undefined && entry.ports.length > 1) {
          report({
            code: 'IST0112',
            object: vs,
            message: `${d.where} routes to "${d.host}", which has several ports (${entry.ports.map((p) => p.number).join(', ')}), without choosing one`,
            fix: 'set the destination port',
          });
        } else if (d.port !== undefined && !entry.ports.some((p) => p.number === d.port)) {
          report({
            code: 'IST0101',
            object: vs,
            message: `${d.where} routes to "${d.host}:${d.port}", but ${entry.object.ref} has no port ${d.port} (ports: ${entry.ports.map((p) => p.number).join(', ') || 'none'})`,
            fix: `route to one of the declared ports or add port ${d.port} to ${entry.object.ref}`,
          });
        }
        if (d.subset && !subsets.has(`${toFqdn(vs.namespace, d.host)}+${d.subset}`)) {
          report({
            code: 'IST0101',
            object: vs,
            message: `${d.where} routes to subset "${d.subset}" of "${d.host}", but no DestinationRule in the app defines it (Envoy answers 503 NR)`,
            fix: `add a subset named "${d.subset}" to a DestinationRule for host "${d.host}" in namespace "${vs.namespace}", or route to an existing subset`,
          });
        }
      }
      for (const gw of vs.json.spec?.gateways ?? []) {
        if (gw === 'mesh') continue;
        const key = gw.includes('/') ? gw : `${vs.namespace}/${gw}`;
        const target = gateways.get(key);
        // A Gateway in a namespace the app does not own is managed elsewhere: not judged.
        if (!target && !manifest.ownedNamespaces.has(key.split('/')[0])) continue;
        if (!target) {
          report({
            code: 'IST0101',
            object: vs,
            message: `binds to gateway "${gw}" (${key}), which the app does not declare`,
            fix: 'declare the Gateway (an IngressGateway/EgressGateway construct) or correct the reference as <namespace>/<name>',
          });
        }
        if (!hostsInGateway(target, vs.json.spec?.hosts ?? [], vs.namespace)) {
          report({
            code: 'IST0132',
            object: vs,
            message: `none of its hosts (${(vs.json.spec?.hosts ?? []).join(', ')}) is served by gateway ${key}`,
            fix: `add the host to a server of Gateway ${key}, or bind the VirtualService to the gateway that serves it`,
          });
        }
      }
    }
  },
};

function hostsInGateway(gateway: ManifestObject | undefined, vsHosts: string[], vsNamespace: string): boolean {
  if (!gateway) return false;
  const hosts: string[] = [];
  for (const server of gateway.json.spec?.servers ?? []) {
    for (const h of server.hosts ?? []) {
      const slash = h.indexOf('/');
      if (slash < 0) {hosts.push(h);} else {
        const ns = h.slice(0, slash) === '.' ? gateway.namespace : h.slice(0, slash);
        if (ns === '*' || ns === vsNamespace) hosts.push(h.slice(slash + 1));
      }
    }
  }
  return hosts.some((g) => vsHosts.some((v) => hostsOverlap(g, v)));
}

/** IST0109: two VirtualServices for the same host on the mesh gateway (only one of them takes effect). */
export const conflictingMeshHosts: RuleDefinition = {
  codes: ['IST0109'],
  run({ manifest }: RuleInput, report: Report) {
    const byHost = new Map<string, ManifestObject[]>();
    for (const vs of manifest.networking('VirtualService')) {
      const gws: string[] = vs.json.spec?.gateways ?? [];
      if (gws.length > 0 && !gws.includes('mesh')) continue;
      const exportTo: string[] = vs.json.spec?.exportTo ?? [];
      const scopes = exportTo.length === 0 || exportTo.includes('*') ? ['*'] : [...new Set(exportTo.map((e) => (e === '.' ? vs.namespace : e)))];
      for (const scope of scopes) {
        for (const h of vs.json.spec?.hosts ?? []) {
          const key = `${scope}/${toFqdn(vs.namespace, h)}`;
          byHost.set(key, [...(byHost.get(key) ?? []), vs]);
        }
      }
    }
    const reported = new Set<ManifestObject>();
    for (const [key, list] of [...byHost.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const [scope, host] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      const all = scope === '*' ? list : [...list, ...[...byHost.entries()]
        .filter(([k]) => k.startsWith('*/') && hostsOverlap(host, k.slice(2))).flatMap(([, v]) => v)];
      const unique = [...new Set(all)];
      if (unique.length < 2) continue;
      const names = unique.map((v) => `${v.namespace}/${v.name}`).sort().join(', ');
      for (const vs of unique) {
        if (reported.has(vs)) continue;
        reported.add(vs);
        report({
          code: 'IST0109',
          object: vs,
          message: `VirtualServices ${names} all define host "${host}" on the mesh gateway; Istio uses only one of them`,
          fix: 'merge the routes into one VirtualService per host (or bind all but one to a named gateway)',
        });
      }
    }
  },
};

/** IST0130 and IST0131: rules after a catch-all, and matches repeated from an earlier rule. */
export const unreachableRules: RuleDefinition = {
  codes: ['IST0130', 'IST0131'],
  run({ manifest }: RuleInput, report: Report) {
    for (const vs of manifest.networking('VirtualService')) {
      for (const kind of ['http', 'tcp', 'tls'] as const) {
        const rules: any[] = vs.json.spec?.[kind] ?? [];
        const seen = new Map<string, number>();
        let catchAll = -1;
        const ruleName = (r: any, i: number) => (kind === 'http' && r?.name ? `"${r.name}"` : `#${i}`);
        rules.forEach((rule, i) => {
          const matches: any[] = rule?.match ?? [];
          if (matches.length === 0) {
            if (catchAll >= 0) unreachable(vs, report, `${kind} rule ${ruleName(rule, i)}`, `only the last rule can have no matches; rule ${ruleName(rules[catchAll], catchAll)} already matches everything`);
            catchAll = i;
            return;
          }
          let duplicates = 0;
          matches.forEach((match, j) => {
            if (catchAll >= 0) {
              unreachable(vs, report, `${kind} rule ${ruleName(rule, i)}`, `rule ${ruleName(rules[catchAll], catchAll)} before it has no matches and takes all traffic`);
              return;
            }
            const { name, ...rest } = match ?? {};
            const key = canonical(kind === 'http' ? rest : match);
            const first = seen.get(key);
            if (first !== undefined) {
              duplicates++;
              report({
                code: 'IST0131',
                object: vs,
                message: `${kind} rule ${ruleName(rule, i)} match ${kind === 'http' && name ? `"${name}"` : `#${j}`} is never used: rule ${ruleName(rules[first], first)} has the same match`,
                fix: 'remove the duplicate match or merge the two rules',
              });
            } else {
              seen.set(key, i);
            }
          });
          if (duplicates === matches.length) unreachable(vs, report, `${kind} rule ${ruleName(rule, i)}`, 'all its matches are used by earlier rules');
        });
      }
    }
  },
};

function unreachable(vs: ManifestObject, report: Report, rule: string, reason: string): void {
  report({
    code: 'IST0130',
    object: vs,
    message: `${rule} is never used: ${reason}`,
    fix: 'order rules from most to least specific and keep the rule without matches last',
  });
}
