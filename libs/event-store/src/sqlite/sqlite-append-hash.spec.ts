import fc from 'fast-check';
import { FakeClock } from '../clock.js';
import { InvalidAppendError } from '../errors.js';
import { canonicalJson, eventHash, GENESIS_HASH } from '../integrity.js';
import type { EventStore, ProposedEvent, RecordedEvent } from '../port.js';
import { openSqliteEventStore } from './sqlite-event-store.js';
import { tempLogPath } from './test-support.js';

/** A UUID made from a counter, so a fixed log has fixed ids. */
const uuidOf = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** Every hash in the log, recomputed from what is read back with integrity.ts, the definition auditors use. */
function expectChainRecomputes(events: readonly RecordedEvent[]): void {
  let previous = GENESIS_HASH;
  for (const e of events) {
    expect(e.hash).toBe(eventHash(previous, { ...e, dataJson: canonicalJson(e.data), metadataJson: canonicalJson(e.metadata) }));
    previous = e.hash;
  }
}

async function readWholeLog(store: EventStore): Promise<RecordedEvent[]> {
  const page = await store.readAll({ maxCount: 10_000 });
  expect(page.isEnd).toBe(true);
  return page.events;
}

describe('SQLite appends: the hash chain over what was written', () => {
  let file: ReturnType<typeof tempLogPath>;
  let store: EventStore;
  let clock: FakeClock;
  beforeEach(() => {
    file = tempLogPath();
    clock = new FakeClock(Date.parse('2026-11-28T00:00:00.000Z'));
    store = openSqliteEventStore({ path: file.path, clock, synchronous: 'NORMAL' });
  });
  afterEach(async () => {
    await store.close();
    file.remove();
  });

  it('hashes appends of any size, any JSON and any stream and type names exactly as integrity.ts defines it', async () => {
    // Data and metadata: any UTF-16 code unit, lone surrogates included. Names: any code point (a lone surrogate in a
    // name is refused, see below), so text outside ASCII and outside the BMP.
    const unit = fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u));
    const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s));
    const appendArb = fc.record({
      type: name,
      stream: name,
      // Up to 230 events: one, several, and more than one multi-row INSERT (100 rows each).
      count: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 95, max: 230 })),
      data: fc.array(fc.jsonValue({ stringUnit: unit, maxDepth: 3 }), { minLength: 1, maxLength: 4 }),
      actor: fc.string({ unit, maxLength: 10 }),
    });
    let run = 0;
    let written = 0;
    await fc.assert(
      fc.asyncProperty(appendArb, async ({ type, stream, count, data, actor }) => {
        run += 1;
        const events: ProposedEvent[] = Array.from({ length: count }, (_, i) => ({
          id: uuidOf(written + i),
          type,
          data: data[i % data.length],
          metadata: { actor, role: 'auditor', correlationId: `run-${run}`, schemaVersion: 1 },
        }));
        const result = await store.appendToStream(`${run}-${stream}`, events, 'no_stream');
        written += count;
        expect(result.position).toBe(BigInt(written - 1));
      }),
      { numRuns: 30 },
    );
    const log = await readWholeLog(store);
    expect(log).toHaveLength(written);
    expectChainRecomputes(log);
    expect(await store.verify()).toMatchObject({ ok: true, checked: written });
  });

  it('refuses a stream name or event type with a lone surrogate, which SQLite could not store as hashed, and writes nothing', async () => {
    const event = (type: string): ProposedEvent => ({
      id: uuidOf(1),
      type,
      data: { note: 'lone \ud800 in data is escaped, so it is fine' },
      metadata: { actor: 'city:porto', role: 'finance-officer', correlationId: 'c-1', schemaVersion: 1 },
    });
    const grouped = tempLogPath();
    const groupedStore = openSqliteEventStore({ path: grouped.path, groupCommit: true, synchronous: 'NORMAL' });
    try {
      for (const s of [store, groupedStore]) {
        await expect(s.appendToStream('fund-\ud800', [event('transfer.sent')], 'no_stream')).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(s.appendToStream('fund-a', [event('transfer.\udc00sent')], 'no_stream')).rejects.toBeInstanceOf(InvalidAppendError);
        expect(await s.headPosition()).toBeNull();
      }
    } finally {
      await groupedStore.close();
      grouped.remove();
    }
    // A surrogate pair is one code point, stored and hashed alike.
    await store.appendToStream('fund-\ud83d\ude00', [event('transfer.\ud83d\ude00')], 'no_stream');
    const log = await readWholeLog(store);
    expect(log.map((e) => [e.stream, e.type])).toEqual([['fund-\ud83d\ude00', 'transfer.\ud83d\ude00']]);
    expectChainRecomputes(log);
    expect(await store.verify()).toMatchObject({ ok: true, checked: 1 });
  });

  it('writes a fixed log to the same head hash as the builds before it, so their logs still verify', async () => {
    // 250 events across three INSERTs, then one more append: names and data outside ASCII, a lone surrogate, nesting.
    const event = (n: number): ProposedEvent => ({
      id: uuidOf(n),
      type: n % 3 === 0 ? 'transfer.sent' : 'fund.noté',
      data: { amount: `${n}.25`, city: n % 2 === 0 ? '上海' : 'Zürich', note: n % 7 === 0 ? 'lone \ud800' : 'ok', nested: { z: n, a: [true, null] } },
      metadata: { actor: 'city:上海', role: 'finance-officer', correlationId: `c-${n}`, schemaVersion: 1 },
    });
    await store.appendToStream('fund-上海', Array.from({ length: 250 }, (_, n) => event(n)), 'no_stream');
    clock.advance(1_000);
    const last = await store.appendToStream('transfer-α', [event(250), event(251)], 'no_stream');
    const log = await readWholeLog(store);
    expectChainRecomputes(log);
    expect(last.position).toBe(251n);
    // Computed by the store as it was before its batch path was tuned (commit 6f51eb7); the hash chain of every
    // existing log depends on the bytes this pins.
    expect(log[log.length - 1]?.hash).toBe('89a3554fc3d800a85659306f903aa1108a2457f0721fcfef58c65f49186e431c');
  });
});
