/**
 * The snapshot of a MerkleCache as rows for the read-model snapshot file: a header, then every level of the tree
 * (leaf hashes first, then the inner nodes, level by level) and, in ordinal leaf order, the leaves' positions, as
 * base64 of their raw bytes, a bounded chunk per row.
 *
 * Inner nodes are stored rather than recomputed: at 1,000,000 leaves recomputing them costs about a second of
 * SHA-256 at every start, reading them back about a tenth of that (bench/README.md), for twice the bytes. Their
 * integrity is the snapshot file's (payload SHA-256 checked before restore); restore checks every level's size and
 * the root over the stored subtrees against the root captured with them.
 *
 * Capture is O(1): rows hold views of bytes the cache never rewrites and encode them only when the writer serializes
 * each row (`toJSON`), in slices, after the capture.
 */
import { HASH_BYTES } from './proof-verify.js';
import { MAX_MERKLE_LEAVES, MerkleLog } from './merkle.js';
import type { LeafOrder, MerkleCacheCapture } from './service.js';

export const MERKLE_SNAPSHOT_FORMAT = 'merkle-levels/1';
/** Hashes per row by default: 1 MiB of hashes, 1.4 MB of base64 (rows stay far below V8's string limit). */
export const MERKLE_SNAPSHOT_CHUNK = 32_768;
/** Most hashes (or positions) one row may carry: a bound for what restore accepts. */
const MAX_CHUNK = 1 << 20;
const POSITION_BYTES = 8;
const HEX_HASH = /^[0-9a-f]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

export interface MerkleSnapshotHeader {
  format: typeof MERKLE_SNAPSHOT_FORMAT;
  leafOrder: LeafOrder;
  treeSize: string;
  /** Root over the `treeSize` leaves at capture (hex): the restored tree must reach it. */
  root: string;
  /** Hashes (or positions) per row; each level starts a new row. */
  chunk: number;
}

/** A snapshot that restore cannot use; the model is left as it was (fresh) and rebuilt from the log. */
export class MerkleSnapshotRejected extends Error {
  constructor(reason: string) {
    super(`the Merkle snapshot is not usable: ${reason}`);
    this.name = 'MerkleSnapshotRejected';
  }
}

/** Hashes encoded when the snapshot writer serializes the row, not when it is captured. */
class HashesRow {
  constructor(private readonly bytes: Buffer) {}
  toJSON(): string {
    return this.bytes.toString('base64');
  }
}

/** Positions as little-endian signed 64-bit integers, whatever this machine's byte order. */
class PositionsRow {
  constructor(private readonly positions: BigInt64Array) {}
  toJSON(): string {
    const bytes = Buffer.alloc(this.positions.length * POSITION_BYTES);
    for (let i = 0; i < this.positions.length; i += 1) bytes.writeBigInt64LE(this.positions[i], i * POSITION_BYTES);
    return bytes.toString('base64');
  }
}

/** Levels a tree of `size` leaves has (as MerkleLog keeps them) and how many hashes each holds. */
function levelCounts(size: number): number[] {
  const counts = [size];
  // At most 53 levels below 2^53.
  for (let height = 1; 2 ** height <= size; height += 1) counts.push(Math.floor(size / 2 ** height));
  return counts;
}

/** Rows that `count` items cut into chunks of `chunk` take. */
const rowsFor = (count: number, chunk: number): number => Math.ceil(count / chunk);

/** The rows of a snapshot of `capture`, whose tree has `root` (hex) at the captured size. */
export function merkleSnapshotRows(capture: MerkleCacheCapture, root: string, chunk: number = MERKLE_SNAPSHOT_CHUNK): unknown[] {
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > MAX_CHUNK) throw new RangeError(`chunk must be 1..${MAX_CHUNK}`);
  const header: MerkleSnapshotHeader = { format: MERKLE_SNAPSHOT_FORMAT, leafOrder: capture.leafOrder, treeSize: String(capture.size), root, chunk };
  const rows: unknown[] = [header];
  for (const level of capture.levels) {
    const count = level.length / HASH_BYTES;
    for (let first = 0; first < count; first += chunk) rows.push(new HashesRow(level.subarray(first * HASH_BYTES, Math.min(count, first + chunk) * HASH_BYTES)));
  }
  if (capture.positions !== null) {
    for (let first = 0; first < capture.size; first += chunk) {
      rows.push(new PositionsRow(capture.positions.subarray(first, Math.min(capture.size, first + chunk))));
    }
  }
  return rows;
}

