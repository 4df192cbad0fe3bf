import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ArgoCdIgnoreDifference } from './argo-cd';
import { CertificateAuthority } from './certificate-authority';
import { GatewayApiCrds } from './gateway-api-crds';
import { MeshAnalyzer } from './mesh-analyzer';
import { MeshConfigOptions } from './mesh-config';
import type { IMeshPeer } from './mesh-peer';
import { MeshProfile } from './mesh-profile';
import { markLibraryConstruct } from './private/analyzer/ownership';
import { allConstructs, oncePerSynth } from './private/app-scan';
import { MeshValidationError } from './private/errors';
import { pluggedInSecretMessages, staleCaAddressMessages, validateCaAddress } from './private/install/certificate-authority';
import { renderCni } from './private/install/cni';
import { baseLabels, caAddress, ISTIO_RELEASE, SUPPORTED_ISTIO_RANGE } from './private/install/context';
import { renderCrds } from './private/install/crds';
import { renderGatewayApiCrds } from './private/install/gateway-api-crds';
import { renderInjector } from './private/install/injector';
import { renderIstiod } from './private/install/istiod';
import { meshClients } from './private/install/mesh-clients';
import { renderMeshConfigMap } from './private/install/mesh-configmap';
import { renderControlPlaneNetworkPolicies, resolveLockdown, xdsClients } from './private/install/network-policies';
import { lockdownMessages } from './private/install/network-policy-check';
import { renderProfileGateways } from './private/install/profile-gateways';
import { renderRbac } from './private/install/rbac';
import { resolveInstallContext } from './private/install/resolve';
import { duplicateObjectMessages } from './private/install/shared-objects';
import { renderWebhooks } from './private/install/webhooks';
import { renderZtunnel } from './private/install/ztunnel';
import { LABEL_INJECTION, LABEL_NETWORK, LABEL_REV } from './private/labels';
import { validateDnsLabel, validateEnum, validateIntRange } from './private/validate';
import { AutoscalingOptions, ImagePullPolicy, ResourceRequirements } from './shared-interfaces';

/**
 * An Istio control plane that other constructs attach to: namespaces select it with
 * `injectionLabels`, sidecars reach it at `istiodAddress`.
 */
export interface IMeshInstallation {
  /** Namespace of the control plane, e.g. `istio-system`. */
  readonly namespace: string;
  /** The revision, or undefined for the default (unrevisioned) control plane. */
  readonly revision?: string;
  /** Namespace labels that turn on sidecar injection by this control plane. */
  readonly injectionLabels: { [key: string]: string };
  /** Name of the istiod Service (`istiod` or `istiod-<revision>`). */
  readonly istiodServiceName: string;
  /** Address sidecars use for xDS and certificates, `istiod.istio-system.svc:15012`. */
  readonly istiodAddress: string;
  /** SPIFFE trust domain of workload identities, e.g. `cluster.local`. */
  readonly trustDomain: string;
  /**
   * Address proxies send certificate signing requests to (`CA_ADDR`), when it is not istiod.
   * @default - `istiodAddress`: istiod is the CA
   */
  readonly caAddress?: string;
  /**
   * Container port of the external CA's pods, for NetworkPolicies towards it (set with `caAddress`).
   * @default - none: istiod is the CA
   */
  readonly caPodPort?: number;
}

/**
 * Attributes of a control plane installed outside this app (for `MeshInstallation.fromExisting`).
 */
export interface ExistingMeshAttributes {
  /**
   * Namespace of the control plane.
   * @default 'istio-system'
   */
  readonly namespace?: string;
  /**
   * Revision of the control plane.
   * @default - the default (unrevisioned) control plane
   */
  readonly revision?: string;
  /**
   * SPIFFE trust domain.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
  /**
   * `host:port` of the external CA the installation's proxies send their signing requests to
   * (its `global.caAddress`), e.g. `cert-manager-istio-csr.cert-manager.svc:443`.
   * @default - istiod is the CA
   */
  readonly caAddress?: string;
  /**
   * Container port of the external CA's pods (NetworkPolicies of zero-trust namespaces open it).
   * @default 6443 with a `caAddress` (istio-csr's serving port)
   */
  readonly caPodPort?: number;
}

