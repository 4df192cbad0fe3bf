import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.ts')).sort();
const exampleLines = new Set(examples.flatMap((f) =>
  fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8').split('\n').map((l) => l.trim())));

/** The README's TypeScript snippets. */
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

/** `import { A, B } from 'module';` or `import * as x from 'module';` */
const IMPORT = /^import (?:\{ ([^}]+) \}|\* as (\w+)) from '([^']+)';$/;

/** Code without string literals and comments, to find the names a snippet uses. */
const code = (snippet: string) => snippet.replace(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|"(?:[^"\\\n]|\\.)*"/g, "''").replace(/\/\/.*/g, '');

/** A snippet that is a part of an object (`key: value`, `{ ... }`) rather than statements: it gets no imports. */
const isFragment = (snippet: string) => {
  const first = snippet.split('\n').map((l) => l.trim()).find((l) => l.length > 0 && !l.startsWith('//')) ?? '';
  return first.startsWith('{') || /^[\w.]+:\s/.test(first);
};

/** Whether `module` exports `name`: a value at runtime, or an interface in its declarations. */
function exports(module: string, name: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (require(module)[name] !== undefined) return true;
  const dir = module === 'cdk8s-istio' ? path.join(ROOT, 'lib') : path.dirname(require.resolve(`${module}/package.json`));
  const declarations = fs.readdirSync(path.join(dir, module === 'cdk8s-istio' ? '' : 'lib'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts')).map((f) => fs.readFileSync(path.join(dir, module === 'cdk8s-istio' ? '' : 'lib', f), 'utf8'));
  return declarations.some((d) => new RegExp(`export (?:declare )?interface ${name}\\b|^\\s*interface ${name}\\b`, 'm').test(d));
}

/** Names a snippet uses that the library or cdk8s export (values), and the cdk8s-plus namespaces it uses. */
function usedNames(snippet: string): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require('cdk8s-istio'); const cdk8s = require('cdk8s');
  const c = code(snippet);
  const pascal = [...c.matchAll(/(?<![.\w])([A-Z]\w*)\b/g)].map((m) => m[1]).filter((n) => lib[n] !== undefined || cdk8s[n] !== undefined);
  const namespaces = [...c.matchAll(/(?<![.\w])([a-z]\w*)\./g)].map((m) => m[1])
    .filter((n) => n === 'k8s' || n === 'kplus' || (/^[a-z]+$/.test(n) && typeof lib[n] === 'object' && lib[n] !== null && n !== 'default'));
  return [...new Set([...pascal, ...namespaces])].sort();
}

describe('README', () => {
  test('has TypeScript snippets', () => {
    expect(snippets.length).toBeGreaterThan(3);
  });

  test.each(snippets.map((s, i) => [i + 1, s]))('snippet %i is cut from a compiled example', (_i, snippet) => {
    const lines = (snippet as string).split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('//') && !IMPORT.test(l));
    expect(lines.filter((l) => !exampleLines.has(l))).toEqual([]);
  });

  // Copy-pasteable: every snippet made of statements imports what it uses, from the package that exports it.
  test.each(snippets.map((s, i) => [i + 1, s]).filter(([, s]) => !isFragment(s as string)))('snippet %i imports what it uses', (_i, snippet) => {
    const imported = new Map<string, string>();
    for (const line of (snippet as string).split('\n')) {
      const m = IMPORT.exec(line.trim());
      if (!m) continue;
      if (m[2]) imported.set(m[2], m[3]);
      for (const name of (m[1] ?? '').split(',').map((n) => n.trim()).filter((n) => n.length > 0)) imported.set(name, m[3]);
    }
    expect([...imported].filter(([name, module]) => name !== 'kplus' && !exports(module, name)).map(([n, m]) => `${n} from ${m}`)).toEqual([]);
    expect(usedNames(snippet as string).filter((n) => !imported.has(n))).toEqual([]);
  });

  test.each(examples)('lists examples/%s with the situation it solves', (file) => {
    expect(readme).toContain(`examples/${file}`);
  });
});
