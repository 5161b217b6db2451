import { parseArgs } from 'node:util';

import { parseSize } from '../server';

/** A usage error: printed with the command's --help hint, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Kind = 'string' | 'integer' | 'boolean' | 'size';

/** One flag; its environment variable is CROSSRANK_<NAME> unless `env` says otherwise. */
export interface Flag {
  name: string;
  kind: Kind;
  description: string;
  /** The value's placeholder in --help, e.g. 'N' or 'ID_OR_PATH'. */
  value?: string;
  multiple?: boolean;
  choices?: readonly string[];
  min?: number;
  max?: number;
  default?: string | number | boolean;
  /** Further environment variables, read after CROSSRANK_<NAME> (TEI's image sets PORT and MODEL_ID). */
  aliases?: readonly string[];
  /** Not read from the environment (e.g. --help). */
  noEnv?: boolean;
}

export type FlagValue = string | number | boolean | string[] | undefined;
export type Values = Record<string, FlagValue>;

export const envName = (flag: Flag): string => `CROSSRANK_${flag.name.toUpperCase().replace(/-/g, '_')}`;

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

function convert(flag: Flag, raw: string | boolean, source: string): FlagValue {
  const bad = (expected: string) =>
    new UsageError(`--${flag.name} must be ${expected}, got ${JSON.stringify(raw)}${source === 'flag' ? '' : ` (from ${source})`}`);
  switch (flag.kind) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const lower = raw.toLowerCase();
      if (TRUE.includes(lower)) return true;
      if (FALSE.includes(lower)) return false;
      throw bad(`one of ${[...TRUE, ...FALSE].join(', ')}`);
    }
    case 'integer': {
      const min = flag.min ?? 0;
      const max = flag.max ?? Number.MAX_SAFE_INTEGER;
      const n = /^\d+$/.test(String(raw)) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        throw bad(max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
      }
      return n;
    }
    case 'size': {
      const bytes = parseSize(String(raw));
      if (bytes === undefined) throw bad("a size such as 2000000, 512kb or 2mb");
      return bytes;
    }
    case 'string': {
      const value = String(raw);
      if (value === '') throw bad('a non-empty string');
      if (flag.choices && !flag.choices.includes(value)) throw bad(`one of ${flag.choices.join(', ')}`);
      return value;
    }
  }
}

/**
 * Reads `argv` against `flags` (node:util parseArgs, strict), then the environment for each flag not
 * given, then the defaults. Errors name the flag and what would be valid.
 */
export function parseFlags(
  command: string,
  flags: readonly Flag[],
  argv: string[],
  env: NodeJS.ProcessEnv,
): { values: Values; positionals: string[] } {
  const options = Object.fromEntries(
    flags.map((f) => [f.name, { type: f.kind === 'boolean' ? ('boolean' as const) : ('string' as const), multiple: f.multiple ?? false }]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true, allowNegative: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${message}; 'crossrank ${command}' takes ${flags.map((f) => `--${f.name}`).join(', ')}`);
  }
  const values: Values = {};
  for (const flag of flags) {
    const given = parsed.values[flag.name];
    if (given !== undefined) {
      values[flag.name] = Array.isArray(given)
        ? given.map((v) => convert(flag, v, 'flag') as string)
        : convert(flag, given as string | boolean, 'flag');
      continue;
    }
    if (flag.noEnv) continue;
    const source = [envName(flag), ...(flag.aliases ?? [])].find((name) => env[name] !== undefined && env[name] !== '');
    if (source !== undefined) {
      const raw = env[source] as string;
      // A list from one variable: comma-separated (Hub ids and served names never hold commas).
      values[flag.name] = flag.multiple
        ? raw.split(',').map((v) => convert(flag, v.trim(), source) as string)
        : convert(flag, raw, source);
    } else if (flag.default !== undefined) {
      values[flag.name] = flag.default;
    }
  }
  return { values, positionals: parsed.positionals };
}

/** The --help text of a command: usage line, then each flag with its environment variable. */
export function helpText(usage: string, summary: string, flags: readonly Flag[]): string {
  const rows = flags.map((f) => {
    const left = `  --${f.name}${f.kind === 'boolean' ? '' : ` ${f.value ?? 'VALUE'}`}`;
    const extra = [
      f.choices ? `one of ${f.choices.join(', ')}` : undefined,
      f.default !== undefined ? `default ${String(f.default)}` : undefined,
      f.multiple ? 'repeatable' : undefined,
      f.noEnv ? undefined : `env ${[envName(f), ...(f.aliases ?? [])].join(', ')}`,
    ].filter(Boolean);
    return `${left.padEnd(34)} ${f.description}${extra.length ? ` (${extra.join('; ')})` : ''}`;
  });
  return `Usage: ${usage}\n\n${summary}\n\nOptions:\n${rows.join('\n')}\n`;
}

export const HELP_FLAG: Flag = { name: 'help', kind: 'boolean', description: 'Show this help', noEnv: true };