/**
 * NetworkPolicies that lock the control plane namespace down (`MeshInstallation.networkPolicies`).
 *
 * Everything in the namespace is denied, in and out, except:
 * - istiod port 15012 (xDS and certificates over mTLS) from the mesh namespaces: every
 *   ZeroTrustNamespace of the app with this mesh, the namespaces of this mesh's gateways, and
 *   `meshNamespaces`. Plaintext xDS (15010) stays closed: the Service exposes it as istioctl's
 *   does, but no proxy of this install uses it.
 * - istiod port 15017 (the webhooks, Service port 443) from anywhere: the API server calls them
 *   from its own address, which no pod or namespace selector matches.
 * - istiod port 15014 (metrics) and the gateways' port 15020 (merged metrics) from Prometheus.
 * - the profile gateways' container ports behind their Service (and 15021, health) from anywhere;
 *   their egress is open: their upstreams are whatever their routes name.
 * - istiod (and the CNI agent) to the API server on `apiServerPorts`, and every pod to cluster DNS.
 *
 * istiod talks to no other istiod. A workload of the app that the lockdown would cut off (an
 * injected namespace that is not admitted, a Deployment of yours in the control plane namespace
 * without NetworkPolicies of its own) fails the synth.
 *
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
 */
export interface ControlPlaneNetworkPolicies {
  /**
   * More namespaces whose pods run proxies of this mesh (labelled for injection by hand, or
   * managed by another app), admitted to istiod's port 15012.
   * @default - only the app's ZeroTrustNamespaces of this mesh and the namespaces of its gateways
   */
  readonly meshNamespaces?: string[];
  /**
   * Addresses of the Kubernetes API server (its endpoints, e.g. the control plane subnet of a
   * managed cluster): no pod label selects them, so istiod's egress names them by CIDR.
   * Narrowing it also closes istiod's egress to JWKS servers: a RequestAuthentication with a
   * `jwksUri` then needs its server's addresses here too, or inline `jwks`.
   * @default - any address, on `apiServerPorts` only
   */
  readonly apiServerCidrs?: string[];
  /**
   * Ports istiod (and the CNI agent) may connect to the API server on. Policies see the
   * endpoint's port after the `kubernetes` Service is translated, so list that one.
   * @default [443, 6443]
   */
  readonly apiServerPorts?: number[];
  /**
   * The Prometheus pods that scrape istiod (15014) and the gateways (15020).
   * @default - pods labelled `app.kubernetes.io/name: prometheus`, `app.kubernetes.io/component: server`
   * in the mesh namespace (Istio's Prometheus addon), as ZeroTrustNamespace assumes
   */
  readonly prometheus?: IMeshPeer;
}

/**
 * Props of MeshInstallation. Every prop is optional: `new MeshInstallation(chart, 'Mesh')` gives
 * what `istioctl install` gives with the default profile.
 */
