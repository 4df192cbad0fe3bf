import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { GatewayTls, TlsMode } from './gateway-tls';
import { GatewayServiceType, GatewayWorkloadProps } from './gateway-workload';
import { HttpRouteOptions, RouteDestination, RouteDestinationConfig } from './http-route';
import { EnvoyFilter, Gateway, VirtualService } from './imports/networking.istio.io';
import { MeshAnalyzer } from './mesh-analyzer';
import { IMeshInstallation, MeshInstallation } from './mesh-installation';
import { IMeshPeer, MeshPeerConfig } from './mesh-peer';
import { markLibraryConstruct } from './private/analyzer/ownership';
import { appIndex, oncePerSynth } from './private/app-scan';
import { describeValue, MeshValidationError } from './private/errors';
import { CertificateRegistry } from './private/gateway/certificates';
import { checkGatewayConsistency, findNameClashes } from './private/gateway/consistency';
import { deployedWorkload } from './private/gateway/gateway-api';
import { GatewayApiObjects } from './private/gateway/gateway-api-objects';
import { RATE_LIMIT_FILTER_PRIORITY, RateLimitTarget, rateLimitPatches } from './private/gateway/rate-limit';
import { findUnreachable, resolveHttpRoute, ResolvedHttpRoute, sortRoutes } from './private/gateway/routes';
import { validateGatewayHost, validateRateLimit } from './private/gateway/validate';
import {
  GatewayWorkload, renderGatewayNamespace, renderGatewayWorkload, RenderedWorkload, resolveGatewayWorkload, statusServicePort, validateGatewayPort,
} from './private/gateway/workload';
import { dependOnMesh } from './private/mesh-dependency';
import { ownedApiObjects } from './private/owned-objects';
import { recommendedLabels } from './private/recommended-labels';
import { GatewayTable } from './private/routing/gateway-table';
import { RoutingRegistry } from './private/routing/registry';
import { validateEnum, validateDnsLabel } from './private/validate';
import { backendsRefusingGateway } from './private/zero-trust/gateway-admission';
import { NameAllocator, objectName } from './private/zero-trust/names';
import { validateDnsSubdomain, validatePort } from './private/zero-trust/validate';
import { LocalRateLimit } from './rate-limit';
import { RoutingApi } from './routing-api';

/** Container port Envoy serves plain HTTP on (unprivileged). */
const HTTP_TARGET_PORT = 8080;
/** Container port Envoy serves TLS on (unprivileged). */
const HTTPS_TARGET_PORT = 8443;

/**
 * Props of `IngressGateway`.
 *
 * @see https://istio.io/latest/docs/setup/additional-setup/gateway/
 */
export interface IngressGatewayProps extends GatewayWorkloadProps {
  /**
   * Service port for plain HTTP (and the HTTP-to-HTTPS redirect); Envoy listens on container
   * port 8080.
   * @default 80
   */
  readonly httpPort?: number;
  /**
   * Service port for TLS; Envoy listens on container port 8443.
   * @default 443
   */
  readonly httpsPort?: number;
  /**
   * The API the gateway is written with. `RoutingApi.GATEWAY_API` writes a Kubernetes Gateway API
   * `Gateway` of class `istio` (istiod deploys its proxy: Deployment, Service and ServiceAccount
   * `<name>-istio`, from the mesh's `kube-gateway` template, with the replicas, autoscaling,
   * resources and disruption budget of these props as infrastructure overlays), a listener per
   * host, an HTTPRoute per host (a TLSRoute for passthrough) and ReferenceGrants for backends in
   * other namespaces; the cluster needs the Gateway API CRDs (`MeshInstallation.gatewayApiCrds`).
   * Rate limits, fault injection, retries and a minimum TLS version have no Gateway API form in
   * Istio 1.30: they are errors there.
   * @default RoutingApi.ISTIO - an Istio `Gateway` and VirtualServices, and the proxy rendered here
   */
  readonly api?: RoutingApi;
}

/**
 * Props of `IngressGateway.fromExisting()`: a gateway whose pods this app does not deploy, such
 * as the profile's `istio-ingressgateway` or a gateway installed by another app.
 */
