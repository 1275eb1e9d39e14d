/**
 * The offline verifier for exports whose lines say `"chain":"stream"` (EventStoreDB): one hash chain per stream,
 * each event hashed with position -1 (the server assigns the position after the writer hashed), and a Merkle tree
 * whose leaf i is the i-th event of the log, named on each line by its `ordinal`.
 *
 * What it checks, line by line: the ordinals run on by one from the first line's; positions strictly increase
 * (the order of `$all`); within each stream revisions run on by one and each prevHash is the hash of the stream's
 * previous event (genesis at revision 0); every hash matches the event's contents; at the digest's tree size, the
 * root over the leaves and the head (hash and position). An export that does not start at ordinal 0 takes each
 * stream's first prevHash on trust, like a global-chain export from a later position, and cannot meet a digest.
 *
 * Memory: the O(log n) Merkle frontier plus each stream's last revision and hash (about 150 bytes a stream),
 * bounded by `maxStreams`.
 */
import { canonicalJson, eventHash, GENESIS_HASH } from '../integrity.js';
import type { DigestFile } from './export.js';
import { STREAM_CHAIN } from './export.js';
import { MerkleFrontier } from './merkle.js';
import { EMPTY_TREE_ROOT } from './proof-verify.js';
import type { Discrepancy, DiscrepancyReason, ExportVerification, ParsedLine, VerifyExportOptions } from './verify-export.js';
import { parseExportLine, verifyProgress } from './verify-export.js';

