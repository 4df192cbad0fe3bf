/**
 * Schema checks for the progressive-delivery kinds CanaryRelease emits: Argo Rollouts `Rollout`
 * and `AnalysisTemplate` (argoproj.io/v1alpha1), Flagger `Canary` and `MetricTemplate`
 * (flagger.app/v1beta1).
 *
 * - `expectProgressiveDeliveryValid` is hermetic: small JSON schemas written here from the
 *   projects' documented fields (Argo Rollouts: features/canary, traffic-management/istio,
 *   analysis, analysis/prometheus, migrating#workloadRef; Flagger: usage/how-it-works,
 *   usage/metrics, tutorials/istio-progressive-delivery). They are strict (unknown fields are
 *   errors) on the parts we emit, so a misspelt field fails here even where the real CRD would
 *   silently prune it.
 * - `expectThirdPartyCrdsValid` validates against the projects' real CRDs (conformance/
 *   third-party-crds.ts, fetched with Go); without Go it passes after a console.warn.
 */
import Ajv, { ValidateFunction } from 'ajv';
import { SchemaValidator } from '../../conformance/schema-validator';

type Schema = Record<string, unknown>;

const str = { type: 'string', minLength: 1 };
const int = { type: 'integer' };
const labels = { type: 'object', additionalProperties: { type: 'string' } };
const strict = (properties: Schema, required: string[] = []): Schema => ({ type: 'object', additionalProperties: false, properties, required });
const duration = { type: 'string', pattern: '^[0-9]+(s|m|h)$' };
const metadata = strict({ name: str, namespace: str, labels, annotations: labels }, ['name', 'namespace']);
const stringMatch = strict({ exact: str, prefix: str, regex: str, suffix: str });

const ROLLOUT: Schema = strict({
  apiVersion: { const: 'argoproj.io/v1alpha1' },
  kind: { const: 'Rollout' },
  metadata,
  spec: strict({
    replicas: { type: 'integer', minimum: 0 },
    selector: strict({ matchLabels: labels }, ['matchLabels']),
    workloadRef: strict({
      apiVersion: { const: 'apps/v1' },
      kind: { const: 'Deployment' },
      name: str,
      scaleDown: { enum: ['never', 'onsuccess', 'progressively'] },
    }, ['apiVersion', 'kind', 'name']),
    strategy: strict({
      canary: strict({
        canaryService: str,
        stableService: str,
        trafficRouting: {
          ...strict({
            managedRoutes: { type: 'array', items: strict({ name: str }, ['name']) },
            istio: strict({
              virtualServices: { type: 'array', minItems: 1, items: strict({ name: str, routes: { type: 'array', items: str } }, ['name']) },
              destinationRule: strict({ name: str, canarySubsetName: str, stableSubsetName: str }, ['name', 'canarySubsetName', 'stableSubsetName']),
            }, ['virtualServices']),
            // The Gateway API plugin (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi): the HTTPRoute it steps.
            plugins: strict({ 'argoproj-labs/gatewayAPI': strict({ httpRoute: str, namespace: str }, ['httpRoute', 'namespace']) }, ['argoproj-labs/gatewayAPI']),
          }),
          oneOf: [{ required: ['istio'] }, { required: ['plugins'] }],
        },
        analysis: strict({
          templates: { type: 'array', minItems: 1, items: strict({ templateName: str, clusterScope: { type: 'boolean' } }, ['templateName']) },
          startingStep: { type: 'integer', minimum: 0 },
          args: { type: 'array', items: strict({ name: str, value: { type: 'string' } }, ['name', 'value']) },
        }, ['templates']),
        steps: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            minProperties: 1,
            maxProperties: 1,
            additionalProperties: false,
            properties: {
              setWeight: { type: 'integer', minimum: 0, maximum: 100 },
              pause: strict({ duration }),
              setCanaryScale: strict({ weight: { type: 'integer', minimum: 0, maximum: 100 }, replicas: int, matchTrafficWeight: { type: 'boolean' } }),
              setHeaderRoute: strict({
                name: str,
                match: {
                  type: 'array',
                  items: strict({ headerName: str, headerValue: { ...stringMatch, minProperties: 1, maxProperties: 1 } }, ['headerName', 'headerValue']),
                },
              }, ['name']),
              setMirrorRoute: strict({
                name: str,
                percentage: { type: 'integer', minimum: 0, maximum: 100 },
                match: { type: 'array', items: strict({ method: stringMatch, path: stringMatch, headers: { type: 'object', additionalProperties: stringMatch } }) },
              }, ['name']),
            },
          },
        },
      }, ['trafficRouting', 'steps']),
    }, ['canary']),
  }, ['workloadRef', 'strategy']),
}, ['apiVersion', 'kind', 'metadata', 'spec']);

