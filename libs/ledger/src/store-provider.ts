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

type AdapterOpener = (options: Record<string, unknown>) => EventStore | Promise<EventStore>;

/**
 * Loads an optional adapter module at run time, so a build without it (the EventStoreDB adapter) still serves the
 * other stores. Its module must export `exportName(options)` returning an EventStore.
 */
async function loadOpener(kind: string, modulePath: string, exportName: string): Promise<AdapterOpener> {
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(modulePath)) as Record<string, unknown>;
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    if (code === 'ERR_MODULE_NOT_FOUND') throw new StoreUnavailableError(kind, `its adapter (${modulePath}) is not part of this build`);
    throw error;
  }
  const opener = loaded[exportName];
  if (typeof opener !== 'function') throw new StoreUnavailableError(kind, `${modulePath} does not export ${exportName}()`);
  return (options) => (opener as AdapterOpener)(options);
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
      const { openSqliteEventStore } = await import('../../event-store/src/sqlite/index.js');
      return openSqliteEventStore({ path: config.sqlitePath, clock, limits, synchronous: config.sqliteSynchronous });
    }
    case 'esdb': {
      const open = await loadOpener('esdb', '../../event-store/src/esdb/index.js', 'openEsdbEventStore');
      return open({ url: config.esdbUrl, clock, limits });
    }
  }
}
