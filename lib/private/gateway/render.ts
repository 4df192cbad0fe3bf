
/** Kubernetes cluster DNS domain (MeshInstallation does not change it). */
export const CLUSTER_DOMAIN = 'cluster.local';

/** Envoy's readiness/health port on every gateway (the `status-port` of the Service). */
export const STATUS_PORT = 15021;
/** Port Envoy serves its own Prometheus stats on. */
export const ENVOY_PROM_PORT = 15090;
/** Ports pilot-agent and Envoy reserve on a gateway pod: no listener may use them. */
export const RESERVED_PROXY_PORTS = [15000, 15001, 15004, 15006, 15008, 15020, 15021, 15053, 15090];

/** UID/GID istio-proxy runs as. */
export const PROXY_UID = 1337;

/** `undefined` for an empty array or object, the value otherwise (keeps manifests free of `[]` and `{}`). */
export function undefinedIfEmpty<T>(value: T[] | undefined): T[] | undefined;
export function undefinedIfEmpty<T extends object>(value: T | undefined): T | undefined;
export function undefinedIfEmpty(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.length > 0 ? value : undefined;
  if (typeof value === 'object') return Object.values(value as object).some((v) => v !== undefined) ? value : undefined;
  return value;
}

/** The kebab-case DNS label of a construct id: `PublicGateway` -> `public-gateway`. */
export function kebabCase(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
