/**
 * The offline verifier: from an NDJSON export (and optionally a saved digest) alone, recompute every event hash,
 * every chain link and the Merkle root, and name the first place the export stops being the log.
 *
 * Streams: memory is one line plus the O(log n) Merkle frontier, whatever the export's size. For an export on disk
 * verifyExportBytes (verify-export-bytes.ts) is the fast way in: it checks the bulk of the lines as bytes, in blocks,
 * and hands this verifier only what it cannot vouch for.
 */
import { canonicalJson, eventHash, GENESIS_HASH } from '../integrity.js';
import { selfConsistentLineHash } from './canonical-line.js';
import type { DigestFile } from './export.js';
import { MerkleFrontier } from './merkle.js';
import { EMPTY_TREE_ROOT } from './proof-verify.js';
import { isStreamChainLine, verifyStreamChainExport } from './verify-stream-export.js';

export type DiscrepancyReason =
  | 'malformed_line'
  | 'missing_position'
  | 'duplicate_position'
  | 'out_of_order_position'
  | 'broken_link'
  | 'hash_mismatch'
  | 'not_from_genesis'
  | 'truncated'
  | 'root_mismatch'
  | 'head_mismatch'
  /** Per-stream-chain exports (EventStoreDB): a stream's revisions do not run on by one. */
  | 'stream_revision_gap';

export interface Discrepancy {
  /**
   * Where the export stops being the log: every position before this one was verified. For root and head
   * mismatches (the chain is intact but is not the history the digest committed to) it is the digest's head.
   */
  position: bigint;
  /** 1-based line number in the export (0 when the problem is at its end). */
  line: number;
  reason: DiscrepancyReason;
  detail: string;
}

export interface ExportVerification {
  ok: boolean;
  /** Events whose hash, link and position were verified. */
  eventsVerified: number;
  firstDiscrepancy: Discrepancy | null;
  /** Merkle root over the verified events (hex), null when the export does not start at genesis. */
  root: string | null;
  headHash: string | null;
  /** True when a digest was given and the export reproduced its root and head. */
  digestMatched: boolean;
}

export interface VerifyProgress {
  eventsDone: number;
  /** From the digest or the caller; null when unknown (then there is no ETA). */
  eventsTotal: number | null;
  elapsedMs: number;
  etaMs: number | null;
}

/** Progress after `done` of `total` events in `elapsedMs`, with the ETA a steady pace gives (none before the first). */
export function verifyProgress(done: number, total: number | null, elapsedMs: number): VerifyProgress {
  const etaMs = total === null || done === 0 ? null : Math.max(0, (elapsedMs / done) * (total - done));
  return { eventsDone: done, eventsTotal: total, elapsedMs, etaMs };
}

export interface VerifyExportOptions {
  onProgress?: (progress: VerifyProgress) => void;
  /** Report progress every this many events (default 10,000). */
  progressEvery?: number;
  /** Expected number of events, for the ETA when no digest is given. */
  eventsTotal?: number;
  /** Longest line accepted, in UTF-16 code units (default 8 Mi: a 1 MiB event with worst-case JSON escaping). */
  maxLineLength?: number;
  /** Clock for progress, in ms (tests pass a fake). */
  nowMs?: () => number;
}

const DECIMAL = /^(0|[1-9][0-9]{0,19})$/;
const POSITION_KEY = '{"position":"';

/** True when the line opens with `{"position":"<position>"` (the exporter's layout). */
function startsWithPosition(text: string, position: bigint): boolean {
  const digits = position.toString();
  return text.startsWith(POSITION_KEY) && text.startsWith(digits, POSITION_KEY.length) && text.charCodeAt(POSITION_KEY.length + digits.length) === 0x22;
}

const HEX_HASH = /^[0-9a-f]{64}$/;
export const DEFAULT_MAX_LINE_LENGTH = 8 * 1024 * 1024;
export const DEFAULT_PROGRESS_EVERY = 10_000;

export interface ParsedLine {
  position: bigint;
  id: string;
  type: string;
  stream: string;
  revision: bigint;
  recordedAt: string;
  data: unknown;
  metadata: unknown;
  hash: string;
  prevHash: string;
}

