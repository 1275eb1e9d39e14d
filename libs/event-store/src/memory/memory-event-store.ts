import { systemClock, toIso, type Clock } from '../clock.js';
import { StoreClosedError, StreamNotFoundError } from '../errors.js';
import { eventHash, GENESIS_HASH } from '../integrity.js';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  IntegrityReport,
  ProposedEvent,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecordedEvent,
  StoreLimits,
  SubscribeOptions,
  Subscription,
} from '../port.js';
import {
  AppendSignal,
  boundedCount,
  decideAppend,
  matchesTypePrefix,
  prepareAppend,
  PullSubscription,
  resolveLimits,
  streamSlice,
  verifyChain,
  type StoredEvent,
} from '../shared/index.js';

export interface MemoryEventStoreOptions {
  clock?: Clock;
  limits?: Partial<StoreLimits>;
}

interface MemoryStream {
  events: StoredEvent[];
  byId: Map<string, StoredEvent>;
}

/** How many positions a filtered readAll page may scan per event it may return, so a rare type cannot stall a page. */
const SCAN_FACTOR = 64;

const toRecorded = (e: StoredEvent): RecordedEvent => ({
  id: e.id,
  type: e.type,
  stream: e.stream,
  revision: e.revision,
  position: e.position,
  recordedAt: e.recordedAt,
  // Parsed afresh on every read, so no caller can change what the log holds.
  data: JSON.parse(e.dataJson) as unknown,
  metadata: JSON.parse(e.metadataJson) as RecordedEvent['metadata'],
  hash: e.hash,
});

class MemoryEventStore implements EventStore {
  readonly kind = 'memory' as const;
  readonly limits: StoreLimits;
  readonly reportsRepeats = true;
  private readonly clock: Clock;
  private readonly log: StoredEvent[] = [];
  private readonly streams = new Map<string, MemoryStream>();
  private readonly signal = new AppendSignal();

  constructor(options: MemoryEventStoreOptions) {
    this.clock = options.clock ?? systemClock;
    this.limits = resolveLimits(options.limits);
  }

  appendToStream(stream: string, events: readonly ProposedEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    try {
      return Promise.resolve(this.append(stream, events, expected));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.run(() => {
      const found = this.streams.get(stream);
      if (found === undefined) throw new StreamNotFoundError(stream);
      const slice = streamSlice(BigInt(found.events.length - 1), options, this.limits);
      const out: RecordedEvent[] = [];
      const step = slice.backwards ? -1 : 1;
      for (let i = 0, r = Number(slice.from); i < slice.count; i++, r += step) {
        out.push(toRecorded(found.events[r] as StoredEvent));
      }
      return out;
    });
  }

  readAll(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    return this.run(() => {
      const maxCount = boundedCount(options.maxCount, this.limits);
      const start = options.after === undefined || options.after === 'start' ? 0 : Number(options.after) + 1;
      const scanEnd = Math.min(this.log.length, start + maxCount * SCAN_FACTOR);
      const events: RecordedEvent[] = [];
      let last: bigint | null = null;
      for (let p = start; p < scanEnd && events.length < maxCount; p++) {
        const e = this.log[p] as StoredEvent;
        last = e.position;
        if (matchesTypePrefix(e.type, options.typePrefixes)) events.push(toRecorded(e));
      }
      const isEnd = last === null ? true : Number(last) === this.log.length - 1;
      return { events, nextAfter: last, isEnd };
    });
  }

  streamExists(stream: string): Promise<boolean> {
    return this.run(() => this.streams.has(stream));
  }

  streamRevision(stream: string): Promise<bigint | null> {
    return this.run(() => {
      const found = this.streams.get(stream);
      return found === undefined ? null : BigInt(found.events.length - 1);
    });
  }

  headPosition(): Promise<bigint | null> {
    return this.run(() => (this.log.length === 0 ? null : BigInt(this.log.length - 1)));
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    if (this.signal.closed) throw new StoreClosedError();
    return new PullSubscription(
      { readAll: (o) => this.readAll(o), signal: this.signal, maxReadCount: this.limits.maxReadCount },
      options,
    );
  }

  verify(from: bigint = 0n): Promise<IntegrityReport> {
    return this.run(() => {
      if (from < 0n) throw new RangeError(`verify from must not be negative, got ${from}`);
      const start = Number(from);
      // As on SQLite: a chain cannot be checked from a link that is not there (genesis would vouch for nothing).
      if (start > this.log.length) return { ok: false, checked: 0, firstBadPosition: from - 1n, reason: `position ${from - 1n} is missing`, headHash: null };
      const previous = start === 0 ? GENESIS_HASH : (this.log[start - 1] as StoredEvent).hash;
      return verifyChain(this.log.slice(start), from, previous);
    });
  }

  close(): Promise<void> {
    this.signal.close();
    return Promise.resolve();
  }

  private run<T>(read: () => T): Promise<T> {
    try {
      if (this.signal.closed) throw new StoreClosedError();
      return Promise.resolve(read());
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** Synchronous from decision to write, so concurrent appends to one stream serialize and exactly one wins. */
  private append(stream: string, proposed: readonly ProposedEvent[], expected: ExpectedRevision): AppendResult {
    if (this.signal.closed) throw new StoreClosedError();
    const prepared = prepareAppend(stream, proposed, this.limits);
    const existing = this.streams.get(stream);
    const current = existing === undefined ? null : BigInt(existing.events.length - 1);
    const decision = decideAppend(
      stream,
      expected,
      current,
      prepared.map((e) => existing?.byId.get(e.id)),
    );
    if (decision.kind === 'already_written') {
      return { nextExpectedRevision: decision.revision, position: decision.position, repeated: true };
    }
    const target: MemoryStream = existing ?? { events: [], byId: new Map() };
    const recordedAt = toIso(this.clock.nowMs());
    let previousHash = this.log[this.log.length - 1]?.hash ?? GENESIS_HASH;
    let revision = decision.firstRevision;
    for (const e of prepared) {
      const fields = {
        id: e.id,
        type: e.type,
        stream,
        revision,
        position: BigInt(this.log.length),
        recordedAt,
        dataJson: e.dataJson,
        metadataJson: e.metadataJson,
      };
      const stored: StoredEvent = { ...fields, hash: eventHash(previousHash, fields) };
      this.log.push(stored);
      target.events.push(stored);
      target.byId.set(stored.id, stored);
      previousHash = stored.hash;
      revision += 1n;
    }
    if (existing === undefined) this.streams.set(stream, target);
    this.signal.notify();
    return { nextExpectedRevision: revision - 1n, position: BigInt(this.log.length - 1) };
  }
}

/** An event store held in memory: for unit tests and `CONCORDAT_STORE=memory`. Same semantics as SQLite. */
export function createMemoryEventStore(options: MemoryEventStoreOptions = {}): EventStore {
  return new MemoryEventStore(options);
}
