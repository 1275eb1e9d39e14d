/**
 * The verifier's fast path over raw bytes: a block of whole export lines checked without decoding or parsing them.
 *
 * A line is vouched for when it is in the exporter's exact layout and SHA-256 over the bytes of its own fields (with
 * its own prevHash, in the order integrity.ts's eventHashInput lays them out) is its recorded hash, its position is
 * the one before it plus one and its prevHash the hash of the line before. That alone proves nothing about the log:
 * the caller checks the block's first position and link against what it already verified, and the blocks are only
 * used under a digest, whose Merkle root (checked when the count reaches it) binds every recorded hash to the
 * store's. Given that, SHA-256 collision resistance makes a vouched line the store's canonical event byte for byte:
 * no field can hold a newline (lines are cut at newlines), so the hash input fixes every field. Anything else stops
 * the block; the caller hands that line and the rest to the parser, which judges and names the problem.
 *
 * Pure and self-contained (node:crypto only) so worker threads can run it on blocks they are handed.
 */
import { hash } from 'node:crypto';

const HASH_HEX = 64;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const CR = 0x0d;
const ZERO = 0x30;
const NINE = 0x39;
/** Decimal digits a position or revision may have (as the parser's /^(0|[1-9][0-9]{0,19})$/). */
const MAX_DIGITS = 20;

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

/** A key of the layout, also as big-endian 32-bit words: compared four bytes at a time. */
interface Key {
  readonly length: number;
  readonly bytes: Buffer;
  readonly words: readonly number[];
}
const key = (text: string): Key => {
  const bytes = ascii(text);
  const words: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) words.push(bytes.readUInt32BE(i));
  return { length: bytes.length, bytes, words };
};
const POSITION_KEY = key('{"position":"');
const ID_KEY = key('","id":"');
const TYPE_KEY = key('","type":"');
const STREAM_KEY = key('","stream":"');
const REVISION_KEY = key('","revision":"');
const RECORDED_AT_KEY = key('","recordedAt":"');
const DATA_KEY = key('","data":');
const METADATA_KEY = ascii(',"metadata":');
const HASH_KEY = key(',"hash":"');
const PREV_HASH_KEY = key('","prevHash":"');
const END = key('"}');
const TAIL_LENGTH = HASH_KEY.length + HASH_HEX + PREV_HASH_KEY.length + HASH_HEX + END.length;

/** The subtree roots (hex) a block contributes to the log's tree, left to right, each at a height where it starts. */
export interface BlockSubtree {
  height: number;
  root: string;
}

export interface BlockVerdict {
  /** Lines (blank ones included) vouched for from the block's start. */
  lines: number;
  /** Where the first line not vouched for starts (the block's length when every line was). */
  bytes: number;
  /** Events among those lines. */
  events: number;
  /** Position and prevHash of the first event, and the hash of the last (meaningful when events > 0). */
  firstPosition: number;
  firstPrevHash: string;
  lastHash: string;
  /** The events' Merkle leaves as aligned complete subtrees, leaf index = position (what the caller appends). */
  subtrees: BlockSubtree[];
}

/** Reusable buffers of one checker (one per thread): nothing allocated per line beyond the hashes' own results. */
class Scratch {
  input = Buffer.alloc(64 * 1024);
  /** `input` as 32-bit words, for fields copied into it four bytes at a time. */
  inputWords = new DataView(this.input.buffer, this.input.byteOffset, this.input.byteLength);
  /** Views of `input`'s first n bytes, by n: the hash input of a line without a new view per line. */
  private views: (Buffer | undefined)[] = [];
  /** What `layout` found in the last line it accepted (fields, not an object per line). */
  position = 0;
  hashAt = 0;
  prevHashAt = 0;
  /** The hash input's length (the input itself is left in `input`). */
  inputLength = 0;
  readonly leaf = Buffer.alloc(1 + 32);
  readonly node = Buffer.alloc(1 + 64);
  constructor() {
    this.node[0] = 0x01;
  }
  /** A hash input of `length` bytes fits (a longer line grows it; bounded by the caller's line limit). */
  ensure(length: number): void {
    if (length <= this.input.length) return;
    this.input = Buffer.alloc(Math.max(length, this.input.length * 2));
    this.inputWords = new DataView(this.input.buffer, this.input.byteOffset, this.input.byteLength);
    this.views = [];
  }
  /** The hash input `layout` left: a view kept per length (at most one per byte of `input`). */
  hashInput(): Buffer {
    let view = this.views[this.inputLength];
    if (view === undefined) {
      view = this.input.subarray(0, this.inputLength);
      this.views[this.inputLength] = view;
    }
    return view;
  }
}

