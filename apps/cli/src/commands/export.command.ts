import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { systemClock } from '../../../../libs/event-store/src/clock.js';
import { EventStoreError } from '../../../../libs/event-store/src/errors.js';
import type { EventStore } from '../../../../libs/event-store/src/port.js';
import { ConfigError, loadConfig, type LedgerConfig } from '../../../../libs/ledger/src/config.js';
import { ProgressReporter } from '../../../../libs/ledger/src/audit/progress.js';
import { StoreUnavailableError } from '../../../../libs/ledger/src/store-provider.js';
import { CliError, type CliIo } from '../io.js';
import type { CliCommand } from './command.js';

/*
 * Helpers shared by the audit commands (export, digest, replay, proof): they read the store `serve` is configured
 * with, from the same environment.
 */

const POSITION = /^(0|[1-9][0-9]{0,18})$/;

/** A global position or tree size given on the command line. */
export function parsePosition(option: string, value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  if (!POSITION.test(value)) throw new CliError(`${option} must be a non-negative integer; got ${value}`);
  return BigInt(value);
}

export function auditConfig(env: CliIo['env']): LedgerConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

/** Opens the configured store (read only in practice: the audit commands never append). */
export async function openAuditedStore(config: LedgerConfig): Promise<EventStore> {
  const { openConfiguredStore } = await import('../../../../libs/ledger/src/store-provider.js');
  try {
    // The clock only stamps appends, which the audit commands never make.
    return await openConfiguredStore(config, { clock: systemClock });
  } catch (error) {
    if (error instanceof EventStoreError || error instanceof StoreUnavailableError) throw new CliError(error.message);
    throw error;
  }
}

/** Runs `work` on the configured store and closes it, whatever happens. */
export async function withAuditedStore<T>(io: CliIo, work: (store: EventStore, config: LedgerConfig) => Promise<T>): Promise<T> {
  const config = auditConfig(io.env);
  const store = await openAuditedStore(config);
  try {
    return await work(store, config);
  } catch (error) {
    // Range and integrity refusals of the audit layer are the user's to act on: no stack trace.
    if (error instanceof EventStoreError) throw new CliError(error.message);
    throw error;
  } finally {
    await store.close();
  }
}

interface ExportOptions {
  out?: string;
  from?: string;
  to?: string;
}

export const exportCommand: CliCommand = {
  name: 'export',
  register(program: Command, io: CliIo): void {
    program
      .command('export')
      .description('export the configured store as NDJSON (one event with its hash and prevHash per line), streamed with bounded memory')
      .option('--out <file>', 'write to this file (default: standard output)')
      .option('--from <position>', 'first position, inclusive (default 0)')
      .option('--to <position>', 'last position, inclusive (default: the head when the export starts)')
      .action(async (options: ExportOptions) => {
        const from = parsePosition('--from', options.from) ?? 0n;
        const to = parsePosition('--to', options.to);
        if (to !== undefined && to < from) throw new CliError(`--to (${to}) is before --from (${from})`);
        const { exportNdjson } = await import('../../../../libs/event-store/src/audit/export.js');
        await withAuditedStore(io, async (store) => {
          const head = await store.headPosition();
          if (from > 0n && (head === null || from > head)) throw new CliError(`--from ${from} is beyond the log's head (${head ?? 'empty log'})`);
          // A fixed end, so the export is one prefix of the log even while a server appends.
          const end = to === undefined || (head !== null && to > head) ? head : to;
          const total = end === null ? 0 : Number(end - from + 1n);
          const progress = new ProgressReporter('export', total, { write: io.err });
          let done = 0;
          async function* counted(): AsyncGenerator<string> {
            if (end === null) return;
            for await (const line of exportNdjson(store, { from, to: end })) {
              done += 1;
              if (done % 4096 === 0) progress.update(done);
              yield line;
            }
          }
          if (options.out === undefined) {
            for await (const line of counted()) io.out(line.slice(0, -1));
          } else {
            // pipeline pulls the next line only when the file has taken the last: memory is one store page.
            await pipeline(Readable.from(counted()), createWriteStream(options.out));
          }
          progress.finish(done);
          io.err(`exported ${done} events${done === 0 ? '' : ` (positions ${from}..${from + BigInt(done) - 1n})`}${options.out === undefined ? '' : ` to ${options.out}`}`);
        });
      });
  },
};
