import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ImagePullPolicy, MeshInstallation, MeshInstallationProps, MeshProfile } from '../lib';
import { ISTIO_CRDS_JSON } from '../lib/imports/istio-crds';

const PROFILES_DIR = path.resolve(__dirname, '..', '..', 'shared', 'istio', 'profiles');

function synth(props?: MeshInstallationProps): any[] {
  const chart = new Chart(Testing.app(), 'test');
  new MeshInstallation(chart, 'Mesh', props);
  return Testing.synth(chart);
}

function find(objects: any[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in [${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}]`);
  return found;
}

const key = (o: { apiVersion: string; kind: string; namespace?: string | null; name: string }) =>
  `${o.apiVersion} ${o.kind} ${o.namespace ?? '-'} ${o.name}`;

/** Snapshots stay reviewable: CRD schemas are checked against the asset separately. */
function withoutCrdSchemas(objects: any[]): any[] {
  return objects.map((o) => (o.kind === 'CustomResourceDefinition' ? { ...o, spec: '<schema from lib/imports/istio-crds.ts>' } : o));
}

describe('object set per profile', () => {
  test.each([
    [MeshProfile.DEFAULT, 'default'],
    [MeshProfile.MINIMAL, 'minimal'],
    [MeshProfile.DEMO, 'demo'],
  ])('%s equals istioctl install (shared list + istio-system Namespace)', (profile, file) => {
    // GIVEN
    const expected: any[] = JSON.parse(fs.readFileSync(path.join(PROFILES_DIR, `${file}-objects.json`), 'utf8'));

    // WHEN
    const objects = synth({ profile });

    // THEN
    const got = objects.map((o) => key({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name })).sort();
    const want = [...expected.map(key), key({ apiVersion: 'v1', kind: 'Namespace', name: 'istio-system' })].sort();
    expect(got).toEqual(want);
  });

  test.each([MeshProfile.DEFAULT, MeshProfile.MINIMAL, MeshProfile.DEMO])('snapshot of %s', (profile) => {
    expect(withoutCrdSchemas(synth({ profile }))).toMatchSnapshot();
  });
});

describe('CRDs', () => {
  test('the 15 CRDs carry the full 1.30.3 schemas, CEL rules included, and no descriptions', () => {
    // WHEN
    const crds = synth().filter((o) => o.kind === 'CustomResourceDefinition');

    // THEN
    const asset: any[] = JSON.parse(ISTIO_CRDS_JSON);
    expect(crds).toHaveLength(15);
    for (const crd of crds) {
      const source = asset.find((a) => a.metadata.name === crd.metadata.name);
      expect(crd.spec).toEqual(source.spec);
    }
    const text = JSON.stringify(crds);
    expect(text).toContain('x-kubernetes-validations');
    expect(text).not.toMatch(/"description":"/);
  });

  test('installCrds: false leaves them to another installation', () => {
    expect(synth({ installCrds: false, revision: 'canary' }).filter((o) => o.kind === 'CustomResourceDefinition')).toHaveLength(0);
  });
});

describe('sidecar injector config', () => {
  test('parses as YAML and carries every template of Istio 1.30\'s installer', () => {
    // WHEN
    const cm = find(synth(), 'ConfigMap', 'istio-sidecar-injector');

    // THEN
    const config = parse(cm.data.config);
    expect(config.policy).toBe('enabled');
    expect(config.defaultTemplates).toEqual(['sidecar']);
    // istioctl's order: istiod's deployment controller renders Gateway API proxies from kube-gateway,
    // waypoint and agentgateway and fails for a Gateway whose template is missing.
    expect(Object.keys(config.templates)).toEqual(['sidecar', 'gateway', 'grpc-simple', 'grpc-agent', 'waypoint', 'kube-gateway', 'agentgateway']);
    expect(config.templates.sidecar).toContain('istio-proxy');
    for (const name of ['kube-gateway', 'waypoint', 'agentgateway']) {
      const kinds = [...config.templates[name].matchAll(/^kind: (\w+)$/gm)].map((m: RegExpMatchArray) => m[1]);
      expect([name, kinds]).toEqual([name, ['ServiceAccount', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']]);
    }
    expect(config.templates.waypoint).toMatch(/^ {8}- waypoint$/m);
    expect(config.templates['kube-gateway']).toMatch(/^ {8}- router$/m);
    const values = JSON.parse(cm.data.values);
    expect(values.global.hub).toBe('registry.istio.io/release');
    expect(values.global.tag).toBe('1.30.3');
    expect(values.global.sds.token.aud).toBe('istio-ca');
    expect(values.sidecarInjectorWebhook.rewriteAppHTTPProbe).toBe(true);
    expect(values.pilot.cni.enabled).toBe(false);
    // What the waypoint template reads (Istio 1.30's defaults).
    expect(values.global.waypoint.resources).toEqual({ limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } });
  });

  test('cni switches the templates to validation mode through pilot.cni.enabled', () => {
    const values = JSON.parse(find(synth({ cni: true }), 'ConfigMap', 'istio-sidecar-injector').data.values);
    expect(values.pilot.cni.enabled).toBe(true);
  });

  test('proxy resources and hold-until-ready reach the injector values and mesh config', () => {
    // WHEN
    const objects = synth({ proxyResources: { cpuRequest: '50m', memoryLimit: '256Mi' }, holdApplicationUntilProxyStarts: true });

    // THEN
    const values = JSON.parse(find(objects, 'ConfigMap', 'istio-sidecar-injector').data.values);
    expect(values.global.proxy.resources).toEqual({ requests: { cpu: '50m' }, limits: { memory: '256Mi' } });
    expect(values.global.proxy.holdApplicationUntilProxyStarts).toBe(true);
    expect(parse(find(objects, 'ConfigMap', 'istio').data.mesh).defaultConfig.holdApplicationUntilProxyStarts).toBe(true);
  });
});

describe('webhooks', () => {
  test('default install: four injection webhooks on istiod /inject, labelled for caBundle patching', () => {
    // WHEN
    const mwc = find(synth(), 'MutatingWebhookConfiguration', 'istio-sidecar-injector');

    // THEN
    expect(mwc.metadata.labels['istio.io/rev']).toBe('default');
    expect(mwc.webhooks.map((w: any) => w.name)).toEqual([
      'rev.namespace.sidecar-injector.istio.io',
      'rev.object.sidecar-injector.istio.io',
      'namespace.sidecar-injector.istio.io',
      'object.sidecar-injector.istio.io',
    ]);
    for (const webhook of mwc.webhooks) {
      expect(webhook.clientConfig).toEqual({ service: { name: 'istiod', namespace: 'istio-system', path: '/inject', port: 443 } });
      expect(webhook.clientConfig.caBundle).toBeUndefined();
      expect(webhook.failurePolicy).toBe('Fail');
    }
    const byNamespace = mwc.webhooks.find((w: any) => w.name === 'namespace.sidecar-injector.istio.io');
    expect(byNamespace.namespaceSelector.matchExpressions).toEqual([{ key: 'istio-injection', operator: 'In', values: ['enabled'] }]);
  });

  test('validating webhook is pinned to Fail and selects objects of its revision', () => {
    const vwc = find(synth(), 'ValidatingWebhookConfiguration', 'istio-validator-istio-system');
    expect(vwc.metadata.labels['istio.io/rev']).toBe('default');
    expect(vwc.webhooks[0].failurePolicy).toBe('Fail');
    expect(vwc.webhooks[0].clientConfig.service).toEqual({ name: 'istiod', namespace: 'istio-system', path: '/validate' });
    expect(vwc.webhooks[0].objectSelector.matchExpressions).toEqual([{ key: 'istio.io/rev', operator: 'In', values: ['default'] }]);
  });
});

describe('revision', () => {
  test('names objects istiod-<rev> and selects istio.io/rev=<rev>', () => {
    // WHEN
    const objects = synth({ revision: 'canary', installCrds: false });

    // THEN
    const deployment = find(objects, 'Deployment', 'istiod-canary');
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app': 'istiod', 'istio.io/rev': 'canary' });
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.spec.containers[0].env).toContainEqual({ name: 'REVISION', value: 'canary' });
    expect(find(objects, 'Service', 'istiod-canary').spec.selector).toEqual({ 'app': 'istiod', 'istio.io/rev': 'canary' });
    expect(find(objects, 'ConfigMap', 'istio-canary')).toBeDefined();
    expect(find(objects, 'ConfigMap', 'istio-sidecar-injector-canary')).toBeDefined();
    const mwc = find(objects, 'MutatingWebhookConfiguration', 'istio-sidecar-injector-canary');
    expect(mwc.webhooks.map((w: any) => w.name)).toEqual(['rev.namespace.sidecar-injector.istio.io', 'rev.object.sidecar-injector.istio.io']);
    expect(mwc.webhooks[0].namespaceSelector.matchExpressions[0]).toEqual({ key: 'istio.io/rev', operator: 'In', values: ['canary'] });
    expect(mwc.webhooks[0].clientConfig.service.name).toBe('istiod-canary');
    expect(find(objects, 'ValidatingWebhookConfiguration', 'istio-validator-canary-istio-system')).toBeDefined();
    expect(parse(find(objects, 'ConfigMap', 'istio-canary').data.mesh).defaultConfig.discoveryAddress).toBe('istiod-canary.istio-system.svc:15012');
  });

  test('exposes injection labels and the istiod address', () => {
    const chart = new Chart(Testing.app(), 'test');
    const def = new MeshInstallation(chart, 'Default');
    const canary = new MeshInstallation(chart, 'Canary', { revision: 'canary', installCrds: false, createNamespace: false });
    expect(def.injectionLabels).toEqual({ 'istio-injection': 'enabled' });
    expect(canary.injectionLabels).toEqual({ 'istio.io/rev': 'canary' });
    expect(def.istiodAddress).toBe('istiod.istio-system.svc:15012');
    expect(canary.istiodAddress).toBe('istiod-canary.istio-system.svc:15012');
    expect(MeshInstallation.fromExisting(chart, 'Existing', { revision: 'stable' }).injectionLabels).toEqual({ 'istio.io/rev': 'stable' });
  });
});

describe('istiod', () => {
  test('default: image, args, ports, autoscaled 1-5 at 80% CPU, no PDB', () => {
    // WHEN
    const objects = synth();

    // THEN
    const deployment = find(objects, 'Deployment', 'istiod');
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.istio.io/release/pilot:1.30.3');
    expect(container.ports.map((p: any) => p.containerPort)).toEqual([8080, 15010, 15012, 15017, 15014]);
    expect(deployment.spec.replicas).toBeUndefined();
    expect(find(objects, 'HorizontalPodAutoscaler', 'istiod').spec).toMatchObject({ minReplicas: 1, maxReplicas: 5 });
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget')).toHaveLength(0);
    expect(find(objects, 'Service', 'istiod').spec.ports.find((p: any) => p.name === 'https-webhook')).toEqual(
      { name: 'https-webhook', port: 443, targetPort: 15017, protocol: 'TCP' });
  });

  test('fixed replicas: no HPA, PDB when more than one replica', () => {
    const objects = synth({ istiodReplicas: 3 });
    expect(find(objects, 'Deployment', 'istiod').spec.replicas).toBe(3);
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'istiod')).toHaveLength(0);
    expect(find(objects, 'PodDisruptionBudget', 'istiod').spec).toEqual({ minAvailable: 1, selector: { matchLabels: { app: 'istiod', istio: 'pilot' } } });
  });

  test('pod meets Pod Security restricted', () => {
    const pod = find(synth(), 'Deployment', 'istiod').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.volumes.some((v: any) => v.hostPath)).toBe(false);
  });

  test('hub, tag, pull policy, multicluster identity', () => {
    // WHEN
    const objects = synth({
      hub: 'registry.example.com/istio',
      tag: '1.30.3-distroless',
      imagePullPolicy: ImagePullPolicy.ALWAYS,
      meshId: 'mesh1',
      clusterName: 'eu-west',
      network: 'network1',
      trustDomain: 'prod.example.com',
    });

    // THEN
    const container = find(objects, 'Deployment', 'istiod').spec.template.spec.containers[0];
    expect(container.image).toBe('registry.example.com/istio/pilot:1.30.3-distroless');
    expect(container.imagePullPolicy).toBe('Always');
    expect(container.env).toContainEqual({ name: 'CLUSTER_ID', value: 'eu-west' });
    expect(find(objects, 'Namespace', 'istio-system').metadata.labels).toMatchObject({ 'topology.istio.io/network': 'network1' });
    const mesh = parse(find(objects, 'ConfigMap', 'istio').data.mesh);
    expect(mesh.trustDomain).toBe('prod.example.com');
    expect(mesh.defaultConfig.meshId).toBe('mesh1');
    const values = JSON.parse(find(objects, 'ConfigMap', 'istio-sidecar-injector').data.values);
    expect(values.global).toMatchObject({ meshID: 'mesh1', network: 'network1', multiCluster: { clusterName: 'eu-west' }, imagePullPolicy: 'Always' });
  });
});

describe('validation', () => {
  const fails = (props: MeshInstallationProps, message: RegExp) => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new MeshInstallation(chart, 'Mesh', props)).toThrow(message);
  };

  test.each([
    [{ revision: 'Canary' }, /^\[test\/Mesh\] 'revision' must be a DNS-1123 label .* got "Canary"$/],
    [{ revision: '1-30-' }, /'revision' must be a DNS-1123 label .* got "1-30-"/],
    [{ revision: 'a'.repeat(57) }, /'revision' must be a DNS-1123 label .*at most 56 characters\) such as "1-30", got "a{57}"/],
    [{ revision: 'default' }, /'revision' "default" names the unrevisioned control plane; omit 'revision' instead/],
    [{ namespace: 'Istio_System' }, /'namespace' must be a DNS-1123 label .* got "Istio_System"/],
    [{ tag: '' }, /'tag' must not be empty, got ""; omit 'tag' to use 1.30.3/],
    [{ hub: ' ' }, /'hub' must not be empty, got " "; omit 'hub' to use registry.istio.io\/release/],
    [{ tag: '1.30 .3' }, /'tag' must not contain whitespace, got "1.30 .3"/],
    [{ tag: '1.31.0' }, /^\[test\/Mesh\] 'tag' "1.31.0" is Istio 1.31, but this release of cdk8s-istio writes Istio 1.30's CRDs, injection templates and webhooks; use a 1.30.x tag \(default 1.30.3\), or the cdk8s-istio release for Istio 1.31$/],
    [{ tag: '1.29.2-distroless' }, /'tag' "1.29.2-distroless" is Istio 1.29/],
    [{ hub: 'registry.example.com/istio/' }, /^\[test\/Mesh\] 'hub' must be a registry path without a scheme or a trailing '\/' \(images are written <hub>\/pilot:<tag>\), got "registry.example.com\/istio\/"; e.g. "registry.example.com\/istio"$/],
    [{ hub: 'https://registry.example.com/istio' }, /'hub' must be a registry path without a scheme or a trailing '\/'/],
    [{ tag: 1.30 as unknown as string }, /^\[test\/Mesh\] 'tag' must be a string, got 1.3 \(number\); omit 'tag' to use 1.30.3$/],
    [{ istiodEnv: { PILOT_TRACE_SAMPLING: 5 as unknown as string } }, /^\[test\/Mesh\] 'istiodEnv.PILOT_TRACE_SAMPLING' must be a string \(Kubernetes env values are strings\), got 5 \(number\); quote it, e.g. PILOT_TRACE_SAMPLING: "5"$/],
    [{ istiodEnv: { FEATURE: null as unknown as string } }, /'istiodEnv.FEATURE' must be a string \(Kubernetes env values are strings\), got null/],
    [{ profile: 'preview' as MeshProfile }, /'profile' must be one of MeshProfile.DEFAULT, MeshProfile.MINIMAL, MeshProfile.DEMO, MeshProfile.AMBIENT, got "preview"/],
    [{ istiodReplicas: 0 }, /'istiodReplicas' must be an integer >= 1, got 0; istiod needs at least one replica/],
    [{ istiodReplicas: 1.5 }, /'istiodReplicas' must be an integer >= 1, got 1.5/],
    [{ istiodAutoscaling: { minReplicas: 0 } }, /'istiodAutoscaling.minReplicas' must be an integer >= 1, got 0/],
    [{ istiodAutoscaling: { minReplicas: 4, maxReplicas: 3 } }, /'istiodAutoscaling.minReplicas' \(4\) must not exceed 'istiodAutoscaling.maxReplicas' \(3\)/],
    [{ istiodAutoscaling: { targetCpuUtilization: 0 } }, /'istiodAutoscaling.targetCpuUtilization' must be an integer between 1 and 100, got 0/],
    [{ istiodAutoscaling: { targetCpuUtilization: 101 } }, /'istiodAutoscaling.targetCpuUtilization' must be an integer between 1 and 100, got 101/],
    [{ istiodReplicas: 2, istiodAutoscaling: {} }, /'istiodReplicas' and 'istiodAutoscaling' are mutually exclusive/],
    [{ istiodPodDisruptionBudget: true }, /'istiodPodDisruptionBudget' is true but istiod may run a single replica/],
    [{ traceSampling: -0.1 }, /'traceSampling' is a percentage and must be between 0 and 100, got -0.1/],
    [{ traceSampling: 100.1 }, /'traceSampling' is a percentage and must be between 0 and 100, got 100.1/],
    [{ trustDomain: 'Cluster.Local' }, /'trustDomain' must be a lowercase DNS name .* got "Cluster.Local"/],
    [{ network: '' }, /'network' must not be empty, got ""; omit 'network' for a single-network mesh/],
    [{ clusterName: '' }, /'clusterName' must not be empty/],
    [{ istiodResources: { cpuRequest: 'lots' } }, /'istiodResources.cpuRequest' must be a Kubernetes quantity such as "500m" or "128Mi", got "lots"/],
    [{ istiodEnv: { REVISION: 'x' } }, /'istiodEnv' must not set REVISION \(value "x"\): it is derived from other props/],
    [{ istiodEnv: { 'BAD-NAME': 'x' } }, /'istiodEnv' keys must be environment variable names/],
    [{ meshConfig: { accessLogEncoding: 'JSON' as any } }, /'meshConfig.accessLogEncoding' has no effect without 'meshConfig.accessLogFile'/],
    [{ meshConfig: { defaultTracingProviders: ['zipkin'] } }, /'meshConfig.defaultTracingProviders' refers to provider "zipkin", which is neither declared/],
  ])('fails on %j', (props, message) => fails(props as MeshInstallationProps, message));

  test('boundaries that are accepted', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new MeshInstallation(chart, 'A', { istiodReplicas: 1, traceSampling: 0 })).not.toThrow();
    expect(() => new MeshInstallation(chart, 'B', {
      installCrds: false,
      createNamespace: false,
      revision: 'a'.repeat(56),
      traceSampling: 100,
      istiodAutoscaling: { minReplicas: 2, maxReplicas: 2, targetCpuUtilization: 100 },
      istiodPodDisruptionBudget: true,
    })).not.toThrow();
  });
});

describe('two installations in one app (canary upgrade of Istio)', () => {
  test('a minimal canary revision without the shared base synthesizes beside the stable one', () => {
    const chart = new Chart(Testing.app(), 'platform');
    new MeshInstallation(chart, 'Stable', {});
    new MeshInstallation(chart, 'Canary', { revision: 'canary', profile: MeshProfile.MINIMAL, installCrds: false, createNamespace: false });
    const docs = Testing.synth(chart);
    const keys = docs.map((d: any) => `${d.kind} ${d.metadata.namespace ?? ''}/${d.metadata.name}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    expect(keys.filter((k) => k === 'ServiceAccount istio-system/istio-reader-service-account')).toHaveLength(1);
    expect(keys).toContain('Deployment istio-system/istiod-canary');
  });

  test('objects both would emit fail the synth, each with its fix', () => {
    const chart = new Chart(Testing.app(), 'platform');
    new MeshInstallation(chart, 'Stable', {});
    new MeshInstallation(chart, 'Canary', { revision: 'canary' });
    expect(() => Testing.synth(chart)).toThrow(/\[platform\/Canary\] emits Namespace istio-system, also emitted by platform\/Stable; set 'createNamespace' to false on one of them/);
    expect(() => Testing.synth(chart)).toThrow(/emits CustomResourceDefinition authorizationpolicies.security.istio.io, .*ServiceAccount istio-system\/istio-reader-service-account, also emitted by platform\/Stable; set 'installCrds' to false on the second revision/);
    expect(() => Testing.synth(chart)).toThrow(/emits ServiceAccount istio-system\/istio-ingressgateway-service-account, .*Deployment istio-system\/istio-ingressgateway.*; use 'profile: MeshProfile.MINIMAL' for the second revision/);
  });
});

