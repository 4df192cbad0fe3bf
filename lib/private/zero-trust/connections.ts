import { ExternalEgressRule } from './external-egress';
import { ISTIOD_PORTS, KUBE_DNS, MERGED_METRICS_PORT } from './render';
import { ExceptionGroup, InboundRule, OutboundRule } from './rules';
import { Connection, ConnectionDirection, ConnectionMatrix, EnforcementLayer } from '../../connection-matrix';
import type { MeshPeerConfig } from '../../mesh-peer';
import type { PolicyEnforcement } from '../../policy-enforcement';

/** What a zero-trust namespace declared, for its connection matrix. */
export interface DeclaredConnections {
  readonly namespace: string;
  readonly enforcement: PolicyEnforcement;
  /** Whether NetworkPolicies and the Sidecar are rendered (not a dry run). */
  readonly enforced: boolean;
  readonly meshNamespace: string;
  /** The mesh's external CA, when proxies reach one. */
  readonly externalCa?: { readonly port: number; readonly description: string };
  readonly inbound: readonly InboundRule[];
  readonly exceptionGroups: readonly ExceptionGroup[];
  readonly prometheusPeer?: MeshPeerConfig;
  readonly outbound: readonly OutboundRule[];
  readonly external: readonly ExternalEgressRule[];
}

/**
 * The who-can-call-whom matrix of a zero-trust namespace: allow rules, mTLS exceptions, metrics
 * scraping, egress to peers, external hosts, DNS and istiod, each with the layers enforcing it.
 */
export function connectionMatrix(n: DeclaredConnections): ConnectionMatrix {
  const rows: Connection[] = [];
  const l3 = n.enforced ? [EnforcementLayer.NETWORK_POLICY] : [];
  const row = (r: Omit<Connection, 'namespace' | 'enforcement' | 'methods' | 'paths' | 'requestPrincipals'> & Partial<Connection>): Connection => ({
    namespace: n.namespace, enforcement: n.enforcement, methods: [], paths: [], requestPrincipals: [], ...r,
  });
  for (const r of n.inbound) {
    rows.push(row({
      direction: ConnectionDirection.INBOUND,
      from: r.peer.description,
      to: `${n.namespace}/${r.target?.description ?? '*'}`,
      ports: [...r.ports],
      methods: [...r.methods],
      paths: [...r.paths],
      requestPrincipals: [...r.requestPrincipals],
      layers: [EnforcementLayer.AUTHORIZATION_POLICY, ...l3],
      note: Object.keys(r.requiredClaims).length
        ? `claims: ${Object.entries(r.requiredClaims).sort().map(([k, v]) => `${k}=${v}`).join(', ')}` : undefined,
    }));
  }
  for (const group of n.exceptionGroups) {
    for (const e of group.entries) {
      rows.push(row({
        direction: ConnectionDirection.INBOUND,
        from: e.callers.length ? e.callers.map((c) => c.description).join(' + ') : 'node (kubelet) only',
        to: `${n.namespace}/${group.selector.description}`,
        ports: [e.port],
        layers: [EnforcementLayer.PEER_AUTHENTICATION, EnforcementLayer.AUTHORIZATION_POLICY, ...(e.callers.length ? l3 : [])],
        note: `mTLS ${e.mode}, caller identity not checked: ${e.reason}`,
      }));
    }
  }
  if (n.prometheusPeer) {
    rows.push(row({
      direction: ConnectionDirection.INBOUND,
      from: n.prometheusPeer.description,
      to: `${n.namespace}/*`,
      ports: [MERGED_METRICS_PORT],
      paths: ['/stats/prometheus'],
      layers: l3,
      note: 'merged metrics on pilot-agent port 15020, not captured by Envoy: only the NetworkPolicy applies',
    }));
  }
  const egressLayers = n.enforced ? [EnforcementLayer.NETWORK_POLICY, EnforcementLayer.SIDECAR] : [];
  for (const r of n.outbound) {
    rows.push(row({
      direction: ConnectionDirection.OUTBOUND,
      from: `${n.namespace}/${r.from?.description ?? '*'}`,
      to: r.peer.description,
      ports: [...r.ports],
      layers: egressLayers,
    }));
  }
  for (const { host: h, from } of n.external) {
    rows.push(row({
      direction: ConnectionDirection.OUTBOUND,
      from: `${n.namespace}/${from?.description ?? '*'}`,
      to: h.host,
      ports: [h.port],
      layers: egressLayers,
      note: `external ${h.protocol}${h.addresses.length ? ` at ${h.addresses.join(', ')}` : ''} (ServiceEntry)`,
    }));
  }
  rows.push(row({
    direction: ConnectionDirection.OUTBOUND,
    from: `${n.namespace}/*`,
    to: `${KUBE_DNS.namespace}/k8s-app=kube-dns`,
    ports: [53],
    layers: l3,
    note: 'DNS (UDP and TCP)',
  }));
  rows.push(row({
    direction: ConnectionDirection.OUTBOUND,
    from: `${n.namespace}/*`,
    to: `${n.meshNamespace}/app=istiod`,
    ports: [...ISTIOD_PORTS],
    layers: l3,
    note: n.externalCa ? 'control plane: xDS' : 'control plane: xDS and certificates',
  }));
  if (n.externalCa) {
    rows.push(row({
      direction: ConnectionDirection.OUTBOUND,
      from: `${n.namespace}/*`,
      to: n.externalCa.description,
      ports: [n.externalCa.port],
      layers: l3,
      note: 'external CA: certificate signing requests',
    }));
  }
  return new ConnectionMatrix(rows);
}
