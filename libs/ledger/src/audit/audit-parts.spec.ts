import { FakeClock } from '../../../event-store/src/clock.js';
import { createMemoryEventStore } from '../../../event-store/src/memory/index.js';
import type { EventStore, ProposedEvent, RecordedEvent } from '../../../event-store/src/port.js';
import type { ReadModel } from '../../../projections/src/read-model.js';
import { CorrelationIndexReadModel } from './correlation-index.read-model.js';
import { readHistory, readStreamHistory } from './history.js';
import { etaMs, ProgressReporter } from './progress.js';
import { rebuild } from './rebuild.js';
import { freshReadModel, NotRebuildableError, stateDigest } from './state-digest.js';

const proposed = (n: number, type: string, correlationId: string): ProposedEvent => ({
  id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
  type,
  data: { n, occurredAt: new Date(Date.UTC(2025, 0, 1) + n * 60_000).toISOString() },
  metadata: { actor: 'admin-1', role: 'admin', correlationId, schemaVersion: 1 },
});

async function ledgerOf(count: number, maxReadCount = 4): Promise<EventStore> {
  const clock = new FakeClock(Date.UTC(2025, 0, 1));
  const store = createMemoryEventStore({ clock, limits: { maxReadCount } });
  for (let n = 0; n < count; n += 1) {
    await store.appendToStream(`thing-${n % 3}`, [proposed(n, n % 2 === 0 ? 'ThingMade' : 'ThingSold', `request-${Math.floor(n / 2)}`)], 'any');
    clock.advance(60_000);
  }
  return store;
}

const recorded = (position: number, correlationId: string): RecordedEvent => ({
  id: `e${position}`,
  type: 'ThingMade',
  stream: 'thing-1',
  revision: BigInt(position),
  position: BigInt(position),
  recordedAt: '2025-01-01T00:00:00.000Z',
  data: {},
  metadata: { actor: 'a', role: 'admin', correlationId, schemaVersion: 1 },
  hash: '0'.repeat(64),
});

describe('the correlation index', () => {
  it('forgets the oldest request beyond its bound and stops vouching for ids seen after that', () => {
    const index = new CorrelationIndexReadModel({ maxCorrelations: 2, maxPositionsPerCorrelation: 10 });
    index.apply(recorded(0, 'a'));
    index.apply(recorded(1, 'b'));
    index.apply(recorded(2, 'a'));
    expect(index.lookup('a')).toEqual({ positions: [0n, 2n], complete: true, indexedFrom: 0n });
    index.apply(recorded(3, 'c'));
    expect(index.lookup('a')).toEqual({ positions: [], complete: false, indexedFrom: 3n });
    index.apply(recorded(4, 'a'));
    expect(index.lookup('a')).toMatchObject({ positions: [4n], complete: false });
    expect(index.lookup('c')).toMatchObject({ positions: [3n], complete: true });
  });

  it('forgets ids in the order they were first seen, over many more ids than it keeps', () => {
    const index = new CorrelationIndexReadModel({ maxCorrelations: 1_000, maxPositionsPerCorrelation: 10 });
    for (let p = 0; p < 5_000; p += 1) index.apply(recorded(p, `request-${p}`));
    expect(index.lookup('request-3999')).toEqual({ positions: [], complete: false, indexedFrom: 4000n });
    expect(index.lookup('request-4000')).toMatchObject({ positions: [4000n], indexedFrom: 4000n });
    expect(index.lookup('request-4999')).toMatchObject({ positions: [4999n] });
  });

  it('keeps a bounded number of positions per id and says the list is partial', () => {
    const index = new CorrelationIndexReadModel({ maxCorrelations: 10, maxPositionsPerCorrelation: 2 });
    for (let p = 0; p < 5; p += 1) index.apply(recorded(p, 'bulk'));
    expect(index.lookup('bulk')).toEqual({ positions: [0n, 1n], complete: false, indexedFrom: 0n });
  });
});

