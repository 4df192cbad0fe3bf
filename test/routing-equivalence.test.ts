/**
 * The examples route requests as they did before the routing rewrite. Each
 * test/fixtures/routing-baseline/<example>.json (written by generate.ts from the examples as
 * synthesized before the rewrite) lists probes and their semantic routing: which pods (namespace +
 * labels) get what share, mirrors, fault, timeout, retries... For every probe, the current example
 * must route the same, unless the probe is listed in INTENDED_CHANGES, where it must differ (so the
 * list cannot go stale).
 */
import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { App, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { canonicalize, describeProbe, JsonValue, resolveRequest, RouteRequest, semanticRouting } from './helpers/route-resolver';

/** An intended routing change: `probe` is the probe's description (describeProbe, as printed by a failure). */
interface IntendedChange {
  probe: string;
  why: string;
}

/**
 * Example name -> probes whose routing the rewrite changes on purpose, e.g.
 *   'canary-static': [{ probe: 'mesh GET reviews/ from=storefront', why: 'the canary starts at 5%' }],
 * Do not regenerate the baseline from the rewritten code: it records the routing before the rewrite.
 */
const INTENDED_CHANGES: Record<string, IntendedChange[]> = {
  'government-test-user': [
    { probe: 'mesh GET calculator.benefits.svc.cluster.local/ from=benefits', why: 'the delay is injected for the test user only, no longer into everyone\'s requests' },
    { probe: 'mesh GET calculator/ from=benefits', why: 'the delay is injected for the test user only, no longer into everyone\'s requests' },
  ],
};

const EXAMPLES = path.resolve(__dirname, '..', 'examples');
const BASELINE = path.join(__dirname, 'fixtures', 'routing-baseline');
const baselines = fs.readdirSync(BASELINE).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();

interface BaselineEntry {
  probe: RouteRequest;
  routing: JsonValue;
}

/** The current example's objects, synthesized as test/examples.test.ts does. */
function synthObjects(name: string): unknown[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const example = require(path.join(EXAMPLES, name));
  const app: App = typeof example.createApp === 'function' ? example.createApp({ outdir: Testing.app().outdir }) : Testing.app();
  // CanaryRelease prints its plan on console.error at synth: not what this test is about.
  const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    example.build(app);
    return parseAllDocuments(app.synthYaml()).map((d) => d.toJS() as unknown).filter((o) => o !== null && o !== undefined);
  } finally {
    quiet.mockRestore();
  }
}

const routingOf = (objects: readonly unknown[], probe: RouteRequest): JsonValue =>
  canonicalize(JSON.parse(JSON.stringify(semanticRouting(resolveRequest(objects, probe)))) as JsonValue);

test('every baseline names an existing example, every INTENDED_CHANGES key a baseline', () => {
  expect(baselines.length).toBeGreaterThan(0);
  for (const name of baselines) {
    expect(fs.existsSync(path.join(EXAMPLES, `${name}.ts`)) ? name : `${name} (no examples/${name}.ts)`).toBe(name);
  }
  expect(Object.keys(INTENDED_CHANGES).filter((name) => !baselines.includes(name))).toEqual([]);
});

describe.each(baselines)('examples/%s.ts routes as before the rewrite', (name) => {
  const entries = JSON.parse(fs.readFileSync(path.join(BASELINE, `${name}.json`), 'utf8')) as BaselineEntry[];
  const intended = new Map((INTENDED_CHANGES[name] ?? []).map((c) => [c.probe, c.why]));
  let objects: unknown[];
  beforeAll(() => {
    objects = synthObjects(name);
  });

  test('INTENDED_CHANGES names only probes of the baseline', () => {
    const known = new Set(entries.map((e) => describeProbe(e.probe)));
    expect([...intended.keys()].filter((p) => !known.has(p))).toEqual([]);
  });

  test.each(entries.map((e) => [describeProbe(e.probe), e] as const))('%s', (description, entry) => {
    const actual = routingOf(objects, entry.probe);
    const why = intended.get(description);
    if (why !== undefined) {
      if (isDeepStrictEqual(actual, entry.routing)) {
        throw new Error(`listed in INTENDED_CHANGES (${why}) but routes as in the baseline: remove the entry`);
      }
    } else {
      expect(actual).toEqual(entry.routing);
    }
  });
});
