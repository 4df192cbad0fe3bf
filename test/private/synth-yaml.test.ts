import { Yaml } from 'cdk8s';
import * as fc from 'fast-check';
import { stringifyDocument, stringifyDocuments } from '../../lib/private/synth/yaml';

/** Strings the `yaml` package treats specially (types of the YAML 1.1 schema, indicators, markers) and plain ones. */
const TRICKY = ['', 'yes', 'No', 'ON', 'off', 'y', 'n', 'null', 'Null', '~', 'true', 'False', '8080', '-1', '+1', '0o17', '017', '0x1F', '0b101',
  '1e3', '1.5', '.5', '1_000', '.inf', '-.Inf', '.nan', '190:20:30', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '<<', '-', '?', '---', '...',
  '--- a', '%YAML', '- a', '? a', 'a: b', 'a:b', 'a #b', 'a#b', 'a ', ' a', 'a:', '#a', '&a', '*a', '!a', '|a', '>a', "'a", '"a', '@a', '`a',
  '[a]', '{a}', 'a,b', "it's", 'say "hi"', '"x" \'y\'', 'a\tb', 'a\nb', 'a\n', '\n', 'a\u0001b', 'a\u0085b', 'caf\u00e9', '\ud83d\ude00', 'x'.repeat(1100),
  'a\n\n', '\na', ' a\nb', 'a\n ', 'a\n\t', 'a\n b\n', 'line one\nline two\n', '--- a\nb', '... \n', 'a\r\nb', '  \n  ', '\n\n', '# c\nd',
  `${'x'.repeat(50)}\n  ${'y'.repeat(50)}\n\n`, 'a\u0001\nb',
  'registry.example/svc:1.0.0', 'app.kubernetes.io/name', 'GET', '10s', '0.0.0.0/0', '*.example.com', 'outbound|9080||reviews.shop.svc.cluster.local'];

const alphabet = fc.constantFrom(...'aZy n0179e.x_/-:#?"\'\t\n *&!|>%@`[]{},~<+\u0001\u00e9'.split(''));
const strings = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: alphabet, maxLength: 12 }), fc.string({ maxLength: 8 }));
const scalars = fc.oneof(strings, fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.constant(1e21), fc.constant(-0));
const { doc } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalars, tie('array'), tie('doc')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  doc: fc.dictionary(strings, tie('value'), { maxKeys: 5 }),
}));

describe('stringifyDocument writes what cdk8s Yaml.stringify writes', () => {
  test('generated documents (strings the YAML 1.1 schema reads as other types, indicators, quotes, control characters)', () => {
    fc.assert(fc.property(doc, (d) => {
      expect(stringifyDocument(d)).toEqual(Yaml.stringify(d));
    }), { numRuns: 3000 });
  });

  test.each(TRICKY.map((s) => [s]))('%j as key, value and item', (s) => {
    const d = { [s]: s, list: [s, { [s]: [s] }, [[s]]], nested: { a: { [s]: 1, b: s, c: [s, { d: s }] } }, last: s };
    expect(stringifyDocument(d)).toEqual(Yaml.stringify(d));
  });

  test('an object used twice in one document (yaml writes an anchor and an alias), empty collections, several documents', () => {
    const labels = { app: 'reviews' };
    const docs = [{ a: labels, b: labels }, {}, { a: [], b: {}, c: [[], {}, [[]]] }, undefined, { kind: 'ConfigMap' }];
    expect(stringifyDocument(docs[0])).toContain('&a1');
    for (const d of docs) expect(stringifyDocument(d)).toEqual(Yaml.stringify(d));
    expect(stringifyDocuments(docs)).toEqual(Yaml.stringify(...docs));
    expect(stringifyDocuments([])).toEqual(Yaml.stringify());
  });
});
