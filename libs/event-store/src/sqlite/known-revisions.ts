import { dropOldest } from '../shared/bounded-map.js';

/** Streams whose last revision is remembered; beyond this the longest remembered are forgotten first. */
export const MAX_KNOWN_STREAMS = 16_384;

/**
 * What one SQLite connection knows of the log without asking: the head position and the last revision of streams it
 * recently read or wrote. Each command asks for both (the idempotency check waits for the read models to reach the
 * head; a command reads the agreement it is made under), and each question was a statement run on the one event-loop
 * thread (≈ 5–6 µs each under load, ≈ 3 % of a command's CPU).
 *
 * Sound because the log only grows: an answer can only be out of date, never wrong about the past, and every write
 * checks the stream's revision again inside its own transaction, so an out-of-date answer costs at most a retried
 * command. This connection's own commits update what it knows at once (`committed`), so nothing it acknowledged is
 * ever hidden from it. Another connection's commit (another process, or a second store on the same file) changes
 * SQLite's `PRAGMA data_version`, which is checked at most once per event-loop turn: then everything known is
 * forgotten. So another writer's commit is seen from the next turn on; this connection's at once.
 */
export class KnownRevisions {
  private version: number | null = null;
  private checkedThisTurn = false;
  /** undefined: not known; null: the log is empty. */
  private head: number | null | undefined = undefined;
  private readonly revisions = new Map<string, number>();

  private readonly maxStreams: number;
  /** Told when another connection's commit is seen, after everything known was forgotten. */
  private readonly onOtherWriter: (() => void) | undefined;

  constructor(
    /** `PRAGMA data_version` of this connection. */
    private readonly dataVersion: () => number,
    options: { maxStreams?: number; onOtherWriter?: () => void } = {},
  ) {
    this.maxStreams = options.maxStreams ?? MAX_KNOWN_STREAMS;
    this.onOtherWriter = options.onOtherWriter;
  }

  /** The head position, from `read` only when it is not known. */
  headPosition(read: () => number | null): number | null {
    this.validate();
    if (this.head === undefined) this.head = read();
    return this.head;
  }

  /** The last revision of `stream`, or null when it does not exist; from `read` only when it is not known. */
  streamRevision(stream: string, read: () => number | null): number | null {
    this.validate();
    const known = this.revisions.get(stream);
    if (known !== undefined) return known;
    const revision = read();
    // An absent stream is not remembered: most are asked about once, just before they are written.
    if (revision !== null) this.remember(stream, revision);
    return revision;
  }

  /** This connection committed: the log's head is now `head`, and each listed stream's last revision is as given. */
  committed(head: number, streams: ReadonlyArray<readonly [stream: string, lastRevision: number]>): void {
    // Checked first, so a change by another connection made before this commit is not taken for this one's.
    this.validate();
    this.head = head;
    for (const [stream, revision] of streams) this.remember(stream, revision);
  }

  /** Forgets everything (a transaction of this connection failed: what it wrote may or may not be there). */
  forget(): void {
    this.head = undefined;
    this.revisions.clear();
  }

  private remember(stream: string, revision: number): void {
    this.revisions.delete(stream);
    this.revisions.set(stream, revision);
    dropOldest(this.revisions, this.maxStreams);
  }

  private validate(): void {
    if (this.checkedThisTurn) return;
    this.checkedThisTurn = true;
    // Cleared when the event loop next reaches its check phase: the next turn asks SQLite again.
    setImmediate(() => {
      this.checkedThisTurn = false;
    }).unref();
    const version = this.dataVersion();
    if (version !== this.version) {
      this.version = version;
      this.forget();
      this.onOtherWriter?.();
    }
  }
}