export interface ExistingIngressGatewayProps {
  /** The mesh. */
  readonly mesh: IMeshInstallation;
  /**
   * Name of the Istio `Gateway` object that routes attach to.
   * @default 'ingress'
   */
  readonly gatewayName?: string;
  /**
   * Namespace of the gateway pods (and of the Istio Gateway and VirtualServices).
   * @default - the mesh's namespace, where the profile installs `istio-ingressgateway`
   */
  readonly namespace?: string;
  /**
   * Labels of the gateway pods. When given, the pods are taken to run outside this app (another
   * app's gateway) and the analyzer does not look for them (IST0101); it does look for the
   * profile's pods when the mesh is installed by this app.
   * @default { istio: 'ingressgateway' } (the profile's gateway)
   */
  readonly selectorLabels?: { [key: string]: string };
  /**
   * Service account of the gateway pods (its identity for authorization policies).
   * @default 'istio-ingressgateway-service-account' (the profile's gateway)
   */
  readonly serviceAccountName?: string;
  /**
   * Whether the Istio `Gateway` object already exists (written by another app): then only
   * VirtualServices are written, `addHost` declares hosts that Gateway serves and takes no TLS.
   * @default false - this app writes the Gateway with the hosts added
   */
  readonly gatewayExists?: boolean;
  /**
   * Service port of plain HTTP of the existing gateway.
   * @default 80
   */
  readonly httpPort?: number;
  /**
   * Service port of TLS of the existing gateway.
   * @default 443
   */
  readonly httpsPort?: number;
}

/**
 * How `IngressGateway.fromExisting` hands its props to the constructor: a symbol key, invisible to
 * jsii and to callers of the public props.
 */
const EXISTING = Symbol('cdk8s-istio.IngressGateway.existing');
type WithExisting = IngressGatewayProps & { readonly [EXISTING]?: ExistingIngressGatewayProps };

/**
 * Options of `IngressGateway.addHost()`.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server
 */
export interface AddHostOptions {
  /**
   * TLS of the host.
   * @default - plain HTTP on the http port, no TLS
   * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
   */
  readonly tls?: GatewayTls;
  /**
   * Answer plain-HTTP requests for the host on the http port with a 301 to https. When false, a
   * TLS host is served on the https port only.
   * @default - true when the gateway terminates TLS for the host, false otherwise
   * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
   */
  readonly httpsRedirect?: boolean;
  /**
   * Local rate limit shared by every request to the host (one bucket per gateway pod). A route's
   * own `rateLimit` replaces it for the requests that route matches.
   * @default - no limit
   */
  readonly rateLimit?: LocalRateLimit;
}

/** A host of the gateway and what was added for it. */
interface HostEntry {
  readonly host: string;
  readonly tls?: GatewayTls;
  readonly httpsRedirect: boolean;
  readonly rateLimit?: LocalRateLimit;
  readonly routes: ResolvedHttpRoute[];
  passthroughRoute?: RouteDestinationConfig;
}

