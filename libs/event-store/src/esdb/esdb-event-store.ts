/**
 * The log port on EventStoreDB (gRPC, @eventstore/db-client 6.x): the store the ledger scales out on.
 *
 * How it differs from the embedded stores (memory, SQLite), on purpose:
 * - Positions are EventStoreDB's commit positions (byte offsets in its log): increasing, never gapless. The
 *   prepare position is assumed equal to the commit position when paging, which holds for single-stream appends.
 *   `readAll({ after })` and `subscribeToAll({ after })` expect a position the store reported (an event's position
 *   or a page's `nextAfter`); EventStoreDB refuses a position that falls inside a record.
 * - Integrity is a hash chain per stream, not one global chain: several writers append concurrently, so no writer
 *   knows the global predecessor. Each event's custom metadata carries `concordat: { recordedAt, prevHash, hash }`;
 *   the hash covers the same fields as the embedded store's except the position (assigned by the server after
 *   hashing; hashed as -1). `verify()` walks `$all` and checks every stream's chain.
 * - To chain, an append first reads the stream's head. `any` and `stream_exists` are therefore sent as the exact
 *   revision just read and retried (bounded) when another writer got there first, so a chain is never forked.
 *   Their idempotency is checked by the adapter against the stream's tail (the last `maxReadCount` events), as
 *   EventStoreDB's own id check is best effort too; exact revisions and `no_stream` are checked by the server.
 * - Stream reads on servers older than 22.x carry no position; such events report position -1.
 * - `$`-prefixed (system) events and streams are skipped, and so are other applications' events on a shared node
 *   (no concordat block in their metadata at all) when reading `$all`, subscribing, or finding the head: a read model
 *   never stops on them and the lag is counted in ledger events. `verify()` reports such an event inside a ledger
 *   stream. An event whose block is present but malformed raises an EnvelopeError everywhere.
 * - Every call has a deadline (`deadlineMs`); an exceeded one raises StoreDeadlineExceededError, and an append that
 *   timed out may still have been written (retry it with the same ids: it is idempotent).
 * - Subscriptions reconnect by themselves (bounded attempts) and resume after the last event or checkpoint seen.
 */
