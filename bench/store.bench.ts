/**
 * Log benchmark, one run: `npm run bench:store [-- --events 100000]`.
 *
 * The same N small (~150 byte) events go through three stores, each in its own fresh files, WAL with
 * synchronous=FULL (every acknowledged commit is on disk):
 *   - concordat: our SQLite adapter through the EventStore port (expected revisions, idempotency, hash chain);
 *   - raw: better-sqlite3 with prepared statements writing rows of the same shape and size (a placeholder where
 *     concordat keeps the hash), with no checks, no canonical JSON and no hashing: the floor;
 *   - Emmett: @event-driven-io/emmett-sqlite 0.38.5 at its best: one connection kept open, its own append and
 *     batch-read functions, its own synchronous setting (read back and reported; its bundled SQLite's default is FULL).
 * Measured: durable single-event appends/s, two ways:
 *   - one appender awaiting each acknowledgement (every store, raw included, is bound by one fsync per append:
 *     this row measures the disk, not the store);
 *   - the same single-event appends issued by 64 concurrent appenders to different streams, what a ledger serving
 *     many users sees: concordat with group commit beside Emmett under the same load. Emmett's connection keeps one
 *     transaction counter for all its callers, so concurrent appends on it would join one open transaction and be
 *     acknowledged before their COMMIT (and one failure could roll back others' acknowledged appends); over
 *     separate connections it fails with SQLITE_BUSY and leaves that counter wrong. Its durable best is therefore
 *     the one connection with appends taken one at a time; the unserialized figure is reported beside it, marked
 *     as not durable at acknowledgement, and not used for any ratio. (Checked once by hand: of 1,280 such appends
 *     from 64 appenders, 1,279 were acknowledged while a second connection could not yet see them.)
 * Also: 1000-event batch appends/s, read-all events/s, and verify events/s beside a raw SHA-256 chain over the
 * same rows.
 *
 * The machine is shared and fsync times drift, so each figure is taken in interleaved slices (ROUNDS, and
 * SINGLE_ROUNDS shorter ones for the fsync-bound single-event figures, whose drift is the largest), the
 * contenders' order rotating every round: a slow minute hurts all of them alike.
 *
 * Writes bench/results/store.json.
 */
import { createHash } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import {
  appendToStream as emmettAppend,
  createEventStoreSchema,
  readMessagesBatch,
  sqliteConnection,
  type SQLiteConnection,
} from '@event-driven-io/emmett-sqlite';
import { GENESIS_HASH, type EventMetadata, type EventStore, type ProposedEvent } from '../libs/event-store/src/index.js';
import { openSqliteEventStore } from '../libs/event-store/src/sqlite/index.js';

const BATCH = 1_000;
const READ_PAGE = 4_096;
const EVENTS_PER_STREAM = 100;
const MAX_EVENTS = 1_000_000;
const ROUNDS = 5;
/**
 * Slices for the single-event figures: a slice of N / 5 appends lasts several seconds at one fsync each, long
 * enough for the disk's latency to change between contenders (one run saw one store at 6× the other for the
 * same work); slices of N / 20 keep every contender on the same disk weather.
 */
const SINGLE_ROUNDS = 20;
/** Times the 1000-event batch figure writes the same batches, each time into fresh files (see main). */
const BATCH_PASSES = 5;
/** Concurrent appenders for the group-commit figure; never more than there are streams (see concurrentAppends). */
const WRITERS = 64;
const TARGETS = { singleVsEmmett: 3, concurrentVsOneFsyncPerCommand: 4, batchVsRaw: 0.8, readVsEmmett: 2, verifyVsRawChain: 0.8 } as const;

