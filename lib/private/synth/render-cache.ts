import { ApiObject } from 'cdk8s';

/**
 * Runs `run` with every object of `objects` rendering once: the first `toJson()` call renders it,
 * later calls (synth-time checks that read rendered objects, the analyzer, then the output)
 * return that rendering. The app does not change during synthesis (validations read it, cdk8s
 * renders after validating), so a second rendering would give an equal result; renderings are
 * read, never modified. The objects get their own `toJson` back afterwards.
 */
export function withRenderCache<T>(objects: readonly ApiObject[], run: () => T): T {
  const cached: ApiObject[] = [];
  for (const o of objects) {
    // An object whose toJson was replaced on the instance keeps its own behaviour.
    if (Object.prototype.hasOwnProperty.call(o, 'toJson')) continue;
    const render = o.toJson;
    let json: unknown;
    let rendered = false;
    Object.defineProperty(o, 'toJson', {
      configurable: true,
      writable: true,
      value: () => {
        if (!rendered) {
          json = render.call(o);
          rendered = true;
        }
        return json;
      },
    });
    cached.push(o);
  }
  try {
    return run();
  } finally {
    for (const o of cached) delete (o as { toJson?: unknown }).toJson;
  }
}