import esdb from '@eventstore/db-client';
import type { AppendExpectedRevision, EventStoreDBClient as Client, ResolvedEvent, Position } from '@eventstore/db-client';
import type { Clock } from '../clock.js';
import { systemClock, toIso } from '../clock.js';
import { StoreClosedError, StreamNotFoundError, WrongExpectedRevisionError } from '../errors.js';
import { GENESIS_HASH } from '../integrity.js';
import type {
  AppendResult,
  EventMetadata,
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
import { prepareAppend, type PreparedEvent } from '../shared/append.js';
import { boundedCount, resolveLimits } from '../shared/limits.js';
import { matchesTypePrefix } from '../shared/read.js';
import { chainHash, decodeEvent, encodeMetadata, isForeignEvent, isSystemEvent, recomputeHash, type DecodedEvent } from './envelope.js';
import { StoreDeadlineExceededError, StoreUnavailableError } from './errors.js';
import { EsdbSubscription, type ReconnectPolicy } from './esdb-subscription.js';

const { EventStoreDBClient, jsonEvent, START, END, FORWARDS, BACKWARDS } = esdb;

export interface EsdbEventStoreOptions {
  /** e.g. `esdb://node1:2113,node2:2113,node3:2113?tls=true` or `esdb://localhost:2113?tls=false`. */
  connectionString: string;
  clock?: Clock;
  limits?: Partial<StoreLimits>;
  /** Longest wait for any one call, in milliseconds (default 10 000). */
  deadlineMs?: number;
  reconnect?: Partial<ReconnectPolicy>;
}

/** Attempts for `any` / `stream_exists` appends that lose a race to another writer. */
const MAX_APPEND_ATTEMPTS = 8;
/** Pages a `verify()` or `headPosition()` walk may take before it stops. */
const MAX_WALK_PAGES = 1_000_000;
const HEAD_PAGE = 64;

const DEFAULT_RECONNECT: ReconnectPolicy = { maxAttempts: 40, initialDelayMs: 100, maxDelayMs: 2_000 };

/** The client's error classes are matched by their `type` tag, which survives duplicated module instances. */
function commandErrorType(error: unknown): string | null {
  return typeof error === 'object' && error !== null && 'type' in error && typeof error.type === 'string' ? error.type : null;
}

const toClientRevision = (expected: bigint | 'no_stream'): AppendExpectedRevision => expected;

export function openEsdbEventStore(options: EsdbEventStoreOptions): EventStore {
  return new EsdbEventStore(options);
}

class EsdbEventStore implements EventStore {
  readonly kind = 'esdb' as const;
  readonly limits: StoreLimits;
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly deadlineMs: number;
  private readonly reconnect: ReconnectPolicy;
  private readonly subscriptions = new Set<EsdbSubscription>();
  private closed = false;

  constructor(options: EsdbEventStoreOptions) {
    this.limits = resolveLimits(options.limits);
    this.clock = options.clock ?? systemClock;
    this.deadlineMs = options.deadlineMs ?? 10_000;
    if (!Number.isSafeInteger(this.deadlineMs) || this.deadlineMs <= 0) {
      throw new RangeError(`deadlineMs must be a positive integer, got ${this.deadlineMs}`);
    }
    this.reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.client = EventStoreDBClient.connectionString(options.connectionString);
  }

  async appendToStream(stream: string, events: readonly ProposedEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    const prepared = prepareAppend(stream, events, this.limits);
    const optimistic = expected === 'any' || expected === 'stream_exists';
    let lastActual: bigint | 'no_stream' = 'no_stream';
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const tail = await this.readTail(stream, optimistic ? Math.min(this.limits.maxReadCount, prepared.length + HEAD_PAGE) : 1);
      const head = tail[0] ?? null;
      if (optimistic) {
        if (expected === 'stream_exists' && head === null) throw new WrongExpectedRevisionError(stream, expected, 'no_stream');
        const repeat = findRepeat(stream, expected, tail, prepared);
        if (repeat !== null) return repeat;
      }
      const sendExpected: bigint | 'no_stream' = optimistic ? (head?.event.revision ?? 'no_stream') : expected;
      // Only when the head is where the writer expects will the server write; otherwise the hashes are discarded.
      const prevHash = head !== null && (optimistic || head.event.revision === expected) ? head.event.hash : GENESIS_HASH;
      const firstRevision = head !== null && (optimistic || head.event.revision === expected) ? head.event.revision + 1n : 0n;
      try {
        return await this.write(stream, prepared, sendExpected, prevHash, firstRevision);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (!optimistic) throw new WrongExpectedRevisionError(stream, expected, error.actual);
        lastActual = error.actual;
      }
    }
    throw new WrongExpectedRevisionError(stream, expected, lastActual);
  }

  private async write(
    stream: string,
    prepared: readonly PreparedEvent[],
    expected: bigint | 'no_stream',
    prevHash: string,
    firstRevision: bigint,
  ): Promise<AppendResult> {
    const recordedAt = toIso(this.clock.nowMs());
    let previous = prevHash;
    const payload = prepared.map((p, i) => {
      const hash = chainHash(previous, {
        id: p.id,
        type: p.type,
        stream,
        revision: firstRevision + BigInt(i),
        recordedAt,
        dataJson: p.dataJson,
        metadataJson: p.metadataJson,
      });
      const event = jsonEvent({
        id: p.id,
        type: p.type,
        data: JSON.parse(p.dataJson) as Record<string, unknown>,
        // prepareAppend checked the metadata object and serialized it canonically; parsing gives it back as written.
        metadata: encodeMetadata(JSON.parse(p.metadataJson) as EventMetadata, { recordedAt, prevHash: previous, hash }),
      });
      previous = hash;
      return event;
    });
    const result = await this.call(`appendToStream(${stream})`, () =>
      this.client.appendToStream(stream, payload, { expectedRevision: toClientRevision(expected), deadline: this.deadlineMs }),
    );
    const position = result.position?.commit ?? (await this.positionOf(stream, result.nextExpectedRevision));
    return { nextExpectedRevision: result.nextExpectedRevision, position };
  }

  private async positionOf(stream: string, revision: bigint): Promise<bigint> {
    const [event] = await this.readRaw(stream, { fromRevision: revision, maxCount: 1 });
    return event?.event.position ?? -1n;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const decoded = await this.readRaw(stream, options);
    return decoded.map((d) => d.event);
  }

  private async readRaw(stream: string, options: ReadStreamOptions): Promise<DecodedEvent[]> {
    const maxCount = boundedCount(options.maxCount, this.limits);
    const from = options.fromRevision ?? (options.direction === 'backwards' ? 'end' : 'start');
    if (typeof from === 'bigint' && from < 0n) throw new RangeError(`fromRevision must not be negative, got ${from}`);
    const read = this.client.readStream(stream, {
      direction: options.direction === 'backwards' ? BACKWARDS : FORWARDS,
      fromRevision: from === 'start' ? START : from === 'end' ? END : from,
      maxCount,
    });
    const resolved = await this.collect(`readStream(${stream})`, read, maxCount);
    return resolved.flatMap((r) => (r.event ? [decodeEvent(r.event, r.commitPosition)] : []));
  }

  /** The stream's last events, newest first; empty when it does not exist. */
  private async readTail(stream: string, count: number): Promise<DecodedEvent[]> {
    try {
      return await this.readRaw(stream, { direction: 'backwards', fromRevision: 'end', maxCount: count });
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    this.assertOpen();
    const maxCount = boundedCount(options.maxCount, this.limits);
    const after = options.after ?? 'start';
    // EventStoreDB reads $all from a position inclusively; the port is exclusive, so ask for one more.
    const requested = after === 'start' ? maxCount : maxCount + 1;
    const read = this.client.readAll({
      direction: FORWARDS,
      fromPosition: after === 'start' ? START : { commit: after, prepare: after },
      maxCount: requested,
    });
    const resolved = await this.collect('readAll', read, requested);
    const scanned = resolved.filter((r) => r.event && (after === 'start' || positionOf(r) > after)).slice(0, maxCount);
    const events: RecordedEvent[] = [];
    for (const r of scanned) {
      const stored = r.event;
      if (!stored || isSystemEvent(stored.type, stored.streamId) || isForeignEvent(stored)) continue;
      if (!matchesTypePrefix(stored.type, options.typePrefixes)) continue;
      events.push(decodeEvent(stored, r.commitPosition).event);
    }
    const last = scanned[scanned.length - 1];
    return { events, nextAfter: last ? positionOf(last) : null, isEnd: resolved.length < requested };
  }

  async streamExists(stream: string): Promise<boolean> {
    return (await this.streamRevision(stream)) !== null;
  }

  async streamRevision(stream: string): Promise<bigint | null> {
    this.assertOpen();
    const [head] = await this.readTail(stream, 1);
    return head?.event.revision ?? null;
  }

  async headPosition(): Promise<bigint | null> {
    this.assertOpen();
    let from: Position | typeof END = END;
    for (let page = 0; page < MAX_WALK_PAGES; page++) {
      const read = this.client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: HEAD_PAGE });
      const resolved = await this.collect('readAll(backwards)', read, HEAD_PAGE);
      const ledger = resolved.find((r) => r.event && !isSystemEvent(r.event.type, r.event.streamId) && !isForeignEvent(r.event));
      if (ledger) return positionOf(ledger);
      const oldest = resolved[resolved.length - 1];
      if (resolved.length < HEAD_PAGE || oldest === undefined) return null;
      from = { commit: positionOf(oldest), prepare: positionOf(oldest) };
    }
    return null;
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const subscription = new EsdbSubscription(this.client, options, this.reconnect, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async verify(from?: bigint): Promise<IntegrityReport> {
    this.assertOpen();
    const heads = new Map<string, { revision: bigint; hash: string }>();
    let checked = 0;
    let headHash: string | null = null;
    const bad = (position: bigint, reason: string): IntegrityReport => ({ ok: false, checked, firstBadPosition: position, reason, headHash });
    // Positions handed to the server are always ones it reported (EventStoreDB refuses a position inside a record):
    // the first page starts at `from` itself, inclusive; later pages at the last event read, exclusive.
    let cursor: { position: bigint; inclusive: boolean } | null = from === undefined || from <= 0n ? null : { position: from, inclusive: true };
    for (let page = 0; page < MAX_WALK_PAGES; page++) {
      const read = this.client.readAll({
        direction: FORWARDS,
        fromPosition: cursor === null ? START : { commit: cursor.position, prepare: cursor.position },
        maxCount: this.limits.maxReadCount,
      });
      const resolved = await this.collect('verify', read, this.limits.maxReadCount);
      for (const r of resolved) {
        const stored = r.event;
        const position = positionOf(r);
        const before = cursor !== null && (cursor.inclusive ? position < cursor.position : position <= cursor.position);
        if (!stored || before || isSystemEvent(stored.type, stored.streamId)) continue;
        if (isForeignEvent(stored)) {
          // Another application's stream is none of the ledger's business; an unsealed event inside a ledger stream is.
          // (One before a stream's first ledger event shows as that event's revision not following on.)
          if (heads.has(stored.streamId)) return bad(position, `stream ${stored.streamId}@${stored.revision}: an event without concordat's integrity block`);
          continue;
        }
        let decoded: DecodedEvent;
        try {
          decoded = decodeEvent(stored, r.commitPosition);
        } catch (error) {
          return bad(position, (error as Error).message);
        }
        const { event } = decoded;
        const previous = heads.get(event.stream) ?? (await this.anchor(event, from));
        const expectedRevision = previous === null ? 0n : previous.revision + 1n;
        if (event.revision !== expectedRevision) {
          return bad(position, `stream ${event.stream}: revision ${event.revision} follows ${expectedRevision - 1n}`);
        }
        if (decoded.prevHash !== (previous?.hash ?? GENESIS_HASH)) {
          return bad(position, `stream ${event.stream}@${event.revision}: the chain link does not match the previous event`);
        }
        if (recomputeHash(decoded) !== event.hash) {
          return bad(position, `stream ${event.stream}@${event.revision}: the hash does not match the event's bytes`);
        }
        heads.set(event.stream, { revision: event.revision, hash: event.hash });
        checked += 1;
        headHash = event.hash;
      }
      const last = resolved[resolved.length - 1];
      if (resolved.length < this.limits.maxReadCount || last === undefined) break;
      cursor = { position: positionOf(last), inclusive: false };
    }
    return { ok: true, checked, firstBadPosition: null, reason: null, headHash };
  }

  /** Where a stream's chain stands before the verified range: trusted as stored when verification starts midway. */
  private async anchor(event: RecordedEvent, from: bigint | undefined): Promise<{ revision: bigint; hash: string } | null> {
    if (from === undefined || event.revision === 0n) return null;
    const [previous] = await this.readRaw(event.stream, { fromRevision: event.revision - 1n, maxCount: 1 });
    return previous ? { revision: previous.event.revision, hash: previous.event.hash } : null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }

  /** Runs one client call under the adapter's deadline and translates the client's errors into the port's. */
  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    // The batch-append path of the client waits for the server with no deadline of its own; this one bounds it.
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreDeadlineExceededError(operation, this.deadlineMs)), this.deadlineMs + 250);
    });
    try {
      return await Promise.race([run(), expired]);
    } catch (error) {
      throw translate(operation, error, this.deadlineMs);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drains a bounded read stream under the deadline, cancelling it if the server stalls. */
  private async collect(operation: string, read: AsyncIterable<ResolvedEvent> & { cancel(): Promise<void> }, limit: number): Promise<ResolvedEvent[]> {
    const out: ResolvedEvent[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void read.cancel();
    }, this.deadlineMs);
    try {
      // Drained to the end rather than left early: an abandoned gRPC read would never finish, and dispose() waits
      // for every read to finish. The server honours the count; anything past it is ignored.
      for await (const resolved of read) {
        if (out.length < limit) out.push(resolved);
      }
    } catch (error) {
      if (timedOut) throw new StoreDeadlineExceededError(operation, this.deadlineMs);
      throw translate(operation, error, this.deadlineMs);
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) throw new StoreDeadlineExceededError(operation, this.deadlineMs);
    return out;
  }
}

