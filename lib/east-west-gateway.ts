import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { GatewayServiceType, GatewayWorkloadProps } from './gateway-workload';
import { Gateway, GatewaySpecServersTlsMode } from './imports/networking.istio.io';
import { MeshAnalyzer } from './mesh-analyzer';
import { IMeshInstallation, MeshInstallation } from './mesh-installation';
import { markLibraryConstruct } from './private/analyzer/ownership';
import { oncePerSynth } from './private/app-scan';
import { MeshValidationError } from './private/errors';
import { checkGatewayConsistency, findNameClashes } from './private/gateway/consistency';
import {
  GatewayWorkload, renderGatewayWorkload, RenderedWorkload, resolveGatewayWorkload, statusServicePort,
} from './private/gateway/workload';
import { LABEL_NETWORK } from './private/labels';
import { dependOnMesh } from './private/mesh-dependency';
import { ownedApiObjects } from './private/owned-objects';
import { recommendedLabels } from './private/recommended-labels';

/** Port of cross-network mTLS traffic (Istio's convention, also the default `networking.istio.io/gatewayPort`). */
const CROSS_NETWORK_PORT = 15443;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Props of `EastWestGateway`.
 */
export interface EastWestGatewayProps extends GatewayWorkloadProps {
  /**
   * Network of this cluster, as in the mesh's `network` (label `topology.istio.io/network`).
   * istiod finds the gateway's address through this label on its Service.
   * @see https://istio.io/latest/docs/setup/install/multicluster/multi-primary_multi-network/
   */
  readonly network: string;
}

/**
 * The east-west gateway of a multi-network mesh: workloads of other networks reach this
 * cluster's services through it. Port 15443 is exposed (plus the status port) and an Istio
 * `Gateway` with `AUTO_PASSTHROUGH` for `*.local` routes the callers' mTLS by SNI without
 * terminating it, as Istio's `gen-eastwest-gateway.sh` and `expose-services.yaml` do.
 *
 * Pods and Service carry `topology.istio.io/network: <network>`; the proxy asks for the view of
 * its own network (`ISTIO_META_REQUESTED_NETWORK_VIEW`).
 *
 * @see https://istio.io/latest/docs/setup/install/multicluster/multi-primary_multi-network/
 */
export class EastWestGateway extends Construct {
  /** Name of the Deployment, Service, ServiceAccount and Istio Gateway. */
  public readonly name: string;
  /** Namespace of the gateway. */
  public readonly namespace: string;
  /** The network the gateway serves. */
  public readonly network: string;
  /** The mesh. */
  public readonly mesh: IMeshInstallation;
  /** Service port of cross-network traffic. */
  public readonly port: number = CROSS_NETWORK_PORT;

  private readonly workload: GatewayWorkload;
  private readonly rendered: RenderedWorkload;
  private readonly gateway: ApiObject;

  constructor(scope: Construct, id: string, props: EastWestGatewayProps) {
    super(scope, id);
    MeshAnalyzer.of(this);
    markLibraryConstruct(this);
    this.workload = resolveGatewayWorkload(this, props, GatewayServiceType.LOAD_BALANCER);
    if (typeof props.network !== 'string' || props.network.length === 0 || props.network.length > 63 || !LABEL_VALUE.test(props.network)) {
      throw new MeshValidationError(this,
        `'network' must be a label value (at most 63 alphanumerics, '-', '_' or '.'), got ${JSON.stringify(props.network)}; use the mesh's network name, e.g. "network1"`);
    }
    const meshNetwork = props.mesh instanceof MeshInstallation ? props.mesh.network : undefined;
    if (meshNetwork !== undefined && meshNetwork !== props.network) {
      throw new MeshValidationError(this, `'network' "${props.network}" is not the network of the mesh (${JSON.stringify(meshNetwork)}): the gateway would ` +
        `announce this cluster's workloads under another network; use network: ${JSON.stringify(meshNetwork)}`);
    }
    this.name = this.workload.name;
    this.namespace = this.workload.namespace;
    this.network = props.network;
    this.mesh = props.mesh;
    dependOnMesh(this, props.mesh);
    this.rendered = renderGatewayWorkload(this, this.workload, {
      ports: [statusServicePort(), { name: 'tls', port: CROSS_NETWORK_PORT, targetPort: CROSS_NETWORK_PORT }],
      extraLabels: { [LABEL_NETWORK]: this.network },
      env: [{ name: 'ISTIO_META_REQUESTED_NETWORK_VIEW', value: this.network }],
    });
    this.gateway = new Gateway(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels: recommendedLabels(this, { name: this.name, component: 'east-west-gateway', partOf: 'istio' }) },
      spec: {
        selector: { ...this.workload.selector },
        servers: [{
          port: { number: CROSS_NETWORK_PORT, name: 'tls', protocol: 'TLS' },
          tls: { mode: GatewaySpecServersTlsMode.AUTO_UNDERSCORE_PASSTHROUGH },
          hosts: ['*.local'],
        }],
      },
    });
    this.node.addValidation({
      validate: oncePerSynth(this, () => [
        ...checkGatewayConsistency({
          deployment: this.rendered.deployment,
          service: this.rendered.service,
          gateways: [this.gateway],
          virtualServices: [],
          envoyFilters: [],
        }),
        ...findNameClashes(this, [this.rendered.deployment, this.rendered.service, this.gateway]),
      ]),
    });
  }

  /**
   * The gateway's Deployment: patch the proxy pods with
   * `addJsonPatch()` (node selectors, tolerations, topology spread).
   */
  public get deployment(): ApiObject {
    return this.rendered.deployment;
  }

  /** The gateway's Service: patch annotations for the cloud load balancer here. */
  public get service(): ApiObject {
    return this.rendered.service;
  }

  /**
   * Every Kubernetes object this construct has rendered so far, to patch with `addJsonPatch()`
   * (`ApiObject.of()` has no single answer for a construct of several objects), e.g.
   * `x.apiObjects.find((o) => o.kind === 'Deployment' && o.name === 'eastwest')`.
   */
  public get apiObjects(): ApiObject[] {
    return ownedApiObjects(this);
  }

  /** The pod labels every selector of this gateway uses (a copy). */
  public get selectorLabels(): { [key: string]: string } {
    return { ...this.workload.selector };
  }
}
