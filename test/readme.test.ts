import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.ts')).sort();
const exampleLines = new Set(examples.flatMap((f) =>
  fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8').split('\n').map((l) => l.trim())));

/** The README's TypeScript snippets. */
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('README', () => {
  test('has TypeScript snippets', () => {
    expect(snippets.length).toBeGreaterThan(3);
  });

  test.each(snippets.map((s, i) => [i + 1, s]))('snippet %i is cut from a compiled example', (_i, snippet) => {
    const code = (snippet as string).split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('//'));
    expect(code.filter((l) => !exampleLines.has(l))).toEqual([]);
  });

  test.each(examples)('lists examples/%s with the situation it solves', (file) => {
    expect(readme).toContain(`examples/${file}`);
  });
});