/** Parses one export line, or says what is wrong with it. */
function parseLine(text: string, maxLength: number): ParsedLine | string {
  const parsed = parseExportLine(text, maxLength);
  return typeof parsed === 'string' ? parsed : parsed.line;
}

/**
 * The fields every export line carries, whichever chain model it follows, with the parsed object for the fields a
 * model adds (the per-stream model's `chain` and `ordinal`); or what is wrong with the line.
 */
export function parseExportLine(text: string, maxLength: number): { line: ParsedLine; raw: Record<string, unknown> } | string {
  if (text.length > maxLength) return `the line is longer than ${maxLength} characters`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  for (const field of ['id', 'type', 'stream', 'recordedAt'] as const) {
    if (typeof v[field] !== 'string') return `${field} is not a string`;
  }
  if (typeof v.position !== 'string' || !DECIMAL.test(v.position)) return 'position is not a decimal string';
  if (typeof v.revision !== 'string' || !DECIMAL.test(v.revision)) return 'revision is not a decimal string';
  if (!('data' in v)) return 'data is missing';
  if (typeof v.metadata !== 'object' || v.metadata === null || Array.isArray(v.metadata)) return 'metadata is not an object';
  if (typeof v.hash !== 'string' || !HEX_HASH.test(v.hash)) return 'hash is not 64 lowercase hex characters';
  if (typeof v.prevHash !== 'string' || !HEX_HASH.test(v.prevHash)) return 'prevHash is not 64 lowercase hex characters';
  const line: ParsedLine = {
    position: BigInt(v.position),
    id: v.id as string,
    type: v.type as string,
    stream: v.stream as string,
    revision: BigInt(v.revision),
    recordedAt: v.recordedAt as string,
    data: v.data,
    metadata: v.metadata,
    hash: v.hash,
    prevHash: v.prevHash,
  };
  return { line, raw: v };
}

/**
 * Recomputes the event's hash over `previousHash`.
 *
 * Fast path first: JSON.stringify of what was parsed equals the canonical text whenever the exporter wrote
 * canonical JSON (ours always does). Accepting on that path is sound: a match means the bytes hashed are the
 * bytes the store hashed (SHA-256 collision resistance), so the parsed data is the data the store recorded.
 * Only when it misses is the canonical form computed, so a re-serialised but faithful export still verifies.
 */
function hashMatches(event: ParsedLine, previousHash: string): boolean {
  const fields = {
    id: event.id,
    type: event.type,
    stream: event.stream,
    revision: event.revision,
    position: event.position,
    recordedAt: event.recordedAt,
    dataJson: JSON.stringify(event.data),
    metadataJson: JSON.stringify(event.metadata),
  };
  if (eventHash(previousHash, fields) === event.hash) return true;
  fields.dataJson = canonicalJson(event.data);
  fields.metadataJson = canonicalJson(event.metadata);
  return eventHash(previousHash, fields) === event.hash;
}

/**
 * The first non-blank line of the source, and the source again from its start: the lines already read, then the
 * rest straight from the source's own iterator (no extra step per line, and a sync source stays sync).
 */
async function peekFirstLine(lines: AsyncIterable<string> | Iterable<string>): Promise<{ first: string | null; all: AsyncIterable<string> | Iterable<string> }> {
  const read: string[] = [];
  const isFirst = (text: string): boolean => text.trim() !== '';
  if (Symbol.asyncIterator in lines) {
    const iterator = lines[Symbol.asyncIterator]();
    let first: string | null = null;
    // Bounded by the input: every turn consumes a line, and the first non-blank one ends the loop.
    for (let step = await iterator.next(); step.done !== true; step = await iterator.next()) {
      read.push(step.value);
      if (isFirst(step.value)) {
        first = step.value;
        break;
      }
    }
    let replayed = 0;
    const again: AsyncIterator<string> = {
      next: () => (replayed < read.length ? Promise.resolve({ value: read[replayed++], done: false }) : iterator.next()),
      return: async () => (await iterator.return?.(undefined)) ?? { value: undefined, done: true },
    };
    return { first, all: { [Symbol.asyncIterator]: () => again } };
  }
  const iterator = lines[Symbol.iterator]();
  let first: string | null = null;
  for (let step = iterator.next(); step.done !== true; step = iterator.next()) {
    read.push(step.value);
    if (isFirst(step.value)) {
      first = step.value;
      break;
    }
  }
  let replayed = 0;
  const again: Iterator<string> = {
    next: () => (replayed < read.length ? { value: read[replayed++], done: false } : iterator.next()),
    return: () => iterator.return?.(undefined) ?? { value: undefined, done: true },
  };
  return { first, all: { [Symbol.iterator]: () => again } };
}

