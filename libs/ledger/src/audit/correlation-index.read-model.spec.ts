/**
 * The correlation index's snapshot: captured as views while events keep arriving, written and read by the real
 * snapshot file code, restored to an index that answers and forgets exactly as the one that never stopped, and
 * refused (leaving the index fresh) when it is anything else.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../event-store/src/clock.js';
import type { EventStore, RecordedEvent } from '../../../event-store/src/port.js';
import { openSqliteEventStore } from '../../../event-store/src/sqlite/index.js';
import { ProjectionRunner } from '../projection-runner.js';
import { DirectorySnapshotStore, encodeSnapshot, openSnapshot } from '../snapshots/index.js';
import { CORRELATION_INDEX_READ_MODEL, CorrelationIndexReadModel, CorrelationSnapshotRejected, type CorrelationIndexLimits } from './correlation-index.read-model.js';

const event = (position: bigint, correlationId: string): RecordedEvent => ({
  id: `00000000-0000-4000-8000-${position.toString(16).padStart(12, '0').slice(-12)}`,
  type: 'commitment.DeliveryRecorded',
  stream: `commitment-${position % 7n}`,
  revision: position,
  position,
  recordedAt: '2026-11-28T18:00:00.000Z',
  data: {},
  metadata: { actor: 'user:lyon-treasurer', role: 'treasurer', correlationId, schemaVersion: 1 },
  hash: 'f'.repeat(64),
});

/**
 * A deterministic stream of requests, a few in flight at once, each appending 1–`longest` events, some without a
 * correlation id (system events). Returns the events and every id used.
 */
function requests(count: number, options: { seed: number; longest: number; from?: bigint }): { events: RecordedEvent[]; ids: string[] } {
  let seed = options.seed;
  const random = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fff_ffff;
    return seed % n;
  };
  const inFlight: Array<{ id: string; left: number }> = [];
  const ids: string[] = [];
  const events: RecordedEvent[] = [];
  let position = options.from ?? 0n;
  for (let i = 0; i < count; i++) {
    while (inFlight.length < 4) {
      const id = `request-${options.seed}-${ids.length}`;
      ids.push(id);
      inFlight.push({ id, left: 1 + random(options.longest) });
    }
    position += 1n + BigInt(random(3));
    if (random(20) === 0) {
      events.push(event(position, ''));
      continue;
    }
    const k = random(inFlight.length);
    events.push(event(position, inFlight[k].id));
    inFlight[k].left -= 1;
    if (inFlight[k].left === 0) inFlight.splice(k, 1);
  }
  return { events, ids };
}

/** The state as the runner would store it and read it back: through the snapshot file's writer and reader. */
async function written(state: unknown): Promise<unknown[]> {
  const chunks: Buffer[] = [];
  const fields = { readModel: CORRELATION_INDEX_READ_MODEL, version: 2, parameterSetVersion: null, position: '0', store: { kind: 'memory' as const, eventHash: 'a'.repeat(64) }, takenAt: '2026-11-28T18:00:00.000Z' };
  await encodeSnapshot(fields, state, async (chunk) => void chunks.push(Buffer.from(chunk)), { chunkBytes: 4_096 });
  return (await openSnapshot(CORRELATION_INDEX_READ_MODEL, Buffer.concat(chunks)).state()) as unknown[];
}

function indexOf(limits: CorrelationIndexLimits, events: readonly RecordedEvent[]): CorrelationIndexReadModel {
  const index = new CorrelationIndexReadModel(limits);
  for (const e of events) index.apply(e);
  return index;
}

const answersFor = (index: CorrelationIndexReadModel, ids: readonly string[]): unknown[] => [...ids, 'never-seen'].map((id) => ({ id, ...index.lookup(id) }));

const limits: CorrelationIndexLimits = { maxCorrelations: 60, maxPositionsPerCorrelation: 4 };