test.each(['1.30.3', '1.30.0-distroless', 'v1.30.1', 'my-build'])('accepts tag %p', (tag) => {
  expect(new MeshInstallation(new Chart(Testing.app(), 'test'), 'Mesh', { tag }).tag).toBe(tag);
});

describe('MeshInstallation.fromExisting', () => {
  test.each([
    [{ revision: 'Canary' }, /^\[test\/Mesh\] 'revision' must be a DNS-1123 label .* got "Canary"$/],
    [{ namespace: 'Istio_System' }, /^\[test\/Mesh\] 'namespace' must be a DNS-1123 label .* got "Istio_System"$/],
  ])('fails on %p: istiod and its webhooks could never be found under that name', (attrs, message) => {
    expect(() => MeshInstallation.fromExisting(new Chart(Testing.app(), 'test'), 'Mesh', attrs)).toThrow(message);
  });
});

describe('YAML inside ConfigMaps', () => {
  test('strings that YAML 1.1 reads as booleans or numbers stay strings for istiod (YAML 1.1) and for YAML 1.2 readers', () => {
    // GIVEN: a mesh id a YAML 1.1 parser would read as the boolean true
    const app = Testing.app();
    const chart = new Chart(app, 'mesh');
    new MeshInstallation(chart, 'Mesh', { meshId: 'on' });

    // WHEN
    const objects = Testing.synth(chart);
    const mesh = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'istio').data.mesh;
    const injector = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'istio-sidecar-injector').data.config;

    // THEN: both parsers read the same document, and the mesh id is the string "on"
    expect(parse(mesh, { version: '1.1' }).defaultConfig.meshId).toBe('on');
    expect(parse(mesh, { version: '1.1' })).toEqual(parse(mesh, { version: '1.2' }));
    expect(parse(injector, { version: '1.1' })).toEqual(parse(injector, { version: '1.2' }));
  });
});
