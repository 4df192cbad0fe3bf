import * as fs from 'fs';
import * as path from 'path';
import { App, Testing } from 'cdk8s';

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
