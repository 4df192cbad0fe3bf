import { Chart, Testing, ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { CanaryRelease, ReleaseStrategy, ReleaseWorkload, RequestMatch, RoutedService, RouteTo, ServiceRouting } from '../lib';

function fx() {
  const app = Testing.app();
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  const mk = (v: string, labels: any = {}) => new kplus.Deployment(chart, `Reviews${v}`, {
    metadata: { name: `reviews-${v}` },
    podMetadata: { labels: { app: 'reviews', ...labels } },
    containers: [{ name: 'app', image: `reviews:${v}`, portNumber: 9080 }],
  });
  const svc = new kplus.Service(chart, 'Svc', { metadata: { name: 'reviews' }, selector: kplus.Pods.select(chart, 'P', { labels: { app: 'reviews' } }), ports: [{ name: 'http', port: 9080, targetPort: 9080 }] });
  return { app, chart, mk, svc };
}
const tryit = (name: string, f: () => any) => { try { const r = f(); console.log(name, 'OK', r === undefined ? '' : JSON.stringify(r, null, 1)); } catch (e) { console.log(name, 'THROWS', (e as Error).message); } };

test('scratch', () => {
  tryit('unknown version', () => {
    const { app, chart, mk, svc } = fx();
    mk('v1');
    new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(svc), versions: [{ name: 'v1' }], routes: [{ to: RouteTo.version('v9') }] });
    app.synthYaml();
  });
  tryit('selector no pods', () => {
    const { app, chart, mk, svc } = fx();
    mk('v1', { version: 'v1' });
    new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(svc), versions: [{ name: 'v1' }, { name: 'v2', selector: { version: 'v2' } }], routes: [{ to: RouteTo.weights({ v1: 50, v2: 50 }) }] });
    app.synthYaml();
  });
  tryit('unselected workload', () => {
    const { chart, svc } = fx();
    const d = new kplus.Deployment(chart, 'Other', { metadata: { name: 'ratings' }, podMetadata: { labels: { app: 'ratings' } }, containers: [{ image: 'r', portNumber: 1 }] });
    new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(svc), versions: [{ name: 'v1', workload: d }], routes: [{ to: RouteTo.version('v1') }] });
  });
  tryit('contradicting version label', () => {
    const { chart, mk, svc } = fx();
    const d = mk('v1', { version: 'old' });
    new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(svc), versions: [{ name: 'v1', workload: d }], routes: [{ to: RouteTo.version('v1') }] });
  });
  tryit('no routes', () => {
    const { app, chart, mk, svc } = fx();
    mk('v1');
    new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(svc), versions: [{ name: 'v1' }] });
    app.synthYaml();
  });
  tryit('shadow same construct', () => {
    const { chart, svc } = fx();
    new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(svc), versions: [{ name: 'v1' }, { name: 'v2' }], routes: [{ to: RouteTo.version('v1') }, { matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') }] });
  });
  tryit('dup name', () => {
    const { chart, svc } = fx();
    new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(svc), versions: [{ name: 'v1' }, { name: 'v2' }], routes: [{ name: 'a', matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') }, { name: 'a', to: RouteTo.version('v1') }] });
  });
  const w = (weights: any) => tryit(`weights ${JSON.stringify(weights)}`, () => {
    const { chart, svc } = fx();
    new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(svc), versions: [{ name: 'v1' }, { name: 'v3' }], routes: [{ to: RouteTo.weights(weights) }] });
  });
  w({ v1: 90, v3: 20 }); w({ v1: 89.5, v3: 10.5 }); w({ v1: '90', v3: 10 }); w({}); w({ v1: -10, v3: 110 }); w({ v1: 100, v3: 0 }); w(null);
  const m = (name: string, match: any, extra: any = {}) => tryit(name, () => {
    const { chart, svc } = fx();
    new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(svc), versions: [{ name: 'v1' }, { name: 'v3' }], routes: [{ matches: match ? [match] : undefined, to: RouteTo.version('v3'), ...extra }, { to: RouteTo.version('v1') }] });
  });
  m('lookahead header', RequestMatch.headerRegex('x', '(?=x)'));
  m('lookahead path', RequestMatch.pathRegex('/a(?=x)'));
  m('backref query', RequestMatch.queryParamRegex('q', '(a)\\1'));
  m('newline header', RequestMatch.headerExact('x', 'a\nb'));
  m('cookie ;', RequestMatch.cookie('user', 'a;b'));
  m('retryOn', RequestMatch.headerExact('x', 'a'), { retries: { attempts: 2, retryOn: ['5xx', 'bogus'] } });
  m('to+redirect', RequestMatch.headerExact('x', 'a'), { redirect: { uri: '/x' } });
  m('no to', RequestMatch.headerExact('x', 'a'), { to: undefined });
  m('mirror self', RequestMatch.headerExact('x', 'a'), { mirror: { version: 'v3' } });
  m('method lower', RequestMatch.method('get'));
  m('path no slash', RequestMatch.pathPrefix('api'));
  m('sourceNamespace bad', RequestMatch.sourceNamespace('Bad_NS'));
  tryit('service string', () => { const { chart } = fx(); new ServiceRouting(chart, 'Routing', { service: 'reviews' as any }); });
  tryit('version null name', () => { const { chart, svc } = fx(); new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(svc), versions: [{ name: null as any }] }); });
  tryit('version null', () => { const { chart, svc } = fx(); new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(svc), versions: [null as any] }); });
  tryit('RouteTo.version(undefined)', () => { const { chart, svc } = fx(); new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(svc), routes: [{ to: RouteTo.version(undefined as any) }] }); });
  tryit('kube svc', () => {
    const { chart } = fx();
    const s = new k8s.KubeService(chart, 'Kube', { metadata: { name: 'ratings' }, spec: { selector: { app: 'ratings' }, ports: [{ port: 9080, name: 'http' }] } });
    const r = new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(s), versions: [{ name: 'v1' }], routes: [{ to: RouteTo.version('v1') }] });
    return [r.serviceName, r.namespace, r.port];
  });
  tryit('apiobject svc', () => {
    const { chart } = fx();
    const s = new ApiObject(chart, 'Raw', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'details', namespace: 'other' }, spec: { selector: { app: 'details' }, ports: [{ port: 80, name: 'http' }, { port: 8443, name: 'https' }] } });
    const r = new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(s, 80), versions: [{ name: 'v1' }], routes: [{ to: RouteTo.version('v1') }] });
    return [r.serviceName, r.namespace, r.port];
  });
  tryit('apiobject svc https port', () => {
    const { chart } = fx();
    const s = new ApiObject(chart, 'Raw', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'details', namespace: 'other' }, spec: { selector: { app: 'details' }, ports: [{ port: 80, name: 'http' }, { port: 8443, name: 'https' }] } });
    new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(s, 8443), versions: [{ name: 'v1' }], routes: [{ to: RouteTo.version('v1') }] });
  });
  tryit('apiobject svc no port', () => {
    const { chart } = fx();
    const s = new ApiObject(chart, 'Raw', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'details', namespace: 'other' }, spec: { selector: { app: 'details' }, ports: [{ port: 80, name: 'http' }, { port: 8443, name: 'https' }] } });
    new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(s), versions: [{ name: 'v1' }], routes: [{ to: RouteTo.version('v1') }] });
  });
  tryit('deployment as svc', () => {
    const { chart, mk } = fx();
    new ServiceRouting(chart, 'Routing', { service: RoutedService.fromService(mk('v1')), versions: [{ name: 'v1' }], routes: [{ to: RouteTo.version('v1') }] });
  });
  tryit('fromName', () => {
    const { app, chart } = fx();
    const r = new ServiceRouting(chart, 'Routing', { service: RoutedService.fromName('payments', 'billing', 8080), versions: [{ name: 'v1', selector: { track: 'nope' } }], routes: [{ to: RouteTo.version('v1') }] });
    app.synthYaml();
    return [r.serviceName, r.namespace, r.port, Testing.synth(chart).filter((o) => o.kind !== 'Deployment' && o.kind !== 'Service')];
  });
  tryit('release static first', () => {
    const { chart, mk, svc } = fx();
    const v1 = mk('v1', { version: 'v1' }); const v2 = mk('v2', { version: 'v2' });
    new CanaryRelease(chart, 'Release', { service: svc, stable: ReleaseWorkload.fromDeployment(v1), canary: ReleaseWorkload.fromDeployment(v2), strategy: ReleaseStrategy.staticWeight(20), printPlan: false });
    new ServiceRouting(chart, 'Routing', { service: RoutedService.fromName('reviews', 'shop', 9080), routes: [{ name: 'jason', matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') }] });
    return Testing.synth(chart).filter((o) => o.kind === 'VirtualService' || o.kind === 'DestinationRule').map((o) => o.kind + '/' + o.metadata.name + ' ' + (o.spec.http ?? []).map((h: any) => h.name).join(','));
  });
});
