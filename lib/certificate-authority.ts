/**
 * Which certificate authority signs the mesh's workload certificates.
 */
export enum CertificateAuthorityType {
  /** istiod's built-in CA with a root it generates itself (Secret `istio-ca-secret`). */
  ISTIOD = 'ISTIOD',
  /** istiod's built-in CA signing with an intermediate CA you provide (Secret `cacerts`). */
  PLUGGED_IN = 'PLUGGED_IN',
  /** A CA outside istiod that implements Istio's CA service, e.g. cert-manager's istio-csr. */
  EXTERNAL = 'EXTERNAL',
}

/**
 * Options of `CertificateAuthority.pluggedIn()`.
 */
export interface PluggedInCertificateAuthorityOptions {
  /**
   * Name of the Secret, in the control plane namespace, that holds the CA: keys `ca-cert.pem`
   * (the intermediate CA certificate istiod signs with), `ca-key.pem` (its private key),
   * `root-cert.pem` (the root workloads trust) and `cert-chain.pem` (the chain from `ca-cert.pem`
   * up to the root); or, as cert-manager writes it, `tls.crt`, `tls.key` and `ca.crt`. istiod
   * reads it at `/etc/cacerts`.
   * @default 'cacerts'
   * @see https://istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert/
   */
  readonly secretName?: string;
}

/**
 * Options of `CertificateAuthority.external()`.
 */
export interface ExternalCertificateAuthorityOptions {
  /**
   * `host:port` of the CA's gRPC endpoint that proxies send their certificate signing requests
   * to (Istio's `global.caAddress`), e.g. `cert-manager-istio-csr.cert-manager.svc:443` for
   * istio-csr.
   * @see https://cert-manager.io/docs/usage/istio-csr/
   */
  readonly address: string;
  /**
   * The container port the CA's pods serve on, for the NetworkPolicies that let proxies reach it
   * (a NetworkPolicy sees the pod's port, not the Service's).
   * @default 6443 (istio-csr's `app.server.serving.port`)
   */
  readonly podPort?: number;
}

/**
 * The certificate authority of a mesh (`MeshInstallation.certificateAuthority`): istiod's own
 * self-signed CA (the default), istiod signing with your organisation's intermediate CA
 * (`pluggedIn`), or a CA outside istiod such as cert-manager's istio-csr (`external`).
 *
 * @see https://istio.io/latest/docs/concepts/security/#pki
 */
export class CertificateAuthority {
  /**
   * istiod's built-in CA with a self-signed root it generates and keeps in Secret
   * `istio-ca-secret` (what `istioctl install` gives).
   */
  public static istiod(): CertificateAuthority {
    return new CertificateAuthority(CertificateAuthorityType.ISTIOD);
  }

  /**
   * istiod's built-in CA, signing with an intermediate CA of your PKI from a Secret in the
   * control plane namespace. The Secret is required: istiod does not start without it (instead of
   * generating a root of its own that no other cluster trusts).
   */
  public static pluggedIn(options: PluggedInCertificateAuthorityOptions = {}): CertificateAuthority {
    return new CertificateAuthority(CertificateAuthorityType.PLUGGED_IN, options?.secretName ?? 'cacerts');
  }

  /**
   * A CA outside istiod, e.g. cert-manager's istio-csr: proxies send their signing requests to
   * `address`, and istiod's CA server is turned off (`ENABLE_CA_SERVER=false`). istiod's own
   * serving certificate then comes from Secret `istiod-tls` and the trusted root from ConfigMap
   * `istio-ca-root-cert`, both written by istio-csr (istiod mounts them when present).
   */
  public static external(options: ExternalCertificateAuthorityOptions): CertificateAuthority {
    return new CertificateAuthority(CertificateAuthorityType.EXTERNAL, undefined, options?.address, options?.podPort ?? 6443);
  }

  /** Which CA signs workload certificates. */
  public readonly type: CertificateAuthorityType;
  /**
   * Secret holding the plugged-in CA (type PLUGGED_IN).
   * @default - none for the other types
   */
  public readonly secretName?: string;
  /**
   * `host:port` of the external CA (type EXTERNAL).
   * @default - none for the other types
   */
  public readonly address?: string;
  /**
   * Container port of the external CA's pods (type EXTERNAL).
   * @default - none for the other types
   */
  public readonly podPort?: number;

  private constructor(type: CertificateAuthorityType, secretName?: string, address?: string, podPort?: number) {
    this.type = type;
    this.secretName = secretName;
    this.address = address;
    this.podPort = podPort;
  }
}
