import type { Command } from 'commander';
import type { CliIo } from '../io.js';

/**
 * One `concordat` subcommand. `register` adds it to the program (name, options, help, action); actions throw
 * CliError for refusals the user can fix, and any other error for failures (both exit non-zero).
 */
export interface CliCommand {
  readonly name: string;
  register(program: Command, io: CliIo): void;
}
