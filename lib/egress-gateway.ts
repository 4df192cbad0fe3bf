import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { ExternalHost, ExternalHostProtocol } from './external-host';
import { GatewayServiceType, GatewayWorkloadProps } from './gateway-workload';
import {
  DestinationRule, DestinationRuleSpecTrafficPolicyPortLevelSettingsTlsMode, Gateway, ServiceEntry, VirtualService,
} from './imports/networking.istio.io';
import { MeshAnalyzer } from './mesh-analyzer';
import { IMeshInstallation } from './mesh-installation';
import { IMeshPeer, MeshPeerConfig } from './mesh-peer';
import { markLibraryConstruct } from './private/analyzer/ownership';
import { oncePerSynth } from './private/app-scan';
import { MeshValidationError } from './private/errors';
import { checkGatewayConsistency, findNameClashes } from './private/gateway/consistency';
import { CLUSTER_DOMAIN } from './private/gateway/render';
import { GatewayWorkload, renderGatewayWorkload, RenderedWorkload, resolveGatewayWorkload } from './private/gateway/workload';
import { dependOnMesh } from './private/mesh-dependency';
import { ownedApiObjects } from './private/owned-objects';
import { recommendedLabels } from './private/recommended-labels';
import { validateDnsLabel } from './private/validate';
import { objectName } from './private/zero-trust/names';
import { validateExternalHostName, validatePort } from './private/zero-trust/validate';

/** Service port of the egress gateway that routed traffic enters on (TLS passthrough or mesh mTLS). */
const EGRESS_TLS_PORT = 443;
/** Container port behind it (unprivileged). */
const EGRESS_TLS_TARGET_PORT = 8443;
/** Service port for plain HTTP, kept for parity with Istio's egress gateway. */
const EGRESS_HTTP_PORT = 80;
const EGRESS_HTTP_TARGET_PORT = 8080;
/** The CA bundle of the proxyv2 image (Debian/Ubuntu path), used to verify external servers. */
const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * Props of `EgressGateway`.
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/
 */
export interface EgressGatewayProps extends GatewayWorkloadProps {}

/**
 * Options of `EgressGateway.routeHost()`.
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/
 */
export interface EgressRouteOptions {
  /**
   * Namespaces whose workloads call the host through the gateway. The ServiceEntry,
   * VirtualService and DestinationRule of the route are exported to them (and to the gateway's
   * namespace) only. Calling `routeHost` again for the same host adds namespaces.
   * @default - exported to every namespace
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService
   */
  readonly clients?: string[];
  /**
   * Originate TLS at the egress gateway: applications send plain HTTP to `http://<host>:<httpPort>`,
   * the sidecar carries it to the gateway over Istio mutual TLS, and the gateway opens HTTPS to
   * the host (verifying its certificate). Only for `ExternalHost.https` hosts.
   * @default false - applications speak TLS themselves and the gateway passes it through by SNI
   * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway-tls-origination/
   */
  readonly originateTls?: boolean;
  /**
   * Port applications send plain HTTP to (with `originateTls`).
   * @default 80
   */
  readonly httpPort?: number;
  /**
   * CA bundle (a path inside the gateway pod) that verifies the external server (with
   * `originateTls`).
   * @default '/etc/ssl/certs/ca-certificates.crt' - the system CAs of the proxy image
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings
   */
  readonly caCertificates?: string;
}

/**
 * What callers of a routed host need to reach it through the egress gateway: the Sidecar and
 * NetworkPolicy of a client namespace must let its pods reach the gateway pods (not the external
 * address) on `gatewayPorts`.
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/#additional-security-considerations
 */
export interface EgressRoute {
  /** The external host. */
  readonly host: string;
  /** Port of the external service. */
  readonly port: number;
  /** Port applications call (`httpPort` with TLS origination, `port` otherwise). */
  readonly applicationPort: number;
  /** Whether the gateway originates TLS. */
  readonly originatesTls: boolean;
  /** Namespace of the egress gateway (and of the route's ServiceEntry, VirtualService, DestinationRules). */
  readonly gatewayNamespace: string;
  /** Fully qualified host of the gateway's Service. */
  readonly gatewayServiceHost: string;
  /** Labels of the gateway pods. */
  readonly gatewayPodLabels: { [key: string]: string };
  /** Container ports of the gateway pods the clients' traffic arrives on (for NetworkPolicies). */
  readonly gatewayPorts: number[];
}

