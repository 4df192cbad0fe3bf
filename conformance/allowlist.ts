/**
 * Reviewed allowlists: YAML files holding `entries:`, each with match patterns and a `reason`.
 * Patterns are globs where `*` matches any run of characters (dots, slashes and brackets included)
 * and everything else matches itself. Every entry must match something in a run; an entry that
 * matched nothing is reported, so the lists cannot go stale.
 */
import * as fs from 'fs';
import { parse as parseYaml } from 'yaml';
import { Failure } from './report';

/** One allowlist entry: string patterns by field name, plus the reason it is allowed. */
export interface AllowlistEntry {
  /** Patterns, by the field names the allowlist's user defines (e.g. variant, object, field). */
  readonly patterns: Readonly<Record<string, string>>;
  readonly reason: string;
  /** 0-based index of the entry in the file, for messages. */
  readonly index: number;
}

/** A loaded allowlist that records which entries were used. */
export class Allowlist {
  /**
   * Loads `file` (missing file = empty list). Each entry must have a non-empty `reason` and a string
   * for each of `fields` (absent fields default to `*`); problems are returned in `errors`.
   */
  public static load(file: string, fields: readonly string[], displayName = file): Allowlist {
    if (!fs.existsSync(file)) return new Allowlist(displayName, [], []);
    const errors: Failure[] = [];
    let doc: unknown;
    try {
      doc = parseYaml(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      return new Allowlist(displayName, [], [{ file: displayName, message: `not valid YAML: ${(e as Error).message}` }]);
    }
    const raw = (doc as { entries?: unknown } | null)?.entries ?? [];
    if (!Array.isArray(raw)) return new Allowlist(displayName, [], [{ file: displayName, message: '`entries` must be a list' }]);
    const entries: AllowlistEntry[] = [];
    raw.forEach((item, index) => {
      const where = `entry ${index + 1}`;
      if (typeof item !== 'object' || item === null) {
        errors.push({ file: displayName, object: where, message: 'must be a map' });
        return;
      }
      const rec = item as Record<string, unknown>;
      const unknownKeys = Object.keys(rec).filter((k) => k !== 'reason' && !fields.includes(k));
      if (unknownKeys.length > 0) {
        errors.push({ file: displayName, object: where, message: `unknown keys ${unknownKeys.join(', ')} (allowed: ${[...fields, 'reason'].join(', ')})` });
      }
      if (typeof rec.reason !== 'string' || rec.reason.trim() === '') {
        errors.push({ file: displayName, object: where, field: 'reason', message: 'every entry needs a reason' });
        return;
      }
      const patterns: Record<string, string> = {};
      for (const f of fields) {
        const v = rec[f] ?? '*';
        if (typeof v !== 'string' && typeof v !== 'number') {
          errors.push({ file: displayName, object: where, field: f, message: 'must be a string pattern' });
          return;
        }
        patterns[f] = String(v);
      }
      entries.push({ patterns, reason: rec.reason.trim(), index });
    });
    return new Allowlist(displayName, entries, errors);
  }

  private readonly used = new Set<number>();

  /** @param file name shown in messages; @param entries the entries; @param errors problems found while loading. */
  public constructor(public readonly file: string, public readonly entries: readonly AllowlistEntry[], public readonly errors: readonly Failure[]) {}

  /** The first entry whose every pattern matches `values` (fields missing from `values` match `*` only), marked used. */
  public match(values: Readonly<Record<string, string>>): AllowlistEntry | undefined {
    const entry = this.entries.find((e) => Object.entries(e.patterns).every(([f, p]) => globMatch(p, values[f] ?? '')));
    if (entry) this.used.add(entry.index);
    return entry;
  }

  /** Entries that matched nothing so far, as failures naming the file and the entry. */
  public unusedFailures(): Failure[] {
    return this.entries
      .filter((e) => !this.used.has(e.index))
      .map((e) => ({
        file: this.file,
        object: `entry ${e.index + 1}`,
        message: `allowlist entry matched nothing (${Object.entries(e.patterns).map(([k, v]) => `${k}=${v}`).join(', ')}); remove it or fix its patterns`,
      }));
  }
}

/** True when `text` matches the glob `pattern` (`*` = any characters, the rest literal). */
export function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return re.test(text);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
