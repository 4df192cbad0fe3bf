import { RuleDefinition, RuleInput, Report } from '../catalog';
import { selects } from '../model';

const VERIFYING_MODES = new Set(['SIMPLE', 'MUTUAL']);

/** IST0128 / IST0129: TLS origination (SIMPLE or MUTUAL) that does not verify the server certificate. */
export const caCertificates: RuleDefinition = {
  codes: ['IST0128', 'IST0129'],
  run({ manifest }: RuleInput, report: Report) {
    for (const dr of manifest.networking('DestinationRule')) {
      const policy = dr.json.spec?.trafficPolicy ?? {};
      const selector = dr.json.spec?.workloadSelector;
      const unverified = (tls: any) => tls && VERIFYING_MODES.has(tls.mode) && !tls.caCertificates && !(tls.credentialName && selector);
      if (unverified(policy.tls)) {
        report({
          code: 'IST0128',
          object: dr,
          message: `trafficPolicy.tls mode ${policy.tls.mode} for host "${dr.json.spec?.host}" does not verify the server certificate (no caCertificates)`,
          fix: 'set caCertificates (e.g. /etc/ssl/certs/ca-certificates.crt for public CAs), or credentialName together with a workloadSelector',
        });
      }
      for (const p of policy.portLevelSettings ?? []) {
        if (!unverified(p.tls)) continue;
        report({
          code: 'IST0129',
          object: dr,
          message: `portLevelSettings for port ${p.port?.number} use TLS mode ${p.tls.mode} for host "${dr.json.spec?.host}" without verifying the server certificate (no caCertificates)`,
          fix: 'set caCertificates on the port-level tls settings, or credentialName together with a workloadSelector',
        });
      }
    }
  },
};

/**
 * IST0174: the DestinationRule's host is not a Service or ServiceEntry; IST0173: a subset selects no
 * pod template of the app (the subset's labels plus the ServiceEntry's workloadSelector), judged only
 * when the app deploys workloads in the host's namespace.
 */
export const destinationRuleTargets: RuleDefinition = {
  codes: ['IST0173', 'IST0174'],
  run({ manifest, registry }: RuleInput, report: Report) {
    for (const dr of manifest.networking('DestinationRule')) {
      const host: string = dr.json.spec?.host ?? '';
      const entry = registry.lookup(dr.namespace, host, dr.json.spec?.exportTo ?? []);
      if (!entry) {
        if (registry.canJudge(dr.namespace, host)) {
          report({
            code: 'IST0174',
            object: dr,
            message: `host "${host}" is not a Service or ServiceEntry host in the app`,
            fix: `declare the Service (or a ServiceEntry), or correct the host (short names resolve in namespace "${dr.namespace}")`,
          });
        }
        continue;
      }
      // Judged only when the app deploys workloads in the host's namespace: elsewhere they come from another pipeline.
      if (!manifest.workloadsByNamespace.has(entry.object.namespace)) continue;
      const seSelector = entry.object.kind === 'ServiceEntry' ? entry.object.json.spec?.workloadSelector?.labels ?? {} : {};
      for (const subset of dr.json.spec?.subsets ?? []) {
        const selector = { ...seSelector, ...(subset.labels ?? {}) };
        if (manifest.workloads.some((w) => selects(selector, w.podLabels))) continue;
        report({
          code: 'IST0173',
          object: dr,
          message: `subset "${subset.name}" selects no pods: no workload in the app has the labels ${JSON.stringify(selector)}`,
          fix: 'label the workload\'s pod template with the subset\'s labels (e.g. version), or correct the subset',
        });
      }
    }
  },
};
