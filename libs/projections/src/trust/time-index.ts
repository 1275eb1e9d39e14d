/**
 * Evidence indexed by time: a sorted list of deltas (instant → coefficient vector) stored as running prefix sums, so
 * "the sum of everything that had happened by instant t" is one binary search, and "by now" is the last row.
 *
 * Rows live in one Float64Array ([key, id, prefix₀ … prefix₄] per row): one allocation per index, however many rows.
 * Events mostly arrive in time order, so an insertion is usually an append; a back-dated one shifts only the rows after
 * it. Each delta carries an id so that a re-resolved commitment can withdraw exactly the deltas it added.
 */
export const COEFFICIENTS = 5;

/** Coefficient slots of a delta. */
export const Coef = {
  /** Σ w·q·2^((t − E)/H): positive commitment evidence, undecayed around the reference epoch E. */
  R: 0,
  /** Σ κ·w·(1 − q)·2^((t − E)/H): negative commitment evidence. */
  S: 1,
  /** Σ φ·severity·2^((t − E)/H_f): findings. */
  F: 2,
  /** Provisional evidence of overdue open commitments is piecewise linear in the as-of instant: slope per day … */
  P1: 3,
  /** … and intercept, with the as-of instant in days after E. */
  P0: 4,
} as const;

export type CoefVector = Float64Array;

export const newCoefVector = (): CoefVector => new Float64Array(COEFFICIENTS);

const STRIDE = 2 + COEFFICIENTS;
const KEY = 0;
const ID = 1;
const SUM = 2;

export class TimeIndex {
  private rows: Float64Array;
  private n = 0;

  constructor(initialCapacity = 4) {
    this.rows = new Float64Array(Math.max(1, initialCapacity) * STRIDE);
  }

  get size(): number {
    return this.n;
  }

  /** The latest instant any delta takes effect, or -Infinity when empty. */
  get lastKey(): number {
    return this.n === 0 ? Number.NEGATIVE_INFINITY : this.rows[(this.n - 1) * STRIDE + KEY];
  }

  /** Adds `sign`·delta at `key`; the id must be unique among the deltas at that key. */
  add(key: number, id: number, delta: CoefVector, sign: 1 | -1 = 1): void {
    if ((this.n + 1) * STRIDE > this.rows.length) this.grow();
    const rows = this.rows;
    const at = this.upperBound(key);
    const n = this.n;
    if (at < n) rows.copyWithin((at + 1) * STRIDE, at * STRIDE, n * STRIDE);
    const base = at * STRIDE;
    rows[base + KEY] = key;
    rows[base + ID] = id;
    for (let k = 0; k < COEFFICIENTS; k++) rows[base + SUM + k] = (at === 0 ? 0 : rows[base - STRIDE + SUM + k]) + sign * delta[k];
    this.n = n + 1;
    for (let b = base + STRIDE; b <= n * STRIDE; b += STRIDE) {
      for (let k = 0; k < COEFFICIENTS; k++) rows[b + SUM + k] += sign * delta[k];
    }
  }

  /** Withdraws the delta added with this key and id; returns false when there is none. */
  remove(key: number, id: number): boolean {
    const rows = this.rows;
    let at = this.lowerBound(key);
    while (at < this.n && rows[at * STRIDE + KEY] === key && rows[at * STRIDE + ID] !== id) at++;
    if (at >= this.n || rows[at * STRIDE + KEY] !== key) return false;
    const base = at * STRIDE;
    const d0 = rows[base + SUM] - (at === 0 ? 0 : rows[base - STRIDE + SUM]);
    const d1 = rows[base + SUM + 1] - (at === 0 ? 0 : rows[base - STRIDE + SUM + 1]);
    const d2 = rows[base + SUM + 2] - (at === 0 ? 0 : rows[base - STRIDE + SUM + 2]);
    const d3 = rows[base + SUM + 3] - (at === 0 ? 0 : rows[base - STRIDE + SUM + 3]);
    const d4 = rows[base + SUM + 4] - (at === 0 ? 0 : rows[base - STRIDE + SUM + 4]);
    const n = this.n;
    rows.copyWithin(base, base + STRIDE, n * STRIDE);
    this.n = n - 1;
    for (let b = base; b < this.n * STRIDE; b += STRIDE) {
      rows[b + SUM] -= d0;
      rows[b + SUM + 1] -= d1;
      rows[b + SUM + 2] -= d2;
      rows[b + SUM + 3] -= d3;
      rows[b + SUM + 4] -= d4;
    }
    return true;
  }

  /** Writes into `out` the sum of every delta with key ≤ asOf: O(1) at or after the last key, else O(log n). */
  sumAt(asOf: number, out: CoefVector): void {
    const last = asOf >= this.lastKey ? this.n - 1 : this.upperBound(asOf) - 1;
    if (last < 0) {
      out.fill(0);
      return;
    }
    const base = last * STRIDE + SUM;
    for (let k = 0; k < COEFFICIENTS; k++) out[k] = this.rows[base + k];
  }

  /** Moves the reference epoch: scales each coefficient by factors[k] and adds p0PerP1·P1 to the intercept. */
  rebase(factors: ArrayLike<number>, p0PerP1: number): void {
    for (let i = 0; i < this.n; i++) {
      const b = i * STRIDE + SUM;
      const p1 = this.rows[b + Coef.P1];
      for (let k = 0; k < COEFFICIENTS; k++) this.rows[b + k] *= factors[k];
      this.rows[b + Coef.P0] += p0PerP1 * p1;
    }
  }

  private upperBound(key: number): number {
    // Appends are the common case: check the end first.
    if (this.n === 0 || key >= this.rows[(this.n - 1) * STRIDE + KEY]) return this.n;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid * STRIDE + KEY] <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private lowerBound(key: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid * STRIDE + KEY] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private grow(): void {
    const rows = new Float64Array(Math.max(STRIDE * 4, this.rows.length * 2));
    rows.set(this.rows.subarray(0, this.n * STRIDE));
    this.rows = rows;
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
