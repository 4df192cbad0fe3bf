import { k8s } from 'cdk8s-plus-27';

/** The label Kubernetes puts on every Namespace with its own name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** Annotation that turns an AuthorizationPolicy into a dry run. */
export const ANNOTATION_DRY_RUN = 'istio.io/dry-run';
/** Annotation prefix that records why a port is exempt from mTLS. */
export const ANNOTATION_MTLS_EXCEPTION_PREFIX = 'security.cdk8s-istio.io/mtls-exception-';
/** Annotation that says which construct emitted an object. */
export const ANNOTATION_DESCRIPTION = 'security.cdk8s-istio.io/description';
/** Port pilot-agent serves merged Prometheus metrics (and rewritten probes) on. */
export const MERGED_METRICS_PORT = 15020;
/**
 * istiod ports workloads reach: xDS and certificates over mTLS (15012). The webhook port (15017)
 * is called by the API server, not by pods; plaintext xDS (15010) is not used by the injected
 * proxies (istio-reference.md).
 */
export const ISTIOD_PORTS = [15012];

/** NetworkPolicy peer for pods of `namespace`, optionally narrowed to `podLabels`. */
export function networkPolicyPeer(namespace: string, podLabels?: { [key: string]: string }): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
    podSelector: podLabels ? { matchLabels: { ...podLabels } } : undefined,
  };
}

/** NetworkPolicy ports, or undefined (= every port) for an empty list. */
export function networkPolicyPorts(ports: number[], protocol = 'TCP'): k8s.NetworkPolicyPort[] | undefined {
  if (ports.length === 0) return undefined;
  return ports.map((port) => ({ protocol, port: k8s.IntOrString.fromNumber(port) }));
}

/** A pod selector: the labels, or every pod of the namespace. */
export function podSelector(labels?: { [key: string]: string }): k8s.LabelSelector {
  return labels ? { matchLabels: { ...labels } } : {};
}

/** A NetworkPolicy ipBlock CIDR for an address (a bare IP becomes /32 or /128). */
export function toCidr(address: string): string {
  if (address.includes('/')) return address;
  return address.includes(':') ? `${address}/128` : `${address}/32`;
}

/** Kubernetes' DNS: the kube-dns / CoreDNS pods in kube-system. */
export const KUBE_DNS = { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } };

/** The egress rule every locked-down pod needs: DNS to kube-dns on 53, UDP and TCP. */
export function dnsEgressRule(): k8s.NetworkPolicyEgressRule {
  return {
    to: [networkPolicyPeer(KUBE_DNS.namespace, KUBE_DNS.podLabels)],
    ports: [...networkPolicyPorts([53], 'UDP')!, ...networkPolicyPorts([53], 'TCP')!],
  };
}

/**
 * Where proxies reach the mesh's external CA, for an egress NetworkPolicy: the namespace of an
 * in-cluster Service host (`<service>.<namespace>.svc[...]`) or an IP address, with the port the
 * CA listens on (its pods' port behind a Service, the address's own port for an IP). Undefined
 * without an external CA, or for a DNS name outside the cluster (no NetworkPolicy can name it).
 */
export function externalCaPeer(caAddress: string | undefined, caPodPort: number | undefined):
{ peer: k8s.NetworkPolicyPeer; port: number; description: string } | undefined {
  if (caAddress === undefined) return undefined;
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(caAddress);
  if (!m) return undefined;
  const host = m[1].replace(/^\[|\]$/g, '');
  if (/^[0-9.]+$/.test(host) || host.includes(':')) {
    return { peer: { ipBlock: { cidr: toCidr(host) } }, port: Number(m[2]), description: host };
  }
  const svc = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\..*)?$/.exec(host);
  if (!svc) return undefined;
  return { peer: networkPolicyPeer(svc[2]), port: caPodPort ?? 6443, description: `${svc[2]}/* (${svc[1]})` };
}
