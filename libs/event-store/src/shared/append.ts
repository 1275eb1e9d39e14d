import { fastCanonicalJson } from './canonical.js';
import { EventTooLargeError, InvalidAppendError, TooManyEventsError, WrongExpectedRevisionError } from '../errors.js';
import type { ExpectedRevision, ProposedEvent, StoreLimits } from '../port.js';

/** An event checked and serialized once, before any adapter touches storage. */
export interface PreparedEvent {
  /** Lower-cased, so the same UUID is recognised however the client spelled it. */
  id: string;
  type: string;
  dataJson: string;
  metadataJson: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Newlines separate the hashed fields (integrity.ts), so names may hold no control characters at all.
const CONTROL = /[\u0000-\u001f\u007f]/;
/**
 * A UTF-16 surrogate without its other half. A name is stored as UTF-8 (SQLite text, EventStoreDB's gRPC strings),
 * which has no encoding for one: SQLite would keep its three raw bytes while the chain hash encodes U+FFFD, and verify
 * would then report the event as tampered. Data and metadata cannot carry one: canonical JSON escapes it.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_NAME_LENGTH = 512;

function checkName(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidAppendError(`${what} must be a non-empty string`);
  if (value.length > MAX_NAME_LENGTH) throw new InvalidAppendError(`${what} is longer than ${MAX_NAME_LENGTH} characters`);
  if (CONTROL.test(value)) throw new InvalidAppendError(`${what} contains a control character`);
  if (LONE_SURROGATE.test(value)) throw new InvalidAppendError(`${what} contains a lone UTF-16 surrogate`);
  return value;
}

function toJson(what: string, eventId: string, value: unknown): string {
  try {
    return fastCanonicalJson(value);
  } catch (error) {
    throw new InvalidAppendError(`event ${eventId}: ${what} is not JSON: ${(error as Error).message}`);
  }
}

/**
 * Checks an append against the limits and serializes it. Runs before storage is touched, so a rejected
 * append writes nothing.
 */
export function prepareAppend(stream: string, events: readonly ProposedEvent[], limits: StoreLimits): PreparedEvent[] {
  checkName('stream name', stream);
  if (events.length === 0) throw new InvalidAppendError('an append carries at least one event');
  if (events.length > limits.maxAppendCount) throw new TooManyEventsError(events.length, limits.maxAppendCount);
  const seen = new Set<string>();
  return events.map((event) => {
    const id = typeof event.id === 'string' ? event.id.toLowerCase() : '';
    if (!UUID.test(id)) throw new InvalidAppendError(`event id ${String(event.id)} is not a UUID`);
    if (seen.has(id)) throw new InvalidAppendError(`event id ${id} appears twice in one append`);
    seen.add(id);
    const type = checkName(`event ${id} type`, event.type);
    if (typeof event.metadata !== 'object' || event.metadata === null) {
      throw new InvalidAppendError(`event ${id}: metadata is required`);
    }
    const dataJson = toJson('data', id, event.data);
    const metadataJson = toJson('metadata', id, event.metadata);
    // A UTF-16 unit is at most 3 UTF-8 bytes: only events that could be too large are measured exactly.
    if ((dataJson.length + metadataJson.length) * 3 > limits.maxEventBytes) {
      const sizeBytes = Buffer.byteLength(dataJson) + Buffer.byteLength(metadataJson);
      if (sizeBytes > limits.maxEventBytes) throw new EventTooLargeError(id, sizeBytes, limits.maxEventBytes);
    }
    return { id, type, dataJson, metadataJson };
  });
}

/** Where an event id already sits in the stream. */
export interface ExistingEvent {
  revision: bigint;
  position: bigint;
}

export type AppendDecision =
  | { kind: 'write'; firstRevision: bigint }
  | { kind: 'already_written'; revision: bigint; position: bigint };

/**
 * Decides an append from the stream's current revision and where (if anywhere) each proposed id already is.
 *
 * Idempotency is guaranteed, not best effort: when every proposed id is already in the stream, contiguous and
 * in order, and the expected revision is the one they were written after (or `any` / `stream_exists`), the
 * append is a repeat and returns the last of them. Any other overlap with written ids is a conflict.
 */
export function decideAppend(
  stream: string,
  expected: ExpectedRevision,
  current: bigint | null,
  existing: readonly (ExistingEvent | undefined)[],
): AppendDecision {
  const conflict = (): WrongExpectedRevisionError =>
    new WrongExpectedRevisionError(stream, expected, current ?? 'no_stream');
  if (current === null) {
    if (expected === 'no_stream' || expected === 'any') return { kind: 'write', firstRevision: 0n };
    throw conflict();
  }
  const found = existing.filter((e): e is ExistingEvent => e !== undefined);
  if (found.length === 0) {
    if (expected === 'no_stream') throw conflict();
    if (typeof expected === 'bigint' && expected !== current) throw conflict();
    return { kind: 'write', firstRevision: current + 1n };
  }
  const first = existing[0];
  if (found.length !== existing.length || first === undefined) throw conflict();
  for (let i = 1; i < existing.length; i++) {
    if (existing[i]?.revision !== first.revision + BigInt(i)) throw conflict();
  }
  const writtenAfter = first.revision - 1n;
  const repeat =
    expected === 'any' ||
    expected === 'stream_exists' ||
    (expected === 'no_stream' && writtenAfter === -1n) ||
    (typeof expected === 'bigint' && expected === writtenAfter);
  if (!repeat) throw conflict();
  const last = found[found.length - 1] as ExistingEvent;
  return { kind: 'already_written', revision: last.revision, position: last.position };
}
