/**
 * Audit benchmark, one run: `node dist/bench/verify.bench.js [--events 1000000]`.
 *
 * 1. Fills a SQLite store with N commitment events.
 * 2. Exports it to NDJSON in a child process, so the peak RSS measured is the export's alone (target < 300 MiB).
 * 3. Over that same file: a raw SHA-256 chain over every line's bytes, read two ways (readline, and the byte line
 *    cutter the verifier's own reading amounts to), then the offline verifier over the file's bytes (every event
 *    hash, link and position, Merkle root against the digest), in this thread and with worker threads.
 *    Target: verifier ≥ 0.8× the raw chain; the headline divides by the faster raw chain.
 *
 * Writes bench/results/verify.json.
 */
import { fork } from 'node:child_process';
import { hash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  digestAt,
  exportNdjson,
  FakeClock,
  GENESIS_HASH,
  MAX_BLOCK_WORKERS,
  verifyExportBytes,
  workerBlockChecker,
  type BlockChecker,
  type DigestFile,
  type ProposedEvent,
} from '../libs/event-store/src/index.js';
import { openSqliteEventStore } from '../libs/event-store/src/sqlite/index.js';

const EXPORT_TARGET_MIB = 300;
const RATIO_TARGET = 0.8;
const BATCH = 1_000;
const MAX_EVENTS = 20_000_000;
// Best of five, interleaved: the shared 2-core machine swings run to run by ±30 % and more (other benchmarks and
// compilers come and go within a minute); five rounds give each side a better chance at a quiet slice than three did.
const REPEATS = 5;

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    // The calling thread only reads and joins blocks (a few subtree roots each): one worker per core by default.
    workers: { type: 'string', default: String(Math.max(1, Math.min(MAX_BLOCK_WORKERS, availableParallelism()))) },
    phase: { type: 'string', default: 'main' },
    db: { type: 'string' },
    out: { type: 'string' },
  },
});

const mib = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
const peakRssBytes = (): number => process.resourceUsage().maxRSS * 1024;

async function fill(path: string, events: number): Promise<number> {
  const store = openSqliteEventStore({ path, synchronous: 'NORMAL', clock: new FakeClock(Date.parse('2026-01-01T00:00:00Z')) });
  const started = performance.now();
  const cities = ['lyon', 'porto', 'gdansk', 'tartu', 'bologna', 'leuven', 'aarhus'];
  for (let first = 0; first < events; first += BATCH) {
    const batch: ProposedEvent[] = [];
    for (let n = first; n < Math.min(events, first + BATCH); n += 1) {
      const obligor = cities[n % cities.length];
      const beneficiary = cities[(n + 3) % cities.length];
      batch.push({
        id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
        type: n % 4 === 3 ? 'commitment.Fulfilled' : 'commitment.Pledged',
        data: {
          commitmentId: `cm-${n}`,
          obligor: `city-${obligor}`,
          beneficiary: `city-${beneficiary}`,
          amount: `${(n % 100_000) + 1}.${String(n % 100).padStart(2, '0')}`,
          currency: 'EUR',
          dueAt: '2027-01-01T00:00:00.000Z',
        },
        metadata: { actor: `user:${obligor}-treasurer`, role: 'treasurer', scope: `city-${obligor}`, correlationId: `corr-${n}`, schemaVersion: 1 },
      });
    }
    await store.appendToStream(`commitment-${first / BATCH}`, batch, 'no_stream');
  }
  await store.close();
  return performance.now() - started;
}

/** Child process: export the store to a file and report time and this process's peak RSS. */
async function exportPhase(db: string, out: string): Promise<void> {
  const store = openSqliteEventStore({ path: db });
  const started = performance.now();
  await pipeline(Readable.from(exportNdjson(store)), createWriteStream(out));
  const ms = performance.now() - started;
  await store.close();
  process.send?.({ ms, peakRssBytes: peakRssBytes() });
}

function runExportChild(db: string, out: string): Promise<{ ms: number; peakRssBytes: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--phase', 'export', '--db', db, '--out', out], { stdio: 'inherit' });
    let report: { ms: number; peakRssBytes: number } | null = null;
    child.on('message', (m) => {
      report = m as { ms: number; peakRssBytes: number };
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && report !== null ? resolve(report) : reject(new Error(`export child exited with ${code}`))));
  });
}

const linesOf = (file: string): AsyncIterable<string> =>
  createInterface({ input: createReadStream(file, { highWaterMark: 1024 * 1024 }), crlfDelay: Infinity });

