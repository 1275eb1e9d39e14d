import type { Command } from 'commander';
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
        const config = configFrom(io.env);
        // Loaded here, not at the top: `concordat --help` and `token` should not pay for starting Nest.
        const { serve } = await import('../../../api/src/serve.js');
        // Nest's shutdown hooks close the app (and the store) on SIGINT/SIGTERM.
        await serve(config, {}, io.out);
      });
  },
};
