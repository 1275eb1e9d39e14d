/**
 * Cold start, one run: `node dist/bench/coldstart.bench.js [--events 1000000] [--seed 42]`.
 *
 * On a copy of the generated ledger (bench/ledger-cache.ts: SQLite, N events through the real deciders), starts the
 * real server twice as `concordat serve` does: a first start (nothing but the log) and a restart (whatever the first
 * start left beside the log, such as read-model snapshots). Each is timed from spawning the process to /health
 * answering `ok`, i.e. listening with every read model caught up to the head; the server's resident memory is read
 * right then, again once the models have had time to decode what their restore deferred, and the peak over the run.
 * Targets: restart ≤ 5 s, RSS ≤ 1 GiB (at /health ok and once settled; the peaks are reported beside). Writes bench/results/coldstart.json.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ensureLedger, eventsIn } from './ledger-cache.js';
import { peakRssMiB, rssMiB, startServer, waitUntilHealthy } from './server.js';

const TARGETS = { restartMs: 5_000, rssMiB: 1024 } as const;
const HEALTH_TIMEOUT_MS = 600_000;
/**
 * How long the server is left running after /health is ok before its peak RSS is read: restored models decode what
 * they deferred in the background during the first seconds of serving.
 */
const SETTLE_MS = 15_000;

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '42' }, out: { type: 'string' } } });
const events = Number(values.events);
const seed = Number(values.seed);
if (!Number.isSafeInteger(events) || events < 1000 || events > 20_000_000) throw new RangeError('--events must be an integer between 1000 and 20000000');
const out = values.out ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results', 'coldstart.json');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const ledger = await ensureLedger(seed, events, log);
log(`ledger: ${ledger.path} (${ledger.report.events} events, ${ledger.cached ? 'cached' : `generated in ${(ledger.report.generateMs / 1000).toFixed(0)} s`})`);
const dir = mkdtempSync(join(tmpdir(), 'concordat-coldstart-'));
const secret = 'coldstart-bench-secret-long-enough-for-hs256';

async function start(label: string, path: string): Promise<{ ms: number; rssMiB: number | null; settledRssMiB: number | null; peakRssMiB: number | null }> {
  const server = await startServer({ sqlitePath: path, secret });
  try {
    const healthyAt = await waitUntilHealthy(server, HEALTH_TIMEOUT_MS);
    const ms = Math.round(healthyAt - server.spawnedAt);
    const rss = rssMiB(server.pid);
    await sleep(SETTLE_MS);
    const settled = rssMiB(server.pid);
    const peak = peakRssMiB(server.pid);
    log(`${label}: healthy after ${ms} ms, RSS ${rss ?? '?'} MiB (${settled ?? '?'} MiB ${SETTLE_MS / 1000} s later; peak ${peak ?? '?'} MiB)`);
    return { ms, rssMiB: rss, settledRssMiB: settled, peakRssMiB: peak };
  } finally {
    await server.stop();
  }
}

try {
  const path = join(dir, 'ledger.sqlite');
  copyFileSync(ledger.path, path);
  // Counted before the first start: the server's deadline manager appends to the log while it runs.
  const eventsAtStart = eventsIn(path);
  const first = await start('first start', path);
  const restart = await start('restart', path);
  // At /health ok and once settled; the peaks (the first start's replay included) are reported beside them.
  const rss = Math.max(first.rssMiB ?? 0, restart.rssMiB ?? 0, restart.settledRssMiB ?? 0);
  const result = {
    benchmark: 'coldstart',
    date: new Date().toISOString(),
    node: process.version,
    loadAverage1m: loadavg()[0],
    ledger: { events: eventsAtStart, eventsAtRestart: eventsIn(path), seed, cities: ledger.report.cities, bodies: ledger.report.bodies, generator: 'libs/ledger/src/demo (real deciders)', generateMs: ledger.report.generateMs },
    method: `spawn \`node dist/apps/cli/src/main.js serve\` on a copy of the SQLite ledger; time to the first /health answering status "ok" (read models at the head); RSS from /proc at that moment, ${SETTLE_MS / 1000} s later (restored models decode what they deferred in the background meanwhile), and the peak (VmHWM) then`,
    firstStartMs: first.ms,
    restartMs: restart.ms,
    rssMiB: { firstStart: first.rssMiB, restart: restart.rssMiB },
    settledRssMiB: { firstStart: first.settledRssMiB, restart: restart.settledRssMiB },
    peakRssMiB: { firstStart: first.peakRssMiB, restart: restart.peakRssMiB },
    targets: TARGETS,
    pass: { restart: restart.ms <= TARGETS.restartMs, rss: rss > 0 && rss <= TARGETS.rssMiB },
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
