import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

/**
 * Orders `scope`'s objects after the mesh's (CRDs and control plane first) when both are in the
 * same chart. Across charts nothing is added: cdk8s expands a chart or construct dependency into
 * one edge per pair of objects of the two charts, which at platform scale costs more than the
 * rest of the synthesis together (see `npm run bench`). Charts are written in creation order;
 * `chart.addDependency(meshChart)` restores numbered file names where `kubectl apply -f <dir>`
 * needs them, and Argo CD applies Namespaces and CRDs first by itself.
 */
export function dependOnMesh(scope: IConstruct, mesh: unknown): void {
  if (!Construct.isConstruct(mesh)) return;
  if (Chart.of(scope) === Chart.of(mesh)) scope.node.addDependency(mesh);
}
