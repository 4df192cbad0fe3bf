import { ExternalEgressRule } from './external-egress';
import { ISTIOD_PORTS, KUBE_DNS, MERGED_METRICS_PORT } from './render';
import { ExceptionGroup, InboundRule, OutboundRule } from './rules';
import { KUBELET_PROBE_SOURCE, needsL7, WAYPOINT_NAME } from './waypoint';
import { Connection, ConnectionDirection, ConnectionMatrix, EnforcementLayer } from '../../connection-matrix';
import { DataPlane } from '../../data-plane';
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
  /** @default DataPlane.SIDECAR */
  readonly dataPlane?: DataPlane;
  /** Whether the (ambient) namespace has a waypoint. */
  readonly waypoint?: boolean;
}

/**
 * The who-can-call-whom matrix of a zero-trust namespace: allow rules, mTLS exceptions, metrics
 * scraping, egress to peers, external hosts, DNS and istiod, each with the layers enforcing it.
 */
export function connectionMatrix(n: DeclaredConnections): ConnectionMatrix {
  return n.dataPlane === DataPlane.AMBIENT ? ambientMatrix(n) : sidecarMatrix(n);
}

/** Rows of what the namespace declared (rules, exceptions, egress), the same for both data planes but for their layers. */
function declaredRows(n: DeclaredConnections, layers: {
  inbound: (r: InboundRule) => EnforcementLayer[];
  exception: (hasCallers: boolean) => EnforcementLayer[];
  egress: EnforcementLayer[];
}): Connection[] {
  const rows: Connection[] = [];
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
      layers: layers.inbound(r),
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
        layers: layers.exception(e.callers.length > 0),
        note: `mTLS ${e.mode}, caller identity not checked: ${e.reason}`,
      }));
    }
  }
  for (const r of n.outbound) {
    rows.push(row({
      direction: ConnectionDirection.OUTBOUND,
      from: `${n.namespace}/${r.from?.description ?? '*'}`,
      to: r.peer.description,
      ports: [...r.ports],
      layers: layers.egress,
    }));
  }
  for (const { host: h, from } of n.external) {
    rows.push(row({
      direction: ConnectionDirection.OUTBOUND,
      from: `${n.namespace}/${from?.description ?? '*'}`,
      to: h.host,
      ports: [h.port],
      layers: layers.egress,
      note: `external ${h.protocol}${h.addresses.length ? ` at ${h.addresses.join(', ')}` : ''} (ServiceEntry)`,
    }));
  }
  return rows;
}

/**
 * Ambient: the same declared rows, enforced by ztunnel's L4 policies and NetworkPolicies, plus
 * the waypoint for L7 rules; the mesh's own connections are the waypoint's (istiod, metrics) and
 * kubelet's probes.
 */
