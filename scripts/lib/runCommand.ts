/**
 * How every command-line tool starts and ends: parse the command line, print --help, run, and turn
 * any failure into one line on stderr (`convert: <reason>`) with exit code 2 for a refused command
 * line and 1 for everything else. No stack traces: a user's mistake is not a crash, and a stack of
 * minified tfjs/wasm code only buries the reason. Set PHANTOM_DEBUG=1 to see the stack.
 */
import { errorMessage } from '../../src/core/errorMessage';
import { helpText, parseCommandLine, UsageError, type CommandSpec, type ParsedCommandLine } from './args';

/** A failure whose message is complete for the user (file and reason); printed as is. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export async function runCommand<S extends CommandSpec>(spec: S, argv: readonly string[], main: (args: ParsedCommandLine<S>) => Promise<void> | void): Promise<number> {
  try {
    const args = parseCommandLine(spec, argv);
    if (args.help) {
      console.log(helpText(spec));
      return 0;
    }
    await main(args);
    return 0;
  } catch (error) {
    if (process.env.PHANTOM_DEBUG && error instanceof Error) console.error(error.stack);
    // Only the first line: some library errors carry pages of source text after it.
    const first = errorMessage(error).split('\n')[0];
    if (error instanceof UsageError) {
      console.error(`${spec.name}: ${first}\nRun "npm run ${spec.name} -- --help" for the options.`);
      return 2;
    }
    console.error(`${spec.name}: ${first}`);
    return 1;
  }
}

/** Runs a command as the process's entry point and exits with its status. */
export function startCommand<S extends CommandSpec>(spec: S, main: (args: ParsedCommandLine<S>) => Promise<void> | void): void {
  void runCommand(spec, process.argv.slice(2), main).then((code) => {
    process.exitCode = code;
  });
}
