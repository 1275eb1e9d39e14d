/** Keys kept in ascending order as they arrive, so lists page from a cursor without sorting on every read. */
export class SortedKeys {
  private readonly keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** Index of the first key greater than `key` (or, with `inclusive`, greater than or equal). */
  private boundary(key: string, inclusive: boolean): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.keys[mid];
      if (k < key || (!inclusive && k === key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(key: string): void {
    const at = this.boundary(key, true);
    if (this.keys[at] !== key) this.keys.splice(at, 0, key);
  }

  /** Replaces every key at once (a restore): sorting once instead of inserting one by one. */
  reset(keys: Iterable<string>): void {
    const unique = [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    // Not splice(0, n, ...unique): spreading a million arguments overflows the stack.
    this.keys.length = 0;
    for (const key of unique) this.keys.push(key);
  }

  remove(key: string): void {
    const at = this.boundary(key, true);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  /** Keys strictly after `after` (every key when null), in ascending order. */
  *after(after: string | null): Generator<string> {
    for (let i = after === null ? 0 : this.boundary(after, false); i < this.keys.length; i++) yield this.keys[i];
  }
}
