import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';

const libraryConstructs = new WeakSet<IConstruct>();

/** Records a construct of this library, whose objects the test suite checks against the CRD schemas. */
export function markLibraryConstruct(scope: IConstruct): void {
  libraryConstructs.add(scope);
}

/**
 * Whether the object was rendered by one of this library's constructs and not changed afterwards by
 * a JSON patch (the escape hatch): such objects match the CRD schemas by construction (the
 * conformance suite validates every example's output), so the synth-time schema rule skips them.
 */
export function renderedByLibrary(obj: ApiObject): boolean {
  if (((obj as unknown as { patches?: unknown[] }).patches ?? []).length > 0) return false;
  for (let c: IConstruct | undefined = obj.node.scope; c; c = c.node.scope) {
    if (libraryConstructs.has(c)) return true;
  }
  return false;
}
