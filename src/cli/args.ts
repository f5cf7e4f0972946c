/** Command-line parsing for the CLI: strict, with one-line reasons a user can act on. */
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

export interface OptionSpec {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly value?: string;
  readonly description: string;
}

export type OptionValues = Record<string, string | boolean | undefined>;

/**
 * Parses `--name value`, `--name=value`, `-s value`, `-svalue` and boolean flags; rejects anything
 * unknown; after `--` every argument is bare. Messages name the command only in the help they
 * point to: the CLI prefixes them with `medallion <command>: error:`.
 */
export function parseOptions(argv: readonly string[], specs: readonly OptionSpec[], command: string): OptionValues {
  return parseCommandLine(argv, specs, command, 0).values;
}

/**
 * `parseOptions`, with up to `positionals` bare arguments (a subcommand and its operand).
 * node's `parseArgs` splits the words; its strict mode is off because its messages would replace
 * ours, so the tokens it returns are checked here.
 */
export function parseCommandLine(argv: readonly string[], specs: readonly OptionSpec[], command: string, positionals: number): { values: OptionValues; args: string[] } {
  const options = Object.fromEntries(specs.map((spec) => [spec.name, spec.short ? { type: spec.type, short: spec.short } : { type: spec.type }]));
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const help = ` (see \`medallion ${command} --help\`)`;
  const values: OptionValues = {};
  const bare: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (bare.length >= positionals) throw new UsageError(`unexpected argument ${JSON.stringify(token.value)}${help}`);
      bare.push(token.value);
      continue;
    }
    // Without strict mode an unknown `-x` comes back as an option named `x`: check the spelling used.
    const spec = specs.find((candidate) => candidate.name === token.name && (token.rawName === `--${candidate.name}` || (candidate.short !== undefined && token.rawName === `-${candidate.short}`)));
    if (!spec) throw new UsageError(`unknown option ${token.rawName}${help}`);
    if (spec.type === 'boolean') {
      if (token.inlineValue) throw new UsageError(`--${spec.name} takes no value`);
      values[spec.name] = true;
      continue;
    }
    // A value is required; the next word is taken even when it starts with '-' (e.g. -5), so it can be reported.
    if (token.value === undefined || token.value === '') throw new UsageError(`--${spec.name} needs a value (${spec.value ?? 'VALUE'})`);
    if (values[spec.name] !== undefined) throw new UsageError(`--${spec.name} was given twice`);
    values[spec.name] = token.value;
  }
  return { values, args: bare };
}

/** A whole number within bounds, or a UsageError naming the option. */
export function wholeNumber(value: string | boolean | undefined, option: string, bounds: { min: number; max: number; fallback?: number }): number {
  if (value === undefined) {
    if (bounds.fallback === undefined) throw new UsageError(`--${option} is required`);
    return bounds.fallback;
  }
  const text = String(value).replace(/_/g, '');
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--${option} must be a whole number, got ${JSON.stringify(value)}`);
  const number = Number(text);
  if (number < bounds.min || number > bounds.max) {
    throw new UsageError(`--${option} must be between ${bounds.min} and ${bounds.max.toLocaleString('en-US')}, got ${text}`);
  }
  return number;
}

/** A `YYYY-MM-DD` date as epoch ms (UTC midnight), or a UsageError. */
export function isoDate(value: string | boolean | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const time = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== text) {
    throw new UsageError(`--${option} must be a date like 2026-01-31, got ${JSON.stringify(text)}`);
  }
  if (Number(match[1]) < 2007) throw new UsageError(`--${option} must be in 2007 or later, got ${text}`);
  return time;
}

/** Help text for a command's options, aligned. */
export function formatOptions(specs: readonly OptionSpec[]): string {
  const heads = specs.map((spec) => `${spec.short ? `-${spec.short}, ` : '    '}--${spec.name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`);
  const width = Math.max(...heads.map((head) => head.length)) + 2;
  return specs.map((spec, i) => `  ${(heads[i] as string).padEnd(width)}${spec.description}`).join('\n');
}
