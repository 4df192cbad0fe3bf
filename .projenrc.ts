import { cdk8s, javascript, JsonFile } from 'projen';

// Sources live in lib/ and jsii compiles them in place (lib/*.ts -> lib/*.js + .d.ts),
// as aws-cdk does. The compiled files are ignored by git; see the gitignore tweaks below.
const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-istio',
  description: 'A cdk8s construct library that defines a whole Istio service mesh in code',
  author: 'cdk8s-istio maintainers',
  authorAddress: 'maintainers@cdk8s-istio.invalid',
  repositoryUrl: 'https://github.com/cdk8s-istio/cdk8s-istio.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  srcdir: 'lib',
  libdir: 'lib',
  testdir: 'test',
  keywords: ['cdk8s', 'istio', 'service-mesh', 'kubernetes'],

  // Pins that install on a fresh machine of ours (see DEVELOPERS.md traps).
  jsiiVersion: '~6.0.13',
  typescriptVersion: '~5.9.3',
  cdk8sVersion: '2.70.106',
  constructsVersion: '10.8.1',
  jestOptions: {
    jestVersion: '^29',
    // Snapshots are reviewed like code: never rewrite them silently, and fail on an empty run.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      // jsii compiles next to the sources: resolve .ts before .js.
      moduleFileExtensions: ['ts', 'js', 'json', 'node'],
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/.cache/', '<rootDir>/dist/'],
      collectCoverage: false,
      // Examples import the package by name, as users do; tests resolve it to the sources.
      moduleNameMapper: { '^cdk8s-istio$': '<rootDir>/lib' },
    },
  },
  // The same mapping for type checks of the tests (tsc -p test/tsconfig.json).
  tsconfigDev: { compilerOptions: { paths: { 'cdk8s-istio': ['../lib'] } } },
  peerDeps: ['cdk8s-plus-27@^2.9.5'],
  // @bufbuild/cel parses access-log filters at synth time; its peer @bufbuild/protobuf ships with it.
  // ajv (with @bufbuild/cel) validates Istio custom resources against their CRD schemas at synth time
  // (lib/private/schema/crd-validator.ts, the analyzer's IST0106); the conformance suite uses it too.
  // re2js compiles route regexes with RE2's syntax (Envoy's engine), so a regex Envoy rejects fails at construction.
  bundledDeps: ['yaml@^2.9.1', '@bufbuild/cel@^0.6.1', '@bufbuild/protobuf@^2.6.2', 'ajv@^8.20.0', 're2js@^2.10.0'],
  devDeps: [
    'cdk8s-cli@^2.207.60',
    'cdk8s-plus-27@2.9.5',
    // The compatibility test (test/cdk8s-plus-compat.test.ts) runs the same app on each major;
    // cdk8s-plus-33 is what `cdk8s init typescript-app` installs.
    'cdk8s-plus-33@2.5.57',
    'cdk8s-plus-34@2.0.54',
    '@types/node@^20',
    'ts-jest@^29.4.15',
    'ts-node@^10.9.2',
    // Core Kubernetes schemas for the conformance suite; 4.x is the last major that runs on Node 20.
    'kubernetes-models@4.5.1',
    // Property-based tests (weights always sum to 100, every routed subset exists).
    'fast-check@^4',
  ],

  // This repo is not on GitHub Actions and does not release yet.
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  docgen: true,
  publishToPypi: { distName: 'cdk8s-istio', module: 'cdk8s_istio' },
  eslintOptions: {
    dirs: ['lib', 'examples', 'scripts', 'conformance'],
    devdirs: ['test', 'examples', 'scripts', 'conformance'],
    ignorePatterns: ['lib/imports/**', '*.js', '*.d.ts', 'node_modules/', '.cache/', 'dist/'],
  },
  gitignore: ['/.cache/', '/dist/', 'cdk8s-istio-*.tgz'],
});

// unrs-resolver 1.13 lists optional platform bindings the registry mirror does not serve,
// which breaks `npm ci` on a fresh machine; 1.12.2 installs cleanly.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// Compiled output lives beside the sources; keep the sources, ignore what jsii emits.
project.gitignore.removePatterns('/lib');
project.gitignore.exclude('/lib/**/*.js', '/lib/**/*.d.ts', '/examples/**/*.js', '/examples/**/*.d.ts', '/test/**/*.js', '/test/**/*.d.ts');
project.npmignore?.exclude('/lib/**/*.ts');
project.npmignore?.include('/lib/**/*.js', '/lib/**/*.d.ts');

