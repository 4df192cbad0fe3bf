/**
 * How the workloads of a `ZeroTrustNamespace` join the mesh, and so which proxy enforces its rules.
 *
 * The rules you declare (`allowFrom`, `allowTo`, `allowEgressTo`, JWT issuers) are the same for
 * both; only the rendering changes. `ZeroTrustNamespace.connections()` is the same for both, which
 * is what makes a namespace's migration from one to the other reviewable.
 *
 * @see https://istio.io/latest/docs/overview/dataplane-modes/
 */
export enum DataPlane {
  /**
   * An Envoy sidecar in every pod (namespace labelled for injection): every rule, L4 and L7, is
   * enforced by the called pod's sidecar; egress is locked by the namespace's `Sidecar`
   * (`REGISTRY_ONLY`).
   */
  SIDECAR = 'SIDECAR',
  /**
   * Ambient mode (namespace labelled `istio.io/dataplane-mode: ambient`, needs
   * `MeshProfile.AMBIENT`): the ztunnel node proxy gives mTLS and enforces the L4 part of the rules
   * (identities, namespaces, ports); rules with methods, paths or JWT requirements get a waypoint
   * proxy (a Gateway API `Gateway` of class `istio-waypoint`) that enforces them. Egress is locked
   * by NetworkPolicies only, so external hosts need addresses.
   */
  AMBIENT = 'AMBIENT',
}
