import { Command, CommanderError } from 'commander';
import { COMMANDS, type CliCommand } from './commands/index.js';
import { CliError, processIo, type CliIo } from './io.js';

export const VERSION = '0.1.0';

/** The `concordat` program with every registered command. Tests build it with their own io and run it in-process. */
export function buildProgram(io: CliIo = processIo, commands: readonly CliCommand[] = COMMANDS): Command {
  const program = new Command('concordat')
    .description('concordat: an event-sourced ledger of trust and compensation between cities')
    .version(VERSION)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();
  for (const command of commands) command.register(program, io);
  return program;
}

/**
 * Runs the program on argv and returns the exit code: 0 on success (and for --help/--version), 1 for a refusal
 * or failure. Never calls process.exit, so a server started by `serve` keeps running.
 */
export async function run(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      io.err(`concordat: ${error.message}`);
      return error.exitCode;
    }
    io.err(`concordat: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
