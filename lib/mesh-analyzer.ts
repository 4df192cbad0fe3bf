import { Construct, IConstruct } from 'constructs';
import { MESSAGES, RawFinding } from './private/analyzer/catalog';
import { ServiceRegistry } from './private/analyzer/hosts';
import { Manifest } from './private/analyzer/model';
import { RULES } from './private/analyzer/rules';
import { allConstructs, oncePerSynth } from './private/app-scan';
import { MeshValidationError } from './private/errors';

/** Severity of an analyzer finding, as in Istio's message catalogue. */
export enum AnalyzerLevel {
  /** Fails `cdk8s synth`: the mesh would misroute or reject traffic. */
  ERROR = 'Error',
  /** Printed once per synthesis: probably a mistake. */
  WARNING = 'Warning',
  /** Returned by `analyze()` only: worth knowing. */
  INFO = 'Info',
}

/**
 * A rule the analyzer implements: an `istioctl analyze` message code (`IST...`), one of this
 * library's Gateway API reference checks (`GWA...`), which istiod reports only as route or Gateway
 * status once applied, if at all, or one of its ambient checks (`AMB...`: HTTP attributes on
 * policies ztunnel enforces, `istio.io/use-waypoint` bindings), which istiod reports only as
 * ZtunnelAccepted/WaypointBound status.
 */
export interface AnalyzerRuleInfo {
  /** Message code, e.g. `IST0101` (Istio's), `GWA0005` (this library's Gateway API checks) or `AMB0001` (its ambient checks). */
  readonly code: string;
  /** Message name, e.g. `ReferencedResourceNotFound`. */
  readonly name: string;
  /** Severity. */
  readonly level: AnalyzerLevel;
}

/** A problem the analyzer found in the synthesized objects. */
export interface AnalyzerFinding extends AnalyzerRuleInfo {
  /** The object, `Kind namespace/name`. */
  readonly object: string;
  /** Construct path of the object, e.g. `platform/team-a/reviews/VirtualService`. */
  readonly constructPath: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
}

/** Istio's own suppression annotation, honoured by `istioctl analyze` too: comma-separated codes or `*`. */
export const ANALYZE_SUPPRESS_ANNOTATION = 'galley.istio.io/analyze-suppress';

const ID = 'MeshAnalyzer';

/**
 * Runs the `istioctl analyze` rules that need no cluster on the whole app at synth time: on the
 * objects of this library's constructs and on any ApiObject added beside them. Every construct
 * of this library attaches it to its App; errors fail `cdk8s synth` (nothing is written), warnings
 * are printed once per synthesis, infos are only returned by `analyze()`.
 *
 * Because it sees the whole app before YAML exists, it catches references that `istioctl analyze`
 * on one file cannot: a route to a subset defined in another chart, a gateway host declared by
 * another team's construct.
 *
 * Turn findings off per rule (`disableRule`), per construct subtree (`suppress`) or per object
 * (the `galley.istio.io/analyze-suppress` annotation, which `istioctl analyze` honours as well).
 */
export class MeshAnalyzer extends Construct {
  /** The analyzer of the app `scope` belongs to (created on first use). */
  public static of(scope: IConstruct): MeshAnalyzer {
    const root = scope.node.root as Construct;
    return (root.node.tryFindChild(ID) as MeshAnalyzer | undefined) ?? new MeshAnalyzer(root);
  }

  /** The rules implemented, by code. */
  public static rules(): AnalyzerRuleInfo[] {
    const codes = [...new Set(RULES.flatMap((r) => r.codes))].sort();
    return codes.map((code) => ({ code, name: MESSAGES[code].name, level: MESSAGES[code].level as AnalyzerLevel }));
  }

  private readonly disabledRules = new Map<string, string>();
  private readonly suppressions: Array<{ path: string; code: string }> = [];
  private readonly externalNamespaces = new Set<string>();
  private disabledReason?: string;

  private constructor(root: Construct) {
    super(root, ID);
    this.node.addValidation({ validate: oncePerSynth(this, () => this.check()) });
  }

  /**
   * Stops reporting one rule for the whole app.
   * @param code the message code, e.g. `IST0118` or `GWA0008`
   * @param reason why (kept in the code for reviewers)
   */
  public disableRule(code: string, reason: string): void {
    this.requireKnown('disableRule', code);
    this.requireReason('disableRule', reason);
    this.disabledRules.set(code, reason);
  }

