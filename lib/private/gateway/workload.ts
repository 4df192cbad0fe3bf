import { ApiObject, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { renderedProxyContainer, renderedProxyVolumes } from './proxy';
import { kebabCase, PROXY_UID, RESERVED_PROXY_PORTS, STATUS_PORT } from './render';
import { GatewayServiceType, GatewayWorkloadProps } from '../../gateway-workload';
import { IMeshInstallation, MeshInstallation } from '../../mesh-installation';
import { MeshValidationError } from '../errors';
import { ISTIO_RELEASE } from '../install/context';
import { toKubeResources } from '../install/istiod';
import { ANNOTATION_TEMPLATES, LABEL_DATAPLANE_MODE, LABEL_INJECT, LABEL_REV } from '../labels';
import { validateDnsLabel, validateIntRange } from '../validate';

/** A port of the gateway's Service; Envoy listens on `targetPort` in the pod. */
export interface GatewayServicePort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
  /** Service `appProtocol`, for names without Istio's protocol prefix (`status-port`). */
  readonly appProtocol?: string;
}

/** Everything the workload renderer needs, resolved from the props of a gateway construct. */
export interface GatewayWorkload {
  readonly name: string;
  readonly namespace: string;
  readonly mesh: IMeshInstallation;
  /** The labels every selector uses (Deployment, Service, Istio Gateway, EnvoyFilter, PDB). */
  readonly selector: { [key: string]: string };
  readonly serviceAccountName: string;
  readonly serviceType: GatewayServiceType;
  readonly serviceAnnotations: { [key: string]: string };
  readonly replicas?: number;
  readonly autoscale?: { readonly min: number; readonly max: number; readonly cpu: number };
  readonly podDisruptionBudget: boolean;
  readonly resources: { requests: { cpu?: string; memory?: string }; limits: { cpu?: string; memory?: string } };
  readonly injection: boolean;
  readonly proxyImage: string;
  /** Istio version of the proxy, the pods' `app.kubernetes.io/version` (telemetry's canonical revision). */
  readonly version: string;
  readonly createNamespace: boolean;
}

/** Extra settings a gateway kind adds to the workload. */
export interface GatewayWorkloadExtras {
  /** Service ports, the status port included when the kind has one. */
  readonly ports: GatewayServicePort[];
  /** Labels added to pods and Service (e.g. `topology.istio.io/network`), not part of the selector. */
  readonly extraLabels?: { [key: string]: string };
  /** Environment variables of the proxy (e.g. `ISTIO_META_REQUESTED_NETWORK_VIEW`). */
  readonly env?: k8s.EnvVar[];
}

/** The rendered workload objects. */
export interface RenderedWorkload {
  readonly deployment: ApiObject;
  readonly service: ApiObject;
}

/** The Service port of Envoy's health endpoint (load balancer health checks). */
export function statusServicePort(): GatewayServicePort {
  return { name: 'status-port', port: STATUS_PORT, targetPort: STATUS_PORT, appProtocol: 'tcp' };
}

const DEFAULT_RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } };
const DEFAULT_AUTOSCALE = { min: 1, max: 5, cpu: 80 };

