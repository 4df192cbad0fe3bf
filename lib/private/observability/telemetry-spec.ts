import { IConstruct } from 'constructs';
import { validateCelFilter } from './access-log-filter';
import { MeshTelemetryFacts, servesSignal, TelemetrySignal } from './mesh-facts';
import {
  TelemetrySpecAccessLogging, TelemetrySpecAccessLoggingMatchMode, TelemetrySpecMetrics, TelemetrySpecMetricsOverrides,
  TelemetrySpecMetricsOverridesMatchMetric, TelemetrySpecMetricsOverridesMatchMode, TelemetrySpecMetricsOverridesTagOverrides,
  TelemetrySpecMetricsOverridesTagOverridesOperation, TelemetrySpecTracing, TelemetrySpecTracingCustomTags, TelemetrySpecTracingMatchMode,
} from '../../imports/telemetry.istio.io';
import { AccessLoggingOptions, IstioMetric, MetricOverride, MetricsOptions, TracingOptions, WorkloadMode } from '../../telemetry-options';
import { describeValue, MeshValidationError } from '../errors';

const SIGNAL_WORDS: Record<TelemetrySignal, string> = { tracing: 'tracing', accessLogging: 'access-log', metrics: 'metrics' };
const DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

/** Validates tracing options against the mesh and renders one `tracing` entry. */
export function renderTracing(scope: IConstruct, facts: MeshTelemetryFacts | undefined, options: TracingOptions): TelemetrySpecTracing {
  const providers = resolveProviders(scope, facts, 'tracing', 'tracing.providers', options.providers);
  if (providers && providers.length > 1) {
    throw new MeshValidationError(scope, `'tracing.providers' names ${providers.length} providers (${providers.map((p) => JSON.stringify(p.name)).join(', ')}), ` +
      'but Istio reports spans to one tracing provider; keep one');
  }
  const sampling = options.randomSamplingPercentage;
  if (sampling !== undefined && !(typeof sampling === 'number' && sampling >= 0 && sampling <= 100)) {
    throw new MeshValidationError(scope, '\'tracing.randomSamplingPercentage\' must be a number between 0 and 100 (e.g. 1 for 1 % of requests), ' +
      `got ${describeValue(sampling, 'number')}`);
  }
  return {
    providers,
    randomSamplingPercentage: sampling,
    customTags: renderCustomTags(scope, options.customTags),
    disableSpanReporting: options.disableSpanReporting,
    match: renderMode(scope, 'tracing.mode', options.mode) as { mode?: TelemetrySpecTracingMatchMode } | undefined,
  };
}

/**
 * Validates access-log options and renders one `accessLogging` entry. An enabled entry without
 * providers, in a mesh that has no default access-log provider, logs nothing: istioctl analyze
 * reports it as IST0157, we refuse it.
 */
export function renderAccessLogging(scope: IConstruct, facts: MeshTelemetryFacts | undefined,
  options: AccessLoggingOptions): TelemetrySpecAccessLogging {
  const providers = resolveProviders(scope, facts, 'accessLogging', 'accessLogging.providers', options.providers);
  if (options.filter !== undefined) validateCelFilter(scope, 'accessLogging.filter', options.filter);
  if (!options.disabled && providers === undefined && facts && facts.defaultProviders.accessLogging.length === 0) {
    throw new MeshValidationError(scope, "'accessLogging.providers' is required: the mesh " +
      `${facts.meshPath} has no default access-log provider, so Istio would ignore this entry (istioctl analyze IST0157); ` +
      `name one of ${describeProviders(facts, 'accessLogging')}, or set 'meshConfig.defaultAccessLogProviders' on the mesh`);
  }
  return {
    providers,
    filter: options.filter !== undefined ? { expression: options.filter } : undefined,
    disabled: options.disabled,
    match: renderMode(scope, 'accessLogging.mode', options.mode) as { mode?: TelemetrySpecAccessLoggingMatchMode } | undefined,
  };
}

