import { describe, expect, it } from 'vitest';
import { helpText, parseCommandLine, UsageError, type CommandSpec } from './args';

const SPEC = {
  name: 'demo',
  usage: '<inputs> --size 64',
  about: 'A demo command.',
  positionals: 'inputs',
  options: {
    size: { type: 'integer', min: 28, max: 256, help: 'side in px' },
    minutes: { type: 'number', above: 0, help: 'time limit' },
    model: { type: 'choice', choices: ['dcgan', 'vae'], default: 'dcgan', help: 'model kind' },
    out: { type: 'string', accepts: 'a path ending in .npz', check: (v) => (v.endsWith('.npz') ? null : 'the output must end in .npz'), help: 'output' },
    dedupe: { type: 'flag', help: 'remove copies' },
  },
} as const satisfies CommandSpec;

const refusal = (argv: string[]): string => {
  try {
    parseCommandLine(SPEC, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
};

describe('command-line parser', () => {
  it('parses typed values, defaults and positionals', () => {
    const parsed = parseCommandLine(SPEC, ['a.png', '--size', '64', '--minutes=0.5', 'b/', '--dedupe', '--out', 'x.npz']);
    expect(parsed.options).toEqual({ size: 64, minutes: 0.5, model: 'dcgan', out: 'x.npz', dedupe: true });
    expect(parsed.positionals).toEqual(['a.png', 'b/']);
    expect([...parsed.given].sort()).toEqual(['dedupe', 'minutes', 'out', 'size']);
    expect(parseCommandLine(SPEC, []).options).toEqual({ size: undefined, minutes: undefined, model: 'dcgan', out: undefined, dedupe: false });
  });

  it('refuses an unknown option in one line that lists the accepted ones', () => {
    expect(refusal(['--bogus'])).toBe('unknown option --bogus; accepted: --size, --minutes, --model, --out, --dedupe, --help');
    expect(refusal(['-x'])).toMatch(/^unknown option -x;/);
  });

  it('refuses bad values, naming the option, the value and what is accepted', () => {
    expect(refusal(['--minutes', 'abc'])).toBe('--minutes: "abc" is not accepted; expected a number > 0');
    expect(refusal(['--minutes', '0'])).toBe('--minutes: "0" is not accepted; expected a number > 0');
    expect(refusal(['--size', '12'])).toBe('--size: "12" is not accepted; expected a whole number from 28 to 256');
    expect(refusal(['--size', '64.5'])).toBe('--size: "64.5" is not accepted; expected a whole number from 28 to 256');
    expect(refusal(['--model', 'gan'])).toBe('--model: "gan" is not accepted; expected one of dcgan, vae');
    expect(refusal(['--out', 'x.zip'])).toBe('--out: "x.zip" is not accepted; the output must end in .npz');
  });

  it('refuses a missing value, a value given to a flag, and a repeated option', () => {
    expect(refusal(['--size'])).toBe('--size needs a value: a whole number from 28 to 256');
    expect(refusal(['--out', '--dedupe'])).toBe('--out needs a value: a path ending in .npz');
    expect(refusal(['--dedupe=yes'])).toBe('--dedupe takes no value, got "yes"');
    expect(refusal(['--size', '64', '--size', '32'])).toBe('--size is given twice');
  });

  it('refuses positionals when the command takes none', () => {
    const { positionals: _, ...noPositionals } = SPEC;
    expect(() => parseCommandLine(noPositionals, ['stray'])).toThrow('unexpected argument "stray": demo takes options only (see --help)');
  });

  it('answers --help and -h with every option, its values and default', () => {
    expect(parseCommandLine(SPEC, ['--help']).help).toBe(true);
    expect(parseCommandLine(SPEC, ['-h']).help).toBe(true);
    const text = helpText(SPEC);
    expect(text).toContain('usage: npm run demo -- <inputs> --size 64');
    expect(text).toMatch(/--model <dcgan\|vae>\s+model kind \(default dcgan\)/);
    expect(text).toMatch(/--size <n>\s+side in px \(a whole number from 28 to 256\)/);
    expect(text).toMatch(/--dedupe\s+remove copies\n/);
  });
});
