import { IConstruct } from 'constructs';
import { describeValue, MeshValidationError } from './errors';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `value` is an RFC 1123 DNS label of at most `maxLength` characters. */
export function isDnsLabel(value: unknown, maxLength = 63): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && DNS1123_LABEL.test(value);
}

/** Throws unless `value` is an RFC 1123 DNS label (lowercase alphanumerics and '-', at most `maxLength`). */
export function validateDnsLabel(scope: IConstruct, prop: string, value: string, maxLength = 63): void {
  if (!isDnsLabel(value, maxLength)) {
    throw new MeshValidationError(scope,
      `'${prop}' must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending ` +
      `with a letter or digit, at most ${maxLength} characters) such as "${/revision/i.test(prop) ? '1-30' : 'payments'}", got ${describeValue(value)}`);
  }
}

/** Throws unless `value` is an integer within [min, max]. */
export function validateIntRange(scope: IConstruct, prop: string, value: number, min: number, max: number, fix?: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer between ${min} and ${max}`;
    throw new MeshValidationError(scope, `'${prop}' must be ${range}, got ${describeValue(value, 'number')}${fix ? `; ${fix}` : ''}`);
  }
}

/** Throws when a string prop is present but empty or blank. */
export function validateNotBlank(scope: IConstruct, prop: string, value: string | undefined, fix: string): void {
  if (value !== undefined && typeof value !== 'string') {
    throw new MeshValidationError(scope, `'${prop}' must be a string, got ${describeValue(value)}; ${fix}`);
  }
  if (value !== undefined && value.trim().length === 0) {
    throw new MeshValidationError(scope, `'${prop}' must not be empty, got ${JSON.stringify(value)}; ${fix}`);
  }
}

/**
 * Throws unless `value` is a member of the string enum `values` (JavaScript and Python callers
 * pass plain strings: an unknown one must not fall back to a default silently).
 */
export function validateEnum(scope: IConstruct, prop: string, value: unknown, enumName: string, values: Record<string, string>): void {
  if (value === undefined) return;
  if (!Object.values(values).includes(value as string)) {
    throw new MeshValidationError(scope, `'${prop}' must be one of ${Object.keys(values).map((k) => `${enumName}.${k}`).join(', ')}, got ${describeValue(value)}`);
  }
}