const { values } = parseArgs({
  options: { events: { type: 'string', default: '100000' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help === true) {
  process.stdout.write(
    [
      'usage: node dist/bench/store.bench.js [--events N] [--out FILE]',
      `  --events N  events per figure: a multiple of ${BATCH * ROUNDS} and of ${EVENTS_PER_STREAM * SINGLE_ROUNDS}, up to ${MAX_EVENTS} (default 100000; 20000 takes a few minutes)`,
      '  --out FILE  where to write the JSON (default bench/results/store.json)',
      '',
    ].join('\n'),
  );
  process.exit(0);
}
const eventCount = Number(values.events);
if (
  !Number.isSafeInteger(eventCount) ||
  eventCount % (BATCH * ROUNDS) !== 0 ||
  eventCount % (EVENTS_PER_STREAM * SINGLE_ROUNDS) !== 0 ||
  eventCount < BATCH * ROUNDS ||
  eventCount > MAX_EVENTS
) {
  throw new RangeError(`--events must be a multiple of ${BATCH * ROUNDS} and of ${EVENTS_PER_STREAM * SINGLE_ROUNDS}, up to ${MAX_EVENTS}`);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outPath = values.out ?? join(root, 'bench', 'results', 'store.json');

interface Fixture {
  stream: string;
  /** Revision of this event in its stream (0-based). */
  revision: number;
  event: ProposedEvent;
}
interface Batch {
  stream: string;
  events: ProposedEvent[];
}

/** N events, `EVENTS_PER_STREAM` per stream, streams interleaved, so single appends touch many streams. */
function fixtures(n: number): Fixture[] {
  const streamCount = n / EVENTS_PER_STREAM;
  return Array.from({ length: n }, (_, i) => {
    const metadata: EventMetadata = { actor: 'city:lyon', role: 'finance-officer', correlationId: `c-${i}`, schemaVersion: 1 };
    return {
      stream: `transfer-${(i % streamCount).toString().padStart(6, '0')}`,
      revision: Math.floor(i / streamCount),
      event: {
        id: randomUUID(),
        type: 'transfer.sent',
        data: { amount: `${(i % 100_000) + 1}.25`, currency: 'EUR', from: 'city:lyon', to: `city:${i % 97}` },
        metadata,
      },
    };
  });
}

/** The same events as 1000-event batches, each batch a new stream. */
const batches = (all: readonly Fixture[]): Batch[] =>
  Array.from({ length: all.length / BATCH }, (_, b) => ({
    stream: `batch-${b}`,
    events: all.slice(b * BATCH, (b + 1) * BATCH).map((f) => f.event),
  }));

const slices = <T>(items: readonly T[], rounds = ROUNDS): T[][] => {
  const size = items.length / rounds;
  return Array.from({ length: rounds }, (_, r) => items.slice(r * size, (r + 1) * size));
};

const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
};

/** One measured operation per contender, run over `rounds` slices in rotating order; returns events/s each. */
async function interleaved(
  what: string,
  count: number,
  contenders: Record<string, (round: number) => Promise<void> | void>,
  rounds = ROUNDS,
): Promise<Record<string, number>> {
  const names = Object.keys(contenders);
  const ms: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length] as string;
      const started = performance.now();
      await (contenders[name] as (round: number) => Promise<void> | void)(round);
      ms[name] = (ms[name] as number) + performance.now() - started;
    }
  }
  const perSec = Object.fromEntries(names.map((n) => [n, Math.round(count / ((ms[n] as number) / 1000))]));
  log(`${what}: ${JSON.stringify(perSec)}`);
  return perSec;
}

// ---- the three stores ------------------------------------------------------------------------------------

const RAW_SCHEMA = `CREATE TABLE events (
  position INTEGER PRIMARY KEY, stream TEXT NOT NULL, revision INTEGER NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL,
  recorded_at TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, hash TEXT NOT NULL,
  UNIQUE (stream, revision), UNIQUE (stream, id)) STRICT`;
/** Same bytes on disk as a real hash, none of the work of computing one. */
const PLACEHOLDER_HASH = 'f'.repeat(64);

interface RawRow {
  position: number;
  stream: string;
  revision: number;
  id: string;
  type: string;
  recorded_at: string;
  data: string;
  metadata: string;
}