/**
 * An Istio ingress gateway: its own Envoy Deployment (injected by the mesh's `gateway` template),
 * Service, ServiceAccount, SDS Role, autoscaler and disruption budget, one Istio `Gateway`, one
 * VirtualService per host, and optionally cert-manager Certificates and local rate limits.
 *
 * The pod labels (`app` and `istio` = the gateway's name) are generated once and used for the
 * Deployment, the Service, the Gateway selector and the EnvoyFilter, so they always match; Gateway
 * ports are the Service ports (80 -> 8080, 443 -> 8443, status 15021); every VirtualService is
 * bound to this gateway and holds exactly one of its hosts. All of this is checked again at
 * synthesis, on the objects as written (escape-hatch patches included).
 *
 * VirtualServices live in the gateway's namespace with `exportTo: ["."]`: only this gateway
 * applies them, and its namespace owns the public routes. Destinations are fully qualified Service
 * hosts in other namespaces. Routes of one host, added from anywhere in the app, are merged into its
 * single VirtualService in a fixed order: exact paths, then prefixes (longest first), then regular
 * expressions; more header conditions first; then the order they were added in.
 *
 * The gateway is also a mesh peer: `zeroTrustNamespace.allowFrom(gateway, ...)` lets exactly its
 * pods (service account and labels) call the routed workloads.
 *
 * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
export class IngressGateway extends Construct implements IMeshPeer {
  /**
   * Routes of this app on a gateway whose pods it does not deploy: the profile's
   * `istio-ingressgateway` (the default), or a gateway of another app. `addHost` and `addRoute`
   * work as on a gateway of this app; the Istio `Gateway` object is written here unless
   * `gatewayExists`.
   */
  public static fromExisting(scope: Construct, id: string, props: ExistingIngressGatewayProps): IngressGateway {
    const withExisting: WithExisting = { mesh: props?.mesh, [EXISTING]: props ?? ({} as ExistingIngressGatewayProps) };
    return new IngressGateway(scope, id, withExisting);
  }

  /** Name of the Deployment, Service, ServiceAccount and Istio Gateway. */
  public readonly name: string;
  /** Namespace of the gateway and its Istio objects. */
  public readonly namespace: string;
  /** The mesh. */
  public readonly mesh: IMeshInstallation;
  /** Service port of plain HTTP. */
  public readonly httpPort: number;
  /** Service port of TLS. */
  public readonly httpsPort: number;
  /** Whether the proxy is injected (true) or fully rendered. */
  public readonly injection: boolean;
  /** Service account of the gateway pods. */
  public readonly serviceAccountName: string;
  /** Type of the gateway's Service. */
  public readonly serviceType: GatewayServiceType;

  /** Whether the gateway pods are deployed by another app or the profile. */
  public readonly existing: boolean;
  /** The API the gateway and its routes are written with. */
  public readonly api: RoutingApi;

  private readonly workload: GatewayWorkload;
  private readonly rendered?: RenderedWorkload;
  private readonly gateway?: ApiObject;
  private readonly hostEntries = new Map<string, HostEntry>();
  private readonly virtualServices = new Map<string, ApiObject>();
  private readonly virtualServiceScope: Construct;
  private readonly certificates: CertificateRegistry;
  private rateLimitFilter?: ApiObject;
  private readonly gatewayApi?: GatewayApiObjects;
  private warnedAnyHost = false;

  /** The recommended labels of the gateway's Istio objects. */
  private get labels(): { [key: string]: string } {
    return recommendedLabels(this, { name: this.name, component: 'ingress-gateway', partOf: 'istio' });
  }

  constructor(scope: Construct, id: string, props: IngressGatewayProps) {
    super(scope, id);
    MeshAnalyzer.of(this);
    markLibraryConstruct(this);
    const existing = (props as WithExisting)[EXISTING];
    this.existing = existing !== undefined;
    if (!existing) validateEnum(this, 'api', props.api, 'RoutingApi', { ISTIO: RoutingApi.ISTIO, GATEWAY_API: RoutingApi.GATEWAY_API });
    this.api = existing ? RoutingApi.ISTIO : props.api ?? RoutingApi.ISTIO;
    const gatewayApi = this.api === RoutingApi.GATEWAY_API;
    if (gatewayApi && props.injection === false) {
      throw new MeshValidationError(this, "'injection' false renders the proxy here, but with 'api' RoutingApi.GATEWAY_API istiod deploys it from the " +
        "mesh's kube-gateway template; drop 'injection' (a 'proxyImage' alone pins the image)");
    }
    this.workload = existing ? this.existingWorkload(existing)
      : gatewayApi ? deployedWorkload(resolveGatewayWorkload(this, { ...props, proxyImage: undefined }, GatewayServiceType.LOAD_BALANCER))
        : resolveGatewayWorkload(this, props, GatewayServiceType.LOAD_BALANCER);
    this.name = this.workload.name;
    this.namespace = this.workload.namespace;
    this.mesh = props.mesh;
    this.injection = this.workload.injection;
    this.serviceAccountName = this.workload.serviceAccountName;
    this.serviceType = this.workload.serviceType;
    this.httpPort = (existing ?? props).httpPort ?? 80;
    this.httpsPort = (existing ?? props).httpsPort ?? 443;
    validateGatewayPort(this, 'httpPort', this.httpPort);
    validateGatewayPort(this, 'httpsPort', this.httpsPort);
    if (this.httpPort === this.httpsPort) {
      throw new MeshValidationError(this, `'httpPort' and 'httpsPort' must differ, both are ${this.httpPort}; use e.g. 80 and 443`);
    }
    dependOnMesh(this, props.mesh);

    if (gatewayApi) {
      if (this.workload.createNamespace) renderGatewayNamespace(this, this.workload);
      this.gatewayApi = new GatewayApiObjects(this, {
        workload: this.workload,
        httpPort: this.httpPort,
        httpsPort: this.httpsPort,
        labels: () => this.labels,
        hosts: () => [...this.hostEntries.values()],
        table: (host) => RoutingRegistry.of(this).findGatewayTable(this.gatewayRef, host),
        passthrough: (host) => this.hostEntries.get(host)?.passthroughRoute,
        proxyImage: props.proxyImage,
      });
      this.gateway = this.gatewayApi.gateway;
    } else if (!existing) {
      this.rendered = renderGatewayWorkload(this, this.workload, {
        ports: [
          statusServicePort(),
          { name: 'http2', port: this.httpPort, targetPort: HTTP_TARGET_PORT },
          { name: 'https', port: this.httpsPort, targetPort: HTTPS_TARGET_PORT },
        ],
      });
    }
    if (!existing?.gatewayExists && !gatewayApi) {
      this.gateway = new Gateway(this, 'Resource', {
        metadata: { name: this.name, namespace: this.namespace, labels: this.labels },
        spec: Lazy.any({ produce: () => ({ selector: { ...this.workload.selector }, servers: this.renderServers() }) }),
      });
      // The gateway pods run outside this app when the mesh is installed elsewhere or the pods are
      // named by their labels: the analyzer cannot find them in the app (IST0101), the cluster can.
      if (existing && (existing.selectorLabels !== undefined || !(props.mesh instanceof MeshInstallation))) {
        MeshAnalyzer.of(this).suppress(this.gateway, 'IST0101',
          'IngressGateway.fromExisting: the gateway pods are deployed outside this app (the mesh installation or another app)');
      }
    }
    this.virtualServiceScope = new Construct(this, 'VirtualServices');
    this.certificates = new CertificateRegistry(this, this.namespace, this.labels);
    this.node.addValidation({ validate: oncePerSynth(this, () => this.validateGateway()) });
  }

  /**
   * The gateway's Deployment, undefined for a gateway of another app (`fromExisting`): patch the proxy pods with
   * `addJsonPatch()` (node selectors, tolerations, topology spread).
   */
  public get deployment(): ApiObject | undefined {
    return this.rendered?.deployment;
  }

  /** The gateway's Service, undefined for a gateway of another app: patch annotations for the cloud load balancer here. */
  public get service(): ApiObject | undefined {
    return this.rendered?.service;
  }

  /**
   * Every Kubernetes object this construct has rendered so far, to patch with `addJsonPatch()`
   * (`ApiObject.of()` has no single answer for a construct of several objects), e.g.
   * `x.apiObjects.find((o) => o.kind === 'Gateway' && o.name === 'public')`.
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

  /** Hosts added so far, in order (a copy). */
  public get hosts(): string[] {
    return [...this.hostEntries.keys()];
  }

  /**
   * Serves `host` on this gateway: a server of the Istio Gateway (HTTPS or TLS on the https port
   * with `tls`, HTTP on the http port without), plus the HTTP-to-HTTPS redirect and the
   * cert-manager Certificate when asked. Add its routes with `addRoute`.
   *
   * @param host DNS name (`app.example.com`) or prefix wildcard (`*.example.com`)
   * @param options TLS, redirect and rate limit of the host
   */
  public addHost(host: string, options: AddHostOptions = {}): void {
    if (host !== '*') validateGatewayHost(this, 'host', host);
    if (this.hostEntries.has(host)) {
      throw new MeshValidationError(this, `'addHost' adds host "${host}" twice; add each host once (a host's routes all go into one VirtualService)`);
    }
    const tls = options.tls;
    if (tls !== undefined && !this.gateway) {
      throw new MeshValidationError(this, `'tls' for host "${host}" cannot be set: the Istio Gateway ${this.gatewayRef} belongs to another app, which sets ` +
        "its TLS; remove 'tls' (and 'httpsRedirect'), or drop 'gatewayExists' to let this app write the Gateway");
    }
    if (tls !== undefined) this.validateTls(host, tls);
    const terminates = tls?.terminatesTls ?? false;
    if (options.httpsRedirect && !tls) {
      throw new MeshValidationError(this, `'httpsRedirect' for host "${host}" needs 'tls': there is no https listener to redirect to; add 'tls' or drop 'httpsRedirect'`);
    }
    if (options.rateLimit !== undefined) {
      if (tls?.mode === TlsMode.PASSTHROUGH) {
        throw new MeshValidationError(this, `'rateLimit' for host "${host}" needs HTTP, but the host uses TLS passthrough (the gateway never sees its requests); ` +
          'rate-limit at the backend or terminate TLS at the gateway');
      }
      validateRateLimit(this, 'rateLimit', options.rateLimit);
    }
    if (this.gatewayApi) this.checkGatewayApiHost(host, options);
    if (tls?.issuer) this.certificates.request(tls.credentialName!, tls.issuer, host);
    else if (tls?.credentialName) this.certificates.checkUnmanaged(tls.credentialName, host);
    const entry: HostEntry = {
      host,
      tls,
      httpsRedirect: options.httpsRedirect ?? terminates,
      rateLimit: options.rateLimit,
      routes: [],
    };
    this.hostEntries.set(host, entry);
    if (options.rateLimit) this.ensureRateLimitFilter();
    if (this.gatewayApi) this.addGatewayApiHost(entry);
  }

  /**
   * Routes requests for `host` (which must have been added with `addHost`) to a destination.
   *
   * All routes of a host, added from any chart, end up in one VirtualService, ordered: exact
   * paths, then prefixes (longest first), then regular expressions; more header conditions first;
   * then insertion order. Two routes with the same match (path and headers) are an error.
   *
   * For a TLS passthrough host the route is a TCP route by SNI: only `to` (and `name`) apply, and
   * the host has one route.
   *
   * @param host a host of this gateway
   * @param options match, destination and behaviour of the route
   */
  public addRoute(host: string, options: HttpRouteOptions): void {
    const entry = this.hostEntries.get(host);
    if (!entry) {
      throw new MeshValidationError(this,
        `'addRoute' host ${JSON.stringify(host)} is not a host of this gateway (hosts: ${this.hosts.map((h) => JSON.stringify(h)).join(', ') || 'none'}); ` +
        `call addHost(${JSON.stringify(host)}, ...) first`);
    }
    if (entry.tls?.mode === TlsMode.PASSTHROUGH) this.addPassthroughRoute(entry, options);
    else this.addHttpRoute(entry, options);
    // A passthrough host's TLSRoute is written with the host under Gateway API; a VirtualService carries its route otherwise.
    if (!this.gatewayApi) this.gatewayTable(entry);
  }

  /**
   * The gateway as a mesh peer: its service account as principal, its pod labels for
   * NetworkPolicies. Use it with `ZeroTrustNamespace.allowFrom()` or as the namespace's
   * `ingressGateway`.
   */
  public toMeshPeerConfig(_scope: IConstruct, mesh: IMeshInstallation): MeshPeerConfig {
    return {
      namespace: this.namespace,
      principals: [`${mesh.trustDomain}/ns/${this.namespace}/sa/${this.serviceAccountName}`],
      podLabels: { ...this.workload.selector },
      description: `ingress gateway ${this.namespace}/${this.name}`,
      name: this.name,
    };
  }

  /** Throws for host options Istio 1.30 cannot program on a Gateway API listener. */
  private checkGatewayApiHost(host: string, options: AddHostOptions): void {
    if (options.rateLimit !== undefined) {
      throw new MeshValidationError(this, `'rateLimit' for host "${host}" has no Gateway API form (Istio 1.30 applies local rate limits through ` +
        "EnvoyFilters on Istio Gateways' virtual hosts); drop it, or use 'api' RoutingApi.ISTIO for this gateway");
    }
    if (options.tls?.minProtocolVersion !== undefined) {
      throw new MeshValidationError(this, `'tls.minProtocolVersion' for host "${host}" has no Gateway API form in Istio 1.30 (its listeners take ` +
        "the mesh's minimum TLS version, meshConfig.tlsDefaults); drop it, or use 'api' RoutingApi.ISTIO for this gateway");
    }
  }

  /** The host's route objects, and its route table (rendered by the host's HTTPRoute) when it serves HTTP. */
  private addGatewayApiHost(entry: HostEntry): void {
    const route = this.gatewayApi!.addHost(entry);
    if (!route) return;
    const registry = RoutingRegistry.of(this);
    const bound = registry.findGatewayTable(this.gatewayRef, entry.host);
    if (bound) {
      throw new MeshValidationError(this, `host "${entry.host}" is already bound to gateway ${this.gatewayRef} by ${bound.routes[0]?.owner.node.path ?? 'another construct'}, ` +
        'which was created before this host was added; create the IngressGateway and add its hosts before the releases that bind them');
    }
    const table = registry.gatewayTable(this.gatewayRef, entry.host, () => route);
    table.onRoute((def) => this.gatewayApi!.addBackend(def.resolved.destination.host, 'HTTPRoute'));
  }

  /** The gateway workload as far as routes need it, for `fromExisting`. */
  private existingWorkload(p: ExistingIngressGatewayProps): GatewayWorkload {
    if (!p.mesh) throw new MeshValidationError(this, "'mesh' is required; pass the MeshInstallation (or MeshInstallation.fromExisting())");
    const name = p.gatewayName ?? 'ingress';
    validateDnsLabel(this, 'gatewayName', name);
    const namespace = p.namespace ?? p.mesh.namespace;
    validateDnsLabel(this, 'namespace', namespace);
    const selector = p.selectorLabels ?? { istio: 'ingressgateway' };
    if (typeof selector !== 'object' || Object.keys(selector).length === 0 || Object.values(selector).some((v) => typeof v !== 'string')) {
      throw new MeshValidationError(this, `'selectorLabels' must be a non-empty object of string labels of the gateway pods, e.g. { istio: 'ingressgateway' }, got ${describeValue(selector)}`);
    }
    const serviceAccountName = p.serviceAccountName ?? 'istio-ingressgateway-service-account';
    validateDnsSubdomain(this, 'serviceAccountName', serviceAccountName);
    return {
      name,
      namespace,
      mesh: p.mesh,
      selector: { ...selector },
      serviceAccountName,
      serviceType: GatewayServiceType.LOAD_BALANCER,
      serviceAnnotations: {},
      podDisruptionBudget: false,
      resources: { requests: {}, limits: {} },
      injection: false,
      proxyImage: '',
      version: '',
      createNamespace: false,
    };
  }

  private validateTls(host: string, tls: GatewayTls): void {
    if (!(tls instanceof GatewayTls)) {
      throw new MeshValidationError(this, `'tls' for host "${host}" must be a GatewayTls (GatewayTls.simple(), .mutual(), .passthrough() or .istioMutual()), got ${JSON.stringify(tls)}`);
    }
    if (tls.mode === TlsMode.SIMPLE || tls.mode === TlsMode.MUTUAL) {
      if (typeof tls.credentialName !== 'string' || tls.credentialName.trim() === '') {
        throw new MeshValidationError(this,
          `'tls.credentialName' is required for TlsMode.${tls.mode} (host "${host}"), got ${JSON.stringify(tls.credentialName)}; ` +
          `give the name of the Secret in namespace "${this.namespace}" that holds the certificate`);
      }
      validateDnsSubdomain(this, 'tls.credentialName', tls.credentialName);
    }
    if (tls.issuer) {
      if (!tls.credentialName) {
        throw new MeshValidationError(this, `'tls.issuer' for host "${host}" needs a credential to fill; use GatewayTls.simple() or .mutual() with a credentialName`);
      }
      validateDnsSubdomain(this, 'tls.issuer name', tls.issuer.name);
    }
  }

  private addHttpRoute(entry: HostEntry, options: HttpRouteOptions): void {
    const table = this.gatewayTable(entry);
    if (this.gatewayApi && options?.rateLimit !== undefined) {
      throw new MeshValidationError(this, `'rateLimit' of a route of host "${entry.host}" has no Gateway API form (Istio 1.30 applies local rate ` +
        "limits through EnvoyFilters on Istio Gateways' routes); drop it, or use 'api' RoutingApi.ISTIO for this gateway");
    }
    const route = resolveHttpRoute(this, options, table.routes.length, table.routeNames);
    const clash = entry.routes.find((r) => r.key === route.key);
    if (clash) {
      throw new MeshValidationError(this,
        `'addRoute' for host "${entry.host}" conflicts with route "${clash.name}": both match ${route.description}; ` +
        'remove one of them or make the matches differ (path or headers)');
    }
    entry.routes.push(route);
    table.addRoute({
      resolved: route,
      owner: this,
      fix: `remove the route of IngressGateway ${this.node.path}`,
    });
    if (route.rateLimit) this.ensureRateLimitFilter();
  }

  private addPassthroughRoute(entry: HostEntry, options: HttpRouteOptions): void {
    const httpOnly = (['path', 'headers', 'rewrite', 'timeout', 'retries', 'corsPolicy', 'requestHeaders', 'responseHeaders', 'rateLimit'] as const)
      .filter((k) => options[k] !== undefined);
    if (httpOnly.length > 0) {
      throw new MeshValidationError(this,
        `'addRoute' for host "${entry.host}" cannot use ${httpOnly.map((k) => `'${k}'`).join(', ')}: the host uses TLS passthrough, so the gateway ` +
        'routes the encrypted stream by SNI and never sees HTTP; give only \'to\', or terminate TLS at the gateway');
    }
    if (entry.passthroughRoute) {
      throw new MeshValidationError(this,
        `'addRoute' for host "${entry.host}" adds a second route, but a TLS passthrough host has one destination (${entry.passthroughRoute.host}); remove one`);
    }
    if (!options || !(options.to instanceof RouteDestination)) {
      throw new MeshValidationError(this, `'to' is required, got ${String(options?.to)}; use RouteDestination.fromService(service) or RouteDestination.host(host, port)`);
    }
    const destination = options.to.toRouteDestinationConfig(this);
    if (destination.port !== undefined) validatePort(this, 'to port', destination.port);
    entry.passthroughRoute = destination;
    this.gatewayApi?.addBackend(destination.host, 'TLSRoute');
  }

  /**
   * The app's one route table for the host on this gateway. Its VirtualService is created here
   * unless a construct bound to this gateway (a CanaryRelease) created it first.
   */
  private gatewayTable(entry: HostEntry): GatewayTable {
    return RoutingRegistry.of(this).gatewayTable(this.gatewayRef, entry.host, () => {
      const vs = new VirtualService(this.virtualServiceScope, entry.host, {
        metadata: { name: objectName(this.name, entry.host === '*' ? 'any-host' : entry.host), namespace: this.namespace, labels: this.labels },
        spec: Lazy.any({ produce: () => this.renderVirtualService(entry) }),
      });
      this.virtualServices.set(entry.host, vs);
      return vs;
    });
  }

  private renderVirtualService(entry: HostEntry): Record<string, unknown> {
    const base = { hosts: [entry.host], gateways: [this.gatewayRef], exportTo: ['.'] };
    if (entry.passthroughRoute) {
      const d = entry.passthroughRoute;
      return {
        ...base,
        tls: [{
          match: [{ port: this.httpsPort, sniHosts: [entry.host] }],
          route: [{ destination: { host: d.host, port: d.port !== undefined ? { number: d.port } : undefined } }],
        }],
      };
    }
    return { ...base, http: this.gatewayTable(entry).renderHttp(this.namespace) };
  }

  private ensureRateLimitFilter(): void {
    if (this.rateLimitFilter) return;
    this.rateLimitFilter = new EnvoyFilter(this, 'RateLimit', {
      metadata: { name: `${this.name}-local-ratelimit`, namespace: this.namespace, labels: this.labels },
      spec: Lazy.any({
        produce: () => ({
          workloadSelector: { labels: { ...this.workload.selector } },
          priority: RATE_LIMIT_FILTER_PRIORITY,
          configPatches: rateLimitPatches(this.rateLimitTargets()),
        }),
      }),
    });
  }

  /** Ports whose virtual hosts serve the host's requests (not the redirect-only one). */
  private servingPorts(entry: HostEntry): number[] {
    if (!entry.tls) return [this.httpPort];
    return entry.tls.terminatesTls ? [this.httpsPort] : [];
  }

  private rateLimitTargets(): RateLimitTarget[] {
    const targets: RateLimitTarget[] = [];
    for (const entry of this.hostEntries.values()) {
      for (const port of this.servingPorts(entry)) {
        const vhost = `${entry.host}:${port}`;
        if (entry.rateLimit) targets.push({ vhost, limit: entry.rateLimit });
        for (const r of sortRoutes(entry.routes)) if (r.rateLimit) targets.push({ vhost, route: r.name, limit: r.rateLimit });
      }
    }
    return targets;
  }

  /** The servers of the Istio Gateway: plain HTTP, redirects, then one TLS server per TLS setting. */
  private renderServers(): Record<string, unknown>[] {
    const entries = [...this.hostEntries.values()];
    const servers: Record<string, unknown>[] = [];
    const plain = entries.filter((e) => !e.tls).map((e) => e.host);
    const redirect = entries.filter((e) => e.tls && e.httpsRedirect).map((e) => e.host);
    if (plain.length) servers.push({ port: { number: this.httpPort, name: 'http', protocol: 'HTTP' }, hosts: plain });
    if (redirect.length) {
      servers.push({ port: { number: this.httpPort, name: 'http-redirect', protocol: 'HTTP' }, hosts: redirect, tls: { httpsRedirect: true } });
    }
    // Hosts with identical TLS settings share one server (one filter chain): sharing a certificate
    // across servers invites HTTP/2 connection reuse across them, answered with 404s.
    const groups = new Map<string, { tls: GatewayTls; hosts: string[] }>();
    for (const e of entries.filter((x) => x.tls)) {
      const key = JSON.stringify([e.tls!.mode, e.tls!.credentialName, e.tls!.minProtocolVersion]);
      const group = groups.get(key) ?? { tls: e.tls!, hosts: [] };
      group.hosts.push(e.host);
      groups.set(key, group);
    }
    const names = new NameAllocator();
    for (const { tls, hosts } of groups.values()) {
      const passthrough = tls.mode === TlsMode.PASSTHROUGH;
      const base = passthrough ? 'tls-passthrough' : objectName('https', tls.credentialName ?? 'istio-mutual');
      servers.push({
        port: { number: this.httpsPort, name: names.allocate(base), protocol: passthrough ? 'TLS' : 'HTTPS' },
        hosts,
        tls: { mode: tls.mode, credentialName: tls.credentialName, minProtocolVersion: tls.minProtocolVersion },
      });
    }
    return servers;
  }

  private validateGateway(): string[] {
    if (this.hostEntries.has('*') && !this.warnedAnyHost) {
      this.warnedAnyHost = true;
      console.warn(`[${this.node.path}] warning: host "*" serves every host name (and requests by IP address) on gateway ${this.gatewayRef}; ` +
        'name the hosts (addHost("shop.example.com")) once clients use DNS names');
    }
    if (this.hostEntries.size === 0) {
      return ["the gateway has no hosts; call addHost('app.example.com', { tls: GatewayTls.simple('app-cert') }) and addRoute()"];
    }
    const errors: string[] = [];
    const routedElsewhere = virtualServiceBindings(this);
    const registry = RoutingRegistry.of(this);
    for (const entry of this.hostEntries.values()) {
      const routed = entry.routes.length > 0 || entry.passthroughRoute !== undefined || routedElsewhere.has(`${this.gatewayRef}|${entry.host}`)
        || (registry.findGatewayTable(this.gatewayRef, entry.host)?.routes.length ?? 0) > 0;
      if (!routed) {
        errors.push(`host "${entry.host}" has no routes, so the gateway would answer 404; call addRoute(${JSON.stringify(entry.host)}, { to: ... }), ` +
          'bind a release to it (CanaryRelease gateway), or remove the host');
      }
      const unreachable = findUnreachable(sortRoutes(entry.routes));
      if (unreachable) {
        errors.push(`route "${unreachable.route.name}" of host "${entry.host}" (${unreachable.route.description}) is unreachable: route ` +
          `"${unreachable.shadowedBy.name}" (${unreachable.shadowedBy.description}) comes first and matches every request; ` +
          'give the catch-all route a header condition or replace the regex by an exact or prefix path');
      }
    }
    if (this.rendered) {
      errors.push(...checkGatewayConsistency({
        deployment: this.rendered.deployment,
        service: this.rendered.service,
        gateways: this.gateway ? [this.gateway] : [],
        virtualServices: [...this.virtualServices.values()],
        envoyFilters: this.rateLimitFilter ? [this.rateLimitFilter] : [],
      }));
    }
    if (this.gatewayApi) errors.push(...this.gatewayApi.problems());
    const identity = this.toMeshPeerConfig(this, this.mesh);
    errors.push(...backendsRefusingGateway(this, this.gatewayRef, identity.principals![0], this.namespace));
    const owned = [this.rendered?.deployment, this.rendered?.service, this.gateway];
    errors.push(...findNameClashes(this, owned.filter((o): o is ApiObject => o !== undefined)));
    return errors;
  }
}

/**
 * `<gateway>|<host>` of every VirtualService in the app bound to a gateway by other constructs
 * (e.g. a CanaryRelease's weighted routes), so a host routed that way is not reported as unrouted.
 */
function virtualServiceBindings(scope: IConstruct): Set<string> {
  return appIndex(scope, 'virtual-service-gateway-hosts', (all) => {
    const bindings = new Set<string>();
    for (const c of all) {
      if (!(c instanceof ApiObject) || c.kind !== 'VirtualService' || !c.apiVersion.startsWith('networking.istio.io/')) continue;
      const spec = c.toJson().spec ?? {};
      for (const g of spec.gateways ?? []) for (const h of spec.hosts ?? []) bindings.add(`${g}|${h}`);
    }
    return bindings;
  });
}