/**
 * Verifies an export line by line (lines without their newline; blank lines are skipped) against itself and,
 * when given, against a digest, and names the first discrepancy. Stops at the first one.
 *
 * The first line tells the chain model: an export whose lines say `"chain":"stream"` (EventStoreDB) is verified
 * per stream, its Merkle leaves taken by ordinal (verify-stream-export.ts); any other, as one global chain here.
 */
export async function verifyExport(
  lines: AsyncIterable<string> | Iterable<string>,
  digest?: DigestFile,
  options: VerifyExportOptions = {},
): Promise<ExportVerification> {
  const peeked = await peekFirstLine(lines);
  if (peeked.first !== null && isStreamChainLine(peeked.first)) return verifyStreamChainExport(peeked.all, digest, options);
  return verifyGlobalChainExport(peeked.all, digest, options);
}

/**
 * Where a verification of one global chain stands: what a caller that verified a prefix some other way (the byte
 * fast path, verify-export-bytes.ts) hands over for the rest of the lines.
 */
export interface GlobalChainProgress {
  /** The tree over the events verified so far (taken over, not copied). */
  frontier: MerkleFrontier;
  /** Events verified so far (from genesis) and lines read for them, blank ones included. */
  verified: number;
  lineNumber: number;
  /** Hash of the last event verified (GENESIS_HASH before the first). */
  previousHash: string;
  /** True once the digest's root and head were reproduced. */
  digestMatched: boolean;
  /** When verification started (options.nowMs's clock), for the ETA. */
  startedMs: number;
}

/**
 * Verifies `lines` as one global hash chain; with `from`, as the continuation of an export whose first
 * `from.verified` events (from genesis) were verified already.
 */