function openRaw(path: string) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(RAW_SCHEMA);
  const insert = db.prepare<[number, string, number, string, string, string, string, string, string]>(
    'INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  let position = 0;
  const put = (stream: string, revision: number, e: ProposedEvent): void => {
    const at = new Date().toISOString();
    insert.run(position++, stream, revision, e.id, e.type, at, JSON.stringify(e.data), JSON.stringify(e.metadata), PLACEHOLDER_HASH);
  };
  const one = db.transaction((f: Fixture) => put(f.stream, f.revision, f.event));
  const many = db.transaction((b: Batch) => b.events.forEach((e, revision) => put(b.stream, revision, e)));
  const page = db.prepare<[number, number], RawRow>('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?');
  const readAll = (): number => {
    let read = 0;
    let after = -1;
    for (let rows = page.all(after, READ_PAGE); rows.length > 0; rows = page.all(after, READ_PAGE)) {
      for (const row of rows) {
        const event = { ...row, data: JSON.parse(row.data) as unknown, metadata: JSON.parse(row.metadata) as unknown };
        if (event.position !== read) throw new Error('raw read out of order');
        read++;
      }
      after = (rows[rows.length - 1] as RawRow).position;
    }
    return read;
  };
  return { db, one, many, readAll };
}

/** The floor for verify: concordat's rows, each hashed with the previous hash in a plain loop, nothing else. */
function rawChain(path: string): number {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare<[number, number], RawRow & { hash: string }>('SELECT * FROM events WHERE position >= ? ORDER BY position LIMIT ?');
  let hashed = 0;
  let previous = GENESIS_HASH;
  for (let batch = rows.all(0, READ_PAGE); batch.length > 0; batch = rows.all(hashed, READ_PAGE)) {
    for (const r of batch) {
      previous = createHash('sha256')
        .update(`${previous}\n${r.id}\n${r.type}\n${r.stream}\n${r.revision}\n${r.position}\n${r.recorded_at}\n${r.data}\n${r.metadata}`)
        .digest('hex');
      if (previous !== r.hash) throw new Error(`raw chain breaks at ${r.position}`);
      hashed++;
    }
  }
  db.close();
  return hashed;
}

/** SQLite's names for PRAGMA synchronous values. */
const SYNCHRONOUS_NAMES: Readonly<Record<number, string>> = { 0: 'OFF', 1: 'NORMAL', 2: 'FULL', 3: 'EXTRA' };

interface EmmettDurability {
  journalMode: string;
  synchronous: string;
}

/** Emmett as it opens itself: WAL (set by sqliteConnection), synchronous left at its SQLite's default, read back. */
async function openEmmett(path: string): Promise<{ connection: SQLiteConnection; durability: EmmettDurability }> {
  const connection = sqliteConnection({ fileName: path });
  await createEventStoreSchema(connection);
  const journal = await connection.querySingle<{ journal_mode: string }>('PRAGMA journal_mode');
  const synchronous = await connection.querySingle<{ synchronous: number }>('PRAGMA synchronous');
  const level = synchronous?.synchronous ?? -1;
  return {
    connection,
    durability: { journalMode: journal?.journal_mode ?? 'unknown', synchronous: SYNCHRONOUS_NAMES[level] ?? `unknown (${level})` },
  };
}

async function emmettAppendOne(connection: SQLiteConnection, f: Fixture): Promise<void> {
  // Emmett counts stream versions from 1: the version after `revision` events is `revision`.
  const result = await emmettAppend(connection, f.stream, 'transfer', [asEmmett(f.event)], { expectedStreamVersion: BigInt(f.revision) });
  if (!result.success) throw new Error(`emmett refused ${f.stream}@${f.revision}`);
}

/**
 * Emmett's one connection shared by concurrent appenders, each append run alone (a promise chain): every
 * append its own transaction, acknowledged after its own COMMIT.
 */
function serializedOn(connection: SQLiteConnection): (f: Fixture) => Promise<void> {
  let tail: Promise<void> = Promise.resolve();
  return (f) => {
    const append = tail.then(() => emmettAppendOne(connection, f));
    tail = append.catch(() => undefined);
    return append;
  };
}

