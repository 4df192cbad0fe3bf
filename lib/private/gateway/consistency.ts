import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { hostCovers } from './validate';
import { allConstructs } from '../app-scan';

/** The objects of one gateway whose references must agree. */
export interface GatewayObjects {
  readonly deployment: ApiObject;
  readonly service: ApiObject;
  /** Istio Gateways selecting the gateway pods. */
  readonly gateways: ApiObject[];
  /** VirtualServices bound to those Gateways (they may also name `mesh`). */
  readonly virtualServices: ApiObject[];
  /** EnvoyFilters whose workloadSelector must select the gateway pods. */
  readonly envoyFilters: ApiObject[];
}

type Labels = { [key: string]: string } | undefined;

function selects(selector: Labels, labels: Labels): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

function fmt(labels: Labels): string {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';
}

/**
 * Re-checks, on the objects as they will be written (escape-hatch patches included), what the
 * gateway constructs guarantee by construction: every selector selects the gateway pods, every
 * Gateway port is a Service port whose target port the proxy listens on, and every VirtualService
 * host is a host of a Gateway it is bound to. Returns the problems, as cdk8s validations do.
 */
export function checkGatewayConsistency(objects: GatewayObjects): string[] {
  const errors: string[] = [];
  const deployment = objects.deployment.toJson();
  const service = objects.service.toJson();
  const podLabels: Labels = deployment.spec?.template?.metadata?.labels;
  const deploymentSelector: Labels = deployment.spec?.selector?.matchLabels;
  const describe = (o: any) => `${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}`;
  const namespace: string = deployment.metadata?.namespace;

  if (!selects(deploymentSelector, podLabels)) {
    errors.push(`${describe(deployment)} selector {${fmt(deploymentSelector)}} does not select its own pods {${fmt(podLabels)}}; ` +
      'do not patch the gateway labels or selector (they are generated once for every object)');
  }
  if (service.metadata?.namespace !== namespace || !selects(service.spec?.selector, podLabels)) {
    errors.push(`${describe(service)} selector {${fmt(service.spec?.selector)}} does not select the gateway pods {${fmt(podLabels)}} in namespace ` +
      `"${namespace}"; do not patch the Service selector`);
  }
  const containerPorts = new Set<number>();
  for (const c of deployment.spec?.template?.spec?.containers ?? []) for (const p of c.ports ?? []) containerPorts.add(p.containerPort);
  const servicePorts = new Map<number, number>();
  for (const p of service.spec?.ports ?? []) {
    const target = typeof p.targetPort === 'number' ? p.targetPort : p.port;
    servicePorts.set(p.port, target);
    if (!containerPorts.has(target)) {
      errors.push(`${describe(service)} port ${p.port} targets container port ${target}, which the gateway proxy does not declare ` +
        `(${[...containerPorts].sort((a, b) => a - b).join(', ')}); do not patch the ports of one object only`);
    }
  }

  const hostsByGateway = new Map<string, string[]>();
  for (const gw of objects.gateways.map((g) => g.toJson())) {
    const ref = `${gw.metadata?.namespace}/${gw.metadata?.name}`;
    if (gw.metadata?.namespace !== namespace || !selects(gw.spec?.selector, podLabels)) {
      errors.push(`Gateway ${ref} selector {${fmt(gw.spec?.selector)}} does not select the gateway pods {${fmt(podLabels)}} in namespace ` +
        `"${namespace}"; do not patch the Gateway selector`);
    }
    const hosts: string[] = [];
    for (const server of gw.spec?.servers ?? []) {
      const number = server.port?.number;
      if (!servicePorts.has(number)) {
        errors.push(`Gateway ${ref} server "${server.port?.name}" listens on port ${number}, which is not a port of ${describe(service)} ` +
          `(${[...servicePorts.keys()].join(', ')}); Gateway ports are Service ports`);
      }
      hosts.push(...(server.hosts ?? []).map((h: string) => h.replace(/^[^/]*\//, '')));
    }
    hostsByGateway.set(ref, [...new Set(hosts)]);
  }

  for (const vs of objects.virtualServices.map((v) => v.toJson())) {
    const refs: string[] = (vs.spec?.gateways ?? []).filter((g: string) => g !== 'mesh');
    if (refs.length === 0) {
      errors.push(`VirtualService ${vs.metadata?.namespace}/${vs.metadata?.name} is bound to no gateway of ${describe(deployment)}`);
    }
    for (const ref of refs) {
      const gatewayHosts = hostsByGateway.get(ref);
      if (!gatewayHosts) {
        errors.push(`VirtualService ${vs.metadata?.namespace}/${vs.metadata?.name} is bound to Gateway ${ref}, which is not a Gateway of ` +
          `${describe(deployment)} (${[...hostsByGateway.keys()].join(', ') || 'none'})`);
        continue;
      }
      for (const host of vs.spec?.hosts ?? []) {
        if (!gatewayHosts.some((s) => hostCovers(s, host))) {
          errors.push(`VirtualService ${vs.metadata?.namespace}/${vs.metadata?.name} host "${host}" is not a host of Gateway ${ref} ` +
            `(${gatewayHosts.join(', ') || 'none'}); add the host to the gateway first`);
        }
      }
    }
  }

  for (const ef of objects.envoyFilters.map((e) => e.toJson())) {
    if (ef.metadata?.namespace !== namespace || !selects(ef.spec?.workloadSelector?.labels, podLabels)) {
      errors.push(`EnvoyFilter ${ef.metadata?.namespace}/${ef.metadata?.name} workloadSelector {${fmt(ef.spec?.workloadSelector?.labels)}} ` +
        `does not select the gateway pods {${fmt(podLabels)}}; do not patch its selector`);
    }
  }
  return errors;
}

/**
 * Objects elsewhere in the app with the kind, namespace and name of one of `own` (say a second
 * gateway of the same name, or the profile gateway of a MeshInstallation): Kubernetes would keep
 * only one of them, and the selectors would no longer mean what they say.
 */
export function findNameClashes(scope: IConstruct, own: ApiObject[]): string[] {
  const mine = new Set<IConstruct>(own);
  const keyOf = (o: ApiObject) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.name}`;
  const wanted = new Map(own.map((o) => [keyOf(o), o]));
  const errors: string[] = [];
  for (const c of allConstructs(scope)) {
    if (!(c instanceof ApiObject) || mine.has(c)) continue;
    const clash = wanted.get(keyOf(c));
    if (clash) {
      errors.push(`${clash.kind} ${clash.metadata.namespace}/${clash.name} is also emitted by ${c.node.path}; ` +
        "give the gateway another 'name' (or 'namespace')");
    }
  }
  return errors;
}