/** Validates metrics options and renders one `metrics` entry. */
export function renderMetrics(scope: IConstruct, facts: MeshTelemetryFacts | undefined, options: MetricsOptions): TelemetrySpecMetrics {
  const providers = resolveProviders(scope, facts, 'metrics', 'metrics.providers', options.providers);
  if (options.overrides !== undefined && options.overrides.length === 0) {
    throw new MeshValidationError(scope, "'metrics.overrides' must not be empty; omit it to keep every metric as it is");
  }
  const interval = options.reportingInterval;
  if (interval !== undefined && (!DURATION.test(interval) || !/[1-9]/.test(interval))) {
    throw new MeshValidationError(scope, `'metrics.reportingInterval' must be a positive duration such as "15s" or "1m", got ${JSON.stringify(interval)}`);
  }
  return {
    providers,
    overrides: options.overrides?.map((o, i) => renderOverride(scope, `metrics.overrides[${i}]`, o)),
    reportingInterval: interval,
  };
}

function renderOverride(scope: IConstruct, prop: string, override: MetricOverride): TelemetrySpecMetricsOverrides {
  if (override.metric !== undefined && override.customMetric !== undefined) {
    throw new MeshValidationError(scope, `'${prop}' sets both 'metric' (${override.metric}) and 'customMetric' (${JSON.stringify(override.customMetric)}); set one`);
  }
  if (override.metric !== undefined && !Object.values(IstioMetric).includes(override.metric)) {
    throw new MeshValidationError(scope, `'${prop}.metric' must be an IstioMetric, got ${JSON.stringify(override.metric)}`);
  }
  if (override.customMetric !== undefined && override.customMetric.trim().length === 0) {
    throw new MeshValidationError(scope, `'${prop}.customMetric' must not be empty; use 'metric' for a standard metric`);
  }
  const tags = Object.entries(override.tagOverrides ?? {});
  if (!override.disabled && tags.length === 0) {
    throw new MeshValidationError(scope, `'${prop}' changes nothing; set 'disabled' or 'tagOverrides'`);
  }
  const tagOverrides: Record<string, TelemetrySpecMetricsOverridesTagOverrides> = {};
  for (const [tag, op] of tags) {
    if (tag.trim().length === 0) throw new MeshValidationError(scope, `'${prop}.tagOverrides' has an empty tag name; name the tag`);
    const rendered = op._toKube();
    if (rendered.operation === 'UPSERT' && (rendered.value ?? '').trim().length === 0) {
      throw new MeshValidationError(scope, `'${prop}.tagOverrides[${tag}]' upserts an empty value; give a CEL expression such as "request.host", ` +
        'or use TagOverride.remove()');
    }
    tagOverrides[tag] = { operation: rendered.operation as TelemetrySpecMetricsOverridesTagOverridesOperation, value: rendered.value };
  }
  const mode = renderMode(scope, `${prop}.mode`, override.mode)?.mode;
  const metric = override.customMetric === undefined ? (override.metric ?? IstioMetric.ALL_METRICS) : undefined;
  return {
    match: {
      metric: metric as TelemetrySpecMetricsOverridesMatchMetric | undefined,
      customMetric: override.customMetric,
      mode: mode as TelemetrySpecMetricsOverridesMatchMode | undefined,
    },
    disabled: override.disabled,
    tagOverrides: tags.length > 0 ? tagOverrides : undefined,
  };
}

