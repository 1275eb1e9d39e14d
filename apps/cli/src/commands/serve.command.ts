import type { Command } from 'commander';
import { serve } from '../../../api/src/serve.js';
import { ConfigError, loadConfig, type LedgerConfig } from '../../../../libs/ledger/src/config.js';
import { CliError, type CliIo } from '../io.js';
import type { CliCommand } from './command.js';

function configFrom(env: CliIo['env']): LedgerConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

export const serveCommand: CliCommand = {
  name: 'serve',
  register(program: Command, io: CliIo): void {
    program
      .command('serve')
      .description('serve the HTTP API (configured by PORT, CONCORDAT_STORE, CONCORDAT_SQLITE_PATH, CONCORDAT_JWT_SECRET, ...)')
      .action(async () => {
        // Nest's shutdown hooks close the app (and the store) on SIGINT/SIGTERM.
        await serve(configFrom(io.env), {}, io.out);
      });
  },
};
