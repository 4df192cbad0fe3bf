import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { componentLabels, InstallContext } from './context';
import { istiodSelector } from './istiod';
import { MeshClients } from './mesh-clients';
import { profileGatewayKinds, STATUS_PORT } from './profile-gateways';
import { ZTUNNEL_METRICS_PORT, ZTUNNEL_SELECTOR } from './ztunnel';
import type { ControlPlaneNetworkPolicies, IMeshInstallation } from '../../mesh-installation';
import { IMeshPeer } from '../../mesh-peer';
import { describeValue, MeshValidationError } from '../errors';
import { validateDnsLabel } from '../validate';
import { dnsEgressRule, externalCaPeer, MERGED_METRICS_PORT, NAMESPACE_NAME_LABEL, networkPolicyPeer, networkPolicyPorts, toCidr } from '../zero-trust/render';
import { validateAddress, validateList, validatePort } from '../zero-trust/validate';

type Labels = { [key: string]: string };

/** istiod: xDS and certificates over mTLS, called by every proxy of the mesh. */
export const XDS_PORT = 15012;
/** istiod: the injection and validation webhooks (Service port 443), called by the API server. */
export const WEBHOOK_PORT = 15017;
/** istiod and the CNI agent: Prometheus metrics. */
export const MONITORING_PORT = 15014;
/** Ports the API server listens on behind the `kubernetes` Service (managed clusters 443, kubeadm 6443). */
const API_SERVER_PORTS = [443, 6443];
/** Pod labels of Istio's Prometheus addon (samples/addons/prometheus.yaml). */
const PROMETHEUS_ADDON_POD_LABELS = { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/component': 'server' };

/** The lockdown settings, validated and resolved. */
export interface Lockdown {
  /** Namespaces admitted to istiod's xDS port besides the app's ZeroTrustNamespaces and gateways of this mesh. */
  readonly meshNamespaces: string[];
  /** CIDRs of the API server; undefined = any address. */
  readonly apiServerCidrs?: string[];
  readonly apiServerPorts: number[];
  /** The Prometheus pods that scrape istiod (15014) and the gateways (15020). */
  readonly prometheus: { readonly namespace: string; readonly podLabels?: Labels; readonly description: string };
}

/** Validates `networkPolicies` (a JS caller may pass anything) and resolves its defaults. */
export function resolveLockdown(scope: IConstruct, mesh: IMeshInstallation, options: ControlPlaneNetworkPolicies | undefined): Lockdown | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new MeshValidationError(scope, `'networkPolicies' must be an object, got ${describeValue(options, 'object')}; ` +
      'pass {} to lock the control plane namespace down with the defaults, or omit it to leave the namespace open');
  }
  const meshNamespaces = options.meshNamespaces;
  if (meshNamespaces !== undefined && !Array.isArray(meshNamespaces)) {
    throw new MeshValidationError(scope, `'networkPolicies.meshNamespaces' must be a list of namespace names, got ${describeValue(meshNamespaces, 'object')}; ` +
      "e.g. ['payments']");
  }
  validateList(scope, 'networkPolicies.meshNamespaces', meshNamespaces, "omit 'meshNamespaces' when the app's ZeroTrustNamespaces are the mesh", (ns, prop) => {
    validateDnsLabel(scope, prop, ns);
    if (ns === mesh.namespace) {
      throw new MeshValidationError(scope, `'${prop}' is ${JSON.stringify(ns)}, the control plane namespace itself; its gateways are admitted ` +
        'by their own rules, remove it');
    }
  });
  const cidrs = options.apiServerCidrs;
  if (cidrs !== undefined && !Array.isArray(cidrs)) {
    throw new MeshValidationError(scope, `'networkPolicies.apiServerCidrs' must be a list of CIDR blocks, got ${describeValue(cidrs, 'object')}; e.g. ['172.20.0.0/28']`);
  }
  validateList(scope, 'networkPolicies.apiServerCidrs', cidrs, "omit 'apiServerCidrs' to let istiod reach the API server at any address", (cidr, prop) => {
    if (typeof cidr !== 'string') throw new MeshValidationError(scope, `'${prop}' must be a string, got ${describeValue(cidr)}; e.g. "172.20.0.0/28"`);
    validateAddress(scope, prop, cidr);
  });
  const ports = options.apiServerPorts;
  if (ports !== undefined && !Array.isArray(ports)) {
    throw new MeshValidationError(scope, `'networkPolicies.apiServerPorts' must be a list of port numbers, got ${describeValue(ports, 'object')}; e.g. [443]`);
  }
  validateList(scope, 'networkPolicies.apiServerPorts', ports, "omit 'apiServerPorts' for 443 and 6443", (port, prop) => validatePort(scope, prop, port));

  const peer = options.prometheus;
  if (peer !== undefined && (peer === null || typeof (peer as IMeshPeer).toMeshPeerConfig !== 'function')) {
    throw new MeshValidationError(scope, `'networkPolicies.prometheus' must be a mesh peer, got ${describeValue(peer, 'object')}; ` +
      "e.g. MeshPeer.serviceAccount('monitoring', 'prometheus', { podLabels: { app: 'prometheus' } })");
  }
  const prometheus = peer
    ? peer.toMeshPeerConfig(scope, mesh)
    : { namespace: mesh.namespace, podLabels: PROMETHEUS_ADDON_POD_LABELS, description: `${mesh.namespace}/prometheus` };
  if (prometheus.namespace === mesh.namespace && !prometheus.podLabels) {
    throw new MeshValidationError(scope, `'networkPolicies.prometheus' is every pod of the control plane namespace ${JSON.stringify(mesh.namespace)} ` +
      `(${prometheus.description}); name its pods, e.g. MeshPeer.serviceAccount('${mesh.namespace}', 'prometheus', { podLabels: { app: 'prometheus' } })`);
  }
  return {
    meshNamespaces: [...(meshNamespaces ?? [])],
    apiServerCidrs: cidrs?.map(toCidr),
    apiServerPorts: [...(ports ?? API_SERVER_PORTS)],
    prometheus: { namespace: prometheus.namespace, podLabels: prometheus.podLabels, description: prometheus.description },
  };
}

