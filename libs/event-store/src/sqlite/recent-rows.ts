/**
 * The rows this connection committed last, in position order. A live subscription reads the log just behind its head
 * after every commit (the projection runner does, after each group): those reads are answered from here, without a
 * statement. Under the HTTP benchmark's load that statement was ≈ 2.5 % of the event loop's time.
 *
 * Only what is certain is kept. Rows are staged while a transaction writes them and kept once it commits; a failed
 * transaction drops what it staged. The kept rows are always one unbroken run of positions: a row that does not follow
 * on from them (another connection wrote in between, or the store wrote rows without staging them: a large append)
 * starts them afresh, and another connection's commit empties them (`clear`). A read is answered from here only when
 * every row it asks for is here; otherwise SQLite answers it. The strings are the very ones written, so an answer from
 * here is the answer SQLite would give.
 */

/**
 * A row as an array (better-sqlite3 raw mode), in the store's column order: building arrays is about twice as fast as
 * building objects with named fields, and reading the log is the hot path of every projection.
 */
export type EventRow = [
  position: number,
  stream: string,
  revision: number,
  id: string,
  type: string,
  recordedAt: string,
  data: string,
  metadata: string,
  hash: string,
];

/** Rows kept at most: a few group commits' worth, more than a subscription page (256). */
export const MAX_RECENT_ROWS = 4_096;
/** Characters of data and metadata kept at most (events may be large): 4–8 MiB as V8 strings. */
export const MAX_RECENT_CHARS = 4 * 1024 * 1024;

const POSITION = 0;
const DATA = 6;
const METADATA = 7;

const charsOf = (row: EventRow): number => row[DATA].length + row[METADATA].length;

export class RecentRows {
  /** Kept rows from `start` on; positions consecutive. The dead prefix is cut off once it is the larger part. */
  private rows: EventRow[] = [];
  private start = 0;
  private chars = 0;
  /** Written by the open transaction, not yet committed. */
  private staged: EventRow[] = [];

  constructor(
    private readonly maxRows: number = MAX_RECENT_ROWS,
    private readonly maxChars: number = MAX_RECENT_CHARS,
  ) {}

  /** Rows kept now (for tests and figures). */
  get size(): number {
    return this.rows.length - this.start;
  }

  /** A row the open transaction wrote. */
  stage(row: EventRow): void {
    this.staged.push(row);
  }

  /**
   * The open transaction committed: its rows are kept after the others. A row that does not follow on from the one
   * kept before it (another connection wrote in between, or the transaction wrote rows it did not stage) starts the
   * kept rows afresh, so they are always one unbroken run.
   */
  commit(): void {
    const staged = this.staged;
    if (staged.length === 0) return;
    this.staged = [];
    for (const row of staged) {
      const last = this.rows[this.rows.length - 1];
      if (this.size > 0 && last !== undefined && row[POSITION] !== last[POSITION] + 1) this.clear();
      this.rows.push(row);
      this.chars += charsOf(row);
    }
    while (this.size > 0 && (this.size > this.maxRows || this.chars > this.maxChars)) {
      this.chars -= charsOf(this.rows[this.start] as EventRow);
      this.start += 1;
    }
    if (this.start > 1024 && this.start * 2 > this.rows.length) {
      this.rows = this.rows.slice(this.start);
      this.start = 0;
    }
  }

  /** The open transaction failed: nothing it wrote is kept. */
  discard(): void {
    this.staged = [];
  }

  /** Another connection wrote, or nothing kept can be trusted to follow on: keep nothing. */
  clear(): void {
    this.rows = [];
    this.start = 0;
    this.chars = 0;
  }

  /**
   * The rows after position `after`, up to `head` and at most `maxCount` of them, exactly as the log's ordered read
   * returns them; or null when any of them is not kept here.
   */
  after(after: number, head: number, maxCount: number): EventRow[] | null {
    if (this.size === 0 || maxCount <= 0) return null;
    const first = (this.rows[this.start] as EventRow)[POSITION];
    const last = (this.rows[this.rows.length - 1] as EventRow)[POSITION];
    const to = Math.min(head, after + maxCount);
    if (after + 1 < first || to > last || to <= after) return null;
    const from = this.start + (after + 1 - first);
    return this.rows.slice(from, from + (to - after));
  }
}
