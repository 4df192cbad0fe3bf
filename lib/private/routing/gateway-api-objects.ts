import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { gatewayApiProblems, renderHttpRouteSpec, versionServiceName } from './render-gateway-api';
import { ServiceTable, VersionDef } from './table';
import { DestinationRule } from '../../imports/networking.istio.io';
import { allConstructs } from '../app-scan';
import { renderTrafficPolicy } from '../canary/istio';

/**
 * The objects of a route table rendered with the Gateway API, for the construct that owns them:
 * the HTTPRoute (Service parent) and the service's DestinationRule, and per version a Service of
 * its own and its DestinationRule. Specs are rendered at synth, from the whole table.
 */

type Metadata = (name: string) => { name: string; namespace: string; labels?: { [key: string]: string } };

/** The kind Gateway API routes for HTTP are (GAMMA: a Service as parent). */
const HTTP_ROUTE_GVK = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' };

/** The HTTPRoute of the table and the DestinationRule of the service (traffic policy for `RouteTo.anyVersion()`). */
export function renderGatewayApiRoute(scope: Construct, table: ServiceTable, metadata: Metadata): void {
  const name = table.service.name;
  new ApiObject(scope, 'Resource', { ...HTTP_ROUTE_GVK, metadata: metadata(name), spec: Lazy.any({ produce: () => renderHttpRouteSpec(table) }) });
  new DestinationRule(scope, 'DestinationRule', {
    metadata: metadata(name),
    spec: Lazy.any({ produce: () => ({ host: name, trafficPolicy: renderTrafficPolicy(table.trafficPolicy) }) }),
  });
}

/**
 * A version as a Service of its own (`<service>-<version>`): the routed Service's selector and
 * ports narrowed to the version's pods, with a DestinationRule for the version's traffic policy
 * (or the service's). Nothing for a version that has a Service already.
 */
export function renderVersionService(scope: Construct, table: ServiceTable, versionName: string, metadata: Metadata): void {
  const version = () => table.versions.find((v) => v.name === versionName)!;
  if (version().host) return;
  const serviceName = versionServiceName(table, version());
  const id = `Version-${versionName}`;
  new ApiObject(scope, `${id}-Service`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(serviceName),
    spec: Lazy.any({ produce: () => versionServiceSpec(scope, table, version()) }),
  });
  new DestinationRule(scope, `${id}-DestinationRule`, {
    metadata: metadata(serviceName),
    spec: Lazy.any({ produce: () => ({ host: serviceName, trafficPolicy: renderTrafficPolicy(version().trafficPolicy ?? table.trafficPolicy) }) }),
  });
}

/** What keeps the table from being rendered with the Gateway API, as validation messages. */
export function gatewayApiTableProblems(scope: IConstruct, table: ServiceTable): string[] {
  const problems = gatewayApiProblems(table);
  for (const v of table.versions.filter((x) => !x.host)) {
    const name = versionServiceName(table, v);
    if (name.length > 63) {
      problems.push(`version "${v.name}" of service ${table.key} needs a Service of its own named "${name}", longer than the 63 characters ` +
        'Kubernetes allows; give the version a shorter name');
      continue;
    }
    const clashes = allConstructs(scope).filter((c): c is ApiObject => ApiObject.isApiObject(c) && c.kind === 'Service' && c.apiVersion === 'v1'
      && c.name === name && (c.metadata.namespace ?? Chart.of(c).namespace) === table.service.namespace);
    if (clashes.length > 1) {
      problems.push(`version "${v.name}" of service ${table.key} is served by a Service of its own named "${name}", but the app has another ` +
        `Service of that name (${clashes.map((c) => c.node.path).join(', ')}); rename the version or that Service`);
    }
  }
  const needsServices = table.versions.some((v) => !v.host);
  if (needsServices && !findServiceObject(scope, table.service.namespace, table.service.name)) {
    problems.push(`RoutingApi.GATEWAY_API serves each version from a Service of its own, made from Service ${table.key}, ` +
      'which is not in this app; declare the Service in the app (RoutedService.fromService), or use RoutingApi.ISTIO');
  }
  return problems;
}

/** A version's own Service: the routed Service's ports and selector, narrowed to the version's labels. */
function versionServiceSpec(scope: IConstruct, table: ServiceTable, v: VersionDef): Record<string, unknown> {
  // The routed Service itself, not the app's Service index: the index renders every Service, this one included.
  const obj = findServiceObject(scope, table.service.namespace, table.service.name);
  const spec = obj?.toJson().spec ?? {};
  const ports = (spec.ports ?? []).length
    ? spec.ports.map((p: any) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol, appProtocol: p.appProtocol }))
    : [{ name: 'http', port: table.service.port ?? 80 }];
  return { selector: { ...(spec.selector ?? table.service.selector ?? {}), ...(v.labels ?? {}) }, ports };
}

/** The app's Service `namespace/name`, found by its metadata (nothing rendered). */
function findServiceObject(scope: IConstruct, namespace: string, name: string): ApiObject | undefined {
  return allConstructs(scope).find((c): c is ApiObject => ApiObject.isApiObject(c) && c.kind === 'Service' && c.apiVersion === 'v1'
    && c.name === name && (c.metadata.namespace ?? Chart.of(c).namespace) === namespace);
}
