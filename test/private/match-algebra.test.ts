/**
 * The set relations between HTTP matches that order a service's route table, find shadowed routes
 * and combine gateway routes with a service's routes. Each relation is checked against a small
 * evaluator of Istio's HTTPMatchRequest semantics on generated requests: "covers" must never claim
 * a request it does not hold for (sound), and an intersection must hold for exactly the requests
 * both matches hold for.
 */
import * as fc from 'fast-check';
import {
  describeRenderedMatch, intersectMatches, isMeshOnly, matchCovers, matchKey, RenderedMatch, RenderedStringMatch, routeCovers, routeKey,
} from '../../lib/private/routing/match-algebra';

/** A request as the matches see it. */
interface Request {
  readonly path: string;
  readonly method: string;
  readonly headers: { [name: string]: string };
  readonly query: { [name: string]: string };
  readonly sourceLabels: { [key: string]: string };
  readonly sourceNamespace?: string;
}

/** Istio StringMatch: exact, prefix, or a regex matching the whole value; an absent value never matches. */
function stringHolds(m: RenderedStringMatch, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (m.exact !== undefined) return value === m.exact;
  if (m.prefix !== undefined) return value.startsWith(m.prefix);
  return new RegExp(`^(?:${m.regex})$`).test(value);
}

/** Every condition of the match holds for the request. */
function holds(m: RenderedMatch, r: Request): boolean {
  return (m.uri === undefined || stringHolds(m.uri, r.path))
    && (m.method === undefined || stringHolds(m.method, r.method))
    && Object.entries(m.headers ?? {}).every(([k, s]) => stringHolds(s, r.headers[k]))
    && Object.entries(m.queryParams ?? {}).every(([k, s]) => stringHolds(s, r.query[k]))
    && Object.entries(m.sourceLabels ?? {}).every(([k, v]) => r.sourceLabels[k] === v)
    && (m.sourceNamespace === undefined || m.sourceNamespace === r.sourceNamespace);
}

/** A route takes the request: no alternatives (every request) or one of them holds. */
function routeHolds(ms: readonly RenderedMatch[], r: Request): boolean {
  return ms.length === 0 || ms.some((m) => holds(m, r));
}

// Small value sets, so generated matches and requests often meet.
const stringMatch = (exact: string[], prefix: string[], regex: string[]): fc.Arbitrary<RenderedStringMatch> => fc.oneof(
  fc.constantFrom(...exact).map((v) => ({ exact: v })),
  fc.constantFrom(...prefix).map((v) => ({ prefix: v })),
  fc.constantFrom(...regex).map((v) => ({ regex: v })),
);
const pathMatch = stringMatch(['/', '/a', '/ab', '/b'], ['/', '/a', '/ab', '/b'], ['/a.*', '/(a|b)']);
const valueMatch = stringMatch(['a', 'ab', 'b'], ['a', 'b'], ['a.*', 'b']);
const optionalMap = <T>(arb: fc.Arbitrary<{ [k: string]: T }>) => arb.map((m) => (Object.keys(m).length ? m : undefined));

const matchArb: fc.Arbitrary<RenderedMatch> = fc.record({
  uri: pathMatch,
  method: fc.constantFrom('GET', 'POST').map((v) => ({ exact: v })),
  headers: optionalMap(fc.record({ x: valueMatch, y: valueMatch }, { requiredKeys: [] })),
  queryParams: optionalMap(fc.record({ q: valueMatch }, { requiredKeys: [] })),
  sourceLabels: optionalMap(fc.record({ app: fc.constantFrom('qa', 'web'), track: fc.constant('canary') }, { requiredKeys: [] })),
  sourceNamespace: fc.constantFrom('ns1', 'ns2'),
}, { requiredKeys: [] }).map((m) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as RenderedMatch);

const value = fc.constantFrom(undefined, 'a', 'ab', 'abc', 'b');
const requestArb: fc.Arbitrary<Request> = fc.record({
  path: fc.constantFrom('/', '/a', '/ab', '/abc', '/b', '/ba'),
  method: fc.constantFrom('GET', 'POST'),
  headers: fc.record({ x: value, y: value }),
  query: fc.record({ q: value }),
  sourceLabels: fc.record({ app: fc.constantFrom(undefined, 'qa', 'web'), track: fc.constantFrom(undefined, 'canary') }),
  sourceNamespace: fc.constantFrom(undefined, 'ns1', 'ns2'),
}).map((r) => ({
  ...r,
  headers: defined(r.headers),
  query: defined(r.query),
  sourceLabels: defined(r.sourceLabels),
}));

