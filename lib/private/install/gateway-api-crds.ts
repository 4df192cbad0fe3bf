import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { GatewayApiCrds } from '../../gateway-api-crds';
import { GATEWAY_API_EXPERIMENTAL_CRDS_JSON, GATEWAY_API_STANDARD_CRDS_JSON, GATEWAY_API_VERSION } from '../../imports/gateway-api-crds';

const parsed = new Map<GatewayApiCrds, any[]>();

/** One channel's CRDs, parsed once per process (the asset is large). */
export function gatewayApiCrds(channel: GatewayApiCrds): any[] {
  let crds = parsed.get(channel);
  if (!crds) {
    crds = JSON.parse(channel === GatewayApiCrds.EXPERIMENTAL ? GATEWAY_API_EXPERIMENTAL_CRDS_JSON : GATEWAY_API_STANDARD_CRDS_JSON) as any[];
    parsed.set(channel, crds);
  }
  return crds;
}

/**
 * The Gateway API CustomResourceDefinitions of one channel exactly as release v1.5.1 defines them
 * (schemas, CEL rules and the bundle-version/channel annotations; descriptions stripped), labelled as
 * ours. Construct ids are the kinds, under `GatewayApiCrds`.
 */
export function renderGatewayApiCrds(scope: Construct, channel: GatewayApiCrds): void {
  const parent = new Construct(scope, 'GatewayApiCrds');
  for (const crd of gatewayApiCrds(channel)) {
    const { metadata, spec } = crd;
    new ApiObject(parent, crd.spec.names.kind, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: metadata.name,
        annotations: metadata.annotations,
        labels: {
          'app.kubernetes.io/name': 'gateway-api',
          'app.kubernetes.io/managed-by': 'cdk8s-istio',
          'app.kubernetes.io/version': GATEWAY_API_VERSION,
        },
      },
      spec,
    });
  }
}
