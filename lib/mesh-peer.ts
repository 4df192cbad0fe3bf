import { IConstruct } from 'constructs';
import { IMeshInstallation } from './mesh-installation';
import { resolveServiceAccount, resolveWorkload } from './private/app-objects';
import { MeshValidationError } from './private/errors';
import { validateDnsLabel } from './private/validate';
import { validateDnsSubdomain } from './private/zero-trust/validate';

/**
 * What a mesh peer resolves to, for a given mesh.
 */
export interface MeshPeerConfig {
  /**
   * Namespace the peer's workloads live in. Drives the NetworkPolicy `namespaceSelector`, the
   * Sidecar egress host and the "namespace is known" check.
   */
  readonly namespace: string;
  /**
   * SPIFFE principals of the peer without the `spiffe://` scheme
   * (`<trustDomain>/ns/<namespace>/sa/<serviceAccount>`), matched by AuthorizationPolicy
   * `source.principals`.
   * @default - the peer is the whole namespace (`source.namespaces`)
   */
  readonly principals?: string[];
  /**
   * Pod labels of the peer's workloads, to narrow NetworkPolicies to those pods.
   * @default - every pod of the namespace
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Human-readable description for the connection matrix, e.g. `frontend/sa/web`.
   */
  readonly description: string;
  /**
   * Short name used in generated object names, e.g. `frontend-web`.
   */
  readonly name: string;
}

/**
 * A caller (or callee) identified by the mesh: a service account, a whole namespace, a
 * gateway. Policies are derived from it at every layer: SPIFFE principals for
 * AuthorizationPolicy, namespace and pod labels for NetworkPolicy, the namespace for Sidecar
 * egress hosts.
 *
 * Implemented by the `MeshPeer` factories; implement it to describe peers of your own.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
export interface IMeshPeer {
  /**
   * Resolves the peer against the mesh it is used in.
   *
   * @param scope the construct that uses the peer, for error messages
   * @param mesh the mesh (its trust domain and namespace)
   */
  toMeshPeerConfig(scope: IConstruct, mesh: IMeshInstallation): MeshPeerConfig;
}

/**
 * Options of `MeshPeer.serviceAccount()` and `MeshPeer.principal()`.
 */
export interface ServiceAccountPeerOptions {
  /**
   * Labels of the pods that run as this service account, to narrow NetworkPolicies to them.
   * @default - NetworkPolicies admit every pod of the peer's namespace (mTLS identity is still
   * checked by the AuthorizationPolicy)
   */
  readonly podLabels?: { [key: string]: string };
}

/**
 * Options of `MeshPeer.ingressGateway()`. The defaults describe the `istio-ingressgateway`
 * that `MeshInstallation` (and `istioctl install`) deploy.
 */
export interface IngressGatewayPeerOptions {
  /**
   * Namespace of the gateway.
   * @default - the mesh's namespace (`istio-system`)
   */
  readonly namespace?: string;
  /**
   * Service account the gateway pods run as.
   * @default 'istio-ingressgateway-service-account'
   */
  readonly serviceAccount?: string;
  /**
   * Labels of the gateway pods.
   * @default { app: 'istio-ingressgateway', istio: 'ingressgateway' }
   */
  readonly podLabels?: { [key: string]: string };
}

/**
 * Factories for mesh peers.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
export class MeshPeer {
  /**
   * Workloads running as service account `name` in `namespace`: principal
   * `<trustDomain>/ns/<namespace>/sa/<name>`.
   */
  public static serviceAccount(namespace: string, name: string, options: ServiceAccountPeerOptions = {}): IMeshPeer {
    return new ServiceAccountPeer(namespace, name, copyLabels(options.podLabels));
  }

  /**
   * Every workload of a namespace (`source.namespaces`; the namespace is read from the
   * caller's mTLS certificate).
   */
  public static namespace(name: string): IMeshPeer {
    return new NamespacePeer(name);
  }

  /**
   * Workloads running as a ServiceAccount of this app: any construct whose API object is a
   * ServiceAccount (cdk8s-plus of any major version, `k8s.KubeServiceAccount`, `ApiObject`), or a
   * cdk8s-plus ServiceAccount imported with `ServiceAccount.fromServiceAccountName()`.
   *
   * @param serviceAccount the service account
   * @param namespace its namespace; when omitted, the service account's own namespace (metadata,
   * chart, or the one it was imported with)
   */
  public static fromServiceAccount(serviceAccount: IConstruct, namespace?: string): IMeshPeer {
    return new ServiceAccountObjectPeer(serviceAccount, namespace);
  }

  /**
   * The pods of a Deployment, StatefulSet or DaemonSet of this app (cdk8s-plus of any major
   * version, a `k8s` L1 or an `ApiObject`): its service account (or `default`) as principal and
   * its selector labels for NetworkPolicies, so both layers are as narrow as they can be. Both
   * are read from the synthesized object.
   */
  public static fromDeployment(deployment: IConstruct): IMeshPeer {
    return new WorkloadPeer(deployment);
  }

  /**
   * The ingress gateway, to let it call services you expose.
   */
  public static ingressGateway(options: IngressGatewayPeerOptions = {}): IMeshPeer {
    return new IngressGatewayPeer(options);
  }

  /**
   * A SPIFFE identity written out: `[spiffe://]<trustDomain>/ns/<namespace>/sa/<serviceAccount>`.
   * Its trust domain must be the mesh's.
   */
  public static principal(principal: string, options: ServiceAccountPeerOptions = {}): IMeshPeer {
    return new PrincipalPeer(principal, copyLabels(options.podLabels));
  }

  private constructor() {}
}

/** Labels are copied when a peer is made, so later edits of the caller's object change nothing. */
function copyLabels(labels?: { [key: string]: string }): { [key: string]: string } | undefined {
  return labels ? { ...labels } : undefined;
}

