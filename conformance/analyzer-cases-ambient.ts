/**
 * The analyzer cases about ambient mode (see analyzer-cases.ts for how cases are used). Istio 1.30
 * has analyzers for three of them (IST0167 Sidecars for ambient pods, IST0123 several enrolment
 * labels, IST0106 targetRefs its validation rejects); the AMB cases are this library's checks, which
 * Istio has no analyzer for: istiod reports them only as status from its ambient index
 * (ZtunnelAccepted on AuthorizationPolicies, istio.io/WaypointBound on Services; nothing on Pods),
 * which the conformance check reads by running that index on the app (`istioAmbient`). AMB0006 has
 * no Istio counterpart at all.
 */
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { AnalyzerCase } from './analyzer-cases';
import { MeshAnalyzer } from '../lib';

type Spec = Record<string, unknown>;

let counter = 0;
function obj(scope: Construct, apiVersion: string, kind: string, namespace: string | undefined, name: string, spec: Spec | undefined,
  metadata: Spec = {}): void {
  new ApiObject(scope, `${kind}-${namespace ?? ''}-${name}-${counter++}`, {
    apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...metadata }, ...(spec ? { spec } : {}),
  });
}

/** A Namespace with the given labels. */
function ns(scope: Construct, name: string, labels: Record<string, string>): void {
  obj(scope, 'v1', 'Namespace', undefined, name, undefined, { labels });
}

const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };

/** A Deployment `shop/<name>` whose pods carry `labels`, and a Service `<name>` on 8080 for it. */
function app(scope: Construct, name: string, labels: Record<string, string> = {}, serviceLabels: Record<string, string> = {}): void {
  obj(scope, 'apps/v1', 'Deployment', 'shop', name, {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name, ...labels } }, spec: { containers: [{ name: 'app', image: `registry.example/${name}:1.0.0`, ports: [{ containerPort: 8080 }] }] } },
  });
  obj(scope, 'v1', 'Service', 'shop', name, { selector: { app: name }, ports: [{ name: 'http', port: 8080 }] }, { labels: serviceLabels });
}

/** The ambient namespace `shop` (labels overridable) with the reviews workload and Service, and the analyzer attached. */
function ambientShop(chart: Chart, nsLabels: Record<string, string> = AMBIENT, podLabels: Record<string, string> = {},
  serviceLabels: Record<string, string> = {}): void {
  MeshAnalyzer.of(chart);
  ns(chart, 'shop', nsLabels);
  app(chart, 'reviews', podLabels, serviceLabels);
}

/** A waypoint Gateway (class istio-waypoint, HBONE on 15008) with labels and the listener's allowedRoutes. */
function waypoint(chart: Chart, namespace: string, name: string, labels: Record<string, string> = {}, allowedRoutes?: Spec): void {
  obj(chart, 'gateway.networking.k8s.io/v1', 'Gateway', namespace, name, {
    gatewayClassName: 'istio-waypoint',
    listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE', ...(allowedRoutes ? { allowedRoutes } : {}) }],
  }, { labels });
}

function authz(chart: Chart, name: string, spec: Spec): void {
  obj(chart, 'security.istio.io/v1', 'AuthorizationPolicy', 'shop', name, spec);
}

const REVIEWS = { matchLabels: { app: 'reviews' } };
const FROM_FRONTEND = { source: { principals: ['cluster.local/ns/shop/sa/frontend'] } };

const NO_ANALYZER = 'Istio 1.30 has no analyzer for it: ';

