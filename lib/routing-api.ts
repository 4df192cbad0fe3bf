/**
 * Which API a service's route table is rendered with.
 *
 * Both render the same table (versions, ordered routes, weights, filters, timeouts): the choice
 * changes the objects, not where requests go. What one API cannot express is an error at synth,
 * never dropped.
 */
export enum RoutingApi {
  /**
   * Istio's own API: a VirtualService (`gateways: [mesh]`) and a DestinationRule with a subset per
   * version. Everything the table can express.
   */
  ISTIO = 'istio',
  /**
   * The Kubernetes Gateway API for mesh traffic (GAMMA): an HTTPRoute whose parent is the Service,
   * and one Service per version (`<service>-<version>`, Gateway API has no subsets); traffic
   * policies in a DestinationRule per version Service. Needs the Gateway API CRDs in the cluster.
   * No fault injection, sender conditions, retries or CORS (Istio 1.30, standard channel).
   */
  GATEWAY_API = 'gateway-api',
}
