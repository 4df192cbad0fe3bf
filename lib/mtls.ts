import { IMeshPeer } from './mesh-peer';
import { IWorkloadSelector } from './workload-selector';

/**
 * Mutual TLS mode of a PeerAuthentication, with the values Istio expects.
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/#PeerAuthentication-MutualTLS-Mode
 */
export enum MtlsMode {
  /** Only mutual TLS connections are accepted. */
  STRICT = 'STRICT',
  /** Both mutual TLS and plaintext connections are accepted. */
  PERMISSIVE = 'PERMISSIVE',
  /** Connections are not tunnelled through mutual TLS: plaintext only. */
  DISABLE = 'DISABLE',
}

/**
 * A written, reviewable exception to STRICT mTLS on one container port of selected workloads:
 * the "platform port" pattern, e.g. a second Envoy on 8443 that a platform component outside
 * the mesh calls in plaintext or with its own TLS.
 *
 * Rendered as a workload PeerAuthentication whose `portLevelMtls` is keyed by the CONTAINER
 * port (the port the workload listens on, not the Service port) — Istio matches it against the
 * port the connection arrives on, and ignores `portLevelMtls` without a workload selector. The
 * reason is kept on the PeerAuthentication as the annotation
 * `security.cdk8s-istio.io/mtls-exception-<port>`.
 *
 * Callers of such a port have no mesh identity, so no principal can be checked: the exception
 * also adds an ALLOW AuthorizationPolicy for that port (any source) and narrows who can connect
 * at L3 with a NetworkPolicy that admits only `callers`.
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export interface MtlsPortException {
  /**
   * Container port the exception applies to (1-65535).
   */
  readonly port: number;
  /**
   * mTLS mode on that port: `MtlsMode.PERMISSIVE` (accept plaintext and mTLS) or
   * `MtlsMode.DISABLE` (plaintext only). `STRICT` is the namespace mode and is rejected.
   */
  readonly mode: MtlsMode;
  /**
   * Workloads whose port is exempted. Required: Istio ignores port-level mTLS without a
   * workload selector.
   */
  readonly selector: IWorkloadSelector;
  /**
   * Why this port cannot use mTLS, for the security review (kept as an annotation). Required.
   */
  readonly reason: string;
  /**
   * Who may open connections to the port (L3, NetworkPolicy): their namespace and, when the
   * peer knows them, pod labels. Their mesh identity is not checked (it cannot be, without mTLS).
   * @default - no pod may connect; only the node (kubelet) can, which NetworkPolicy always allows
   */
  readonly callers?: IMeshPeer[];
}
