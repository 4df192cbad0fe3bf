import { CrdValidator } from '../../schema/crd-validator';
import { RuleDefinition, RuleInput, Report } from '../catalog';

/**
 * IST0106: Istio custom resources must match their CRD (the 1.30.3 openAPIV3Schema and its CEL
 * rules), as the API server would check on apply. Checked on raw ApiObjects and on objects changed
 * by JSON patches; what this library's constructs render is validated against the same schemas by
 * the conformance suite, so re-validating it at every synthesis would only cost time (compiling the
 * schemas takes about a second).
 */
export const schemaValidation: RuleDefinition = {
  codes: ['IST0106'],
  run({ manifest }: RuleInput, report: Report) {
    const istio = manifest.objects.filter((o) => o.group.endsWith('.istio.io') && !o.fromLibrary);
    if (istio.length === 0) return;
    const validator = CrdValidator.istio();
    for (const o of istio) {
      const result = validator.validate(o.json);
      for (const p of result?.problems ?? []) {
        report({
          code: 'IST0106',
          object: o,
          message: `${p.field ? `${p.field}: ` : ''}${p.message}`,
          fix: 'correct the field to match the Istio 1.30.3 CRD schema (the API server rejects the object as it is)',
        });
      }
    }
  },
};