describe('history reads', () => {
  it('stops a filtered scan at its budget with a cursor, and the next page goes on from there', async () => {
    const store = await ledgerOf(20);
    const first = await readHistory(store, { typePrefix: 'ThingSold', occurredFrom: '2025-01-01T00:10:00Z' }, 4);
    const firstPositions = first.items.map((e) => e.position);
    expect(first.nextCursor).not.toBeNull();
    const rest = await readHistory(store, { after: BigInt(first.nextCursor ?? '0'), typePrefix: 'ThingSold', occurredFrom: '2025-01-01T00:10:00Z' }, 100);
    expect(rest.nextCursor).toBeNull();
    expect([...firstPositions, ...rest.items.map((e) => e.position)]).toEqual(['11', '13', '15', '17', '19']);
  });

  it('answers at most `limit` events and a cursor to the rest of a stream', async () => {
    const store = await ledgerOf(12);
    const page = await readStreamHistory(store, 'thing-0', { limit: 3 });
    expect(page.items.map((e) => e.position)).toEqual(['0', '3', '6']);
    expect(page.nextCursor).toBe('2');
    const next = await readStreamHistory(store, 'thing-0', { after: 2n, limit: 3 });
    expect(next).toMatchObject({ nextCursor: null });
    expect(next.items.map((e) => e.position)).toEqual(['9']);
  });
});

class Count implements ReadModel {
  readonly name = 'count';
  readonly version = 1;
  n = 0;
  apply(): void {
    this.n += 1;
  }
  canonicalState(): unknown {
    return { n: this.n };
  }
}

class Configured extends Count {
  constructor(readonly step: number) {
    super();
  }
}

class SelfCopying extends Configured {
  fresh(): ReadModel {
    return new SelfCopying(this.step);
  }
}

describe('fresh read models for rebuilds', () => {
  it('makes a new empty instance of an argument-free read model, leaving the live one alone', async () => {
    const live = new Count();
    live.n = 5;
    const fresh = await freshReadModel(live);
    expect(fresh).toBeInstanceOf(Count);
    expect(fresh).not.toBe(live);
    expect(stateDigest(fresh)).not.toBe(stateDigest(live));
  });

  it('uses fresh() when the model has one, the injector when its constructor needs arguments, and refuses otherwise', async () => {
    expect(await freshReadModel(new SelfCopying(3))).toMatchObject({ step: 3, n: 0 });
    expect(await freshReadModel(new Configured(7), async () => new Configured(7))).toMatchObject({ step: 7 });
    await expect(freshReadModel(new Configured(7))).rejects.toBeInstanceOf(NotRebuildableError);
  });

  it('replays up to a position or a recorded instant, page by page, reporting progress', async () => {
    const store = await ledgerOf(10, 3);
    const progress: number[] = [];
    const byPosition = await rebuild(store, [new Count()] as const, { untilPosition: 6n }, (p) => progress.push(p.eventsApplied));
    expect(byPosition).toMatchObject({ position: 6n, eventsApplied: 7 });
    expect(progress).toEqual([3, 6]);
    const byInstant = await rebuild(store, [new Count()] as const, { untilRecordedAt: '2025-01-01T00:04:00.000Z' });
    expect(byInstant).toMatchObject({ position: 4n, eventsApplied: 5 });
  });
});

describe('progress with an estimate of the time left', () => {
  it('estimates from the rate so far and writes at most one line a second, plus the final one', () => {
    expect(etaMs(25, 100, 1000)).toBe(3000);
    expect(etaMs(0, 100, 1000)).toBeNull();
    let now = 0;
    const lines: string[] = [];
    const progress = new ProgressReporter('verify', 100, { write: (l) => lines.push(l), nowMs: () => now });
    now = 1000;
    progress.update(25);
    now = 1500;
    progress.update(40);
    now = 2000;
    progress.finish(100);
    expect(lines).toEqual(['verify: 25/100 events (25%), 1.0s elapsed, 25/s, ETA 3.0s', 'verify: 100/100 events (100%), 2.0s elapsed, 50/s, ETA 0.0s done']);
  });
});