/** CPU time of this process (every thread), in ms: steadier than wall time when other work shares the cores. */
const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

const bytesOf = (file: string): AsyncIterable<Buffer> => createReadStream(file, { highWaterMark: 1024 * 1024 });

interface RawRun {
  ms: number;
  cpuMs: number;
  head: string;
  lines: number;
}

/** The floor any verifier of this file pays: read every line and chain SHA-256 over its bytes (lines from readline). */
async function rawChainReadline(file: string): Promise<RawRun> {
  const started = performance.now();
  const cpuStarted = cpuMs();
  let head = GENESIS_HASH;
  let lines = 0;
  for await (const line of linesOf(file)) {
    head = hash('sha256', head + line, 'hex');
    lines += 1;
  }
  return { ms: performance.now() - started, cpuMs: cpuMs() - cpuStarted, head, lines };
}

/**
 * The same chain over the same bytes, with lines cut from the file's buffers as the verifier cuts them (no strings):
 * SHA-256 over the previous hash (hex) and the line's bytes, copied into one reused buffer. Its head must equal
 * rawChainReadline's: the same bytes were hashed.
 */
async function rawChainBytes(file: string): Promise<RawRun> {
  const started = performance.now();
  const cpuStarted = cpuMs();
  let head = GENESIS_HASH;
  let lines = 0;
  let input = Buffer.alloc(64 * 1024);
  let carry: Buffer = Buffer.alloc(0);
  const line = (bytes: Buffer, start: number, end: number): void => {
    if (64 + end - start > input.length) input = Buffer.alloc(2 * (64 + end - start));
    input.write(head, 0, 'latin1');
    bytes.copy(input, 64, start, end);
    head = hash('sha256', input.subarray(0, 64 + end - start), 'hex');
    lines += 1;
  };
  for await (const chunk of bytesOf(file)) {
    const bytes = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let start = 0;
    for (let newline = bytes.indexOf(0x0a, start); newline >= 0; newline = bytes.indexOf(0x0a, start)) {
      line(bytes, start, newline);
      start = newline + 1;
    }
    carry = bytes.subarray(start);
  }
  if (carry.length > 0) line(carry, 0, carry.length);
  return { ms: performance.now() - started, cpuMs: cpuMs() - cpuStarted, head, lines };
}

async function verifierRun(file: string, digest: DigestFile, blockChecker?: BlockChecker): Promise<{ ms: number; cpuMs: number; ok: boolean; events: number }> {
  const started = performance.now();
  const cpuStarted = cpuMs();
  const result = await verifyExportBytes(bytesOf(file), digest, { blockChecker });
  if (!result.ok) process.stderr.write(`verifier: ${JSON.stringify(result.firstDiscrepancy, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}\n`);
  return { ms: performance.now() - started, cpuMs: cpuMs() - cpuStarted, ok: result.ok && result.digestMatched, events: result.eventsVerified };
}