function header(row: unknown, leafOrder: LeafOrder): { size: number; root: string; chunk: number } {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new MerkleSnapshotRejected('the first row is not a header');
  const h = row as Record<string, unknown>;
  const keys = Object.keys(h).sort().join(',');
  if (keys !== 'chunk,format,leafOrder,root,treeSize') throw new MerkleSnapshotRejected(`the header has the fields ${keys}`);
  if (h.format !== MERKLE_SNAPSHOT_FORMAT) throw new MerkleSnapshotRejected(`format ${String(h.format)}`);
  if (h.leafOrder !== leafOrder) throw new MerkleSnapshotRejected(`leaf order ${String(h.leafOrder)}, this log's is ${leafOrder}`);
  if (typeof h.treeSize !== 'string' || !DECIMAL.test(h.treeSize) || Number(h.treeSize) > MAX_MERKLE_LEAVES) throw new MerkleSnapshotRejected('tree size');
  if (typeof h.root !== 'string' || !HEX_HASH.test(h.root)) throw new MerkleSnapshotRejected('root');
  const chunk = h.chunk;
  if (typeof chunk !== 'number' || !Number.isInteger(chunk) || chunk < 1 || chunk > MAX_CHUNK) throw new MerkleSnapshotRejected('chunk');
  return { size: Number(h.treeSize), root: h.root, chunk };
}

/**
 * The bytes of one row: base64 text (strictly: its length must be exactly that of the expected byte count, which a
 * stray, missing or non-alphabet character changes, as Node's decoder skips what it does not know) or raw bytes.
 */
function rowBytes(row: unknown, expectedBytes: number, at: number): Buffer {
  if (row instanceof Uint8Array) {
    if (row.length !== expectedBytes) throw new MerkleSnapshotRejected(`row ${at} has ${row.length} bytes, not ${expectedBytes}`);
    return Buffer.from(row.buffer, row.byteOffset, row.byteLength);
  }
  if (typeof row !== 'string' || row.length !== 4 * Math.ceil(expectedBytes / 3)) throw new MerkleSnapshotRejected(`row ${at} is not ${expectedBytes} bytes in base64`);
  const bytes = Buffer.from(row, 'base64');
  if (bytes.length !== expectedBytes) throw new MerkleSnapshotRejected(`row ${at} decodes to ${bytes.length} bytes, not ${expectedBytes}`);
  return bytes;
}

/**
 * The tree (and positions) a snapshot holds, checked: the layout, every row's length, increasing positions, and the
 * restored root against the captured one. Throws MerkleSnapshotRejected on anything else; builds nothing shared.
 */
export function decodeMerkleSnapshot(state: unknown, leafOrder: LeafOrder): { tree: MerkleLog; positions: BigInt64Array | null } {
  if (!Array.isArray(state) || state.length === 0) throw new MerkleSnapshotRejected('not an array of rows');
  const { size, root, chunk } = header(state[0], leafOrder);
  const counts = levelCounts(size);
  const levelRows = counts.reduce((total, count) => total + rowsFor(count, chunk), 0);
  const expectedRows = 1 + levelRows + (leafOrder === 'ordinal' ? rowsFor(size, chunk) : 0);
  if (state.length !== expectedRows) throw new MerkleSnapshotRejected(`${state.length} rows where ${expectedRows} were due`);
  let row = 1;
  const levels = counts.map((count) => {
    const level = Buffer.alloc(count * HASH_BYTES);
    for (let first = 0; first < count; first += chunk, row += 1) {
      level.set(rowBytes(state[row], (Math.min(count, first + chunk) - first) * HASH_BYTES, row), first * HASH_BYTES);
    }
    return level;
  });
  let positions: BigInt64Array | null = null;
  if (leafOrder === 'ordinal') {
    positions = new BigInt64Array(size);
    let previous = -1n;
    for (let first = 0; first < size; first += chunk, row += 1) {
      const items = Math.min(size, first + chunk) - first;
      const bytes = rowBytes(state[row], items * POSITION_BYTES, row);
      for (let i = 0; i < items; i += 1) {
        const position = bytes.readBigInt64LE(i * POSITION_BYTES);
        if (position <= previous) throw new MerkleSnapshotRejected(`leaf ${first + i} has position ${position}, not after ${previous}`);
        positions[first + i] = position;
        previous = position;
      }
    }
  }
  const tree = MerkleLog.fromLevels(levels);
  const restored = tree.root().toString('hex');
  if (restored !== root) throw new MerkleSnapshotRejected(`the stored subtrees give the root ${restored}, the header says ${root}`);
  return { tree, positions };
}
