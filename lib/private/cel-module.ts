/**
 * `@bufbuild/cel`, loaded on first use: it takes about a sixth of the library's load time, and most
 * synthesis runs never evaluate CEL (only raw Istio objects, escape-hatch patches and access-log
 * filters need it). Every CEL user in the library goes through here.
 */
import type * as CelModule from '@bufbuild/cel';
import type * as CelExtensions from '@bufbuild/cel/ext';

let celModule: typeof CelModule | undefined;
let extensions: typeof CelExtensions | undefined;

/** The `@bufbuild/cel` module. */
export function cel(): typeof CelModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  celModule ??= require('@bufbuild/cel') as typeof CelModule;
  return celModule;
}

/** The `strings` extension of `@bufbuild/cel` (Kubernetes CEL includes it). */
export function celStrings(): typeof CelExtensions.strings {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  extensions ??= require('@bufbuild/cel/ext') as typeof CelExtensions;
  return extensions.strings;
}
