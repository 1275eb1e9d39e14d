/**
 * Evidence indexed by time: a sorted list of deltas (instant → coefficient vector) stored as prefix sums, so "the sum
 * of everything that had happened by instant t" is a binary search and an addition, and "by now" is the last row.
 *
 * Rows live in chunks of at most MAX_CHUNK_ROWS, each one Float64Array ([instant, owner id, prefix sums…] per row: no
 * object per row) whose sums count from the chunk's first row; every chunk after the first has a base, the sum of all
 * the rows before it. An index keeps only the coefficients its evidence has (`offset`, `width`): commitments four,
 * findings one. Events mostly arrive in time order, so an insertion is usually an append; a back-dated one (rule 4
 * places an open commitment's evidence at due + lead, before the rows of commitments made earlier) shifts the rows
 * after it in its chunk and the bases of the chunks after it, not every later row of the index. Nearly every index
 * holds a handful of rows: one chunk, no bases. Each delta carries an id so that a re-resolved commitment can
 * withdraw exactly the deltas it added.
 *
 * A sum's bits depend on where the chunks begin (it is base + local sum) and the chunks on the order of insertions
 * and withdrawals, so a snapshot carries the chunks as they are, never a recomputation: a restored index goes on bit
 * for bit like the index that wrote it.
 */
import { TrustSnapshotError, expectArray, expectCount } from './snapshot-codec.js';

export const COEFFICIENTS = 5;

/** Coefficient slots of a delta: commitments use the first four, findings the last. */
export const Coef = {
  /** Σ w·q·2^((t − E)/H): positive commitment evidence, undecayed around the reference epoch E. */
  R: 0,
  /** Σ κ·w·(1 − q)·2^((t − E)/H): negative commitment evidence. */
  S: 1,
  /** Provisional evidence of overdue open commitments is piecewise linear in the as-of instant: slope per day … */
  P1: 2,
  /** … and intercept, with the as-of instant in days after E. */
  P0: 3,
  /** Σ φ·severity·2^((t − E)/H_f): findings. */
  F: 4,
} as const;

/** The coefficients commitment evidence carries (R, S, P1, P0), and the one findings carry (F). */
export const COMMITMENT_COEFFICIENTS = { offset: Coef.R, width: 4 } as const;
export const FINDING_COEFFICIENTS = { offset: Coef.F, width: 1 } as const;

export type CoefVector = Float64Array;

export const newCoefVector = (): CoefVector => new Float64Array(COEFFICIENTS);

/**
 * Most rows in one chunk. An insertion moves up to this many rows and bumps one base per later chunk, so it balances
 * the two for indices of thousands to a few hundred thousand rows. Part of the snapshot's format: a restore refuses
 * larger chunks.
 */
export const MAX_CHUNK_ROWS = 512;

/** Fewest rows either part of a split chunk keeps, unless the row goes before or after all of it. */
const MIN_SPLIT_ROWS = MAX_CHUNK_ROWS / 8;

/** Neighbouring chunks that a withdrawal leaves with this many rows between them become one. */
const MERGED_CHUNK_ROWS = MAX_CHUNK_ROWS / 2;

/** Next capacity of a chunk, in rows: ×1.5 keeps its unused tail to a third at most. */
const nextCapacity = (capacity: number): number => Math.min(MAX_CHUNK_ROWS, Math.max(4, Math.ceil(capacity * 1.5)));

const KEY = 0;
const ID = 1;
const SUM = 2;

/** Rows of an index made without room (a restored one takes its rows from the snapshot); never written. */
const NO_ROWS: Float64Array = new Float64Array(0);

/** Scratch for the delta a removal takes out and for the shift of a merge (one thread; never held across calls). */
const REMOVED = new Float64Array(COEFFICIENTS);
const SHIFT = new Float64Array(COEFFICIENTS);

/**
 * Adds sign·delta[offset + k] to the k-th sum of every row from `from` (the first sum's index) to `end`: the cost of an
 * insertion or removal before later rows of a chunk, or before later chunks (their bases, `stride` = width).
 * Commitment indices (four sums) take an unrolled loop with the delta in locals; the arithmetic is the generic loop's,
 * operation for operation, so the sums are bit for bit the same.
 */