const asEmmett = (e: ProposedEvent) => ({ type: e.type, data: e.data as Record<string, unknown>, metadata: { ...e.metadata, id: e.id } });

async function emmettReadAll(connection: SQLiteConnection, expected: number): Promise<number> {
  let read = 0;
  let page = await readMessagesBatch(connection, { from: 0n, batchSize: READ_PAGE });
  for (let pages = 0; pages <= expected; pages++) {
    read += page.messages.length;
    if (!page.areEventsLeft) break;
    page = await readMessagesBatch(connection, { after: page.currentGlobalPosition, batchSize: READ_PAGE });
  }
  return read;
}

async function concordatReadAll(store: EventStore, expected: number): Promise<number> {
  let read = 0;
  let after: bigint | 'start' = 'start';
  for (let page = 0; page <= expected; page++) {
    const result = await store.readAll({ after, maxCount: READ_PAGE });
    read += result.events.length;
    if (result.nextAfter !== null) after = result.nextAfter;
    if (result.isEnd) break;
  }
  return read;
}

const appendWithConcordat = (store: EventStore) => async (f: Fixture): Promise<void> => {
  await store.appendToStream(f.stream, [f.event], f.revision === 0 ? 'no_stream' : BigInt(f.revision - 1));
};

/**
 * WRITERS appenders, each awaiting its own acknowledgement. A writer takes the next event in order; with fewer
 * writers than streams, an event's predecessor in its stream was acknowledged before it is taken, so every
 * expected revision is exact and no two appenders ever write to the same stream at once.
 */
async function concurrentAppends(appendOne: (f: Fixture) => Promise<void>, slice: readonly Fixture[], streamCount: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(WRITERS, streamCount) }, async () => {
      for (let i = next++; i < slice.length; i = next++) await appendOne(slice[i] as Fixture);
    }),
  );
}

const expect = (what: string, actual: number, expected: number): void => {
  if (actual !== expected) throw new Error(`${what}: ${actual}, expected ${expected}`);
};

// ---- run -------------------------------------------------------------------------------------------------

