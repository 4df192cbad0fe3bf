import { RuleDefinition, RuleInput, Report } from '../catalog';

/** IST0134: TCP (or protocol-less) ServiceEntry ports need addresses unless DNS auto-allocation is on. */
export const serviceEntryAddresses: RuleDefinition = {
  codes: ['IST0134'],
  run({ manifest }: RuleInput, report: Report) {
    if (manifest.mesh.dnsAutoAllocate) return;
    for (const se of manifest.networking('ServiceEntry')) {
      if (se.json.spec?.addresses !== undefined) continue;
      for (const p of se.json.spec?.ports ?? []) {
        if (p.protocol && p.protocol.toUpperCase() !== 'TCP') continue;
        report({
          code: 'IST0134',
          object: se,
          message: `port ${p.number} is TCP${p.protocol ? '' : ' (no protocol)'} but the ServiceEntry has no addresses: all TCP traffic on port ${p.number} matches it`,
          fix: 'set addresses, use a protocol Istio can route by host (HTTP, TLS), or enable DNS capture with auto-allocation in the mesh config',
        });
      }
    }
  },
};

/** IST0157: an access-logging entry without providers while the mesh config names no default provider. */
export const telemetryProviders: RuleDefinition = {
  codes: ['IST0157'],
  run({ manifest }: RuleInput, report: Report) {
    if (manifest.mesh.defaultAccessLogProviders.length > 0) return;
    for (const t of manifest.ofKind('telemetry.istio.io', 'Telemetry')) {
      for (const entry of t.json.spec?.accessLogging ?? []) {
        if (entry.disabled === true || (entry.providers ?? []).length > 0) continue;
        report({
          code: 'IST0157',
          object: t,
          message: 'an accessLogging entry has no providers and the mesh config sets no defaultProviders.accessLogging: nothing is logged',
          fix: 'name a provider (e.g. envoy) in the entry, or set defaultProviders.accessLogging in the mesh config',
        });
      }
    }
  },
};