const ANALYSIS_TEMPLATE: Schema = strict({
  apiVersion: { const: 'argoproj.io/v1alpha1' },
  kind: { const: 'AnalysisTemplate' },
  metadata,
  spec: strict({
    args: { type: 'array', items: strict({ name: str, value: { type: 'string' } }, ['name']) },
    metrics: {
      type: 'array',
      minItems: 1,
      items: strict({
        name: str,
        interval: duration,
        count: int,
        initialDelay: duration,
        failureLimit: { type: 'integer', minimum: 0 },
        successCondition: str,
        failureCondition: str,
        provider: strict({ prometheus: strict({ address: { type: 'string', pattern: '^https?://' }, query: str, timeout: int }, ['address', 'query']) }, ['prometheus']),
      }, ['name', 'provider']),
    },
  }, ['metrics']),
}, ['apiVersion', 'kind', 'metadata', 'spec']);

const analysisMatch = strict({
  headers: { type: 'object', additionalProperties: stringMatch },
  queryParams: { type: 'object', additionalProperties: stringMatch },
  sourceLabels: labels,
});

const CANARY: Schema = strict({
  apiVersion: { const: 'flagger.app/v1beta1' },
  kind: { const: 'Canary' },
  metadata,
  spec: strict({
    provider: { enum: ['istio', 'gatewayapi:v1'] },
    targetRef: strict({ apiVersion: { const: 'apps/v1' }, kind: { enum: ['Deployment', 'DaemonSet'] }, name: str }, ['apiVersion', 'kind', 'name']),
    progressDeadlineSeconds: { type: 'integer', minimum: 1 },
    service: strict({
      name: str,
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      targetPort: { type: 'integer', minimum: 1, maximum: 65535 },
      portName: str,
      gateways: { type: 'array', items: str },
      // gatewayapi:v1: the HTTPRoute's parents; a Service for mesh traffic (GAMMA).
      gatewayRefs: {
        type: 'array',
        minItems: 1,
        items: strict({ group: { type: 'string' }, kind: str, name: str, namespace: str, port: { type: 'integer', minimum: 1, maximum: 65535 } }, ['name']),
      },
      hosts: { type: 'array', items: str },
      trafficPolicy: { type: 'object' },
      retries: strict({ attempts: int, perTryTimeout: str, retryOn: str }),
      timeout: str,
    }, ['port']),
    analysis: {
      ...strict({
        interval: { type: 'string', pattern: '^[0-9]+(m|s)$' },
        threshold: { type: 'integer', minimum: 1 },
        iterations: { type: 'integer', minimum: 1 },
        stepWeight: { type: 'integer', minimum: 1, maximum: 100 },
        maxWeight: { type: 'integer', minimum: 1, maximum: 100 },
        stepWeights: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 100 } },
        match: { type: 'array', items: analysisMatch },
        mirror: { type: 'boolean' },
        mirrorWeight: { type: 'number', minimum: 0, maximum: 100 },
        metrics: {
          type: 'array',
          items: strict({
            name: str,
            interval: { type: 'string', pattern: '^[0-9]+(m|s)$' },
            templateRef: strict({ name: str, namespace: str }, ['name']),
            thresholdRange: strict({ min: { type: 'number' }, max: { type: 'number' } }),
          }, ['name']),
        },
      }, ['interval', 'threshold']),
      // Flagger: exactly one of iterations, stepWeight, stepWeights.
      oneOf: [{ required: ['iterations'] }, { required: ['stepWeight'] }, { required: ['stepWeights'] }],
    },
  }, ['targetRef', 'service', 'analysis']),
}, ['apiVersion', 'kind', 'metadata', 'spec']);

