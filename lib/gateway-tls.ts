/**
 * How a gateway server handles TLS, in Istio's words (`Gateway.servers[].tls.mode`).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSmode
 */
export enum TlsMode {
  /** Terminate TLS with the server certificate of a Kubernetes Secret (`credentialName`). */
  SIMPLE = 'SIMPLE',
  /** Terminate TLS and require a client certificate signed by the CA in the credential (`ca.crt`). */
  MUTUAL = 'MUTUAL',
  /** Do not terminate: route the encrypted stream by its SNI to a backend that terminates it. */
  PASSTHROUGH = 'PASSTHROUGH',
  /** Terminate Istio mutual TLS with the gateway's own mesh certificate (callers inside the mesh). */
  ISTIO_MUTUAL = 'ISTIO_MUTUAL',
}

/**
 * TLS protocol versions a gateway may negotiate. Only the versions that are still considered
 * safe are offered.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSProtocol
 */
export enum TlsProtocolVersion {
  /** TLS 1.2. */
  TLSV1_2 = 'TLSV1_2',
  /** TLS 1.3. */
  TLSV1_3 = 'TLSV1_3',
}

/**
 * The kind of cert-manager issuer.
 *
 * @see https://cert-manager.io/docs/concepts/issuer/
 */
export enum CertificateIssuerKind {
  /** A namespaced `Issuer`, in the gateway's namespace. */
  ISSUER = 'Issuer',
  /** A cluster-wide `ClusterIssuer`. */
  CLUSTER_ISSUER = 'ClusterIssuer',
}

/**
 * A cert-manager issuer that keeps a gateway credential (a `kubernetes.io/tls` Secret) filled:
 * the gateway then emits a `Certificate` (cert-manager.io/v1) for the credential, in the
 * gateway's namespace, listing every host that uses it.
 *
 * @see https://cert-manager.io/docs/usage/certificate/
 */
export class CertificateIssuer {
  /**
   * A cluster-wide `ClusterIssuer`, e.g. `letsencrypt-prod`.
   */
  public static clusterIssuer(name: string): CertificateIssuer {
    return new CertificateIssuer(name, CertificateIssuerKind.CLUSTER_ISSUER);
  }

  /**
   * An `Issuer` in the gateway's namespace.
   */
  public static issuer(name: string): CertificateIssuer {
    return new CertificateIssuer(name, CertificateIssuerKind.ISSUER);
  }

  /** Name of the issuer. */
  public readonly name: string;
  /** Kind of the issuer. */
  public readonly kind: CertificateIssuerKind;

  private constructor(name: string, kind: CertificateIssuerKind) {
    this.name = name;
    this.kind = kind;
  }
}

/**
 * Options of the TLS modes that terminate at the gateway.
 */
export interface GatewayTlsOptions {
  /**
   * Lowest TLS version the gateway accepts from clients.
   * @default - Istio's default (TLS 1.2)
   * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
   */
  readonly minProtocolVersion?: TlsProtocolVersion;
  /**
   * Let cert-manager issue the credential: a `Certificate` for the hosts using it is emitted in
   * the gateway's namespace, with `secretName` = the credential name.
   * @default - the credential Secret is managed outside this app
   * @see https://cert-manager.io/docs/usage/certificate/
   */
  readonly issuer?: CertificateIssuer;
}

/**
 * TLS settings of a host on a gateway: terminate with a credential (`simple`, `mutual`), with the
 * mesh certificate (`istioMutual`), or pass the stream through (`passthrough`).
 *
 * The credential is a Kubernetes Secret in the gateway's namespace: `tls.crt` and `tls.key`
 * (and `ca.crt` for `mutual`), read by istiod on behalf of the gateway (SDS).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
 * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/
 */
export class GatewayTls {
  /**
   * Terminate TLS with the certificate in Secret `credentialName`.
   *
   * @param credentialName name of the Secret (in the gateway's namespace) holding `tls.crt`/`tls.key`
   */
  public static simple(credentialName: string, options: GatewayTlsOptions = {}): GatewayTls {
    return new GatewayTls(TlsMode.SIMPLE, credentialName, options);
  }

  /**
   * Terminate TLS and require client certificates signed by the CA in the credential.
   *
   * @param credentialName name of the Secret holding `tls.crt`, `tls.key` and `ca.crt`
   */
  public static mutual(credentialName: string, options: GatewayTlsOptions = {}): GatewayTls {
    return new GatewayTls(TlsMode.MUTUAL, credentialName, options);
  }

  /**
   * Route the TLS stream by SNI without terminating it; the backend holds the certificate.
   * Routes of such a host are TCP routes: no path, header or HTTP options.
   */
  public static passthrough(): GatewayTls {
    return new GatewayTls(TlsMode.PASSTHROUGH, undefined, {});
  }

  /**
   * Terminate Istio mutual TLS (callers are mesh workloads that present their mesh identity).
   */
  public static istioMutual(options: GatewayTlsOptions = {}): GatewayTls {
    return new GatewayTls(TlsMode.ISTIO_MUTUAL, undefined, options);
  }

  /** The TLS mode. */
  public readonly mode: TlsMode;
  /** Name of the credential Secret (SIMPLE and MUTUAL only). */
  public readonly credentialName?: string;
  /** Lowest accepted TLS version, when set. */
  public readonly minProtocolVersion?: TlsProtocolVersion;
  /** cert-manager issuer of the credential, when set. */
  public readonly issuer?: CertificateIssuer;

  private constructor(mode: TlsMode, credentialName: string | undefined, options: GatewayTlsOptions) {
    this.mode = mode;
    this.credentialName = credentialName;
    this.minProtocolVersion = options.minProtocolVersion;
    this.issuer = options.issuer;
  }

  /** True when the gateway terminates TLS (every mode but PASSTHROUGH). */
  public get terminatesTls(): boolean {
    return this.mode !== TlsMode.PASSTHROUGH;
  }
}