/** A match no larger than `m`: its conditions, some narrowed (a longer prefix, an exact value), plus those of `extra`. */
function narrowed(m: RenderedMatch, extra: RenderedMatch, narrow: boolean): RenderedMatch {
  const n = (s: RenderedStringMatch): RenderedStringMatch => (narrow && s.prefix !== undefined ? { exact: `${s.prefix}b` } : s);
  const map = (a?: { [k: string]: RenderedStringMatch }, b?: { [k: string]: RenderedStringMatch }) =>
    (a || b ? { ...b, ...Object.fromEntries(Object.entries(a ?? {}).map(([k, v]) => [k, n(v)])) } : undefined);
  return Object.fromEntries(Object.entries({
    uri: m.uri ? n(m.uri) : extra.uri,
    method: m.method ?? extra.method,
    headers: map(m.headers, extra.headers),
    queryParams: map(m.queryParams, extra.queryParams),
    sourceLabels: m.sourceLabels || extra.sourceLabels ? { ...extra.sourceLabels, ...m.sourceLabels } : undefined,
    sourceNamespace: m.sourceNamespace ?? extra.sourceNamespace,
  }).filter(([, v]) => v !== undefined)) as RenderedMatch;
}

/**
 * The same conditions written differently: fields in another order, a path prefix "/" added or
 * dropped. (Header and label names stay sorted, as RequestMatch renders them.)
 */
function rewritten(m: RenderedMatch): RenderedMatch {
  const reversed = Object.fromEntries(Object.entries(m).reverse());
  if (m.uri === undefined) return { ...reversed, uri: { prefix: '/' } };
  if (m.uri.prefix === '/') return Object.fromEntries(Object.entries(reversed).filter(([k]) => k !== 'uri'));
  return reversed;
}

/** Pairs of matches: unrelated ones, and ones where the second is no larger than the first. */
const pairArb: fc.Arbitrary<[RenderedMatch, RenderedMatch]> = fc.oneof(
  fc.tuple(matchArb, matchArb),
  fc.tuple(matchArb, matchArb, fc.boolean()).map(([a, extra, narrow]) => [a, narrowed(a, extra, narrow)] as [RenderedMatch, RenderedMatch]),
);

function defined(o: { [k: string]: string | undefined }): { [k: string]: string } {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined));
}

const header = (name: string, m: RenderedStringMatch): RenderedMatch => ({ headers: { [name]: m } });
const path = (m: RenderedStringMatch): RenderedMatch => ({ uri: m });

describe('matchCovers', () => {
  test('is sound: when a covers b, every request b holds for, a holds for', () => {
    let covered = 0;
    fc.assert(fc.property(pairArb, fc.array(requestArb, { minLength: 20, maxLength: 20 }), ([a, b], requests) => {
      if (!matchCovers(a, b)) return;
      covered++;
      for (const r of requests) if (holds(b, r)) expect(holds(a, r)).toBe(true);
    }), { numRuns: 2000 });
    expect(covered).toBeGreaterThan(200);
  });

  test('a match covers itself', () => {
    fc.assert(fc.property(matchArb, (m) => matchCovers(m, m)), { numRuns: 500 });
  });

  test('a path prefix "/" covers every request, including ones without a path condition', () => {
    expect(matchCovers(path({ prefix: '/' }), header('end-user', { exact: 'jason' }))).toBe(true);
  });

  test('a shorter prefix covers a longer prefix and an exact value it starts', () => {
    expect([
      matchCovers(path({ prefix: '/api' }), path({ prefix: '/api/v2' })),
      matchCovers(path({ prefix: '/api' }), path({ exact: '/api/v2/x' })),
      matchCovers(path({ prefix: '/api/v2' }), path({ prefix: '/api' })),
      matchCovers(path({ exact: '/api' }), path({ prefix: '/api' })),
    ]).toEqual([true, true, false, false]);
  });

  test('a regex covers only the same regex (sound, not complete)', () => {
    expect([
      matchCovers(header('x', { regex: 'a.*' }), header('x', { regex: 'a.*' })),
      matchCovers(header('x', { regex: 'a.*' }), header('x', { exact: 'abc' })),
    ]).toEqual([true, false]);
  });

  test('a header condition never covers a request without that header', () => {
    expect(matchCovers(header('x', { prefix: 'a' }), path({ prefix: '/a' }))).toBe(false);
  });

  test('fewer source labels cover more source labels, not the reverse', () => {
    expect([
      matchCovers({ sourceLabels: { app: 'qa' } }, { sourceLabels: { app: 'qa', track: 'canary' } }),
      matchCovers({ sourceLabels: { app: 'qa', track: 'canary' } }, { sourceLabels: { app: 'qa' } }),
    ]).toEqual([true, false]);
  });

  test('a source namespace covers only the same namespace', () => {
    expect([
      matchCovers({ sourceNamespace: 'ns1' }, { sourceNamespace: 'ns1', headers: { x: { exact: 'a' } } }),
      matchCovers({ sourceNamespace: 'ns1' }, { sourceNamespace: 'ns2' }),
      matchCovers({ sourceNamespace: 'ns1' }, {}),
    ]).toEqual([true, false, false]);
  });
});

