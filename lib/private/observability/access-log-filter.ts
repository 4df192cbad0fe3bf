import { IConstruct } from 'constructs';
import { cel } from '../cel-module';
import { MeshValidationError } from '../errors';

/**
 * Throws unless `expression` is a CEL expression that parses, which is what Istio's validating
 * webhook checks for `accessLogging[].filter.expression` (it parses, it does not type-check:
 * attribute names are Envoy's and only known to the proxy).
 */
export function validateCelFilter(scope: IConstruct, prop: string, expression: string): void {
  if (expression.trim().length === 0) {
    throw new MeshValidationError(scope, `'${prop}' must be a CEL expression such as "response.code >= 500", got ${JSON.stringify(expression)}; ` +
      'omit it to log every request');
  }
  try {
    cel().parse(expression);
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new MeshValidationError(scope, `'${prop}' is not a valid CEL expression: ${reason}; got ${JSON.stringify(expression)} ` +
      '(example: "response.code >= 500 && request.url_path.startsWith(\'/api\')")');
  }
}
