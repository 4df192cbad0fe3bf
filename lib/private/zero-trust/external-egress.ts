import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { labelsKey, NameAllocator, objectName } from './names';
import { networkPolicyPorts, podSelector, toCidr } from './render';
import { ExternalHost } from '../../external-host';
import { ServiceEntry, ServiceEntrySpecLocation, ServiceEntrySpecResolution } from '../../imports/networking.istio.io';
import type { WorkloadSelectorConfig } from '../../workload-selector';
import { MeshValidationError } from '../errors';

/** One `allowEgressTo` without a gateway: a host and port, for some workloads or all. */
export interface ExternalEgressRule {
  readonly host: ExternalHost;
  /** The workloads that may call it; undefined for every workload of the namespace. */
  readonly from?: WorkloadSelectorConfig;
}

/**
 * The external hosts of one zero-trust namespace: one ServiceEntry per host (ports merged,
 * exported to the namespace only) and one egress NetworkPolicy per group of calling workloads
 * (`allow-external-egress` for the whole namespace, `allow-external-egress-<workloads>` for a
 * `from` selector). The Sidecar imports the ServiceEntries through `./*`.
 */
export class ExternalEgress {
  private readonly rules: ExternalEgressRule[] = [];
  private readonly hosts = new Map<string, ExternalHost[]>();
  private readonly policies = new Set<string>();

  constructor(
    private readonly owner: Construct,
    private readonly serviceEntries: Construct,
    private readonly networkPolicies: Construct | undefined,
    private readonly netpolNames: NameAllocator,
    private readonly metadata: (name: string) => { name: string; namespace: string },
  ) {}

  /** Every rule declared so far, in order. */
  public get declared(): ExternalEgressRule[] {
    return [...this.rules];
  }

  public add(rule: ExternalEgressRule): void {
    const { host, from } = rule;
    const fromKey = labelsKey(from?.labels);
    if (this.rules.some((r) => r.host.host === host.host && r.host.port === host.port && labelsKey(r.from?.labels) === fromKey)) {
      throw new MeshValidationError(this.owner,
        `'allowEgressTo' declares ${host.host}:${host.port}${from ? ` for ${from.description}` : ''} twice; remove the duplicate or use another port`);
    }
    this.checkSeparable(rule);
    this.rules.push(rule);
    this.addServiceEntryPort(host);
    if (this.networkPolicies && !this.policies.has(fromKey)) {
      this.policies.add(fromKey);
      const name = this.netpolNames.allocate(from ? objectName('allow-external-egress', from.name) : 'allow-external-egress');
      new k8s.KubeNetworkPolicy(this.networkPolicies, name, {
        metadata: this.metadata(name),
        spec: Lazy.any({
          produce: () => ({
            podSelector: podSelector(from?.labels),
            policyTypes: ['Egress'],
            egress: egressRules(this.rules.filter((r) => labelsKey(r.from?.labels) === fromKey).map((r) => r.host)),
          }),
        }),
      });
    }
  }

  private addServiceEntryPort(host: ExternalHost): void {
    const declared = this.hosts.get(host.host);
    if (declared) {
      if (!declared.some((h) => h.port === host.port)) declared.push(host);
      return;
    }
    const hosts = [host];
    this.hosts.set(host.host, hosts);
    const name = objectName('external', host.host);
    new ServiceEntry(this.serviceEntries, name, {
      metadata: this.metadata(name),
      spec: Lazy.any({ produce: () => serviceEntrySpec(hosts) }),
    });
  }

  /**
   * A host without addresses is let out by its port to any address; the Sidecar, which every pod
   * of the namespace shares, knows every host of the namespace. Two such hosts on one port with
   * different callers cannot be told apart by any layer: the callers of one could reach the
   * other, wider than declared.
   */
  private checkSeparable(rule: ExternalEgressRule): void {
    if (rule.host.addresses.length > 0) return;
    const key = labelsKey(rule.from?.labels);
    const clash = this.rules.find((r) => r.host.addresses.length === 0 && r.host.port === rule.host.port && r.host.host !== rule.host.host
      && labelsKey(r.from?.labels) !== key && (r.from !== undefined || rule.from !== undefined));
    if (!clash) return;
    const who = (r: ExternalEgressRule) => r.from?.description ?? 'every workload';
    throw new MeshValidationError(this.owner,
      `'allowEgressTo' ${rule.host.host}:${rule.host.port} for ${who(rule)} and ${clash.host.host}:${clash.host.port} for ${who(clash)} ` +
      `share port ${rule.host.port} without addresses: the NetworkPolicy opens the port to any address and the namespace's Sidecar knows ` +
      'both hosts, so each caller could reach the other host. Give the hosts their addresses (ExternalHost.tcp(host, port, addresses)), ' +
      'declare both for the same workloads, or send one through an egress gateway: allowEgressTo(host, { via: egressGateway, from })');
  }
}

function sortedNumbers(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/**
 * Egress rules to external hosts: hosts with addresses get a rule to those addresses on their
 * port; the others share one rule to any address on their ports (the Sidecar filters by host).
 */
function egressRules(hosts: ExternalHost[]): k8s.NetworkPolicyEgressRule[] {
  const anywhere = sortedNumbers([...new Set(hosts.filter((h) => h.addresses.length === 0).map((h) => h.port))]);
  const rules: k8s.NetworkPolicyEgressRule[] = [];
  if (anywhere.length > 0) {
    rules.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: networkPolicyPorts(anywhere) });
  }
  for (const h of hosts.filter((x) => x.addresses.length > 0)) {
    rules.push({ to: h.addresses.map((a) => ({ ipBlock: { cidr: toCidr(a) } })), ports: networkPolicyPorts([h.port]) });
  }
  return rules;
}

/** The ServiceEntry spec of one external host declared with one or more ports. */
function serviceEntrySpec(hosts: ExternalHost[]): Record<string, unknown> {
  const host = hosts[0].host;
  const addresses = [...new Set(hosts.flatMap((h) => h.addresses))];
  const resolution = host.startsWith('*.') || addresses.length > 0 ? ServiceEntrySpecResolution.NONE : ServiceEntrySpecResolution.DNS;
  return {
    hosts: [host],
    addresses: addresses.length ? addresses : undefined,
    exportTo: ['.'],
    location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
    resolution,
    ports: [...hosts].sort((a, b) => a.port - b.port).map((h) => ({
      number: h.port,
      name: `${h.protocol.toLowerCase()}-${h.port}`,
      protocol: h.protocol,
    })),
  };
}
