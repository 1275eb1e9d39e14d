import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract, type ContractFactory } from '../contract/event-store.contract.js';
import { WrongExpectedRevisionError } from '../errors.js';
import { canonicalJson, eventHash } from '../integrity.js';
import type { EventStore } from '../port.js';
import { openSqliteEventStore } from './sqlite-event-store.js';
import { tempLogPath, transfers } from './test-support.js';

const sqliteSubject =
  (groupCommit: boolean, synchronous: 'NORMAL' | 'FULL' = 'NORMAL'): ContractFactory =>
  (options) => {
    const dir = mkdtempSync(join(tmpdir(), 'concordat-contract-'));
    const path = join(dir, 'log.sqlite');
    // NORMAL keeps the suites quick; FULL without group commit is the same code path with one more fsync per commit.
    const open = (): EventStore => openSqliteEventStore({ path, limits: options?.limits, synchronous, groupCommit });
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
  };

const capabilities = { gaplessPositions: true, globalHashChain: true, durable: true };
describeEventStoreContract('SQLite', sqliteSubject(false), capabilities);
describeEventStoreContract('SQLite with group commit', sqliteSubject(true), capabilities);
// FULL with group commit takes its own path: commits under NORMAL, WAL synced off the event loop before acknowledging.
describeEventStoreContract('SQLite with group commit, FULL (WAL synced off the event loop)', sqliteSubject(true, 'FULL'), capabilities);

describe('SQLite appends larger than one INSERT statement', () => {
  // The store writes an append in multi-row INSERTs of at most 100 rows: 250 events take three of them.
  const LARGE = 250;
  let file: ReturnType<typeof tempLogPath>;
  afterEach(() => file.remove());

  for (const groupCommit of [false, true]) {
    describe(groupCommit ? 'with group commit' : 'one append per commit', () => {
      let store: EventStore;
      beforeEach(() => {
        file = tempLogPath();
        store = openSqliteEventStore({ path: file.path, groupCommit });
      });
      afterEach(() => store.close());

      it('writes every event of a large append at consecutive revisions and positions, each hash chained to the one before', async () => {
        await store.appendToStream('fund-a', transfers(3), 'no_stream');
        const batch = transfers(LARGE, 3);
        expect(await store.appendToStream('fund-a', batch, 2n)).toEqual({ nextExpectedRevision: BigInt(LARGE + 2), position: BigInt(LARGE + 2) });
        const read = await store.readStream('fund-a', { fromRevision: 3n, maxCount: LARGE });
        expect(read.map((e) => e.id)).toEqual(batch.map((e) => e.id));
        expect(read.map((e) => e.revision)).toEqual(Array.from({ length: LARGE }, (_, i) => BigInt(i + 3)));
        expect(read.map((e) => e.position)).toEqual(Array.from({ length: LARGE }, (_, i) => BigInt(i + 3)));
        const [before] = await store.readStream('fund-a', { fromRevision: 2n, maxCount: 1 });
        if (before === undefined) throw new Error('revision 2 should be there');
        let previous = before.hash;
        for (const event of read) {
          expect(event.hash).toBe(eventHash(previous, { ...event, dataJson: canonicalJson(event.data), metadataJson: canonicalJson(event.metadata) }));
          previous = event.hash;
        }
        expect(await store.verify()).toMatchObject({ ok: true, checked: LARGE + 3 });
      });

      it('answers a repeat of a large append with its first result and writes nothing', async () => {
        const batch = transfers(LARGE);
        const first = await store.appendToStream('fund-a', batch, 'no_stream');
        expect(await store.appendToStream('fund-a', batch, 'no_stream')).toEqual({ ...first, repeated: true });
        expect(await store.headPosition()).toBe(BigInt(LARGE - 1));
      });

      it('refuses a large append whose last event was already written, leaving nothing of its earlier rows', async () => {
        const [written] = transfers(1);
        if (written === undefined) throw new Error('one event expected');
        await store.appendToStream('fund-a', [written], 'no_stream');
        const overlapping = [...transfers(LARGE - 1, 1), written];
        await expect(store.appendToStream('fund-a', overlapping, 'any')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.streamRevision('fund-a')).toBe(0n);
        expect(await store.headPosition()).toBe(0n);
        const next = await store.appendToStream('fund-a', transfers(2, 1), 0n);
        expect(next).toEqual({ nextExpectedRevision: 2n, position: 2n });
        expect(await store.verify()).toMatchObject({ ok: true, checked: 3 });
      });
    });
  }
});

