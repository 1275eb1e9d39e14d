/**
 * Evidence indexed by time: a sorted list of deltas (instant → coefficient vector) stored as running prefix sums, so
 * "the sum of everything that had happened by instant t" is one binary search, and "by now" is the last row.
 *
 * Rows live in one Float64Array ([instant, owner id, prefix sums…] per row): no object per row. An index keeps only
 * the coefficients its evidence has (`offset`, `width`): commitments four, findings one. Events mostly arrive in time
 * order, so an insertion is usually an append; a back-dated one shifts only the rows after it. Each delta carries an
 * id so that a re-resolved commitment can withdraw exactly the deltas it added.
 */
import { TrustSnapshotError } from './snapshot-codec.js';

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

/** Next capacity: ×1.5 keeps the unused tail of an index to a third at most. */
const nextCapacity = (capacity: number): number => Math.max(4, Math.ceil(capacity * 1.5));

const KEY = 0;
const ID = 1;
const SUM = 2;

/** Scratch for the delta a removal takes out (one thread; never held across calls). */
const REMOVED = new Float64Array(COEFFICIENTS);

/**
 * Adds sign·delta[offset + k] to the k-th sum of every row from `from` (the first sum's index) to `end`: the cost of an
 * insertion or removal before later rows. Commitment indices (four sums) take an unrolled loop with the delta in
 * locals; the arithmetic is the generic loop's, operation for operation, so the sums are bit for bit the same.
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

export class TimeIndex {
  /** [key, id, prefix sums…] per row: one allocation per index, however many rows. */
  private rows: Float64Array;
  private n = 0;
  /** `rows` is viewed by a snapshot being written: copied before the next change (see `own`). */
  private lent = false;
  private readonly offset: number;
  private readonly width: number;
  private readonly stride: number;

  constructor(initialCapacity = 4, coefficients: { offset: number; width: number } = { offset: 0, width: COEFFICIENTS }, rows?: Float64Array) {
    this.offset = coefficients.offset;
    this.width = coefficients.width;
    this.stride = SUM + this.width;
    this.rows = rows ?? new Float64Array(Math.max(1, initialCapacity) * this.stride);
  }

  /** Numbers per row for these coefficients: instant, owner id, one prefix sum per coefficient. */
  static strideOf(coefficients: { width: number }): number {
    return SUM + coefficients.width;
  }

  get size(): number {
    return this.n;
  }

  /** The latest instant any delta takes effect, or -Infinity when empty. */
  get lastKey(): number {
    return this.n === 0 ? Number.NEGATIVE_INFINITY : this.rows[(this.n - 1) * this.stride + KEY];
  }

  /** Adds `sign`·delta at `key`; the id must be unique among the deltas at that key. */
  add(key: number, id: number, delta: CoefVector, sign: 1 | -1 = 1): void {
    const { stride, width, offset } = this;
    // Growing copies the rows anyway; otherwise a snapshot still viewing them gets them copied first.
    if ((this.n + 1) * stride > this.rows.length) this.grow();
    else this.own();
    const rows = this.rows;
    const at = this.upperBound(key);
    const n = this.n;
    if (at < n) rows.copyWithin((at + 1) * stride, at * stride, n * stride);
    const base = at * stride;
    rows[base + KEY] = key;
    rows[base + ID] = id;
    for (let k = 0; k < width; k++) rows[base + SUM + k] = (at === 0 ? 0 : rows[base - stride + SUM + k]) + sign * delta[offset + k];
    this.n = n + 1;
    if (at < n) shiftSums(rows, base + stride + SUM, (n + 1) * stride, stride, width, delta, offset, sign);
  }

  /** Withdraws the delta added with this key and id; returns false when there is none. */
  remove(key: number, id: number): boolean {
    this.own();
    const { rows, stride, width } = this;
    let at = this.lowerBound(key);
    while (at < this.n && rows[at * stride + KEY] === key && rows[at * stride + ID] !== id) at++;
    if (at >= this.n || rows[at * stride + KEY] !== key) return false;
    const base = at * stride;
    for (let k = 0; k < width; k++) REMOVED[k] = rows[base + SUM + k] - (at === 0 ? 0 : rows[base - stride + SUM + k]);
    const n = this.n;
    rows.copyWithin(base, base + stride, n * stride);
    this.n = n - 1;
    shiftSums(rows, base + SUM, this.n * stride, stride, width, REMOVED, 0, -1);
    return true;
  }

  /**
   * Writes into `out` the sum of every delta with key ≤ asOf, in this index's coefficients (the others are left as
   * they are): O(1) at or after the last key, else O(log n).
   */
  sumAt(asOf: number, out: CoefVector): void {
    const last = asOf >= this.lastKey ? this.n - 1 : this.upperBound(asOf) - 1;
    const base = last * this.stride + SUM;
    for (let k = 0; k < this.width; k++) out[this.offset + k] = last < 0 ? 0 : this.rows[base + k];
  }

  /** Moves the reference epoch: scales each coefficient by factors[k] and adds p0PerP1·P1 to the intercept. */
  rebase(factors: ArrayLike<number>, p0PerP1: number): void {
    this.own();
    const { rows, stride, width, offset } = this;
    const hasProvisional = offset <= Coef.P1 && Coef.P0 < offset + width;
    for (let i = 0; i < this.n; i++) {
      const b = i * stride + SUM;
      const p1 = hasProvisional ? rows[b + Coef.P1 - offset] : 0;
      for (let k = 0; k < width; k++) rows[b + k] *= factors[offset + k];
      if (hasProvisional) rows[b + Coef.P0 - offset] += p0PerP1 * p1;
    }
  }

  /**
   * The rows in use for a snapshot, lent as a view rather than copied (a capture costs nothing however large the
   * index): the index copies them before its next change, so the snapshot keeps them as they were at the capture.
   */
  capture(): Float64Array {
    this.lent = true;
    return this.rows.subarray(0, this.n * this.stride);
  }

  /** An index that takes over `rows`, exactly the rows of a capture; throws unless they are in key order. */
  static restore(coefficients: { offset: number; width: number }, rows: Float64Array): TimeIndex {
    const index = new TimeIndex(0, coefficients, rows);
    if (rows.length % index.stride !== 0) throw new TrustSnapshotError(`time index rows do not come in rows of ${index.stride}`);
    const size = rows.length / index.stride;
    for (let i = 0; i < size; i++) {
      const key = index.rows[i * index.stride + KEY];
      if (Number.isNaN(key) || (i > 0 && key < index.rows[(i - 1) * index.stride + KEY])) throw new TrustSnapshotError(`time index row ${i} is out of order`);
    }
    index.n = size;
    return index;
  }

  private upperBound(key: number): number {
    const { rows, stride } = this;
    // Appends are the common case: check the end first.
    if (this.n === 0 || key >= rows[(this.n - 1) * stride + KEY]) return this.n;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid * stride + KEY] <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private lowerBound(key: number): number {
    const { rows, stride } = this;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid * stride + KEY] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Copies the rows a snapshot still views, before they change. */
  private own(): void {
    if (!this.lent) return;
    this.rows = this.rows.slice();
    this.lent = false;
  }

  private grow(): void {
    const rows = new Float64Array(nextCapacity(this.rows.length / this.stride) * this.stride);
    rows.set(this.rows.subarray(0, this.n * this.stride));
    this.rows = rows;
    // The grown copy is the index's own; a snapshot keeps viewing the old one.
    this.lent = false;
  }
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