/** Resolves and validates the workload props shared by every gateway construct. */
export function resolveGatewayWorkload(scope: Construct, props: GatewayWorkloadProps, defaultServiceType: GatewayServiceType): GatewayWorkload {
  if (!props.mesh || typeof props.mesh.istiodAddress !== 'string') {
    throw new MeshValidationError(scope, `'mesh' is required, got ${String(props.mesh)}; pass a MeshInstallation or MeshInstallation.fromExisting()`);
  }
  const name = props.name ?? kebabCase(scope.node.id);
  validateDnsLabel(scope, 'name', name, 50);
  if (!/^[a-z]/.test(name)) {
    throw new MeshValidationError(scope, `'name' must start with a letter (it names a Service), got ${JSON.stringify(name)}`);
  }
  const namespace = props.namespace ?? props.mesh.namespace;
  validateDnsLabel(scope, 'namespace', namespace);

  if (props.replicas !== undefined && props.autoscaling !== undefined) {
    throw new MeshValidationError(scope,
      "'replicas' and 'autoscaling' are mutually exclusive; set 'replicas' for a fixed count or 'autoscaling' for an autoscaled range");
  }
  let replicas: number | undefined;
  let autoscale: GatewayWorkload['autoscale'];
  if (props.replicas !== undefined) {
    validateIntRange(scope, 'replicas', props.replicas, 1, 1000, 'a gateway needs at least one pod');
    replicas = props.replicas;
  } else {
    const a = props.autoscaling ?? {};
    const min = a.minReplicas ?? DEFAULT_AUTOSCALE.min;
    const max = a.maxReplicas ?? Math.max(DEFAULT_AUTOSCALE.max, min);
    validateIntRange(scope, 'autoscaling.minReplicas', min, 1, 1000, 'a gateway needs at least one pod');
    validateIntRange(scope, 'autoscaling.maxReplicas', max, 1, 1000);
    if (min > max) {
      throw new MeshValidationError(scope,
        `'autoscaling.minReplicas' (${min}) must not exceed 'autoscaling.maxReplicas' (${max}); raise maxReplicas or lower minReplicas`);
    }
    const cpu = a.targetCpuUtilization ?? DEFAULT_AUTOSCALE.cpu;
    validateIntRange(scope, 'autoscaling.targetCpuUtilization', cpu, 1, 100);
    autoscale = { min, max, cpu };
  }
  const fewest = replicas ?? autoscale!.min;
  if (props.podDisruptionBudget && fewest < 2) {
    throw new MeshValidationError(scope,
      `'podDisruptionBudget' with at most ${fewest} pod (minAvailable 1) would block every node drain; ` +
      "run at least 2 pods ('replicas' or 'autoscaling.minReplicas') or drop the budget");
  }

  const r = props.resources ?? {};
  const resources = {
    requests: { cpu: r.cpuRequest ?? DEFAULT_RESOURCES.requests.cpu, memory: r.memoryRequest ?? DEFAULT_RESOURCES.requests.memory },
    limits: { cpu: r.cpuLimit ?? DEFAULT_RESOURCES.limits.cpu, memory: r.memoryLimit ?? DEFAULT_RESOURCES.limits.memory },
  };
  const mesh = props.mesh;
  const defaultImage = mesh instanceof MeshInstallation ? `${mesh.hub}/proxyv2:${mesh.tag}` : `registry.istio.io/release/proxyv2:${ISTIO_RELEASE}`;
  if (props.proxyImage !== undefined && props.injection !== false) {
    throw new MeshValidationError(scope,
      `'proxyImage' ${JSON.stringify(props.proxyImage)} is only used by a fully rendered gateway; set 'injection: false' or drop 'proxyImage' (the injector picks the image)`);
  }
  return {
    name,
    namespace,
    mesh,
    selector: { app: name, istio: name },
    serviceAccountName: name,
    serviceType: props.serviceType ?? defaultServiceType,
    serviceAnnotations: { ...(props.serviceAnnotations ?? {}) },
    replicas,
    autoscale,
    podDisruptionBudget: props.podDisruptionBudget ?? fewest >= 2,
    resources,
    injection: props.injection ?? true,
    proxyImage: props.proxyImage ?? defaultImage,
    version: mesh instanceof MeshInstallation ? mesh.tag : ISTIO_RELEASE,
    createNamespace: props.createNamespace ?? false,
  };
}

/** Throws unless `port` is a usable gateway Service or container port. */
export function validateGatewayPort(scope: Construct, prop: string, port: number): void {
  validateIntRange(scope, prop, port, 1, 65535, 'use a TCP port number');
  if (RESERVED_PROXY_PORTS.includes(port)) {
    throw new MeshValidationError(scope,
      `'${prop}' ${port} is reserved by the Istio proxy (${RESERVED_PROXY_PORTS.join(', ')}); choose another port`);
  }
}

