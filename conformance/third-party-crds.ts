/**
 * CRD schemas of the non-Istio kinds our constructs emit (Prometheus Operator, Argo Rollouts,
 * Flagger, cert-manager, Argo CD's Application/ApplicationSet written by GitOpsApp, and the
 * Kubernetes Gateway API), taken from the projects' own repositories through the Go module proxy:
 * `go mod download` fetches a pinned release into Go's module cache, and the CRD YAML files in it
 * are the same files the projects install. No other registry is needed.
 *
 * Kinds with no reachable source (Kiali: its operator repository is not served by the proxy) stay
 * unvalidated and are listed as such in the schema check.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

/** One pinned release and the CRD files to read from it. */
export interface CrdSource {
  readonly module: string;
  readonly version: string;
  readonly files: readonly string[];
}

/** The pinned sources. Bump a version here to validate against a newer release. */
export const THIRD_PARTY_CRD_SOURCES: readonly CrdSource[] = [
  {
    module: 'github.com/prometheus-operator/prometheus-operator',
    version: 'v0.85.0',
    files: ['example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml', 'example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml'],
  },
  {
    // 1.8 is the newest release whose go.mod the Go 1.26.8 toolchain here accepts.
    module: 'github.com/argoproj/argo-rollouts',
    version: 'v1.8.3',
    files: ['manifests/crds/rollout-crd.yaml', 'manifests/crds/analysis-template-crd.yaml', 'manifests/crds/cluster-analysis-template-crd.yaml'],
  },
  { module: 'github.com/fluxcd/flagger', version: 'v1.36.1', files: ['artifacts/flagger/crd.yaml'] },
  { module: 'github.com/cert-manager/cert-manager', version: 'v1.21.2', files: ['deploy/crds/cert-manager.io_certificates.yaml'] },
  {
    // The Kubernetes Gateway API, standard channel of the release Istio 1.30 builds against: the
    // cluster "already has them" for examples that do not ship them (MeshInstallation gatewayApiCrds).
    module: 'sigs.k8s.io/gateway-api',
    version: 'v1.5.1',
    files: ['backendtlspolicies', 'gatewayclasses', 'gateways', 'grpcroutes', 'httproutes', 'listenersets', 'referencegrants', 'tlsroutes']
      .map((plural) => `config/crd/standard/gateway.networking.k8s.io_${plural}.yaml`),
  },
  {
    // The Application and ApplicationSet GitOpsApp writes to argocd/application.yaml.
    module: 'github.com/argoproj/argo-cd/v3',
    version: 'v3.5.7',
    files: ['manifests/crds/application-crd.yaml', 'manifests/crds/applicationset-crd.yaml'],
  },
];

/** Module cache folder of a source (downloads it when needed); throws with Go's output on failure. */
function moduleDir(src: CrdSource): string {
  const res = spawnSync('go', ['mod', 'download', '-json', `${src.module}@${src.version}`], {
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  const info = (() => {
    try {
      return JSON.parse(res.stdout) as { Dir?: string; Error?: string };
    } catch {
      return {};
    }
  })();
  if (res.error || res.status !== 0 || !info.Dir) {
    throw new Error(`go mod download ${src.module}@${src.version} failed: ${info.Error ?? res.error?.message ?? res.stderr}`);
  }
  return info.Dir;
}

/**
 * Some projects' CRD YAML (Flagger's) continues single-quoted multi-line strings at the indentation
 * of their key: Go's YAML parser accepts that, YAML 1.2 (the `yaml` package) does not. Indents such
 * continuation lines by two more spaces, which changes no value.
 */
export function indentQuotedContinuations(text: string): string {
  const lines = text.split('\n');
  let open = false;
  return lines.map((line) => {
    if (open) {
      open = !/'\s*$/.test(line.replace(/''/g, ''));
      return `  ${line}`;
    }
    const m = /^\s*[\w-]+: '(.*)$/.exec(line);
    if (m && !/'\s*$/.test(m[1].replace(/''/g, ''))) open = true;
    return line;
  }).join('\n');
}

/** The CustomResourceDefinitions of every pinned source, parsed. */
export function loadThirdPartyCrds(sources: readonly CrdSource[] = THIRD_PARTY_CRD_SOURCES): unknown[] {
  const crds: unknown[] = [];
  for (const src of sources) {
    const dir = moduleDir(src);
    for (const file of src.files) {
      const text = indentQuotedContinuations(fs.readFileSync(path.join(dir, file), 'utf8'));
      for (const doc of parseAllDocuments(text)) {
        if (doc.errors.length > 0) throw new Error(`${src.module}@${src.version}/${file}: ${doc.errors[0].message}`);
        const obj = doc.toJS() as { kind?: string } | null;
        if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
      }
    }
  }
  return crds;
}
