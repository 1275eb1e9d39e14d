/**
 * Where a cold start's time goes, in-process: `node dist/bench/coldstart-snapshot.bench.js --ledger <file.sqlite>`
 * (or `--events N --seed S` for the cached generated ledger of bench/ledger-cache.ts).
 *
 * On a copy of the ledger, in fresh child processes: (1) a first start with an empty snapshot directory: every read
 * model the server registers is built from the log; then a forced round of snapshots, measured (capture time, the
 * longest event-loop stall while writing, bytes) and a clean stop; (2) a restart from those snapshots. Each start is
 * timed from the runner's start to every model at the head, with the restore and catch-up split and the RSS at that
 * moment. Writes bench/results/coldstart-snapshot.json. The server-level figure (spawn to /health ok) is
 * coldstart.bench.ts.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { systemClock } from '../libs/event-store/src/clock.js';
import type { EventStore } from '../libs/event-store/src/port.js';
import { openSqliteEventStore } from '../libs/event-store/src/sqlite/index.js';
import { CorrelationIndexReadModel } from '../libs/ledger/src/audit/correlation-index.read-model.js';
import { MerkleFeedReadModel } from '../libs/ledger/src/audit/merkle-feed.read-model.js';
import { IdempotencyKeysReadModel } from '../libs/ledger/src/idempotency.js';
import { ProjectionRunner } from '../libs/ledger/src/projection-runner.js';
import { DirectorySnapshotStore } from '../libs/ledger/src/snapshots/index.js';
import { LedgerTrustReadModel } from '../libs/ledger/src/trust/trust.read-model.js';
import { BalancesReadModel } from '../libs/projections/src/balances/index.js';
import { CommitmentsReadModel } from '../libs/projections/src/commitments/index.js';
import { AgreementsReadModel, BodiesReadModel, CitiesReadModel, FindingsReadModel } from '../libs/projections/src/governance/index.js';
import { IncidentsReadModel } from '../libs/projections/src/incidents/index.js';
import type { ReadModel } from '../libs/projections/src/read-model.js';

const TARGETS = { restartMs: 5_000, rssMiB: 1024 } as const;
const CATCH_UP_TIMEOUT_MS = 1_800_000;
/** Turns of 10 ms waited for the background decoding after a restore (at most 10 minutes). */
const SETTLE_TURNS = 60_000;
const { values } = parseArgs({
  options: {
    ledger: { type: 'string' },
    events: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string' },
    phase: { type: 'string' },
    snapshots: { type: 'string' },
  },
});
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const rssMiB = (): number => Math.round(process.memoryUsage().rss / 1024 / 102.4) / 10;

/** The read models the server registers (LedgerModule and every bounded context), fresh. */
function serverReadModels(store: EventStore): ReadModel[] {
  return [
    new IdempotencyKeysReadModel(),
    new CommitmentsReadModel(),
    new CitiesReadModel(),
    new BodiesReadModel(),
    new AgreementsReadModel(),
    new FindingsReadModel(),
    new BalancesReadModel(),
    new IncidentsReadModel(),
    new LedgerTrustReadModel(systemClock),
    new CorrelationIndexReadModel(),
    new MerkleFeedReadModel(store),
  ];
}

interface PhaseResult {
  phase: string;
  caughtUpMs: number;
  restoreMs: number;
  rssMiB: number;
  /** RSS after a full garbage collection at that moment: what the models hold, without garbage not yet collected. */
  rssAfterGcMiB: number | null;
  /**
   * Once the models have decoded in the background what their restore deferred (commitments, incidents, balances,
   * governance): the time from the start, and the RSS then (before and after a full garbage collection).
   */
  settled: { ms: number; rssMiB: number; rssAfterGcMiB: number | null; peakRssMiB: number };
  restored: string[];
  rebuilt: string[];
  warnings: string[];
  info: string[];
  /**
   * The first start's snapshot round; `heapGrowthMB` is the JavaScript heap in use after it less before it (after a
   * full collection): the garbage a round leaves in old space, which no collection has taken yet.
   */
  snapshotRound: { captureMs: number; maxCaptureMs: number; writeMs: number; bytes: number; maxEventLoopStallMs: number; heapGrowthMB: number } | null;
}

