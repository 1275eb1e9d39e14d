/**
 * Verification of RFC 6962 (Certificate Transparency) Merkle proofs: the only code an auditor has to trust.
 *
 * Deliberately self-contained (node:crypto only) so it can be read in one sitting and copied into an
 * auditor's own tooling. Every function answers false/null for malformed input instead of throwing:
 * a verifier that can be made to throw can be made to skip a check.
 *
 * Algorithms follow RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), which verify the proofs
 * RFC 6962 §2.1.1 / §2.1.2 define.
 */
import { hash } from 'node:crypto';

/** SHA-256 digest length: every leaf hash, proof node and root has exactly this many bytes. */
export const HASH_BYTES = 32;

/** A hash given as 32 raw bytes or as 64 lowercase hex characters. */
export type HashLike = Uint8Array | string;

/** Tree sizes and leaf indices: non-negative integers (bigint for log positions, number for convenience). */
export type TreeIndex = bigint | number;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);
const HEX_HASH = /^[0-9a-f]{64}$/;
/** Tree sizes beyond 2^64 cannot occur; a bound keeps every loop below finite whatever the input. */
const MAX_TREE_SIZE = 1n << 64n;

const sha256 = (...parts: Uint8Array[]): Buffer => hash('sha256', Buffer.concat(parts), 'buffer');

/** The root of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1). */
export const EMPTY_TREE_ROOT: Buffer = sha256();

/** Leaf hash: SHA-256(0x00 || leaf bytes). The 0x00/0x01 prefixes stop a leaf from posing as an inner node. */
export function hashLeaf(leaf: Uint8Array): Buffer {
  return sha256(LEAF_PREFIX, leaf);
}

/** Inner node hash: SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(NODE_PREFIX, left, right);
}

/** Decodes a hash strictly: 32 bytes, or exactly 64 lowercase hex characters; anything else is null. */
export function toHashBytes(value: HashLike): Buffer | null {
  if (typeof value === 'string') return HEX_HASH.test(value) ? Buffer.from(value, 'hex') : null;
  if (!(value instanceof Uint8Array) || value.length !== HASH_BYTES) return null;
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function toIndex(value: TreeIndex): bigint | null {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) return null;
    return BigInt(value);
  }
  if (typeof value !== 'bigint' || value < 0n || value >= MAX_TREE_SIZE) return null;
  return value;
}

function toProof(proof: readonly HashLike[]): Buffer[] | null {
  // A proof for a tree of at most 2^64 leaves has at most 64 nodes (consistency: 65 with the prepended root).
  if (!Array.isArray(proof) || proof.length > 64) return null;
  const nodes: Buffer[] = [];
  for (const node of proof) {
    const bytes = toHashBytes(node);
    if (bytes === null) return null;
    nodes.push(bytes);
  }
  return nodes;
}

const equalHashes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

/**
 * The root an inclusion proof leads to, or null when the proof cannot be a proof for `index` in a tree of
 * `treeSize` leaves (index out of range, too few or too many nodes, malformed hashes).
 */
export function rootFromInclusionProof(
  leafHash: HashLike,
  index: TreeIndex,
  treeSize: TreeIndex,
  proof: readonly HashLike[],
): Buffer | null {
  const leaf = toHashBytes(leafHash);
  const leafIndex = toIndex(index);
  const size = toIndex(treeSize);
  const nodes = toProof(proof);
  if (leaf === null || leafIndex === null || size === null || nodes === null) return null;
  if (leafIndex >= size) return null;

  let fn = leafIndex;
  let sn = size - 1n;
  let r = leaf;
  for (const p of nodes) {
    // The path is longer than the tree is tall: a padded proof.
    if (sn === 0n) return null;
    if ((fn & 1n) === 1n || fn === sn) {
      r = hashChildren(p, r);
      // Climb past the levels where this node is the rightmost, childless-sibling edge of the tree.
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = hashChildren(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  // Anything but 0 here means the path stopped short of the root: a truncated proof.
  return sn === 0n ? r : null;
}

/** True when `proof` shows that `leafHash` is leaf number `index` (0-based) of the tree of `treeSize` with `root`. */
export function verifyInclusion(
  leafHash: HashLike,
  index: TreeIndex,
  treeSize: TreeIndex,
  proof: readonly HashLike[],
  root: HashLike,
): boolean {
  const expected = toHashBytes(root);
  if (expected === null) return false;
  const computed = rootFromInclusionProof(leafHash, index, treeSize, proof);
  return computed !== null && equalHashes(computed, expected);
}

/**
 * True when `proof` shows that the tree of `size2` leaves with `root2` extends the tree of `size1` leaves with
 * `root1`: the first `size1` leaves are the same, in the same order.
 *
 * Stricter than some implementations at the edges: size 0 is only consistent with the empty-tree root, and
 * equal sizes need equal roots and an empty proof, so a proof never "verifies" a root it says nothing about.
 */
export function verifyConsistency(
  size1: TreeIndex,
  size2: TreeIndex,
  proof: readonly HashLike[],
  root1: HashLike,
  root2: HashLike,
): boolean {
  const first = toIndex(size1);
  const second = toIndex(size2);
  const nodes = toProof(proof);
  const firstRoot = toHashBytes(root1);
  const secondRoot = toHashBytes(root2);
  if (first === null || second === null || nodes === null || firstRoot === null || secondRoot === null) return false;
  if (first > second) return false;
  if (first === 0n && !equalHashes(firstRoot, EMPTY_TREE_ROOT)) return false;
  if (first === second) return nodes.length === 0 && equalHashes(firstRoot, secondRoot);
  if (first === 0n) return nodes.length === 0;
  if (nodes.length === 0) return false;

  // When size1 is a power of two the old tree is a complete subtree of the new one, so the proof omits it.
  const path = (first & (first - 1n)) === 0n ? [firstRoot, ...nodes] : nodes;
  let fn = first - 1n;
  let sn = second - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i += 1) {
    const c = path[i];
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalHashes(fr, firstRoot) && equalHashes(sr, secondRoot);
}
