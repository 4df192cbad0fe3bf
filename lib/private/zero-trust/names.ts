import { createHash } from 'crypto';

/** Lowercase DNS-label-friendly text: runs of other characters become '-'. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/\*/g, 'wildcard').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/**
 * A Kubernetes object name from parts: slugged, joined with '-', at most 63 characters (longer
 * names keep a readable prefix and end with a hash of the full name, so they stay unique).
 */
export function objectName(...parts: string[]): string {
  const full = parts.map(slug).filter((p) => p.length > 0).join('-');
  if (full.length <= 63) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}

/** Hands out unique names: the second `allow-x` becomes `allow-x-2`, and so on. */
export class NameAllocator {
  private readonly used = new Set<string>();

  public allocate(name: string): string {
    let candidate = name;
    for (let i = 2; this.used.has(candidate); i++) {
      const suffix = `-${i}`;
      candidate = `${name.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
    }
    this.used.add(candidate);
    return candidate;
  }
}

/** A stable string key for a label map (sorted keys). */
export function labelsKey(labels?: { [key: string]: string }): string {
  if (!labels) return '*';
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}
