import { IConstruct } from 'constructs';
import { describeValue, MeshValidationError } from '../errors';

type Re2 = { compile(pattern: string): unknown };
let re2: Re2 | undefined;

/**
 * Throws unless `regex` compiles with RE2, the engine Envoy matches routes with (Istio's
 * `StringMatch.regex`). JavaScript's RegExp accepts patterns RE2 refuses (lookarounds,
 * backreferences), so the check uses an RE2 port, loaded on first use.
 */
export function validateRe2(scope: IConstruct, prop: string, regex: string, what = 'regex'): void {
  if (typeof regex !== 'string' || regex.length === 0) {
    throw new MeshValidationError(scope, `'${prop}' ${what} must be a non-empty RE2 regular expression, got ${describeValue(regex)}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  re2 ??= (require('re2js') as { RE2JS: Re2 }).RE2JS;
  try {
    re2.compile(regex);
  } catch (e) {
    const reason = (e as Error).message.replace(/^error parsing regexp: /, '');
    throw new MeshValidationError(scope, `'${prop}' ${what} ${JSON.stringify(regex)} is not an RE2 regular expression (${reason}); ` +
      'Envoy matches with RE2: no lookarounds or backreferences, escape literal characters such as ( [ . with \\');
  }
}

/** `s` with every regex metacharacter escaped: a pattern that matches `s` literally. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
