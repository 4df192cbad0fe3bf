/**
 * Whether the allow rules of a `ZeroTrustNamespace` are enforced or only audited.
 *
 * Staging a zero-trust rollout: deploy with `AUDIT` first, watch what the dry-run policies would
 * have denied (Envoy's `rbac` shadow metrics and debug logs), add the missing `allowFrom` rules,
 * then switch to `ENFORCE`.
 *
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-dry-run/
 */
export enum PolicyEnforcement {
  /**
   * Nothing is blocked; every decision is only recorded.
   *
   * - Every AuthorizationPolicy, the default deny included, carries the annotation
   *   `istio.io/dry-run: "true"`: Envoy evaluates it and reports the result in the
   *   `shadow_allowed`/`shadow_denied` rbac stats and debug logs, but lets the request through.
   *   The default deny must be dry-run too: an enforced deny-all would block every request the
   *   audited allow rules do not cover, so nothing would be audited.
   * - NetworkPolicies and the Sidecar egress lock (`REGISTRY_ONLY`) are not emitted: neither
   *   Kubernetes nor Istio has a dry-run for them, so emitting them would enforce them.
   * - Still emitted and effective: the Namespace, PeerAuthentication (mTLS STRICT and its port
   *   exceptions), RequestAuthentication (a request carrying an invalid JWT is rejected even in
   *   audit mode; a request without a token is not) and the ServiceEntries (they make external
   *   calls visible as named services in telemetry).
   */
  AUDIT = 'AUDIT',
  /**
   * Everything is enforced: AuthorizationPolicies without dry-run, NetworkPolicies and the
   * Sidecar with `outboundTrafficPolicy: REGISTRY_ONLY`.
   */
  ENFORCE = 'ENFORCE',
}