const METRIC_TEMPLATE: Schema = strict({
  apiVersion: { const: 'flagger.app/v1beta1' },
  kind: { const: 'MetricTemplate' },
  metadata,
  spec: strict({
    provider: strict({ type: { const: 'prometheus' }, address: { type: 'string', pattern: '^https?://' } }, ['type']),
    query: str,
  }, ['provider', 'query']),
}, ['apiVersion', 'kind', 'metadata', 'spec']);

const SCHEMAS: { [kind: string]: Schema } = {
  'argoproj.io/v1alpha1/Rollout': ROLLOUT,
  'argoproj.io/v1alpha1/AnalysisTemplate': ANALYSIS_TEMPLATE,
  'flagger.app/v1beta1/Canary': CANARY,
  'flagger.app/v1beta1/MetricTemplate': METRIC_TEMPLATE,
};

let compiled: Map<string, ValidateFunction> | undefined;

function validators(): Map<string, ValidateFunction> {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    compiled = new Map(Object.entries(SCHEMAS).map(([k, s]) => [k, ajv.compile(s)]));
  }
  return compiled;
}

type Obj = { apiVersion?: string; kind?: string; metadata?: { name?: string } };

/** The progressive-delivery objects among `docs`. */
export function progressiveDeliveryObjects(docs: unknown[]): Obj[] {
  return (docs as Obj[]).filter((d) => validators().has(`${d.apiVersion}/${d.kind}`));
}

/**
 * Asserts every Rollout, AnalysisTemplate, Canary and MetricTemplate among `docs` matches the
 * documented schema above, and that at least `minObjects` were checked.
 */
export function expectProgressiveDeliveryValid(docs: unknown[], minObjects = 1): void {
  const objects = progressiveDeliveryObjects(docs);
  if (objects.length < minObjects) throw new Error(`expected at least ${minObjects} progressive-delivery object(s), found ${objects.length}`);
  const problems: string[] = [];
  for (const o of objects) {
    const validate = validators().get(`${o.apiVersion}/${o.kind}`)!;
    const valid: boolean = validate(o as unknown);
    if (!valid) {
      problems.push(...(validate.errors ?? []).map((e) => `${o.kind} ${o.metadata?.name} ${e.instancePath || '.'}: ${e.message} ${JSON.stringify(e.params)}`));
    }
  }
  if (problems.length > 0) throw new Error(`${problems.length} schema problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

/**
 * Asserts the progressive-delivery objects among `docs` pass the projects' real CRD schemas (Argo
 * Rollouts and Flagger releases pinned in conformance/third-party-crds.ts). Without Go (or its
 * module cache) it passes after a visible console.warn, like the istioctl helpers.
 */
export function expectThirdPartyCrdsValid(docs: unknown[]): void {
  let validator: SchemaValidator;
  try {
    validator = SchemaValidator.withThirdParty();
  } catch (e) {
    console.warn(`third-party CRDs unavailable, skipped: ${(e as Error).message.split('\n')[0]}`);
    return;
  }
  // ajv notes Flagger's `format: string` on every compile; it is not a problem of ours.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('unknown format')) warn(...args);
  };
  let results: ReturnType<SchemaValidator['validateAll']>;
  try {
    results = validator.validateAll(progressiveDeliveryObjects(docs));
  } finally {
    console.warn = warn;
  }
  const unvalidated = results.filter((r) => r.validatedBy !== 'crd');
  const problems = [...results.flatMap((r) => r.problems.map((p) => `${p.object} ${p.field ?? ''}: ${p.message}`)),
    ...unvalidated.map((r) => `${r.object}: not validated by a CRD`)];
  if (problems.length > 0) throw new Error(`${problems.length} CRD schema problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
}
