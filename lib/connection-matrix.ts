import { PolicyEnforcement } from './policy-enforcement';

/**
 * Direction of a connection, seen from the namespace that declared it.
 */
export enum ConnectionDirection {
  /** A caller reaches workloads of the namespace (`allowFrom`, metrics scraping, mTLS exceptions). */
  INBOUND = 'INBOUND',
  /** Workloads of the namespace reach a peer or an external host (`allowTo`, `allowEgressTo`). */
  OUTBOUND = 'OUTBOUND',
}

/**
 * Kind of object that expresses a connection in the synthesized output.
 */
export enum EnforcementLayer {
  /** L7 identity check: an ALLOW AuthorizationPolicy (dry-run in audit mode). */
  AUTHORIZATION_POLICY = 'AuthorizationPolicy',
  /** L3/L4: NetworkPolicies on both sides of the connection that the app manages. */
  NETWORK_POLICY = 'NetworkPolicy',
  /** Egress registry: a Sidecar host (and, for external hosts, a ServiceEntry). */
  SIDECAR = 'Sidecar',
  /** A PeerAuthentication port exception that lets the connection in without mTLS. */
  PEER_AUTHENTICATION = 'PeerAuthentication',
  /**
   * Ambient mode: a waypoint proxy (Gateway API `Gateway` of class `istio-waypoint`) enforces the
   * rule at L7 with `targetRefs` AuthorizationPolicies; ztunnel admits only the waypoint.
   */
  WAYPOINT = 'Waypoint',
}

/**
 * One row of the who-can-call-whom matrix.
 */
export interface Connection {
  /** Direction, seen from `namespace`. */
  readonly direction: ConnectionDirection;
  /** Namespace that declared the connection. */
  readonly namespace: string;
  /** The caller, e.g. `frontend/sa/web`. */
  readonly from: string;
  /** The callee, e.g. `backend/app=api`, `backend/*`, `api.example.com`. */
  readonly to: string;
  /** Destination ports; empty means any port. */
  readonly ports: number[];
  /** HTTP methods; empty means any. */
  readonly methods: string[];
  /** HTTP paths; empty means any. */
  readonly paths: string[];
  /** JWT request principals required (`<issuer>/<subject>`); empty means none required. */
  readonly requestPrincipals: string[];
  /** Whether the rule is enforced or audited (dry-run). */
  readonly enforcement: PolicyEnforcement;
  /** Objects emitted for the connection; empty when audit mode emits none for it. */
  readonly layers: EnforcementLayer[];
  /**
   * What a reviewer should know, e.g. why a port is exempt from mTLS.
   * @default - nothing to add
   */
  readonly note?: string;
  /**
   * A connection the mesh itself needs (DNS, the control plane, metrics scraping, kubelet's
   * probes), not one the app declared. These differ between data planes; `accessDifferences()`
   * ignores them.
   * @default false
   */
  readonly infrastructure?: boolean;
}

/**
 * The who-can-call-whom matrix of one or more `ZeroTrustNamespace`s, for security review:
 * `ns.connections().toMarkdown()` for a table in a pull request, `.toMermaid()` for a graph.
 */
export class ConnectionMatrix {
  /**
   * One matrix out of several (e.g. every namespace of an app), rows in the given order.
   */
  public static merge(matrices: ConnectionMatrix[]): ConnectionMatrix {
    return new ConnectionMatrix(matrices.flatMap((m) => m.rows));
  }

  private readonly _rows: Connection[];

  /**
   * @param rows the connections
   */
  constructor(rows: Connection[]) {
    this._rows = [...rows];
  }

  /** The connections (a copy). */
  public get rows(): Connection[] {
    return [...this._rows];
  }

  /**
   * What the app declared that one matrix grants and the other does not: caller, callee, ports,
   * methods, paths, JWT principals, claims and mode of every declared row (infrastructure rows and
   * the enforcing layers are left out, as they differ between data planes). Empty when both grant
   * the same access, e.g. a namespace before and after a move from sidecars to ambient mode.
   *
   * @param other the matrix to compare with
   * @returns one line per difference, `+ <row>` for a row only this matrix has, `- <row>` for one only `other` has
   */
  public accessDifferences(other: ConnectionMatrix): string[] {
    const keys = (m: ConnectionMatrix) => m._rows.filter((r) => !r.infrastructure).map(accessKey);
    const mine = keys(this);
    const theirs = keys(other);
    const missing = (a: string[], b: string[]) => {
      const rest = [...b];
      return a.filter((k) => {
        const i = rest.indexOf(k);
        if (i < 0) return true;
        rest.splice(i, 1);
        return false;
      });
    };
    return [...missing(mine, theirs).map((k) => `+ ${k}`), ...missing(theirs, mine).map((k) => `- ${k}`)].sort();
  }

  /**
   * A Markdown table: from, to, ports, methods, paths, JWT, mode, enforced by, note.
   */
  public toMarkdown(): string {
    const header = '| from | to | ports | methods | paths | JWT | mode | enforced by | note |';
    const rule = '| --- | --- | --- | --- | --- | --- | --- | --- | --- |';
    const lines = this._rows.map((r) => `| ${[
      r.from, r.to, any(r.ports.map(String)), any(r.methods), any(r.paths), r.requestPrincipals.join(', ') || '-',
      r.enforcement === PolicyEnforcement.AUDIT ? 'audit (dry-run)' : 'enforced',
      r.layers.join(', ') || '-', r.note ?? '',
    ].map(cell).join(' | ')} |`);
    return [header, rule, ...lines].join('\n') + '\n';
  }

  /**
   * A Mermaid `flowchart LR`: one node per caller and callee, one edge per connection labelled
   * with ports, methods and paths. Audited (dry-run) connections are dashed.
   */
  public toMermaid(): string {
    const ids = new Map<string, string>();
    const node = (label: string): string => {
      let id = ids.get(label);
      if (!id) {
        id = `n${ids.size}`;
        ids.set(label, id);
      }
      return id;
    };
    const edges = this._rows.map((r) => {
      const from = node(r.from);
      const to = node(r.to);
      const label = [
        r.ports.length ? r.ports.join(',') : 'any port',
        r.methods.join(','),
        r.paths.join(','),
        r.requestPrincipals.length ? 'JWT' : '',
      ].filter((s) => s.length > 0).join(' ');
      const arrow = r.enforcement === PolicyEnforcement.AUDIT ? '-.->' : '-->';
      return `  ${from} ${arrow}|"${mermaidText(label)}"| ${to}`;
    });
    const nodes = [...ids.entries()].map(([label, id]) => `  ${id}["${mermaidText(label)}"]`);
    return ['flowchart LR', ...nodes, ...edges].join('\n') + '\n';
  }
}

/** A row as the access it grants. */
function accessKey(r: Connection): string {
  return `${r.direction} ${r.from} -> ${r.to} ports=${any(r.ports.map(String))} methods=${any(r.methods)} paths=${any(r.paths)} ` +
    `jwt=${r.requestPrincipals.join(',') || '-'} ${r.enforcement}${r.note ? ` (${r.note})` : ''}`;
}

function any(values: string[]): string {
  return values.length ? values.join(', ') : 'any';
}

/** Escapes a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Escapes text inside a quoted Mermaid label. */
function mermaidText(text: string): string {
  return text.replace(/"/g, '#quot;').replace(/\n/g, ' ');
}