export interface MeshInstallationProps {
  /**
   * Installation profile: which components are installed and their defaults. MeshProfile.AMBIENT
   * needs no Gateway API CRDs for its L4 mesh (istioctl installs none); its waypoints do (see
   * `gatewayApiCrds`).
   * @default MeshProfile.DEFAULT
   * @see https://istio.io/latest/docs/setup/additional-setup/config-profiles/
   */
  readonly profile?: MeshProfile;
  /**
   * Control plane revision, for canary upgrades of Istio itself. Objects are named
   * `istiod-<revision>` etc. and namespaces opt in with the label `istio.io/rev=<revision>`.
   * @default - the default control plane (namespaces opt in with `istio-injection=enabled`)
   * @see https://istio.io/latest/docs/setup/upgrade/canary/
   */
  readonly revision?: string;
  /**
   * Namespace of the control plane.
   * @default 'istio-system'
   */
  readonly namespace?: string;
  /**
   * Emit the control plane Namespace (what `istioctl install` creates before applying).
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Emit what Istio's `base` component owns for the whole cluster: the 15 CRDs and the
   * `istio-reader-service-account`. Turn off for a second revision in the same cluster: they
   * must be owned by one installation.
   * @default true
   */
  readonly installCrds?: boolean;
  /**
   * Emit the Kubernetes Gateway API CRDs (release v1.5.1, the one Istio 1.30 builds against) of this
   * channel. istiod serves Gateway API resources, deploys the proxies of `Gateway`s and waypoints,
   * only when they exist. Many clusters have them already (managed Kubernetes often installs them):
   * `kubectl get crd gateways.gateway.networking.k8s.io -o jsonpath='{.metadata.annotations.gateway\.networking\.k8s\.io/bundle-version}'`
   * prints the installed release, and leaving this unset keeps them untouched.
   * @default - none: the Gateway API CRDs are not emitted
   */
  readonly gatewayApiCrds?: GatewayApiCrds;
  /**
   * Container registry of the Istio images.
   * @default 'registry.istio.io/release'
   */
  readonly hub?: string;
  /**
   * Tag of the Istio images: a 1.30.x version (the CRDs, injection templates and webhooks are
   * Istio 1.30's; a tag of another minor version is an error), or a tag without a version (a
   * build of your own, e.g. `1.30.3-distroless` is fine, `latest` is taken as is).
   * @default '1.30.3'
   */
  readonly tag?: string;
  /**
   * Image pull policy of the control plane and the injected proxies.
   * @default - Kubernetes' default (IfNotPresent for tagged images)
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * Typed mesh config written to ConfigMap `istio`.
   * @default - Istio's defaults (the demo profile adds access logs and tracing providers)
   * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/
   */
  readonly meshConfig?: MeshConfigOptions;
  /**
   * SPIFFE trust domain of workload identities (`spiffe://<trustDomain>/ns/<ns>/sa/<sa>`).
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
  /**
   * Trust domains whose workload identities count as this mesh's (mesh config
   * `trustDomainAliases`): while migrating from one trust domain to another, AuthorizationPolicies
   * written for `<trustDomain>/ns/.../sa/...` also admit the same identity in these domains.
   * @default - none
   * @see https://istio.io/latest/docs/tasks/security/authorization/authz-td-migration/
   */
  readonly trustDomainAliases?: string[];
  /**
   * Percentage of requests traced by istiod-configured proxies (0-100).
   * @default 1 (100 with the demo profile)
   */
  readonly traceSampling?: number;
  /**
   * Fixed number of istiod replicas. Setting it turns autoscaling off unless
   * `istiodAutoscaling` is set too (which is an error).
   * @default - autoscaled 1-5 (default and minimal profiles); 1 replica (demo)
   */
  readonly istiodReplicas?: number;
  /**
   * Autoscaling of istiod.
   * @default - 1 to 5 replicas at 80% CPU, except in the demo profile
   */
  readonly istiodAutoscaling?: AutoscalingOptions;
  /**
   * Resources of istiod.
   * @default - requests 500m CPU, 2048Mi memory (demo: 10m, 100Mi)
   */
  readonly istiodResources?: ResourceRequirements;
  /**
   * Emit a PodDisruptionBudget (minAvailable 1) for istiod.
   * @default - only when istiod runs with at least 2 replicas
   */
  readonly istiodPodDisruptionBudget?: boolean;
  /**
   * Extra environment variables of istiod (feature flags such as `PILOT_ENABLE_ALPHA_GATEWAY_API`).
   * @default - none
   */
  readonly istiodEnv?: { [key: string]: string };
  /**
   * Resources of every injected sidecar proxy (pods can override with annotations).
   * @default - requests 100m CPU, 128Mi; limits 2000m, 1024Mi (demo: requests 10m, 40Mi)
   */
  readonly proxyResources?: ResourceRequirements;
  /**
   * Start application containers only once the sidecar is ready, so apps never see a network
   * without the proxy.
   * @default false
   */
  readonly holdApplicationUntilProxyStarts?: boolean;
  /**
   * Install the istio-cni node agent instead of giving every pod a privileged `istio-init`
   * container. Injected pods then get an unprivileged `istio-validation` init container.
   * MeshProfile.AMBIENT always installs it (in ambient mode): `false` is an error there.
   * @default false (true with MeshProfile.AMBIENT)
   * @see https://istio.io/latest/docs/setup/additional-setup/cni/
   */
  readonly cni?: boolean;
  /**
   * Mesh ID for multicluster meshes.
   * @default - none (single cluster)
   */
  readonly meshId?: string;
  /**
   * Name of this cluster in a multicluster mesh (istiod's `CLUSTER_ID`).
   * @default 'Kubernetes'
   */
  readonly clusterName?: string;
  /**
   * Network of this cluster in a multi-network mesh; labels the control plane namespace with
   * `topology.istio.io/network`.
   * @default - none (single network)
   */
  readonly network?: string;
  /**
   * Lock the control plane namespace down with NetworkPolicies (see
   * `ControlPlaneNetworkPolicies` for what stays open and why). Pass `{}` for the defaults.
   * @default - no NetworkPolicy in the control plane namespace, as with `istioctl install`
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
   */
  readonly networkPolicies?: ControlPlaneNetworkPolicies;
  /**
   * Who signs workload certificates: istiod with a root of its own, istiod with your
   * organisation's intermediate CA (`CertificateAuthority.pluggedIn()`), or a CA outside istiod
   * such as cert-manager's istio-csr (`CertificateAuthority.external({ address })`).
   * @default CertificateAuthority.istiod()
   * @see https://istio.io/latest/docs/tasks/security/cert-management/
   */
  readonly certificateAuthority?: CertificateAuthority;
}

