import { canonicalJson, eventHash } from '../integrity.js';
import type { EventMetadata, RecordedEvent } from '../port.js';
import { EnvelopeError } from './errors.js';

/**
 * The hash is computed by the adapter before EventStoreDB assigns the global position, so on EventStoreDB the
 * hashed `position` field holds this constant; the chain is per stream and the stream revision orders it.
 */
export const UNHASHED_POSITION = -1n;

/** Key of concordat's integrity block in an event's custom metadata. */
const ENVELOPE_KEY = 'concordat';
/** EventStoreDB's own correlation keys, filled so its system projections ($by_correlation_id) work. */
const ESDB_CORRELATION = '$correlationId';
const ESDB_CAUSATION = '$causationId';
const RESERVED = new Set([ENVELOPE_KEY, ESDB_CORRELATION, ESDB_CAUSATION]);

export interface IntegrityBlock {
  recordedAt: string;
  prevHash: string;
  hash: string;
}

/** An event as read back, with the chain link the writer stored beside it. */
export interface DecodedEvent {
  event: RecordedEvent;
  prevHash: string;
}

export interface ChainInput {
  id: string;
  type: string;
  stream: string;
  revision: bigint;
  recordedAt: string;
  dataJson: string;
  metadataJson: string;
}

export const chainHash = (prevHash: string, input: ChainInput): string =>
  eventHash(prevHash, { ...input, position: UNHASHED_POSITION });

/** The custom metadata stored with an event: the caller's metadata, ESDB's correlation keys and the integrity block. */
export function encodeMetadata(metadata: EventMetadata, block: IntegrityBlock): Record<string, unknown> {
  return {
    ...metadata,
    [ESDB_CORRELATION]: metadata.correlationId,
    ...(metadata.causationId ? { [ESDB_CAUSATION]: metadata.causationId } : {}),
    [ENVELOPE_KEY]: { recordedAt: block.recordedAt, prevHash: block.prevHash, hash: block.hash },
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

const HEX64 = /^[0-9a-f]{64}$/;

function integrityBlock(value: unknown): IntegrityBlock | null {
  if (!isRecord(value)) return null;
  const { recordedAt, prevHash, hash } = value;
  if (typeof recordedAt !== 'string' || Number.isNaN(Date.parse(recordedAt))) return null;
  if (typeof prevHash !== 'string' || !HEX64.test(prevHash)) return null;
  if (typeof hash !== 'string' || !HEX64.test(hash)) return null;
  return { recordedAt, prevHash, hash };
}

function eventMetadata(value: Record<string, unknown>): EventMetadata | null {
  const { actor, role, correlationId, schemaVersion, scope, causationId, idempotencyKey } = value;
  if (typeof actor !== 'string' || typeof role !== 'string' || typeof correlationId !== 'string') return null;
  if (typeof schemaVersion !== 'number') return null;
  const optional = (v: unknown): v is string | null | undefined => v === undefined || v === null || typeof v === 'string';
  if (!optional(scope) || !optional(causationId) || !optional(idempotencyKey)) return null;
  const rest = Object.fromEntries(Object.entries(value).filter(([key]) => !RESERVED.has(key)));
  return { ...rest, actor, role, correlationId, schemaVersion };
}

/** What the client hands back for one recorded event (the fields this adapter reads). */
export interface StoredEvent {
  id: string;
  type: string;
  streamId: string;
  revision: bigint;
  data: unknown;
  metadata: unknown;
  position?: { commit: bigint; prepare: bigint };
}

/** Positions EventStoreDB reports as "none" (older servers give no position on stream reads). */
const NO_POSITION = 2n ** 64n - 1n;

export function decodeEvent(stored: StoredEvent, commitPosition: bigint | undefined): DecodedEvent {
  const fail = (reason: string): never => {
    throw new EnvelopeError(stored.streamId, stored.revision, reason);
  };
  if (!isRecord(stored.metadata)) return fail('metadata is not a JSON object');
  const block = integrityBlock(stored.metadata[ENVELOPE_KEY]) ?? fail('the integrity block is missing or malformed');
  const metadata = eventMetadata(stored.metadata) ?? fail('the event metadata lacks actor, role, correlationId or schemaVersion');
  const raw = commitPosition ?? stored.position?.commit;
  const position = raw === undefined || raw === NO_POSITION ? UNHASHED_POSITION : raw;
  return {
    prevHash: block.prevHash,
    event: {
      id: stored.id,
      type: stored.type,
      stream: stored.streamId,
      revision: stored.revision,
      position,
      recordedAt: block.recordedAt,
      data: stored.data,
      metadata,
      hash: block.hash,
    },
  };
}

/** Recomputes an event's hash from what was read back, for verification. */
export const recomputeHash = (decoded: DecodedEvent): string =>
  chainHash(decoded.prevHash, {
    id: decoded.event.id,
    type: decoded.event.type,
    stream: decoded.event.stream,
    revision: decoded.event.revision,
    recordedAt: decoded.event.recordedAt,
    dataJson: canonicalJson(decoded.event.data),
    metadataJson: canonicalJson(decoded.event.metadata),
  });

/** System events and streams (`$`-prefixed) are EventStoreDB's own, never part of the ledger. */
export const isSystemEvent = (type: string, stream: string): boolean => type.startsWith('$') || stream.startsWith('$');

/**
 * Another application's event on a shared node: not a system event, and its metadata carries no concordat block at
 * all (not JSON, or without the key). Reads of `$all` skip it, so the read models never stop on it; an event whose
 * block is there but malformed is not foreign but damaged, and still raises an EnvelopeError. One inside a ledger
 * stream cannot hide there: `verify()` reports it, and the stream's revisions no longer follow on.
 */
export function isForeignEvent(stored: Pick<StoredEvent, 'type' | 'streamId' | 'metadata'>): boolean {
  if (isSystemEvent(stored.type, stored.streamId)) return false;
  return !isRecord(stored.metadata) || !(ENVELOPE_KEY in stored.metadata);
}
