/**
 * NDJSON export of the log and the digest file an auditor keeps beside it.
 *
 * One line per event, fields in a fixed order and data/metadata in canonical JSON, so the same log always
 * exports to the same bytes (an export can itself be hashed and compared). Bigints travel as decimal strings.
 */
import { canonicalJson, GENESIS_HASH } from '../integrity.js';
import type { EventStore, RecordedEvent, StoreKind } from '../port.js';
import { AuditRangeError, InvalidDigestError } from './errors.js';

/** One exported event, as a line of the export parses. */
export interface ExportedEvent {
  position: string;
  id: string;
  type: string;
  stream: string;
  revision: string;
  recordedAt: string;
  data: unknown;
  metadata: Record<string, unknown>;
  hash: string;
  /**
   * The chain link, made explicit: the hash of the event before it in global order (genesis for position 0); on an
   * export with `chain: "stream"`, the hash of the event before it in its stream (genesis for revision 0).
   */
  prevHash: string;
  /** EventStoreDB exports only: the event's ordinal in the log, its Merkle leaf (positions there have gaps). */
  ordinal?: string;
  /** EventStoreDB exports only: "stream" — one hash chain per stream, each event hashed with position -1. */
  chain?: typeof STREAM_CHAIN;
}

/** The chain model of an EventStoreDB export, written on every line: several writers make one chain per stream. */
export const STREAM_CHAIN = 'stream' as const;

export const DIGEST_FORMAT = 'concordat-digest/1' as const;

/** What an auditor keeps: the Merkle root over the first `treeSize` events and the head of the chain it ends at. */
export interface DigestFile {
  format: typeof DIGEST_FORMAT;
  treeSize: string;
  /** Hex RFC 6962 root over the event hashes at positions 0 .. treeSize - 1. */
  root: string;
  /** Position of the last event covered, or null for the empty log. */
  headPosition: string | null;
  headHash: string | null;
  createdAt: string;
  store: StoreKind;
}

export interface ExportOptions {
  /** First position to export (inclusive); default 0. */
  from?: bigint;
  /** Last position to export (inclusive); default the head as of each page read. */
  to?: bigint;
  /** Events per store read; bounded by the store's maxReadCount. Memory is bounded by one page. */
  pageSize?: number;
}

/** The export line of `event` (without its newline), `prevHash` being the hash of the event before it. */
export function exportLine(event: RecordedEvent, prevHash: string): string {
  return (
    `{"position":"${event.position}","id":${JSON.stringify(event.id)},"type":${JSON.stringify(event.type)}` +
    `,"stream":${JSON.stringify(event.stream)},"revision":"${event.revision}"` +
    `,"recordedAt":${JSON.stringify(event.recordedAt)},"data":${canonicalJson(event.data)}` +
    `,"metadata":${canonicalJson(event.metadata)},"hash":"${event.hash}","prevHash":"${prevHash}"}`
  );
}

/**
 * The export line of an event on EventStoreDB: its position and its ordinal (its Merkle leaf), the chain model, and
 * `prevHash` the hash of the event before it in its own stream. The fields the hash covers are those of exportLine.
 */
export function streamChainExportLine(event: RecordedEvent, ordinal: bigint, prevHash: string): string {
  return (
    `{"position":"${event.position}","ordinal":"${ordinal}","chain":"${STREAM_CHAIN}","id":${JSON.stringify(event.id)}` +
    `,"type":${JSON.stringify(event.type)},"stream":${JSON.stringify(event.stream)},"revision":"${event.revision}"` +
    `,"recordedAt":${JSON.stringify(event.recordedAt)},"data":${canonicalJson(event.data)}` +
    `,"metadata":${canonicalJson(event.metadata)},"hash":"${event.hash}","prevHash":"${prevHash}"}`
  );
}

/**
 * The export of a store whose positions have gaps (EventStoreDB): always read from the start of the log, since
 * neither an event's ordinal nor its stream's previous hash can be known otherwise; lines before `from` are counted
 * and chained, not written. Memory: one page, plus the last hash of every stream met (about 150 bytes a stream).
 */
async function* streamChainExport(store: EventStore, from: bigint, to: bigint | null, pageSize: number): AsyncGenerator<string, void, undefined> {
  const heads = new Map<string, string>();
  let ordinal = 0n;
  let after: bigint | 'start' = 'start';
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    for (const event of page.events) {
      if (to !== null && event.position > to) return;
      const previous = heads.get(event.stream) ?? GENESIS_HASH;
      if (event.position >= from) yield `${streamChainExportLine(event, ordinal, previous)}\n`;
      heads.set(event.stream, event.hash);
      ordinal += 1n;
    }
    if (page.isEnd || page.nextAfter === null || page.events.length === 0) return;
    after = page.nextAfter;
  }
}

