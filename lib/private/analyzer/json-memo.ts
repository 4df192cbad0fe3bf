import { ApiObject } from 'cdk8s';

/**
 * Renders an ApiObject for the analyzer and lets the synthesis that follows reuse the result.
 *
 * The analyzer runs as a validation, which cdk8s calls right before it serializes the objects;
 * rendering every object twice (once to analyze, once to write) would double the most expensive
 * step of a large synthesis. The rendering is therefore kept on the object for its next `toJson()`
 * only, and dropped after the current synchronous run: there is no user code between cdk8s'
 * validation and its serialization, and any later `toJson()` renders afresh.
 */
export function renderForSynthesis(obj: ApiObject): Record<string, any> {
  const json = obj.toJson() as Record<string, any>;
  Object.defineProperty(obj, 'toJson', {
    configurable: true,
    writable: true,
    value: () => {
      delete (obj as { toJson?: unknown }).toJson;
      return json;
    },
  });
  pending.push(obj);
  if (pending.length === 1) queueMicrotask(dropPending);
  return json;
}

const pending: ApiObject[] = [];

function dropPending(): void {
  for (const obj of pending.splice(0)) {
    if (Object.prototype.hasOwnProperty.call(obj, 'toJson')) delete (obj as { toJson?: unknown }).toJson;
  }
}
