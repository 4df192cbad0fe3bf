import { Duration, Testing } from 'cdk8s';
import { HeaderMatch, PathMatch, RouteDestination } from '../../lib';
import { kebabCase } from '../../lib/private/gateway/render';
import { findUnreachable, resolveHttpRoute, sortRoutes } from '../../lib/private/gateway/routes';
import { hostCovers } from '../../lib/private/gateway/validate';
import { istioDuration } from '../../lib/private/istio-duration';

const scope = Testing.chart();
const to = RouteDestination.host('web.shop.svc.cluster.local', 80);

function routes(...paths: Array<[PathMatch, HeaderMatch[]?]>) {
  const names = new Set<string>();
  return paths.map(([path, headers], i) => resolveHttpRoute(scope, { to, path, headers }, i, names));
}

describe('sortRoutes', () => {
  test('exact, then prefix by length, then regex; headers first; then insertion order', () => {
    // GIVEN
    const input = routes(
      [PathMatch.regex('^/z')],
      [PathMatch.prefix('/')],
      [PathMatch.prefix('/ab')],
      [PathMatch.exact('/y')],
      [PathMatch.prefix('/ab'), [HeaderMatch.exact('x-a', '1')]],
      [PathMatch.exact('/x')],
      [PathMatch.regex('^/a')],
    );

    // WHEN
    const sorted = sortRoutes(input).map((r) => r.description);

    // THEN
    expect(sorted).toEqual([
      'exact "/y"', 'exact "/x"', 'prefix "/ab" with header x-a exact "1"', 'prefix "/ab"', 'prefix "/"', 'regex "^/z"', 'regex "^/a"',
    ]);
  });

  test('is stable: the same routes in the same order sort the same way', () => {
    const a = sortRoutes(routes([PathMatch.prefix('/a')], [PathMatch.prefix('/b')])).map((r) => r.name);
    expect(a).toEqual(['prefix-a', 'prefix-b']);
  });
});

describe('findUnreachable', () => {
  test('a regex after a header-less prefix "/" is unreachable; with a header condition it is not', () => {
    expect(findUnreachable(sortRoutes(routes([PathMatch.prefix('/')], [PathMatch.regex('^/v')])))?.route.description).toBe('regex "^/v"');
    expect(findUnreachable(sortRoutes(routes([PathMatch.prefix('/'), [HeaderMatch.exact('x', '1')]], [PathMatch.regex('^/v')])))).toBeUndefined();
  });
});

describe('helpers', () => {
  test.each([
    ['Public', 'public'],
    ['PublicGateway', 'public-gateway'],
    ['HTTPSEdge', 'https-edge'],
    ['edge_1', 'edge-1'],
  ])('kebabCase(%s) = %s', (id, expected) => {
    expect(kebabCase(id)).toBe(expected);
  });

  test.each([
    [Duration.seconds(5), '5s'],
    [Duration.millis(250), '250ms'],
    [Duration.minutes(2), '120s'],
    [Duration.millis(1), '1ms'],
  ])('istioDuration(%s) = %s', (d, expected) => {
    expect(istioDuration(d)).toBe(expected);
  });

  test.each([
    ['a.example.com', 'a.example.com', true],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', '*.example.com', true],
    ['*.example.com', '*.b.example.com', true],
    ['*.example.com', 'example.com', false],
    ['a.example.com', '*.example.com', false],
    ['a.example.com', 'b.example.com', false],
  ])('hostCovers(%s, %s) = %s', (server, host, expected) => {
    expect(hostCovers(server, host)).toBe(expected);
  });
});
