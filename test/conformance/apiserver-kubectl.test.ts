import { applyArgs, errorMessageOf, FIELD_MANAGER, listInput, parseKubectlJson, warningsOf } from '../../conformance/apiserver/kubectl';
import { groupOf, identity, isPrerequisite, matchReturned, relativeFile } from '../../conformance/apiserver/objects';
import { K8sObject } from '../../conformance/manifests';

const sa = (name: string, namespace?: string): K8sObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, ...(namespace ? { namespace } : {}) } });

describe('kubectl output', () => {
  test('a List, one object and nothing are all read as lists of objects', () => {
    expect(parseKubectlJson(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [sa('a', 'n'), sa('b', 'n')] })).map((o) => o.metadata.name)).toEqual(['a', 'b']);
    expect(parseKubectlJson(JSON.stringify(sa('a', 'n')))).toEqual([sa('a', 'n')]);
    expect(parseKubectlJson('')).toEqual([]);
    expect(parseKubectlJson('\n  \n')).toEqual([]);
  });

  test('output that is not JSON fails with its beginning quoted', () => {
    expect(() => parseKubectlJson('serviceaccount/a serverside-applied')).toThrow(/not JSON.*serviceaccount\/a/);
  });

  test('warnings are taken from stderr without their prefix', () => {
    const stderr = [
      'Warning: spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/install-cni]: deprecated since v1.30',
      'Error from server (NotFound): namespaces "benefits" not found',
    ].join('\n');
    expect(warningsOf(stderr)).toEqual(['spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/install-cni]: deprecated since v1.30']);
  });

  test('an error becomes one line without warnings and without the STDIN wrapping', () => {
    const stderr = [
      'Warning: something is deprecated',
      'Error from server (Invalid): error when creating "STDIN": Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      '',
    ].join('\n');
    expect(errorMessageOf(stderr)).toBe('Error from server (Invalid): Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    const mapping = 'error: resource mapping not found for name: "k" namespace: "istio-system" from "STDIN": no matches for kind "Kiali" in version "kiali.io/v1alpha1"\nensure CRDs are installed first\n';
    expect(errorMessageOf(mapping)).toBe('resource mapping not found for name: "k" namespace: "istio-system": no matches for kind "Kiali" in version "kiali.io/v1alpha1" ensure CRDs are installed first');
    const unknownField = 'error: error validating "STDIN": error validating data: ValidationError(ConfigMap): unknown field "bogus" in io.k8s.api.core.v1.ConfigMap;'
      + ' if you choose to ignore these errors, turn validation off with --validate=false\n';
    expect(errorMessageOf(unknownField)).toBe('error validating data: ValidationError(ConfigMap): unknown field "bogus" in io.k8s.api.core.v1.ConfigMap');
  });

  test('apply is server-side with our field manager and strict validation; dry-run only when asked', () => {
    expect(applyArgs(true)).toEqual(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--validate=strict', '--dry-run=server', '-o', 'json', '-f', '-']);
    expect(applyArgs(false)).not.toContain('--dry-run=server');
  });

  test('objects go to kubectl as one JSON v1 List, so no YAML 1.1 reader can turn "yes" into true', () => {
    const cm: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { flag: 'yes', on: 'on' } };
    expect(JSON.parse(listInput([cm]))).toEqual({ apiVersion: 'v1', kind: 'List', items: [cm] });
  });
});

describe('objects', () => {
  test('group of core and named-group apiVersions', () => {
    expect(groupOf('v1')).toBe('');
    expect(groupOf('apps/v1')).toBe('apps');
    expect(groupOf('networking.istio.io/v1')).toBe('networking.istio.io');
  });

  test('CRDs and Namespaces are the prerequisites, nothing else', () => {
    expect(isPrerequisite({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x' } })).toBe(true);
    expect(isPrerequisite({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })).toBe(true);
    expect(isPrerequisite({ apiVersion: 'example.com/v1', kind: 'Namespace', metadata: { name: 'x' } })).toBe(false);
    expect(isPrerequisite(sa('x', 'n'))).toBe(false);
  });

  test('identity ignores the version', () => {
    expect(identity({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'n' } }))
      .toBe(identity({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'n' } }));
  });

  test('returned objects are paired with the sent ones; missing means rejected; no namespace means default', () => {
    // GIVEN
    const sent = [sa('a', 'n'), sa('b', 'n'), sa('c')];
    const returned = [{ ...sa('c', 'default'), metadata: { name: 'c', namespace: 'default', uid: '3' } }, { ...sa('a', 'n'), metadata: { name: 'a', namespace: 'n', uid: '1' } }];
    // WHEN
    const matched = matchReturned(sent, returned);
    // THEN
    expect(matched.map((m) => m?.metadata.uid)).toEqual(['1', undefined, '3']);
  });

  test('a cluster-scoped object sent with a namespace is matched to the one returned without', () => {
    // GIVEN
    const sent: K8sObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', namespace: 'istio-system' } };
    const returned: K8sObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', uid: '9' } };
    // THEN
    expect(matchReturned([sent], [returned])[0]?.metadata.uid).toBe('9');
  });

  test('files are named relative to the repo root', () => {
    expect(relativeFile('/repo', '/repo/dist/examples/a/b.yaml')).toBe('dist/examples/a/b.yaml');
    expect(relativeFile('/repo', '/elsewhere/b.yaml')).toBe('/elsewhere/b.yaml');
  });
});