/**
 * The Istio control plane, as `istioctl install` applies it for Istio 1.30.3, written by us:
 * CRDs, istiod (Deployment, Service, autoscaling), RBAC, the injection and validation webhooks,
 * the mesh config, the sidecar injector config with our injection templates, the gateways of the
 * chosen profile, and with `cni` or MeshProfile.AMBIENT the node agents (istio-cni, ztunnel). No
 * Helm, no network at synth time.
 *
 * Pod Security: istiod and the profile gateways meet "restricted". The node agents cannot, and
 * their namespace must admit "privileged" pods; neither is `privileged` nor on the host network
 * or PID namespace:
 * - `istio-cni-node` (`cni`, ambient): root; adds NET_ADMIN, NET_RAW, SYS_PTRACE, SYS_ADMIN,
 *   DAC_OVERRIDE (drops the rest); AppArmor `unconfined`; hostPaths `/opt/cni/bin`,
 *   `/etc/cni/net.d`, `/proc` (read-only), `/var/run/istio-cni`, `/var/run/netns`, and
 *   `/var/run/ztunnel` in ambient mode; no seccomp profile.
 * - `ztunnel` (ambient): root (GID 1337); adds NET_ADMIN, SYS_ADMIN, NET_RAW (drops the rest);
 *   `allowPrivilegeEscalation: true`; hostPath `/var/run/ztunnel`; no seccomp profile; read-only
 *   root filesystem.
 *
 * @see https://istio.io/latest/docs/setup/install/istioctl/
 */
export class MeshInstallation extends Construct implements IMeshInstallation {
  /**
   * The Istio versions a `tag` may name: patch releases of the minor whose CRDs, templates and
   * webhooks this release of the library writes (another minor is an error), as a semver range.
   */
  public static readonly SUPPORTED_ISTIO_VERSIONS: string = SUPPORTED_ISTIO_RANGE;

  /**
   * Refers to a control plane installed outside this app.
   */
  public static fromExisting(scope: Construct, id: string, attrs: ExistingMeshAttributes = {}): IMeshInstallation {
    return new ExistingMesh(scope, id, attrs);
  }

  /** The installation profile. */
  public readonly profile: MeshProfile;
  public readonly namespace: string;
  public readonly revision?: string;
  public readonly trustDomain: string;
  /** Network of this cluster in a multi-network mesh, when set. */
  public readonly network?: string;
  /** Image registry in use. */
  public readonly hub: string;
  /** Image tag in use. */
  public readonly tag: string;
  /** Whether the istio-cni node agent is installed (always with MeshProfile.AMBIENT). */
  public readonly cni: boolean;
  /** Whether the installation runs ambient mode (MeshProfile.AMBIENT): ztunnel on every node, istiod with `PILOT_ENABLE_AMBIENT`. */
  public readonly ambient: boolean;
  public readonly istiodServiceName: string;
  public readonly istiodAddress: string;
  /** The Istio version whose install this construct reproduces (the default `tag`). */
  public readonly istioVersion: string = ISTIO_RELEASE;
  /** Who signs workload certificates. */
  public readonly certificateAuthority: CertificateAuthority;
  /** Container port of the external CA's pods, when there is one. */
  public readonly caPodPort?: number;
  public readonly caAddress?: string;
  /** The channel of the Gateway API CRDs this installation emits, if any. */
  public readonly gatewayApiCrds?: GatewayApiCrds;

