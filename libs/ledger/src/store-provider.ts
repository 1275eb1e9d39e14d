import type { Clock } from '../../event-store/src/clock.js';
import type { EventStore, StoreLimits } from '../../event-store/src/port.js';
import { createMemoryEventStore } from '../../event-store/src/memory/index.js';
import type { LedgerConfig } from './config.js';

/** The configured store cannot be opened by this build (its adapter is absent). */
export class StoreUnavailableError extends Error {
  constructor(kind: string, reason: string) {
    super(`the ${kind} event store is not available: ${reason}`);
    this.name = 'StoreUnavailableError';
  }
}

/** Loads an adapter module lazily; a missing module or dependency becomes a clear StoreUnavailableError. */
async function lazily<T>(kind: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    if (code === 'ERR_MODULE_NOT_FOUND') throw new StoreUnavailableError(kind, `its adapter or a dependency of it is missing (${error instanceof Error ? error.message : ''})`);
    throw error;
  }
}

export interface OpenStoreOptions {
  clock: Clock;
  limits?: Partial<StoreLimits>;
}

/** Opens the store the configuration names. The caller owns it and closes it on shutdown. */
export async function openConfiguredStore(config: LedgerConfig, options: OpenStoreOptions): Promise<EventStore> {
  const { clock, limits } = options;
  switch (config.store) {
    case 'memory':
      return createMemoryEventStore({ clock, limits });
    case 'sqlite': {
      // Lazily, so that the memory store (unit tests) never loads the native binding.
      const { openSqliteEventStore } = await lazily('sqlite', () => import('../../event-store/src/sqlite/index.js'));
      return openSqliteEventStore({ path: config.sqlitePath, clock, limits, synchronous: config.sqliteSynchronous, groupCommit: config.sqliteGroupCommit });
    }
    case 'esdb': {
      // Lazily too: the gRPC client is only loaded when the cluster is the log.
      const { openEsdbEventStore } = await lazily('esdb', () => import('../../event-store/src/esdb/index.js'));
      if (config.esdbUrl === null) throw new StoreUnavailableError('esdb', 'CONCORDAT_ESDB_URL is not set');
      return openEsdbEventStore({ connectionString: config.esdbUrl, clock, limits });
    }
  }
}
