import { findMeshConfig, parseAnalyzeOutput, parseValidateOutput } from '../../conformance/validate-analyze';
import { fieldForMessage, locateLine } from '../../conformance/yaml-locate';

const FILE = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: web',
  '  namespace: shop',
  'spec:',
  '  ports:',
  '    - name: foo',
  '      port: 80',
  '---',
  'apiVersion: networking.istio.io/v1',
  'kind: VirtualService',
  'metadata:',
  '  name: vs',
  '  namespace: shop',
  'spec:',
  '  hosts: [web]',
  '  gateways: [nogw]',
  '  http:',
  '    - route:',
  '        - destination: { host: web }',
  '---',
  'apiVersion: networking.istio.io/v1',
  'kind: DestinationRule',
  'metadata: { name: dr, namespace: shop }',
  'spec:',
  '  host: web',
  '  trafficPolicy: { loadBalancer: { simple: BOGUS } }',
  '',
].join('\n');

describe('yaml-locate', () => {
  test('a line is named by object and field path, list items by name', () => {
    expect(locateLine(FILE, 9)).toEqual({ document: 0, object: 'Service shop/web', field: '.spec.ports[foo].port' });
    expect(locateLine(FILE, 18)).toEqual({ document: 1, object: 'VirtualService shop/vs', field: '.spec.gateways[0]' });
    expect(locateLine(FILE, 21)?.field).toBe('.spec.http[0].route[0].destination.host');
  });

  test('a field is guessed from the value a message quotes', () => {
    const svc = { kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'foo', port: 80 }] } };
    expect(fieldForMessage(svc, 'service "web/shop/:" port "foo" does not follow the Istio naming convention')).toBe('.spec.ports[foo].name');
    expect(fieldForMessage(svc, 'nothing quoted here')).toBeUndefined();
  });
});

describe('istioctl validate output', () => {
  test('errors and warnings become messages with file, object and field', () => {
    const out = [
      'Error: 2 errors occurred:',
      '\t* Service/shop/web: service "web/shop/:" port "foo" does not follow the Istio naming convention.',
      '\t* DestinationRule/shop/dr: cannot parse proto message: unknown value "\\"BOGUS\\"" for enum SimpleLB',
    ].join('\n');
    expect(parseValidateOutput(out, 1, 'a.yaml', FILE)).toEqual([
      expect.objectContaining({ level: 'Error', resource: 'Service shop/web', field: '.spec.ports[foo].name' }),
      expect.objectContaining({ level: 'Error', resource: 'DestinationRule shop/dr', field: '.spec.trafficPolicy.loadBalancer.simple' }),
    ]);
    const warn = '"a.yaml" has warnings: \n\t* VirtualService/shop/vs: using deprecated setting "mirrorPercent"\n';
    expect(parseValidateOutput(warn, 0, 'a.yaml', FILE)).toMatchObject([{ level: 'Warning', resource: 'VirtualService shop/vs' }]);
    expect(parseValidateOutput('"a.yaml" is valid\n', 0, 'a.yaml', FILE)).toEqual([]);
  });

  test('a non-zero exit without a message still fails', () => {
    expect(parseValidateOutput('something odd', 1, 'a.yaml')).toMatchObject([{ level: 'Error', message: expect.stringContaining('exited 1') }]);
  });
});

describe('istioctl analyze output', () => {
  const readText = (f: string): string | undefined => (f === '/x/a.yaml' ? FILE : undefined);

  test('JSON messages are located by file:line; logged parse errors name the skipped object', () => {
    const stdout = [
      '2026-11-23T15:10:56.205138Z\twarn\tfile\terror processing /x/a.yaml[2]: unknown value "\\"BOGUS\\"" for enum SimpleLB - skipping',
      JSON.stringify([
        { code: 'IST0101', level: 'Error', message: 'Referenced gateway not found: "nogw"', origin: 'VirtualService shop/vs', reference: '/x/a.yaml:18' },
        { code: 'IST0118', level: 'Info', message: 'Port name foo', origin: 'Service shop/web', reference: '/x/a.yaml:1' },
      ]),
    ].join('\n');
    const messages = parseAnalyzeOutput(stdout, '', readText);
    expect(messages).toEqual([
      expect.objectContaining({ code: 'parse', level: 'Error', resource: 'DestinationRule shop/dr', field: '.spec.trafficPolicy.loadBalancer.simple' }),
      expect.objectContaining({ code: 'IST0101', level: 'Error', file: '/x/a.yaml:18', resource: 'VirtualService shop/vs', field: '.spec.gateways[0]' }),
      expect.objectContaining({ code: 'IST0118', level: 'Info', resource: 'Service shop/web', field: '.spec.ports[foo].name' }),
    ]);
  });

  test('output that is not JSON is an error', () => {
    expect(parseAnalyzeOutput('panic: boom', '', readText)).toMatchObject([{ level: 'Error', code: 'analyze' }]);
  });

  test('the mesh config is taken from ConfigMap istio first', () => {
    const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'istio-system' }, data: { mesh: name } });
    expect(findMeshConfig([cm('istio-canary'), cm('istio')])?.mesh).toBe('istio');
    expect(findMeshConfig([cm('istio-canary')])?.source).toBe('ConfigMap istio-system/istio-canary');
  });
});
