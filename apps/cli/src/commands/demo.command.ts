import type { Command } from 'commander';
import { CliError, type CliIo } from '../io.js';
import type { CliCommand } from './command.js';

interface DemoCommandOptions {
  seed: string;
  cities: string;
  events: string;
  sqlite?: string;
  memory?: boolean;
}

function integer(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new CliError(`${flag} must be a whole number, got "${text}"`);
  return n;
}

export const demoCommand: CliCommand = {
  name: 'demo',
  register(program: Command, io: CliIo): void {
    program
      .command('demo')
      .description('load a demo ledger (Yangtze River Delta cities, two coordination bodies, a year of history) into an empty store')
      .option('--seed <seed>', 'seed of the generator: the same seed loads the same events', '7')
      .option('--cities <n>', 'cities of the Yangtze River Delta to include (4 to 20)', '16')
      .option('--events <n>', 'events to write', '400')
      .option('--sqlite <path>', 'SQLite file to load into (default: CONCORDAT_SQLITE_PATH or ./data/concordat.sqlite)')
      .option('--memory', 'load into an in-memory store and only print what was loaded')
      .action(async (options: DemoCommandOptions) => {
        if (options.memory === true && options.sqlite !== undefined) throw new CliError('give either --sqlite or --memory, not both');
        const seed = integer(options.seed, '--seed');
        const cities = integer(options.cities, '--cities');
        const events = integer(options.events, '--events');
        // Loaded here, not at the top: `concordat --help` should not pay for the store and the read models.
        const { loadDemo, summarizeLedger, DEMO_LIMITS } = await import('../../../../libs/ledger/src/demo/index.js');
        const { createMemoryEventStore, openSqliteEventStore, systemClock } = await import('../../../../libs/event-store/src/index.js');
        if (cities < DEMO_LIMITS.minCities || cities > DEMO_LIMITS.maxCities) throw new CliError(`--cities must lie between ${DEMO_LIMITS.minCities} and ${DEMO_LIMITS.maxCities}`);
        if (events < 1 || events > DEMO_LIMITS.maxEvents) throw new CliError(`--events must lie between 1 and ${DEMO_LIMITS.maxEvents}`);
        const { resolve } = await import('node:path');
        const { mkdirSync } = await import('node:fs');
        const path = options.memory === true ? null : resolve(options.sqlite ?? io.env.CONCORDAT_SQLITE_PATH ?? './data/concordat.sqlite');
        if (path !== null) mkdirSync(resolve(path, '..'), { recursive: true });
        const store = path === null ? createMemoryEventStore({ clock: systemClock }) : openSqliteEventStore({ path, clock: systemClock });
        try {
          const head = await store.headPosition();
          if (head !== null) throw new CliError(`${path ?? 'the store'} already holds ${head + 1n} events; the demo is loaded into an empty store only`);
          // Business time ends now, so deadlines, overdue commitments and open obligations look current.
          const report = await loadDemo(store, { seed, cities, events, anchor: new Date(systemClock.nowMs()).toISOString() });
          const summary = await summarizeLedger(store, systemClock);
          io.out(`loaded ${report.events} events (seed ${report.seed}) into ${path ?? 'memory'}: ${report.from.slice(0, 10)} to ${report.to.slice(0, 10)}`);
          for (const b of report.bodyPlans) io.out(`  body ${b.id}: ${b.name} — ${b.members.length} cities (${b.members.join(', ')})`);
          io.out(`  events: ${Object.entries(report.byType).map(([t, n]) => `${t} ${n}`).join(', ')}`);
          io.out(`  commitments: ${Object.entries(summary.commitments).map(([s, n]) => `${s} ${n}`).join(', ')}`);
          io.out(`  most trusted: ${summary.trust.slice(0, 5).map((t) => `${t.cityId} ${t.trust.toFixed(2)}`).join(', ')}`);
          io.out(`  least trusted: ${summary.trust.slice(-3).map((t) => `${t.cityId} ${t.trust.toFixed(2)}`).join(', ')}`);
          for (const f of summary.funds) io.out(`  fund ${f.fundId}: balance ${f.balance} ${f.currency} (available ${f.available})`);
          io.out(`  open obligations: ${summary.openObligations}; settlement now: ${summary.settlements.map((s) => `${s.bodyId} ${s.transfers} transfers among ${s.parties} parties`).join(', ')}`);
          if (Object.keys(report.refused).length > 0) io.out(`  commands refused by the deciders (nothing written for them): ${Object.entries(report.refused).map(([c, n]) => `${c} ${n}`).join(', ')}`);
        } finally {
          await store.close();
        }
      });
  },
};
