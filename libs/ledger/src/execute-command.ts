import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Decider, DomainEvent } from '../../domain/src/shared/decider.js';
import { StreamNotFoundError, WrongExpectedRevisionError } from '../../event-store/src/errors.js';
import type { AppendResult, EventMetadata, EventStore, ExpectedRevision, ProposedEvent, RecordedEvent } from '../../event-store/src/port.js';
import { CommandConflictError, IdempotencyKeyReusedError, StreamTooLongError } from './errors.js';
import { isAggregateCached, loadAggregate } from './aggregate-cache.js';
import { deterministicEventId } from './event-ids.js';

export const DEFAULT_MAX_ATTEMPTS = 5;
/** The command path folds whole streams; aggregates longer than this are a modelling error, not a load to carry. */
export const MAX_STREAM_EVENTS = 100_000;
const BACKOFF_BASE_MS = 4;

/** The marker a no-op command leaves under an idempotency key, so a repeat after a restart answers the same. */
export const IDEMPOTENCY_RECORDED = 'ledger.idempotency-key-recorded';

export interface IdempotencyRecordedData {
  /** The stream the command addressed. */
  stream: string;
  /** That stream's revision when the command was a no-op (decimal string), or null when it did not exist. */
  revision: string | null;
}

export const idempotencyStream = (key: string): string =>
  `idempotency-${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32)}`;

export interface ExecuteCommandOptions<C, E extends DomainEvent, S> {
  store: EventStore;
  stream: string;
  decider: Decider<C, E, S>;
  command: C;
  /** Stamped on every event; `idempotencyKey` and `requestHash` make the event ids deterministic. */
  metadata: EventMetadata;
  /** Explicit ids for the events `decide` returns (by index); beyond them ids are derived or random. */
  eventIds?: readonly string[];
  /** Attempts in all, counting the first; only a revision conflict is retried. */
  maxAttempts?: number;
  /** How a recorded event becomes the decider's event (upcasting lives here). Default: its type and data. */
  decode?: (event: RecordedEvent) => E;
  /**
   * The command creates its stream (a new commitment, city, …): decide it on the empty state and let the `no_stream`
   * append find out whether the stream exists, instead of asking first. Only a hint: whenever that first guess does
   * not hold, the command takes the usual path and answers exactly as it would have.
   */
  createsStream?: boolean;
}

export interface CommandOutcome<E> {
  stream: string;
  /** The events this command appended (or, for a recognised repeat, appended the first time). */
  events: E[];
  eventIds: string[];
  /** The stream's revision after the command; null when the stream still does not exist (a no-op). */
  nextExpectedRevision: bigint | null;
  /** Global position of the last event written for this command; null for a no-op without an idempotency key. */
  position: bigint | null;
  /** True when the command was recognised as a repeat of an earlier request and nothing new was written. */
  replayed: boolean;
}

/** A recorded event as its decider sees it: type and data (the stream holds only that aggregate's events). */
export const defaultDecode = <E extends DomainEvent>(event: RecordedEvent): E =>
  // The stream holds only events this decider's aggregate wrote; their shape is the decider's event union.
  ({ type: event.type, data: event.data }) as E;

/** Every event of a stream, in order, page by page (a stream that does not exist is empty). */
export async function readWholeStream(store: EventStore, stream: string, maxEvents: number = MAX_STREAM_EVENTS): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  const pageSize = store.limits.maxReadCount;
  let from: bigint = 0n;
  for (let page = 0; page <= Math.ceil(maxEvents / pageSize); page++) {
    let batch: RecordedEvent[];
    try {
      batch = await store.readStream(stream, { direction: 'forwards', fromRevision: from, maxCount: pageSize });
    } catch (error) {
      if (error instanceof StreamNotFoundError) return events;
      throw error;
    }
    events.push(...batch);
    if (events.length > maxEvents) throw new StreamTooLongError(stream, maxEvents);
    if (batch.length < pageSize) return events;
    from = batch[batch.length - 1].revision + 1n;
  }
  throw new StreamTooLongError(stream, maxEvents);
}

function idFor(eventIds: readonly string[] | undefined, metadata: EventMetadata, stream: string, index: number): string {
  const explicit = eventIds?.[index];
  if (explicit !== undefined) return explicit;
  const key = metadata.idempotencyKey;
  if (key === undefined || key === null) return randomUUID();
  return deterministicEventId(key, metadata.requestHash ?? '', stream, index);
}

/** Events of this stream written under the same idempotency key: a repeat (same request) or a reuse (another one). */
function earlierUnderKey<E extends DomainEvent>(earlier: readonly RecordedEvent[], metadata: EventMetadata, decode: (e: RecordedEvent) => E, stream: string): CommandOutcome<E> | null {
  const key = metadata.idempotencyKey;
  if (key === undefined || key === null) return null;
  if (earlier.length === 0) return null;
  if ((earlier[0].metadata.requestHash ?? null) !== (metadata.requestHash ?? null)) throw new IdempotencyKeyReusedError(key);
  const last = earlier[earlier.length - 1];
  return {
    stream,
    events: earlier.map(decode),
    eventIds: earlier.map((e) => e.id),
    nextExpectedRevision: last.revision,
    position: last.position,
    replayed: true,
  };
}

/** The answer recorded by an earlier no-op under this key, or null; a reuse for another request is refused. */
async function earlierNoOp<E>(store: EventStore, markerStream: string, metadata: EventMetadata, key: string): Promise<CommandOutcome<E> | null> {
  const [first] = await readWholeStream(store, markerStream, 1);
  if (first === undefined) return null;
  if ((first.metadata.requestHash ?? null) !== (metadata.requestHash ?? null)) throw new IdempotencyKeyReusedError(key);
  const recorded = first.data as IdempotencyRecordedData;
  const revision = recorded.revision === null ? null : BigInt(recorded.revision);
  return { stream: recorded.stream, events: [], eventIds: [first.id], nextExpectedRevision: revision, position: first.position, replayed: true };
}