  constructor(scope: Construct, id: string, props: MeshInstallationProps = {}) {
    super(scope, id);
    MeshAnalyzer.of(this);
    markLibraryConstruct(this);
    const ctx = resolveInstallContext(this, props);
    this.profile = ctx.profile;
    this.namespace = ctx.namespace;
    this.revision = ctx.revision;
    this.trustDomain = ctx.trustDomain;
    this.network = ctx.network;
    this.hub = ctx.hub;
    this.tag = ctx.tag;
    this.cni = ctx.cni;
    this.ambient = ctx.ambient;
    this.istiodServiceName = ctx.istiodName;
    this.istiodAddress = `${ctx.istiodName}.${ctx.namespace}.svc:15012`;
    this.certificateAuthority = props.certificateAuthority ?? CertificateAuthority.istiod();
    this.caAddress = ctx.certificateAuthority.address;
    this.caPodPort = ctx.certificateAuthority.podPort;

    const installBase = props.installCrds ?? true;
    if (installBase) renderCrds(this);
    validateEnum(this, 'gatewayApiCrds', props.gatewayApiCrds, 'GatewayApiCrds', GatewayApiCrds);
    this.gatewayApiCrds = props.gatewayApiCrds;
    if (props.gatewayApiCrds) renderGatewayApiCrds(this, props.gatewayApiCrds);
    if (props.createNamespace ?? true) {
      new k8s.KubeNamespace(this, 'Namespace', {
        metadata: { name: ctx.namespace, labels: { ...baseLabels('istiod'), ...(ctx.network ? { [LABEL_NETWORK]: ctx.network } : {}) } },
      });
    }
    renderRbac(this, ctx, installBase);
    renderWebhooks(this, ctx);
    renderMeshConfigMap(this, ctx);
    renderInjector(this, ctx);
    renderIstiod(this, ctx);
    renderProfileGateways(this, ctx);
    renderCni(this, ctx);
    renderZtunnel(this, ctx);
    this.node.addValidation({ validate: oncePerSynth(this, () => this.sharedObjects()) });
    this.node.addValidation({
      validate: oncePerSynth(this, () => [
        ...pluggedInSecretMessages(this, ctx.namespace, ctx.certificateAuthority),
        ...staleCaAddressMessages(this, this.istiodAddress, ctx.certificateAuthority),
      ]),
    });

    const lockdown = resolveLockdown(this, this, props.networkPolicies);
    if (lockdown) {
      const clients = () => meshClients(this, this, [caAddress(ctx)]);
      const xds = () => xdsClients(ctx, lockdown, clients());
      renderControlPlaneNetworkPolicies(this, ctx, lockdown, xds);
      this.node.addValidation({ validate: oncePerSynth(this, () => lockdownMessages(this, ctx, clients(), xds())) });
    }
  }

  private object(id: string): ApiObject {
    return this.node.findChild(id) as ApiObject;
  }

  /** Objects this installation emits that an installation declared before it also emits. */
  private sharedObjects(): string[] {
    const all = allConstructs(this).filter((c): c is MeshInstallation => c instanceof MeshInstallation);
    const earlier = all.slice(0, all.indexOf(this)).map((m) => ({ path: m.node.path, objects: m.apiObjects }));
    return duplicateObjectMessages(this.apiObjects, earlier);
  }

  /** Namespace labels that turn on sidecar injection by this control plane. */
  public get injectionLabels(): { [key: string]: string } {
    return injectionLabelsFor(this.revision);
  }

  /**
   * The istiod Deployment (`istiod[-<rev>]`), for patches no prop covers (node selectors,
   * priority class, extra volumes): `mesh.istiodDeployment.addJsonPatch(JsonPatch.add(...))`.
   */
  public get istiodDeployment(): ApiObject {
    return this.object('IstiodDeployment');
  }

  /**
   * The ztunnel DaemonSet of the ambient profile, for patches no prop covers (resources, node
   * selectors, tolerations): `mesh.ztunnelDaemonSet?.addJsonPatch(JsonPatch.add(...))`.
   * Undefined for the other profiles.
   */
  public get ztunnelDaemonSet(): ApiObject | undefined {
    return this.node.tryFindChild('ZtunnelDaemonSet') as ApiObject | undefined;
  }

  /** The istio-cni node agent DaemonSet (`istio-cni-node`), when `cni` is on (always with the ambient profile). */
  public get cniDaemonSet(): ApiObject | undefined {
    return this.node.tryFindChild('CniDaemonSet') as ApiObject | undefined;
  }