  /**
   * Stops reporting one rule (or `*`, every rule) for the objects under `scope`.
   * @param scope a construct; its objects and those of its children are exempt
   * @param code the message code, or `*`
   * @param reason why (kept in the code for reviewers)
   */
  public suppress(scope: IConstruct, code: string, reason: string): void {
    if (code !== '*') this.requireKnown('suppress', code);
    this.requireReason('suppress', reason);
    this.suppressions.push({ path: scope.node.path, code });
  }

  /**
   * Turns the analyzer off for this app.
   * @param reason why (kept in the code for reviewers)
   */
  public disable(reason: string): void {
    this.requireReason('disable', reason);
    this.disabledReason = reason;
  }

  /**
   * Namespaces that exist but are managed outside this app: references into them are not judged
   * (`ZeroTrustNamespace` declares its `externalNamespaces` here).
   */
  public addExternalNamespaces(...namespaces: string[]): void {
    for (const ns of namespaces) this.externalNamespaces.add(ns);
  }

  /** Runs every rule now and returns the findings that are not suppressed, sorted by construct path and code. */
  public analyze(): AnalyzerFinding[] {
    if (this.disabledReason !== undefined) return [];
    const manifest = Manifest.of(allConstructs(this), this.externalNamespaces);
    const input = { manifest, registry: new ServiceRegistry(manifest) };
    const raw: RawFinding[] = [];
    for (const rule of RULES) {
      if (rule.codes.every((c) => this.disabledRules.has(c))) continue;
      rule.run(input, (f) => raw.push(f));
    }
    const out = raw.filter((f) => !this.isSuppressed(f)).map((f): AnalyzerFinding => ({
      code: f.code,
      name: MESSAGES[f.code].name,
      level: MESSAGES[f.code].level as AnalyzerLevel,
      object: f.object.ref,
      constructPath: f.object.path,
      message: f.message,
      fix: f.fix,
    }));
    const seen = new Set<string>();
    return out
      .filter((f) => {
        const key = `${f.constructPath}|${f.code}|${f.message}`;
        return seen.has(key) ? false : (seen.add(key), true);
      })
      .sort((a, b) => (a.constructPath < b.constructPath ? -1 : a.constructPath > b.constructPath ? 1 : a.code.localeCompare(b.code)));
  }

  private isSuppressed(f: RawFinding): boolean {
    if (this.disabledRules.has(f.code)) return true;
    const annotation = f.object.annotations[ANALYZE_SUPPRESS_ANNOTATION];
    if (annotation && annotation.split(',').map((c) => c.trim()).some((c) => c === '*' || c === f.code)) return true;
    return this.suppressions.some((s) => (s.code === '*' || s.code === f.code)
      && (f.object.path === s.path || f.object.path.startsWith(`${s.path}/`) || s.path === ''));
  }

  private check(): string[] {
    const findings = this.analyze();
    for (const f of findings.filter((x) => x.level === AnalyzerLevel.WARNING)) {
      console.warn(`[${f.constructPath}] warning ${formatFinding(f)}`);
    }
    return findings.filter((f) => f.level === AnalyzerLevel.ERROR).map(formatFinding);
  }

  private requireKnown(method: string, code: string): void {
    if (!MESSAGES[code]) {
      throw new MeshValidationError(this, `${method}(): unknown analyzer code ${JSON.stringify(code)}; ` +
        `use one of ${Object.keys(MESSAGES).sort().join(', ')}`);
    }
  }

  private requireReason(method: string, reason: string): void {
    if (reason.trim().length === 0) {
      throw new MeshValidationError(this, `${method}(): 'reason' must not be empty, got ${JSON.stringify(reason)}; ` +
        'say why the finding does not apply, for the next reader');
    }
  }
}

/** `IST0101 (ReferencedResourceNotFound) VirtualService ns/name at path: message; fix: ...`. */
function formatFinding(f: AnalyzerFinding): string {
  return `${f.code} (${f.name}) ${f.object} at ${f.constructPath}: ${f.message}; fix: ${f.fix} ` +
    `(or suppress: MeshAnalyzer.of(app).suppress(scope, '${f.code}', reason))`;
}