/** Who may reach istiod's xDS port, resolved at synthesis from the whole app. */
export interface XdsClients {
  /** Other namespaces, sorted. */
  readonly namespaces: string[];
  /** Pod selectors of gateway workloads in the control plane namespace. */
  readonly localGateways: Labels[];
}

/** The namespaces and local pods admitted to istiod's xDS port. */
export function xdsClients(ctx: InstallContext, lockdown: Lockdown, clients: MeshClients): XdsClients {
  const namespaces = new Set<string>([...clients.zeroTrustNamespaces, ...lockdown.meshNamespaces]);
  const localGateways: Labels[] = [];
  const seen = new Set<string>();
  for (const w of clients.workloads) {
    if (!w.gateway) continue;
    if (w.namespace !== ctx.namespace) {
      namespaces.add(w.namespace);
    } else if (!seen.has(JSON.stringify(w.selector))) {
      seen.add(JSON.stringify(w.selector));
      localGateways.push(w.selector);
    }
  }
  namespaces.delete(ctx.namespace);
  return { namespaces: [...namespaces].sort(), localGateways };
}

/**
 * NetworkPolicies that lock the control plane namespace down (`MeshInstallation.networkPolicies`):
 * deny everything, then admit exactly what istiod, the profile gateways, the CNI agent and ztunnel
 * need. The xDS rule is computed at synthesis, when every ZeroTrustNamespace and gateway is known.
 *
 * ztunnel's own connections (xDS and certificates from istiod, or from the external CA) leave its
 * pod; the traffic it carries for ambient pods does not: in-pod mode opens those sockets in each
 * pod's network namespace, where that pod's NetworkPolicies apply.
 */