describe('routeCovers', () => {
  const alternatives = fc.array(matchArb, { maxLength: 3 });

  test('is sound: when route a covers route b, a takes every request b takes', () => {
    // b: alternatives each no larger than one of a's, or unrelated ones.
    const refined = fc.tuple(fc.array(pairArb, { minLength: 1, maxLength: 3 }), alternatives)
      .map(([pairs, extra]) => [pairs.map((p) => p[0]), [...pairs.map((p) => p[1]), ...extra.slice(0, 1)]]);
    const routePair = fc.oneof(fc.tuple(alternatives, alternatives), refined);
    let covered = 0;
    fc.assert(fc.property(routePair, fc.array(requestArb, { minLength: 20, maxLength: 20 }), ([a, b], requests) => {
      if (!routeCovers(a, b)) return;
      covered++;
      for (const r of requests) if (routeHolds(b, r)) expect(routeHolds(a, r)).toBe(true);
    }), { numRuns: 2000 });
    expect(covered).toBeGreaterThan(200);
  });

  test('a route without matches covers every route', () => {
    expect(routeCovers([], [header('x', { exact: 'a' }), { sourceLabels: { app: 'qa' } }])).toBe(true);
  });

  test('a route with a path prefix "/" alternative takes every request, like a route without matches', () => {
    expect(routeCovers([header('x', { exact: 'a' }), path({ prefix: '/' })], [])).toBe(true);
  });

  test('a route with conditions never covers a route without matches', () => {
    expect(routeCovers([header('x', { prefix: 'a' })], [])).toBe(false);
  });

  test('every alternative of b must be covered by some alternative of a', () => {
    const a = [header('x', { exact: 'a' }), header('y', { exact: 'b' })];
    expect([
      routeCovers(a, [{ headers: { x: { exact: 'a' }, y: { exact: 'a' } } }, header('y', { exact: 'b' })]),
      routeCovers(a, [header('x', { exact: 'a' }), header('y', { exact: 'a' })]),
    ]).toEqual([true, false]);
  });
});

describe('matchKey and routeKey', () => {
  test('equal match keys mean the matches hold for the same requests', () => {
    const keyPair = fc.oneof(fc.tuple(matchArb, matchArb), matchArb.map((m) => [m, rewritten(m)] as [RenderedMatch, RenderedMatch]));
    let equal = 0;
    fc.assert(fc.property(keyPair, fc.array(requestArb, { minLength: 20, maxLength: 20 }), ([a, b], requests) => {
      if (matchKey(a) !== matchKey(b)) return;
      equal++;
      for (const r of requests) expect(holds(a, r)).toBe(holds(b, r));
    }), { numRuns: 1000 });
    expect(equal).toBeGreaterThan(200);
  });

  test('a path prefix "/" has the key of no path condition', () => {
    expect(matchKey({ uri: { prefix: '/' }, headers: { x: { exact: 'a' } } })).toBe(matchKey({ headers: { x: { exact: 'a' } } }));
  });

  test('a route without matches and a route matching path prefix "/" have the same key', () => {
    expect(routeKey([path({ prefix: '/' })])).toBe(routeKey([]));
  });

  test('the order of a route\'s alternatives does not change its key', () => {
    expect(routeKey([header('x', { exact: 'a' }), header('y', { exact: 'b' })])).toBe(routeKey([header('y', { exact: 'b' }), header('x', { exact: 'a' })]));
  });

  test('different values give different keys', () => {
    expect(matchKey(header('x', { exact: 'a' }))).not.toBe(matchKey(header('x', { prefix: 'a' })));
  });
});