/** The hash of the event just before `position`, to anchor an export that does not start at genesis. */
async function hashBefore(store: EventStore, position: bigint): Promise<string> {
  if (position === 0n) return GENESIS_HASH;
  const page = await store.readAll({ after: position === 1n ? 'start' : position - 2n, maxCount: 1 });
  const previous = page.events[0];
  if (previous === undefined || previous.position !== position - 1n) {
    throw new AuditRangeError(`the log holds no event at position ${position - 1n} to anchor an export from ${position}`);
  }
  return previous.hash;
}

/**
 * Streams the log as NDJSON, one line (newline included) per event, reading page by page so memory holds one page
 * whatever the log's size. Feed it to `stream.Readable.from` and a file for back-pressure.
 */
export async function* exportNdjson(store: EventStore, options: ExportOptions = {}): AsyncGenerator<string, void, undefined> {
  const from = options.from ?? 0n;
  const to = options.to ?? null;
  if (from < 0n) throw new AuditRangeError(`an export starts at position 0 or later, not ${from}`);
  if (to !== null && to < from) throw new AuditRangeError(`an export cannot end (${to}) before it starts (${from})`);
  const pageSize = Math.max(1, Math.min(options.pageSize ?? store.limits.maxReadCount, store.limits.maxReadCount));
  if (store.kind === 'esdb') {
    yield* streamChainExport(store, from, to, pageSize);
    return;
  }

  let previousHash = await hashBefore(store, from);
  let after: bigint | 'start' = from === 0n ? 'start' : from - 1n;
  // Each page advances `after` by at least one position or ends the loop, so it ends with the log.
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    for (const event of page.events) {
      if (to !== null && event.position > to) return;
      yield `${exportLine(event, previousHash)}\n`;
      previousHash = event.hash;
    }
    if (page.isEnd || page.nextAfter === null || page.events.length === 0) return;
    after = page.nextAfter;
  }
}

const DECIMAL = /^(0|[1-9][0-9]{0,19})$/;
const HEX_HASH = /^[0-9a-f]{64}$/;
const STORE_KINDS: readonly StoreKind[] = ['memory', 'sqlite', 'esdb'];

/** Parses and checks a digest file; throws InvalidDigestError naming the first bad field. */
export function parseDigest(text: string): DigestFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidDigestError(`the digest is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidDigestError('the digest is not a JSON object');
  const d = value as Record<string, unknown>;
  const fail = (field: string, why: string): never => {
    throw new InvalidDigestError(`digest field ${field} ${why}`);
  };
  if (d.format !== DIGEST_FORMAT) fail('format', `must be ${DIGEST_FORMAT}`);
  if (typeof d.treeSize !== 'string' || !DECIMAL.test(d.treeSize)) fail('treeSize', 'must be a decimal string');
  if (typeof d.root !== 'string' || !HEX_HASH.test(d.root)) fail('root', 'must be 64 lowercase hex characters');
  const empty = d.treeSize === '0';
  if (!STORE_KINDS.includes(d.store as StoreKind)) fail('store', `must be one of ${STORE_KINDS.join(', ')}`);
  // EventStoreDB's positions have gaps: its head is at or past the last leaf's index, never before.
  const gapless = d.store !== 'esdb';
  const headFits = (head: bigint, size: bigint): boolean => (gapless ? head + 1n === size : head + 1n >= size);
  if (empty ? d.headPosition !== null : typeof d.headPosition !== 'string' || !DECIMAL.test(d.headPosition) || !headFits(BigInt(d.headPosition), BigInt(d.treeSize as string))) {
    fail('headPosition', gapless ? 'must be treeSize - 1 (null for the empty log)' : 'must be at least treeSize - 1 (null for the empty log)');
  }
  if (empty ? d.headHash !== null : typeof d.headHash !== 'string' || !HEX_HASH.test(d.headHash)) {
    fail('headHash', 'must be 64 lowercase hex characters (null for the empty log)');
  }
  if (typeof d.createdAt !== 'string' || Number.isNaN(Date.parse(d.createdAt))) fail('createdAt', 'must be an ISO-8601 instant');
  return {
    format: DIGEST_FORMAT,
    treeSize: d.treeSize as string,
    root: d.root as string,
    headPosition: d.headPosition as string | null,
    headHash: d.headHash as string | null,
    createdAt: d.createdAt as string,
    store: d.store as StoreKind,
  };
}

/** The digest file's text: stable key order, one trailing newline. */
export function formatDigest(digest: DigestFile): string {
  return `${JSON.stringify(parseDigest(JSON.stringify(digest)), null, 2)}\n`;
}
