import { Testing } from 'cdk8s';
import { RequestMatch } from '../lib';
import { routes, staticRelease } from './canary-fixture';

/** The Istio match a RequestMatch renders to, through a release. */
function rendered(match: RequestMatch): any {
  return routes(Testing.synth(staticRelease(0, { canaryMatches: [match] }).chart))['canary-match-1'].match[0];
}

describe('RequestMatch', () => {
  test.each([
    [RequestMatch.headerExact('X-User', 'tester'), { headers: { 'x-user': { exact: 'tester' } } }],
    [RequestMatch.headerPrefix('x-build', 'rc-'), { headers: { 'x-build': { prefix: 'rc-' } } }],
    [RequestMatch.headerRegex('x-team', 'qa|ops'), { headers: { 'x-team': { regex: 'qa|ops' } } }],
    [RequestMatch.cookie('user', 'a+b'), { headers: { cookie: { regex: '^(.*?;\\s*)?(user=a\\+b)(;.*)?$' } } }],
    [RequestMatch.sourceLabels({ version: 'v2', app: 'qa' }), { sourceLabels: { app: 'qa', version: 'v2' } }],
    [RequestMatch.allOf([RequestMatch.headerExact('x-a', '1'), RequestMatch.sourceLabels({ app: 'qa' })]),
      { headers: { 'x-a': { exact: '1' } }, sourceLabels: { app: 'qa' } }],
  ])('%# renders one HTTPMatchRequest', (match, expected) => {
    expect(rendered(match)).toEqual(expected);
  });

  test('describes itself for the plan', () => {
    expect(RequestMatch.allOf([RequestMatch.cookie('beta', 'on'), RequestMatch.sourceLabels({ app: 'qa' })])._description)
      .toBe('cookie beta=on and sender pods labelled app=qa');
  });

  test.each([
    [RequestMatch.allOf([]), /'canaryMatches\[0\]' is an empty match \(RequestMatch.allOf\(\[\]\)\), which would match every request/],
    [RequestMatch.headerExact('x-user', ''), /'canaryMatches\[0\]' has an empty value for header "x-user"/],
    [RequestMatch.headerExact('x user', 'a'), /'canaryMatches\[0\]' header name "x user" is not a valid HTTP header name/],
    [RequestMatch.allOf([RequestMatch.headerExact('x', 'a'), RequestMatch.headerPrefix('x', 'b')]), /tests header "x" twice/],
    [RequestMatch.sourceLabels({}), /'canaryMatches\[0\]' has an empty sourceLabels match/],
    [RequestMatch.allOf([RequestMatch.sourceLabels({ app: 'a' }), RequestMatch.sourceLabels({ app: 'b' })]),
      /requires source label app to be both "a" and "b"/],
  ])('%# fails with the fix', (match, message) => {
    expect(() => staticRelease(0, { canaryMatches: [match] })).toThrow(message);
  });
});
