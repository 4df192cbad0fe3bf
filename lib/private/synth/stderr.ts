/**
 * What synthesis prints on stderr: the messages constructs print while they are validated
 * (release plans, warnings), passed through one by one for a small app and summarised for a large
 * one, and a progress line while a terminal watches.
 */

/** Where the output goes (process.stderr, or a test double). */
export interface StderrTarget {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** How captured messages are printed. */
export type StderrMode = 'auto' | 'per-construct' | 'summary';

/** A message a construct printed with console.warn/console.error during validation. */
interface Captured {
  readonly method: 'warn' | 'error';
  readonly args: unknown[];
  readonly text: string;
}

/**
 * Captures what `console.warn` and `console.error` print while `run` executes (the validation of
 * the app), then prints it: each message as it was when there are at most `threshold` of them (or
 * mode 'per-construct'), one summary otherwise. Printed in a `finally`, so the messages of a failed
 * validation are not lost; `beforePrinting` runs first when there is something to print (to erase
 * a progress line).
 */
export function withCapturedMessages<T>(mode: StderrMode, threshold: number, target: StderrTarget, run: () => T, beforePrinting?: () => void): T {
  const original = { warn: console.warn, error: console.error };
  const captured: Captured[] = [];
  const capture = (method: 'warn' | 'error') => (...args: unknown[]) => {
    captured.push({ method, args, text: args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ') });
  };
  console.warn = capture('warn');
  console.error = capture('error');
  try {
    return run();
  } finally {
    console.warn = original.warn;
    console.error = original.error;
    if (captured.length > 0) beforePrinting?.();
    if (mode === 'per-construct' || (mode === 'auto' && captured.length <= threshold)) {
      // Through the console methods in place before synthesis (the user's, or a test spy).
      for (const c of captured) original[c.method](...c.args);
    } else if (captured.length > 0) {
      target.write(summarize(captured.map((c) => c.text)).join('\n') + '\n');
    }
  }
}

const PLAN_HEADER = /^CanaryRelease (\S+) \(([^)]*)\): (.*)$/;
const WARNING = /^\[([^\]]*)\] warning:? ([\s\S]*)$/;
const ANALYZER_CODE = /^([A-Z]+\d{3,}) \(([^)]*)\)/;
const EXAMPLES = 3;

interface Group {
  readonly title: string;
  readonly where: string[];
  readonly example: string;
}

function addTo(groups: Map<string, Group>, key: string, title: string, where: string, example: string): void {
  const g = groups.get(key);
  if (g) g.where.push(where);
  else groups.set(key, { title, where: [where], example });
}

function whereList(where: string[]): string {
  const shown = where.slice(0, EXAMPLES).join(', ');
  return where.length > EXAMPLES ? `${shown} and ${where.length - EXAMPLES} more` : shown;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * One summary of the messages: release plans grouped by schedule, warnings grouped by analyzer code
 * (or by message with the quoted names left out), with a few construct paths of each group and one
 * full example message; anything else is printed as it is.
 */
export function summarize(messages: readonly string[]): string[] {
  const plans = new Map<string, Group>();
  const warnings = new Map<string, Group>();
  const other: string[] = [];
  let planCount = 0;
  let warningCount = 0;
  for (const m of messages) {
    const [first, ...body] = m.split('\n');
    const plan = PLAN_HEADER.exec(first);
    if (plan && body.every((l) => l.startsWith('  '))) {
      planCount++;
      const schedule = body.map((l) => l.trim().replace(/\s+/g, ' ')).join('; ');
      addTo(plans, `${plan[3]}|${schedule}`, `${plan[3]}: ${schedule}`, plan[2], m);
      continue;
    }
    const warning = WARNING.exec(m);
    if (warning) {
      warningCount++;
      const code = ANALYZER_CODE.exec(warning[2]);
      const key = code ? `${code[1]} (${code[2]})` : warning[2].replace(/"[^"]*"/g, '"…"').split(/[;:] /)[0];
      addTo(warnings, key, key, warning[1], m);
      continue;
    }
    other.push(m);
  }
  const lines = [`cdk8s-istio: ${plural(messages.length, 'message')} from synthesis, summarized `
    + '(MeshApp/GitOpsApp prop `stderr: SynthStderr.PER_CONSTRUCT` prints each)'];
  if (planCount > 0) {
    lines.push(`  ${plural(planCount, 'release plan')} (CanaryRelease.plan() has each):`);
    for (const g of plans.values()) lines.push(`    ${g.where.length.toLocaleString('en-US')} x ${g.title} (${whereList(g.where)})`);
  }
  if (warningCount > 0) {
    lines.push(`  ${plural(warningCount, 'warning')}:`);
    for (const g of [...warnings.values()].sort((a, b) => b.where.length - a.where.length)) {
      lines.push(`    ${g.where.length.toLocaleString('en-US')} x ${g.title} (${whereList(g.where)}); first in full:`);
      lines.push(...g.example.split('\n').map((l) => `      ${l}`));
    }
  }
  lines.push(...other);
  return lines;
}

/**
 * A one-line progress display on a terminal (`\r` and erase-line), rewritten at most every
 * `intervalMs`; does nothing when disabled.
 */
export class ProgressLine {
  private lastWrite = 0;
  private shown = false;

  constructor(private readonly target: StderrTarget, private readonly enabled: boolean, private readonly intervalMs = 100) {}

  /** Shows `text` (always when `force`, else throttled). */
  public update(text: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastWrite < this.intervalMs) return;
    this.lastWrite = now;
    this.shown = true;
    this.target.write(`\r\x1b[K${text}`);
  }

  /** Erases the line. */
  public done(): void {
    if (this.shown) this.target.write('\r\x1b[K');
    this.shown = false;
  }
}
