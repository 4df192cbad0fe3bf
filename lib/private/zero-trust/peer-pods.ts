import { IConstruct } from 'constructs';
import { AppPods, parsePrincipal, podsIn, podsSelectedBy, servicesIn } from './app-pods';
import { labelsKey } from './names';
import type { MeshPeerConfig } from '../../mesh-peer';
import { selects } from '../analyzer/model';

type Labels = { [key: string]: string };

/** The service account a peer stands for, when it is one identity without declared pod labels. */
function serviceAccountOf(peer: MeshPeerConfig): { namespace: string; serviceAccount: string } | undefined {
  if (peer.podLabels || peer.principals?.length !== 1) return undefined;
  return parsePrincipal(peer.principals[0]);
}

/**
 * The pods a NetworkPolicy rule for `peer` selects, as label sets: the peer's declared pod labels;
 * for a service account, the selectors of the app's workloads that run as it; undefined when the
 * app cannot tell (every pod of the peer's namespace, as before: the AuthorizationPolicy still
 * checks the identity).
 */
export function peerPodSelectors(scope: IConstruct, peer: MeshPeerConfig): Labels[] | undefined {
  if (peer.podLabels) return [{ ...peer.podLabels }];
  const sa = serviceAccountOf(peer);
  if (!sa) return undefined;
  const running = podsIn(scope, sa.namespace).filter((p) => p.serviceAccount === sa.serviceAccount);
  if (running.length === 0) return undefined;
  const unique = new Map(running.map((p) => [labelsKey(p.selector), p.selector]));
  return [...unique.keys()].sort().map((k) => ({ ...unique.get(k)! }));
}

/**
 * A service-account peer in a namespace where the app deploys workloads, none of which runs as it:
 * a typo denies the real caller. Undefined when the peer is fine or the app cannot tell.
 */
export function unknownServiceAccount(scope: IConstruct, prop: string, peer: MeshPeerConfig, external: ReadonlySet<string>): string | undefined {
  const sa = serviceAccountOf(peer);
  if (!sa || external.has(sa.namespace)) return undefined;
  const pods = podsIn(scope, sa.namespace);
  if (pods.length === 0 || pods.some((p) => p.serviceAccount === sa.serviceAccount)) return undefined;
  const inUse = [...new Set(pods.map((p) => p.serviceAccount))].sort();
  return `${prop} peer ${peer.description}: no workload of this app in namespace "${sa.namespace}" runs as service account ` +
    `"${sa.serviceAccount}" (in use there: ${inUse.map((s) => JSON.stringify(s)).join(', ')}); fix the name, or, if pods running as it are ` +
    `deployed outside this app, give their labels: MeshPeer.serviceAccount('${sa.namespace}', '${sa.serviceAccount}', { podLabels: { app: '...' } })`;
}

const describePorts = (p: AppPods) => `${p.description}: ${p.ports!.length ? p.ports!.join(', ') : 'none'}`;

/**
 * Ports of a rule that the selected workloads of the app do not listen on. Policies and
 * NetworkPolicies see the pod's port after the Service has translated it, so a Service port is
 * reported with its target port as the fix. Nothing is reported when the app deploys no selected
 * workload, or when a selected container declares no ports (its ports are unknown).
 */
export function portsNotExposed(scope: IConstruct, prop: string, namespace: string, target: Labels | undefined, targetDescription: string,
  ports: number[]): string[] {
  if (ports.length === 0) return [];
  const selected = podsSelectedBy(scope, namespace, target);
  if (selected.length === 0 || selected.some((p) => p.ports === undefined)) return [];
  const exposed = new Set(selected.flatMap((p) => p.ports!));
  const errors: string[] = [];
  for (const port of ports.filter((p) => !exposed.has(p))) {
    const via = servicesIn(scope, namespace)
      .filter((s) => s.selector && Object.keys(s.selector).length > 0 && selected.some((p) => selects(s.selector, p.podLabels)))
      .flatMap((s) => s.ports.filter((sp) => sp.port === port)
        .map((sp) => ({ service: s.name, target: targetPortOf(sp.targetPort, port, selected) })))
      .filter((x) => x.target !== undefined);
    if (via.length > 0) {
      const targets = [...new Set(via.map((v) => v.target!))].sort((a, b) => a - b);
      errors.push(`${prop} port ${port} of ${namespace}/${targetDescription} is the port of Service ${via.map((v) => JSON.stringify(v.service)).join(', ')}, ` +
        `not of its pods: AuthorizationPolicies and NetworkPolicies see the pod's port after the Service translated it; use ${targets.join(' or ')}`);
    } else {
      errors.push(`${prop} port ${port} is not a container port of ${namespace}/${targetDescription} (${selected.map(describePorts).join('; ')}); ` +
        'use a port the pods listen on, or declare it on the container');
    }
  }
  return errors;
}

/** The container port a Service port sends to: its number, or its name looked up on the pods. */
export function targetPortOf(targetPort: number | string | undefined, port: number, pods: AppPods[]): number | undefined {
  if (targetPort === undefined) return port;
  if (typeof targetPort === 'number') return targetPort;
  if (/^\d+$/.test(targetPort)) return Number(targetPort);
  return pods.map((p) => p.namedPorts[targetPort]).find((p) => p !== undefined);
}