export async function verifyGlobalChainExport(
  lines: AsyncIterable<string> | Iterable<string>,
  digest: DigestFile | undefined,
  options: VerifyExportOptions,
  from?: GlobalChainProgress,
): Promise<ExportVerification> {
  const nowMs = options.nowMs ?? Date.now;
  const startedMs = from?.startedMs ?? nowMs();
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  const progressEvery = Math.max(1, options.progressEvery ?? DEFAULT_PROGRESS_EVERY);
  const digestSize = digest === undefined ? null : BigInt(digest.treeSize);
  // The same as a number, for the per-line comparisons (-1: no digest).
  const digestCount = digestSize === null ? -1 : Number(digestSize);
  const eventsTotal = options.eventsTotal ?? (digestSize === null ? null : Number(digestSize));

  const frontier = from?.frontier ?? new MerkleFrontier();
  let verified = from?.verified ?? 0;
  let expected: bigint | null = verified > 0 ? BigInt(verified) : null;
  let previousHash = from?.previousHash ?? GENESIS_HASH;
  let fromGenesis = true;
  let lineNumber = from?.lineNumber ?? 0;
  let digestMatched = from?.digestMatched ?? false;

  const report = (): void => {
    if (options.onProgress === undefined) return;
    options.onProgress(verifyProgress(verified, eventsTotal, nowMs() - startedMs));
  };
  const result = (discrepancy: Discrepancy | null): ExportVerification => {
    report();
    return {
      ok: discrepancy === null,
      eventsVerified: verified,
      firstDiscrepancy: discrepancy,
      root: fromGenesis ? frontier.root().toString('hex') : null,
      headHash: verified === 0 ? null : previousHash,
      digestMatched,
    };
  };
  const fail = (position: bigint, reason: DiscrepancyReason, detail: string, line = lineNumber): ExportVerification =>
    result({ position, line, reason, detail });

  /** Adds a verified event to the tree; at the digest's size, checks its root and head. */
  const accept = (position: bigint, hash: string): ExportVerification | null => {
    frontier.appendLeafHex(hash);
    previousHash = hash;
    verified += 1;
    expected = position + 1n;
    if (verified % progressEvery === 0) report();
    if (digest === undefined || verified !== digestCount) return null;
    const root = frontier.root().toString('hex');
    if (root !== digest.root) {
      return fail(position, 'root_mismatch', `the Merkle root over positions 0..${position} is ${root}, the digest says ${digest.root}`);
    }
    if (hash !== digest.headHash) return fail(position, 'head_mismatch', `the hash at position ${position} is not the digest's head hash`);
    digestMatched = true;
    return null;
  };

  const source = Symbol.asyncIterator in lines ? lines[Symbol.asyncIterator]() : lines[Symbol.iterator]();
  /** The next non-blank line, or null at the end. Counts every line read so line numbers match the file. */
  const nextLine = async (): Promise<string | null> => {
    // Bounded by the input: every turn consumes a line.
    for (;;) {
      const step = await source.next();
      if (step.done === true) return null;
      const text = step.value;
      lineNumber += 1;
      // Export lines start with '{'; only a line starting with whitespace needs the full blank test.
      if (text.length > 0 && (text.charCodeAt(0) > 0x20 || text.trim() !== '')) return text;
    }
  };

  try {
    for (let text = await nextLine(); text !== null; text = await nextLine()) {
      if (verified < digestCount && text.length <= maxLineLength) {
        /*
         * Byte-exact fast path, only where the digest covers the line: when the line is in the exporter's layout
         * and the hash over its own bytes is its recorded hash, the digest root (checked below) proves that hash
         * is the store's, so by SHA-256 collision resistance the line is the store's canonical event byte for
         * byte. Anything else, however small, goes to the parser below, which judges and names the problem.
         */
        const due = expected ?? 0n;
        if (text.startsWith(previousHash, text.length - 66) && startsWithPosition(text, due)) {
          // The link and the position are checked on the raw text first; only then is the line hashed.
          const recorded = selfConsistentLineHash(text);
          if (recorded !== null) {
            const mismatch = accept(due, recorded);
            if (mismatch !== null) return mismatch;
            continue;
          }
        }
      }
      const event = parseLine(text, maxLineLength);
      if (typeof event === 'string') return fail(expected ?? 0n, 'malformed_line', event);

      if (expected === null) {
        // The first line fixes where the export starts; only an export from genesis can be checked against a digest.
        expected = event.position;
        fromGenesis = expected === 0n;
        if (!fromGenesis && digest !== undefined) {
          return fail(0n, 'not_from_genesis', `the export starts at position ${expected}; a digest covers positions from 0`);
        }
        previousHash = fromGenesis ? GENESIS_HASH : event.prevHash;
      }
      if (event.position !== expected) {
        const at = expected;
        if (event.position < at) return fail(at, 'duplicate_position', `position ${event.position} appears again where ${at} was due`);
        // One line of look-ahead tells a swap (the due position comes next) from a gap.
        const lineOfFound = lineNumber;
        const next = await nextLine();
        const nextEvent = next === null ? null : parseLine(next, maxLineLength);
        const swapped = nextEvent !== null && typeof nextEvent !== 'string' && nextEvent.position === at;
        return swapped
          ? fail(at, 'out_of_order_position', `position ${event.position} comes before position ${at}`, lineOfFound)
          : fail(at, 'missing_position', `position ${at} is missing: the next line holds position ${event.position}`, lineOfFound);
      }
      if (event.prevHash !== previousHash) {
        return fail(event.position, 'broken_link', `prevHash ${event.prevHash} is not the hash of the event before (${previousHash})`);
      }
      if (!hashMatches(event, previousHash)) {
        return fail(event.position, 'hash_mismatch', `the hash does not match the event's contents and the previous hash`);
      }

      const mismatch = accept(event.position, event.hash);
      if (mismatch !== null) return mismatch;
    }
  } finally {
    // Closes the source (a file, a socket) when verification stops early.
    await source.return?.(undefined);
  }

  if (digest !== undefined && digestSize === 0n) {
    // The empty log is a prefix of every log: only its root can be wrong.
    if (digest.root !== EMPTY_TREE_ROOT.toString('hex')) return fail(0n, 'root_mismatch', 'the digest of the empty log has another root', 0);
    digestMatched = true;
  }
  if (digest !== undefined && !digestMatched) {
    return fail(expected ?? 0n, 'truncated', `the export ends after ${verified} events; the digest covers ${digest.treeSize}`, 0);
  }
  return result(null);
}
