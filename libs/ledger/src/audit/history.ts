/**
 * The log as an auditor reads it: by global position (with filters), by stream, by correlation id. Every read is
 * bounded twice: at most `limit` (≤ 500) events answered, and at most MAX_SCANNED_EVENTS events scanned for one
 * filtered page; a page that stops at the scan cap says where to continue.
 */
import { AuditHistoryError } from '../../../event-store/src/audit/errors.js';
import { leafOrderOf, merkleCacheFor } from '../../../event-store/src/audit/service.js';
import type { EventStore, RecordedEvent } from '../../../event-store/src/port.js';
import { MAX_PAGE_SIZE } from '../pagination.js';
import type { CorrelationLookup } from './correlation-index.read-model.js';

/** Events one filtered page may read before it answers (possibly with fewer than `limit` items and a cursor). */
export const MAX_SCANNED_EVENTS = 50_000;

/** One event as the audit API answers it: bigints as decimal strings. */
export interface AuditEvent {
  position: string;
  id: string;
  type: string;
  stream: string;
  revision: string;
  recordedAt: string;
  /** data.occurredAt when the event carries one (the business instant). */
  occurredAt: string | null;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  hash: string;
}

export interface HistoryPage {
  items: AuditEvent[];
  /** Pass as `after` for the next page; null when the log (as of this read) is exhausted. */
  nextCursor: string | null;
}

export interface HistoryFilter {
  /** Only events whose type starts with this. */
  typePrefix?: string;
  /** recordedAt within [recordedFrom, recordedTo] (inclusive; ISO-8601). */
  recordedFrom?: string;
  recordedTo?: string;
  /** occurredAt within [occurredFrom, occurredTo]; events without an occurredAt are left out when either is given. */
  occurredFrom?: string;
  occurredTo?: string;
}

export interface HistoryRequest extends HistoryFilter {
  /** Exclusive: events after this position. */
  after?: bigint;
  limit?: number;
}

export function occurredAtOf(event: Pick<RecordedEvent, 'data'>): string | null {
  const data = event.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const occurredAt = (data as Record<string, unknown>).occurredAt;
  return typeof occurredAt === 'string' ? occurredAt : null;
}

export function toAuditEvent(event: RecordedEvent): AuditEvent {
  return {
    position: event.position.toString(),
    id: event.id,
    type: event.type,
    stream: event.stream,
    revision: event.revision.toString(),
    recordedAt: event.recordedAt,
    occurredAt: occurredAtOf(event),
    data: event.data,
    metadata: event.metadata,
    hash: event.hash,
  };
}

const clampLimit = (limit: number | undefined): number => Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(limit ?? MAX_PAGE_SIZE)));

function instantMs(value: string | undefined, field: string): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`${field} is not an ISO-8601 instant`);
  return ms;
}

/** The filter as a predicate over events (instants compared as instants, not as strings). */
export function historyPredicate(filter: HistoryFilter): (event: RecordedEvent) => boolean {
  const recordedFrom = instantMs(filter.recordedFrom, 'from');
  const recordedTo = instantMs(filter.recordedTo, 'to');
  const occurredFrom = instantMs(filter.occurredFrom, 'occurredFrom');
  const occurredTo = instantMs(filter.occurredTo, 'occurredTo');
  const byOccurred = occurredFrom !== null || occurredTo !== null;
  return (event) => {
    if (filter.typePrefix !== undefined && !event.type.startsWith(filter.typePrefix)) return false;
    if (recordedFrom !== null || recordedTo !== null) {
      const ms = Date.parse(event.recordedAt);
      if ((recordedFrom !== null && ms < recordedFrom) || (recordedTo !== null && ms > recordedTo)) return false;
    }
    if (byOccurred) {
      const occurredAt = occurredAtOf(event);
      const ms = occurredAt === null ? Number.NaN : Date.parse(occurredAt);
      if (Number.isNaN(ms) || (occurredFrom !== null && ms < occurredFrom) || (occurredTo !== null && ms > occurredTo)) return false;
    }
    return true;
  };
}

/**
 * A page of the log by global position, filtered. Reads at most ⌈maxScanned / maxReadCount⌉ store pages (a type
 * filter is pushed down to the store, which may skip much more per page); when that budget runs out first, the
 * page may hold fewer than `limit` items and `nextCursor` says where the scan stopped.
 */