describe('the correlation index snapshot', () => {
  it('restores an index that answers every id, and goes on forgetting, as the one that kept running', async () => {
    const history = requests(3_000, { seed: 1, longest: 7 });
    const live = indexOf(limits, history.events);
    expect(live.lookup(history.ids[0])).toMatchObject({ positions: [], complete: false });
    expect(answersFor(live, history.ids).some((a) => (a as { positions: unknown[] }).positions.length === limits.maxPositionsPerCorrelation)).toBe(true);

    const restored = new CorrelationIndexReadModel(limits);
    restored.restore(await written(live.snapshot()));
    expect(restored.canonicalState()).toEqual(live.canonicalState());
    expect(answersFor(restored, history.ids)).toEqual(answersFor(live, history.ids));

    const later = requests(3_000, { seed: 2, longest: 7, from: history.events.at(-1)?.position });
    for (const e of later.events) {
      live.apply(e);
      restored.apply(e);
    }
    expect(restored.canonicalState()).toEqual(live.canonicalState());
    expect(answersFor(restored, [...history.ids, ...later.ids])).toEqual(answersFor(live, [...history.ids, ...later.ids]));
  });

  it('holds the state at its capture while many more events are applied, forgotten and compacted', async () => {
    const history = requests(2_000, { seed: 3, longest: 5 });
    const live = indexOf(limits, history.events);
    const atCapture = live.canonicalState();
    const captured = live.snapshot();
    // Enough new ids to forget every captured one and to grow, compact and shift the index's arrays many times over.
    for (const e of requests(40_000, { seed: 4, longest: 5, from: history.events.at(-1)?.position }).events) live.apply(e);
    expect(live.canonicalState()).not.toEqual(atCapture);

    const restored = new CorrelationIndexReadModel(limits);
    restored.restore(await written(captured));
    expect(restored.canonicalState()).toEqual(atCapture);
  });

  it('keeps the count of an id beyond its cap and the marks of ids first seen after forgetting', async () => {
    const small = { maxCorrelations: 2, maxPositionsPerCorrelation: 2 };
    // a is forgotten when c arrives, b when d (first seen after forgetting) does; c has one event beyond its cap.
    const live = indexOf(small, [event(0n, 'a'), event(1n, 'b'), event(2n, 'c'), event(3n, 'c'), event(4n, 'c'), event(5n, 'd')]);
    const restored = new CorrelationIndexReadModel(small);
    restored.restore(await written(live.snapshot()));
    expect(restored.lookup('a')).toEqual({ positions: [], complete: false, indexedFrom: 2n });
    expect(restored.lookup('c')).toEqual({ positions: [2n, 3n], complete: false, indexedFrom: 2n });
    expect(restored.lookup('d')).toEqual({ positions: [5n], complete: false, indexedFrom: 2n });
    expect(restored.canonicalState()).toEqual(live.canonicalState());
    expect(restored.canonicalState()).toMatchObject({ correlations: [{ id: 'c', count: 3, afterForgetting: false }, { id: 'd', count: 1, afterForgetting: true }] });
  });

  it('with room for one id, forgets each id as the next arrives, over thousands of ids', async () => {
    const one = { maxCorrelations: 1, maxPositionsPerCorrelation: 1 };
    const live = indexOf(one, Array.from({ length: 10_000 }, (_, p) => event(BigInt(p), `request-${p}`)));
    expect(live.lookup('request-9998')).toEqual({ positions: [], complete: false, indexedFrom: 9999n });
    expect(live.lookup('request-9999')).toEqual({ positions: [9999n], complete: false, indexedFrom: 9999n });
    const restored = new CorrelationIndexReadModel(one);
    restored.restore(await written(live.snapshot()));
    expect(restored.canonicalState()).toEqual({ indexedFrom: '9999', correlations: [{ id: 'request-9999', count: 1, afterForgetting: true, positions: ['9999'] }] });
  });

  it('refuses limits it cannot keep', () => {
    expect(() => new CorrelationIndexReadModel({ maxCorrelations: 0, maxPositionsPerCorrelation: 10 })).toThrow(RangeError);
    expect(() => new CorrelationIndexReadModel({ maxCorrelations: 10, maxPositionsPerCorrelation: 0.5 })).toThrow(RangeError);
  });

  it('keeps positions beyond 2^53 exactly', async () => {
    const far = 2n ** 60n + 1n;
    const live = indexOf(limits, [event(far, 'far'), event(far + 2n, 'far')]);
    const restored = new CorrelationIndexReadModel(limits);
    restored.restore(await written(live.snapshot()));
    expect(restored.lookup('far').positions).toEqual([far, far + 2n]);
  });

  it('writes the ids as JSON rows of 2,500 (each under 128 KiB of text) and the positions as two binary rows', async () => {
    const index = indexOf({ maxCorrelations: 12_000, maxPositionsPerCorrelation: 10 }, requests(40_000, { seed: 5, longest: 3 }).events);
    const rows = await written(index.snapshot());
    expect(rows).toHaveLength(1 + 5 + 2);
    expect(rows.map((row) => (ArrayBuffer.isView(row) ? 'binary' : Array.isArray(row) ? row.length : 'header'))).toEqual(['header', 2_500, 2_500, 2_500, 2_500, 2_000, 'binary', 'binary']);
    for (const row of rows.slice(1, 6)) expect(JSON.stringify(row).length).toBeLessThan(128 * 1024);
  });
});

