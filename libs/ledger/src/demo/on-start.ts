/**
 * CONCORDAT_DEMO=1 at start: the demo is loaded into the configured store before the server opens it, and only when
 * that store is empty. A store that holds events is never touched (the log says so). The memory store is created by
 * the server itself, so there is nothing to load into beforehand: the log says that too.
 */
import { systemClock } from '../../../event-store/src/clock.js';
import type { LedgerConfig } from '../config.js';
import { openConfiguredStore } from '../store-provider.js';
import { loadDemo } from './demo.js';

export type DemoOnStartOutcome = { loaded: true; events: number } | { loaded: false; reason: 'store_not_empty' | 'memory_store'; events: number };

export async function loadDemoOnStart(config: LedgerConfig, log: (line: string) => void): Promise<DemoOnStartOutcome> {
  if (config.store === 'memory') {
    log('CONCORDAT_DEMO=1: the memory store is created empty by the server, so no demo is loaded; use CONCORDAT_STORE=sqlite (or `concordat demo --sqlite <path>`)');
    return { loaded: false, reason: 'memory_store', events: 0 };
  }
  const store = await openConfiguredStore(config, { clock: systemClock });
  try {
    const head = await store.headPosition();
    if (head !== null) {
      const events = Number(head + 1n);
      log(`CONCORDAT_DEMO=1: the store already holds ${events} events; the demo is loaded into an empty store only, so nothing was added`);
      return { loaded: false, reason: 'store_not_empty', events };
    }
    const report = await loadDemo(store, { anchor: new Date(systemClock.nowMs()).toISOString() });
    log(`CONCORDAT_DEMO=1: loaded the demo ledger (${report.events} events: ${report.bodyPlans.map((b) => `${b.id}, ${b.members.length} cities`).join('; ')})`);
    return { loaded: true, events: report.events };
  } finally {
    await store.close();
  }
}
