import { stringify } from 'yaml';
import { GatewayWorkload } from './workload';
import { GatewayTls, TlsMode } from '../../gateway-tls';
import { GatewayServiceType } from '../../gateway-workload';
import { objectName } from '../zero-trust/names';

/**
 * An IngressGateway as Kubernetes Gateway API objects: a `Gateway` of class `istio` whose proxy
 * istiod deploys from the `kube-gateway` template (Deployment, Service and ServiceAccount
 * `<name>-istio`, pods labelled `gateway.networking.k8s.io/gateway-name: <name>`), its listeners
 * (one per host and protocol, each admitting routes of the gateway's namespace only), and the
 * infrastructure parameters (a ConfigMap of overlays for the Deployment, autoscaler and
 * disruption budget istiod renders). Facts: istio 1.30 pilot/pkg/config/kube/gatewaycommon
 * (deployment controller, overlays), pilot/pkg/config/kube/gateway/conversion.go (TLS options).
 */

type Json = Record<string, any>;

/** Gateway class whose Gateways istiod deploys and programs. */
export const ISTIO_GATEWAY_CLASS = 'istio';
/** Pod label istiod's deployment controller gives a Gateway's proxy pods. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
/** Gateway annotation choosing the type of the Service istiod deploys. */
export const SERVICE_TYPE_ANNOTATION = 'networking.istio.io/service-type';
/** Listener TLS option that selects Istio's termination mode (MUTUAL, ISTIO_MUTUAL...). */
export const TLS_TERMINATE_MODE_OPTION = 'gateway.istio.io/tls-terminate-mode';

/** The name of the Deployment, Service and ServiceAccount istiod deploys for Gateway `name` of class `istio`. */
export function deployedName(name: string): string {
  return `${name}-${ISTIO_GATEWAY_CLASS}`;
}

/** The workload istiod deploys for the gateway: its selector and identity differ from a rendered gateway's. */
export function deployedWorkload(w: GatewayWorkload): GatewayWorkload {
  return { ...w, selector: { [GATEWAY_NAME_LABEL]: w.name }, serviceAccountName: deployedName(w.name) };
}

/** A host as the Gateway's listeners need it. */
export interface ListenerHost {
  readonly host: string;
  readonly tls?: GatewayTls;
  readonly httpsRedirect: boolean;
}

/** Kinds of listener a host can have. */
export type ListenerKind = 'http' | 'https' | 'tls';

/** The listener name (`sectionName`) of a host's listener of `kind`. */
export function listenerName(kind: ListenerKind, host: string): string {
  return objectName(kind, host === '*' ? 'any-host' : host);
}

/** The listener a host's routes attach to: https when the gateway terminates its TLS, tls for passthrough, http otherwise. */
export function servingListener(h: ListenerHost): ListenerKind {
  if (!h.tls) return 'http';
  return h.tls.mode === TlsMode.PASSTHROUGH ? 'tls' : 'https';
}

function listenerTls(tls: GatewayTls): Json {
  switch (tls.mode) {
    case TlsMode.PASSTHROUGH:
      return { mode: 'Passthrough' };
    case TlsMode.ISTIO_MUTUAL:
      return { mode: 'Terminate', options: { [TLS_TERMINATE_MODE_OPTION]: 'ISTIO_MUTUAL' } };
    case TlsMode.MUTUAL:
      // istiod reads the client CA from the same Secret (`ca.crt`) or `<name>-cacert`, as for an Istio Gateway.
      return { mode: 'Terminate', certificateRefs: [{ name: tls.credentialName }], options: { [TLS_TERMINATE_MODE_OPTION]: 'MUTUAL' } };
    default:
      return { mode: 'Terminate', certificateRefs: [{ name: tls.credentialName }] };
  }
}

/** The Gateway's listeners, host by host in the order they were added. */
export function renderListeners(hosts: readonly ListenerHost[], httpPort: number, httpsPort: number): Json[] {
  const listeners: Json[] = [];
  const allowed = (kind: string) => ({ namespaces: { from: 'Same' }, kinds: [{ kind }] });
  for (const h of hosts) {
    const hostname = h.host === '*' ? undefined : h.host;
    if (!h.tls || h.httpsRedirect) {
      listeners.push({ name: listenerName('http', h.host), hostname, port: httpPort, protocol: 'HTTP', allowedRoutes: allowed('HTTPRoute') });
    }
    if (!h.tls) continue;
    const kind = servingListener(h);
    listeners.push({
      name: listenerName(kind, h.host),
      hostname,
      port: httpsPort,
      protocol: kind === 'tls' ? 'TLS' : 'HTTPS',
      tls: listenerTls(h.tls),
      allowedRoutes: allowed(kind === 'tls' ? 'TLSRoute' : 'HTTPRoute'),
    });
  }
  return listeners;
}

/** The rule of a host's HTTP-to-HTTPS redirect route: 301 to https, on the https port. */
export function redirectRule(httpsPort: number): Json {
  return {
    name: 'https-redirect',
    filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301, port: httpsPort === 443 ? undefined : httpsPort } }],
  };
}

/** Gateway metadata annotations istiod reads (the Service type when not LoadBalancer). */
export function gatewayAnnotations(w: GatewayWorkload): { [key: string]: string } | undefined {
  return w.serviceType === GatewayServiceType.LOAD_BALANCER ? undefined : { [SERVICE_TYPE_ANNOTATION]: w.serviceType };
}

/**
 * The overlays (strategic-merge patches, as YAML) istiod applies to what it renders from the
 * `kube-gateway` template: replicas or an autoscaler, the proxy's resources (and image), and a
 * disruption budget. istiod renders an autoscaler or a budget only when its overlay exists.
 */
export function infrastructureOverlays(w: GatewayWorkload, proxyImage?: string): { [key: string]: string } {
  const container: Json = { name: 'istio-proxy', resources: w.resources, image: proxyImage };
  const overlays: { [key: string]: Json } = {
    deployment: { spec: { replicas: w.replicas, template: { spec: { containers: [container] } } } },
  };
  if (w.autoscale) {
    overlays.horizontalPodAutoscaler = {
      spec: {
        minReplicas: w.autoscale.min,
        maxReplicas: w.autoscale.max,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: w.autoscale.cpu } } }],
      },
    };
  }
  if (w.podDisruptionBudget) overlays.podDisruptionBudget = { spec: { minAvailable: 1 } };
  return Object.fromEntries(Object.entries(overlays).map(([k, v]) => [k, stringify(JSON.parse(JSON.stringify(v)))]));
}