  /** The istiod Service (`istiod[-<rev>]`: xDS 15010/15012, webhooks 443, metrics 15014). */
  public get istiodService(): ApiObject {
    return this.object('IstiodService');
  }

  /** The mesh config ConfigMap (`istio[-<rev>]`, key `mesh`). */
  public get meshConfigMap(): ApiObject {
    return this.object('MeshConfig');
  }

  /** The sidecar injector ConfigMap (`istio-sidecar-injector[-<rev>]`, keys `config` and `values`). */
  public get injectorConfigMap(): ApiObject {
    return this.object('SidecarInjectorConfig');
  }

  /** The MutatingWebhookConfiguration that injects sidecars (`istio-sidecar-injector[-<rev>]`). */
  public get injectionWebhook(): ApiObject {
    return this.object('SidecarInjectorWebhook');
  }

  /** The ValidatingWebhookConfiguration of Istio's config (`istio-validator[-<rev>]-<namespace>`). */
  public get validationWebhook(): ApiObject {
    return this.object('ValidationWebhook');
  }

  /** Every Kubernetes object this installation emits, in synthesis order. */
  public get apiObjects(): ApiObject[] {
    return this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  }

  /**
   * Argo CD `ignoreDifferences` entries for what istiod writes into this installation's objects:
   * the `caBundle` it patches into every webhook of its MutatingWebhookConfiguration and
   * ValidatingWebhookConfiguration (we emit none). No entry for `failurePolicy`: the validating
   * webhook is emitted with `Fail` already, so istiod has nothing to flip. Use with the sync option
   * `RespectIgnoreDifferences=true` (`GitOpsApp` writes both into its Application).
   */
  public get argoCdIgnoreDifferences(): ArgoCdIgnoreDifference[] {
    return this.apiObjects
      .filter((o) => o.apiVersion.startsWith(`${WEBHOOK_GROUP}/`) && WEBHOOK_KINDS.includes(o.kind))
      .map((o) => ({ group: WEBHOOK_GROUP, kind: o.kind, name: o.name, jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] }));
  }
}

/** API group of the webhook configurations. */
const WEBHOOK_GROUP = 'admissionregistration.k8s.io';
const WEBHOOK_KINDS = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function injectionLabelsFor(revision?: string): { [key: string]: string } {
  return revision ? { [LABEL_REV]: revision } : { [LABEL_INJECTION]: 'enabled' };
}

class ExistingMesh extends Construct implements IMeshInstallation {
  public readonly namespace: string;
  public readonly revision?: string;
  public readonly trustDomain: string;
  public readonly istiodServiceName: string;
  public readonly istiodAddress: string;
  public readonly caAddress?: string;
  public readonly caPodPort?: number;

  constructor(scope: Construct, id: string, attrs: ExistingMeshAttributes) {
    super(scope, id);
    this.namespace = attrs.namespace ?? 'istio-system';
    this.revision = attrs.revision;
    this.trustDomain = attrs.trustDomain ?? 'cluster.local';
    // Installed by another app: references into its namespace (e.g. gateways) are not judged here.
    MeshAnalyzer.of(this).addExternalNamespaces(this.namespace);
    if (this.revision === 'default') {
      throw new MeshValidationError(this, "'revision' \"default\" names the unrevisioned control plane; omit 'revision' instead");
    }
    validateDnsLabel(this, 'namespace', this.namespace);
    if (this.revision !== undefined) validateDnsLabel(this, 'revision', this.revision, 63 - 'istiod-'.length);
    this.istiodServiceName = this.revision ? `istiod-${this.revision}` : 'istiod';
    this.istiodAddress = `${this.istiodServiceName}.${this.namespace}.svc:15012`;
    this.caAddress = attrs.caAddress === undefined ? undefined : validateCaAddress(this, attrs.caAddress, 'caAddress');
    if (attrs.caPodPort !== undefined && attrs.caAddress === undefined) {
      throw new MeshValidationError(this, "'caPodPort' needs 'caAddress': it is the port of the external CA's pods; set both, or neither");
    }
    if (attrs.caPodPort !== undefined) validateIntRange(this, 'caPodPort', attrs.caPodPort, 1, 65535, "omit it for istio-csr's 6443");
    this.caPodPort = this.caAddress === undefined ? undefined : attrs.caPodPort ?? 6443;
  }

  public get injectionLabels(): { [key: string]: string } {
    return injectionLabelsFor(this.revision);
  }
}

