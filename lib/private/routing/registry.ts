import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { GatewayTable } from './gateway-table';
import { RoutedServiceRef, ServiceTable } from './table';
import { oncePerSynth } from '../app-scan';
import { asValidationMessages, MeshValidationError } from '../errors';
import { CLUSTER_DOMAIN } from '../gateway/render';

/**
 * The routing tables of one app, shared by every construct that routes traffic (ServiceRouting,
 * CanaryRelease, IngressGateway): one table per service host and one per (gateway, host), so each
 * is rendered as exactly one VirtualService whichever constructs and charts contribute.
 */
export class RoutingRegistry {
  /** The registry of the app `scope` belongs to. */
  public static of(scope: IConstruct): RoutingRegistry {
    const root = scope.node.root;
    let registry = registries.get(root);
    if (!registry) {
      registry = new RoutingRegistry();
      registries.set(root, registry);
    }
    return registry;
  }

  private readonly services = new Map<string, ServiceTable>();
  private readonly gateways = new Map<string, GatewayTable>();

  private constructor() {}

  /**
   * The table of a service, created with `owner` as the construct that holds its objects when the
   * service has none yet. `created` tells the caller to render the table's objects.
   */
  public serviceTable(owner: IConstruct, service: RoutedServiceRef): { table: ServiceTable; created: boolean } {
    const key = `${service.namespace}/${service.name}`;
    const existing = this.services.get(key);
    if (existing) {
      if (service.port !== undefined && existing.service.port !== undefined && service.port !== existing.service.port) {
        throw new MeshValidationError(owner, `service ${key} is routed on port ${existing.service.port} by ${existing.owner.node.path}, here on port ` +
          `${service.port}; one table routes one HTTP port of a service: use the same port`);
      }
      return { table: existing, created: false };
    }
    const table = new ServiceTable(service, owner);
    this.services.set(key, table);
    return { table, created: true };
  }

  /** The table of the service a host names (`web`, `web.shop`, `web.shop.svc.cluster.local`), seen from `namespace`. */
  public findServiceTable(host: string, namespace: string): ServiceTable | undefined {
    const parts = host.split('.');
    const suffix = `svc.${CLUSTER_DOMAIN}`;
    if (parts.length === 1) return this.services.get(`${namespace}/${host}`);
    if (parts.length === 2) return this.services.get(`${parts[1]}/${parts[0]}`);
    if (host.endsWith(`.${suffix}`) && parts.length === 5) return this.services.get(`${parts[1]}/${parts[0]}`);
    return undefined;
  }

  /** The table of `host` on `gatewayRef`, when some construct routes it. */
  public findGatewayTable(gatewayRef: string, host: string): GatewayTable | undefined {
    return this.gateways.get(`${gatewayRef}|${host}`);
  }

  /**
   * The table of `host` on `gatewayRef`: created when missing, with `createObject` making the one
   * VirtualService that renders it (called once per table, by its first contributor).
   */
  public gatewayTable(gatewayRef: string, host: string, createObject: (table: GatewayTable) => ApiObject): GatewayTable {
    const key = `${gatewayRef}|${host}`;
    let table = this.gateways.get(key);
    if (!table) {
      table = new GatewayTable(this, gatewayRef, host);
      this.gateways.set(key, table);
      const created = table;
      const object = createObject(created);
      created.object = object;
      // Rendering the host's routes is the expensive part: once per synthesis, not once per chart.
      object.node.addValidation({ validate: oncePerSynth(object, () => asValidationMessages(object, created.problems())) });
    }
    return table;
  }
}

const registries = new WeakMap<IConstruct, RoutingRegistry>();
