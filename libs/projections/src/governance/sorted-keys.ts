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

  remove(key: string): void {
    const at = this.boundary(key, true);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  /** Keys strictly after `after` (every key when null), in ascending order. */
  *after(after: string | null): Generator<string> {
    for (let i = after === null ? 0 : this.boundary(after, false); i < this.keys.length; i++) yield this.keys[i];
  }
}
