/**
 * The library takes workloads, Services and ServiceAccounts of any cdk8s-plus major: the same app
 * (test/fixtures/cdk8s-plus-compat/app-<major>.ts), written with cdk8s-plus 27, 33 (what
 * `cdk8s init typescript-app` installs) and 34, type-checks and renders the same policies and routing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as ts from 'typescript';
import { synthAll } from './zero-trust-fixture';

const MAJORS = ['27', '33', '34'];
const DIR = path.join(__dirname, 'fixtures', 'cdk8s-plus-compat');
const file = (major: string) => path.join(DIR, `app-${major}.ts`);

/** Kinds the library renders from what it reads off the user's objects. */
const MESH_KINDS = new Set(['AuthorizationPolicy', 'NetworkPolicy', 'PeerAuthentication', 'Sidecar', 'VirtualService', 'DestinationRule', 'Gateway']);

function synthesize(major: string): any[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { build } = require(file(major));
  const app = Testing.app();
  build(app);
  return synthAll(app);
}

const key = (o: any) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const meshObjects = (objects: any[]) => objects.filter((o) => MESH_KINDS.has(o.kind)).sort((a, b) => key(a).localeCompare(key(b)));
/** What the library reads from and writes to the user's Deployments: selector and pod labels. */
const deploymentLabels = (objects: any[]) => Object.fromEntries(objects.filter((o) => o.kind === 'Deployment' && o.metadata.namespace === 'shop')
  .map((d) => [d.metadata.name, { selector: d.spec.selector.matchLabels, pods: d.spec.template.metadata.labels }]));