/** A routed host. */
interface RouteEntry {
  readonly host: ExternalHost;
  readonly originateTls: boolean;
  readonly httpPort: number;
  readonly caCertificates: string;
  readonly subset: string;
  /** Client namespaces, or undefined when exported everywhere. */
  clients?: Set<string>;
}

/**
 * An Istio egress gateway: a dedicated Envoy Deployment (injected by the mesh's `gateway`
 * template) that traffic to chosen external hosts must cross, so it can be audited, restricted
 * by NetworkPolicy to one place, and get TLS originated.
 *
 * `routeHost()` renders what Istio's egress-gateway task describes, per host: a ServiceEntry;
 * a server of the gateway's Istio `Gateway`; a VirtualService bound to `mesh` and to the gateway
 * that sends sidecar traffic to the gateway and gateway traffic to the host; a subset of the
 * gateway's DestinationRule; and, with TLS origination, a DestinationRule for the host (SIMPLE TLS,
 * CA-verified). Passthrough routes keep the application's TLS end to end (subset TLS `DISABLE`,
 * so auto mTLS does not wrap it); TLS origination carries plain HTTP over Istio mutual TLS
 * to the gateway.
 *
 * All route objects live in the gateway's namespace and are exported to the client namespaces.
 * Wildcard and TCP hosts are not routed (they need an SNI proxy or fixed addresses).
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/
 */
export class EgressGateway extends Construct implements IMeshPeer {
  /** Name of the Deployment, Service, ServiceAccount, Istio Gateway and DestinationRule. */
  public readonly name: string;
  /** Namespace of the gateway and of every route object. */
  public readonly namespace: string;
  /** The mesh. */
  public readonly mesh: IMeshInstallation;
  /** Whether the proxy is injected (true) or fully rendered. */
  public readonly injection: boolean;
  /** Service account of the gateway pods. */
  public readonly serviceAccountName: string;
  /** Type of the gateway's Service. */
  public readonly serviceType: GatewayServiceType;

  private readonly workload: GatewayWorkload;
  private readonly rendered: RenderedWorkload;
  private readonly routes = new Map<string, RouteEntry>();
  private readonly virtualServices: ApiObject[] = [];
  private gateway?: ApiObject;
  private routeScope?: Construct;

  /** The recommended labels of the gateway's Istio objects. */
  private get labels(): { [key: string]: string } {
    return recommendedLabels(this, { name: this.name, component: 'egress-gateway', partOf: 'istio' });
  }

  constructor(scope: Construct, id: string, props: EgressGatewayProps) {
    super(scope, id);
    MeshAnalyzer.of(this);
    markLibraryConstruct(this);
    this.workload = resolveGatewayWorkload(this, props, GatewayServiceType.CLUSTER_IP);
    this.name = this.workload.name;
    this.namespace = this.workload.namespace;
    this.mesh = props.mesh;
    this.injection = this.workload.injection;
    this.serviceAccountName = this.workload.serviceAccountName;
    this.serviceType = this.workload.serviceType;
    dependOnMesh(this, props.mesh);
    this.rendered = renderGatewayWorkload(this, this.workload, {
      ports: [
        { name: 'http2', port: EGRESS_HTTP_PORT, targetPort: EGRESS_HTTP_TARGET_PORT },
        { name: 'https', port: EGRESS_TLS_PORT, targetPort: EGRESS_TLS_TARGET_PORT },
      ],
    });
    this.node.addValidation({ validate: oncePerSynth(this, () => this.validateGateway()) });
  }

  /**
   * The gateway's Deployment: patch the proxy pods with
   * `addJsonPatch()` (node selectors, tolerations, topology spread).
   */
  public get deployment(): ApiObject {
    return this.rendered.deployment;
  }

  /** The gateway's Service: patch annotations for the cloud load balancer here. */
  public get service(): ApiObject {
    return this.rendered.service;
  }

  /**
   * Every Kubernetes object this construct has rendered so far, to patch with `addJsonPatch()`
   * (`ApiObject.of()` has no single answer for a construct of several objects), e.g.
   * `x.apiObjects.find((o) => o.kind === 'Deployment' && o.name === 'egress')`.
   */
  public get apiObjects(): ApiObject[] {
    return ownedApiObjects(this);
  }