/**
 * Renders the ServiceAccount, the SDS Role/RoleBinding, the Deployment, the Service, and the
 * HorizontalPodAutoscaler / PodDisruptionBudget of a gateway. Facts: istio-reference.md §3.8, §3.9, §4.
 */
export function renderGatewayWorkload(scope: Construct, w: GatewayWorkload, extras: GatewayWorkloadExtras): RenderedWorkload {
  const metadata = (name: string, labels?: { [key: string]: string }) => ({
    name, namespace: w.namespace, labels: { ...commonLabels(w), ...(labels ?? {}) },
  });
  if (w.createNamespace) renderGatewayNamespace(scope, w);

  new k8s.KubeServiceAccount(scope, 'ServiceAccount', { metadata: metadata(w.serviceAccountName) });
  const sdsName = `${w.name}-sds`;
  // istiod reads TLS credentials (credentialName Secrets) for the gateway only if its service account may.
  new k8s.KubeRole(scope, 'SdsRole', {
    metadata: metadata(sdsName),
    rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'watch', 'list'] }],
  });
  new k8s.KubeRoleBinding(scope, 'SdsRoleBinding', {
    metadata: metadata(sdsName),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sdsName },
    subjects: [{ kind: 'ServiceAccount', name: w.serviceAccountName, namespace: w.namespace }],
  });

  const extraLabels = extras.extraLabels ?? {};
  const containerPorts = [...new Set(extras.ports.map((p) => p.targetPort))];
  const deployment = new k8s.KubeDeployment(scope, 'Deployment', {
    metadata: metadata(w.name, { ...w.selector, ...extraLabels }),
    spec: {
      replicas: w.replicas,
      selector: { matchLabels: { ...w.selector } },
      strategy: {
        rollingUpdate: { maxSurge: k8s.IntOrString.fromString('100%'), maxUnavailable: k8s.IntOrString.fromString('25%') },
      },
      template: w.injection ? injectedPodTemplate(w, extras, containerPorts) : renderedPodTemplate(w, extras, containerPorts),
    },
  });

  const service = new k8s.KubeService(scope, 'Service', {
    metadata: {
      ...metadata(w.name, { ...w.selector, ...extraLabels }),
      annotations: Object.keys(w.serviceAnnotations).length ? { ...w.serviceAnnotations } : undefined,
    },
    spec: {
      type: w.serviceType,
      selector: { ...w.selector },
      ports: extras.ports.map((p) => ({
        name: p.name, appProtocol: p.appProtocol, port: p.port, protocol: 'TCP', targetPort: k8s.IntOrString.fromNumber(p.targetPort),
      })),
    },
  });

  if (w.autoscale) {
    new k8s.KubeHorizontalPodAutoscalerV2(scope, 'Autoscaler', {
      metadata: metadata(w.name),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: w.name },
        minReplicas: w.autoscale.min,
        maxReplicas: w.autoscale.max,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: w.autoscale.cpu } } }],
      },
    });
  }
  if (w.podDisruptionBudget) {
    new k8s.KubePodDisruptionBudget(scope, 'PodDisruptionBudget', {
      metadata: metadata(w.name),
      spec: { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: { ...w.selector } } },
    });
  }
  return { deployment, service };
}

/** The gateway's own namespace (Pod Security "restricted"), for `createNamespace`. */
export function renderGatewayNamespace(scope: Construct, w: GatewayWorkload): void {
  const ns = new k8s.KubeNamespace(scope, 'Namespace', {
    metadata: { name: w.namespace, labels: { ...commonLabels(w), 'pod-security.kubernetes.io/enforce': 'restricted' } },
  });
  if (ns.metadata.namespace !== undefined) ns.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
}

/** Labels on every object of the gateway. */
function commonLabels(w: GatewayWorkload): { [key: string]: string } {
  return {
    'app.kubernetes.io/name': w.name,
    'app.kubernetes.io/component': 'gateway',
    'app.kubernetes.io/part-of': 'istio',
    'app.kubernetes.io/managed-by': 'cdk8s-istio',
  };
}

