import { ConfigError, loadConfig } from '../../../libs/ledger/src/config.js';
import { serve } from './serve.js';

// Entry point of the `api` project (nest-cli.json); `concordat serve` does the same.
try {
  await serve(loadConfig(process.env));
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