describe('a correlation index snapshot that is not one', () => {
  type Rows = unknown[];
  let valid: Rows;
  const small = { maxCorrelations: 3, maxPositionsPerCorrelation: 2 };

  beforeAll(async () => {
    // a and b forgotten; c at its cap with one event more, d, and e first seen after forgetting: ids c, d, e and the
    // records of positions 2, 3, 5, 6.
    valid = await written(indexOf(small, [event(0n, 'a'), event(1n, 'b'), event(2n, 'c'), event(3n, 'c'), event(4n, 'c'), event(5n, 'd'), event(6n, 'e')]).snapshot());
  });

  /** A deep copy of the valid snapshot with `change` applied. */
  const changed = (change: (rows: Rows, header: Record<string, unknown>) => void): Rows => {
    const rows = valid.map((row) => (ArrayBuffer.isView(row) ? Buffer.from(row as Uint8Array) : Array.isArray(row) ? [...(row as unknown[])] : { ...(row as object) }));
    change(rows, rows[0] as Record<string, unknown>);
    return rows;
  };
  const floats = (row: unknown): Float64Array => new Float64Array(Uint8Array.from(row as Uint8Array).buffer);
  const words = (row: unknown): BigUint64Array => new BigUint64Array(Uint8Array.from(row as Uint8Array).buffer);
  const bytes = (array: Float64Array | BigUint64Array): Buffer => Buffer.from(array.buffer);

  it('restores the valid one (the cases below differ from it in one thing)', () => {
    const index = new CorrelationIndexReadModel(small);
    index.restore(changed(() => undefined));
    expect(index.lookup('c')).toEqual({ positions: [2n, 3n], complete: false, indexedFrom: 2n });
    expect(index.lookup('e')).toEqual({ positions: [6n], complete: false, indexedFrom: 2n });
  });

  const cases: Array<[string, () => unknown, string]> = [
    ['not a list', () => ({ indexedFrom: '0' }), 'not a list of rows'],
    ['a snapshot of the first version', () => [['12'], ['request-1', 1, false, ['12']]], 'not a header'],
    ['another format', () => changed((_, h) => void (h.format = 'correlation-log/1')), 'format'],
    ['another byte order', () => changed((_, h) => void (h.byteOrder = h.byteOrder === 'LE' ? 'BE' : 'LE')), 'byte order'],
    ['a header with a field more', () => changed((_, h) => void (h.extra = 1)), 'fields'],
    ['indexedFrom not a decimal', () => changed((_, h) => void (h.indexedFrom = '01')), 'indexedFrom'],
    ['a fractional entry count', () => changed((_, h) => void (h.entries = 2.5)), 'entries'],
    ['more ids than the bound', () => changed((_, h) => void (h.entries = 4)), 'at most 3 ids'],
    ['a record count that does not match the rows', () => changed((_, h) => void (h.records = 5)), 'bytes'],
    ['marks without forgetting', () => changed((_, h) => void (h.indexedFrom = '0')), 'nothing was forgotten'],
    ['events beyond the cap of an id below it', () => changed((_, h) => void (h.beyondKept = [[1, 1]])), 'beyond 2 positions'],
    ['a count of zero events beyond the cap', () => changed((_, h) => void (h.beyondKept = [[0, 0]])), 'counts 0 events'],
    ['a row cut off', () => changed((rows) => void rows.pop()), 'rows where'],
    ['a binary row cut short', () => changed((rows) => void (rows[3] = (rows[3] as Buffer).subarray(0, 24))), 'bytes'],
    ['ids as a string', () => changed((rows) => void (rows[1] = 'b,c,d')), 'does not hold'],
    ['a duplicate id', () => changed((rows) => void ((rows[1] as string[])[2] = 'c')), 'appears twice'],
    ['an empty id', () => changed((rows) => void ((rows[1] as string[])[0] = '')), 'other than an id'],
    ['positions out of order', () => changed((rows) => {
      const positions = words(rows[3]);
      [positions[0], positions[1]] = [positions[1], positions[0]];
      rows[3] = bytes(positions);
    }), 'not after'],
    ['a record of no id', () => changed((rows) => {
      const seqs = floats(rows[2]);
      seqs[0] = Number.NaN;
      rows[2] = bytes(seqs);
    }), 'belongs to no id'],
    ['an id first seen out of order', () => changed((rows) => {
      const seqs = floats(rows[2]);
      seqs[0] = seqs.at(-1) ?? 0;
      rows[2] = bytes(seqs);
    }), 'before entry'],
    ['an id with more positions than the cap', () => changed((rows) => {
      const seqs = floats(rows[2]);
      seqs[2] = seqs[0];
      rows[2] = bytes(seqs);
    }), 'more than 2 positions'],
  ];

  it.each(cases)('refuses %s and stays fresh', (_, snapshot, reason) => {
    const index = new CorrelationIndexReadModel(small);
    expect(() => index.restore(snapshot())).toThrow(CorrelationSnapshotRejected);
    expect(() => index.restore(snapshot())).toThrow(reason);
    expect(index.canonicalState()).toEqual({ indexedFrom: '0', correlations: [] });
    index.apply(event(9n, 'f'));
    expect(index.lookup('f')).toEqual({ positions: [9n], complete: true, indexedFrom: 0n });
  });

  it('refuses a snapshot into an index that already has entries', () => {
    const index = indexOf(small, [event(0n, 'x')]);
    expect(() => index.restore(valid)).toThrow('already has entries');
    expect(index.lookup('x').positions).toEqual([0n]);
  });
});

