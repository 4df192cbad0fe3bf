import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { baseLabels } from './context';
import { ISTIO_CRDS_JSON } from '../../imports/istio-crds';

let parsed: any[] | undefined;

/** The 15 Istio CRDs, parsed once per process (the asset is large). */
function istioCrds(): any[] {
  parsed ??= JSON.parse(ISTIO_CRDS_JSON) as any[];
  return parsed;
}

/**
 * The Istio CustomResourceDefinitions exactly as the 1.30.3 bundle defines them (structural
 * schemas and CEL rules included, descriptions stripped), with our labels. The
 * `helm.sh/resource-policy: keep` annotation of the bundle is kept: it tells Helm-based
 * tooling never to delete the CRDs (and with them every Istio resource in the cluster).
 */
export function renderCrds(scope: Construct): void {
  const crds = new Construct(scope, 'Crds');
  for (const crd of istioCrds()) {
    const { metadata, ...rest } = crd;
    new ApiObject(crds, crd.spec.names.kind, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: metadata.name,
        annotations: metadata.annotations,
        labels: baseLabels('istio-base'),
      },
      spec: rest.spec,
    });
  }
}