/** True when `key` is at `at` in the block `words` views. */
function startsWith(words: DataView, at: number, key: Key): boolean {
  if (at + key.length > words.byteLength) return false;
  let i = 0;
  for (let w = 0; w < key.words.length; w += 1, i += 4) if (words.getUint32(at + i) !== key.words[w]) return false;
  for (; i < key.length; i += 1) if (words.getUint8(at + i) !== key.bytes[i]) return false;
  return true;
}

/** End of a canonical decimal starting at `at` (before `limit`), or -1: "0" or no leading zero, at most 20 digits. */
function decimalEnd(bytes: Uint8Array, at: number, limit: number): number {
  let end = at;
  while (end < limit && end - at <= MAX_DIGITS && bytes[end] >= ZERO && bytes[end] <= NINE) end += 1;
  const digits = end - at;
  if (digits === 0 || digits > MAX_DIGITS || (digits > 1 && bytes[at] === ZERO)) return -1;
  return end;
}

const QUOTES = 0x22222222;
const BACKSLASHES = 0x5c5c5c5c;

/** True when one of the four bytes of `word` is zero (exact: the classic test, in 32-bit integer arithmetic). */
const hasZeroByte = (word: number): boolean => ((word - 0x01010101) & ~word & 0x80808080) !== 0;

/**
 * Copies a name (no quote, no backslash) starting at `at` to `input` at `out` after a newline, up to its closing
 * quote; answers where the copy ends, or -1 when the name does not end in a quote before `limit`. One pass finds and
 * copies, four bytes at a time while none of them is a quote or a backslash, then byte by byte: names are a few dozen
 * bytes, less than a native call costs.
 */
function copyName(bytes: Buffer, words: DataView, at: number, limit: number, scratch: Scratch, out: number): number {
  const input = scratch.input;
  const inputWords = scratch.inputWords;
  input[out] = NEWLINE;
  let o = out + 1;
  let i = at;
  for (; i + 4 <= limit; i += 4, o += 4) {
    const word = words.getUint32(i);
    if (hasZeroByte(word ^ QUOTES) || hasZeroByte(word ^ BACKSLASHES)) break;
    inputWords.setUint32(o, word);
  }
  for (; i < limit; i += 1, o += 1) {
    const b = bytes[i];
    if (b === QUOTE) return o;
    if (b === BACKSLASH) return -1;
    input[o] = b;
  }
  return -1;
}

/**
 * Copies bytes [start, end) of the block (`bytes`, `words`) to scratch.input at `out`, four at a time: no view or
 * native call per field, which cost more than these few hundred bytes. Answers where the copy ends.
 */
function copyBytes(bytes: Buffer, words: DataView, start: number, end: number, scratch: Scratch, out: number): number {
  const input = scratch.input;
  const inputWords = scratch.inputWords;
  let i = start;
  let o = out;
  for (; i + 4 <= end; i += 4, o += 4) inputWords.setUint32(o, words.getUint32(i));
  for (; i < end; i += 1, o += 1) input[o] = bytes[i];
  return o;
}

/** Copies bytes [start, end) of `from` to `to` at `out` after a newline; answers the end. */
function copyField(from: Buffer, start: number, end: number, to: Buffer, out: number): number {
  to[out] = NEWLINE;
  let o = out + 1;
  for (let i = start; i < end; i += 1) {
    to[o] = from[i];
    o += 1;
  }
  return o;
}

/** The value of a decimal known to be canonical, as a number (exact below 2^53; larger ones are refused). */
function decimalValue(bytes: Uint8Array, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i += 1) value = value * 10 + (bytes[i] - ZERO);
  return value;
}

/**
 * Lays the hash input of the line [start, end) out in scratch.input (true), or answers false when it is not in the
 * layout. Every byte of the line is either compared with the layout's keys or copied into the hash input (the hash
 * and prevHash are compared by the caller), so a line is vouched for only as a whole.
 *
 * `words` views the same bytes as `bytes`, as 32-bit words: keys are compared and fields copied four bytes at a time.
 */