function ambientMatrix(n: DeclaredConnections): ConnectionMatrix {
  const l3 = n.enforced ? [EnforcementLayer.NETWORK_POLICY] : [];
  const infra = (r: Omit<Connection, 'namespace' | 'enforcement' | 'methods' | 'paths' | 'requestPrincipals' | 'infrastructure'>): Connection => ({
    namespace: n.namespace, enforcement: n.enforcement, methods: [], paths: [], requestPrincipals: [], infrastructure: true, ...r,
  });
  const rows = declaredRows(n, {
    inbound: (r) => [EnforcementLayer.AUTHORIZATION_POLICY, ...(needsL7(r) || n.waypoint ? [EnforcementLayer.WAYPOINT] : []), ...l3],
    exception: (hasCallers) => [EnforcementLayer.PEER_AUTHENTICATION, EnforcementLayer.AUTHORIZATION_POLICY, ...(hasCallers ? l3 : [])],
    egress: l3,
  });
  const waypoint = `${n.namespace}/${WAYPOINT_NAME}`;
  rows.push(infra({
    direction: ConnectionDirection.INBOUND,
    from: `kubelet (${KUBELET_PROBE_SOURCE})`,
    to: `${n.namespace}/*`,
    ports: [],
    layers: l3,
    note: 'kubelet probes, SNATed by istio-cni and let through by ztunnel',
  }));
  if (n.waypoint && n.prometheusPeer) {
    rows.push(infra({
      direction: ConnectionDirection.INBOUND,
      from: n.prometheusPeer.description,
      to: waypoint,
      ports: [MERGED_METRICS_PORT],
      layers: l3,
      note: 'the waypoint proxy\'s merged metrics',
    }));
  }
  rows.push(infra({
    direction: ConnectionDirection.OUTBOUND,
    from: `${n.namespace}/*`,
    to: `${KUBE_DNS.namespace}/k8s-app=kube-dns`,
    ports: [53],
    layers: l3,
    note: 'DNS (UDP and TCP)',
  }));
  if (n.waypoint) {
    rows.push(infra({
      direction: ConnectionDirection.OUTBOUND,
      from: waypoint,
      to: `${n.meshNamespace}/app=istiod`,
      ports: [...ISTIOD_PORTS],
      layers: l3,
      note: n.externalCa ? 'waypoint proxy: xDS' : 'waypoint proxy: xDS and certificates',
    }));
    if (n.externalCa) {
      rows.push(infra({
        direction: ConnectionDirection.OUTBOUND,
        from: waypoint,
        to: n.externalCa.description,
        ports: [n.externalCa.port],
        layers: l3,
        note: 'external CA: the waypoint\'s certificate signing requests',
      }));
    }
  }
  return new ConnectionMatrix(rows);
}

function sidecarMatrix(n: DeclaredConnections): ConnectionMatrix {
  const l3 = n.enforced ? [EnforcementLayer.NETWORK_POLICY] : [];
  const infra = (r: Omit<Connection, 'namespace' | 'enforcement' | 'methods' | 'paths' | 'requestPrincipals' | 'infrastructure'> & Partial<Connection>): Connection => ({
    namespace: n.namespace, enforcement: n.enforcement, methods: [], paths: [], requestPrincipals: [], infrastructure: true, ...r,
  });
  const declared = declaredRows(n, {
    inbound: () => [EnforcementLayer.AUTHORIZATION_POLICY, ...l3],
    exception: (hasCallers) => [EnforcementLayer.PEER_AUTHENTICATION, EnforcementLayer.AUTHORIZATION_POLICY, ...(hasCallers ? l3 : [])],
    egress: n.enforced ? [EnforcementLayer.NETWORK_POLICY, EnforcementLayer.SIDECAR] : [],
  });
  // Inbound rows first (rules, exceptions, metrics scraping), then outbound.
  const inboundCount = n.inbound.length + n.exceptionGroups.reduce((sum, g) => sum + g.entries.length, 0);
  const rows = declared.slice(0, inboundCount);
  if (n.prometheusPeer) {
    rows.push(infra({
      direction: ConnectionDirection.INBOUND,
      from: n.prometheusPeer.description,
      to: `${n.namespace}/*`,
      ports: [MERGED_METRICS_PORT],
      paths: ['/stats/prometheus'],
      layers: l3,
      note: 'merged metrics on pilot-agent port 15020, not captured by Envoy: only the NetworkPolicy applies',
    }));
  }
  rows.push(...declared.slice(inboundCount));
  rows.push(infra({
    direction: ConnectionDirection.OUTBOUND,
    from: `${n.namespace}/*`,
    to: `${KUBE_DNS.namespace}/k8s-app=kube-dns`,
    ports: [53],
    layers: l3,
    note: 'DNS (UDP and TCP)',
  }));
  rows.push(infra({
    direction: ConnectionDirection.OUTBOUND,
    from: `${n.namespace}/*`,
    to: `${n.meshNamespace}/app=istiod`,
    ports: [...ISTIOD_PORTS],
    layers: l3,
    note: n.externalCa ? 'control plane: xDS' : 'control plane: xDS and certificates',
  }));
  if (n.externalCa) {
    rows.push(infra({
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