export const AMBIENT_CASES: AnalyzerCase[] = [
  {
    code: 'IST0167',
    title: 'namespace-wide Sidecar in an ambient namespace',
    object: 'Sidecar shop/default',
    fail: (c) => { ambientShop(c); obj(c, 'networking.istio.io/v1', 'Sidecar', 'shop', 'default', { egress: [{ hosts: ['./*', 'istio-system/*'] }] }); },
    pass: (c) => { ambientShop(c, { 'istio-injection': 'enabled' }); obj(c, 'networking.istio.io/v1', 'Sidecar', 'shop', 'default', { egress: [{ hosts: ['./*', 'istio-system/*'] }] }); },
  },
  {
    code: 'IST0167',
    title: 'Sidecar selecting an ambient workload',
    object: 'Sidecar shop/reviews',
    fail: (c) => { ambientShop(c); obj(c, 'networking.istio.io/v1', 'Sidecar', 'shop', 'reviews', { workloadSelector: { labels: { app: 'reviews' } }, egress: [{ hosts: ['./*'] }] }); },
    pass: (c) => {
      ambientShop(c, AMBIENT, { 'sidecar.istio.io/inject': 'true' });
      obj(c, 'networking.istio.io/v1', 'Sidecar', 'shop', 'reviews', { workloadSelector: { labels: { app: 'reviews' } }, egress: [{ hosts: ['./*'] }] });
    },
  },
  {
    code: 'IST0123',
    title: 'namespace labelled for sidecar injection and for ambient',
    object: 'Namespace shop',
    fail: (c) => { ambientShop(c, { ...AMBIENT, 'istio-injection': 'enabled' }); },
    pass: (c) => { ambientShop(c); },
  },
  {
    code: 'IST0106',
    title: 'policy targetRefs to a waypoint Gateway without its group',
    object: 'AuthorizationPolicy shop/reviews-l7',
    fail: (c) => {
      ambientShop(c); waypoint(c, 'shop', 'waypoint');
      authz(c, 'reviews-l7', { targetRefs: [{ kind: 'Gateway', name: 'waypoint' }], rules: [{ to: [{ operation: { methods: ['GET'] } }] }] });
    },
    pass: (c) => {
      ambientShop(c); waypoint(c, 'shop', 'waypoint');
      authz(c, 'reviews-l7', { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }], rules: [{ to: [{ operation: { methods: ['GET'] } }] }] });
    },
  },
  {
    code: 'AMB0001',
    title: 'ztunnel-enforced DENY rule whose condition is HTTP only',
    object: 'AuthorizationPolicy shop/no-deletes',
    fail: (c) => { ambientShop(c); authz(c, 'no-deletes', { selector: REVIEWS, action: 'DENY', rules: [{ to: [{ operation: { methods: ['DELETE'] } }] }] }); },
    pass: (c) => {
      ambientShop(c, { ...AMBIENT, 'istio.io/use-waypoint': 'waypoint' }); waypoint(c, 'shop', 'waypoint');
      authz(c, 'no-deletes', { targetRefs: [{ kind: 'Service', group: '', name: 'reviews' }], action: 'DENY', rules: [{ to: [{ operation: { methods: ['DELETE'] } }] }] });
    },
    // istiod's message says the DENY is enforced "more restrictive than requested"; ztunnel skips the empty match, so it denies nothing.
    istioAmbient: { object: 'AuthorizationPolicy shop/no-deletes', reason: 'UnsupportedValue' },
  },
  {
    code: 'AMB0002',
    title: 'ztunnel-enforced ALLOW rule with HTTP methods',
    object: 'AuthorizationPolicy shop/reviews-readers',
    fail: (c) => { ambientShop(c); authz(c, 'reviews-readers', { selector: REVIEWS, rules: [{ from: [FROM_FRONTEND], to: [{ operation: { methods: ['GET'] } }] }] }); },
    pass: (c) => { ambientShop(c); authz(c, 'reviews-readers', { selector: REVIEWS, rules: [{ from: [FROM_FRONTEND], to: [{ operation: { ports: ['8080'] } }] }] }); },
    istioAmbient: { object: 'AuthorizationPolicy shop/reviews-readers', reason: 'UnsupportedValue' },
  },
  {
    code: 'AMB0003',
    title: 'istio.io/use-waypoint naming a waypoint the app does not declare',
    object: 'Namespace shop',
    fail: (c) => { ambientShop(c, { ...AMBIENT, 'istio.io/use-waypoint': 'waypoint' }); waypoint(c, 'shop', 'shop-waypoint'); },
    pass: (c) => { ambientShop(c, { ...AMBIENT, 'istio.io/use-waypoint': 'waypoint' }); waypoint(c, 'shop', 'waypoint'); },
    istioAmbient: { object: 'Service shop/reviews', reason: 'WaypointIsNotReady' },
  },
  {
    code: 'AMB0004',
    title: 'waypoint in another namespace whose listener does not admit the namespace',
    object: 'Service shop/reviews',
    fail: (c) => {
      ambientShop(c, AMBIENT, {}, { 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'mesh-waypoints' });
      ns(c, 'mesh-waypoints', AMBIENT); waypoint(c, 'mesh-waypoints', 'shared');
    },
    pass: (c) => {
      ambientShop(c, AMBIENT, {}, { 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'mesh-waypoints' });
      ns(c, 'mesh-waypoints', AMBIENT); waypoint(c, 'mesh-waypoints', 'shared', {}, { namespaces: { from: 'All' } });
    },
    istioAmbient: { object: 'Service shop/reviews', reason: 'AttachmentDenied' },
  },
  {
    code: 'AMB0005',
    title: 'pods labelled with istio.io/use-waypoint for a waypoint of Service traffic',
    object: 'Deployment shop/reviews',
    fail: (c) => { ambientShop(c, AMBIENT, { 'istio.io/use-waypoint': 'waypoint' }); waypoint(c, 'shop', 'waypoint'); },
    pass: (c) => { ambientShop(c, AMBIENT, { 'istio.io/use-waypoint': 'waypoint' }); waypoint(c, 'shop', 'waypoint', { 'istio.io/waypoint-for': 'workload' }); },
    istioAmbient: { object: 'Pod shop/reviews-0', reason: 'NoWaypoint' },
  },
  {
    code: 'AMB0006',
    title: 'RequestAuthentication selecting only ambient workloads',
    object: 'RequestAuthentication shop/reviews-jwt',
    fail: (c) => {
      ambientShop(c);
      obj(c, 'security.istio.io/v1', 'RequestAuthentication', 'shop', 'reviews-jwt', { selector: REVIEWS, jwtRules: [{ issuer: 'https://idp.example', jwksUri: 'https://idp.example/jwks' }] });
    },
    pass: (c) => {
      ambientShop(c, { ...AMBIENT, 'istio.io/use-waypoint': 'waypoint' }); waypoint(c, 'shop', 'waypoint');
      obj(c, 'security.istio.io/v1', 'RequestAuthentication', 'shop', 'reviews-jwt', {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'waypoint' }], jwtRules: [{ issuer: 'https://idp.example', jwksUri: 'https://idp.example/jwks' }],
      });
    },
    istioSkip: `${NO_ANALYZER}its IneffectivePolicy check (IST0167) covers Sidecars only`,
  },
];
