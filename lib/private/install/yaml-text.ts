import { stringify } from 'yaml';

/**
 * YAML written into ConfigMaps that Istio reads (mesh config, injector config). istiod parses them
 * with a YAML 1.1 parser, where `on`, `yes`, `off`, `y` and `n` are booleans and `1_000` or
 * `12:30` are numbers: every string that either YAML 1.1 or 1.2 would read as something else is
 * quoted, so both read the same strings.
 */
export function configMapYaml(value: unknown, options: { sortMapEntries?: boolean; lineWidth?: number } = {}): string {
  return stringify(value, { ...options, version: '1.1' });
}
