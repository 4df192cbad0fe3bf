import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { FaultInjection } from '../../fault-injection';
import { ClientTlsMode, TrafficPolicy } from '../../traffic-policy';
import { describeValue, MeshValidationError } from '../errors';
import { validateDnsLabel, validateEnum, validateIntRange } from '../validate';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const HOSTNAME = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws unless `value` is a percentage in [min, 100] (fractions allowed). */
export function validatePercent(scope: IConstruct, prop: string, value: number, min = 0, fix?: string): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > 100) {
    throw new MeshValidationError(scope, `'${prop}' must be a percentage between ${min} and 100, got ${describeValue(value, 'number')}${fix ? `; ${fix}` : ''}`);
  }
}

/** Throws unless the duration is positive (and, when `wholeSeconds`, a whole number of seconds). */
export function validateDuration(scope: IConstruct, prop: string, d: Duration | undefined,
  opts: { wholeSeconds?: boolean; minSeconds?: number } = {}): void {
  if (d === undefined) return;
  if (!(d instanceof Duration)) {
    throw new MeshValidationError(scope, `'${prop}' must be a Duration (e.g. Duration.seconds(5)), got ${describeValue(d, 'object')}`);
  }
  const ms = d.toMilliseconds({ integral: false });
  if (!(ms > 0)) throw new MeshValidationError(scope, `'${prop}' must be a positive duration, got ${d.toHumanString()}`);
  if (opts.wholeSeconds && ms % 1000 !== 0) {
    throw new MeshValidationError(scope, `'${prop}' must be a whole number of seconds (Argo Rollouts and Flagger read "30s" or "5m"), ` +
      `got ${d.toHumanString()}; round it, e.g. Duration.seconds(${Math.max(1, Math.round(ms / 1000))})`);
  }
  if (opts.minSeconds !== undefined && ms < opts.minSeconds * 1000) {
    throw new MeshValidationError(scope, `'${prop}' must be at least ${opts.minSeconds}s, got ${d.toHumanString()}`);
  }
}

/** Throws unless `value` is a valid Kubernetes label value. */
export function validateLabelValue(scope: IConstruct, prop: string, value: string, fix: string): void {
  if (value.length === 0 || value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new MeshValidationError(scope, `'${prop}' must be a label value (at most 63 letters, digits, '-', '_' or '.', starting and ending ` +
      `with a letter or digit), got ${JSON.stringify(value)}; ${fix}`);
  }
}

/** Throws unless `host` is a DNS name (optionally `*.`-prefixed). */
export function validateHostname(scope: IConstruct, prop: string, host: string): void {
  if (host.length > 253 || !HOSTNAME.test(host)) {
    throw new MeshValidationError(scope, `'${prop}' must be a lowercase DNS name such as "shop.example.com" or "*.example.com", got ${JSON.stringify(host)}`);
  }
}

/** Validates `<namespace>/<name>` of a gateway. */
export function validateGatewayName(scope: IConstruct, prop: string, gateway: string): void {
  const parts = gateway.split('/');
  if (parts.length !== 2) {
    throw new MeshValidationError(scope, `'${prop}' must be "<namespace>/<name>" of an Istio Gateway, e.g. "istio-ingress/public", got ${JSON.stringify(gateway)}`);
  }
  validateDnsLabel(scope, `${prop} namespace`, parts[0]);
  validateDnsLabel(scope, `${prop} name`, parts[1], 253);
}