function layout(bytes: Buffer, words: DataView, start: number, end: number, scratch: Scratch): boolean {
  if (end - start < POSITION_KEY.length + TAIL_LENGTH || !startsWith(words, start, POSITION_KEY)) return false;
  const tail = end - TAIL_LENGTH;
  const hashAt = tail + HASH_KEY.length;
  const prevHashAt = hashAt + HASH_HEX + PREV_HASH_KEY.length;
  if (!startsWith(words, tail, HASH_KEY) || !startsWith(words, hashAt + HASH_HEX, PREV_HASH_KEY) || !startsWith(words, end - END.length, END)) return false;
  const positionAt = start + POSITION_KEY.length;
  const positionEnd = decimalEnd(bytes, positionAt, tail);
  if (positionEnd < 0 || !startsWith(words, positionEnd, ID_KEY)) return false;
  const position = decimalValue(bytes, positionAt, positionEnd);
  if (!Number.isSafeInteger(position)) return false;

  scratch.ensure(end - start + 2 * HASH_HEX);
  const input = scratch.input;
  copyBytes(bytes, words, prevHashAt, prevHashAt + HASH_HEX, scratch, 0);
  // Each name is copied as it is scanned; its length tells where it ended in the line.
  const idAt = positionEnd + ID_KEY.length;
  let at = copyName(bytes, words, idAt, tail, scratch, HASH_HEX);
  const idEnd = idAt + at - HASH_HEX - 1;
  if (at < 0 || !startsWith(words, idEnd, TYPE_KEY)) return false;
  const typeAt = idEnd + TYPE_KEY.length;
  let from = at;
  at = copyName(bytes, words, typeAt, tail, scratch, from);
  const typeEnd = typeAt + at - from - 1;
  if (at < 0 || !startsWith(words, typeEnd, STREAM_KEY)) return false;
  const streamAt = typeEnd + STREAM_KEY.length;
  from = at;
  at = copyName(bytes, words, streamAt, tail, scratch, from);
  const streamEnd = streamAt + at - from - 1;
  if (at < 0 || !startsWith(words, streamEnd, REVISION_KEY)) return false;
  const revisionAt = streamEnd + REVISION_KEY.length;
  const revisionEnd = decimalEnd(bytes, revisionAt, tail);
  if (revisionEnd < 0 || !startsWith(words, revisionEnd, RECORDED_AT_KEY)) return false;
  at = copyField(bytes, revisionAt, revisionEnd, input, at);
  at = copyField(bytes, positionAt, positionEnd, input, at);
  const recordedAt = revisionEnd + RECORDED_AT_KEY.length;
  from = at;
  at = copyName(bytes, words, recordedAt, tail, scratch, from);
  const recordedAtEnd = recordedAt + at - from - 1;
  if (at < 0 || !startsWith(words, recordedAtEnd, DATA_KEY)) return false;
  // The first ',"metadata":' may sit inside the data; then the hash will not match and the parser takes the line.
  const dataAt = recordedAtEnd + DATA_KEY.length;
  const cut = bytes.indexOf(METADATA_KEY, dataAt);
  if (cut < 0 || cut > tail) return false;
  input[at] = NEWLINE;
  at = copyBytes(bytes, words, dataAt, cut, scratch, at + 1);
  input[at] = NEWLINE;
  at = copyBytes(bytes, words, cut + METADATA_KEY.length, tail, scratch, at + 1);
  scratch.position = position;
  scratch.hashAt = hashAt;
  scratch.prevHashAt = prevHashAt;
  scratch.inputLength = at;
  return true;
}

const HEX_DIGITS = ascii('0123456789abcdef');

/**
 * Writes a raw 32-byte hash (a latin1 string, from node:crypto) into `to` at `at`: a loop, cheaper here than
 * Buffer#write's native call.
 */
function putRaw(to: Buffer, at: number, raw: string): void {
  for (let i = 0; i < 32; i += 1) to[at + i] = raw.charCodeAt(i);
}

/** Byte values by the two lowercase hex digits that spell them (as a big-endian 16-bit word); -1 for anything else. */
const HEX_PAIRS = new Int16Array(65536).fill(-1);
for (let byte = 0; byte < 256; byte += 1) HEX_PAIRS[(HEX_DIGITS[byte >> 4] << 8) | HEX_DIGITS[byte & 15]] = byte;

/**
 * True when the 64 bytes at `at` are the lowercase hex of `raw` (32 bytes as a latin1 string, from node:crypto); the
 * bytes are also left in `leaf` after its prefix, as the Merkle leaf hashes them.
 */
function recordedAs(words: DataView, at: number, raw: string, leaf: Buffer): boolean {
  for (let i = 0; i < 32; i += 1) {
    const byte = HEX_PAIRS[words.getUint16(at + 2 * i)];
    // -1 (not two lowercase hex digits) is no character code.
    if (byte !== raw.charCodeAt(i)) return false;
    leaf[1 + i] = byte;
  }
  return true;
}

