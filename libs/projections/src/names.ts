/**
 * One copy of each recurring name a read model keeps: city, body, agreement and incident ids, kinds, units and
 * currencies. The log's JSON gives every event its own copy of each string (V8 shares only property keys and values
 * of up to 10 characters), so a model that keeps a name from every event it applies would hold 180,000 copies of a
 * few hundred cities' ids at 1,000,000 events. Values are unchanged: only which copy is kept.
 *
 * Bounded: past `max` distinct names, new ones are kept as they come (their copies are what they would have been
 * without this), so a ledger with ever new names costs at most `max` entries here.
 */
export class Names {
  private readonly kept = new Map<string, string>();

  constructor(private readonly max: number = DEFAULT_MAX_NAMES) {
    if (!Number.isSafeInteger(max) || max < 0) throw new RangeError(`max must be a non-negative integer, got ${max}`);
  }

  /** The copy kept of `value` (the first one seen), or `value` itself. */
  of<T extends string>(value: T): T {
    const kept = this.kept.get(value);
    if (kept !== undefined) return kept as T;
    if (this.kept.size < this.max) this.kept.set(value, value);
    return value;
  }

  /** Distinct names kept. */
  get size(): number {
    return this.kept.size;
  }
}

/** Enough for every city, body, agreement and incident of a ledger many times the 1,000,000-event bench's. */
export const DEFAULT_MAX_NAMES = 100_000;
