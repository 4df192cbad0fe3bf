import * as fs from 'fs';
import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import { ANALYZER_CASES, deployment, namespace, service } from '../conformance/analyzer-cases';
import { AnalyzerLevel, MeshAnalyzer, MeshInstallation, MeshProfile, ZeroTrustNamespace } from '../lib';

function build(fn: (chart: Chart) => void): { app: ReturnType<typeof Testing.app>; chart: Chart } {
  const app = Testing.app();
  const chart = new Chart(app, 'platform');
  fn(chart);
  return { app, chart };
}

describe.each(ANALYZER_CASES.map((c) => [`${c.code} ${c.title}`, c] as const))('%s', (_title, c) => {
  test('the failing app gets the finding on the object, with its construct path and a fix', () => {
    const { app } = build(c.fail);
    const findings = MeshAnalyzer.of(app).analyze().filter((f) => f.code === c.code);
    expect(findings.map((f) => f.object)).toContain(c.object);
    const f = findings.find((x) => x.object === c.object)!;
    expect(f.constructPath).toMatch(/^platform\//);
    expect(f.fix.length).toBeGreaterThan(10);
    expect(f.level).toBe(MeshAnalyzer.rules().find((r) => r.code === c.code)!.level);
  });

  test('the passing app does not', () => {
    const { app } = build(c.pass);
    expect(MeshAnalyzer.of(app).analyze().filter((f) => f.code === c.code)).toEqual([]);
  });
});

describe('MeshAnalyzer', () => {
  const subsetCase = ANALYZER_CASES.find((c) => c.code === 'IST0101' && c.title.includes('subset'))!;
  const warningCase = ANALYZER_CASES.find((c) => c.code === 'IST0128')!;

  test('implements every rule the issue asks for', () => {
    const codes = MeshAnalyzer.rules().map((r) => r.code);
    for (const code of ['IST0101', 'IST0106', 'IST0109', 'IST0112', 'IST0116', 'IST0137', 'IST0118', 'IST0127', 'IST0128', 'IST0129',
      'IST0130', 'IST0131', 'IST0132', 'IST0134', 'IST0138', 'IST0144', 'IST0145', 'IST0157', 'IST0162', 'IST0173', 'IST0174']) {
      expect(codes).toContain(code);
    }
    for (const code of new Set(ANALYZER_CASES.map((c) => c.code))) expect(codes).toContain(code);
  });

  test('an error fails the synthesis with the code, the object, its construct path and the fix', () => {
    const { app } = build(subsetCase.fail);
    expect(() => app.synthYaml()).toThrow(
      /IST0101 \(ReferencedResourceNotFound\) VirtualService shop\/reviews at platform\/VirtualService-shop-reviews-\d+: http\[0\]\.route\[0\] routes to subset "v3" of "reviews".*fix: add a subset named "v3"/);
  });

  test('nothing is written when the analyzer finds an error', () => {
    const outdir = Testing.app().outdir;
    const app = Testing.app({ outdir });
    subsetCase.fail(new Chart(app, 'platform'));
    expect(() => app.synth()).toThrow(/IST0101/);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test('a warning is printed once per synthesis and does not fail it', () => {
    const { app } = build(warningCase.fail);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      app.synthYaml();
      const lines = warn.mock.calls.map((args) => String(args[0])).filter((l) => l.includes('IST0128'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^\[platform\/DestinationRule-shop-payments-\d+\] warning IST0128 \(NoServerCertificateVerificationDestinationLevel\)/);
    } finally {
      warn.mockRestore();
    }
  });

  test('infos are returned but neither printed nor fatal', () => {
    const c = ANALYZER_CASES.find((x) => x.code === 'IST0118')!;
    const { app } = build(c.fail);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(() => app.synthYaml()).not.toThrow();
      expect(warn.mock.calls.filter((a) => String(a[0]).includes('IST0118'))).toEqual([]);
      expect(MeshAnalyzer.of(app).analyze().find((f) => f.code === 'IST0118')?.level).toBe(AnalyzerLevel.INFO);
    } finally {
      warn.mockRestore();
    }
  });

  test('disableRule() turns a rule off for the app', () => {
    const { app } = build(subsetCase.fail);
    MeshAnalyzer.of(app).disableRule('IST0101', 'subsets are created by Flagger at runtime');
    expect(MeshAnalyzer.of(app).analyze().filter((f) => f.code === 'IST0101')).toEqual([]);
    expect(() => app.synthYaml()).not.toThrow();
  });

  test('suppress() exempts the objects under a construct only', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    MeshAnalyzer.of(app);
    deployment(a, 'shop', 'reviews', { app: 'reviews' }, { securityContext: { runAsUser: 1337 } });
    deployment(b, 'shop', 'ratings', { app: 'ratings' }, { securityContext: { runAsUser: 1337 } });
    MeshAnalyzer.of(app).suppress(a, 'IST0144', 'legacy image, fixed in the next release');
    expect(MeshAnalyzer.of(app).analyze().filter((f) => f.code === 'IST0144').map((f) => f.object)).toEqual(['Deployment shop/ratings']);
  });

  test("Istio's galley.istio.io/analyze-suppress annotation on an object is honoured", () => {
    const { app, chart } = build(subsetCase.fail);
    const vs = chart.node.findAll().find((x) => x instanceof ApiObject && x.kind === 'VirtualService') as ApiObject;
    vs.metadata.addAnnotation('galley.istio.io/analyze-suppress', 'IST0130,IST0101');
    expect(MeshAnalyzer.of(app).analyze().filter((f) => f.code === 'IST0101')).toEqual([]);
  });

  test('disable() turns the analyzer off', () => {
    const { app } = build(subsetCase.fail);
    MeshAnalyzer.of(app).disable('migrating a legacy app');
    expect(() => app.synthYaml()).not.toThrow();
  });

  test('unknown codes and empty reasons are rejected with the fix', () => {
    const app = Testing.app();
    expect(() => MeshAnalyzer.of(app).disableRule('IST9999', 'x')).toThrow(/^\[MeshAnalyzer\] disableRule\(\): unknown analyzer code "IST9999"; use one of AMB0001, .*, GWA0001, GWA0002, .*, IST0101, IST0106, /);
    expect(() => MeshAnalyzer.of(app).suppress(app, 'IST0101', ' ')).toThrow(/'reason' must not be empty, got " "; say why/);
  });

  test('one analyzer per app, attached by every construct of the library', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'mesh');
    const mesh = new MeshInstallation(chart, 'Mesh', { profile: MeshProfile.MINIMAL });
    new ZeroTrustNamespace(new Chart(app, 'team'), 'Team', { name: 'team', mesh });
    expect(app.node.children.filter((c) => c instanceof MeshAnalyzer)).toHaveLength(1);
    expect(MeshAnalyzer.of(chart)).toBe(MeshAnalyzer.of(app));
  });

  test('sees references across charts: a route in one chart, the subset defined in another', () => {
    const app = Testing.app();
    const team = new Chart(app, 'team');
    const routing = new Chart(app, 'routing');
    MeshAnalyzer.of(app);
    namespace(team, 'shop');
    deployment(team, 'shop', 'reviews-v2', { app: 'reviews', version: 'v2' });
    service(team, 'shop', 'reviews', { app: 'reviews' });
    new ApiObject(routing, 'dr', { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: 'shop' }, spec: { host: 'reviews', subsets: [{ name: 'v2', labels: { version: 'v2' } }] } });
    new ApiObject(routing, 'vs', { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'shop' }, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] } });
    expect(MeshAnalyzer.of(app).analyze()).toEqual([]);
  });

  test('IST0106 checks escape-hatch patches on the objects of our constructs', () => {
    const app = Testing.app();
    const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', { profile: MeshProfile.MINIMAL });
    const team = new ZeroTrustNamespace(new Chart(app, 'team'), 'Team', { name: 'team', mesh });
    expect(MeshAnalyzer.of(app).analyze().filter((f) => f.code === 'IST0106')).toEqual([]);
    const pa = team.node.findAll().find((c) => c instanceof ApiObject && c.kind === 'PeerAuthentication') as ApiObject;
    pa.addJsonPatch(JsonPatch.replace('/spec/mtls/mode', 'SOMETIMES'));
    const schema = MeshAnalyzer.of(app).analyze().filter((f) => f.code === 'IST0106');
    expect(schema.map((f) => f.object)).toEqual(['PeerAuthentication team/default']);
    expect(schema[0].message).toMatch(/^\.spec\.mtls\.mode: /);
  });

  test('does not judge hosts in namespaces the app does not own', () => {
    const { app } = build((c) => {
      MeshAnalyzer.of(c);
      namespace(c, 'shop');
      new ApiObject(c, 'vs', { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r', namespace: 'shop' }, spec: { hosts: ['r'], http: [{ route: [{ destination: { host: 'ratings.other-team.svc.cluster.local' } }] }] } });
    });
    expect(MeshAnalyzer.of(app).analyze().filter((f) => f.code === 'IST0101')).toEqual([]);
  });
});
