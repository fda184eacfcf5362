/**
 * The command-line parser of `npm run convert|metrics|train`: one declaration per option gives its
 * type, accepted values and help line; the parser refuses unknown options and bad values with one
 * line that names the option, the value and what is accepted, and `--help` prints the declaration.
 * node:util parseArgs splits the words (in its lenient mode, so that this module, not Node, words
 * every refusal); the checks are ours.
 */
import { parseArgs } from 'node:util';

interface Described {
  /** One line for --help. */
  help: string;
  /** How the value is named in --help (`<file.npz>`). */
  placeholder?: string;
}
export interface StringOption extends Described {
  type: 'string';
  default?: string;
  /** Extra check of the text; returns what is wrong, or null when it is fine. */
  check?: (value: string) => string | null;
  /** What an accepted value looks like, for the refusal line. */
  accepts?: string;
}
export interface ChoiceOption<C extends string = string> extends Described {
  type: 'choice';
  choices: readonly C[];
  default?: C;
}
export interface IntegerOption extends Described {
  type: 'integer';
  min?: number;
  max?: number;
  default?: number;
}
export interface NumberOption extends Described {
  type: 'number';
  /** Smallest value, excluded (a duration must be > 0). */
  above?: number;
  default?: number;
}
export interface FlagOption extends Described {
  type: 'flag';
}
export type OptionSpec = StringOption | ChoiceOption | IntegerOption | NumberOption | FlagOption;

export interface CommandSpec {
  /** The npm script name: "convert". */
  name: string;
  /** The usage line after `npm run NAME --`. */
  usage: string;
  /** What the command does, a few lines for --help. */
  about: string;
  options: Record<string, OptionSpec>;
  /** Name of the positional arguments (`files or folders`), or undefined when none are accepted. */
  positionals?: string;
}

type ValueOf<O extends OptionSpec> = O extends FlagOption ? boolean : O extends ChoiceOption<infer C> ? C : O extends IntegerOption | NumberOption ? number : string;
type HasValue<O extends OptionSpec> = O extends FlagOption ? true : O extends { default: unknown } ? true : false;

/** The parsed values, typed from the spec: options without a default are undefined when not given. */
export type ParsedOptions<S extends CommandSpec> = {
  [K in keyof S['options']]: HasValue<S['options'][K]> extends true ? ValueOf<S['options'][K]> : ValueOf<S['options'][K]> | undefined;
};

export interface ParsedCommandLine<S extends CommandSpec> {
  options: ParsedOptions<S>;
  positionals: string[];
  /** Options the user typed (defaults not included), to tell "given" from "defaulted". */
  given: Set<keyof S['options'] & string>;
  /** True when --help or -h was given: print helpText(spec) and stop. */
  help: boolean;
}

/** A refusal of the command line; the message is one line and already names the option and value. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function describeAccepted(spec: OptionSpec): string {
  switch (spec.type) {
    case 'choice':
      return `one of ${spec.choices.join(', ')}`;
    case 'integer':
      if (spec.min !== undefined && spec.max !== undefined) return `a whole number from ${spec.min} to ${spec.max}`;
      if (spec.min !== undefined) return `a whole number >= ${spec.min}`;
      return 'a whole number';
    case 'number':
      return spec.above !== undefined ? `a number > ${spec.above}` : 'a number';
    case 'string':
      return spec.accepts ?? 'a value';
    case 'flag':
      return 'no value';
  }
}

function convert(name: string, spec: Exclude<OptionSpec, FlagOption>, text: string): string | number {
  const refuse = (): never => {
    throw new UsageError(`--${name}: "${text}" is not accepted; expected ${describeAccepted(spec)}`);
  };
  switch (spec.type) {
    case 'choice':
      return spec.choices.includes(text) ? text : refuse();
    case 'integer': {
      const value = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN;
      if (!Number.isSafeInteger(value) || (spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) refuse();
      return value;
    }
    case 'number': {
      const value = text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(value) || (spec.above !== undefined && !(value > spec.above))) refuse();
      return value;
    }
    case 'string': {
      const problem = spec.check?.(text);
      if (problem) throw new UsageError(`--${name}: "${text}" is not accepted; ${problem}`);
      return text;
    }
  }
}

export function parseCommandLine<S extends CommandSpec>(spec: S, argv: readonly string[]): ParsedCommandLine<S> {
  const accepted = Object.keys(spec.options);
  const nodeOptions = Object.fromEntries(accepted.map((name) => [name, { type: spec.options[name].type === 'flag' ? ('boolean' as const) : ('string' as const) }]));
  const { tokens } = parseArgs({ args: [...argv], options: { ...nodeOptions, help: { type: 'boolean', short: 'h' } }, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | number | boolean | undefined> = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  let help = false;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (!spec.positionals) throw new UsageError(`unexpected argument "${token.value}": ${spec.name} takes options only (see --help)`);
      positionals.push(token.value);
      continue;
    }
    if (token.name === 'help') {
      help = true;
      continue;
    }
    const option = spec.options[token.name];
    if (!option) throw new UsageError(`unknown option ${token.rawName}; accepted: ${accepted.map((n) => `--${n}`).join(', ')}, --help`);
    if (given.has(token.name)) throw new UsageError(`--${token.name} is given twice`);
    given.add(token.name);
    if (option.type === 'flag') {
      if (token.value !== undefined) throw new UsageError(`--${token.name} takes no value, got "${token.value}"`);
      values[token.name] = true;
      continue;
    }
    // parseArgs takes the next word as the value even when it is another option: `--out --json`.
    if (token.value === undefined || (token.inlineValue === false && token.value.startsWith('--'))) {
      throw new UsageError(`--${token.name} needs a value: ${describeAccepted(option)}`);
    }
    values[token.name] = convert(token.name, option, token.value);
  }
  for (const name of accepted) {
    const option = spec.options[name];
    if (values[name] === undefined) values[name] = option.type === 'flag' ? false : option.default;
  }
  return { options: values as ParsedOptions<S>, positionals, given: given as Set<keyof S['options'] & string>, help };
}

/** --help: usage, what the command does, and one line per option with its accepted values and default. */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, option]) => {
    const placeholder = option.type === 'choice' ? `<${option.choices.join('|')}>` : option.type === 'integer' || option.type === 'number' ? '<n>' : '<value>';
    const left = option.type === 'flag' ? `--${name}` : `--${name} ${option.placeholder ?? placeholder}`;
    // A choice lists its values in the placeholder, a free string says nothing more than its help.
    const accepted = option.type === 'flag' || option.type === 'choice' || (option.type === 'string' && !option.accepts) ? [] : [describeAccepted(option)];
    const notes = [...accepted, ...(option.type !== 'flag' && option.default !== undefined ? [`default ${option.default}`] : [])];
    const extra = notes.length ? ` (${notes.join('; ')})` : '';
    return [left, `${option.help}${extra}`];
  });
  const width = Math.min(34, Math.max(...rows.map(([left]) => left.length)) + 2);
  const lines = rows.map(([left, right]) => (left.length + 2 > width ? `  ${left}\n  ${' '.repeat(width)}${right}` : `  ${left.padEnd(width)}${right}`));
  return [`usage: npm run ${spec.name} -- ${spec.usage}`, '', spec.about, '', 'options:', ...lines, `  ${'--help, -h'.padEnd(width)}this text`].join('\n');
}
