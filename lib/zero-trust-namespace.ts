import { ApiObject, JsonPatch, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ConnectionMatrix } from './connection-matrix';
import { DataPlane } from './data-plane';
import { EgressGateway } from './egress-gateway';
import { ExternalHost, ExternalHostProtocol } from './external-host';
import {
  AuthorizationPolicy, AuthorizationPolicySpecAction, PeerAuthentication,
  PeerAuthenticationSpecMtlsMode, PeerAuthenticationSpecPortLevelMtlsMode, RequestAuthentication, RequestAuthenticationSpec,
} from './imports/security.istio.io';
import { MeshAnalyzer } from './mesh-analyzer';
import { IMeshInstallation } from './mesh-installation';
import { IMeshPeer, MeshPeer, MeshPeerConfig } from './mesh-peer';
import { MtlsMode, MtlsPortException } from './mtls';
import { PolicyEnforcement } from './policy-enforcement';
import { markLibraryConstruct } from './private/analyzer/ownership';
import { appIndex, oncePerSynth } from './private/app-scan';
import { describeValue, MeshValidationError } from './private/errors';
import { dependOnMesh } from './private/mesh-dependency';
import { ownedApiObjects } from './private/owned-objects';
import { recommendedLabels } from './private/recommended-labels';
import { validateDnsLabel, validateEnum } from './private/validate';
import { ambientRuleProblems, ambientUnsupportedHost } from './private/zero-trust/ambient-checks';
import { AmbientRenderer } from './private/zero-trust/ambient-renderer';
import { connectionMatrix } from './private/zero-trust/connections';
import { DataPlaneRenderer, RenderHost } from './private/zero-trust/data-plane-renderer';
import { ExternalEgress } from './private/zero-trust/external-egress';
import { validateJwtIssuers, validateRequestPrincipal } from './private/zero-trust/jwt';
import { labelsKey, NameAllocator, objectName } from './private/zero-trust/names';
import { peerPodSelectors, portsNotExposed, unknownServiceAccount } from './private/zero-trust/peer-pods';
import { findDisabledProbeRewrites } from './private/zero-trust/probes';
import { findZeroTrustNamespace, MirroredEgress, mirrorEgress, registerZeroTrustNamespace } from './private/zero-trust/registry';
import {
  ANNOTATION_DRY_RUN, ANNOTATION_MTLS_EXCEPTION_PREFIX, dnsEgressRule, externalCaPeer, networkPolicyPeer, networkPolicyPorts, podSelector,
} from './private/zero-trust/render';
import { ExceptionEntry, ExceptionGroup, InboundRule, OutboundRule } from './private/zero-trust/rules';
import { SidecarRenderer } from './private/zero-trust/sidecar-renderer';
import {
  validateAddress, validateExternalHostName, validateLabels, validateList, validateMethod, validatePath, validatePort, validateRequired,
} from './private/zero-trust/validate';
import { waypointTargetRef } from './private/zero-trust/waypoint';
import { IWorkloadSelector, WorkloadSelectorConfig } from './workload-selector';

type Labels = { [key: string]: string };