function shiftSums(rows: Float64Array, from: number, end: number, stride: number, width: number, delta: ArrayLike<number>, offset: number, sign: 1 | -1): void {
  if (width === 4) {
    const d0 = sign * delta[offset];
    const d1 = sign * delta[offset + 1];
    const d2 = sign * delta[offset + 2];
    const d3 = sign * delta[offset + 3];
    for (let b = from; b < end; b += stride) {
      rows[b] += d0;
      rows[b + 1] += d1;
      rows[b + 2] += d2;
      rows[b + 3] += d3;
    }
    return;
  }
  for (let b = from; b < end; b += stride) {
    for (let k = 0; k < width; k++) rows[b + k] += sign * delta[offset + k];
  }
}

/** Moves sums to a new reference epoch: scales coefficient k by factors[offset + k] and adds p0PerP1·P1 to P0. */
function rebaseSums(sums: Float64Array, from: number, end: number, stride: number, width: number, offset: number, factors: ArrayLike<number>, p0PerP1: number): void {
  const hasProvisional = offset <= Coef.P1 && Coef.P0 < offset + width;
  for (let b = from; b < end; b += stride) {
    const p1 = hasProvisional ? sums[b + Coef.P1 - offset] : 0;
    for (let k = 0; k < width; k++) sums[b + k] *= factors[offset + k];
    if (hasProvisional) sums[b + Coef.P0 - offset] += p0PerP1 * p1;
  }
}

/** The first of `n` rows whose instant is after `key`. */
function upperBound(rows: Float64Array, n: number, stride: number, key: number): number {
  // Appends are the common case: check the end first.
  if (n === 0 || key >= rows[(n - 1) * stride + KEY]) return n;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid * stride + KEY] <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first of `n` rows whose instant is at or after `key`. */
function lowerBound(rows: Float64Array, n: number, stride: number, key: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid * stride + KEY] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Consecutive rows of an index; their sums count from its first row. */
class Chunk {
  /** `rows` is viewed by a snapshot being written: copied before the next change (see `own`). */
  lent = false;

  constructor(
    /** [key, id, local prefix sums…] per row, room for more after the first `n`. */
    public rows: Float64Array,
    public n: number,
  ) {}

  /** Copies the rows a snapshot still views, before they change. */
  own(): void {
    if (!this.lent) return;
    this.rows = this.rows.slice();
    this.lent = false;
  }
}

/** How a snapshot lists an index: its row count when it is one chunk, else each chunk's row count. */
export type TimeIndexLayout = number | number[];

export class TimeIndex {
  /** At least one; only the single chunk of an empty index is empty. */
  private chunks: Chunk[];
  /**
   * chunks[0], which never changes once the index is made (splits and merges keep the first chunk's object): an
   * index of one chunk, nearly every index, is read without going through the list.
   */
  private first: Chunk;
  /**
   * Bases of the chunks after the first (the first's is zero), chunk c's at (c − 1)·width; exactly that long, and
   * NO_ROWS itself while the index is one chunk.
   */
  private bases: Float64Array = NO_ROWS;
  /**
   * First instant of each chunk (NO_ROWS while there is one): the search for a chunk reads one small array instead of
   * every chunk it passes. Derived, never in a snapshot.
   */
  private starts: Float64Array = NO_ROWS;
  /** `bases` is viewed by a snapshot being written: copied before the next change. */
  private basesLent = false;
  private n = 0;
  private readonly offset: number;
  private readonly width: number;
  private readonly stride: number;

  constructor(initialCapacity = 4, coefficients: { offset: number; width: number } = { offset: 0, width: COEFFICIENTS }) {
    this.offset = coefficients.offset;
    this.width = coefficients.width;
    this.stride = SUM + this.width;
    const capacity = Math.min(MAX_CHUNK_ROWS, Math.max(0, Math.floor(initialCapacity)));
    this.first = new Chunk(capacity === 0 ? NO_ROWS : new Float64Array(capacity * this.stride), 0);
    this.chunks = [this.first];
  }

  get size(): number {
    return this.n;
  }

  /** The latest instant any delta takes effect, or -Infinity when empty. */
  get lastKey(): number {
    const last = this.chunks[this.chunks.length - 1];
    return last.n === 0 ? Number.NEGATIVE_INFINITY : last.rows[(last.n - 1) * this.stride + KEY];
  }