describe('intersectMatches', () => {
  test('a combined match holds for exactly the requests both matches hold for; null for none', () => {
    fc.assert(fc.property(pairArb, fc.array(requestArb, { minLength: 20, maxLength: 20 }), ([a, b], requests) => {
      const c = intersectMatches(a, b);
      if (c === undefined) return;
      for (const r of requests) expect(c === null ? false : holds(c, r)).toBe(holds(a, r) && holds(b, r));
    }), { numRuns: 2000 });
  });

  test('is symmetric', () => {
    fc.assert(fc.property(matchArb, matchArb, (a, b) => {
      expect(JSON.stringify(intersectMatches(a, b))).toBe(JSON.stringify(intersectMatches(b, a)));
    }), { numRuns: 1000 });
  });

  test('a prefix and a longer prefix combine to the longer prefix', () => {
    expect(intersectMatches(path({ prefix: '/api' }), path({ prefix: '/api/v2' }))).toEqual({ uri: { prefix: '/api/v2' } });
  });

  test('conditions on different fields are all kept', () => {
    expect(intersectMatches(
      { uri: { prefix: '/api' }, headers: { x: { exact: 'a' } } },
      { headers: { 'end-user': { exact: 'jason' } }, sourceLabels: { app: 'qa' } },
    )).toEqual({ uri: { prefix: '/api' }, headers: { 'end-user': { exact: 'jason' }, 'x': { exact: 'a' } }, sourceLabels: { app: 'qa' } });
  });

  test('a path prefix "/" leaves no path condition', () => {
    expect(intersectMatches(path({ prefix: '/' }), header('x', { exact: 'a' }))).toEqual(header('x', { exact: 'a' }));
  });

  test.each([
    ['two exact values of one header', header('x', { exact: 'a' }), header('x', { exact: 'b' })],
    ['two prefixes neither of which starts the other', path({ prefix: '/a' }), path({ prefix: '/b' })],
    ['an exact path outside a prefix', path({ exact: '/b' }), path({ prefix: '/a' })],
    ['two values of one source label', { sourceLabels: { app: 'qa' } }, { sourceLabels: { app: 'web' } }],
    ['two source namespaces', { sourceNamespace: 'ns1' }, { sourceNamespace: 'ns2' }],
  ])('%s match no request together: null', (_what, a: RenderedMatch, b: RenderedMatch) => {
    expect(intersectMatches(a, b)).toBeNull();
  });

  test('two different regexes on one field cannot be written as one match: undefined', () => {
    expect(intersectMatches(header('x', { regex: 'a.*' }), header('x', { regex: '.*b' }))).toBeUndefined();
  });
});

describe('isMeshOnly', () => {
  test.each([
    [{ sourceLabels: { app: 'qa' } }, true],
    [{ sourceNamespace: 'ns1' }, true],
    [{ headers: { x: { exact: 'a' } }, sourceLabels: { app: 'qa' } }, true],
    [{ headers: { x: { exact: 'a' } }, uri: { prefix: '/api' } }, false],
  ])('%p: %p', (m: RenderedMatch, expected) => {
    expect(isMeshOnly(m)).toBe(expected);
  });
});

describe('describeRenderedMatch', () => {
  test('names every condition, in a fixed order', () => {
    expect(describeRenderedMatch({
      sourceNamespace: 'ns1', sourceLabels: { app: 'qa' }, queryParams: { q: { exact: '1' } }, headers: { x: { regex: 'a.*' } }, method: { exact: 'GET' }, uri: { prefix: '/api' },
    })).toBe('path prefix "/api" and method exact "GET" and header x regex "a.*" and query q exact "1" and sender labels app=qa and sender namespace ns1');
  });

  test('no condition is every request', () => {
    expect(describeRenderedMatch({})).toBe('every request');
  });
});