/** One start in this process: open, run to the head, (first start) snapshot and stop. Prints its result as JSON. */
async function phase(name: string, path: string, snapshotDir: string): Promise<void> {
  const started = performance.now();
  const store = openSqliteEventStore({ path, clock: systemClock });
  const warnings: string[] = [];
  const info: string[] = [];
  const runner = new ProjectionRunner(store, {
    snapshots: new DirectorySnapshotStore(snapshotDir),
    onWarning: (m) => warnings.push(m),
    onInfo: (m) => info.push(m),
    // Only the rounds this bench asks for.
    snapshotPolicy: { everyEvents: Number.MAX_SAFE_INTEGER, everyMs: Number.MAX_SAFE_INTEGER },
  });
  const models = serverReadModels(store);
  for (const model of models) runner.register(model);
  const head = await store.headPosition();
  runner.start();
  if (head !== null && !(await runner.waitFor(head, CATCH_UP_TIMEOUT_MS))) throw new Error('the read models did not catch up');
  const restoreMs = runner.status().snapshots?.restoreMs ?? 0;
  const caughtUpMs = Math.round(performance.now() - started);
  const rss = rssMiB();
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const rssAfterGc = gc === undefined ? null : rssMiB();
  const deferring = models.filter(
    (m) =>
      m instanceof CommitmentsReadModel ||
      m instanceof IncidentsReadModel ||
      m instanceof BalancesReadModel ||
      m instanceof CitiesReadModel ||
      m instanceof BodiesReadModel ||
      m instanceof AgreementsReadModel ||
      m instanceof FindingsReadModel,
  );
  const undecoded = (): number => deferring.reduce((sum, m) => sum + m.undecoded(), 0);
  for (let turn = 0; turn < SETTLE_TURNS && undecoded() > 0; turn++) await new Promise((resolve) => setTimeout(resolve, 10));
  const settledMs = Math.round(performance.now() - started);
  const settledRss = rssMiB();
  // The high-water mark of the whole phase (maxRSS is in KiB).
  const peakRss = Math.round(process.resourceUsage().maxRSS / 102.4) / 10;
  gc?.();
  const settled = { ms: settledMs, rssMiB: settledRss, rssAfterGcMiB: gc === undefined ? null : rssMiB(), peakRssMiB: peakRss };
  let snapshotRound: PhaseResult['snapshotRound'] = null;
  if (name === 'first-start') {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    const heapBefore = process.memoryUsage().heapUsed;
    delay.enable();
    await runner.snapshotNow();
    delay.disable();
    const heapGrowthMB = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e6);
    const round = runner.status().snapshots?.lastRound;
    if (round !== null && round !== undefined) {
      snapshotRound = { captureMs: round.captureMs, maxCaptureMs: round.maxCaptureMs, writeMs: round.writeMs, bytes: round.bytes, maxEventLoopStallMs: Math.round(delay.max / 1e6), heapGrowthMB };
    }
  }
  const status = runner.status();
  await runner.stop();
  await store.close();
  const result: PhaseResult = {
    phase: name,
    caughtUpMs,
    restoreMs,
    rssMiB: rss,
    rssAfterGcMiB: rssAfterGc,
    settled,
    restored: status.snapshots?.restored ?? [],
    rebuilt: status.snapshots?.rebuilt ?? [],
    warnings,
    info,
    snapshotRound,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function child(name: string, path: string, snapshotDir: string): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(import.meta.url);
    const proc = spawn(process.execPath, ['--max-old-space-size=4096', '--expose-gc', script, '--phase', name, '--ledger', path, '--snapshots', snapshotDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out = (out + chunk.toString('utf8')).slice(-1_000_000);
    });
    proc.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`phase ${name} exited with ${String(code)}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as PhaseResult);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

async function main(): Promise<void> {
  if (values.phase !== undefined) {
    if (values.ledger === undefined || values.snapshots === undefined) throw new Error('--phase needs --ledger and --snapshots');
    return phase(values.phase, values.ledger, values.snapshots);
  }
  let source = values.ledger;
  let events: number | null = null;
  if (source === undefined) {
    const { ensureLedger } = await import('./ledger-cache.js');
    const ledger = await ensureLedger(Number(values.seed), Number(values.events), log);
    source = ledger.path;
    events = ledger.report.events;
  }
  const dir = mkdtempSync(join(tmpdir(), 'concordat-coldstart-snapshot-'));
  try {
    const path = join(dir, 'ledger.sqlite');
    copyFileSync(source, path);
    const snapshotDir = `${path}.snapshots`;
    log('first start (no snapshots)…');
    const first = await child('first-start', path, snapshotDir);
    log(`  caught up in ${first.caughtUpMs} ms, RSS ${first.rssMiB} MiB; snapshot round ${JSON.stringify(first.snapshotRound)}`);
    log('restart (from the snapshots)…');
    const restart = await child('restart', path, snapshotDir);
    log(`  caught up in ${restart.caughtUpMs} ms (restore ${restart.restoreMs} ms), RSS ${restart.rssMiB} MiB (${restart.settled.rssMiB} MiB once decoded, at ${restart.settled.ms} ms); restored ${restart.restored.join(', ')}; rebuilt ${restart.rebuilt.join(', ')}`);
    const store = openSqliteEventStore({ path, clock: systemClock });
    const head = await store.headPosition();
    await store.close();
    const result = {
      benchmark: 'coldstart-snapshot',
      date: new Date().toISOString(),
      node: process.version,
      loadAverage1m: loadavg()[0],
      ledger: { source, events: events ?? (head === null ? 0 : Number(head) + 1) },
      method: 'in-process ProjectionRunner with every read model the server registers, each start in a fresh child process; time from opening the store to every model at the head',
      firstStart: first,
      restart,
      targets: TARGETS,
      pass: { restart: restart.caughtUpMs <= TARGETS.restartMs, rss: Math.max(first.rssMiB, restart.rssMiB, restart.settled.rssMiB) <= TARGETS.rssMiB },
    };
    const out = values.out ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results', 'coldstart-snapshot.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