export async function readHistory(store: EventStore, request: HistoryRequest, maxScanned: number = MAX_SCANNED_EVENTS): Promise<HistoryPage> {
  const limit = clampLimit(request.limit);
  const matches = historyPredicate(request);
  const pageSize = store.limits.maxReadCount;
  const maxReads = Math.max(1, Math.ceil(maxScanned / pageSize));
  const typePrefixes = request.typePrefix === undefined ? undefined : [request.typePrefix];
  const items: AuditEvent[] = [];
  let after: bigint | 'start' = request.after ?? 'start';
  for (let reads = 0; reads < maxReads; reads += 1) {
    const page = await store.readAll({ after, maxCount: pageSize, typePrefixes });
    for (const event of page.events) {
      if (!matches(event)) continue;
      items.push(toAuditEvent(event));
      if (items.length === limit) return { items, nextCursor: event.position.toString() };
    }
    if (page.isEnd || page.nextAfter === null) return { items, nextCursor: null };
    after = page.nextAfter;
  }
  return { items, nextCursor: after === 'start' ? null : after.toString() };
}

/** A page of one stream by revision (`after` exclusive). Throws StreamNotFoundError for an unknown stream. */
export async function readStreamHistory(store: EventStore, stream: string, request: { after?: bigint; limit?: number }): Promise<HistoryPage> {
  const limit = clampLimit(request.limit);
  const fromRevision = request.after === undefined ? 'start' : request.after + 1n;
  const events = await store.readStream(stream, { fromRevision, maxCount: limit + 1 });
  const page = events.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(toAuditEvent), nextCursor: events.length > limit && last !== undefined ? last.revision.toString() : null };
}

export interface CorrelationPage extends HistoryPage {
  /** See CorrelationLookup: false when the index may be missing some of this id's events. */
  complete: boolean;
  indexedFrom: string;
}

/** A page of the events carrying a correlation id, from the index's positions (`after` exclusive, a position). */
export async function readCorrelationHistory(store: EventStore, lookup: CorrelationLookup, request: { after?: bigint; limit?: number }): Promise<CorrelationPage> {
  const limit = clampLimit(request.limit);
  const wanted = lookup.positions.filter((p) => request.after === undefined || p > request.after);
  const page = wanted.slice(0, limit);
  const items: AuditEvent[] = [];
  const leaves = await leavesOf(store, page);
  // One request's events are usually adjacent: read runs of them in one go. At most `limit` reads.
  for (let i = 0; i < page.length; ) {
    let j = i;
    while (j + 1 < page.length && leaves.ordinals[j + 1] === leaves.ordinals[j] + 1 && j + 1 - i < store.limits.maxReadCount) j += 1;
    const run = await store.readAll({ after: leaves.before(i), maxCount: j - i + 1 });
    for (const event of run.events) if (event.position <= page[j]) items.push(toAuditEvent(event));
    i = j + 1;
  }
  const last = page.at(-1);
  return {
    items,
    nextCursor: wanted.length > limit && last !== undefined ? last.toString() : null,
    complete: lookup.complete,
    indexedFrom: lookup.indexedFrom.toString(),
  };
}

/**
 * The events' ordinals in the log and, per event, the position a read of it starts after. Gapless positions are
 * their own ordinals; on EventStoreDB (positions with gaps, and a read may only start at a position the store
 * reported) both come from the audit's Merkle cache, which keeps every leaf's position.
 */
async function leavesOf(store: EventStore, positions: readonly bigint[]): Promise<{ ordinals: number[]; before: (index: number) => bigint | 'start' }> {
  if (leafOrderOf(store.kind) === 'position') {
    return { ordinals: positions.map(Number), before: (i) => (positions[i] === 0n ? 'start' : positions[i] - 1n) };
  }
  const cache = merkleCacheFor(store);
  const last = positions.at(-1);
  if (last !== undefined) await cache.catchUp(store, last);
  const ordinals = positions.map((p) => {
    const ordinal = cache.ordinalOf(p);
    if (ordinal === null) throw new AuditHistoryError(`the correlation index names position ${p}, where the log holds no event`);
    return ordinal;
  });
  return { ordinals, before: (i) => (ordinals[i] === 0 ? 'start' : cache.positionOf(ordinals[i] - 1)) };
}
