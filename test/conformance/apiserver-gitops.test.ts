import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { argoCdNamespaces } from '../../conformance/apiserver/dry-run';
import { KustomizeOutcome } from '../../conformance/apiserver/kustomize';
import { allFailures, closingCounts, SuiteFigures, summaryTable } from '../../conformance/apiserver/report';
import { K8sObject } from '../../conformance/manifests';
import { exampleFolders } from '../../conformance/validate-analyze';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string): K8sObject => ({ apiVersion, kind, metadata: { name, namespace } });

describe('GitOps output in the conformance suites', () => {
  test('example folders are read recursively; kustomizations are skipped, the Argo CD Application is kept', () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-gitops-'));
    const write = (rel: string): void => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), 'kind: X\n');
    };
    for (const f of ['gitops/kustomization.yaml', 'gitops/mesh/kustomization.yaml', 'gitops/mesh/Namespace.istio-system.k8s.yaml',
      'gitops/argocd/application.yaml', 'plain/mesh.k8s.yaml', '.plain.tmp/mesh.k8s.yaml']) write(f);

    // WHEN
    const folders = exampleFolders(dir).map((e) => ({ name: e.name, files: e.files.map((f) => path.relative(dir, f)) }));

    // THEN
    expect(folders).toEqual([
      { name: 'gitops', files: ['gitops/argocd/application.yaml', 'gitops/mesh/Namespace.istio-system.k8s.yaml'] },
      { name: 'plain', files: ['plain/mesh.k8s.yaml'] },
    ]);
  });

  test("Argo CD's namespace is created as a stand-in only when no example creates it", () => {
    const app = obj('argoproj.io/v1alpha1', 'Application', 'mesh-platform', 'argocd');
    const set = obj('argoproj.io/v1alpha1', 'ApplicationSet', 'fleet', 'gitops');
    const rollout = obj('argoproj.io/v1alpha1', 'Rollout', 'web', 'shop');
    expect(argoCdNamespaces([app, set, rollout])).toEqual(['argocd', 'gitops']);
    expect(argoCdNamespaces([app, obj('v1', 'Namespace', 'argocd')])).toEqual([]);
  });

  test('kustomize builds count as items, their failures fail the run and show in the table', () => {
    // GIVEN
    const kustomize: KustomizeOutcome[] = [{
      name: 'gitops-argocd',
      seconds: 3.6,
      builds: [
        { folder: 'dist/examples/gitops-argocd', expected: 80, built: 79, ok: false },
        { folder: 'dist/examples/gitops-argocd/mesh', expected: 40, built: 40, ok: true },
      ],
      failures: [{ file: 'dist/examples/gitops-argocd/kustomization.yaml', message: 'kubectl kustomize built 79 objects, the files hold 80' }],
    }];
    const figures: SuiteFigures = { examples: [], kustomize, setupFailures: [], notes: [] };

    // THEN
    expect(closingCounts(figures)).toEqual({ passed: 1, failed: 1 });
    expect(allFailures(figures).map((f) => f.file)).toEqual(['dist/examples/gitops-argocd/kustomization.yaml']);
    expect(summaryTable(figures).split('\n').find((l) => l.startsWith('kustomize gitops-argocd'))).toMatch(/\(2 folders\)\s+80\s+79\/80\s+1\s+-\s+-\s+-\s+3\.6\s+FAIL$/);
  });
});
