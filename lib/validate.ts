import { invalidArgument } from './errors';

/** Checks shared by the public API; each names the argument and what would be valid. */

export function optionsObject<T extends object>(value: unknown, name: string): Partial<T> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidArgument(`${name} must be an object`);
  return value as Partial<T>;
}

export function integerOption(value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw invalidArgument(`${name} must be an integer ${range}, got ${describe(value)}`);
  }
  return value;
}

export function enumOption<T extends string>(value: unknown, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidArgument(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

export function stringOption(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidArgument(`${name} must be a non-empty string, got ${describe(value)}`);
  return value;
}

export function booleanOption(value: unknown, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidArgument(`${name} must be a boolean, got ${describe(value)}`);
  return value;
}

export function signalOption(value: unknown, name: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw invalidArgument(`${name} must be an AbortSignal, got ${describe(value)}`);
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return value.length > 40 ? `a string of length ${value.length}` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

export function pairsArgument(pairs: unknown): ReadonlyArray<readonly [string, string]> {
  if (!Array.isArray(pairs)) throw invalidArgument(`pairs must be an array of [query, document] string pairs, got ${describe(pairs)}`);
  for (let i = 0; i < pairs.length; i++) {
    const pair: unknown = pairs[i];
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw invalidArgument(`pairs[${i}] must be an array of two strings [query, document], got ${describe(pair)}`);
    }
  }
  return pairs as ReadonlyArray<readonly [string, string]>;
}