  /** The pod labels every selector of this gateway uses (a copy). */
  public get selectorLabels(): { [key: string]: string } {
    return { ...this.workload.selector };
  }

  /** `<namespace>/<name>`: how VirtualServices refer to this gateway. */
  public get gatewayRef(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** Fully qualified host of the gateway's Service. */
  public get serviceHost(): string {
    return `${this.name}.${this.namespace}.svc.${CLUSTER_DOMAIN}`;
  }

  /** External hosts routed through the gateway so far (a copy). */
  public get routedHosts(): string[] {
    return [...this.routes.keys()];
  }

  /**
   * Sends traffic for an external host through this gateway (see the class description for
   * what is rendered). Calling it again for the same host with the same settings adds client
   * namespaces; other settings for a routed host are an error.
   *
   * A ZeroTrustNamespace lets its workloads use the route with
   * `ns.allowTo(egress, { ports: route.gatewayPorts })` after `egress.routeHost(host, { clients: [ns.name] })`.
   *
   * @param host e.g. `ExternalHost.https('api.partner.example')`
   * @param options clients and TLS origination
   * @returns what clients need to reach the gateway
   */
  public routeHost(host: ExternalHost, options: EgressRouteOptions = {}): EgressRoute {
    if (!(host instanceof ExternalHost)) {
      throw new MeshValidationError(this, `'routeHost' needs an ExternalHost (e.g. ExternalHost.https('api.example.com')), got ${JSON.stringify(host)}`);
    }
    if (host.protocol === ExternalHostProtocol.TCP) {
      throw new MeshValidationError(this,
        `'routeHost' cannot route TCP host "${host.host}" through the egress gateway: TCP carries no host name to route by; ` +
        'allow it directly (ZeroTrustNamespace.allowEgressTo) or use ExternalHost.tls() if it speaks TLS');
    }
    if (host.host.startsWith('*.')) {
      throw new MeshValidationError(this,
        `'routeHost' cannot route wildcard host "${host.host}": the egress gateway would need an SNI forward proxy to reach arbitrary ` +
        'names; route each host (e.g. "api.example.com") separately');
    }
    validateExternalHostName(this, 'ExternalHost host', host.host, false);
    validatePort(this, 'ExternalHost port', host.port);
    const originateTls = options.originateTls ?? false;
    const httpPort = options.httpPort ?? EGRESS_HTTP_PORT;
    if (originateTls && host.protocol !== ExternalHostProtocol.HTTPS) {
      throw new MeshValidationError(this,
        `'originateTls' needs an HTTPS host, but "${host.host}" is ${host.protocol}; use ExternalHost.https() or drop 'originateTls'`);
    }
    if (!originateTls && (options.httpPort !== undefined || options.caCertificates !== undefined)) {
      throw new MeshValidationError(this,
        `'${options.httpPort !== undefined ? 'httpPort' : 'caCertificates'}' only applies with 'originateTls: true' (host "${host.host}"); set it or drop the option`);
    }
    if (originateTls) {
      validatePort(this, 'httpPort', httpPort);
      if (httpPort === host.port) {
        throw new MeshValidationError(this,
          `'httpPort' ${httpPort} is also the HTTPS port of "${host.host}"; applications send plain HTTP to another port (usually 80)`);
      }
    }
    const caCertificates = options.caCertificates ?? SYSTEM_CA_BUNDLE;
    if (!caCertificates.startsWith('/') || /\s/.test(caCertificates)) {
      throw new MeshValidationError(this, `'caCertificates' must be an absolute file path in the gateway pod, got ${JSON.stringify(caCertificates)}`);
    }
    (options.clients ?? []).forEach((ns, i) => validateDnsLabel(this, `clients[${i}]`, ns));
    if (options.clients !== undefined && options.clients.length === 0) {
      throw new MeshValidationError(this, "'clients' must not be empty; omit 'clients' to export the route to every namespace");
    }

    const existing = this.routes.get(host.host);
    if (existing) {
      this.mergeRoute(existing, host, originateTls, httpPort, caCertificates, options.clients);
      return this.describeRoute(existing);
    }
    const entry: RouteEntry = {
      host,
      originateTls,
      httpPort,
      caCertificates,
      subset: objectName(host.host),
      clients: options.clients ? new Set(options.clients) : undefined,
    };
    this.routes.set(host.host, entry);
    this.renderRoute(entry);
    return this.describeRoute(entry);
  }

  /**
   * The gateway as a mesh peer (service account, pod labels): `ns.allowTo(egress, ...)` opens the
   * NetworkPolicy and Sidecar of a ZeroTrustNamespace towards the gateway pods.
   */
  public toMeshPeerConfig(_scope: IConstruct, mesh: IMeshInstallation): MeshPeerConfig {
    return {
      namespace: this.namespace,
      principals: [`${mesh.trustDomain}/ns/${this.namespace}/sa/${this.serviceAccountName}`],
      podLabels: { ...this.workload.selector },
      description: `egress gateway ${this.namespace}/${this.name}`,
      name: this.name,
    };
  }

  private mergeRoute(existing: RouteEntry, host: ExternalHost, originateTls: boolean, httpPort: number, caCertificates: string,
    clients?: string[]): void {
    const before = describeSettings(existing.host, existing.originateTls, existing.httpPort, existing.caCertificates);
    const now = describeSettings(host, originateTls, httpPort, caCertificates);
    if (before !== now) {
      throw new MeshValidationError(this,
        `'routeHost' routes "${host.host}" again with other settings (${now}; first: ${before}); a host has one route through the gateway, ` +
        'call routeHost with the same host, port and TLS settings (it only adds clients)');
    }
    if (!clients) existing.clients = undefined;
    else if (existing.clients) clients.forEach((c) => existing.clients!.add(c));
  }

  private describeRoute(entry: RouteEntry): EgressRoute {
    return {
      host: entry.host.host,
      port: entry.host.port,
      applicationPort: entry.originateTls ? entry.httpPort : entry.host.port,
      originatesTls: entry.originateTls,
      gatewayNamespace: this.namespace,
      gatewayServiceHost: this.serviceHost,
      gatewayPodLabels: { ...this.workload.selector },
      gatewayPorts: [EGRESS_TLS_TARGET_PORT],
    };
  }

  private exportTo(entry: RouteEntry): string[] {
    return entry.clients ? ['.', ...[...entry.clients].filter((c) => c !== this.namespace).sort()] : ['*'];
  }

  /** Creates the Gateway and DestinationRule on the first route, then the route's own objects. */
  private renderRoute(entry: RouteEntry): void {
    if (!this.gateway) {
      this.gateway = new Gateway(this, 'Resource', {
        metadata: { name: this.name, namespace: this.namespace, labels: this.labels },
        spec: Lazy.any({ produce: () => ({ selector: { ...this.workload.selector }, servers: this.renderServers() }) }),
      });
      new DestinationRule(this, 'Subsets', {
        metadata: { name: this.name, namespace: this.namespace, labels: this.labels },
        spec: Lazy.any({ produce: () => this.renderSubsets() }),
      });
      this.routeScope = new Construct(this, 'Routes');
    }
    const scope = new Construct(this.routeScope!, entry.host.host);
    const name = objectName(this.name, entry.host.host);
    const host = entry.host;
    new ServiceEntry(scope, 'ServiceEntry', {
      metadata: { name, namespace: this.namespace, labels: this.labels },
      spec: Lazy.any({
        produce: () => ({
          hosts: [host.host],
          exportTo: this.exportTo(entry),
          location: 'MESH_EXTERNAL',
          resolution: 'DNS',
          ports: entry.originateTls
            ? [
              { number: entry.httpPort, name: `http-${entry.httpPort}`, protocol: 'HTTP' },
              { number: host.port, name: `https-${host.port}`, protocol: 'HTTPS' },
            ]
            : [{ number: host.port, name: `${host.protocol.toLowerCase()}-${host.port}`, protocol: host.protocol }],
        }),
      }),
    });
    this.virtualServices.push(new VirtualService(scope, 'VirtualService', {
      metadata: { name, namespace: this.namespace, labels: this.labels },
      spec: Lazy.any({ produce: () => this.renderVirtualService(entry) }),
    }));
    if (entry.originateTls) {
      new DestinationRule(scope, 'OriginateTls', {
        metadata: { name: objectName(this.name, host.host, 'tls'), namespace: this.namespace, labels: this.labels },
        spec: {
          host: host.host,
          // Only the gateway, in this namespace, talks to the host itself.
          exportTo: ['.'],
          trafficPolicy: {
            portLevelSettings: [{
              port: { number: host.port },
              tls: { mode: DestinationRuleSpecTrafficPolicyPortLevelSettingsTlsMode.SIMPLE, sni: host.host, caCertificates: entry.caCertificates },
            }],
          },
        },
      });
    }
  }

  private renderVirtualService(entry: RouteEntry): Record<string, unknown> {
    const host = entry.host.host;
    const toGateway = { host: this.serviceHost, subset: entry.subset, port: { number: EGRESS_TLS_PORT } };
    const toHost = { host, port: { number: entry.host.port } };
    const base = { hosts: [host], gateways: ['mesh', this.gatewayRef], exportTo: this.exportTo(entry) };
    if (entry.originateTls) {
      return {
        ...base,
        http: [
          { name: 'to-egress-gateway', match: [{ gateways: ['mesh'], port: entry.httpPort }], route: [{ destination: toGateway }] },
          { name: 'to-external-host', match: [{ gateways: [this.gatewayRef], port: EGRESS_TLS_PORT }], route: [{ destination: toHost }] },
        ],
      };
    }
    return {
      ...base,
      tls: [
        { match: [{ gateways: ['mesh'], port: entry.host.port, sniHosts: [host] }], route: [{ destination: toGateway }] },
        { match: [{ gateways: [this.gatewayRef], port: EGRESS_TLS_PORT, sniHosts: [host] }], route: [{ destination: toHost }] },
      ],
    };
  }

  private renderServers(): Record<string, unknown>[] {
    const entries = [...this.routes.values()];
    const passthrough = entries.filter((e) => !e.originateTls).map((e) => e.host.host);
    const mtls = entries.filter((e) => e.originateTls).map((e) => e.host.host);
    const servers: Record<string, unknown>[] = [];
    if (passthrough.length) {
      servers.push({ port: { number: EGRESS_TLS_PORT, name: 'tls-passthrough', protocol: 'TLS' }, hosts: passthrough, tls: { mode: 'PASSTHROUGH' } });
    }
    if (mtls.length) {
      servers.push({ port: { number: EGRESS_TLS_PORT, name: 'https-istio-mutual', protocol: 'HTTPS' }, hosts: mtls, tls: { mode: 'ISTIO_MUTUAL' } });
    }
    return servers;
  }

  private renderSubsets(): Record<string, unknown> {
    const entries = [...this.routes.values()];
    const exportTo = entries.some((e) => !e.clients)
      ? ['*']
      : ['.', ...[...new Set(entries.flatMap((e) => [...e.clients!]))].filter((c) => c !== this.namespace).sort()];
    return {
      host: this.serviceHost,
      exportTo,
      subsets: entries.map((e) => ({
        name: e.subset,
        trafficPolicy: {
          portLevelSettings: [{
            port: { number: EGRESS_TLS_PORT },
            // Passthrough: the application's own TLS must reach the gateway untouched (no auto mTLS).
            // Origination: plain HTTP travels to the gateway inside Istio mutual TLS, SNI = the host.
            tls: e.originateTls ? { mode: 'ISTIO_MUTUAL', sni: e.host.host } : { mode: 'DISABLE' },
          }],
        },
      })),
    };
  }

  private validateGateway(): string[] {
    if (this.routes.size === 0) {
      return ["the egress gateway routes no host; call routeHost(ExternalHost.https('api.example.com')) or remove the gateway"];
    }
    return [
      ...checkGatewayConsistency({
        deployment: this.rendered.deployment,
        service: this.rendered.service,
        gateways: this.gateway ? [this.gateway] : [],
        virtualServices: this.virtualServices,
        envoyFilters: [],
      }),
      ...findNameClashes(this, [this.rendered.deployment, this.rendered.service, ...(this.gateway ? [this.gateway] : [])]),
    ];
  }
}

function describeSettings(host: ExternalHost, originateTls: boolean, httpPort: number, caCertificates: string): string {
  return originateTls
    ? `${host.protocol} port ${host.port}, TLS originated from port ${httpPort} with CA ${caCertificates}`
    : `${host.protocol} port ${host.port}, passthrough`;
}