/** True when the 64 bytes at `a` and at `b` are the same (compared four at a time). */
function sameHash(words: DataView, a: number, b: number): boolean {
  for (let i = 0; i < HASH_HEX; i += 4) if (words.getUint32(a + i) !== words.getUint32(b + i)) return false;
  return true;
}

/** True for a line of ASCII whitespace only (the parser skips it as blank). */
function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) {
    const b = bytes[i];
    if (b !== 0x20 && (b < 0x09 || b > 0x0d)) return false;
  }
  return true;
}

/**
 * Complete subtrees of the leaves appended from leaf index `first` on, merged only where RFC 6962 puts a subtree
 * (aligned to its size in the whole log): what the caller's frontier, at `first` leaves, can take one by one.
 */
class AlignedSubtrees {
  private readonly starts: number[] = [];
  private readonly heights: number[] = [];
  /** Raw 32-byte hashes as latin1 strings: node:crypto answers those without a hex round trip. */
  private readonly roots: string[] = [];

  constructor(private readonly scratch: Scratch) {}

  push(index: number, leafHash: string): void {
    let start = index;
    let height = 0;
    let root = leafHash;
    // At most one merge per height (≤ 53): bounded.
    for (let top = this.heights.length - 1; top >= 0; top -= 1) {
      const width = 2 ** height;
      if (this.heights[top] !== height || this.starts[top] + width !== start || this.starts[top] % (2 * width) !== 0) break;
      const node = this.scratch.node;
      putRaw(node, 1, this.roots[top]);
      putRaw(node, 1 + 32, root);
      root = hash('sha256', node, 'binary');
      start = this.starts[top];
      height += 1;
      this.starts.pop();
      this.heights.pop();
      this.roots.pop();
    }
    this.starts.push(start);
    this.heights.push(height);
    this.roots.push(root);
  }

  list(): BlockSubtree[] {
    return this.heights.map((height, i) => ({ height, root: Buffer.from(this.roots[i], 'latin1').toString('hex') }));
  }
}

let threadScratch: Scratch | null = null;

/**
 * Checks the whole lines of `block` (each ended by a newline, or by the block's end) from its start, as far as it
 * can vouch for them: layout and own hash, positions running on by one, each prevHash the hash before, every
 * position below `digestSize` (only the digest's root makes a vouched line the store's). Stops at the first line
 * it cannot vouch for.
 */
export function verifyBlock(block: Uint8Array, digestSize: number): BlockVerdict {
  const bytes = Buffer.isBuffer(block) ? block : Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scratch = (threadScratch ??= new Scratch());
  const subtrees = new AlignedSubtrees(scratch);
  const verdict: BlockVerdict = { lines: 0, bytes: 0, events: 0, firstPosition: -1, firstPrevHash: '', lastHash: '', subtrees: [] };
  let start = 0;
  /** Where the last vouched line's hash (hex) sits in the block. */
  let lastHashAt = -1;
  // Bounded by the block: every turn consumes a line.
  while (start < bytes.length) {
    const newline = bytes.indexOf(NEWLINE, start);
    const next = newline < 0 ? bytes.length : newline + 1;
    let end = newline < 0 ? bytes.length : newline;
    if (end > start && bytes[end - 1] === CR) end -= 1;
    if (!isBlank(bytes, start, end)) {
      if (!layout(bytes, words, start, end, scratch) || scratch.position >= digestSize) break;
      const recorded = hash('sha256', scratch.hashInput(), 'binary');
      if (!recordedAs(words, scratch.hashAt, recorded, scratch.leaf)) break;
      if (verdict.events === 0) {
        verdict.firstPosition = scratch.position;
        verdict.firstPrevHash = bytes.toString('latin1', scratch.prevHashAt, scratch.prevHashAt + HASH_HEX);
      } else if (scratch.position !== verdict.firstPosition + verdict.events || !sameHash(words, scratch.prevHashAt, lastHashAt)) {
        break;
      }
      subtrees.push(scratch.position, hash('sha256', scratch.leaf, 'binary'));
      lastHashAt = scratch.hashAt;
      verdict.events += 1;
    }
    verdict.lines += 1;
    verdict.bytes = next;
    start = next;
  }
  verdict.subtrees = subtrees.list();
  if (lastHashAt >= 0) verdict.lastHash = bytes.toString('latin1', lastHashAt, lastHashAt + HASH_HEX);
  return verdict;
}
