import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  gatewayAnnotations, infrastructureOverlays, ISTIO_GATEWAY_CLASS, ListenerHost, listenerName, redirectRule, renderListeners, servingListener,
} from './gateway-api';
import { GatewayWorkload } from './workload';
import { RouteDestinationConfig } from '../../http-route';
import { Gateway as KubeGateway, HttpRoute, TlsRoute } from '../../imports/gateway.networking.k8s.io';
import { GatewayTable } from '../routing/gateway-table';
import { GatewayRules, renderGatewayRules, serviceOfHost } from '../routing/render-gateway-routes';
import { objectName } from '../zero-trust/names';

type Labels = { [key: string]: string };

/** Kinds of route a gateway writes. */
export type RouteKind = 'HTTPRoute' | 'TLSRoute';

/** ReferenceGrant as Istio 1.30 reads it (`v1beta1`, the stored version of Gateway API v1.5.1). */
const REFERENCE_GRANT_GVK = { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant' };

/** What the renderer reads from the gateway construct. */
export interface GatewayApiContext {
  readonly workload: GatewayWorkload;
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly labels: () => Labels;
  readonly hosts: () => readonly ListenerHost[];
  /** Where a host's routes come from: its table, or its passthrough destination. */
  readonly table: (host: string) => GatewayTable | undefined;
  readonly passthrough: (host: string) => RouteDestinationConfig | undefined;
  readonly proxyImage?: string;
}

/**
 * The Gateway API objects of one IngressGateway: the Gateway and its infrastructure parameters, one
 * HTTPRoute (or TLSRoute) per host attached to the host's listener, one redirect HTTPRoute per host
 * redirected to https, and one ReferenceGrant per namespace of backends outside the gateway's,
 * admitting exactly the Services the routes send to. Routes live in the gateway's namespace: its
 * listeners admit no other namespace's routes.
 */
export class GatewayApiObjects {
  public readonly gateway: ApiObject;
  private readonly routes = new Map<string, ApiObject>();
  private readonly grants = new Map<string, ApiObject>();
  private readonly scope: Construct;

  constructor(owner: Construct, private readonly ctx: GatewayApiContext) {
    const w = ctx.workload;
    this.scope = new Construct(owner, 'GatewayApi');
    const parameters = new k8s.KubeConfigMap(this.scope, 'Parameters', {
      metadata: { name: objectName(w.name, 'gateway-options'), namespace: w.namespace, labels: ctx.labels() },
      data: infrastructureOverlays(w, ctx.proxyImage),
    });
    const annotations = Object.keys(w.serviceAnnotations).length ? { ...w.serviceAnnotations } : undefined;
    this.gateway = new KubeGateway(owner, 'Resource', {
      metadata: { name: w.name, namespace: w.namespace, labels: ctx.labels(), annotations: gatewayAnnotations(w) },
      spec: Lazy.any({
        produce: () => ({
          gatewayClassName: ISTIO_GATEWAY_CLASS,
          infrastructure: { annotations, parametersRef: { group: '', kind: 'ConfigMap', name: parameters.name } },
          listeners: renderListeners(ctx.hosts(), ctx.httpPort, ctx.httpsPort),
        }),
      }) as any,
    });
  }

  /** The route objects of the hosts (HTTPRoutes and TLSRoutes), for consistency checks and escape hatches. */
  public get routeObjects(): ApiObject[] {
    return [...this.routes.values()];
  }

  /** The HTTPRoute a host's routes render into (created with the host), as the table's object. */
  public addHost(host: ListenerHost): ApiObject | undefined {
    const kind = servingListener(host);
    const hostnames = host.host === '*' ? undefined : [host.host];
    const parent = (section: string) => ({ name: this.ctx.workload.name, sectionName: section });
    const metadata = (...parts: string[]) => ({
      name: objectName(this.ctx.workload.name, host.host === '*' ? 'any-host' : host.host, ...parts),
      namespace: this.ctx.workload.namespace,
      labels: this.ctx.labels(),
    });
    if (host.tls && host.httpsRedirect) {
      new HttpRoute(this.scope, `Redirect-${host.host}`, {
        metadata: metadata('redirect'),
        spec: { parentRefs: [parent(listenerName('http', host.host))], hostnames, rules: [redirectRule(this.ctx.httpsPort) as any] },
      });
    }
    if (kind === 'tls') {
      this.routes.set(host.host, new TlsRoute(this.scope, `Tls-${host.host}`, {
        metadata: metadata(),
        spec: Lazy.any({ produce: () => this.renderTlsRoute(host.host, parent(listenerName('tls', host.host))) }) as any,
      }));
      return undefined;
    }
    const route = new HttpRoute(this.scope, `Http-${host.host}`, {
      metadata: metadata(),
      spec: Lazy.any({
        produce: () => ({ parentRefs: [parent(listenerName(kind, host.host))], hostnames, rules: this.rules(host.host).rules }),
      }) as any,
    });
    this.routes.set(host.host, route);
    return route;
  }

  /**
   * Records that the gateway's routes of `kind` send to `host`: a ReferenceGrant admits that kind's
   * references to the Services of the host's namespace when it is not the gateway's. One grant per
   * namespace and kind, so an HTTPRoute is never admitted to a TLSRoute's backend or the reverse.
   */
  public addBackend(host: string, kind: RouteKind): void {
    const svc = serviceOfHost(host, this.ctx.workload.namespace);
    const key = `${svc?.namespace}|${kind}`;
    if (!svc || svc.namespace === this.ctx.workload.namespace || this.grants.has(key)) return;
    const w = this.ctx.workload;
    this.grants.set(key, new ApiObject(this.scope, `ReferenceGrant-${svc.namespace}-${kind}`, {
      ...REFERENCE_GRANT_GVK,
      metadata: { name: objectName(w.namespace, w.name, kind.toLowerCase()), namespace: svc.namespace, labels: this.ctx.labels() },
      spec: Lazy.any({ produce: () => this.renderGrant(svc.namespace, kind) }),
    }));
  }

  /** The rules of a host's HTTPRoute and what cannot be rendered. */
  public rules(host: string): GatewayRules {
    const table = this.ctx.table(host);
    const where = `host "${host}" on gateway ${this.ctx.workload.namespace}/${this.ctx.workload.name}`;
    if (!table) return { rules: [], problems: [] };
    return renderGatewayRules(table.renderHttp(this.ctx.workload.namespace), this.ctx.workload.namespace, where);
  }

  /** Problems of every host's routes (checked at synth). */
  public problems(): string[] {
    const problems = this.ctx.hosts().flatMap((h) => this.rules(h.host).problems);
    for (const [key, grant] of this.grants) {
      const [namespace, kind] = key.split('|') as [string, RouteKind];
      if (this.backendsIn(namespace, kind).length === 0) {
        problems.push(`ReferenceGrant ${namespace}/${grant.name} would admit no Service: the ${kind}s of gateway ${this.ctx.workload.namespace}/` +
          `${this.ctx.workload.name} send nothing to namespace ${namespace} (a route to a version that has no Service of its own?)`);
      }
    }
    return problems;
  }

  private renderTlsRoute(host: string, parentRef: { name: string; sectionName: string }): Record<string, unknown> {
    const d = this.ctx.passthrough(host);
    const svc = d ? serviceOfHost(d.host, this.ctx.workload.namespace) : undefined;
    const ns = this.ctx.workload.namespace;
    const backendRef = !d ? undefined : svc
      ? { name: svc.name, namespace: svc.namespace === ns ? undefined : svc.namespace, port: d.port }
      : { group: 'networking.istio.io', kind: 'Hostname', name: d.host, port: d.port };
    return { parentRefs: [parentRef], hostnames: host === '*' ? undefined : [host], rules: [{ backendRefs: backendRef ? [backendRef] : [] }] };
  }

  /**
   * The Services of `namespace` the gateway's routes of `kind` send to, read from the route objects
   * as written (their rendering is shared with the output during a synthesis): no second rendering
   * of the route tables per grant.
   */
  private backendsIn(namespace: string, kind: RouteKind): string[] {
    const services = new Set<string>();
    for (const route of this.routes.values()) {
      if (route.kind !== kind) continue;
      const spec = route.toJson().spec ?? {};
      for (const rule of spec.rules ?? []) {
        const refs = [...(rule.backendRefs ?? []), ...(rule.filters ?? []).map((f: any) => f.requestMirror?.backendRef).filter((b: any) => b)];
        for (const b of refs) if (!b.group && b.namespace === namespace) services.add(b.name);
      }
    }
    return [...services].sort();
  }

  private renderGrant(namespace: string, kind: RouteKind): Record<string, unknown> {
    return {
      from: [{ group: 'gateway.networking.k8s.io', kind, namespace: this.ctx.workload.namespace }],
      to: this.backendsIn(namespace, kind).map((name) => ({ group: '', kind: 'Service', name })),
    };
  }
}
