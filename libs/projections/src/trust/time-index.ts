/**
 * Evidence indexed by time: a sorted list of deltas (instant → coefficient vector) stored as running prefix sums, so
 * "the sum of everything that had happened by instant t" is one binary search, and "by now" is the last row.
 *
 * Events mostly arrive in time order, so an insertion is usually an append; a back-dated one shifts only the rows after
 * it. Each delta carries a unique id so that a re-resolved commitment can withdraw exactly the deltas it added.
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

export class TimeIndex {
  private keys: Float64Array;
  private ids: Uint32Array;
  /** prefix[i * COEFFICIENTS + k] = Σ_{j ≤ i} delta_j[k]. */
  private prefix: Float64Array;
  private n = 0;

  constructor(initialCapacity = 8) {
    this.keys = new Float64Array(initialCapacity);
    this.ids = new Uint32Array(initialCapacity);
    this.prefix = new Float64Array(initialCapacity * COEFFICIENTS);
  }

  get size(): number {
    return this.n;
  }

  /** The latest instant any delta takes effect, or -Infinity when empty. */
  get lastKey(): number {
    return this.n === 0 ? Number.NEGATIVE_INFINITY : this.keys[this.n - 1];
  }

  add(key: number, id: number, delta: CoefVector): void {
    if (this.n === this.keys.length) this.grow();
    const at = this.upperBound(key);
    const n = this.n;
    if (at < n) {
      this.keys.copyWithin(at + 1, at, n);
      this.ids.copyWithin(at + 1, at, n);
      this.prefix.copyWithin((at + 1) * COEFFICIENTS, at * COEFFICIENTS, n * COEFFICIENTS);
    }
    this.keys[at] = key;
    this.ids[at] = id;
    const base = at * COEFFICIENTS;
    for (let k = 0; k < COEFFICIENTS; k++) {
      this.prefix[base + k] = (at === 0 ? 0 : this.prefix[base - COEFFICIENTS + k]) + delta[k];
    }
    this.n = n + 1;
    for (let i = at + 1; i <= n; i++) {
      const b = i * COEFFICIENTS;
      for (let k = 0; k < COEFFICIENTS; k++) this.prefix[b + k] += delta[k];
    }
  }

  /** Withdraws the delta added with this key and id; returns false when there is none. */
  remove(key: number, id: number): boolean {
    let at = this.lowerBound(key);
    while (at < this.n && this.keys[at] === key && this.ids[at] !== id) at++;
    if (at >= this.n || this.keys[at] !== key) return false;
    const base = at * COEFFICIENTS;
    const delta = new Float64Array(COEFFICIENTS);
    for (let k = 0; k < COEFFICIENTS; k++) {
      delta[k] = this.prefix[base + k] - (at === 0 ? 0 : this.prefix[base - COEFFICIENTS + k]);
    }
    const n = this.n;
    this.keys.copyWithin(at, at + 1, n);
    this.ids.copyWithin(at, at + 1, n);
    this.prefix.copyWithin(at * COEFFICIENTS, (at + 1) * COEFFICIENTS, n * COEFFICIENTS);
    this.n = n - 1;
    for (let i = at; i < this.n; i++) {
      const b = i * COEFFICIENTS;
      for (let k = 0; k < COEFFICIENTS; k++) this.prefix[b + k] -= delta[k];
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
    const base = last * COEFFICIENTS;
    for (let k = 0; k < COEFFICIENTS; k++) out[k] = this.prefix[base + k];
  }

  /** Moves the reference epoch: scales each coefficient by factors[k] and adds p0PerP1·P1 to the intercept. */
  rebase(factors: ArrayLike<number>, p0PerP1: number): void {
    for (let i = 0; i < this.n; i++) {
      const b = i * COEFFICIENTS;
      const p1 = this.prefix[b + Coef.P1];
      for (let k = 0; k < COEFFICIENTS; k++) this.prefix[b + k] *= factors[k];
      this.prefix[b + Coef.P0] += p0PerP1 * p1;
    }
  }

  private upperBound(key: number): number {
    // Appends are the common case: check the end first.
    if (this.n === 0 || key >= this.keys[this.n - 1]) return this.n;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private lowerBound(key: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private grow(): void {
    const capacity = Math.max(8, this.keys.length * 2);
    const keys = new Float64Array(capacity);
    keys.set(this.keys.subarray(0, this.n));
    const ids = new Uint32Array(capacity);
    ids.set(this.ids.subarray(0, this.n));
    const prefix = new Float64Array(capacity * COEFFICIENTS);
    prefix.set(this.prefix.subarray(0, this.n * COEFFICIENTS));
    this.keys = keys;
    this.ids = ids;
    this.prefix = prefix;
  }
}
