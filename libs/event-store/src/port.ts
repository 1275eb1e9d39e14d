/**
 * The log port: EventStoreDB's semantics, so that every adapter (in-memory, SQLite, EventStoreDB) agrees.
 *
 * - Streams are named `<category>-<id>`; revisions are 0-based bigints within a stream.
 * - The global `position` is a single total order (bigint, 0-based, gapless in the embedded adapters).
 * - Subscriptions start strictly *after* the position given.
 * - Event ids are chosen by the client (UUID), so a retried append is recognised rather than repeated.
 */

/** What the writer expects of the stream before this append. */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | bigint;

export const NO_STREAM = 'no_stream' as const;
export const STREAM_EXISTS = 'stream_exists' as const;
export const ANY = 'any' as const;

export interface EventMetadata {
  /** Who did it: the `sub` of the token, or `system:<process>` for process managers. */
  actor: string;
  role: string;
  /** The city, body or fund scope the actor acted under, if any. */
  scope?: string | null;
  correlationId: string;
  causationId?: string | null;
  idempotencyKey?: string | null;
  /** SHA-256 (hex) of the request first made under `idempotencyKey`: a reuse with another request is refused. */
  requestHash?: string | null;
  schemaVersion: number;
}

/** An event as the writer proposes it. */
export interface ProposedEvent<TData = unknown> {
  /** UUID chosen by the client; the same id appended again is recognised (idempotency). */
  id: string;
  type: string;
  data: TData;
  metadata: EventMetadata;
}

/** An event as the log recorded it. */
export interface RecordedEvent<TData = unknown> {
  id: string;
  type: string;
  stream: string;
  revision: bigint;
  position: bigint;
  /** ISO-8601 UTC instant from the ledger clock at the moment the append was committed. */
  recordedAt: string;
  data: TData;
  metadata: EventMetadata;
  /** Hex SHA-256 over the event's canonical bytes and the previous event's hash (see integrity.ts). */
  hash: string;
}

export interface AppendResult {
  /** The revision of the last event of the stream after this append: the next expected revision. */
  nextExpectedRevision: bigint;
  /** Global position of the last event written (or already present, for an idempotent repeat). */
  position: bigint;
  /**
   * True when every event was already in the stream (an idempotent repeat) and nothing was written now; absent after
   * a first write. Only adapters whose `reportsRepeats` is true say so: EventStoreDB's answer does not tell.
   */
  repeated?: boolean;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  direction?: Direction;
  /** Revision to start from (inclusive). Default: start (forwards) or end (backwards). */
  fromRevision?: bigint | 'start' | 'end';
  /** Maximum events returned; bounded by the adapter's `maxReadCount`. */
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Default: from the very beginning. */
  after?: bigint | 'start';
  /** Maximum events returned in this page; bounded by the adapter's `maxReadCount`. */
  maxCount?: number;
  /** Only events whose type starts with one of these prefixes. */
  typePrefixes?: readonly string[];
}

export interface ReadAllPage {
  events: RecordedEvent[];
  /** Position to pass as `after` for the next page (the last position scanned); null when nothing was read. */
  nextAfter: bigint | null;
  /** True when the end of the log (as of this read) was reached. */
  isEnd: boolean;
}

export interface SubscribeOptions {
  /** Exclusive start; default 'start' (every event). */
  after?: bigint | 'start';
  typePrefixes?: readonly string[];
  /** How many events may wait unconsumed before the producer pauses (back-pressure). */
  highWaterMark?: number;
}

/** A catch-up-then-live subscription. Iterate it with `for await`; `close()` (or `break`) ends it cleanly. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface StoreLimits {
  /** Largest serialized event (data + metadata), in bytes. */
  maxEventBytes: number;
  /** Most events in one append. */
  maxAppendCount: number;
  /** Hard maximum for one read (stream or all). */
  maxReadCount: number;
}

export const DEFAULT_LIMITS: StoreLimits = {
  maxEventBytes: 1024 * 1024,
  maxAppendCount: 10_000,
  maxReadCount: 4_096,
};

export type StoreKind = 'memory' | 'sqlite' | 'esdb';

export interface IntegrityReport {
  ok: boolean;
  /** Events checked. */
  checked: number;
  /** First position whose hash or chain link does not match, or where the sequence breaks; null when ok. */
  firstBadPosition: bigint | null;
  reason: string | null;
  /** Hash of the last good event. */
  headHash: string | null;
}

export interface EventStore {
  readonly kind: StoreKind;
  readonly limits: StoreLimits;
  /**
   * True when every append result says whether it was an idempotent repeat (`AppendResult.repeated`). Only then may
   * a creating command skip asking whether its stream exists: its `no_stream` append asks instead, and a repeat that
   * append recognised is told apart from a first write (execute-command.ts).
   */
  readonly reportsRepeats?: boolean;
  appendToStream(stream: string, events: readonly ProposedEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Throws StreamNotFoundError when the stream does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<ReadAllPage>;
  streamExists(stream: string): Promise<boolean>;
  /** The revision of the stream's last event, or null when it does not exist. */
  streamRevision(stream: string): Promise<bigint | null>;
  /** Position of the last event in the log, or null when the log is empty. */
  headPosition(): Promise<bigint | null>;
  /**
   * Optional: resolves once the event at `position`, already read from a stream, is on disk. A store that may show a
   * committed event before it is durable (SQLite's group commit syncs the WAL after COMMIT) implements it, so that an
   * answer built on such an event (a repeated request) is not given before the event is safe; stores whose reads only
   * ever show durable events omit it.
   */
  waitUntilDurable?(position: bigint): Promise<void>;
  /**
   * Optional, with `waitUntilDurable`: resolves once every event committed before the call is on disk, and so part of
   * `headPosition` and of what `readAll` and subscriptions return. A command whose stream showed it an event its read
   * models had not seen yet (a stale view) waits for this before it reads them again.
   */
  waitUntilCommittedDurable?(): Promise<void>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /** Recompute the hash chain from `from` (inclusive, default the beginning). */
  verify(from?: bigint): Promise<IntegrityReport>;
  close(): Promise<void>;
}