export function renderControlPlaneNetworkPolicies(scope: IConstruct, ctx: InstallContext, lockdown: Lockdown, xds: () => XdsClients): void {
  const ca = ctx.ambient ? ztunnelCaEgress(scope, ctx) : undefined;
  const labels = componentLabels(ctx, 'istiod', 'Pilot');
  const metadata = (name: string) => ({ name, namespace: ctx.namespace, labels });
  const prometheus = [networkPolicyPeer(lockdown.prometheus.namespace, lockdown.prometheus.podLabels)];
  const apiServer: k8s.NetworkPolicyEgressRule = {
    to: lockdown.apiServerCidrs?.map((cidr) => ({ ipBlock: { cidr } })),
    ports: networkPolicyPorts(lockdown.apiServerPorts),
  };

  new k8s.KubeNetworkPolicy(scope, 'NetworkPolicyDefaultDeny', {
    metadata: metadata(`default-deny${ctx.revSuffix}`),
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
  new k8s.KubeNetworkPolicy(scope, 'NetworkPolicyDns', {
    metadata: metadata(`allow-dns${ctx.revSuffix}`),
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [dnsEgressRule()],
    },
  });

  new k8s.KubeNetworkPolicy(scope, 'NetworkPolicyIstiod', {
    metadata: metadata(ctx.istiodName),
    spec: {
      podSelector: { matchLabels: istiodSelector(ctx) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: Lazy.any({
        produce: () => {
          const clients = xds();
          const from: k8s.NetworkPolicyPeer[] = [];
          if (clients.namespaces.length > 0) {
            from.push({ namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: clients.namespaces }] } });
          }
          for (const selector of clients.localGateways) from.push({ podSelector: { matchLabels: { ...selector } } });
          // ztunnel asks for its configuration and, unless an external CA signs, for the certificates of its node's pods.
          if (ctx.ambient) from.push({ podSelector: { matchLabels: { ...ZTUNNEL_SELECTOR } } });
          const rules: k8s.NetworkPolicyIngressRule[] = [];
          // A rule without peers would admit everyone: with no clients, no rule for the port.
          if (from.length > 0) rules.push({ from, ports: networkPolicyPorts([XDS_PORT]) });
          // The API server calls the webhooks from its own address, which no pod or namespace selector matches.
          rules.push({ ports: networkPolicyPorts([WEBHOOK_PORT]) });
          rules.push({ from: prometheus, ports: networkPolicyPorts([MONITORING_PORT]) });
          return rules;
        },
      }),
      egress: [apiServer],
    },
  });

  for (const kind of profileGatewayKinds(ctx)) {
    const targetPorts = [...new Set([...kind.ports.map((p) => p.targetPort), STATUS_PORT])].sort((a, b) => a - b);
    new k8s.KubeNetworkPolicy(scope, `NetworkPolicy${kind.idPrefix}`, {
      metadata: { name: kind.name, namespace: ctx.namespace, labels: componentLabels(ctx, kind.name, kind.component) },
      spec: {
        podSelector: { matchLabels: { app: kind.name, istio: kind.istio } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          // Clients and load balancer health checks come from addresses outside the cluster.
          { ports: networkPolicyPorts(targetPorts) },
          { from: prometheus, ports: networkPolicyPorts([MERGED_METRICS_PORT]) },
        ],
        // A gateway's upstreams are whatever its routes name, in the mesh or outside the cluster;
        // the callees' own NetworkPolicies decide whether the gateway gets in.
        egress: [{}],
      },
    });
  }

  // Istio's Prometheus addon in this namespace (the default scraper): it scrapes every proxy of the
  // mesh on the ports their annotations name and discovers them through the API server, so its
  // egress is open. Queries to it (Grafana, Kiali) need NetworkPolicies of their own.
  if (lockdown.prometheus.namespace === ctx.namespace && lockdown.prometheus.podLabels) {
    new k8s.KubeNetworkPolicy(scope, 'NetworkPolicyPrometheus', {
      metadata: metadata(`prometheus${ctx.revSuffix}`),
      spec: { podSelector: { matchLabels: { ...lockdown.prometheus.podLabels } }, policyTypes: ['Egress'], egress: [{}] },
    });
  }

  if (ctx.ambient) {
    new k8s.KubeNetworkPolicy(scope, 'NetworkPolicyZtunnel', {
      metadata: { name: 'ztunnel', namespace: ctx.namespace, labels: componentLabels(ctx, 'ztunnel', 'Ztunnel') },
      spec: {
        podSelector: { matchLabels: { ...ZTUNNEL_SELECTOR } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: prometheus, ports: networkPolicyPorts([ZTUNNEL_METRICS_PORT]) }],
        egress: [
          { to: [{ podSelector: { matchLabels: istiodSelector(ctx) } }], ports: networkPolicyPorts([XDS_PORT]) },
          ...(ca ? [{ to: [ca.peer], ports: networkPolicyPorts([ca.port]) }] : []),
        ],
      },
    });
  }

  if (ctx.cni) {
    new k8s.KubeNetworkPolicy(scope, 'NetworkPolicyCni', {
      metadata: { name: 'istio-cni-node', namespace: ctx.namespace, labels: componentLabels(ctx, 'istio-cni', 'Cni') },
      spec: {
        podSelector: { matchLabels: { 'k8s-app': 'istio-cni-node' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: prometheus, ports: networkPolicyPorts([MONITORING_PORT]) }],
        egress: [apiServer],
      },
    });
  }
}

/**
 * Where ztunnel sends certificate requests when an external CA signs (undefined with istiod as the
 * CA). A CA named by a DNS name outside the cluster cannot be admitted by a NetworkPolicy: error.
 */
function ztunnelCaEgress(scope: IConstruct, ctx: InstallContext): ReturnType<typeof externalCaPeer> {
  const address = ctx.certificateAuthority.address;
  if (address === undefined) return undefined;
  const peer = externalCaPeer(address, ctx.certificateAuthority.podPort);
  if (!peer) {
    throw new MeshValidationError(scope, `'networkPolicies' cannot let ztunnel reach the external CA at ${JSON.stringify(address)}: a NetworkPolicy ` +
      'names a Service of the cluster or an IP address, not a DNS name outside the cluster; give the CA as "<service>.<namespace>.svc:<port>" ' +
      "or \"<ip>:<port>\", or omit 'networkPolicies'");
  }
  return peer;
}
