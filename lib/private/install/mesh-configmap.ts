import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { componentLabels, InstallContext } from './context';

/**
 * ConfigMap `istio[-<rev>]`: the mesh config istiod reads through the API (key `mesh`) and the
 * mesh networks (key `meshNetworks`). Facts: istio-reference.md §3.7.
 */
export function renderMeshConfigMap(scope: Construct, ctx: InstallContext): void {
  new k8s.KubeConfigMap(scope, 'MeshConfig', {
    metadata: {
      name: `istio${ctx.revSuffix}`,
      namespace: ctx.namespace,
      labels: componentLabels(ctx, 'istiod', 'Pilot'),
    },
    data: {
      mesh: stringify(ctx.meshConfig, { sortMapEntries: true }),
      meshNetworks: 'networks: {}\n',
    },
  });
}