  /** Adds `sign`·delta at `key`, after the deltas already there; the id must be unique among the deltas at that key. */
  add(key: number, id: number, delta: CoefVector, sign: 1 | -1 = 1): void {
    const { stride, width, offset } = this;
    let c = this.bases === NO_ROWS ? 0 : Math.max(0, this.chunkAt(key));
    let chunk = c === 0 ? this.first : this.chunks[c];
    let at = upperBound(chunk.rows, chunk.n, stride, key);
    if (chunk.n === MAX_CHUNK_ROWS) {
      // A full chunk splits where the row goes, so that a run of insertions at one point (appends; insertions before
      // everything; evidence of now placed before the future rows of open commitments) fills chunks rather than
      // leaving them half full; but no part keeps less than an eighth of it, so scattered insertions make no
      // sliver chunks. Past the end, or before the first row, the row starts a chunk of its own.
      const splitAt = at === MAX_CHUNK_ROWS || at === 0 ? at : Math.min(MAX_CHUNK_ROWS - MIN_SPLIT_ROWS, Math.max(MIN_SPLIT_ROWS, at));
      this.split(c, splitAt);
      // Between the two parts, the row ends the first, unless that one is still full.
      if (at > splitAt || at === MAX_CHUNK_ROWS) {
        c++;
        at -= splitAt;
      }
      chunk = this.chunks[c];
    }
    if ((chunk.n + 1) * stride > chunk.rows.length) this.grow(chunk);
    else chunk.own();
    const rows = chunk.rows;
    const n = chunk.n;
    if (at < n) rows.copyWithin((at + 1) * stride, at * stride, n * stride);
    const base = at * stride;
    rows[base + KEY] = key;
    rows[base + ID] = id;
    for (let k = 0; k < width; k++) rows[base + SUM + k] = (at === 0 ? 0 : rows[base - stride + SUM + k]) + sign * delta[offset + k];
    chunk.n = n + 1;
    this.n++;
    if (at === 0 && this.starts !== NO_ROWS) this.starts[c] = key;
    if (at < n) shiftSums(rows, base + stride + SUM, (n + 1) * stride, stride, width, delta, offset, sign);
    this.shiftBasesAfter(c, delta, offset, sign);
  }

  /** Withdraws the delta added with this key and id; returns false when there is none. */
  remove(key: number, id: number): boolean {
    const { chunks, stride } = this;
    // Rows at one instant may run on into the next chunks: bounded by the chunks.
    for (let c = this.firstChunkReaching(key); c < chunks.length; c++) {
      const { rows, n } = chunks[c];
      let at = lowerBound(rows, n, stride, key);
      while (at < n && rows[at * stride + KEY] === key && rows[at * stride + ID] !== id) at++;
      if (at < n) {
        if (rows[at * stride + KEY] !== key) return false;
        this.removeRow(c, at);
        return true;
      }
    }
    return false;
  }

  /**
   * Writes into `out` the sum of every delta with key ≤ asOf, in this index's coefficients (the others are left as
   * they are): O(1) at or after the last key, else O(log n).
   */
  sumAt(asOf: number, out: CoefVector): void {
    // Kept small, so that the compiler inlines it into its callers: queries ask it hundreds of times each.
    if (this.bases !== NO_ROWS) return this.sumAtChunked(asOf, out);
    const { stride, width, offset } = this;
    const { rows, n } = this.first;
    const row = n > 0 && asOf >= rows[(n - 1) * stride + KEY] ? n - 1 : upperBound(rows, n, stride, asOf) - 1;
    const at = row * stride + SUM;
    for (let k = 0; k < width; k++) out[offset + k] = row < 0 ? 0 : rows[at + k];
  }

  /** `sumAt` of an index of several chunks, none of them empty. */
  private sumAtChunked(asOf: number, out: CoefVector): void {
    const { chunks, stride, width, offset } = this;
    let c = chunks.length - 1;
    let chunk = chunks[c];
    let row = chunk.n - 1;
    if (asOf < chunk.rows[row * stride + KEY]) {
      c = this.chunkAt(asOf);
      if (c < 0) {
        for (let k = 0; k < width; k++) out[offset + k] = 0;
        return;
      }
      chunk = chunks[c];
      row = upperBound(chunk.rows, chunk.n, stride, asOf) - 1;
    }
    const at = row * stride + SUM;
    if (c === 0) {
      for (let k = 0; k < width; k++) out[offset + k] = chunk.rows[at + k];
      return;
    }
    const b = (c - 1) * width;
    for (let k = 0; k < width; k++) out[offset + k] = this.bases[b + k] + chunk.rows[at + k];
  }

