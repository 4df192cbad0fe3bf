import { IConstruct } from 'constructs';
import { validateList, validateRequired } from './validate';
import type { JwtIssuer } from '../../zero-trust-namespace';
import { describeValue, MeshValidationError } from '../errors';

/** Throws unless `principal` is `<issuer>/<subject>`, `<issuer>/*` or `*` with an issuer the namespace accepts tokens of. */
export function validateRequestPrincipal(scope: IConstruct, jwtIssuers: JwtIssuer[], prop: string, principal: string): void {
  if (jwtIssuers.length === 0) {
    throw new MeshValidationError(scope,
      `'${prop}' ${JSON.stringify(principal)} needs a JWT issuer to check tokens against; add 'jwtIssuers' to the ZeroTrustNamespace props`);
  }
  if (principal === '*') return;
  if (!jwtIssuers.some((j) => principal.startsWith(`${j.issuer}/`) && principal.length > j.issuer.length + 1)) {
    throw new MeshValidationError(scope,
      `'${prop}' must be "<issuer>/<subject>", "<issuer>/*" or "*" with an issuer from 'jwtIssuers' ` +
      `(${jwtIssuers.map((j) => JSON.stringify(j.issuer)).join(', ')}), got ${JSON.stringify(principal)}`);
  }
}

/** Validates the namespace's JWT issuers (issuer, https JWKS URI, audiences, no issuer twice) and copies them. */
export function validateJwtIssuers(scope: IConstruct, issuers: JwtIssuer[] | undefined): JwtIssuer[] {
  validateList(scope, 'jwtIssuers', issuers, "omit 'jwtIssuers' if the namespace accepts no end-user tokens", (j, prop) => {
    validateRequired(scope, `${prop}.issuer`, j.issuer, 'give the iss claim of the tokens, e.g. "https://login.example.gov"');
    let url: URL | undefined;
    try {
      url = new URL(j.jwksUri);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== 'https:') {
      throw new MeshValidationError(scope,
        `'${prop}.jwksUri' must be an https:// URL such as "https://login.example.gov/.well-known/jwks.json" (keys fetched over plain HTTP ` +
        `can be forged), got ${describeValue(j.jwksUri)}`);
    }
    validateList(scope, `${prop}.audiences`, j.audiences, "omit 'audiences' to accept any audience",
      (a, aProp) => validateRequired(scope, aProp, a, 'give the aud value'));
  });
  const seen = new Set<string>();
  for (const j of issuers ?? []) {
    if (seen.has(j.issuer)) throw new MeshValidationError(scope, `'jwtIssuers' lists issuer ${JSON.stringify(j.issuer)} twice; keep one`);
    seen.add(j.issuer);
  }
  return (issuers ?? []).map((j) => ({ ...j }));
}