// The root tsconfig.json is jsii's and covers lib/ only; these give the linter (and editors) a
// project for the TypeScript outside lib/ and test/. Examples import the package by name, as a
// user's app does (`from 'cdk8s-istio'`), so README snippets cut from them are copy-pasteable:
// `paths` resolves it for tsc and eslint, scripts/synth-examples.ts for ts-node, moduleNameMapper for jest.
for (const dir of ['examples', 'scripts', 'conformance']) {
  const paths = dir === 'examples' ? { paths: { 'cdk8s-istio': ['../lib'] } } : {};
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../tsconfig.json', compilerOptions: { noEmit: true, rootDir: '..', ...paths }, include: ['**/*.ts'] },
  });
}
// eslint resolves 'cdk8s-istio' in examples/ with the paths of examples/tsconfig.json.
const eslintrc = project.tryFindObjectFile('.eslintrc.json');
eslintrc?.addOverride('settings.import/resolver.typescript.project', ['./tsconfig.json', './examples/tsconfig.json']);
eslintrc?.addOverride('settings.import/resolver.typescript.noWarnOnMultipleProjects', true);

// API.md for the constructs (in the README's reading order) and docs/l1/ for the generated L1 classes.
project.tasks.tryFind('docgen')!.reset('ts-node --transpile-only scripts/docgen.ts');

// Builds the npm tarball and the Python wheel and checks what users get (API.md, exports, Python synth).
project.addTask('check:packages', {
  description: 'Build the npm and Python packages with jsii; check API.md, the README exports and a Python synth',
  exec: 'ts-node --transpile-only scripts/check-packages.ts',
});

// Synth speed and memory at platform scale against raw cdk8s and istioctl (prints figures; not a test).
project.addTask('bench', {
  description: 'Benchmark synth at platform scale (N = 100..2000 services) against the raw-cdk8s and istioctl baselines',
  exec: 'ts-node --transpile-only scripts/bench/run.ts',
  receiveArgs: true,
});

// Regenerates lib/imports/ (Istio L1 classes + the description-free CRD asset) from ../shared.
project.addTask('import:istio', {
  description: 'Regenerate lib/imports/ from ../shared/istio/crd-all.gen.yaml (descriptions stripped)',
  exec: 'ts-node --transpile-only scripts/import-istio.ts',
});

// Regenerates the Gateway API imports (L1 classes + both channels' CRD asset) from sigs.k8s.io/gateway-api
// v1.5.1, downloaded through the Go module proxy.
project.addTask('import:gateway-api', {
  description: 'Regenerate lib/imports/gateway.networking.k8s.io.ts and gateway-api-crds.ts from sigs.k8s.io/gateway-api v1.5.1 (descriptions stripped)',
  exec: 'ts-node --transpile-only scripts/import-gateway-api.ts',
});

// Synthesizes every examples/<name>.ts into dist/examples/<name>/.
project.addTask('synth', {
  description: 'Synthesize every example app into dist/examples/<example>/',
  exec: 'ts-node --transpile-only scripts/synth-examples.ts',
  receiveArgs: true,
});

// Holds everything we synthesize against the real Istio tools (builds istioctl on first run).
project.addTask('conformance', {
  description: 'Check synthesized manifests with the real istioctl (parity, injection, validate/analyze, schemas) and our analyzer against Istio\'s',
  exec: 'ts-node --transpile-only conformance/run.ts',
  receiveArgs: true,
});

// Admits everything we synthesize to a real kube-apiserver (server-side dry-run) and checks the control
// plane example for drift after a real apply (builds kube-apiserver, kubectl and etcd on first run).
project.addTask('conformance:apiserver', {
  description: 'Server-side dry-run of every example against a real kube-apiserver + etcd, and a drift check of mesh-default',
  exec: 'ts-node --transpile-only conformance/apiserver/run.ts',
  receiveArgs: true,
});

project.synth();