/** Short name of a service-account peer in generated object names: `<ns>-<sa>`. */
function peerName(namespace: string, serviceAccount: string): string {
  return `${namespace}-${serviceAccount}`;
}

class ServiceAccountPeer implements IMeshPeer {
  constructor(
    private readonly namespace: string,
    private readonly serviceAccount: string,
    private readonly podLabels?: { [key: string]: string },
  ) {}

  public toMeshPeerConfig(scope: IConstruct, mesh: IMeshInstallation): MeshPeerConfig {
    validateDnsLabel(scope, 'MeshPeer.serviceAccount namespace', this.namespace);
    validateDnsSubdomain(scope, 'MeshPeer.serviceAccount name', this.serviceAccount);
    return {
      namespace: this.namespace,
      principals: [`${mesh.trustDomain}/ns/${this.namespace}/sa/${this.serviceAccount}`],
      podLabels: this.podLabels ? { ...this.podLabels } : undefined,
      description: `${this.namespace}/sa/${this.serviceAccount}`,
      name: peerName(this.namespace, this.serviceAccount),
    };
  }
}

class NamespacePeer implements IMeshPeer {
  constructor(private readonly namespace: string) {}

  public toMeshPeerConfig(scope: IConstruct): MeshPeerConfig {
    validateDnsLabel(scope, 'MeshPeer.namespace name', this.namespace);
    return { namespace: this.namespace, description: `${this.namespace}/*`, name: `ns-${this.namespace}` };
  }
}

class ServiceAccountObjectPeer implements IMeshPeer {
  constructor(private readonly serviceAccount: IConstruct, private readonly namespace?: string) {}

  public toMeshPeerConfig(scope: IConstruct, mesh: IMeshInstallation): MeshPeerConfig {
    const sa = resolveServiceAccount(scope, 'MeshPeer.fromServiceAccount(serviceAccount)', this.serviceAccount,
      "for a service account this app does not define use MeshPeer.serviceAccount('namespace', 'name')");
    const namespace = this.namespace ?? sa.namespace;
    if (namespace === undefined) {
      throw new MeshValidationError(scope,
        `'MeshPeer.fromServiceAccount' cannot tell the namespace of service account "${sa.name}"; ` +
        'pass it as the second argument or set metadata.namespace (or the chart namespace) on the ServiceAccount');
    }
    return new ServiceAccountPeer(namespace, sa.name).toMeshPeerConfig(scope, mesh);
  }
}

class WorkloadPeer implements IMeshPeer {
  constructor(private readonly workload: IConstruct) {}

  public toMeshPeerConfig(scope: IConstruct, mesh: IMeshInstallation): MeshPeerConfig {
    const w = resolveWorkload(scope, 'MeshPeer.fromDeployment(deployment)', this.workload, ['Deployment', 'StatefulSet', 'DaemonSet'],
      "for workloads this app does not define use MeshPeer.serviceAccount('namespace', 'name', { podLabels })");
    const what = `${w.kind} "${w.name}"`;
    if (w.namespace === undefined) {
      throw new MeshValidationError(scope,
        `'MeshPeer.fromDeployment' cannot tell the namespace of ${what}; set metadata.namespace (or the chart namespace) on the ${w.kind}`);
    }
    // Without match labels the NetworkPolicies admit every pod of the namespace; the principal still narrows L7.
    const podLabels = Object.keys(w.matchLabels).length > 0 ? w.matchLabels : undefined;
    const config = new ServiceAccountPeer(w.namespace, w.serviceAccount, podLabels).toMeshPeerConfig(scope, mesh);
    return { ...config, description: `${config.description} (${w.kind.toLowerCase()} ${w.name})` };
  }
}

class IngressGatewayPeer implements IMeshPeer {
  constructor(private readonly options: IngressGatewayPeerOptions) {}

  public toMeshPeerConfig(scope: IConstruct, mesh: IMeshInstallation): MeshPeerConfig {
    const namespace = this.options.namespace ?? mesh.namespace;
    const serviceAccount = this.options.serviceAccount ?? 'istio-ingressgateway-service-account';
    const podLabels = this.options.podLabels ?? { app: 'istio-ingressgateway', istio: 'ingressgateway' };
    const config = new ServiceAccountPeer(namespace, serviceAccount, podLabels).toMeshPeerConfig(scope, mesh);
    return { ...config, description: `ingress gateway ${config.description}`, name: 'ingress-gateway' };
  }
}

const PRINCIPAL = /^(?:spiffe:\/\/)?([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

class PrincipalPeer implements IMeshPeer {
  constructor(private readonly principal: string, private readonly podLabels?: { [key: string]: string }) {}

  public toMeshPeerConfig(scope: IConstruct, mesh: IMeshInstallation): MeshPeerConfig {
    const match = PRINCIPAL.exec(this.principal);
    if (!match) {
      throw new MeshValidationError(scope,
        `'MeshPeer.principal' must look like "[spiffe://]<trustDomain>/ns/<namespace>/sa/<serviceAccount>", got ${JSON.stringify(this.principal)}`);
    }
    const [, trustDomain, namespace, serviceAccount] = match;
    if (trustDomain !== mesh.trustDomain) {
      throw new MeshValidationError(scope,
        `'MeshPeer.principal' ${JSON.stringify(this.principal)} is in trust domain "${trustDomain}", but the mesh's trust ` +
        `domain is "${mesh.trustDomain}"; use an identity of this mesh (MeshPeer.serviceAccount) or fix the trust domain`);
    }
    return new ServiceAccountPeer(namespace, serviceAccount, this.podLabels).toMeshPeerConfig(scope, mesh);
  }
}
