import { ApiObject } from 'cdk8s';
import { parse } from 'yaml';
import { IMeshInstallation, MeshInstallation } from '../../mesh-installation';

/** What a telemetry signal is; extension providers serve one or more of them. */
export type TelemetrySignal = 'tracing' | 'accessLogging' | 'metrics';

/** Extension provider kinds (the key next to `name` in the mesh config) by the signals they serve. */
const SIGNALS_BY_KIND: Record<string, TelemetrySignal[]> = {
  opentelemetry: ['tracing'],
  zipkin: ['tracing'],
  skywalking: ['tracing'],
  datadog: ['tracing'],
  lightstep: ['tracing'],
  envoyFileAccessLog: ['accessLogging'],
  envoyOtelAls: ['accessLogging'],
  envoyHttpAls: ['accessLogging'],
  envoyTcpAls: ['accessLogging'],
  prometheus: ['metrics'],
  stackdriver: ['tracing', 'accessLogging', 'metrics'],
};

/** Providers istiod knows without declaring them, and their kinds. */
const BUILT_IN: Record<string, string> = { prometheus: 'prometheus', stackdriver: 'stackdriver', envoy: 'envoyFileAccessLog' };

/** A provider a Telemetry can name. */
export interface KnownProvider {
  readonly name: string;
  /** Kind, e.g. `opentelemetry`, `envoyFileAccessLog`. */
  readonly kind: string;
  readonly builtIn: boolean;
}

/** The telemetry part of a mesh config this app renders. */
export interface MeshTelemetryFacts {
  /** Path of the installation, for messages. */
  readonly meshPath: string;
  /** Declared extension providers first, then the built-in ones they do not shadow. */
  readonly providers: KnownProvider[];
  readonly defaultProviders: { readonly [signal in TelemetrySignal]: string[] };
}

/** True when a provider of `kind` can serve `signal` (unknown kinds are given the benefit of the doubt). */
export function servesSignal(kind: string, signal: TelemetrySignal): boolean {
  const signals = SIGNALS_BY_KIND[kind];
  return signals === undefined || signals.includes(signal);
}

/**
 * The mesh config of `mesh` when this app renders it (a MeshInstallation), read back from the
 * mesh ConfigMap it emits (`istio` or `istio-<revision>`, key `mesh`); undefined for a control
 * plane installed elsewhere (`MeshInstallation.fromExisting`), whose providers we cannot know.
 *
 * Reading the rendered ConfigMap keeps this module independent of MeshInstallation's internals:
 * it sees exactly what istiod will see.
 */
export function meshTelemetryFacts(mesh: IMeshInstallation): MeshTelemetryFacts | undefined {
  if (!(mesh instanceof MeshInstallation)) return undefined;
  const configMapName = mesh.revision ? `istio-${mesh.revision}` : 'istio';
  const configMap = mesh.apiObjects.find((o: ApiObject) => o.kind === 'ConfigMap' && o.name === configMapName);
  const text = configMap?.toJson()?.data?.mesh;
  if (typeof text !== 'string') return undefined;
  const meshConfig = (parse(text) ?? {}) as {
    extensionProviders?: Array<Record<string, unknown>>;
    defaultProviders?: { tracing?: string[]; accessLogging?: string[]; metrics?: string[] };
  };
  const declared: KnownProvider[] = (meshConfig.extensionProviders ?? []).map((p) => ({
    name: String(p.name),
    kind: Object.keys(p).find((k) => k !== 'name') ?? 'unknown',
    builtIn: false,
  }));
  const builtIn: KnownProvider[] = Object.entries(BUILT_IN)
    .filter(([name]) => !declared.some((d) => d.name === name))
    .map(([name, kind]) => ({ name, kind, builtIn: true }));
  const defaults = meshConfig.defaultProviders ?? {};
  return {
    meshPath: mesh.node.path,
    providers: [...declared, ...builtIn],
    defaultProviders: {
      tracing: [...(defaults.tracing ?? [])],
      accessLogging: [...(defaults.accessLogging ?? [])],
      metrics: [...(defaults.metrics ?? [])],
    },
  };
}