/** Pod labels of Istio's Prometheus addon (samples/addons/prometheus.yaml): the default scraper. */
const PROMETHEUS_ADDON_POD_LABELS = { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/component': 'server' };

/**
 * A JWT issuer whose tokens workloads of the namespace accept (RequestAuthentication).
 *
 * A RequestAuthentication only rejects requests with an INVALID token; requiring a token is the
 * job of `AllowFromOptions.requestPrincipals`.
 *
 * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
 */
export interface JwtIssuer {
  /**
   * Issuer (`iss` claim) of the tokens, e.g. `https://login.example.gov`.
   */
  readonly issuer: string;
  /**
   * HTTPS URL of the issuer's public key set (JWKS), fetched by istiod.
   */
  readonly jwksUri: string;
  /**
   * Accepted audiences (`aud` claim).
   * @default - any audience
   * @see https://istio.io/latest/docs/reference/config/security/jwt/#JWTRule
   */
  readonly audiences?: string[];
  /**
   * Pass the original token on to the application.
   * @default false
   * @see https://istio.io/latest/docs/reference/config/security/jwt/#JWTRule
   */
  readonly forwardOriginalToken?: boolean;
}

/**
 * Options of `ZeroTrustNamespace.allowFrom()`: what the peer may call.
 */
export interface AllowFromOptions {
  /**
   * Workloads of this namespace the peer may call.
   * @default - every workload of the namespace
   */
  readonly to?: IWorkloadSelector;
  /**
   * CONTAINER ports the peer may call (the ports the workloads listen on, not Service ports).
   * @default - every port
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
   */
  readonly ports?: number[];
  /**
   * HTTP methods the peer may use (HTTP traffic only: a rule with methods never matches TCP).
   * @default - every method
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
   */
  readonly methods?: string[];
  /**
   * HTTP paths the peer may call: exact (`/healthz`), prefix (`/api/*`) or suffix (`*.png`).
   * HTTP traffic only.
   * @default - every path
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
   */
  readonly paths?: string[];
  /**
   * End-user JWT principals the request must carry, `<issuer>/<subject>`, `<issuer>/*` (any
   * subject of that issuer) or `*` (any valid token). The issuer must be one of `jwtIssuers`.
   * @default - no end-user token required
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
   */
  readonly requestPrincipals?: string[];
  /**
   * JWT claims the request's token must carry, claim name to required value
   * (`request.auth.claims[<name>]`). Needs `jwtIssuers`.
   * @default - no claim required
   * @see https://istio.io/latest/docs/reference/config/security/conditions/
   */
  readonly requiredClaims?: { [claim: string]: string };
}

/**
 * Options of `ZeroTrustNamespace.allowTo()`.
 */
export interface AllowToOptions {
  /**
   * Workloads of this namespace that may make the calls.
   * @default - every workload of the namespace
   */
  readonly from?: IWorkloadSelector;
  /**
   * Destination CONTAINER ports.
   * @default - every port
   */
  readonly ports?: number[];
}

/**
 * Options of `ZeroTrustNamespace.allowEgressTo()`.
 */
export interface AllowEgressOptions {
  /**
   * Send the calls through this egress gateway (one audited exit) instead of straight out.
   * @default - straight out of the sidecar
   * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/
   */
  readonly via?: EgressGateway;
  /**
   * The application sends plain HTTP and the egress gateway opens HTTPS to the host (needs `via`).
   * @default false
   */
  readonly originateTls?: boolean;
  /**
   * Only these workloads of the namespace may call the host. Without `via`, the egress
   * NetworkPolicy opens the host's port for their pods only; as the namespace's Sidecar knows
   * every host of the namespace, a host without addresses that shares its port with a host
   * allowed to other workloads is an error (give addresses, or send it `via` an egress gateway).
   * With `via`, only their pods may reach the gateway.
   * @default - every workload of the namespace
   */
  readonly from?: IWorkloadSelector;
}

/**
 * Props of `ZeroTrustNamespace`.
 */
export interface ZeroTrustNamespaceProps {
  /**
   * Name of the Namespace.
   */
  readonly name: string;
  /**
   * The mesh: its injection labels go on the Namespace (sidecars), its trust domain into principals, its
   * namespace into the Sidecar egress hosts and the istiod NetworkPolicy.
   */
  readonly mesh: IMeshInstallation;
  /**
   * How the namespace's workloads join the mesh: sidecars, or ambient mode (ztunnel, plus a
   * waypoint for the rules that need L7). The rules you declare are the same for both; see
   * `DataPlane` for what each renders and what ambient cannot express.
   * @default DataPlane.SIDECAR
   * @see https://istio.io/latest/docs/ambient/overview/
   */
  readonly dataPlane?: DataPlane;
  /**
   * Enforce the allow rules, or only audit them (dry-run) while you find the missing ones.
   * @default PolicyEnforcement.ENFORCE
   * @see https://istio.io/latest/docs/tasks/security/authorization/authz-dry-run/
   */
  readonly enforcement?: PolicyEnforcement;
  /**
   * JWT issuers whose tokens workloads accept; rendered as one RequestAuthentication for the
   * namespace. Rules then require tokens with `requestPrincipals`.
   * @default - no RequestAuthentication
   * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
   */
  readonly jwtIssuers?: JwtIssuer[];
  /**
   * Ports exempt from STRICT mTLS, each with a written reason (see `addMtlsException`).
   * @default - none: STRICT on every port
   * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
   */
  readonly mtlsExceptions?: MtlsPortException[];
  /**
   * External services workloads may call (see `allowEgressTo`).
   * @default - none: no traffic leaves the mesh
   * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
   */
  readonly externalHosts?: ExternalHost[];
  /**
   * Namespaces that exist in the cluster but are not declared in this app (no
   * ZeroTrustNamespace or Namespace object), which peers may nevertheless live in. Every other
   * peer namespace must be declared in the same App: a typo then fails the synth instead of
   * silently allowing nothing (or the wrong namespace).
   * @default - only namespaces declared in the app, plus the mesh's namespace
   */
  readonly externalNamespaces?: string[];
  /**
   * The ingress gateway that `exposeToIngressGateway()` lets in.
   * @default MeshPeer.ingressGateway() - the mesh's `istio-ingressgateway`
   */
  readonly ingressGateway?: IMeshPeer;
  /**
   * Let Prometheus scrape the merged metrics every sidecar serves on port 15020
   * (`/stats/prometheus`): a NetworkPolicy admits the `prometheus` peer on that port only.
   * Port 15020 belongs to pilot-agent and is not captured by Envoy, so mTLS and
   * AuthorizationPolicies do not apply to it; the NetworkPolicy is what restricts it. With
   * `DataPlane.AMBIENT` the pods serve no merged metrics: the NetworkPolicy admits Prometheus to
   * the waypoint's 15020 only, when there is a waypoint.
   * @default true
   * @see https://istio.io/latest/docs/ops/integrations/prometheus/#option-1-metrics-merging
   */
  readonly allowPrometheusScraping?: boolean;
  /**
   * Where Prometheus runs (its namespace, and pod labels to narrow the NetworkPolicy). Give pod
   * labels: a peer without them opens port 15020 to every pod of its namespace at the network
   * layer (gateways and istiod included).
   * @default - service account `prometheus` in the mesh's namespace, pods labelled
   * `app.kubernetes.io/name: prometheus` and `app.kubernetes.io/component: server` (Istio's
   * Prometheus addon)
   */
  readonly prometheus?: IMeshPeer;
  /**
   * Warn at synth when a workload of the namespace turns Istio's kubelet probe rewrite off
   * (`sidecar.istio.io/rewriteAppHTTPProbers: "false"`) while having httpGet/tcpSocket/gRPC
   * probes: under STRICT mTLS kubelet cannot reach them. Sidecars only: ambient pods have no
   * rewrite (kubelet's probes come from 169.254.7.127, which ztunnel lets through).
   * @default true
   * @see https://istio.io/latest/docs/ops/configuration/mesh/app-health-check/
   */
  readonly checkProbeRewrite?: boolean;
}


/**
 * A namespace where nothing talks to anything unless declared: mTLS STRICT, default deny at L7
 * (AuthorizationPolicy) and L3 (NetworkPolicy), egress locked to declared hosts (Sidecar
 * `REGISTRY_ONLY` + ServiceEntries), and explicit allow rules by mesh identity that are rendered
 * consistently into every layer.
 *
 * Emits: the Namespace (with the mesh's injection labels); PeerAuthentication `default` (STRICT)
 * plus one per workload with port exceptions; AuthorizationPolicy `deny-all` (empty spec) plus
 * one ALLOW policy per rule; RequestAuthentication `jwt` when JWT issuers are given;
 * NetworkPolicies `default-deny` (ingress + egress), `allow-dns`, `allow-istiod`,
 * `allow-metrics-scrape`, `allow-ca` (with an external CA) and one per rule; Sidecar `default`; one ServiceEntry per external host.
 *
 * That is the sidecar rendering (`DataPlane.SIDECAR`, the default). With `dataPlane:
 * DataPlane.AMBIENT` the same rules are rendered for ztunnel (selector AuthorizationPolicies with
 * L4 fields only, NetworkPolicies on HBONE 15008 and for kubelet probes from 169.254.7.127, no
 * Sidecar) and, for rules with L7 conditions or JWT issuers, a waypoint (Gateway API `Gateway` of
 * class `istio-waypoint`) with `targetRefs` policies; `connections()` is the same for both.
 *
 * Rules are declared on the callee (`allowFrom`). When the caller's namespace is also a
 * ZeroTrustNamespace of the same app, its egress NetworkPolicy and Sidecar host are added for
 * you, whichever of the two is declared first.
 *
 * @see https://istio.io/latest/docs/concepts/security/
 */
export class ZeroTrustNamespace extends Construct {
  /** Name of the Namespace. */
  public readonly name: string;
  /** The mesh the namespace belongs to. */
  public readonly mesh: IMeshInstallation;
  /** Whether the allow rules are enforced or audited. */
  public readonly enforcement: PolicyEnforcement;
  /** How the namespace's workloads join the mesh. */
  public readonly dataPlane: DataPlane;
  /** The gateway `exposeToIngressGateway()` lets in. */
  public readonly ingressGateway: IMeshPeer;
  /** Whether Prometheus may scrape merged metrics on port 15020. */
  public readonly allowPrometheusScraping: boolean;
  /** Whether synth warns about workloads that turn the probe rewrite off. */
  public readonly checkProbeRewrite: boolean;

  private readonly enforced: boolean;
  private readonly jwtIssuers: JwtIssuer[];
  private readonly externalNamespaces: string[];
  private readonly prometheusPeer?: MeshPeerConfig;
  private readonly inbound: InboundRule[] = [];
  private readonly inboundKeys = new Set<string>();
  private readonly outbound: OutboundRule[] = [];
  private readonly outboundKeys = new Set<string>();
  private readonly mirrored: MirroredEgress[] = [];
  private readonly mirroredKeys = new Set<string>();
  private readonly exceptionGroups = new Map<string, ExceptionGroup>();
  /** Gateway ports already opened by `allowEgressTo(..., { via })`, per egress gateway and calling workloads. */
  private readonly egressGatewayPorts = new Map<string, Set<number>>();
  private readonly authzNames = new NameAllocator();
  private readonly netpolNames = new NameAllocator();
  private readonly peerAuthentications: Construct;
  private readonly authorizationPolicies: Construct;
  private readonly networkPolicies: Construct;
  private readonly serviceEntries: Construct;
  private readonly externalEgress: ExternalEgress;
  private readonly renderer: DataPlaneRenderer;
  private readonly warned = new WeakSet<ApiObject>();

  constructor(scope: Construct, id: string, props: ZeroTrustNamespaceProps) {
    super(scope, id);
    MeshAnalyzer.of(this);
    markLibraryConstruct(this);
    if (!props || typeof props !== 'object') {
      throw new MeshValidationError(this, `props are required, got ${describeValue(props, 'object')}; e.g. { name: 'shop', mesh }`);
    }
    validateDnsLabel(this, 'name', props.name);
    if (!props.mesh || typeof props.mesh !== 'object' || typeof props.mesh.namespace !== 'string') {
      throw new MeshValidationError(this, `'mesh' is required, got ${describeValue(props.mesh, 'object')}; pass the MeshInstallation, or ` +
        "MeshInstallation.fromExisting(scope, 'Mesh') for a mesh installed elsewhere");
    }
    if (props.name === props.mesh.namespace || props.name === 'kube-system') {
      throw new MeshValidationError(this,
        `'name' must not be "${props.name}": the control plane and kube-system must stay reachable; choose an application namespace`);
    }
    if (findZeroTrustNamespace(this, props.name)) {
      throw new MeshValidationError(this,
        `'name' "${props.name}" is already a ZeroTrustNamespace in this app (${findZeroTrustNamespace(this, props.name)!.node.path}); declare each namespace once`);
    }
    this.name = props.name;
    this.mesh = props.mesh;
    validateEnum(this, 'enforcement', props.enforcement, 'PolicyEnforcement', { ...PolicyEnforcement });
    this.enforcement = props.enforcement ?? PolicyEnforcement.ENFORCE;
    validateEnum(this, 'dataPlane', props.dataPlane, 'DataPlane', { ...DataPlane });
    this.dataPlane = props.dataPlane ?? DataPlane.SIDECAR;
    if (this.dataPlane === DataPlane.AMBIENT && (props.mesh as { ambient?: boolean }).ambient === false) {
      throw new MeshValidationError(this, `'dataPlane' DataPlane.AMBIENT needs ztunnel on every node, but mesh ${(props.mesh as unknown as Construct).node.path} ` +
        'is not installed in ambient mode: nothing would enforce mTLS or the rules; install it with profile: MeshProfile.AMBIENT, or keep ' +
        'DataPlane.SIDECAR');
    }
    for (const flag of ['allowPrometheusScraping', 'checkProbeRewrite'] as const) {
      if (props[flag] !== undefined && props[flag] !== null && typeof props[flag] !== 'boolean') {
        throw new MeshValidationError(this, `'${flag}' must be true or false, got ${describeValue(props[flag], 'boolean')}`);
      }
    }
    this.enforced = this.enforcement === PolicyEnforcement.ENFORCE;
    this.ingressGateway = props.ingressGateway ?? MeshPeer.ingressGateway();
    this.allowPrometheusScraping = props.allowPrometheusScraping ?? true;
    this.checkProbeRewrite = props.checkProbeRewrite ?? true;
    this.externalNamespaces = [...(props.externalNamespaces ?? [])];
    MeshAnalyzer.of(this).addExternalNamespaces(...this.externalNamespaces);
    validateList(this, 'externalNamespaces', props.externalNamespaces, "omit 'externalNamespaces' if there are none",
      (ns, prop) => validateDnsLabel(this, prop, ns));
    this.jwtIssuers = validateJwtIssuers(this, props.jwtIssuers);
    dependOnMesh(this, props.mesh);

    this.renderer = this.dataPlane === DataPlane.AMBIENT
      ? new AmbientRenderer(this.renderHost(), () => namespace)
      : new SidecarRenderer(this.renderHost());
    const namespace: ApiObject = new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: this.name,
        labels: { ...recommendedLabels(this, { name: this.name, component: 'zero-trust', partOf: this.name }), ...this.renderer.namespaceLabels() },
      },
    });
    // Namespaces are cluster-scoped: drop the namespace a namespaced chart stamps on every object.
    if (namespace.metadata.namespace !== undefined) namespace.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    this.peerAuthentications = new Construct(this, 'PeerAuthentications');
    new PeerAuthentication(this.peerAuthentications, 'default', {
      metadata: this.metadata('default'),
      spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT } },
    });
    if (this.jwtIssuers.length > 0) {
      // Not the L1 class: its toJson writes the CRD's legacy alias `jwks_uri`; Istio documents
      // `jwksUri`. The spec is still typed by the L1 interface, whose keys are the JSON names.
      const spec: RequestAuthenticationSpec = {
        // Ambient: tokens are validated by the waypoint (ztunnel sees no HTTP).
        targetRefs: this.dataPlane === DataPlane.AMBIENT ? [waypointTargetRef()] : undefined,
        jwtRules: this.jwtIssuers.map((j) => ({
          issuer: j.issuer,
          jwksUri: j.jwksUri,
          audiences: j.audiences ? [...j.audiences] : undefined,
          forwardOriginalToken: j.forwardOriginalToken,
        })),
      };
      new ApiObject(this, 'RequestAuthentication', { ...RequestAuthentication.GVK, metadata: this.metadata('jwt'), spec });
    }
    this.authorizationPolicies = new Construct(this, 'AuthorizationPolicies');
    new AuthorizationPolicy(this.authorizationPolicies, this.authzNames.allocate('deny-all'), {
      metadata: this.metadata('deny-all', this.dryRun()),
      spec: {},
    });
    this.networkPolicies = new Construct(this, 'NetworkPolicies');
    this.serviceEntries = new Construct(this, 'ServiceEntries');
    this.externalEgress = new ExternalEgress(this, this.serviceEntries, this.enforced ? this.networkPolicies : undefined, this.netpolNames,
      (name) => this.metadata(name));
    if (this.allowPrometheusScraping) {
      this.prometheusPeer = this.resolvePeer(props.prometheus ?? MeshPeer.serviceAccount(props.mesh.namespace, 'prometheus', {
        podLabels: { ...PROMETHEUS_ADDON_POD_LABELS },
      }), 'prometheus');
    }
    if (this.enforced) this.renderBaselineNetworkPolicies();
    // JWT validation is L7: in ambient mode, the waypoint does it.
    if (this.renderer instanceof AmbientRenderer && this.jwtIssuers.length > 0) this.renderer.ensureWaypoint();
    this.renderer.renderEgressLock();

    this.node.addValidation({
      validate: oncePerSynth(this, () => [...this.validateKnownNamespaces(), ...this.validateAgainstApp(), ...this.validateAmbient()]),
    });
    // The probe rewrite is the sidecar's: ambient pods get kubelet's probes from 169.254.7.127, which ztunnel lets through.
    if (this.checkProbeRewrite && this.dataPlane === DataPlane.SIDECAR) {
      this.node.addValidation({ validate: oncePerSynth(this, () => this.warnDisabledProbeRewrites()) });
    }

    registerZeroTrustNamespace(this, this.name);
    for (const exception of props.mtlsExceptions ?? []) this.addMtlsException(exception);
    for (const host of props.externalHosts ?? []) this.allowEgressTo(host);
  }

  /**
   * Deploys the namespace's waypoint (ambient only) even when no rule needs one: HTTPRoutes with a
   * Service parent (`ServiceRouting` or `CanaryRelease` with `RoutingApi.GATEWAY_API`) route
   * ambient traffic only at a waypoint. Every rule of the namespace is then also enforced there.
   * Rules needing L7 (methods, paths, JWT) deploy it without this call.
   */
  public addWaypoint(): void {
    if (!(this.renderer instanceof AmbientRenderer)) {
      throw new MeshValidationError(this, "'addWaypoint' needs dataPlane: DataPlane.AMBIENT; sidecars route and authorize in each pod's " +
        'proxy, which needs no waypoint: drop the call, or move the namespace to ambient mode');
    }
    this.renderer.ensureWaypoint();
  }

  /** Whether the namespace has a waypoint (ambient mode, with L7 rules or `addWaypoint()`). */
  public get hasWaypoint(): boolean {
    return this.renderer instanceof AmbientRenderer && this.renderer.hasWaypoint;
  }

  /**
   * Every Kubernetes object this construct has rendered so far, to patch with `addJsonPatch()`
   * (`ApiObject.of()` has no single answer for a construct of several objects), e.g.
   * `x.apiObjects.find((o) => o.kind === 'AuthorizationPolicy' && o.name === 'allow-web')`.
   */
  public get apiObjects(): ApiObject[] {
    return ownedApiObjects(this);
  }

  /**
   * Allows `peer` to call workloads of this namespace.
   *
   * Renders an ALLOW AuthorizationPolicy (principals or namespace of the peer; ports, methods,
   * paths, JWT requirements) and an ingress NetworkPolicy (the peer's namespace and pod labels,
   * same ports). When the peer's namespace is a ZeroTrustNamespace of this app, it also gets the
   * matching egress NetworkPolicy and Sidecar host.
   *
   * With `DataPlane.AMBIENT`: the AuthorizationPolicy keeps the L4 fields only (ztunnel), the
   * NetworkPolicies admit HBONE (15008); a rule with methods, paths, request principals or claims
   * deploys the namespace's waypoint and is enforced there (a `targetRefs` policy on the Services of
   * the selected pods, with Service ports), while ztunnel admits only the waypoint for it. Such a
   * rule for a caller that never passes a waypoint (a sidecar namespace of this app, the ingress
   * gateway) fails the synth.
   *
   * @param peer who may call, e.g. `MeshPeer.serviceAccount('frontend', 'web')`
   * @param options what it may call
   */
  public allowFrom(peer: IMeshPeer, options: AllowFromOptions = {}): void {
    const config = this.resolvePeer(peer, 'allowFrom');
    const target = options.to ? this.resolveSelector(options.to, 'to') : undefined;
    validateList(this, 'ports', options.ports, "omit 'ports' to allow every port", (p, prop) => validatePort(this, prop, p));
    validateList(this, 'methods', options.methods, "omit 'methods' to allow every method", (m, prop) => validateMethod(this, prop, m));
    validateList(this, 'paths', options.paths, "omit 'paths' to allow every path", (p, prop) => validatePath(this, prop, p));
    validateList(this, 'requestPrincipals', options.requestPrincipals, "omit 'requestPrincipals' to require no end-user token",
      (p, prop) => validateRequestPrincipal(this, this.jwtIssuers, prop, p));
    const requiredClaims = { ...(options.requiredClaims ?? {}) };
    for (const [claim, value] of Object.entries(requiredClaims)) {
      if (this.jwtIssuers.length === 0) {
        throw new MeshValidationError(this, '\'requiredClaims\' needs a JWT issuer to check tokens against; add \'jwtIssuers\' to the ZeroTrustNamespace props');
      }
      validateRequired(this, `requiredClaims.${claim}`, value, 'give the value the claim must have');
      if (claim.trim().length === 0) throw new MeshValidationError(this, "'requiredClaims' has an empty claim name; name the claim, e.g. 'groups'");
    }

    const rule: InboundRule = {
      peer: config,
      target,
      ports: sortedNumbers(options.ports),
      methods: [...(options.methods ?? [])].sort(),
      paths: [...(options.paths ?? [])].sort(),
      requestPrincipals: [...(options.requestPrincipals ?? [])].sort(),
      requiredClaims,
    };
    const key = JSON.stringify([peerKey(config), labelsKey(target?.labels), rule.ports, rule.methods, rule.paths, rule.requestPrincipals,
      Object.entries(requiredClaims).sort()]);
    if (this.inboundKeys.has(key)) {
      throw new MeshValidationError(this,
        `'allowFrom' duplicates an earlier rule: ${config.description} -> ${this.name}/${target?.description ?? '*'}` +
        `${rule.ports.length ? ` on ports ${rule.ports.join(',')}` : ''}; remove one of them`);
    }
    this.inboundKeys.add(key);
    this.inbound.push(rule);

    const base = target ? objectName('allow', config.name, 'to', target.name) : objectName('allow', config.name);
    this.renderer.renderInbound(rule, base);
    mirrorEgress(this, config.namespace, {
      // Ambient pods are reached over HBONE (15008), whatever the caller's data plane.
      toHbone: this.dataPlane === DataPlane.AMBIENT,
      fromPodLabels: config.podLabels,
      resolveFromPodLabels: config.podLabels ? undefined : () => singleSelector(peerPodSelectors(this, config)),
      fromIdentity: config.description,
      toNamespace: this.name,
      toPodLabels: target?.labels,
      toName: target ? `${this.name}-${target.name}` : this.name,
      ports: rule.ports,
    });
  }

  /**
   * Lets the ingress gateway (`ingressGateway` prop) call workloads of this namespace: the
   * services you expose through it. Same options and output as `allowFrom`.
   */
  public exposeToIngressGateway(options: AllowFromOptions = {}): void {
    this.allowFrom(this.ingressGateway, options);
  }

  /**
   * Allows workloads of this namespace to call `peer`: an egress NetworkPolicy and a Sidecar
   * egress host `<peer namespace>/*`.
   *
   * Not needed when the peer's namespace is a ZeroTrustNamespace of this app that declares
   * `allowFrom` for this namespace (that adds the egress for you). The callee still decides who
   * may call it (its own AuthorizationPolicies); this only opens the way out.
   *
   * @param peer the destination, e.g. `MeshPeer.namespace('payments')`
   * @param options which workloads may call, on which ports
   */
  public allowTo(peer: IMeshPeer, options: AllowToOptions = {}): void {
    const config = this.resolvePeer(peer, 'allowTo');
    const from = options.from ? this.resolveSelector(options.from, 'from') : undefined;
    validateList(this, 'ports', options.ports, "omit 'ports' to allow every port", (p, prop) => validatePort(this, prop, p));
    const rule: OutboundRule = { peer: config, from, ports: sortedNumbers(options.ports) };
    const key = JSON.stringify([peerKey(config), labelsKey(from?.labels), rule.ports]);
    if (this.outboundKeys.has(key)) {
      throw new MeshValidationError(this,
        `'allowTo' duplicates an earlier rule: ${this.name}/${from?.description ?? '*'} -> ${config.description}; remove one of them`);
    }
    this.outboundKeys.add(key);
    this.outbound.push(rule);
    this.addEgressPolicy(objectName('allow-to', config.name), from?.labels, config.namespace,
      config.podLabels ?? (() => singleSelector(peerPodSelectors(this, config))), this.renderer.egressPorts(rule.ports, false));
  }

  /**
   * Allows workloads of this namespace to call a service outside the mesh: a ServiceEntry
   * (one per host, ports merged), a host of the Sidecar and an egress NetworkPolicy rule on the
   * host's port (to its addresses when given, else to any address: the Sidecar, which only lets
   * registered hosts out, does the host filtering).
   *
   * With `options.via`, the call leaves through that egress gateway instead: the gateway
   * renders the routing (`EgressGateway.routeHost`), and this namespace gets the Sidecar host and
   * an egress NetworkPolicy to the gateway pods only, no ServiceEntry and no rule to any address.
   *
   * With `DataPlane.AMBIENT` there is no Sidecar to filter by host name: the host needs addresses
   * (`ExternalHost.tcp(host, port, addresses)`), and `via` is refused (ambient pods do not apply
   * the gateway's `mesh` VirtualService).
   *
   * @param host e.g. `ExternalHost.https('api.example.com')`
   * @param options how the call leaves the mesh
   */
  public allowEgressTo(host: ExternalHost, options: AllowEgressOptions = {}): void {
    if (!(host instanceof ExternalHost)) {
      throw new MeshValidationError(this, `'allowEgressTo' needs an ExternalHost, got ${describeValue(host, 'ExternalHost')}; ` +
        "e.g. ExternalHost.https('api.example.com')");
    }
    const from = options.from ? this.resolveSelector(options.from, 'allowEgressTo from') : undefined;
    const unsupported = this.dataPlane === DataPlane.AMBIENT ? ambientUnsupportedHost(host, options.via !== undefined) : undefined;
    if (unsupported) throw new MeshValidationError(this, unsupported);
    if (options.via) {
      const route = options.via.routeHost(host, { clients: [this.name], originateTls: options.originateTls });
      const key = JSON.stringify([options.via.node.addr, labelsKey(from?.labels)]);
      const allowed = this.egressGatewayPorts.get(key) ?? new Set<number>();
      const ports = route.gatewayPorts.filter((p) => !allowed.has(p));
      if (ports.length > 0) this.allowTo(options.via, { ports, from: options.from });
      ports.forEach((p) => allowed.add(p));
      this.egressGatewayPorts.set(key, allowed);
      return;
    }
    if (options.originateTls !== undefined) {
      throw new MeshValidationError(this,
        `'originateTls' for ${host.host} needs 'via': TLS is originated by an egress gateway; add via: <EgressGateway> or remove originateTls`);
    }
    validateExternalHostName(this, 'ExternalHost host', host.host, host.protocol !== ExternalHostProtocol.TCP);
    validatePort(this, 'ExternalHost port', host.port);
    if (host._addressesInput !== undefined && host._addressesInput !== null && !Array.isArray(host._addressesInput)) {
      throw new MeshValidationError(this, `'ExternalHost addresses' of ${host.host} must be a list such as ["203.0.113.10"], ` +
        `got ${describeValue(host._addressesInput, 'object')}; wrap the address in [ ]`);
    }
    host.addresses.forEach((a, i) => validateAddress(this, `ExternalHost addresses[${i}]`, a));
    this.externalEgress.add({ host, from });
    // No Sidecar host of its own: the ServiceEntry lives in this namespace (exportTo "."), so
    // `./*` already imports it, and Istio rejects `./<host>` next to `./*` as a duplicate.
  }

  /**
   * Exempts one container port of selected workloads from STRICT mTLS, with a written reason.
   * See `MtlsPortException` for what is rendered. With `DataPlane.AMBIENT`, ztunnel honours a
   * PERMISSIVE port (the same objects); `MtlsMode.DISABLE` is refused.
   */
  public addMtlsException(exception: MtlsPortException): void {
    if (!exception.selector) {
      throw new MeshValidationError(this,
        `'mtlsExceptions' for port ${exception.port} needs a 'selector': Istio ignores port-level mTLS without a workload selector; select the workload that listens on the port`);
    }
    validatePort(this, 'mtlsExceptions.port', exception.port);
    if (exception.mode !== MtlsMode.PERMISSIVE && exception.mode !== MtlsMode.DISABLE) {
      throw new MeshValidationError(this,
        `'mtlsExceptions.mode' must be MtlsMode.PERMISSIVE or MtlsMode.DISABLE, got ${JSON.stringify(exception.mode)}; STRICT is already the namespace mode`);
    }
    if (this.dataPlane === DataPlane.AMBIENT && exception.mode === MtlsMode.DISABLE) {
      throw new MeshValidationError(this,
        `'mtlsExceptions.mode' MtlsMode.DISABLE for port ${exception.port} is a sidecar setting (the sidecar stops terminating mTLS on the ` +
        'port); under ambient, ztunnel takes a port exception as PERMISSIVE (plaintext callers let in): declare it with MtlsMode.PERMISSIVE, ' +
        'or keep the namespace on DataPlane.SIDECAR');
    }
    validateRequired(this, 'mtlsExceptions.reason', exception.reason,
      `write down why port ${exception.port} cannot use mTLS (it is kept as an annotation for reviewers)`);
    const selector = this.resolveSelector(exception.selector, 'mtlsExceptions.selector');
    const callers = (exception.callers ?? []).map((c) => this.resolvePeer(c, 'mtlsExceptions.callers'));
    const groupKey = labelsKey(selector.labels);
    let group = this.exceptionGroups.get(groupKey);
    if (group?.entries.some((e) => e.port === exception.port)) {
      throw new MeshValidationError(this,
        `'mtlsExceptions' declares port ${exception.port} of ${selector.description} twice; keep one exception per port`);
    }
    const entry: ExceptionEntry = { port: exception.port, mode: exception.mode, reason: exception.reason.trim(), callers };
    if (!group) {
      group = { selector, entries: [entry] };
      this.exceptionGroups.set(groupKey, group);
      this.renderExceptionGroup(group);
    } else {
      group.entries.push(entry);
    }
    group.peerAuthentication!.metadata.addAnnotation(`${ANNOTATION_MTLS_EXCEPTION_PREFIX}${entry.port}`, entry.reason);
    for (const caller of callers) {
      mirrorEgress(this, caller.namespace, {
        fromPodLabels: caller.podLabels,
        resolveFromPodLabels: caller.podLabels ? undefined : () => singleSelector(peerPodSelectors(this, caller)),
        fromIdentity: caller.description,
        toNamespace: this.name,
        toPodLabels: selector.labels,
        toName: `${this.name}-${selector.name}`,
        ports: [exception.port],
      });
    }
    if (this.enforced && callers.length > 0) {
      const name = this.netpolNames.allocate(objectName('allow-plaintext', selector.name, String(exception.port)));
      new k8s.KubeNetworkPolicy(this.networkPolicies, name, {
        metadata: this.metadata(name),
        spec: Lazy.any({
          produce: () => ({
            podSelector: podSelector(selector.labels),
            policyTypes: ['Ingress'],
            ingress: [{ from: callers.flatMap((c) => this.networkPeers(c)), ports: networkPolicyPorts([exception.port]) }],
          }),
        }),
      });
    }
  }

  /** External hosts declared so far (a copy). */
  public get externalHosts(): ExternalHost[] {
    return this.externalEgress.declared.map((r) => r.host);
  }

  /**
   * The who-can-call-whom matrix of this namespace: allow rules, mTLS exceptions, metrics
   * scraping, egress to peers, external hosts, DNS and istiod. Render it with `toMarkdown()` or
   * `toMermaid()` for review.
   */
  public connections(): ConnectionMatrix {
    return connectionMatrix({
      namespace: this.name,
      externalCa: externalCaPeer(this.mesh.caAddress, this.mesh.caPodPort),
      enforcement: this.enforcement,
      enforced: this.enforced,
      meshNamespace: this.mesh.namespace,
      inbound: this.inbound,
      exceptionGroups: [...this.exceptionGroups.values()],
      prometheusPeer: this.prometheusPeer,
      outbound: this.outbound,
      external: this.externalEgress.declared,
      dataPlane: this.dataPlane,
      waypoint: this.renderer instanceof AmbientRenderer && this.renderer.hasWaypoint,
    });
  }

  /**
   * Applies egress that a callee asked for (see `mirrorEgress`).
   * @internal
   */
  public _addMirroredEgress(egress: MirroredEgress): void {
    const from = egress.resolveFromPodLabels ? `sa:${egress.fromIdentity}` : labelsKey(egress.fromPodLabels);
    const key = JSON.stringify([from, egress.toNamespace, labelsKey(egress.toPodLabels), egress.ports]);
    if (this.mirroredKeys.has(key)) return;
    this.mirroredKeys.add(key);
    this.mirrored.push(egress);
    this.addEgressPolicy(objectName('allow-to', egress.toName), egress.resolveFromPodLabels ?? egress.fromPodLabels, egress.toNamespace,
      egress.toPodLabels, this.renderer.egressPorts(egress.ports, egress.toHbone === true));
  }

  /**
   * An egress NetworkPolicy from some pods of this namespace to some pods of another. Label sets
   * given as functions are resolved at synthesis (the pods of a service account).
   */
  private addEgressPolicy(base: string, fromLabels: Labels | (() => Labels | undefined) | undefined, toNamespace: string,
    toLabels: Labels | (() => Labels | undefined) | undefined, ports: number[]): void {
    this.renderer.addEgressNamespace(toNamespace);
    if (!this.enforced) return;
    const name = this.netpolNames.allocate(base);
    const resolve = (l: Labels | (() => Labels | undefined) | undefined) => (typeof l === 'function' ? l() : l);
    new k8s.KubeNetworkPolicy(this.networkPolicies, name, {
      metadata: this.metadata(name),
      spec: Lazy.any({
        produce: () => ({
          podSelector: podSelector(resolve(fromLabels)),
          policyTypes: ['Egress'],
          egress: [{ to: [networkPolicyPeer(toNamespace, resolve(toLabels))], ports: networkPolicyPorts(ports) }],
        }),
      }),
    });
  }

  private renderBaselineNetworkPolicies(): void {
    new k8s.KubeNetworkPolicy(this.networkPolicies, this.netpolNames.allocate('default-deny'), {
      metadata: this.metadata('default-deny'),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k8s.KubeNetworkPolicy(this.networkPolicies, this.netpolNames.allocate('allow-dns'), {
      metadata: this.metadata('allow-dns'),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [dnsEgressRule()],
      },
    });
    this.renderer.renderBaseline();
  }

  private renderExceptionGroup(group: ExceptionGroup): void {
    const name = objectName('mtls-exception', group.selector.name);
    group.peerAuthentication = new PeerAuthentication(this.peerAuthentications, name, {
      metadata: this.metadata(name),
      spec: Lazy.any({
        produce: () => ({
          selector: { matchLabels: { ...group.selector.labels } },
          mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT },
          portLevelMtls: Object.fromEntries([...group.entries].sort((a, b) => a.port - b.port)
            .map((e) => [String(e.port), { mode: e.mode as string as PeerAuthenticationSpecPortLevelMtlsMode }])),
        }),
      }),
    });
    const authzName = this.authzNames.allocate(objectName('allow-plaintext', group.selector.name));
    new AuthorizationPolicy(this.authorizationPolicies, authzName, {
      metadata: this.metadata(authzName, this.dryRun()),
      spec: Lazy.any({
        produce: () => ({
          selector: { matchLabels: { ...group.selector.labels } },
          action: AuthorizationPolicySpecAction.ALLOW,
          rules: [{ to: [{ operation: { ports: sortedNumbers(group.entries.map((e) => e.port)).map(String) } }] }],
        }),
      }),
    });
  }

  /**
   * NetworkPolicy peers for a mesh peer: its pods (declared labels, or the app's workloads that run
   * as its service account), else every pod of its namespace. Resolved at synthesis, when every
   * workload of the app exists.
   */
  private networkPeers(peer: MeshPeerConfig): k8s.NetworkPolicyPeer[] {
    const selectors = peerPodSelectors(this, peer);
    return selectors ? selectors.map((labels) => networkPolicyPeer(peer.namespace, labels)) : [networkPolicyPeer(peer.namespace)];
  }

  /** Synth-time checks of the rules against the app's workloads: identities that run nowhere, ports the pods do not expose. */
  private validateAgainstApp(): string[] {
    const external = new Set(this.externalNamespaces);
    const errors: string[] = [];
    const peer = (prop: string, p: MeshPeerConfig) => {
      const e = unknownServiceAccount(this, prop, p, external);
      if (e) errors.push(e);
    };
    for (const r of this.inbound) {
      peer("'allowFrom'", r.peer);
      errors.push(...portsNotExposed(this, "'allowFrom'", this.name, r.target?.labels, r.target?.description ?? '*', r.ports));
    }
    for (const g of this.exceptionGroups.values()) {
      for (const e of g.entries) e.callers.forEach((c) => peer("'mtlsExceptions' caller", c));
      errors.push(...portsNotExposed(this, "'mtlsExceptions'", this.name, g.selector.labels, g.selector.description, g.entries.map((e) => e.port)));
    }
    for (const r of this.outbound) peer("'allowTo'", r.peer);
    return [...new Set(errors)];
  }

  private resolvePeer(peer: IMeshPeer, prop: string): MeshPeerConfig {
    if (!peer || typeof peer.toMeshPeerConfig !== 'function') {
      throw new MeshValidationError(this, `'${prop}' needs a peer, got ${describeValue(peer, 'IMeshPeer')}; use MeshPeer.serviceAccount(), MeshPeer.namespace() or another MeshPeer factory`);
    }
    const config = peer.toMeshPeerConfig(this, this.mesh);
    validateDnsLabel(this, `${prop} peer namespace`, config.namespace);
    for (const principal of config.principals ?? []) {
      if (!principal.startsWith(`${this.mesh.trustDomain}/`)) {
        throw new MeshValidationError(this,
          `'${prop}' peer principal ${JSON.stringify(principal)} is not in the mesh's trust domain "${this.mesh.trustDomain}"; ` +
          'use an identity of this mesh (MeshPeer.serviceAccount)');
      }
    }
    if (config.podLabels) validateLabels(this, `${prop} peer podLabels`, config.podLabels);
    return config;
  }

  private resolveSelector(selector: IWorkloadSelector, prop: string): WorkloadSelectorConfig {
    if (!selector || typeof (selector as any).toWorkloadSelectorConfig !== 'function') {
      throw new MeshValidationError(this, `'${prop}' needs a workload selector, got ${describeValue(selector, 'IWorkloadSelector')}; ` +
        "use WorkloadSelector.fromLabels({ app: 'api' }) or WorkloadSelector.fromDeployment(deployment)");
    }
    const config = selector.toWorkloadSelectorConfig();
    validateLabels(this, prop, config.labels);
    if (config.namespace !== undefined && config.namespace !== this.name) {
      throw new MeshValidationError(this,
        `'${prop}' selects ${config.description} in namespace "${config.namespace}", but this ZeroTrustNamespace is "${this.name}"; ` +
        'select workloads of this namespace (set the workload\'s namespace or chart namespace to it)');
    }
    if (config.namespace === undefined && /^(deployment|statefulset|daemonset) /.test(config.description)) {
      throw new MeshValidationError(this,
        `'${prop}' selects ${config.description}, which has no namespace; set metadata.namespace (or the chart namespace) to "${this.name}"`);
    }
    return config;
  }

  /** Synth-time check: every peer namespace is declared in the app or listed as external. */
  private validateKnownNamespaces(): string[] {
    const declared = appIndex(this, 'namespace-objects', (all) => new Set(all
      .filter((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Namespace' && c.apiVersion === 'v1')
      .map((c) => c.name)));
    const known = new Set<string>([this.mesh.namespace, ...this.externalNamespaces, ...declared]);
    const errors: string[] = [];
    const check = (ns: string, what: string) => {
      if (!known.has(ns)) {
        errors.push(`${what} lives in namespace "${ns}", which is not declared in this app; declare it (a ZeroTrustNamespace or ` +
          'a Namespace in the same App) or list it in \'externalNamespaces\' if it is managed elsewhere');
      }
    };
    for (const r of this.inbound) check(r.peer.namespace, `'allowFrom' peer ${r.peer.description}`);
    for (const r of this.outbound) check(r.peer.namespace, `'allowTo' peer ${r.peer.description}`);
    for (const g of this.exceptionGroups.values()) {
      for (const e of g.entries) for (const c of e.callers) check(c.namespace, `'mtlsExceptions' caller ${c.description}`);
    }
    if (this.prometheusPeer) check(this.prometheusPeer.namespace, `'prometheus' peer ${this.prometheusPeer.description}`);
    return [...new Set(errors)];
  }

  /** Synth-time warning (never an error): workloads that turn the probe rewrite off under STRICT mTLS. */
  private warnDisabledProbeRewrites(): string[] {
    for (const finding of findDisabledProbeRewrites(this, this.name)) {
      if (this.warned.has(finding.workload)) continue;
      this.warned.add(finding.workload);
      console.warn(`[${this.node.path}] warning: ${finding.workload.kind} "${finding.workload.name}" sets ` +
        `sidecar.istio.io/rewriteAppHTTPProbers: "false" but namespace "${this.name}" enforces STRICT mTLS: kubelet has no mesh ` +
        `certificate, so its probes (${finding.probes.join(', ')}) will fail; remove the annotation, or set 'checkProbeRewrite: false' ` +
        'if the probes are served on a port excluded from mTLS');
    }
    return [];
  }

  /** What the data plane renderer needs from this namespace (containers are read when it renders, after the constructor made them). */
  private renderHost(): RenderHost {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      scope: this,
      namespace: this.name,
      mesh: this.mesh,
      get enforced() { return self.enforced; },
      get authorizationPolicies() { return self.authorizationPolicies; },
      get networkPolicies() { return self.networkPolicies; },
      authzNames: this.authzNames,
      netpolNames: this.netpolNames,
      metadata: (name, annotations) => this.metadata(name, annotations),
      dryRun: () => this.dryRun(),
      networkPeers: (peer) => this.networkPeers(peer),
      get prometheusPeer() { return self.prometheusPeer; },
    };
  }

  /** Synth-time checks of ambient mode: rules the waypoint cannot attach exactly, L7 rules whose callers never pass a waypoint. */
  private validateAmbient(): string[] {
    if (this.dataPlane !== DataPlane.AMBIENT) return [];
    const ingressGateway = peerKey(this.resolvePeer(this.ingressGateway, 'ingressGateway'));
    return ambientRuleProblems(this, this.name, this.inbound, this.renderer instanceof AmbientRenderer && this.renderer.hasWaypoint,
      (peer) => peerKey(peer) === ingressGateway);
  }

  private metadata(name: string, annotations?: { [key: string]: string }) {
    return { name, namespace: this.name, annotations, labels: recommendedLabels(this, { name: this.name, component: 'zero-trust', partOf: this.name }) };
  }

  private dryRun(): { [key: string]: string } | undefined {
    return this.enforced ? undefined : { [ANNOTATION_DRY_RUN]: 'true' };
  }
}

/** One label set, or undefined (the whole namespace) when there are none or several. */
function singleSelector(selectors: { [key: string]: string }[] | undefined): { [key: string]: string } | undefined {
  return selectors?.length === 1 ? selectors[0] : undefined;
}

function sortedNumbers(values?: number[]): number[] {
  return [...(values ?? [])].sort((a, b) => a - b);
}

function peerKey(peer: MeshPeerConfig): string {
  return JSON.stringify([peer.namespace, [...(peer.principals ?? [])].sort(), labelsKey(peer.podLabels)]);
}