const positionOf = (r: ResolvedEvent): bigint => r.commitPosition ?? r.event?.position?.commit ?? -1n;

const field = (error: object, key: string): unknown => (error as Record<string, unknown>)[key];

const asExpected = (value: unknown): ExpectedRevision | null =>
  typeof value === 'bigint' || value === 'no_stream' || value === 'stream_exists' || value === 'any' ? value : null;

function translate(operation: string, error: unknown, deadlineMs: number): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const stream = String(field(error, 'streamName') ?? '');
  switch (commandErrorType(error)) {
    case 'wrong-expected-version': {
      const expected = asExpected(field(error, 'expectedVersion'));
      const actual = field(error, 'actualVersion');
      if (expected === null || (typeof actual !== 'bigint' && actual !== 'no_stream')) return error;
      return new WrongExpectedRevisionError(stream, expected, actual);
    }
    case 'stream-not-found':
      return new StreamNotFoundError(stream);
    case 'deadline-exceeded':
    case 'timeout':
      return new StoreDeadlineExceededError(operation, deadlineMs);
    case 'unavailable':
    case 'cancelled':
    case 'not-leader':
      return new StoreUnavailableError(operation, String(field(error, 'message') ?? ''));
    default:
      return error;
  }
}

/**
 * An `any` / `stream_exists` append whose ids are already the newest events of the stream's tail is a repeat:
 * it returns where they were written. Some but not all of them there, or out of order, is a conflict.
 */
function findRepeat(
  stream: string,
  expected: ExpectedRevision,
  tailNewestFirst: readonly DecodedEvent[],
  prepared: readonly PreparedEvent[],
): AppendResult | null {
  const byId = new Map(tailNewestFirst.map((d) => [d.event.id.toLowerCase(), d.event]));
  const found = prepared.map((p) => byId.get(p.id));
  if (found.every((f) => f === undefined)) return null;
  const first = found[0];
  const contiguous = first !== undefined && found.every((f, i) => f !== undefined && f.revision === first.revision + BigInt(i));
  const current = tailNewestFirst[0]?.event.revision ?? 'no_stream';
  if (!contiguous) throw new WrongExpectedRevisionError(stream, expected, current);
  const last = found[found.length - 1] as RecordedEvent;
  return { nextExpectedRevision: last.revision, position: last.position };
}
