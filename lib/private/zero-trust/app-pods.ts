import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { POD_TEMPLATES, selects } from '../analyzer/model';
import { appIndex } from '../app-scan';

type Labels = { [key: string]: string };

/** A workload of the app as the zero-trust checks see it: who its pods are, as whom they run, what they listen on. */
export interface AppPods {
  /** `Deployment api`. */
  readonly description: string;
  readonly namespace: string;
  /** Labels that select exactly these pods: the workload's `selector.matchLabels`, else its pod template labels. */
  readonly selector: Labels;
  readonly podLabels: Labels;
  /** `spec.serviceAccountName` of the pods (`default` when unset). */
  readonly serviceAccount: string;
  /** Declared container ports; undefined when a container declares none (its ports are unknown). */
  readonly ports?: number[];
  /** Named container ports (for Service `targetPort` names). */
  readonly namedPorts: { [name: string]: number };
}

/** A port of a Service of the app. */
export interface AppServicePort {
  readonly port: number;
  readonly targetPort?: number | string;
  readonly name?: string;
  readonly protocol?: string;
  readonly appProtocol?: string;
}

/** A Service of the app: its selector and port → target port. */
export interface AppService {
  readonly name: string;
  readonly namespace: string;
  readonly selector?: Labels;
  readonly ports: AppServicePort[];
}

interface Index {
  readonly pods: Map<string, AppPods[]>;
  readonly services: Map<string, AppService[]>;
}

function buildIndex(all: IConstruct[]): Index {
  const pods = new Map<string, AppPods[]>();
  const services = new Map<string, AppService[]>();
  const push = <T>(map: Map<string, T[]>, ns: string, value: T) => map.set(ns, [...(map.get(ns) ?? []), value]);
  for (const c of all) {
    if (!ApiObject.isApiObject(c)) continue;
    const ns = c.metadata.namespace;
    if (ns === undefined) continue;
    if (c.kind === 'Service' && c.apiVersion === 'v1') {
      const spec = c.toJson().spec ?? {};
      push(services, ns, {
        name: c.name,
        namespace: ns,
        selector: spec.selector,
        ports: (spec.ports ?? []).map((p: any): AppServicePort => ({
          port: Number(p.port), targetPort: p.targetPort, name: p.name, protocol: p.protocol, appProtocol: p.appProtocol,
        })),
      });
      continue;
    }
    const json = c.kind === 'Pod' ? c.toJson() : POD_TEMPLATES[c.kind] ? c.toJson() : undefined;
    if (!json) continue;
    const template = c.kind === 'Pod' ? json : POD_TEMPLATES[c.kind](json.spec);
    if (!template) continue;
    const podLabels: Labels = { ...(template.metadata?.labels ?? {}) };
    const matchLabels = c.kind === 'Pod' ? undefined : json.spec?.selector?.matchLabels;
    const containers: any[] = template.spec?.containers ?? [];
    const declared = containers.map((ct) => (Array.isArray(ct?.ports) ? ct.ports : undefined));
    const namedPorts: { [name: string]: number } = {};
    for (const list of declared) for (const p of list ?? []) if (typeof p?.name === 'string') namedPorts[p.name] = Number(p.containerPort);
    push(pods, ns, {
      description: `${c.kind} ${c.name}`,
      namespace: ns,
      selector: matchLabels && Object.keys(matchLabels).length > 0 ? { ...matchLabels } : podLabels,
      podLabels,
      serviceAccount: template.spec?.serviceAccountName ?? template.spec?.serviceAccount ?? 'default',
      ports: declared.some((d) => d === undefined) || containers.length === 0
        ? undefined
        : [...new Set(declared.flat().map((p: any) => Number(p.containerPort)))].sort((a, b) => a - b),
      namedPorts,
    });
  }
  return { pods, services };
}

function index(scope: IConstruct): Index {
  return appIndex(scope, 'zero-trust-app-pods', buildIndex);
}

/** The app's workloads in `namespace` (empty when the app deploys none there). */
export function podsIn(scope: IConstruct, namespace: string): AppPods[] {
  return index(scope).pods.get(namespace) ?? [];
}

/** The app's Services in `namespace`. */
export function servicesIn(scope: IConstruct, namespace: string): AppService[] {
  return index(scope).services.get(namespace) ?? [];
}

/** The app's workloads in `namespace` whose pods carry `labels` (every workload when undefined). */
export function podsSelectedBy(scope: IConstruct, namespace: string, labels?: Labels): AppPods[] {
  return podsIn(scope, namespace).filter((p) => selects(labels, p.podLabels));
}

/** The principal `<td>/ns/<ns>/sa/<sa>` as namespace and service account, or undefined. */
export function parsePrincipal(principal: string): { namespace: string; serviceAccount: string } | undefined {
  const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  return m ? { namespace: m[1], serviceAccount: m[2] } : undefined;
}