/** Validates a DestinationRule traffic policy; `flagger` rejects what Flagger's Canary schema cannot carry. */
export function validateTrafficPolicy(scope: IConstruct, policy: TrafficPolicy | undefined, flagger: boolean): void {
  if (!policy) return;
  validateEnum(scope, 'trafficPolicy.tls', policy.tls, 'ClientTlsMode', ClientTlsMode);
  const pool = policy.connectionPool;
  if (pool) {
    const counts: Array<[string, number | undefined]> = [
      ['maxConnections', pool.maxConnections], ['http1MaxPendingRequests', pool.http1MaxPendingRequests],
      ['http2MaxRequests', pool.http2MaxRequests], ['maxRequestsPerConnection', pool.maxRequestsPerConnection], ['maxRetries', pool.maxRetries],
    ];
    for (const [name, v] of counts) {
      if (v !== undefined) validateIntRange(scope, `trafficPolicy.connectionPool.${name}`, v, 1, 2 ** 31 - 1);
    }
    validateDuration(scope, 'trafficPolicy.connectionPool.connectTimeout', pool.connectTimeout);
    validateDuration(scope, 'trafficPolicy.connectionPool.idleTimeout', pool.idleTimeout);
    if (flagger && (pool.maxConnections !== undefined || pool.connectTimeout !== undefined)) {
      throw new MeshValidationError(scope, "'trafficPolicy.connectionPool' TCP settings (maxConnections, connectTimeout) cannot be given to " +
        'Flagger: its Canary schema has no connectionPool.tcp and the API server drops them; remove them or use ReleaseStrategy.steps()');
    }
  }
  const od = policy.outlierDetection;
  if (od) {
    if (od.consecutive5xxErrors !== undefined) validateIntRange(scope, 'trafficPolicy.outlierDetection.consecutive5xxErrors', od.consecutive5xxErrors, 1, 2 ** 31 - 1);
    if (od.consecutiveGatewayErrors !== undefined) {
      validateIntRange(scope, 'trafficPolicy.outlierDetection.consecutiveGatewayErrors', od.consecutiveGatewayErrors, 1, 2 ** 31 - 1);
    }
    validateDuration(scope, 'trafficPolicy.outlierDetection.interval', od.interval);
    validateDuration(scope, 'trafficPolicy.outlierDetection.baseEjectionTime', od.baseEjectionTime);
    if (od.maxEjectionPercent !== undefined) validateIntRange(scope, 'trafficPolicy.outlierDetection.maxEjectionPercent', od.maxEjectionPercent, 0, 100);
    if (od.minHealthPercent !== undefined) validateIntRange(scope, 'trafficPolicy.outlierDetection.minHealthPercent', od.minHealthPercent, 0, 100);
  }
  const key = policy.loadBalancer?._key;
  if (key !== undefined && key.trim().length === 0) {
    throw new MeshValidationError(scope, "'trafficPolicy.loadBalancer' hashes on an empty header or cookie name; name it, e.g. \"x-user-id\"");
  }
  const failover = policy.localityFailover ?? [];
  if (policy.localityFailover && failover.length === 0) {
    throw new MeshValidationError(scope, "'trafficPolicy.localityFailover' is empty; omit it to keep the mesh-wide locality settings");
  }
  if (failover.length > 0 && !od) {
    throw new MeshValidationError(scope, "'trafficPolicy.localityFailover' needs 'trafficPolicy.outlierDetection': Istio only fails over " +
      'when outlier detection ejects the unhealthy local endpoints; add outlierDetection: { consecutive5xxErrors: 5 }');
  }
  for (const [i, f] of failover.entries()) {
    if (!f.from || !f.to) throw new MeshValidationError(scope, `'trafficPolicy.localityFailover[${i}]' needs both 'from' and 'to' regions`);
    if (f.from === f.to) {
      throw new MeshValidationError(scope, `'trafficPolicy.localityFailover[${i}]' fails over from "${f.from}" to itself; name another region`);
    }
  }
}

/** Validates fault injection settings. */
export function validateFault(scope: IConstruct, fault: FaultInjection | undefined, prop = 'fault'): void {
  if (!fault) return;
  if (fault.delay === undefined && fault.abortHttpStatus === undefined) {
    throw new MeshValidationError(scope, `'${prop}' injects nothing; give 'delay' and/or 'abortHttpStatus', or omit '${prop}'`);
  }
  validateDuration(scope, `${prop}.delay`, fault.delay);
  if (fault.delayPercent !== undefined) validatePercent(scope, `${prop}.delayPercent`, fault.delayPercent);
  if (fault.delayPercent !== undefined && fault.delay === undefined) {
    throw new MeshValidationError(scope, `'${prop}.delayPercent' is given without '${prop}.delay'; add the delay, e.g. Duration.seconds(2)`);
  }
  if (fault.abortHttpStatus !== undefined) validateIntRange(scope, `${prop}.abortHttpStatus`, fault.abortHttpStatus, 200, 599);
  if (fault.abortPercent !== undefined) validatePercent(scope, `${prop}.abortPercent`, fault.abortPercent);
  if (fault.abortPercent !== undefined && fault.abortHttpStatus === undefined) {
    throw new MeshValidationError(scope, `'${prop}.abortPercent' is given without '${prop}.abortHttpStatus'; add the status, e.g. 503`);
  }
}