/** Hashed in place of the position on EventStoreDB (see the adapter's envelope). */
const UNHASHED_POSITION = -1n;
/** Streams tracked at once by default: far beyond any ledger this build serves, and about 1.5 GB at worst. */
export const DEFAULT_MAX_STREAMS = 10_000_000;
const DEFAULT_MAX_LINE_LENGTH = 8 * 1024 * 1024;
const DEFAULT_PROGRESS_EVERY = 10_000;
const DECIMAL = /^(0|[1-9][0-9]{0,19})$/;
/** How a stream-chain line opens (the exporter's layout): enough to tell the chain model from the first line. */
const STREAM_CHAIN_HEAD = /^\{"position":"(0|[1-9][0-9]{0,19})","ordinal":"(0|[1-9][0-9]{0,19})","chain":"stream"/;

/** True when `text` is a line of a per-stream-chain export (as streamChainExportLine writes it). */
export const isStreamChainLine = (text: string): boolean => STREAM_CHAIN_HEAD.test(text);

interface StreamChainLine extends ParsedLine {
  ordinal: bigint;
}

function parseStreamChainLine(text: string, maxLength: number): StreamChainLine | string {
  const parsed = parseExportLine(text, maxLength);
  if (typeof parsed === 'string') return parsed;
  const { line, raw } = parsed;
  if (raw.chain !== STREAM_CHAIN) return `chain is not "${STREAM_CHAIN}" (an export holds one chain model throughout)`;
  if (typeof raw.ordinal !== 'string' || !DECIMAL.test(raw.ordinal)) return 'ordinal is not a decimal string';
  return { ...line, ordinal: BigInt(raw.ordinal) };
}

/** The stored hash is over the writer's canonical JSON; a faithful re-serialisation is accepted through the canonical form. */
function hashMatches(event: StreamChainLine): boolean {
  const fields = {
    id: event.id,
    type: event.type,
    stream: event.stream,
    revision: event.revision,
    position: UNHASHED_POSITION,
    recordedAt: event.recordedAt,
    dataJson: JSON.stringify(event.data),
    metadataJson: JSON.stringify(event.metadata),
  };
  if (eventHash(event.prevHash, fields) === event.hash) return true;
  fields.dataJson = canonicalJson(event.data);
  fields.metadataJson = canonicalJson(event.metadata);
  return eventHash(event.prevHash, fields) === event.hash;
}

/**
 * Verifies a per-stream-chain export (lines without their newline; blank lines skipped) against itself and, when
 * given, a digest. Stops at the first discrepancy; its `position` is the event's position (the digest's head for
 * root and head mismatches), and its detail names the ordinal.
 */
export async function verifyStreamChainExport(
  lines: AsyncIterable<string> | Iterable<string>,
  digest?: DigestFile,
  options: VerifyExportOptions & { maxStreams?: number } = {},
): Promise<ExportVerification> {
  const nowMs = options.nowMs ?? Date.now;
  const startedMs = nowMs();
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  const maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
  const progressEvery = Math.max(1, options.progressEvery ?? DEFAULT_PROGRESS_EVERY);
  const digestCount = digest === undefined ? -1 : Number(BigInt(digest.treeSize));
  const eventsTotal = options.eventsTotal ?? (digest === undefined ? null : digestCount);

  const frontier = new MerkleFrontier();
  const streams = new Map<string, { revision: bigint; hash: string }>();
  let expectedOrdinal: bigint | null = null;
  let lastPosition = -1n;
  let fromGenesis = true;
  let verified = 0;
  let lineNumber = 0;
  let headHash: string | null = null;
  let digestMatched = false;

  const report = (): void => {
    if (options.onProgress === undefined) return;
    options.onProgress(verifyProgress(verified, eventsTotal, nowMs() - startedMs));
  };
  const result = (discrepancy: Discrepancy | null): ExportVerification => {
    report();
    return { ok: discrepancy === null, eventsVerified: verified, firstDiscrepancy: discrepancy, root: fromGenesis ? frontier.root().toString('hex') : null, headHash, digestMatched };
  };
  const fail = (position: bigint, reason: DiscrepancyReason, detail: string, line = lineNumber): ExportVerification => result({ position, line, reason, detail });

  const source = Symbol.asyncIterator in lines ? lines[Symbol.asyncIterator]() : lines[Symbol.iterator]();
  /** The next non-blank line, or null at the end; counts every line read so line numbers match the file. */
  const nextLine = async (): Promise<string | null> => {
    // Bounded by the input: every turn consumes a line.
    for (;;) {
      const step = await source.next();
      if (step.done === true) return null;
      lineNumber += 1;
      if (step.value.trim() !== '') return step.value;
    }
  };

  try {
    for (let text = await nextLine(); text !== null; text = await nextLine()) {
      const verdict = await checkLine(text);
      if (verdict !== null) return verdict;
    }
  } finally {
    // Closes the source (a file, a socket) when verification stops early.
    await source.return?.(undefined);
  }

  if (digest !== undefined && digestCount === 0) {
    if (digest.root !== EMPTY_TREE_ROOT.toString('hex')) return fail(0n, 'root_mismatch', 'the digest of the empty log has another root', 0);
    digestMatched = true;
  }
  if (digest !== undefined && !digestMatched) {
    return fail(lastPosition + 1n, 'truncated', `the export ends after ${verified} events; the digest covers ${digest.treeSize}`, 0);
  }
  return result(null);

  /** Checks one line and takes it into the chains and the tree; answers the verdict when it is a discrepancy. */
  async function checkLine(text: string): Promise<ExportVerification | null> {
    const event = parseStreamChainLine(text, maxLineLength);
    if (typeof event === 'string') return fail(lastPosition + 1n, 'malformed_line', event);

    if (expectedOrdinal === null) {
      expectedOrdinal = event.ordinal;
      fromGenesis = event.ordinal === 0n;
      if (!fromGenesis && digest !== undefined) {
        return fail(event.position, 'not_from_genesis', `the export starts at ordinal ${event.ordinal}; a digest covers the log from its first event`);
      }
    }
    if (event.ordinal !== expectedOrdinal) {
      const due = expectedOrdinal;
      // The position the missing or misplaced event would have is unknown: every one through the last was verified.
      const at = lastPosition + 1n;
      if (event.ordinal < due) return fail(at, 'duplicate_position', `ordinal ${event.ordinal} appears again where ${due} was due`);
      // One line of look-ahead tells a swap (the due ordinal comes next) from a gap.
      const lineOfFound = lineNumber;
      const next = await nextLine();
      const nextEvent = next === null ? null : parseStreamChainLine(next, maxLineLength);
      const swapped = nextEvent !== null && typeof nextEvent !== 'string' && nextEvent.ordinal === due;
      return swapped
        ? fail(at, 'out_of_order_position', `ordinal ${event.ordinal} (position ${event.position}) comes before ordinal ${due}`, lineOfFound)
        : fail(at, 'missing_position', `ordinal ${due} is missing: the next line holds ordinal ${event.ordinal}`, lineOfFound);
    }
    if (event.position <= lastPosition) {
      return fail(event.position, 'out_of_order_position', `position ${event.position} (ordinal ${event.ordinal}) does not follow position ${lastPosition}`);
    }
    const previous = streams.get(event.stream);
    if (previous === undefined) {
      // A stream first met: from the log's start it must open at revision 0 on genesis; later, its link is the anchor.
      if (fromGenesis && (event.revision !== 0n || event.prevHash !== GENESIS_HASH)) {
        return fail(event.position, event.revision !== 0n ? 'stream_revision_gap' : 'broken_link', `stream ${event.stream} opens at revision ${event.revision} (ordinal ${event.ordinal}), not at revision 0 on genesis`);
      }
      if (streams.size >= maxStreams) return fail(event.position, 'malformed_line', `the export holds more than ${maxStreams} streams, the most this verifier tracks`);
    } else {
      if (event.revision !== previous.revision + 1n) {
        return fail(event.position, 'stream_revision_gap', `stream ${event.stream}: revision ${event.revision} follows revision ${previous.revision} (ordinal ${event.ordinal})`);
      }
      if (event.prevHash !== previous.hash) {
        return fail(event.position, 'broken_link', `stream ${event.stream}@${event.revision}: prevHash ${event.prevHash} is not the hash of the stream's previous event (${previous.hash})`);
      }
    }
    if (!hashMatches(event)) return fail(event.position, 'hash_mismatch', `the hash does not match the event's contents and its stream's previous hash (ordinal ${event.ordinal})`);

    streams.set(event.stream, { revision: event.revision, hash: event.hash });
    frontier.appendLeafHex(event.hash);
    verified += 1;
    expectedOrdinal += 1n;
    lastPosition = event.position;
    headHash = event.hash;
    if (verified % progressEvery === 0) report();
    if (digest !== undefined && verified === digestCount) {
      const root = frontier.root().toString('hex');
      if (root !== digest.root) return fail(event.position, 'root_mismatch', `the Merkle root over ordinals 0..${event.ordinal} is ${root}, the digest says ${digest.root}`);
      if (event.hash !== digest.headHash || event.position.toString() !== digest.headPosition) {
        return fail(event.position, 'head_mismatch', `the event at ordinal ${event.ordinal} (position ${event.position}) is not the digest's head`);
      }
      digestMatched = true;
    }
    return null;
  }
}
