/**
 * How a string of an HTTP request is compared (Istio `StringMatch`).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 */
export enum MatchType {
  /** The whole value must be equal. */
  EXACT = 'exact',
  /** The value must start with the given string. */
  PREFIX = 'prefix',
  /** The value must match an RE2 regular expression (the whole value). */
  REGEX = 'regex',
}

/**
 * Matches the request path (`match[].uri`).
 *
 * Routes of a host are ordered by their path match: exact paths first, then prefixes (longest
 * first), then regular expressions; see `IngressGateway.addRoute`.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
export class PathMatch {
  /** The path must be exactly `path`, e.g. `/healthz`. */
  public static exact(path: string): PathMatch {
    return new PathMatch(MatchType.EXACT, path);
  }

  /** The path must start with `prefix`, e.g. `/api/`. `/` matches every request. */
  public static prefix(prefix: string): PathMatch {
    return new PathMatch(MatchType.PREFIX, prefix);
  }

  /** The path must match the RE2 regular expression `regex`, e.g. `^/v[0-9]+/.*`. */
  public static regex(regex: string): PathMatch {
    return new PathMatch(MatchType.REGEX, regex);
  }

  /** How the path is compared. */
  public readonly type: MatchType;
  /** The path, prefix or regular expression. */
  public readonly value: string;

  private constructor(type: MatchType, value: string) {
    this.type = type;
    this.value = value;
  }
}

/**
 * Matches one request header (`match[].headers`).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
export class HeaderMatch {
  /** Header `name` must be exactly `value`. */
  public static exact(name: string, value: string): HeaderMatch {
    return new HeaderMatch(name, MatchType.EXACT, value);
  }

  /** Header `name` must start with `prefix`. */
  public static prefix(name: string, prefix: string): HeaderMatch {
    return new HeaderMatch(name, MatchType.PREFIX, prefix);
  }

  /** Header `name` must match the RE2 regular expression `regex`. */
  public static regex(name: string, regex: string): HeaderMatch {
    return new HeaderMatch(name, MatchType.REGEX, regex);
  }

  /** Header name, lowercase (e.g. `x-canary`). */
  public readonly name: string;
  /** How the value is compared. */
  public readonly type: MatchType;
  /** The value, prefix or regular expression. */
  public readonly value: string;

  private constructor(name: string, type: MatchType, value: string) {
    this.name = name;
    this.type = type;
    this.value = value;
  }
}
