/**
 * A snapshot captured by reference. `snapshot()` runs between two events and blocks the event loop, so copying every
 * row of a large model there (180,000 commitments, 100,000 obligations) stalled the server for 100-200 ms at 1,000,000
 * events. Instead the capture takes references to the rows, and the model, before it changes or replaces a row,
 * hands the row's captured value to every capture still being written (`OpenCaptures.beforeChange`); each chunk, when
 * the writer serializes it in its slices, reads that value where there is one and the row itself otherwise.
 *
 * A capture is open until each of its chunks has been serialized once. After that nothing is recorded for it, so a
 * chunk serialized again (its rows may have changed since, unrecorded) throws rather than write values the capture
 * never had. Bounded: a capture keeps at most one value per row, and only the newest MAX_OPEN_CAPTURES captures
 * record at all (a writer that gave up half way leaves its capture open; an older one is abandoned).
 */
export class CapturedByReference<K, V> {
  private readonly kept = new Map<K, V>();
  private unwritten = 0;
  private sealed = false;
  private released = false;

  /** Still recording changes: a chunk is not serialized yet (or chunks are still being made). */
  get open(): boolean {
    return !this.released;
  }

  /** A chunk of the capture, serialized by `write`: counted until its first serialization. */
  chunk<T>(write: () => T): () => T {
    this.unwritten += 1;
    let written = false;
    return () => {
      if (this.released) throw new Error('a snapshot chunk was serialized after its capture was released or abandoned');
      const out = write();
      if (!written) {
        written = true;
        this.unwritten -= 1;
        this.releaseIfDone();
      }
      return out;
    };
  }

  /** The value of `key` as captured: the one kept before it changed, else `current` (unchanged since). */
  asCaptured(key: K, current: V): V {
    return this.kept.has(key) ? (this.kept.get(key) as V) : current;
  }

  /** Before `key`'s row changes: keeps its value as it is now (`current`, or `copy` of it), once. */
  keep(key: K, current: V, copy: (value: V) => V): void {
    if (!this.released && !this.kept.has(key)) this.kept.set(key, copy(current));
  }

  /** Every chunk is made; with none left to serialize (or none at all), the capture records nothing more. */
  seal(): void {
    this.sealed = true;
    this.releaseIfDone();
  }

  /** Records nothing more: a chunk not serialized yet can no longer be, and throws if asked. */
  abandon(): void {
    this.released = true;
    this.kept.clear();
  }

  private releaseIfDone(): void {
    if (this.sealed && this.unwritten === 0) this.abandon();
  }
}

const unchanged = <V>(value: V): V => value;

/** Captures a model keeps recording into at once (see CapturedByReference). */
export const MAX_OPEN_CAPTURES = 4;

/** The captures of one model still being written, and the one call its code makes before changing a row. */
export class OpenCaptures<K, V> {
  private captures: CapturedByReference<K, V>[] = [];

  /** A capture whose chunks the caller makes next, then `seal`s. */
  begin(): CapturedByReference<K, V> {
    return new CapturedByReference<K, V>();
  }

  /** The capture's chunks are all made: it records from now until they are serialized. */
  seal(capture: CapturedByReference<K, V>): void {
    capture.seal();
    if (!capture.open) return;
    const open = this.captures.filter((c) => c.open);
    const kept = open.slice(Math.max(0, open.length - (MAX_OPEN_CAPTURES - 1)));
    for (const dropped of open.slice(0, open.length - kept.length)) dropped.abandon();
    this.captures = [...kept, capture];
  }

  /**
   * Call before `key`'s row changes or is replaced: `current` is its value now, kept as it is (a row replaced, never
   * changed) or through `copy` (a row about to change in place), once per open capture at most. No closure: this runs
   * on every change a model applies.
   */
  beforeChange(key: K, current: V, copy: (value: V) => V = unchanged): void {
    if (this.captures.length === 0) return;
    for (const capture of this.captures) capture.keep(key, current, copy);
    if (this.captures.some((c) => !c.open)) this.captures = this.captures.filter((c) => c.open);
  }
}
