import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { componentLabels, InstallContext } from './context';
import { configMapYaml } from './yaml-text';

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
      mesh: configMapYaml(ctx.meshConfig, { sortMapEntries: true }),
      meshNetworks: 'networks: {}\n',
    },
  });
}
