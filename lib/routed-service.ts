import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { describeValue, MeshValidationError } from './private/errors';
import { validateDnsLabel, validateIntRange } from './private/validate';

/** What a RoutedService resolves to. */
interface ResolvedService {
  readonly name: string;
  readonly namespace: string;
  readonly port?: number;
  /** The Service's selector, when the Service is part of this app. */
  readonly selector?: { [key: string]: string };
}

/** Port-name prefixes Istio treats as something other than HTTP. */
const NON_HTTP = ['tcp', 'tls', 'https', 'mongo', 'mysql', 'redis', 'udp'];

/**
 * The Kubernetes Service whose traffic `ServiceRouting` routes: a Service of this app (a
 * cdk8s-plus Service of any major version, a `KubeService` L1 or an `ApiObject`), or one this app
 * does not define, by name and namespace.
 */
export class RoutedService {
  /**
   * A Service defined in this app: any construct whose API object is a Service (cdk8s-plus
   * `Service`, `k8s.KubeService`, `ApiObject`). Its namespace, selector and ports are read from
   * the object.
   *
   * @param service the Service
   * @param port the HTTP port routes apply to; may be omitted when the Service has one port
   */
  public static fromService(service: IConstruct, port?: number): RoutedService {
    return new RoutedService((scope) => {
      let obj: ApiObject;
      try {
        obj = service instanceof ApiObject ? service : ApiObject.of(service);
      } catch {
        throw new MeshValidationError(scope, `'service' must be a Service of this app (cdk8s-plus Service, k8s.KubeService or ApiObject), got ${describe(service)}; ` +
          'for a Service defined elsewhere use RoutedService.fromName(name, namespace, port)');
      }
      if (obj.kind !== 'Service' || obj.apiVersion !== 'v1') {
        throw new MeshValidationError(scope, `'service' must be a Service, got ${obj.apiVersion} ${obj.kind} "${obj.name}"`);
      }
      const json = obj.toJson();
      const namespace: string | undefined = json.metadata?.namespace ?? Chart.of(obj).namespace;
      if (!namespace) {
        throw new MeshValidationError(scope, `'service' "${obj.name}" has no namespace; set metadata.namespace (or the chart namespace) on the Service`);
      }
      const ports: Array<{ port: number; name?: string }> = json.spec?.ports ?? [];
      let chosen = port === undefined ? undefined : ports.find((p) => p.port === port);
      if (port === undefined) {
        if (ports.length !== 1) {
          throw new MeshValidationError(scope, `'port' is required: Service "${obj.name}" has ${ports.length === 0 ? 'no ports' : `ports ${ports.map((p) => p.port).join(', ')}`}; ` +
            `name the HTTP port to route, e.g. RoutedService.fromService(service, ${ports[0]?.port ?? 80})`);
        }
        chosen = ports[0];
      } else if (!chosen) {
        throw new MeshValidationError(scope, `'port' ${describeValue(port, 'number')} is not a port of Service "${obj.name}" (ports: ${ports.map((p) => p.port).join(', ') || 'none'}); ` +
          'route one of its ports, or add the port to the Service');
      }
      const protocol = (chosen!.name ?? '').split('-')[0];
      if (NON_HTTP.includes(protocol)) {
        throw new MeshValidationError(scope, `Service "${obj.name}" port ${chosen!.port} is named "${chosen!.name}", so Istio treats it as ${protocol.toUpperCase()} ` +
          'and HTTP routes would not apply; name it "http" (or "http-...", "grpc-...")');
      }
      return { name: obj.name, namespace, port: chosen!.port, selector: json.spec?.selector ? { ...json.spec.selector } : undefined };
    });
  }

  /**
   * A Service this app does not define (another app's, or one the platform installs).
   *
   * @param name the Service name
   * @param namespace its namespace
   * @param port the HTTP port routes apply to
   * @default - port: every port of the Service
   */
  public static fromName(name: string, namespace: string, port?: number): RoutedService {
    return new RoutedService((scope) => {
      validateDnsLabel(scope, 'service name', name);
      validateDnsLabel(scope, 'service namespace', namespace);
      if (port !== undefined) validateIntRange(scope, 'port', port, 1, 65535);
      return { name, namespace, port };
    });
  }

  private constructor(private readonly resolver: (scope: IConstruct) => ResolvedService) {}

  /**
   * The Service, read now; errors name `scope`.
   * @internal
   */
  public _resolve(scope: IConstruct): ResolvedService {
    return this.resolver(scope);
  }
}

function describe(x: unknown): string {
  if (x && typeof x === 'object' && 'node' in x) return `construct ${(x as IConstruct).node.path}`;
  return describeValue(x);
}
