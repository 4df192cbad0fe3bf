import { isIP } from 'net';
import { IConstruct } from 'constructs';
import { describeValue, MeshValidationError } from '../errors';
import { validateIntRange } from '../validate';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const HTTP_METHOD = /^[A-Z]+$/;

/** Throws unless `value` is an RFC 1123 DNS subdomain (what Kubernetes accepts as a ServiceAccount name). */
export function validateDnsSubdomain(scope: IConstruct, prop: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
    throw new MeshValidationError(scope,
      `'${prop}' must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters) such as "web", got ${describeValue(value)}`);
  }
}

/** Throws unless `port` is a valid TCP/UDP port number (1-65535). */
export function validatePort(scope: IConstruct, prop: string, port: number): void {
  validateIntRange(scope, prop, port, 1, 65535, 'use the container port the workload listens on');
}

/** Validates an optional list: not empty when given, no duplicates, each element checked by `check`. */
export function validateList<T>(scope: IConstruct, prop: string, values: T[] | undefined, omitFix: string,
  check: (value: T, elementProp: string) => void): void {
  if (values === undefined) return;
  if (!Array.isArray(values)) {
    throw new MeshValidationError(scope, `'${prop}' must be a list, got ${describeValue(values, 'object')}; wrap the value in [ ], or ${omitFix}`);
  }
  if (values.length === 0) {
    throw new MeshValidationError(scope, `'${prop}' must not be empty; ${omitFix}`);
  }
  const seen = new Set<string>();
  values.forEach((value, i) => {
    check(value, `${prop}[${i}]`);
    const key = JSON.stringify(value);
    if (seen.has(key)) {
      throw new MeshValidationError(scope, `'${prop}' lists ${key} twice; remove the duplicate`);
    }
    seen.add(key);
  });
}

/** Throws unless `labels` is a non-empty map of valid Kubernetes label keys and values. */
export function validateLabels(scope: IConstruct, prop: string, labels: { [key: string]: string }): void {
  if (!labels || typeof labels !== 'object' || Array.isArray(labels)) {
    throw new MeshValidationError(scope, `'${prop}' must be a map of pod labels such as { app: 'api' }, got ${describeValue(labels, 'object')}`);
  }
  const entries = Object.entries(labels);
  if (entries.length === 0) {
    throw new MeshValidationError(scope, `'${prop}' must have at least one label; to select every workload of the namespace, omit the selector`);
  }
  for (const [key, value] of entries) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix));
    if (!prefixOk || name.length > 63 || !LABEL_NAME.test(name)) {
      throw new MeshValidationError(scope, `'${prop}' has an invalid label key ${JSON.stringify(key)}; use [prefix/]name with a name of at most 63 alphanumerics, '-', '_' or '.'`);
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      throw new MeshValidationError(scope, `'${prop}' has an invalid value ${describeValue(value)} for label "${key}"; use at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`);
    }
  }
}

/** Throws unless `host` is a lowercase DNS name with at least two labels, optionally with a `*.` prefix. */
export function validateExternalHostName(scope: IConstruct, prop: string, host: string, allowWildcard: boolean): void {
  if (typeof host !== 'string') {
    throw new MeshValidationError(scope, `'${prop}' must be a host name such as "api.example.com", got ${describeValue(host)}`);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host) || host.includes('/') || host.includes(':')) {
    throw new MeshValidationError(scope,
      `'${prop}' must be a host name without scheme, port or path, got ${JSON.stringify(host)}; e.g. "api.example.com"`);
  }
  const wildcard = host.startsWith('*.');
  if (wildcard && !allowWildcard) {
    throw new MeshValidationError(scope,
      `'${prop}' must not be a wildcard for TCP, got ${JSON.stringify(host)}; TCP carries no host name, so declare each host with its addresses`);
  }
  const name = wildcard ? host.slice(2) : host;
  const labels = name.split('.');
  const valid = name.length > 0 && host.length <= 253 && labels.length >= 2 && labels.every((l) => l.length <= 63 && DNS_LABEL.test(l));
  if (!valid) {
    throw new MeshValidationError(scope,
      `'${prop}' must be a fully qualified lowercase DNS name such as "api.example.com"${allowWildcard ? ' or a prefix wildcard such as "*.example.com"' : ''}, got ${JSON.stringify(host)}`);
  }
}

/** Throws unless `address` is an IPv4/IPv6 address or CIDR block. */
export function validateAddress(scope: IConstruct, prop: string, address: string): void {
  if (typeof address !== 'string') {
    throw new MeshValidationError(scope, `'${prop}' must be an IP address or CIDR block such as "203.0.113.10", got ${describeValue(address)}`);
  }
  const [ip, bits, extra] = address.split('/');
  const family = isIP(ip);
  const max = family === 4 ? 32 : 128;
  const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
  if (family === 0 || !bitsOk || extra !== undefined) {
    throw new MeshValidationError(scope, `'${prop}' must be an IP address or CIDR block such as "203.0.113.10" or "203.0.113.0/24", got ${JSON.stringify(address)}`);
  }
}

/** Throws unless `method` is an upper-case HTTP method token. */
export function validateMethod(scope: IConstruct, prop: string, method: string): void {
  if (typeof method !== 'string' || !HTTP_METHOD.test(method)) {
    throw new MeshValidationError(scope, `'${prop}' must be an upper-case HTTP method such as "GET", got ${describeValue(method)}`);
  }
}

/** Throws unless `path` is an Istio path match: starts with '/', or is a '*' prefix/suffix/presence match. */
export function validatePath(scope: IConstruct, prop: string, path: string): void {
  if (typeof path !== 'string' || !(path.startsWith('/') || path.startsWith('*')) || /\s/.test(path)) {
    throw new MeshValidationError(scope, `'${prop}' must start with '/' (or '*' for a suffix match) and contain no spaces, such as "/api/*", got ${describeValue(path)}`);
  }
  // Istio matches '*' only as the whole path, a prefix ("/api/*") or a suffix ("*.html"); inside a
  // path it is a literal character, unless written as a template segment ({*} or {**}).
  const untemplated = path.replace(/\{\*\*?\}/g, '{}');
  if (untemplated.length > 1 && untemplated.slice(1, -1).includes('*')) {
    throw new MeshValidationError(scope, `'${prop}' has '*' inside the path (${JSON.stringify(path)}), where Istio compares it literally; ` +
      'use a prefix ("/api/*"), a suffix ("*.html") or a template segment ("/api/{*}/items")');
  }
}

/** Throws unless `value` is a non-blank string. */
export function validateRequired(scope: IConstruct, prop: string, value: string | undefined, fix: string): void {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new MeshValidationError(scope, `'${prop}' is required and must not be blank, got ${JSON.stringify(value)}; ${fix}`);
  }
}