  /** Moves the reference epoch: scales each coefficient by factors[k] and adds p0PerP1·P1 to the intercept. */
  rebase(factors: ArrayLike<number>, p0PerP1: number): void {
    const { stride, width, offset } = this;
    // A sum is base + local, and the move is linear: moving both moves the sum.
    for (const chunk of this.chunks) {
      chunk.own();
      rebaseSums(chunk.rows, SUM, chunk.n * stride, stride, width, offset, factors, p0PerP1);
    }
    if (this.bases.length === 0) return;
    this.ownBases();
    rebaseSums(this.bases, 0, this.bases.length, width, width, offset, factors, p0PerP1);
  }

  /**
   * For a snapshot: pushes its arrays onto `into`, lent rather than copied, and the byte length of the part of each
   * that is written onto `byteLengths` (a capture costs nothing however large the index; the index copies a chunk, or
   * its bases, before its next change to it, so the snapshot keeps them as they were), and returns the layout. One
   * chunk: its rows, and its row count. Several: their bases, then each chunk's rows, and the chunks' row counts.
   */
  captureInto(into: Float64Array[], byteLengths: number[]): TimeIndexLayout {
    const { chunks, stride } = this;
    // Whole arrays and the length of their prefix, not views: tens of thousands of indices, no object made per index.
    if (chunks.length === 1) {
      const only = chunks[0];
      only.lent = true;
      into.push(only.rows);
      byteLengths.push(only.n * stride * Float64Array.BYTES_PER_ELEMENT);
      return only.n;
    }
    this.basesLent = true;
    into.push(this.bases);
    byteLengths.push(this.bases.byteLength);
    const sizes: number[] = [];
    for (const chunk of chunks) {
      chunk.lent = true;
      into.push(chunk.rows);
      byteLengths.push(chunk.n * stride * Float64Array.BYTES_PER_ELEMENT);
      sizes.push(chunk.n);
    }
    return sizes;
  }

  /**
   * An index that takes over the rows of a capture with this layout, `take(length)` handing out the numbers of each
   * part in turn (bases, then chunks, as `captureInto` pushed them); throws unless the layout is one an index can
   * have and the instants are in order. The index writes only inside the parts it took, until it moves a chunk to an
   * array of its own.
   */
  static restore(coefficients: { offset: number; width: number }, layout: unknown, take: (length: number) => Float64Array): TimeIndex {
    const index = new TimeIndex(0, coefficients);
    const { stride, width } = index;
    if (typeof layout === 'number') {
      const size = chunkSize(layout, 0);
      index.first.rows = take(size * stride);
      index.first.n = size;
      index.n = size;
    } else {
      const sizes = expectArray(layout, 'time index chunks');
      if (sizes.length < 2) throw new TrustSnapshotError('a time index of chunks lists fewer than two');
      index.bases = take((sizes.length - 1) * width);
      index.chunks = sizes.map((size) => {
        const n = chunkSize(size, 1);
        index.n += n;
        return new Chunk(take(n * stride), n);
      });
      index.first = index.chunks[0];
      index.starts = index.startsOf();
    }
    index.checkOrder();
    return index;
  }

  /** Throws unless every instant is a number and none comes before the one before it, across chunks too. */
  private checkOrder(): void {
    const stride = this.stride;
    let previous = Number.NEGATIVE_INFINITY;
    let row = 0;
    for (const { rows, n } of this.chunks) {
      for (let b = KEY; b < n * stride; b += stride, row++) {
        const key = rows[b];
        if (Number.isNaN(key) || key < previous) throw new TrustSnapshotError(`time index row ${row} is out of order`);
        previous = key;
      }
    }
  }

