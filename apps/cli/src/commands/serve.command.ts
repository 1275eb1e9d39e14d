import type { Command } from 'commander';
import { EventStoreError } from '../../../../libs/event-store/src/errors.js';
import { ConfigError, loadConfig, type LedgerConfig } from '../../../../libs/ledger/src/config.js';
import { StoreUnavailableError } from '../../../../libs/ledger/src/store-provider.js';
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
        try {
          if (io.env.CONCORDAT_DEMO === '1') {
            const { loadDemoOnStart } = await import('../../../../libs/ledger/src/demo/on-start.js');
            await loadDemoOnStart(config, io.out);
          }
          // Nest's shutdown hooks close the app (and the store) on SIGINT/SIGTERM.
          await serve(config, {}, io.out);
        } catch (error) {
          // A refused store file or an absent adapter is the operator's to fix: say what, without a stack trace.
          if (error instanceof EventStoreError || error instanceof StoreUnavailableError) throw new CliError(error.message);
          throw error;
        }
      });
  },
};