describe('the correlation index across a restart of a SQLite ledger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concordat-correlations-restore-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const restartLimits = { maxCorrelations: 150, maxPositionsPerCorrelation: 4 };

  /** Requests of 1–6 events each, appended as one batch per request. */
  async function appendRequests(store: EventStore, from: number, to: number): Promise<string[]> {
    const ids: string[] = [];
    for (let n = from; n < to; n++) {
      const correlationId = `request-${n}`;
      ids.push(correlationId);
      const events = Array.from({ length: 1 + (n % 6) }, (_, i) => ({
        id: `00000000-0000-4000-8000-${(n * 8 + i).toString(16).padStart(12, '0')}`,
        type: 'commitment.DeliveryRecorded',
        data: { n, i },
        metadata: { actor: 'user:lyon-treasurer', role: 'treasurer', correlationId, schemaVersion: 1 },
      }));
      await store.appendToStream(`commitment-${n % 13}`, events, 'any');
    }
    return ids;
  }

  /** The index built from the whole log, as a rebuild would. */
  async function rebuiltFrom(store: EventStore): Promise<CorrelationIndexReadModel> {
    const index = new CorrelationIndexReadModel(restartLimits);
    let after: bigint | undefined;
    for (let page = 0; page < 10_000; page++) {
      const { events } = await store.readAll(after === undefined ? { maxCount: 500 } : { after, maxCount: 500 });
      for (const e of events) index.apply(e);
      if (events.length === 0) break;
      after = events[events.length - 1].position;
    }
    return index;
  }

  async function startCaughtUp(store: EventStore): Promise<{ runner: ProjectionRunner; index: CorrelationIndexReadModel; warnings: string[] }> {
    const warnings: string[] = [];
    const runner = new ProjectionRunner(store, { snapshots: new DirectorySnapshotStore(join(dir, 'snapshots')), onWarning: (m) => warnings.push(m) });
    const index = new CorrelationIndexReadModel(restartLimits);
    runner.register(index);
    runner.start();
    const head = await store.headPosition();
    if (head !== null && !(await runner.waitFor(head, 60_000))) throw new Error('the correlation index did not catch up within 60 s');
    return { runner, index, warnings };
  }

  it('restores from the snapshot written at stop and answers as an index rebuilt from the log, also after more requests', async () => {
    const path = join(dir, 'ledger.sqlite');
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    const first = openSqliteEventStore({ path, clock, synchronous: 'NORMAL' });
    const ids = await appendRequests(first, 0, 400);
    const started = await startCaughtUp(first);
    await started.runner.stop();
    await first.close();

    const second = openSqliteEventStore({ path, clock, synchronous: 'NORMAL' });
    try {
      const restarted = await startCaughtUp(second);
      expect(restarted.warnings).toEqual([]);
      expect(restarted.runner.status().snapshots?.restored).toEqual([CORRELATION_INDEX_READ_MODEL]);
      expect(restarted.index.canonicalState()).toEqual((await rebuiltFrom(second)).canonicalState());

      ids.push(...(await appendRequests(second, 400, 500)));
      const head = await second.headPosition();
      expect(head !== null && (await restarted.runner.waitFor(head, 60_000))).toBe(true);
      const rebuilt = await rebuiltFrom(second);
      expect(restarted.index.canonicalState()).toEqual(rebuilt.canonicalState());
      expect(answersFor(restarted.index, ids)).toEqual(answersFor(rebuilt, ids));
      // Six events, four kept; the first 350 requests forgotten.
      expect(restarted.index.lookup('request-497')).toMatchObject({ complete: false, positions: { length: 4 } });
      expect(restarted.index.lookup('request-349')).toMatchObject({ complete: false, positions: [] });
      await restarted.runner.stop();
    } finally {
      await second.close();
    }
  }, 120_000);
});