  /** The last chunk whose first instant is at or before `key`, or −1 when every row is later; the index has rows. */
  private chunkAt(key: number): number {
    const starts = this.starts;
    let hi = starts.length;
    // Appends are the common case: check the last chunk first.
    if (starts[hi - 1] <= key) return hi - 1;
    let lo = 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** The chunks' first instants; an empty chunk (about to take its first row) comes after every instant. */
  private startsOf(): Float64Array {
    return Float64Array.from(this.chunks, (chunk) => (chunk.n === 0 ? Number.POSITIVE_INFINITY : chunk.rows[KEY]));
  }

  /** The first chunk whose last instant is at or after `key`, or the number of chunks when there is none. */
  private firstChunkReaching(key: number): number {
    const { chunks, stride } = this;
    if (this.n === 0) return chunks.length;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const { rows, n } = chunks[mid];
      if (rows[(n - 1) * stride + KEY] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private removeRow(c: number, at: number): void {
    const { stride, width } = this;
    const chunk = this.chunks[c];
    chunk.own();
    const rows = chunk.rows;
    const base = at * stride;
    for (let k = 0; k < width; k++) REMOVED[k] = rows[base + SUM + k] - (at === 0 ? 0 : rows[base - stride + SUM + k]);
    rows.copyWithin(base, base + stride, chunk.n * stride);
    chunk.n--;
    this.n--;
    shiftSums(rows, base + SUM, chunk.n * stride, stride, width, REMOVED, 0, -1);
    if (at === 0 && chunk.n > 0 && this.starts !== NO_ROWS) this.starts[c] = rows[KEY];
    this.shiftBasesAfter(c, REMOVED, 0, -1);
    this.mergeAround(c);
  }

  /** Adds sign·delta to the bases of the chunks after chunk c. */
  private shiftBasesAfter(c: number, delta: ArrayLike<number>, offset: number, sign: 1 | -1): void {
    const width = this.width;
    if (c * width >= this.bases.length) return;
    this.ownBases();
    shiftSums(this.bases, c * width, this.bases.length, width, width, delta, offset, sign);
  }

  /**
   * After a withdrawal from chunk c: merges it with a neighbour when the two hold few rows together, so withdrawals
   * do not leave many small chunks; drops it when it is empty.
   */
  private mergeAround(c: number): void {
    const chunks = this.chunks;
    if (chunks.length === 1) return;
    const n = chunks[c].n;
    // An empty first chunk takes in the next one whatever its size: the next one's base goes into its sums.
    if (c + 1 < chunks.length && ((c === 0 && n === 0) || n + chunks[c + 1].n <= MERGED_CHUNK_ROWS)) this.merge(c);
    else if (c > 0 && chunks[c - 1].n + n <= MERGED_CHUNK_ROWS) this.merge(c - 1);
    else if (n === 0) {
      chunks.splice(c, 1);
      this.setBases(this.withoutBase(c));
    }
  }

  /**
   * Splits chunk c before its row `at`: the rows from `at` on move to a new chunk c + 1, their sums re-counted from
   * it, and its base is the sum of the rows before them, exactly as `sumAt` answers it.
   */
  private split(c: number, at: number): void {
    const { stride, width } = this;
    const chunk = this.chunks[c];
    const moved = chunk.n - at;
    const rest = new Chunk(new Float64Array(nextCapacity(moved) * stride), moved);
    if (moved > 0) rest.rows.set(chunk.rows.subarray(at * stride, chunk.n * stride));
    const before = (at - 1) * stride + SUM;
    if (at > 0) {
      for (let b = SUM; b < moved * stride; b += stride) {
        for (let k = 0; k < width; k++) rest.rows[b + k] -= chunk.rows[before + k];
      }
    }
    chunk.n = at;
    // The part left behind gets no more room than a chunk grown to its rows would have: indices split by back-dated
    // insertions take no more memory than those grown by appends.
    if (chunk.rows.length > nextCapacity(at) * stride) {
      const kept = new Float64Array(nextCapacity(at) * stride);
      kept.set(chunk.rows.subarray(0, at * stride));
      chunk.rows = kept;
      chunk.lent = false;
    }
    const bases = new Float64Array(this.bases.length + width);
    bases.set(this.bases.subarray(0, c * width));
    bases.set(this.bases.subarray(c * width), (c + 1) * width);
    for (let k = 0; k < width; k++) {
      const local = at === 0 ? 0 : chunk.rows[before + k];
      bases[c * width + k] = c === 0 ? local : at === 0 ? this.bases[(c - 1) * width + k] : this.bases[(c - 1) * width + k] + local;
    }
    this.chunks.splice(c + 1, 0, rest);
    this.setBases(bases);
  }

  /** Makes chunk a + 1 part of chunk a, its sums re-counted from chunk a's start. */
  private merge(a: number): void {
    const { chunks, stride, width, bases } = this;
    const left = chunks[a];
    const right = chunks[a + 1];
    const n = left.n + right.n;
    const rows = new Float64Array(nextCapacity(n) * stride);
    rows.set(left.rows.subarray(0, left.n * stride));
    rows.set(right.rows.subarray(0, right.n * stride), left.n * stride);
    const r = a * width;
    // Into the first chunk, base + local is what `sumAt` answered: the merged sums keep their bits.
    for (let k = 0; k < width; k++) SHIFT[k] = a === 0 ? bases[r + k] : bases[r + k] - bases[r - width + k];
    for (let b = left.n * stride + SUM; b < n * stride; b += stride) {
      for (let k = 0; k < width; k++) rows[b + k] = SHIFT[k] + rows[b + k];
    }
    left.rows = rows;
    left.n = n;
    left.lent = false;
    chunks.splice(a + 1, 1);
    this.setBases(this.withoutBase(a + 1));
  }

  /** The bases without chunk c's (c ≥ 1), in a new array. */
  private withoutBase(c: number): Float64Array {
    const width = this.width;
    if (this.bases.length === width) return NO_ROWS;
    const bases = new Float64Array(this.bases.length - width);
    bases.set(this.bases.subarray(0, (c - 1) * width));
    bases.set(this.bases.subarray(c * width), (c - 1) * width);
    return bases;
  }

  /**
   * After chunks were split, merged or dropped: their bases, in a new array (the index's own, whatever a snapshot
   * views), and their first instants.
   */
  private setBases(bases: Float64Array): void {
    this.bases = bases;
    this.basesLent = false;
    this.starts = bases === NO_ROWS ? NO_ROWS : this.startsOf();
  }

  /** Copies the bases a snapshot still views, before they change. */
  private ownBases(): void {
    if (!this.basesLent) return;
    this.bases = this.bases.slice();
    this.basesLent = false;
  }

  private grow(chunk: Chunk): void {
    const stride = this.stride;
    const rows = new Float64Array(nextCapacity(chunk.rows.length / stride) * stride);
    rows.set(chunk.rows.subarray(0, chunk.n * stride));
    chunk.rows = rows;
    // The grown copy is the chunk's own; a snapshot keeps viewing the old one.
    chunk.lent = false;
  }
}

/** A chunk's row count in a snapshot's layout: at least `min`, at most MAX_CHUNK_ROWS. */
function chunkSize(value: unknown, min: number): number {
  const size = expectCount(value, 'time index size');
  if (size < min || size > MAX_CHUNK_ROWS) throw new TrustSnapshotError(`a time index chunk of ${size} rows is not one an index has`);
  return size;
}

/**
 * Collects one owner's deltas and merges those at the same instant, so each owner has at most one row per instant
 * in an index (fewer rows, and the owner's id alone names them for withdrawal).
 */
export class DeltaBatch {
  private keys: number[] = [];
  private sums: number[] = [];

  clear(): void {
    this.keys.length = 0;
    this.sums.length = 0;
  }

  /** Adds sign·delta at key. */
  add(key: number, delta: CoefVector, sign: 1 | -1): void {
    let i = this.keys.indexOf(key);
    if (i < 0) {
      i = this.keys.length;
      this.keys.push(key);
      for (let k = 0; k < COEFFICIENTS; k++) this.sums.push(0);
    }
    for (let k = 0; k < COEFFICIENTS; k++) this.sums[i * COEFFICIENTS + k] += sign * delta[k];
  }

  /** Adds delta over [from, until): +delta at from, −delta at until when it ends. */
  span(from: number, until: number, delta: CoefVector): void {
    if (until <= from) return;
    this.add(from, delta, 1);
    if (Number.isFinite(until)) this.add(until, delta, -1);
  }

  placeInto(index: TimeIndex, id: number, scratch: CoefVector): void {
    for (let i = 0; i < this.keys.length; i++) {
      for (let k = 0; k < COEFFICIENTS; k++) scratch[k] = this.sums[i * COEFFICIENTS + k];
      index.add(this.keys[i], id, scratch);
    }
  }

  withdrawFrom(index: TimeIndex, id: number): void {
    for (const key of this.keys) index.remove(key, id);
  }
}