/** Pod labels Istio telemetry reads (canonical service name and revision). */
function telemetryLabels(w: GatewayWorkload): { [key: string]: string } {
  return { 'app.kubernetes.io/name': w.name, 'app.kubernetes.io/version': w.version };
}

/** Pod Security "restricted" at pod level: non-root as the proxy UID, RuntimeDefault seccomp. */
function podSecurityContext(): k8s.PodSecurityContext {
  return { runAsUser: PROXY_UID, runAsGroup: PROXY_UID, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
}

/** Pod Security "restricted" at container level. */
function containerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: PROXY_UID,
    runAsGroup: PROXY_UID,
  };
}

/**
 * The pod of an injected gateway: an `istio-proxy` container with image `auto` that the mesh's
 * injector fills in with template `gateway` (args, env, volumes, probes, the
 * `ip_unprivileged_port_start` sysctl). The proxy resources travel as the `sidecar.istio.io/proxy*`
 * annotations, which the template reads.
 */
function injectedPodTemplate(w: GatewayWorkload, extras: GatewayWorkloadExtras, containerPorts: number[]): k8s.PodTemplateSpec {
  const revision: { [key: string]: string } = w.mesh.revision ? { [LABEL_REV]: w.mesh.revision } : {};
  return {
    metadata: {
      labels: { ...w.selector, ...telemetryLabels(w), ...(extras.extraLabels ?? {}), [LABEL_INJECT]: 'true', ...revision, [LABEL_DATAPLANE_MODE]: 'none' },
      annotations: {
        [ANNOTATION_TEMPLATES]: 'gateway',
        [LABEL_INJECT]: 'true',
        'sidecar.istio.io/proxyCPU': w.resources.requests.cpu!,
        'sidecar.istio.io/proxyMemory': w.resources.requests.memory!,
        'sidecar.istio.io/proxyCPULimit': w.resources.limits.cpu!,
        'sidecar.istio.io/proxyMemoryLimit': w.resources.limits.memory!,
      },
    },
    spec: {
      serviceAccountName: w.serviceAccountName,
      securityContext: podSecurityContext(),
      containers: [{
        name: 'istio-proxy',
        image: 'auto',
        ports: containerPorts.map((containerPort) => ({ containerPort, protocol: 'TCP' })),
        env: extras.env && extras.env.length ? [...extras.env] : undefined,
        resources: toKubeResources(w.resources),
        securityContext: containerSecurityContext(),
      }],
    },
  };
}

/** The pod of a fully rendered gateway (`injection: false`): everything the injector would add, written out. */
function renderedPodTemplate(w: GatewayWorkload, extras: GatewayWorkloadExtras, containerPorts: number[]): k8s.PodTemplateSpec {
  return {
    metadata: {
      labels: {
        ...w.selector,
        ...telemetryLabels(w),
        ...(extras.extraLabels ?? {}),
        [LABEL_INJECT]: 'false',
        [LABEL_DATAPLANE_MODE]: 'none',
        'service.istio.io/canonical-name': w.name,
        'service.istio.io/canonical-revision': w.mesh.revision ?? 'latest',
      },
      annotations: {
        [LABEL_REV]: w.mesh.revision ?? 'default',
        'prometheus.io/path': '/stats/prometheus',
        'prometheus.io/port': '15020',
        'prometheus.io/scrape': 'true',
        [LABEL_INJECT]: 'false',
      },
    },
    spec: {
      serviceAccountName: w.serviceAccountName,
      securityContext: podSecurityContext(),
      containers: [{
        ...renderedProxyContainer({
          name: w.name,
          namespace: w.namespace,
          mesh: w.mesh,
          image: w.proxyImage,
          containerPorts,
          env: extras.env ?? [],
          resources: toKubeResources(w.resources),
        }),
        securityContext: containerSecurityContext(),
      }],
      volumes: renderedProxyVolumes(w.mesh),
    },
  };
}