async function main(): Promise<void> {
  const events = Number(values.events);
  if (!Number.isSafeInteger(events) || events < 1 || events > MAX_EVENTS) throw new Error(`--events must be 1..${MAX_EVENTS}`);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_BLOCK_WORKERS) throw new Error(`--workers must be 1..${MAX_BLOCK_WORKERS}`);
  const dir = mkdtempSync(join(tmpdir(), 'concordat-verify-bench-'));
  const db = join(dir, 'ledger.db');
  const file = join(dir, 'export.ndjson');
  try {
    process.stderr.write(`filling a SQLite store with ${events} events…\n`);
    const fillMs = await fill(db, events);
    process.stderr.write(`exporting (child process)…\n`);
    const exported = await runExportChild(db, file);
    const store = openSqliteEventStore({ path: db });
    const digest = await digestAt(store);
    await store.close();

    const raw: number[] = [];
    const rawCpu: number[] = [];
    const rawReadline: number[] = [];
    const rawReadlineCpu: number[] = [];
    const inThread: number[] = [];
    const inThreadCpu: number[] = [];
    const parallel: number[] = [];
    let verifierOk = true;
    let rawLines = 0;
    let rawHeadsAgree = true;
    const pool = workerBlockChecker(workers);
    try {
      // Interleave the four so drift on a noisy machine hits all alike; keep each one's best run.
      for (let i = 0; i < REPEATS; i += 1) {
        process.stderr.write(`run ${i + 1}/${REPEATS}: raw chain (readline, bytes), verifier in one thread, verifier with ${workers} worker(s)…\n`);
        const viaReadline = await rawChainReadline(file);
        rawReadline.push(viaReadline.ms);
        rawReadlineCpu.push(viaReadline.cpuMs);
        const r = await rawChainBytes(file);
        raw.push(r.ms);
        rawCpu.push(r.cpuMs);
        rawLines = r.lines;
        rawHeadsAgree &&= r.head === viaReadline.head && r.lines === viaReadline.lines;
        const single = await verifierRun(file, digest);
        inThread.push(single.ms);
        inThreadCpu.push(single.cpuMs);
        const multi = await verifierRun(file, digest, pool);
        parallel.push(multi.ms);
        verifierOk &&= single.ok && multi.ok && single.events === events && multi.events === events;
      }
    } finally {
      await pool.close();
    }
    // The headline divides by the faster way of reading the same lines: the stricter floor.
    const rawMs = Math.min(...raw, ...rawReadline);
    const rawReadlineMs = Math.min(...rawReadline);
    const inThreadMs = Math.min(...inThread);
    const parallelMs = Math.min(...parallel);
    // The headline is the better configuration on this machine; both are reported.
    const ratio = rawMs / Math.min(inThreadMs, parallelMs);
    const exportBytes = statSync(file).size;

    const result = {
      benchmark: 'verify',
      at: new Date().toISOString(),
      node: process.version,
      store: 'sqlite',
      events,
      fill: { ms: Math.round(fillMs), eventsPerSec: Math.round(events / (fillMs / 1000)) },
      export: {
        ms: Math.round(exported.ms),
        eventsPerSec: Math.round(events / (exported.ms / 1000)),
        bytes: exportBytes,
        peakRssMiB: mib(exported.peakRssBytes),
        targetPeakRssMiB: EXPORT_TARGET_MIB,
        pass: mib(exported.peakRssBytes) < EXPORT_TARGET_MIB,
      },
      verify: {
        method:
          'same NDJSON file; raw = one SHA-256 per line chained over the previous hash (hex) and the line bytes, lines read ' +
          'two ways (readline over a 1 MiB-buffered stream; the byte line cutter over the same stream, no strings), both ' +
          'reaching the same head; verifier = verifyExportBytes over the same stream against the digest (every event hash, ' +
          'link and position, RFC 6962 root), in this thread and with worker threads. Best of each, interleaved; the ' +
          'ratio divides by the faster raw chain.',
        cpus: availableParallelism(),
        // Other work on the machine skews both sides; the ratio is only as steady as this.
        loadAverage1mAtEnd: Math.round(loadavg()[0] * 100) / 100,
        workers,
        rawChainBytesMs: raw.map(Math.round),
        rawChainReadlineMs: rawReadline.map(Math.round),
        verifierInThreadMs: inThread.map(Math.round),
        verifierWithWorkersMs: parallel.map(Math.round),
        rawChainEventsPerSec: Math.round(rawLines / (rawMs / 1000)),
        rawChainReadlineEventsPerSec: Math.round(rawLines / (rawReadlineMs / 1000)),
        verifierInThreadEventsPerSec: Math.round(events / (inThreadMs / 1000)),
        verifierWithWorkersEventsPerSec: Math.round(events / (parallelMs / 1000)),
        ratioInThread: Math.round((rawMs / inThreadMs) * 1000) / 1000,
        ratioWithWorkers: Math.round((rawMs / parallelMs) * 1000) / 1000,
        // Against the earlier baseline (raw chain over readline), for comparison with past runs.
        ratioVsReadlineRaw: Math.round((rawReadlineMs / Math.min(inThreadMs, parallelMs)) * 1000) / 1000,
        // Single-threaded work measured in CPU time: what the code costs, whatever else the machine runs.
        rawChainBytesCpuMs: rawCpu.map(Math.round),
        rawChainReadlineCpuMs: rawReadlineCpu.map(Math.round),
        verifierInThreadCpuMs: inThreadCpu.map(Math.round),
        ratioInThreadCpu: Math.round((Math.min(...rawCpu, ...rawReadlineCpu) / Math.min(...inThreadCpu)) * 1000) / 1000,
        ratio: Math.round(ratio * 1000) / 1000,
        targetRatio: RATIO_TARGET,
        pass: ratio >= RATIO_TARGET,
        rawHeadsAgree,
        verifierOk,
      },
      digest: { treeSize: digest.treeSize, root: digest.root },
    };
    const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results', 'verify.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (!verifierOk || !rawHeadsAgree) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.phase === 'export') {
  if (values.db === undefined || values.out === undefined) throw new Error('--phase export needs --db and --out');
  await exportPhase(values.db, values.out);
} else {
  await main();
}
