/** Keys per chunk before it splits in two: a splice moves at most this many references. */
const MAX_CHUNK = 1024;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Keys kept in ascending order as they arrive, so lists page from a cursor without sorting on every read.
 *
 * Stored as a list of sorted chunks of at most MAX_CHUNK keys (a one-level B-tree): an insertion in the middle moves
 * at most one chunk's references, not the whole list (commitments are keyed by due date, and a ledger of 180,000 of
 * them with due dates in any order took minutes of CPU inserting into one flat array).
 */
export class SortedKeys {
  /** Non-empty sorted chunks, each one's keys all below the next one's. */
  private chunks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The chunk that holds, or would hold, `key`: the first whose last key is ≥ key (the last chunk past the end). */
  private chunkFor(key: string): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid];
      if (chunk[chunk.length - 1] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index in `chunk` of the first key greater than `key` (or, with `inclusive`, greater than or equal). */
  private static boundary(chunk: readonly string[], key: string, inclusive: boolean): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = chunk[mid];
      if (k < key || (!inclusive && k === key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(key: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return;
    }
    const c = this.chunkFor(key);
    const chunk = this.chunks[c];
    const at = SortedKeys.boundary(chunk, key, true);
    if (chunk[at] === key) return;
    if (at === chunk.length) chunk.push(key);
    else chunk.splice(at, 0, key);
    this.count += 1;
    if (chunk.length > MAX_CHUNK) this.chunks.splice(c + 1, 0, chunk.splice(chunk.length >>> 1));
  }

  /** Replaces every key at once (a restore): sorting once instead of inserting one by one. */
  reset(keys: Iterable<string>): void {
    const unique = [...new Set(keys)].sort(compare);
    this.chunks = [];
    // Half-full chunks leave room for the inserts that follow a restore before any splits.
    for (let i = 0; i < unique.length; i += MAX_CHUNK / 2) this.chunks.push(unique.slice(i, i + MAX_CHUNK / 2));
    this.count = unique.length;
  }

  /**
   * Replaces every key at once with keys that should already be strictly ascending (a restore of keys written in
   * order): one pass of comparisons instead of a sort; keys in any other order are sorted as by `reset`.
   */
  resetAscending(keys: readonly string[]): void {
    for (let i = 1; i < keys.length; i++) {
      if (!(keys[i - 1] < keys[i])) {
        this.reset(keys);
        return;
      }
    }
    this.chunks = [];
    for (let i = 0; i < keys.length; i += MAX_CHUNK / 2) this.chunks.push(keys.slice(i, i + MAX_CHUNK / 2));
    this.count = keys.length;
  }

  remove(key: string): void {
    if (this.chunks.length === 0) return;
    const c = this.chunkFor(key);
    const chunk = this.chunks[c];
    const at = SortedKeys.boundary(chunk, key, true);
    if (chunk[at] !== key) return;
    chunk.splice(at, 1);
    this.count -= 1;
    if (chunk.length === 0) this.chunks.splice(c, 1);
  }

  /** Every key, ascending, in a new array: a chunk at a time, far cheaper than iterating `after(null)`. */
  all(): string[] {
    const keys: string[] = [];
    for (const chunk of this.chunks) for (const key of chunk) keys.push(key);
    return keys;
  }

  /** `all()` in steps (a capture in slices): it yields after whole chunks of at least `keysPerStep` keys in all. */
  *allInSteps(keysPerStep: number): Generator<void, string[], void> {
    const keys: string[] = [];
    let sinceStep = 0;
    for (const chunk of this.chunks) {
      for (const key of chunk) keys.push(key);
      sinceStep += chunk.length;
      if (sinceStep >= keysPerStep) {
        sinceStep = 0;
        yield;
      }
    }
    return keys;
  }

  /** Keys strictly after `after` (every key when null), in ascending order. */
  *after(after: string | null): Generator<string> {
    if (this.chunks.length === 0) return;
    let c = after === null ? 0 : this.chunkFor(after);
    let i = after === null ? 0 : SortedKeys.boundary(this.chunks[c], after, false);
    // Bounded by the keys held: each step yields one key or moves to the next chunk.
    while (c < this.chunks.length) {
      const chunk = this.chunks[c];
      if (i < chunk.length) {
        yield chunk[i];
        i += 1;
      } else {
        c += 1;
        i = 0;
      }
    }
  }
}
