/**
 * Trust and balance queries at scale, one run: `node dist/bench/queries.bench.js [--events 1000000] [--seed 42]`.
 *
 * Replays the generated ledger (bench/ledger-cache.ts) into the trust and balances read models in process, as the
 * server holds them, then times the queries the API answers from them, each over many random arguments: a city's
 * trust, a pair's trust, a body's 30-city-or-fewer trust matrix; a fund's balance, a city's net position, a pair
 * balance, the open obligations of a city (first page), an obligation's transfer context. Target: p99 ≤ 5 ms for each
 * single-subject query. Writes bench/results/queries.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FakeClock } from '../libs/event-store/src/clock.js';
import { openSqliteEventStore } from '../libs/event-store/src/sqlite/index.js';
import { largePlan, Prng, DEFAULT_ANCHOR } from '../libs/ledger/src/demo/index.js';
import { BalancesReadModel } from '../libs/projections/src/balances/balances.read-model.js';
import { CFBT_1, TrustReadModel } from '../libs/projections/src/trust/index.js';
import { ensureLedger } from './ledger-cache.js';
import { percentile } from './server.js';

const TARGET_P99_MS = 5;
const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '42' }, out: { type: 'string' } } });
const events = Number(values.events);
const seed = Number(values.seed);
const out = values.out ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results', 'queries.json');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const ledger = await ensureLedger(seed, events, log);
const store = openSqliteEventStore({ path: ledger.path, clock: new FakeClock() });
const trust = new TrustReadModel(CFBT_1, new FakeClock(Date.parse(DEFAULT_ANCHOR)));
const balances = new BalancesReadModel();
const replayStarted = performance.now();
let after: bigint | 'start' = 'start';
let replayed = 0;
const obligationIds: string[] = [];
for (let page = 0; page < 1 + events / 1000; page++) {
  const p = await store.readAll({ after, maxCount: store.limits.maxReadCount });
  for (const e of p.events) {
    trust.apply(e);
    balances.apply(e);
    replayed++;
    if (e.type === 'IncidentAssessed' && obligationIds.length < 10_000) obligationIds.push(...(e.data as { obligations: { obligationId: string }[] }).obligations.map((o) => o.obligationId));
  }
  if (p.isEnd || p.nextAfter === null) break;
  after = p.nextAfter;
}
await store.close();
const replayMs = performance.now() - replayStarted;
log(`replayed ${replayed} events in ${(replayMs / 1000).toFixed(1)} s`);

const plan = largePlan(ledger.report.cities, ledger.report.bodies);
const rng = new Prng(seed);
const city = (): string => rng.pick(plan.cities).id;
const body = (): (typeof plan.bodies)[number] => rng.pick(plan.bodies);

function measure(n: number, query: () => unknown): { n: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    query();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const round = (v: number): number => Math.round(v * 10_000) / 10_000;
  return { n, p50Ms: round(percentile(times, 50)), p99Ms: round(percentile(times, 99)), maxMs: round(times[times.length - 1] ?? 0) };
}
const judged = (m: ReturnType<typeof measure>): ReturnType<typeof measure> & { targetP99Ms: number; pass: boolean } => ({ ...m, targetP99Ms: TARGET_P99_MS, pass: m.p99Ms <= TARGET_P99_MS });

const queries = {
  cityTrust: judged(measure(20_000, () => trust.cityTrust(city()))),
  pairTrust: judged(
    measure(20_000, () => {
      const b = body();
      return trust.pairTrust(rng.pick(b.members), rng.pick(b.members));
    }),
  ),
  bodyMatrix: measure(500, () => trust.bodyMatrix(body().id)),
  fundBalance: judged(measure(20_000, () => balances.fundBalance(body().id))),
  cityNetPosition: judged(measure(20_000, () => balances.netPositionsOf({ kind: 'city', id: city() }))),
  pairBalance: judged(measure(20_000, () => balances.pairBalance({ kind: 'city', id: city() }, { kind: 'city', id: city() }, 'CNY'))),
  obligationContext: judged(measure(20_000, () => balances.obligationContext(rng.pick(obligationIds)))),
  cityOpenObligationsFirstPage: judged(measure(300, () => balances.openObligations({ party: { kind: 'city', id: city() }, limit: 100 }))),
};
const memory = process.memoryUsage();
const result = {
  benchmark: 'queries',
  date: new Date().toISOString(),
  node: process.version,
  loadAverage1m: loadavg()[0],
  method: 'in process, on the trust and balances read models replayed from the generated SQLite ledger (the API serves these from the same models); random subjects; the first page of open obligations is a filtered scan',
  ledger: { events: replayed, seed, cities: ledger.report.cities, bodies: ledger.report.bodies },
  replay: { ms: Math.round(replayMs), eventsPerSecond: Math.round(replayed / (replayMs / 1000)), rssMiB: Math.round(memory.rss / 2 ** 20) },
  queries,
  pass: Object.values(queries).every((q) => !('pass' in q) || q.pass),
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
