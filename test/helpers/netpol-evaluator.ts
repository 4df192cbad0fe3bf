/**
 * An independent NetworkPolicy evaluator for tests: may a connection leave its pod (egress
 * policies of the source namespace) and enter the destination (ingress policies of the destination
 * namespace)? Kubernetes semantics: a pod selected by no policy of a direction is open in that
 * direction; otherwise some rule of a selecting policy must admit the peer and the port. Namespaces
 * are matched by their `kubernetes.io/metadata.name` label (the only namespace label the library
 * selects on); ipBlocks match external addresses (and, as most CNIs do, pod addresses too).
 */
type Labels = Record<string, string>;

/** A pod, or an address outside the cluster. */
export type Endpoint =
  | { readonly namespace: string; readonly labels: Labels }
  | { readonly ip: string };

const isPod = (e: Endpoint): e is { namespace: string; labels: Labels } => 'namespace' in e;

function matchLabels(selector: any, labels: Labels): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function ipv4(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  return m ? m.slice(1).reduce((acc, o) => acc * 256 + Number(o), 0) : undefined;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  if (base.includes(':')) return ip.includes(':') && Number(bits) === 0;
  const a = ipv4(ip);
  const b = ipv4(base);
  if (a === undefined || b === undefined) return false;
  const block = 2 ** (32 - Number(bits));
  return Math.floor(a / block) === Math.floor(b / block);
}

function peerMatches(peer: any, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) {
    const ip = isPod(other) ? '10.0.0.1' : (other as { ip: string }).ip;
    return inCidr(ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => inCidr(ip, c));
  }
  if (!isPod(other)) return false;
  if (peer.namespaceSelector) {
    if (!matchLabels(peer.namespaceSelector, { 'kubernetes.io/metadata.name': other.namespace })) return false;
  } else if (other.namespace !== policyNamespace) {
    return false;
  }
  return matchLabels(peer.podSelector, other.labels);
}

function portMatches(ports: any[] | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || Number(p.port) === port
    || (p.endPort !== undefined && port >= Number(p.port) && port <= Number(p.endPort))));
}

function admits(policies: any[], direction: 'Ingress' | 'Egress', self: { namespace: string; labels: Labels }, other: Endpoint,
  port: number, protocol: string): boolean {
  const selecting = policies.filter((p) => p.kind === 'NetworkPolicy' && p.metadata.namespace === self.namespace
    && (p.spec.policyTypes ?? ['Ingress']).includes(direction) && matchLabels(p.spec.podSelector, self.labels));
  if (selecting.length === 0) return true;
  const key = direction === 'Ingress' ? 'ingress' : 'egress';
  const peers = direction === 'Ingress' ? 'from' : 'to';
  return selecting.some((p) => (p.spec[key] ?? []).some((rule: any) =>
    (!rule[peers] || rule[peers].length === 0 || rule[peers].some((peer: any) => peerMatches(peer, self.namespace, other)))
    && portMatches(rule.ports, port, protocol)));
}

/** Whether the NetworkPolicies among `objects` let `from` open a connection to `to` on `port`. */
export function networkAllows(objects: any[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  const out = !isPod(from) || admits(objects, 'Egress', from, to, port, protocol);
  const into = !isPod(to) || admits(objects, 'Ingress', to, from, port, protocol);
  return out && into;
}