describe('SQLite group commit', () => {
  let file: ReturnType<typeof tempLogPath>;
  let store: EventStore;
  beforeEach(() => {
    file = tempLogPath();
    store = openSqliteEventStore({ path: file.path, groupCommit: true });
  });
  afterEach(async () => {
    await store.close();
    file.remove();
  });

  it('checks each append of a shared commit against its own stream: one of many racers per revision wins', async () => {
    await store.appendToStream('fund-a', transfers(1), 'no_stream');
    const racers = Array.from({ length: 30 }, () => transfers(1));
    const outcomes = await Promise.allSettled(racers.map((events) => store.appendToStream('fund-a', events, 0n)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(lost).toHaveLength(29);
    for (const o of lost) expect(o.reason).toMatchObject({ constructor: WrongExpectedRevisionError, expected: 0n, actual: 1n });
    expect(await store.streamRevision('fund-a')).toBe(1n);
  });

  it('recognises a repeat queued in the same commit as its original and writes it once', async () => {
    const batch = transfers(3);
    const [first, repeat] = await Promise.all([
      store.appendToStream('fund-a', batch, 'no_stream'),
      store.appendToStream('fund-a', batch, 'no_stream'),
    ]);
    expect(repeat).toEqual({ ...first, repeated: true });
    expect(await store.headPosition()).toBe(2n);
  });

  it('keeps the appends that succeeded when another in the same commit fails, and all survive a reopen', async () => {
    const streams = Array.from({ length: 40 }, (_, i) => `fund-${i}`);
    const outcomes = await Promise.allSettled([
      ...streams.map((s) => store.appendToStream(s, transfers(2), 'no_stream')),
      store.appendToStream('fund-missing', transfers(1), 'stream_exists'),
    ]);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(1);
    await store.close();
    store = openSqliteEventStore({ path: file.path, groupCommit: true });
    for (const s of streams) expect(await store.streamRevision(s)).toBe(1n);
    expect(await store.streamExists('fund-missing')).toBe(false);
    expect(await store.verify()).toMatchObject({ ok: true, checked: 80 });
    expect((await store.readAll({ maxCount: 100 })).events.map((e) => e.position)).toEqual(
      Array.from({ length: 80 }, (_, i) => BigInt(i)),
    );
  });

  it('undoes only the refused append of a shared commit, though the refusal came after it had written rows', async () => {
    const [written] = transfers(1);
    if (written === undefined) throw new Error('one event expected');
    await store.appendToStream('fund-a', [written], 'no_stream');
    // 250 events, the last already in the stream: three INSERTs, the third refused at its 50th row.
    const overlapping = [...transfers(249, 1), written];
    const before = Array.from({ length: 10 }, (_, i) => `fund-before-${i}`);
    const after = Array.from({ length: 10 }, (_, i) => `fund-after-${i}`);
    const outcomes = await Promise.allSettled([
      ...before.map((s) => store.appendToStream(s, transfers(2), 'no_stream')),
      store.appendToStream('fund-a', overlapping, 'any'),
      ...after.map((s) => store.appendToStream(s, transfers(2), 'no_stream')),
    ]);
    const refused = outcomes[before.length];
    expect(refused).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedRevisionError) as unknown });
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(before.length + after.length);
    expect(await store.streamRevision('fund-a')).toBe(0n);
    for (const s of [...before, ...after]) expect(await store.streamRevision(s)).toBe(1n);
    const total = 1 + 2 * (before.length + after.length);
    expect((await store.readAll({ maxCount: 1_000 })).events.map((e) => e.position)).toEqual(
      Array.from({ length: total }, (_, i) => BigInt(i)),
    );
    expect(await store.verify()).toMatchObject({ ok: true, checked: total });
  });

  it('turns away single events the index refuses (their stream exists, or their id is taken) and keeps the commit whole around them', async () => {
    const [taken] = transfers(1);
    if (taken === undefined) throw new Error('one event expected');
    await store.appendToStream('fund-a', [taken], 'no_stream');
    const outcomes = await Promise.allSettled([
      store.appendToStream('fund-b', transfers(1), 'no_stream'),
      // One-row INSERTs turned away by the unique (stream, revision) and (stream, id) indices, then redone with the
      // lookups: a conflict, and a repeat answered with the first result. No savepoint undoes them: none is needed.
      store.appendToStream('fund-a', transfers(1), 'no_stream'),
      store.appendToStream('fund-c', transfers(1), 'no_stream'),
      store.appendToStream('fund-a', [taken], 'any'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({ reason: expect.any(WrongExpectedRevisionError) as unknown });
    expect(outcomes[3]).toMatchObject({ value: { position: 0n, repeated: true } });
    expect((await store.readAll({ maxCount: 10 })).events.map((e) => [e.stream, e.position])).toEqual([
      ['fund-a', 0n],
      ['fund-b', 1n],
      ['fund-c', 2n],
    ]);
    expect(await store.verify()).toMatchObject({ ok: true, checked: 3 });
  });

  it('refuses appends still waiting when the store closes', async () => {
    const waiting = store.appendToStream('fund-a', transfers(1), 'no_stream');
    await store.close();
    await expect(waiting).rejects.toMatchObject({ code: 'store_closed' });
  });
});

describe('SQLite reads just behind the head (answered from the rows this connection committed last)', () => {
  let file: ReturnType<typeof tempLogPath>;
  const opened: EventStore[] = [];
  const open = (groupCommit: boolean): EventStore => {
    const store = openSqliteEventStore({ path: file.path, groupCommit });
    opened.push(store);
    return store;
  };
  beforeEach(() => {
    file = tempLogPath();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    file.remove();
  });

  /** Every page of the log after `after`, read page by page of `pageSize`. */
  async function pages(store: EventStore, after: bigint | 'start', pageSize: number): Promise<unknown[]> {
    const events: unknown[] = [];
    let cursor = after;
    for (let i = 0; i < 1_000; i++) {
      const page = await store.readAll({ after: cursor, maxCount: pageSize });
      events.push(...page.events);
      if (page.nextAfter !== null) cursor = page.nextAfter;
      if (page.isEnd) return events;
    }
    throw new Error('the log did not end');
  }

  it('answers exactly what a fresh connection reads from the file, a refused append of a shared commit left out', async () => {
    const writer = open(true);
    await writer.appendToStream('fund-a', transfers(2), 'no_stream');
    const outcomes = await Promise.allSettled([
      writer.appendToStream('fund-b', transfers(3), 'no_stream'),
      // Refused after fund-b's rows are in the same transaction: its savepoint is undone, the others stay.
      writer.appendToStream('fund-a', transfers(1), 'no_stream'),
      writer.appendToStream('fund-c', transfers(2), 'no_stream'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reader = open(false);
    const fromFile = await pages(reader, 'start', 1_000);
    expect(fromFile).toHaveLength(7);
    for (const after of ['start', 0n, 1n, 4n] as const) {
      for (const pageSize of [1, 2, 1_000]) {
        expect(await pages(writer, after, pageSize)).toEqual(await pages(reader, after, pageSize));
      }
    }
  });

  it('reads a large append that shares a commit with small ones from the file, and the small ones around it in order', async () => {
    const writer = open(true);
    await writer.appendToStream('fund-a', transfers(2), 'no_stream');
    // One group: a small append, one too large to be kept, another small one.
    await Promise.all([
      writer.appendToStream('fund-b', transfers(2), 'no_stream'),
      writer.appendToStream('fund-c', transfers(150), 'no_stream'),
      writer.appendToStream('fund-d', transfers(2), 'no_stream'),
    ]);
    const reader = open(false);
    expect(await pages(reader, 'start', 1_000)).toHaveLength(156);
    for (const after of [1n, 3n, 153n]) {
      for (const pageSize of [1, 7, 1_000]) expect(await pages(writer, after, pageSize)).toEqual(await pages(reader, after, pageSize));
    }
  });

  it("reads another connection's rows between its own, in order and without a gap", async () => {
    const mine = open(true);
    const other = open(false);
    await mine.appendToStream('fund-a', transfers(3), 'no_stream');
    await other.appendToStream('fund-b', transfers(2), 'no_stream');
    // The other connection's commit is seen from the next event-loop turn on.
    await new Promise((resolve) => setImmediate(resolve));
    await mine.appendToStream('fund-c', transfers(2), 'no_stream');
    const streams = (events: unknown[]): string[] => events.map((e) => (e as { stream: string }).stream);
    const expected = ['fund-a', 'fund-a', 'fund-a', 'fund-b', 'fund-b', 'fund-c', 'fund-c'];
    expect(streams(await pages(mine, 'start', 2))).toEqual(expected);
    expect(streams(await pages(mine, 2n, 1_000))).toEqual(expected.slice(3));
    expect(await pages(mine, 'start', 3)).toEqual(await pages(other, 'start', 3));
  });
});