const ratio = (value: number, target: number) => ({ value: Math.round(value * 100) / 100, target, met: value >= target });

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'concordat-bench-'));
  try {
    const all = fixtures(eventCount);
    const streamCount = eventCount / EVENTS_PER_STREAM;
    const bytes = all.reduce((sum, f) => sum + JSON.stringify(f.event.data).length + JSON.stringify(f.event.metadata).length, 0);
    log(`${eventCount} events, ${Math.round(bytes / eventCount)} bytes of data+metadata each on average, in ${dir}`);

    const ours = openSqliteEventStore({ path: join(dir, 'concordat-single.sqlite') });
    const grouped = openSqliteEventStore({ path: join(dir, 'concordat-grouped.sqlite'), groupCommit: true });
    const raw = openRaw(join(dir, 'raw-single.sqlite'));
    const emmett = await openEmmett(join(dir, 'emmett-single.sqlite'));
    const emmettConcurrent = await openEmmett(join(dir, 'emmett-concurrent.sqlite'));
    const emmettUnserialized = await openEmmett(join(dir, 'emmett-unserialized.sqlite'));
    const singleSlices = slices(all, SINGLE_ROUNDS);
    const appendSequentially = async (r: number, appendOne: (f: Fixture) => Promise<void>): Promise<void> => {
      for (const f of singleSlices[r] as Fixture[]) await appendOne(f);
    };
    const single = await interleaved(
      'single-event durable appends/s, one appender',
      eventCount,
      {
        concordat: (r) => appendSequentially(r, appendWithConcordat(ours)),
        raw: (r) => {
          for (const f of singleSlices[r] as Fixture[]) raw.one.immediate(f);
        },
        emmett: (r) => appendSequentially(r, (f) => emmettAppendOne(emmett.connection, f)),
      },
      SINGLE_ROUNDS,
    );
    const emmettSerialized = serializedOn(emmettConcurrent.connection);
    const concurrent = await interleaved(
      `single-event appends/s, ${WRITERS} concurrent appenders`,
      eventCount,
      {
        concordatGroupCommit: (r) => concurrentAppends(appendWithConcordat(grouped), singleSlices[r] as Fixture[], streamCount),
        emmett: (r) => concurrentAppends(emmettSerialized, singleSlices[r] as Fixture[], streamCount),
        emmettUnserializedNotDurable: (r) =>
          concurrentAppends((f) => emmettAppendOne(emmettUnserialized.connection, f), singleSlices[r] as Fixture[], streamCount),
      },
      SINGLE_ROUNDS,
    );
    const groupedCheck = await grouped.verify();
    expect('group commit events verified', groupedCheck.checked, eventCount);
    for (const [what, e] of [['emmett concurrent', emmettConcurrent], ['emmett unserialized', emmettUnserialized]] as const) {
      const stored = await e.connection.querySingle<{ n: number }>('SELECT count(*) AS n FROM emt_messages');
      expect(`${what} events stored`, stored?.n ?? 0, eventCount);
    }
    await Promise.all([ours.close(), grouped.close()]);
    raw.db.close();
    for (const e of [emmett, emmettConcurrent, emmettUnserialized]) e.connection.close();

    // Batches are quick (N / 1000 commits), so one pass is a few hundred milliseconds and at the mercy of one slow
    // fsync: the same batches are written BATCH_PASSES times, each pass into fresh files, and the passes summed.
    // The last pass's files are the ones read and verified below.
    const batchSlices = slices(batches(all));
    const batchSeconds: Record<string, number> = {};
    let concordatFile = '';
    let lastStore: EventStore | undefined;
    let lastRaw: ReturnType<typeof openRaw> | undefined;
    let lastEmmett: SQLiteConnection | undefined;
    for (let pass = 0; pass < BATCH_PASSES; pass++) {
      await lastStore?.close();
      lastRaw?.db.close();
      lastEmmett?.close();
      concordatFile = join(dir, `concordat-batch-${pass}.sqlite`);
      const ours = openSqliteEventStore({ path: concordatFile });
      const theirs = openRaw(join(dir, `raw-batch-${pass}.sqlite`));
      const { connection: emmettPass } = await openEmmett(join(dir, `emmett-batch-${pass}.sqlite`));
      [lastStore, lastRaw, lastEmmett] = [ours, theirs, emmettPass];
      const perSecond = await interleaved(`1000-event batch appends/s, pass ${pass + 1} of ${BATCH_PASSES}`, eventCount, {
        concordat: async (r) => {
          for (const b of batchSlices[r] as Batch[]) await ours.appendToStream(b.stream, b.events, 'no_stream');
        },
        raw: (r) => {
          for (const b of batchSlices[r] as Batch[]) theirs.many.immediate(b);
        },
        emmett: async (r) => {
          for (const b of batchSlices[r] as Batch[]) {
            const result = await emmettAppend(emmettPass, b.stream, 'batch', b.events.map(asEmmett), { expectedStreamVersion: 0n });
            if (!result.success) throw new Error(`emmett refused ${b.stream}`);
          }
        },
      });
      for (const [name, rate] of Object.entries(perSecond)) batchSeconds[name] = (batchSeconds[name] ?? 0) + eventCount / rate;
    }
    if (lastStore === undefined || lastRaw === undefined || lastEmmett === undefined) throw new Error('no batch pass ran');
    const [store, rawB, emmettB] = [lastStore, lastRaw, lastEmmett];
    const batch = Object.fromEntries(
      Object.entries(batchSeconds).map(([name, seconds]) => [name, Math.round((eventCount * BATCH_PASSES) / seconds)]),
    );
    log(`1000-event batch appends/s over ${BATCH_PASSES} passes: ${JSON.stringify(batch)}`);

    // Reads and verification cover the whole log each round, so they count ROUNDS × N events.
    const read = await interleaved('read-all events/s', eventCount * ROUNDS, {
      concordat: async () => expect('concordat read', await concordatReadAll(store, eventCount), eventCount),
      raw: () => expect('raw read', rawB.readAll(), eventCount),
      emmett: async () => expect('emmett read', await emmettReadAll(emmettB, eventCount), eventCount),
    });
    const verify = await interleaved('verify events/s', eventCount * ROUNDS, {
      concordat: async () => {
        const report = await store.verify();
        if (!report.ok) throw new Error(`verify failed: ${report.reason}`);
        expect('concordat verified', report.checked, eventCount);
      },
      rawSha256Chain: () => expect('raw chain', rawChain(concordatFile), eventCount),
    });
    await store.close();
    rawB.db.close();
    emmettB.close();

    const result = {
      benchmark: 'store',
      command: `npm run bench:store -- --events ${eventCount}`,
      date: new Date().toISOString(),
      node: process.version,
      machine: {
        platform: platform(),
        release: release(),
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        /** 1, 5 and 15 minute load averages: the machine is shared, and the figures move with its load. */
        loadAverage: { atStart: loadAtStart.map((l) => Math.round(l * 100) / 100), atEnd: loadavg().map((l) => Math.round(l * 100) / 100) },
      },
      events: eventCount,
      averageEventBytes: Math.round(bytes / eventCount),
      durability: `concordat and raw: WAL, synchronous=FULL; Emmett as it opens itself: journal_mode=${emmett.durability.journalMode}, synchronous=${emmett.durability.synchronous}; one connection each`,
      emmettDurability: emmett.durability,
      method: `interleaved rounds per figure (${SINGLE_ROUNDS} for single-event appends, ${ROUNDS} for the rest), contenders' order rotating; batches written ${BATCH_PASSES} times into fresh files and summed; concurrent figures with ${WRITERS} appenders to different streams`,
      eventsPerSecond: {
        singleEventDurableAppends: {
          note: 'one appender awaiting each acknowledgement: every store pays one fsync per append, so this measures the disk',
          concordat: single.concordat,
          raw: single.raw,
          emmett: single.emmett,
        },
        singleEventDurableAppendsGroupCommit: { concordat: concurrent.concordatGroupCommit, writers: WRITERS },
        concurrentSingleEventAppends: {
          note: `the same single-event appends from ${WRITERS} concurrent appenders to different streams, in one run: concordat with group commit; Emmett on its one connection, one append at a time (durable at acknowledgement); Emmett unserialized acknowledges before COMMIT, shown for reference only`,
          writers: WRITERS,
          concordatGroupCommit: concurrent.concordatGroupCommit,
          emmett: concurrent.emmett,
          emmettUnserializedNotDurable: concurrent.emmettUnserializedNotDurable,
        },
        batchAppends1000: batch,
        readAll: read,
        verify,
      },
      ratios: {
        singleVsEmmett: ratio((single.concordat as number) / (single.emmett as number), TARGETS.singleVsEmmett),
        concurrentVsEmmett: ratio((concurrent.concordatGroupCommit as number) / (concurrent.emmett as number), TARGETS.singleVsEmmett),
        concurrentVsOneFsyncPerCommand: ratio(
          (concurrent.concordatGroupCommit as number) / (single.concordat as number),
          TARGETS.concurrentVsOneFsyncPerCommand,
        ),
        batchVsRaw: ratio((batch.concordat as number) / (batch.raw as number), TARGETS.batchVsRaw),
        readVsEmmett: ratio((read.concordat as number) / (read.emmett as number), TARGETS.readVsEmmett),
        verifyVsRawChain: ratio((verify.concordat as number) / (verify.rawSha256Chain as number), TARGETS.verifyVsRawChain),
      },
    };
    mkdirSync(dirname(outPath), { recursive: true });
    writeFileSync(outPath, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify({ eventsPerSecond: result.eventsPerSecond, ratios: result.ratios }, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
