import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from '../contract/event-store.contract.js';
import type { EventStore } from '../port.js';
import { openSqliteEventStore } from './sqlite-event-store.js';

describeEventStoreContract(
  'SQLite',
  (options) => {
    const dir = mkdtempSync(join(tmpdir(), 'concordat-contract-'));
    const path = join(dir, 'log.sqlite');
    // NORMAL keeps the suite quick; durability itself is the same code path with one more fsync per commit.
    const open = (): EventStore => openSqliteEventStore({ path, limits: options?.limits, synchronous: 'NORMAL' });
    let store = open();
    return Promise.resolve({
      store,
      reopen: async () => {
        await store.close();
        store = open();
        return store;
      },
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    });
  },
  { gaplessPositions: true, globalHashChain: true, durable: true },
);
