import { ApiObject } from 'cdk8s';

/** An installation as the duplicate check sees it. */
export interface InstalledObjects {
  readonly path: string;
  readonly objects: ApiObject[];
}

/** How to stop emitting an object twice, by what the object is. */
function fixFor(o: ApiObject): string {
  if (o.kind === 'Namespace') return "set 'createNamespace' to false on one of them";
  if (o.kind === 'CustomResourceDefinition' && /\.gateway\.networking\.(x-)?k8s\.io$/.test(o.name)) {
    return "set 'gatewayApiCrds' on one installation only (the Gateway API CRDs are cluster-wide)";
  }
  if (o.kind === 'CustomResourceDefinition' || o.name === 'istio-reader-service-account') {
    return "set 'installCrds' to false on the second revision (CRDs and the reader service account are shared)";
  }
  if (/^istio-cni/.test(o.name) || o.name === 'ztunnel') {
    return "istio-cni and ztunnel run once per node, so only one installation may install them: set 'cni' to false on the other (a second " +
      "revision of an ambient mesh: 'profile: MeshProfile.MINIMAL' with 'istiodEnv: { PILOT_ENABLE_AMBIENT: \"true\" }', see the README)";
  }
  if (/^istio-(ingress|egress)gateway/.test(o.name)) {
    return "use 'profile: MeshProfile.MINIMAL' for the second revision (gateways are upgraded separately from revisions)";
  }
  return "give the installations different 'namespace' or 'revision' values";
}

function identity(o: ApiObject): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${group}|${o.kind}|${o.metadata.namespace ?? ''}|${o.name}`;
}

function describe(o: ApiObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.name}`;
}

/**
 * Objects `mine` shares with installations declared before it in the same app, one message per
 * fix: two installations in one cluster (a canary revision beside the stable one) must not both
 * own a Namespace, CRD, or gateway — the second apply would silently take it over.
 */
export function duplicateObjectMessages(mine: ApiObject[], earlier: InstalledObjects[]): string[] {
  const owners = new Map<string, string>();
  for (const inst of earlier) for (const o of inst.objects) if (!owners.has(identity(o))) owners.set(identity(o), inst.path);
  const byFix = new Map<string, { objects: string[]; owners: Set<string> }>();
  for (const o of mine) {
    const owner = owners.get(identity(o));
    if (!owner) continue;
    const fix = fixFor(o);
    const entry = byFix.get(fix) ?? { objects: [], owners: new Set<string>() };
    entry.objects.push(describe(o));
    entry.owners.add(owner);
    byFix.set(fix, entry);
  }
  return [...byFix.entries()].map(([fix, e]) =>
    `emits ${e.objects.join(', ')}, also emitted by ${[...e.owners].join(', ')}; ${fix}`);
}