function renderCustomTags(scope: IConstruct, tags: TracingOptions['customTags']): Record<string, TelemetrySpecTracingCustomTags> | undefined {
  if (tags === undefined) return undefined;
  const entries = Object.entries(tags);
  if (entries.length === 0) throw new MeshValidationError(scope, "'tracing.customTags' must not be empty; omit it to add no tags");
  const out: Record<string, TelemetrySpecTracingCustomTags> = {};
  for (const [tag, source] of entries) {
    if (tag.trim().length === 0) throw new MeshValidationError(scope, "'tracing.customTags' has an empty tag name; name the tag");
    const rendered = source._toKube();
    const [kind, body] = Object.entries(rendered)[0];
    const required = kind === 'literal' ? body.value : body.name;
    if (required === undefined || required.trim().length === 0) {
      const what = kind === 'literal' ? 'value' : kind === 'header' ? 'header name' : 'environment variable name';
      throw new MeshValidationError(scope, `'tracing.customTags[${tag}]' has an empty ${what}; give one, or drop the tag`);
    }
    out[tag] = rendered;
  }
  return out;
}

function renderMode(scope: IConstruct, prop: string, mode: WorkloadMode | undefined): { mode: string } | undefined {
  if (mode === undefined) return undefined;
  if (!Object.values(WorkloadMode).includes(mode)) {
    throw new MeshValidationError(scope, `'${prop}' must be a WorkloadMode (CLIENT, SERVER, CLIENT_AND_SERVER), got ${JSON.stringify(mode)}`);
  }
  return { mode };
}

/**
 * Checks provider names: not empty, no duplicates and, when the mesh config is known, declared
 * (or built in) and able to serve the signal.
 */
function resolveProviders(scope: IConstruct, facts: MeshTelemetryFacts | undefined, signal: TelemetrySignal, prop: string,
  names: string[] | undefined): Array<{ name: string }> | undefined {
  if (names === undefined) return undefined;
  if (!Array.isArray(names)) {
    throw new MeshValidationError(scope, `'${prop}' must be a list of provider names such as ["otel"], got ${describeValue(names, 'object')}; wrap the name in [ ]`);
  }
  if (names.length === 0) {
    throw new MeshValidationError(scope, `'${prop}' must not be empty; omit it to use the mesh's default ${SIGNAL_WORDS[signal]} providers`);
  }
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (typeof name !== 'string') {
      throw new MeshValidationError(scope, `'${prop}[${i}]' must name an extension provider such as "otel", got ${describeValue(name)}`);
    }
    if (seen.has(name)) throw new MeshValidationError(scope, `'${prop}' lists ${JSON.stringify(name)} twice; remove the duplicate`);
    seen.add(name);
    if (name.trim().length === 0) throw new MeshValidationError(scope, `'${prop}[${i}]' must name an extension provider, got ""`);
    if (!facts) return;
    const provider = facts.providers.find((p) => p.name === name);
    if (!provider) {
      throw new MeshValidationError(scope, `'${prop}[${i}]' refers to provider ${JSON.stringify(name)}, which the mesh ${facts.meshPath} does not declare; ` +
        `known providers: ${describeProviders(facts)}; fix the name or add the provider to 'meshConfig.extensionProviders'`);
    }
    if (!servesSignal(provider.kind, signal)) {
      throw new MeshValidationError(scope, `'${prop}[${i}]' refers to provider ${JSON.stringify(name)} of kind ${provider.kind}, which does not ` +
        `serve ${SIGNALS_DESCRIPTION[signal]}; use one of ${describeProviders(facts, signal)}`);
    }
  });
  return names.map((name) => ({ name }));
}

const SIGNALS_DESCRIPTION: Record<TelemetrySignal, string> = { tracing: 'tracing', accessLogging: 'access logs', metrics: 'metrics' };

/** `"otel" (opentelemetry), "envoy" (envoyFileAccessLog, built in)`, optionally only those serving `signal`. */
function describeProviders(facts: MeshTelemetryFacts, signal?: TelemetrySignal): string {
  const list = facts.providers.filter((p) => signal === undefined || servesSignal(p.kind, signal));
  if (list.length === 0) return 'none (declare one in \'meshConfig.extensionProviders\')';
  return list.map((p) => `${JSON.stringify(p.name)} (${p.kind}${p.builtIn ? ', built in' : ''})`).join(', ');
}
