import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { RenderedMatch } from './match-algebra';
import { RouteBehaviour, RouteDef } from './table';
import type { FaultInjection } from '../../fault-injection';
import { RequestMatch } from '../../request-match';
import { RouteTo } from '../../route-to';
import type { ServiceRouteOptions } from '../../service-route';
import type { RetryPolicy } from '../../shared-interfaces';
import { validateDuration, validateFault, validatePercent } from '../canary/validate';
import { describeValue, MeshValidationError } from '../errors';
import {
  renderCors, validateAuthorityValue, validateCors, validateHeaderOperations, validateRewrite, validateUriValue,
} from '../gateway/routes';
import { istioDuration } from '../istio-duration';
import { renderRetryPolicy, validateRetryPolicy } from '../retry-policy';
import { validateDnsLabel } from '../validate';

const REDIRECT_CODES = [301, 302, 303, 307, 308];

/** Fault, timeout and retries in the table's neutral form. */
export function behaviourOf(fault?: FaultInjection, timeout?: Duration, retries?: RetryPolicy): RouteBehaviour {
  return {
    fault: fault ? {
      delay: fault.delay ? { fixedDelay: istioDuration(fault.delay), percent: fault.delayPercent ?? 100 } : undefined,
      abort: fault.abortHttpStatus !== undefined ? { httpStatus: fault.abortHttpStatus, percent: fault.abortPercent ?? 100 } : undefined,
    } : undefined,
    timeout: timeout ? istioDuration(timeout) : undefined,
    retries: renderRetryPolicy(retries),
  };
}

/**
 * Validates one route of `ServiceRouting` and turns it into the table's form. `prop` names it in
 * errors (`routes[2]`); `defaultName` is its name when the options give none.
 */
export function resolveServiceRoute(scope: IConstruct, prop: string, options: ServiceRouteOptions, defaultName: string): RouteDef {
  if (!options || typeof options !== 'object') {
    throw new MeshValidationError(scope, `'${prop}' must be a route object such as { to: RouteTo.version('v1') }, got ${describeValue(options)}`);
  }
  const o = options;
  if (o.to !== undefined && !(o.to instanceof RouteTo)) {
    throw new MeshValidationError(scope, `'${prop}.to' must be a RouteTo (RouteTo.version('v1'), RouteTo.weights({ v1: 90, v2: 10 }) or RouteTo.anyVersion()), got ${describeValue(o.to)}`);
  }
  if (o.to === undefined && o.redirect === undefined) {
    throw new MeshValidationError(scope, `'${prop}.to' is required: say where the requests go, e.g. to: RouteTo.version('v1') (or answer them with 'redirect')`);
  }
  if (o.to !== undefined && o.redirect !== undefined) {
    throw new MeshValidationError(scope, `'${prop}' sets both 'to' and 'redirect'; a redirected request is not forwarded: keep one`);
  }
  if (o.name !== undefined) validateDnsLabel(scope, `${prop}.name`, o.name);
  if (o.matches !== undefined && !Array.isArray(o.matches)) {
    throw new MeshValidationError(scope, `'${prop}.matches' must be an array of RequestMatch, got ${describeValue(o.matches)}`);
  }
  const matches: RenderedMatch[] = [];
  const seen = new Map<string, number>();
  (o.matches ?? []).forEach((m, i) => {
    const mp = `${prop}.matches[${i}]`;
    if (!(m instanceof RequestMatch)) {
      throw new MeshValidationError(scope, `'${mp}' must be a RequestMatch (e.g. RequestMatch.headerExact('end-user', 'jason')), got ${describeValue(m)}`);
    }
    const rendered = m._render(scope, mp);
    const key = JSON.stringify(rendered);
    if (seen.has(key)) throw new MeshValidationError(scope, `'${mp}' repeats '${prop}.matches[${seen.get(key)}]' (${m._description}); remove one`);
    seen.set(key, i);
    matches.push(rendered);
  });
  validateFault(scope, o.fault, `${prop}.fault`);
  validateDuration(scope, `${prop}.timeout`, o.timeout);
  validateRetryPolicy(scope, o.retries, `${prop}.retries`);
  if (o.mirror !== undefined) {
    if (!o.mirror || typeof o.mirror.version !== 'string') {
      throw new MeshValidationError(scope, `'${prop}.mirror.version' must name a version, e.g. { version: 'v2', percent: 10 }, got ${describeValue(o.mirror?.version)}`);
    }
    if (o.mirror.percent !== undefined) {
      validatePercent(scope, `${prop}.mirror.percent`, o.mirror.percent);
      if (o.mirror.percent === 0) throw new MeshValidationError(scope, `'${prop}.mirror.percent' is 0, which mirrors nothing; omit 'mirror' or give a percentage above 0`);
    }
  }
  validateRedirectAndRewrite(scope, prop, o);
  if (o.corsPolicy !== undefined) validateCors(scope, o.corsPolicy);
  validateHeaderOperations(scope, `${prop}.requestHeaders`, o.requestHeaders);
  validateHeaderOperations(scope, `${prop}.responseHeaders`, o.responseHeaders);

  const backends = o.to ? o.to._backends(scope, `${prop}.to`) : [];
  if (o.mirror && backends.length === 1 && backends[0].version === o.mirror.version) {
    throw new MeshValidationError(scope, `'${prop}.mirror' copies requests to version "${o.mirror.version}", which already receives them all; mirror to another version`);
  }
  return {
    name: o.name ?? defaultName,
    matches,
    backends,
    behaviour: {
      ...behaviourOf(o.fault, o.timeout, o.retries),
      mirror: o.mirror ? { version: o.mirror.version, percent: o.mirror.percent } : undefined,
      rewrite: o.rewrite ? { uri: o.rewrite.uri, authority: o.rewrite.authority } : undefined,
      redirect: o.redirect ? { uri: o.redirect.uri, authority: o.redirect.authority, redirectCode: o.redirect.redirectCode } : undefined,
      requestHeaders: o.requestHeaders,
      responseHeaders: o.responseHeaders,
      corsPolicy: o.corsPolicy ? renderCors(o.corsPolicy) : undefined,
    },
    owner: scope,
    prop,
  };
}

function validateRedirectAndRewrite(scope: IConstruct, prop: string, o: ServiceRouteOptions): void {
  if (o.rewrite !== undefined) validateRewrite(scope, `${prop}.rewrite`, o.rewrite);
  if (o.redirect !== undefined) {
    if (o.redirect.uri === undefined && o.redirect.authority === undefined) {
      throw new MeshValidationError(scope, `'${prop}.redirect' must set 'uri' or 'authority'; a redirect to the same place loops`);
    }
    validateUriValue(scope, `${prop}.redirect.uri`, o.redirect.uri);
    validateAuthorityValue(scope, `${prop}.redirect.authority`, o.redirect.authority);
    if (o.redirect.redirectCode !== undefined && !REDIRECT_CODES.includes(o.redirect.redirectCode)) {
      throw new MeshValidationError(scope, `'${prop}.redirect.redirectCode' must be one of ${REDIRECT_CODES.join(', ')}, got ${describeValue(o.redirect.redirectCode, 'number')}`);
    }
    const forwarding = (['fault', 'timeout', 'retries', 'mirror', 'rewrite'] as const).filter((k) => o[k] !== undefined);
    if (forwarding.length) {
      throw new MeshValidationError(scope, `'${prop}' redirects, so ${forwarding.map((k) => `'${k}'`).join(', ')} would never apply; remove ${forwarding.length > 1 ? 'them' : 'it'}`);
    }
  }
}
