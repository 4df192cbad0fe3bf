import * as fs from 'fs';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { ExampleBuild, exampleBuilds, selectBuilds } from '../scripts/synth-examples';

const EXAMPLES = path.resolve(__dirname, '..', 'examples');
const names = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3)).sort();

/** Synthesizes an example on a test app, as `npm run synth` does, and returns the YAML. */
function synthYaml(name: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const example = require(path.join(EXAMPLES, name));
  // An example may bring its own App (e.g. a GitOpsApp) through createApp(props).
  const app: App = typeof example.createApp === 'function' ? example.createApp({ outdir: Testing.app().outdir }) : Testing.app();
  example.build(app);
  return app.synthYaml();
}

/** Synthesizes one build of an example (a variant) as `npm run synth` does, and returns the YAML. */
function synthBuildYaml(b: ExampleBuild): string {
  const app: App = b.createApp ? b.createApp({ outdir: Testing.app().outdir }) : Testing.app();
  b.build(app);
  return app.synthYaml();
}

/** The examples' variants (dist/examples/<example>.<variant>/). */
const variants = names.flatMap(exampleBuilds).filter((b) => b.variant !== undefined);

/** Snapshots would double the CRD schemas for every example: they are asserted in mesh-installation.test.ts. */
function hideCrdSchemas(yamlText: string): string {
  return yamlText.split('\n---\n').map((doc) =>
    doc.startsWith('apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition')
      ? doc.replace(/\nspec:\n[\s\S]*$/, '\nspec: <schema from lib/imports/istio-crds.ts>')
      : doc).join('\n---\n');
}

describe.each(names)('examples/%s.ts', (name) => {
  test('synthesizes (snapshot)', () => {
    expect(hideCrdSchemas(synthYaml(name))).toMatchSnapshot();
  });

  test('is deterministic: same code, byte-identical YAML', () => {
    expect(synthYaml(name)).toEqual(synthYaml(name));
  });
});

// Variants are snapshotted apart, so the default builds' snapshots stay as they are.
describe.each(variants.map((b) => [b.folder, b] as const))('examples variant %s', (_folder, b) => {
  test('synthesizes (snapshot)', () => {
    expect(hideCrdSchemas(synthBuildYaml(b))).toMatchSnapshot();
  });

  test('is deterministic: same code, byte-identical YAML', () => {
    expect(synthBuildYaml(b)).toEqual(synthBuildYaml(b));
  });

  test('differs from the default build', () => {
    expect(synthBuildYaml(b)).not.toEqual(synthYaml(b.example));
  });
});

describe('npm run synth: which builds', () => {
  test('every variant is an ambient one, written to <example>.<variant>', () => {
    expect(variants.map((b) => b.folder)).toEqual([
      'canary-gateway-api.ambient',
      'canary-static.ambient',
      'gateway-api-ingress.ambient',
      'ingress-tls.ambient',
      'small-business-platform.ambient',
      'zero-trust-segmentation.ambient',
    ]);
  });

  test('NAME selects the example and its variants, NAME.VARIANT one variant', () => {
    expect(selectBuilds(['canary-static']).map((b) => b.folder)).toEqual(['canary-static', 'canary-static.ambient']);
    expect(selectBuilds(['canary-static.ambient', 'first-app']).map((b) => b.folder)).toEqual(['canary-static.ambient', 'first-app']);
  });

  test('an unknown variant is named with the ones there are', () => {
    expect(() => selectBuilds(['canary-static.sidecar'])).toThrow(
      'examples/canary-static.ts has no variant "sidecar"; it has: canary-static, canary-static.ambient');
  });

  test('a variants export that is not an object of named builds is refused, naming the example', () => {
    // GIVEN
    const fake = (name: string, exports: object) => jest.doMock(path.join(EXAMPLES, name), () => exports, { virtual: true });
    const build = () => undefined;
    fake('fake-list', { build, variants: [build] });
    fake('fake-name', { build, variants: { Ambient: build } });
    fake('fake-value', { build, variants: { ambient: 'DataPlane.AMBIENT' } });
    fake('fake-build', { variants: { ambient: build } });

    // THEN
    expect(() => exampleBuilds('fake-list')).toThrow(
      "examples/fake-list.ts: 'variants' must be an object of builds by name, e.g. { ambient: (app: App) => build(app, DataPlane.AMBIENT) }");
    expect(() => exampleBuilds('fake-name')).toThrow(
      'examples/fake-name.ts: variant name "Ambient" must be a DNS label (lower-case letters, digits, \'-\'), e.g. ambient');
    expect(() => exampleBuilds('fake-value')).toThrow('examples/fake-value.ts: variant "ambient" must be a function (app: App) => void');
    expect(() => exampleBuilds('fake-build')).toThrow('examples/fake-build.ts must export build(app: App)');
  });
});
