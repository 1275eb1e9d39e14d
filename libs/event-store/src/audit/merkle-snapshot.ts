/**
 * The snapshot of a MerkleCache as rows for the read-model snapshot file: a JSON header, one binary row of the leaf
 * hashes of the incomplete last block (fewer than 64), then one binary row per level the tree keeps (the roots of
 * its 64-leaf blocks, then the levels above them, 32 raw bytes per hash) and, in ordinal leaf order, one binary
 * row of the leaves' positions (int64 little-endian).
 *
 * The tree keeps nothing below its block roots (about 1 byte per leaf, 1 MB at 1,000,000 leaves), and neither does
 * the snapshot: restore copies the rows back and recomputes nothing. Their integrity is the snapshot file's
 * (payload SHA-256, checked before restore); restore checks every row's size and the root over the stored subtrees
 * against the root captured with them. Format merkle-levels/2 (every level, leaf hashes first) is refused, and the
 * read model rebuilt from the log.
 *
 * Capture is O(1) on little-endian machines: the level rows are views of bytes the cache never rewrites (appends go
 * past them; growth copies them elsewhere), written out by the snapshot writer in slices after the capture; the
 * last block's leaves are a copy of at most 2 KB.
 */
import { endianness } from 'node:os';
import { HASH_BYTES } from './proof-verify.js';
import { LEAF_BLOCK_HEIGHT, LEAF_BLOCK_LEAVES, MAX_MERKLE_LEAVES, MerkleLog } from './merkle.js';
import type { LeafOrder, MerkleCacheCapture } from './service.js';

export const MERKLE_SNAPSHOT_FORMAT = 'merkle-levels/3';
const POSITION_BYTES = 8;
const HEX_HASH = /^[0-9a-f]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

export interface MerkleSnapshotHeader {
  format: typeof MERKLE_SNAPSHOT_FORMAT;
  leafOrder: LeafOrder;
  treeSize: string;
  /** Root over the `treeSize` leaves at capture (hex): the restored tree must reach it. */
  root: string;
}

/** A snapshot that restore cannot use; the model is left as it was (fresh) and rebuilt from the log. */
export class MerkleSnapshotRejected extends Error {
  constructor(reason: string) {
    super(`the Merkle snapshot is not usable: ${reason}`);
    this.name = 'MerkleSnapshotRejected';
  }
}

/** Levels a tree of `size` leaves keeps (block roots first, as MerkleLog keeps them) and how many hashes each holds. */
function levelCounts(size: number): number[] {
  const counts: number[] = [];
  // At most 53 - 6 levels below 2^53.
  for (let height = LEAF_BLOCK_HEIGHT; 2 ** height <= size; height += 1) counts.push(Math.floor(size / 2 ** height));
  return counts;
}

/** Positions as int64 little-endian bytes: a view where that is the machine's order, else a copy. */
function positionBytes(positions: BigInt64Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(positions.buffer, positions.byteOffset, positions.byteLength);
  const bytes = Buffer.alloc(positions.length * POSITION_BYTES);
  for (let i = 0; i < positions.length; i += 1) bytes.writeBigInt64LE(positions[i], i * POSITION_BYTES);
  return bytes;
}

/** The rows of a snapshot of `capture`, whose tree has `root` (hex) at the captured size. */
export function merkleSnapshotRows(capture: MerkleCacheCapture, root: string): unknown[] {
  const header: MerkleSnapshotHeader = { format: MERKLE_SNAPSHOT_FORMAT, leafOrder: capture.leafOrder, treeSize: String(capture.size), root };
  const rows: unknown[] = [header, capture.blockLeaves, ...capture.levels];
  if (capture.positions !== null) rows.push(positionBytes(capture.positions));
  return rows;
}

function header(row: unknown, leafOrder: LeafOrder): { size: number; root: string } {
  if (typeof row !== 'object' || row === null || Array.isArray(row) || ArrayBuffer.isView(row)) throw new MerkleSnapshotRejected('the first row is not a header');
  const h = row as Record<string, unknown>;
  const keys = Object.keys(h).sort().join(',');
  if (keys !== 'format,leafOrder,root,treeSize') throw new MerkleSnapshotRejected(`the header has the fields ${keys}`);
  if (h.format !== MERKLE_SNAPSHOT_FORMAT) throw new MerkleSnapshotRejected(`format ${String(h.format)}`);
  if (h.leafOrder !== leafOrder) throw new MerkleSnapshotRejected(`leaf order ${String(h.leafOrder)}, this log's is ${leafOrder}`);
  if (typeof h.treeSize !== 'string' || !DECIMAL.test(h.treeSize) || Number(h.treeSize) > MAX_MERKLE_LEAVES) throw new MerkleSnapshotRejected('tree size');
  if (typeof h.root !== 'string' || !HEX_HASH.test(h.root)) throw new MerkleSnapshotRejected('root');
  return { size: Number(h.treeSize), root: h.root };
}

/** The raw bytes of one binary row, of exactly the length expected. */
function rowBytes(row: unknown, expectedBytes: number, at: number): Buffer {
  if (!(row instanceof Uint8Array)) throw new MerkleSnapshotRejected(`row ${at} is not binary`);
  if (row.length !== expectedBytes) throw new MerkleSnapshotRejected(`row ${at} has ${row.length} bytes, not ${expectedBytes}`);
  return Buffer.from(row.buffer, row.byteOffset, row.byteLength);
}

/**
 * The tree (and positions) a snapshot holds, checked: the layout, every row's length, increasing positions, and the
 * restored root against the captured one. Throws MerkleSnapshotRejected on anything else. Copies what it keeps
 * (the rows may view a file's bytes).
 */
export function decodeMerkleSnapshot(state: unknown, leafOrder: LeafOrder): { tree: MerkleLog; positions: BigInt64Array | null } {
  if (!Array.isArray(state) || state.length === 0) throw new MerkleSnapshotRejected('not an array of rows');
  const { size, root } = header(state[0], leafOrder);
  const counts = levelCounts(size);
  const expectedRows = 2 + counts.length + (leafOrder === 'ordinal' ? 1 : 0);
  if (state.length !== expectedRows) throw new MerkleSnapshotRejected(`${state.length} rows where ${expectedRows} were due`);
  const blockLeaves = rowBytes(state[1], (size % LEAF_BLOCK_LEAVES) * HASH_BYTES, 1);
  const levels = counts.map((count, i) => rowBytes(state[2 + i], count * HASH_BYTES, 2 + i));
  let positions: BigInt64Array | null = null;
  if (leafOrder === 'ordinal') {
    const bytes = rowBytes(state[2 + counts.length], size * POSITION_BYTES, 2 + counts.length);
    positions = new BigInt64Array(size);
    let previous = -1n;
    for (let i = 0; i < size; i += 1) {
      const position = bytes.readBigInt64LE(i * POSITION_BYTES);
      if (position <= previous) throw new MerkleSnapshotRejected(`leaf ${i} has position ${position}, not after ${previous}`);
      positions[i] = position;
      previous = position;
    }
  }
  // fromLevels copies the rows into buffers of its own.
  const tree = MerkleLog.fromLevels(levels, blockLeaves);
  const restored = tree.root().toString('hex');
  if (restored !== root) throw new MerkleSnapshotRejected(`the stored subtrees give the root ${restored}, the header says ${root}`);
  return { tree, positions };
}