/** A no-op under an idempotency key leaves a marker, so the key's first answer is in the log and survives restarts. */
async function recordNoOp<E>(store: EventStore, stream: string, revision: bigint | null, metadata: EventMetadata, key: string): Promise<CommandOutcome<E>> {
  const markerStream = idempotencyStream(key);
  const earlier = await earlierNoOp<E>(store, markerStream, metadata, key);
  if (earlier !== null) {
    if (earlier.position !== null) await store.waitUntilDurable?.(earlier.position);
    return earlier;
  }
  const data: IdempotencyRecordedData = { stream, revision: revision === null ? null : revision.toString() };
  const id = deterministicEventId(key, metadata.requestHash ?? '', markerStream, 0);
  try {
    const result = await store.appendToStream(markerStream, [{ id, type: IDEMPOTENCY_RECORDED, data, metadata }], 'no_stream');
    return { stream, events: [], eventIds: [id], nextExpectedRevision: revision, position: result.position, replayed: false };
  } catch (error) {
    if (!(error instanceof WrongExpectedRevisionError)) throw error;
    // Another request under the key recorded its no-op first: answer as it was answered, or refuse a reuse.
    const raced = await earlierNoOp<E>(store, markerStream, metadata, key);
    if (raced === null) throw error;
    return raced;
  }
}

/**
 * A creating command decided on the empty state and appended with `no_stream`, without first asking whether the stream
 * exists (one index look-up per new stream, most of the cost of a lookup-free command). Null whenever the guess that
 * the stream is new does not hold or cannot be trusted, and the caller then takes the usual path, whose answer is
 * the exact one: when deciding on the empty state refuses or decides nothing (on the real stream it may decide
 * otherwise), when the stream exists (the append is refused as a conflict), and when the append was a repeat of
 * events already written under the same deterministic ids (the usual path finds them under their idempotency key and
 * answers with the events first written, `replayed`). Nothing is written in any of those cases.
 */
async function createOptimistically<C, E extends DomainEvent, S>(options: ExecuteCommandOptions<C, E, S>): Promise<CommandOutcome<E> | null> {
  const { store, stream, decider, command, metadata } = options;
  let decided: E[];
  try {
    decided = decider.decide(command, decider.initialState());
  } catch {
    return null;
  }
  if (decided.length === 0) return null;
  const proposed: ProposedEvent[] = decided.map((event, index) => ({ id: idFor(options.eventIds, metadata, stream, index), type: event.type, data: event.data, metadata }));
  let result: AppendResult;
  try {
    result = await store.appendToStream(stream, proposed, 'no_stream');
  } catch (error) {
    if (error instanceof WrongExpectedRevisionError) return null;
    throw error;
  }
  if (result.repeated === true) return null;
  return { stream, events: decided, eventIds: proposed.map((p) => p.id), nextExpectedRevision: result.nextExpectedRevision, position: result.position, replayed: false };
}

/**
 * The one command path (Emmett's `CommandHandler`): read the stream, fold `evolve`, `decide`, append with the
 * expected revision. Only a revision conflict is retried, at most `maxAttempts` times in all, after a short jittered
 * pause; a DomainError from `decide` and every store error other than a conflict go straight to the caller.
 */
export async function executeCommand<C, E extends DomainEvent, S>(options: ExecuteCommandOptions<C, E, S>): Promise<CommandOutcome<E>> {
  const { store, stream, decider, command, metadata } = options;
  const decode = options.decode ?? defaultDecode<E>;
  const maxAttempts = Math.max(1, Math.min(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 20));

  if (options.createsStream === true && store.reportsRepeats === true && !isAggregateCached(store, stream, decider, decode)) {
    const created = await createOptimistically(options);
    if (created !== null) return created;
  }

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    // Folded incrementally: only the events appended since the last command on this stream are read.
    const aggregate = await loadAggregate(store, stream, decider, decode, MAX_STREAM_EVENTS);
    if (aggregate === null) throw new StreamTooLongError(stream, MAX_STREAM_EVENTS);
    const key = metadata.idempotencyKey;
    const repeat = key === undefined || key === null ? null : earlierUnderKey(aggregate.underKey(key), metadata, decode, stream);
    if (repeat !== null) {
      // The first answer is repeated only once what it names is on disk (its own request may still be waiting for that).
      if (repeat.position !== null) await store.waitUntilDurable?.(repeat.position);
      return repeat;
    }

    const decided = decider.decide(command, aggregate.state);
    const revision = aggregate.revision;
    if (decided.length === 0) {
      if (key === undefined || key === null) {
        return { stream, events: [], eventIds: [], nextExpectedRevision: revision, position: null, replayed: false };
      }
      return recordNoOp<E>(store, stream, revision, metadata, key);
    }

    const proposed: ProposedEvent[] = decided.map((event, index) => ({
      id: idFor(options.eventIds, metadata, stream, index),
      type: event.type,
      data: event.data,
      metadata,
    }));
    const expected: ExpectedRevision = revision === null ? 'no_stream' : revision;
    try {
      const result = await store.appendToStream(stream, proposed, expected);
      return {
        stream,
        events: decided,
        eventIds: proposed.map((p) => p.id),
        nextExpectedRevision: result.nextExpectedRevision,
        position: result.position,
        replayed: false,
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      if (attempt < maxAttempts) await sleep(Math.floor(Math.random() * BACKOFF_BASE_MS * 2 ** attempt));
    }
  }
  throw new CommandConflictError(stream, maxAttempts);
}