describe('the same app on cdk8s-plus 27, 33 and 34', () => {
  const outputs = Object.fromEntries(MAJORS.map((m) => [m, synthesize(m)]));
  const find = (major: string, kind: string, name: string) => {
    const found = outputs[major].find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`cdk8s-plus-${major}: no ${kind} ${name}`);
    return found;
  };

  test('the fixtures differ only in the cdk8s-plus import line', () => {
    const lines = (m: string) => fs.readFileSync(file(m), 'utf8').split('\n');
    for (const m of MAJORS) {
      const imports = lines(m).filter((l) => l.startsWith('import') && l.includes('cdk8s-plus-'));
      expect(imports).toEqual([`import * as kplus from 'cdk8s-plus-${m}';`]);
      expect(lines(m).map((l) => l.replace(`cdk8s-plus-${m}`, 'cdk8s-plus-N'))).toEqual(lines('27').map((l) => l.replace('cdk8s-plus-27', 'cdk8s-plus-N')));
    }
  });

  test.each(MAJORS)('cdk8s-plus-%s: policies come from the workloads and service accounts it defines', (major) => {
    const apiPods = find(major, 'Deployment', 'api').spec.selector.matchLabels;
    expect(Object.keys(apiPods)).toEqual(['cdk8s.io/metadata.addr']);

    // Deployment -> its service account as principal, its pods for the NetworkPolicy.
    const fromWeb = find(major, 'AuthorizationPolicy', 'allow-shop-web-to-api');
    expect(fromWeb.spec.selector).toEqual({ matchLabels: apiPods });
    expect(fromWeb.spec.rules[0].from).toEqual([{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }]);
    const netpol = find(major, 'NetworkPolicy', 'allow-shop-web-to-api');
    expect(netpol.spec.podSelector).toEqual({ matchLabels: apiPods });
    expect(netpol.spec.ingress[0].from[0].podSelector).toEqual({ matchLabels: find(major, 'Deployment', 'web').spec.selector.matchLabels });

    // ServiceAccount of the app (chart namespace), and one imported by name into another namespace.
    expect(find(major, 'AuthorizationPolicy', 'allow-shop-auditor-to-api').spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/shop/sa/auditor']);
    expect(find(major, 'AuthorizationPolicy', 'allow-batch-reporter-to-web').spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/batch/sa/reporter']);
  });

  test.each(MAJORS)('cdk8s-plus-%s: routing comes from the Services and Deployments it defines', (major) => {
    // Gateway route to a Service: its name, namespace and only port.
    const edge = outputs[major].find((o) => o.kind === 'VirtualService' && o.spec.gateways?.includes('istio-ingress/public'));
    expect(edge.spec.http[0].route).toEqual([{ destination: { host: 'web.shop.svc.cluster.local', port: { number: 80 } } }]);

    // ServiceRouting: the version's labels are put on the Deployment's pods.
    expect(find(major, 'Deployment', 'api').spec.template.metadata.labels.version).toBe('v2');
    expect(find(major, 'DestinationRule', 'api').spec.subsets).toEqual([{ name: 'v2', labels: { version: 'v2' } }]);

    // CanaryRelease: pods labelled app + version, subsets by them, 90/10 weights on the given Service.
    expect(find(major, 'Deployment', 'catalog-v2').spec.template.metadata.labels).toMatchObject({ app: 'catalog', version: '3.3.0' });
    expect(find(major, 'DestinationRule', 'catalog').spec.subsets).toEqual([
      { name: 'stable', labels: { app: 'catalog', version: '3.2.0' } },
      { name: 'canary', labels: { app: 'catalog', version: '3.3.0' } },
    ]);
    expect(find(major, 'VirtualService', 'catalog').spec.http.at(-1).route.map((r: any) => [r.destination.subset, r.weight])).toEqual([['stable', 90], ['canary', 10]]);
  });

  test.each(MAJORS.slice(1))('cdk8s-plus-%s renders the same policies, routing and workload labels as cdk8s-plus-27', (major) => {
    expect(meshObjects(outputs[major]).length).toBeGreaterThan(15);
    expect(meshObjects(outputs[major])).toEqual(meshObjects(outputs['27']));
    expect(deploymentLabels(outputs[major])).toEqual(deploymentLabels(outputs['27']));
  });
});

describe('type checking (tsc) of the app against each major', () => {
  const configPath = path.join(__dirname, 'tsconfig.json');
  const config = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, ts.sys.readFile).config, ts.sys, __dirname);
  const options: ts.CompilerOptions = { ...config.options, noEmit: true, isolatedModules: false };
  // Controls the checker must reject: the inputs are constructs, not names; and the majors' classes are
  // nominally different types (why the inputs cannot be typed with cdk8s-plus-27 classes).
  const control = path.join(DIR, 'control.ts');
  const controlSource = [
    "import * as kplus27 from 'cdk8s-plus-27';",
    "import * as kplus33 from 'cdk8s-plus-33';",
    "import { MeshPeer, WorkloadSelector } from 'cdk8s-istio';",
    "MeshPeer.fromDeployment('web');",
    'WorkloadSelector.fromDeployment(42);',
    'declare const d33: kplus33.Deployment;',
    'export const nominal: kplus27.Deployment = d33;',
  ].join('\n');

  const diagnostics = (() => {
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile;
    host.getSourceFile = (name, target, ...rest) =>
      name === control ? ts.createSourceFile(name, controlSource, target) : getSourceFile(name, target, ...rest);
    const fileExists = host.fileExists;
    host.fileExists = (name) => name === control || fileExists(name);
    const program = ts.createProgram([...MAJORS.map(file), control], options, host);
    return ts.getPreEmitDiagnostics(program).map((d) => ({
      file: d.file ? path.relative(__dirname, d.file.fileName) : '',
      // `import("<root>/node_modules/cdk8s-plus-33/lib/deployment").Deployment` -> `cdk8s-plus-33.Deployment`
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0].replace(/import\("[^"]*node_modules\/([^/"]+)\/[^"]*"\)/g, '$1'),
    }));
  })();

  test.each(MAJORS)('app-%s.ts compiles', (major) => {
    expect(diagnostics.filter((d) => d.file === path.relative(__dirname, file(major)))).toEqual([]);
  });

  test('the checker runs: names are not constructs, and a cdk8s-plus-33 Deployment is no cdk8s-plus-27 Deployment', () => {
    expect(diagnostics.filter((d) => d.file.endsWith('control.ts')).map((d) => d.message)).toEqual([
      "Argument of type 'string' is not assignable to parameter of type 'IConstruct'.",
      "Argument of type 'number' is not assignable to parameter of type 'IConstruct'.",
      "Type 'cdk8s-plus-33.Deployment' is not assignable to type 'cdk8s-plus-27.Deployment'.",
    ]);
  });
});
