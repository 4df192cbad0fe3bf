/**
 * Protocol of a service outside the mesh, as declared on its ServiceEntry port.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/#ServicePort
 */
export enum ExternalHostProtocol {
  /** HTTPS: TLS originated by the application, routed by SNI. */
  HTTPS = 'HTTPS',
  /** Any TLS protocol, routed by SNI. */
  TLS = 'TLS',
  /** Opaque TCP: routed by destination address and port only. */
  TCP = 'TCP',
}

/**
 * A service outside the mesh that workloads of a `ZeroTrustNamespace` may call. Each becomes a
 * ServiceEntry (`location: MESH_EXTERNAL`, `exportTo: ["."]`) and a host of the namespace's
 * Sidecar, which only lets registered destinations out (`REGISTRY_ONLY`).
 *
 * Hosts are DNS names (`api.example.com`) or prefix wildcards (`*.example.com`). Resolution is
 * `DNS` for a plain host name, `NONE` (forward to the address the application connected to)
 * for a wildcard or when `addresses` are given. Values are checked when the host is added
 * to a namespace (`allowEgressTo`).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
 */
export class ExternalHost {
  /**
   * An HTTPS service; the application speaks TLS itself (Istio routes it by SNI).
   *
   * @param host DNS name or prefix wildcard, e.g. `api.example.com`, `*.example.com`
   * @param port port of the service; 443 when omitted
   */
  public static https(host: string, port?: number): ExternalHost {
    return new ExternalHost(host, port ?? 443, ExternalHostProtocol.HTTPS, []);
  }

  /**
   * A TLS service other than HTTPS (e.g. a database with TLS), routed by SNI.
   *
   * @param host DNS name or prefix wildcard
   * @param port port of the service
   */
  public static tls(host: string, port: number): ExternalHost {
    return new ExternalHost(host, port, ExternalHostProtocol.TLS, []);
  }

  /**
   * An opaque TCP service. TCP carries no host name, so Istio matches connections by address
   * and port: give the service's `addresses` (IPs or CIDRs). Without them Istio needs DNS
   * proxying with address auto-allocation, and `istioctl analyze` reports IST0134.
   *
   * @param host DNS name (no wildcard)
   * @param port port of the service
   * @param addresses IP addresses or CIDR blocks the service is reached at; they also narrow the
   * NetworkPolicy egress rule. When omitted, resolution is `DNS` and egress is allowed to any
   * address on that port.
   */
  public static tcp(host: string, port: number, addresses?: string[]): ExternalHost {
    const host_ = new ExternalHost(host, port, ExternalHostProtocol.TCP, Array.isArray(addresses) ? [...addresses] : []);
    host_._addressesInput = addresses;
    return host_;
  }

  /** DNS name or prefix wildcard of the service. */
  public readonly host: string;
  /** Port of the service. */
  public readonly port: number;
  /** Protocol on that port. */
  public readonly protocol: ExternalHostProtocol;
  /**
   * `addresses` as the caller passed them (a JavaScript caller may pass one string), checked
   * where the host is used.
   * @internal
   */
  public _addressesInput?: unknown;
  private readonly _addresses: string[];

  private constructor(host: string, port: number, protocol: ExternalHostProtocol, addresses: string[]) {
    this.host = host;
    this.port = port;
    this.protocol = protocol;
    this._addresses = addresses;
  }

  /** IP addresses or CIDR blocks of the service; empty when not given. */
  public get addresses(): string[] {
    return [...this._addresses];
  }
}
