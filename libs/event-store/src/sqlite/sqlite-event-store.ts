import { hash } from 'node:crypto';
import { resolve } from 'node:path';
import Database, { type Statement } from 'better-sqlite3';
import { systemClock, toIso, type Clock } from '../clock.js';
import { EventStoreError, StoreClosedError, StoreFileError, StreamNotFoundError } from '../errors.js';
import { GENESIS_HASH } from '../integrity.js';
import type {
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  IntegrityReport,
  ProposedEvent,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecordedEvent,
  StoreLimits,
  SubscribeOptions,
  Subscription,
} from '../port.js';
import {
  AppendSignal,
  boundedCount,
  chainHash,
  decideAppend,
  prepareAppend,
  PullSubscription,
  resolveLimits,
  streamSlice,
  type AppendDecision,
  type ExistingEvent,
  type PreparedEvent,
} from '../shared/index.js';
import { ensureSchema, refuseForeignBytes } from './schema.js';
import { KnownRevisions } from './known-revisions.js';
import { RecentRows, type EventRow } from './recent-rows.js';
import { WalSync } from './wal-sync.js';

export interface SqliteEventStoreOptions {
  path: string;
  clock?: Clock;
  limits?: Partial<StoreLimits>;
  /**
   * FULL (default): an acknowledged append survives power loss. NORMAL: survives a process crash, but the last
   * commits before a power cut may be lost; faster, for tests and throwaway logs.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * Group commit: appends issued while a commit is being prepared share one durable transaction (one fsync),
   * each still checked on its own (expected revision, idempotency) and failing alone. Pays off with many
   * concurrent writers; a single writer awaiting each append sees no change. Under FULL, the commit's WAL fsync runs
   * on the thread pool (wal-sync.ts) and the group is acknowledged when it returns: the event loop is not blocked.
   */
  groupCommit?: boolean;
}

/** Raised when more appends wait for a group commit than the store will queue. */
export class AppendQueueFullError extends EventStoreError {
  readonly code = 'append_queue_full';
  constructor(readonly maxPending: number) {
    super(`${maxPending} appends are already waiting to commit; retry later`);
  }
}

interface PendingAppend {
  stream: string;
  events: readonly PreparedEvent[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/** Appends allowed to wait for a group commit; beyond this, callers are told to back off. */
const MAX_PENDING_APPENDS = 16_384;

/** Position, stored hash, and the event's hashed fields joined exactly as integrity.ts eventHash joins them. */
type ChainRow = [position: number, hash: string, body: string];

/** A filtered readAll page scans at most this many positions per event it may return. */
const SCAN_FACTOR = 64;
/** Type-prefix filters are compiled into SQL; more prefixes than this is a caller bug. */
const MAX_TYPE_PREFIXES = 32;
/** verify() yields to the event loop between pages, so a long check never stalls the server. */
const VERIFY_PAGE = 4_096;
const COLUMNS = 'position, stream, revision, id, type, recorded_at, data, metadata, hash';
/** Values bound per row of a multi-row INSERT: id, type, data, metadata, hash (the rest is shared, see rowValues). */
const ROW_PARAMS = 5;
/**
 * Rows per multi-row INSERT: one statement run per chunk instead of one per event, and the values every row of
 * an append shares (stream, instant, first position and revision) bound once per chunk instead of once per row.
 * 100 rows bind 504 variables, under SQLite's historical limit of 999, whatever limit the bundled build was given.
 */
const INSERT_CHUNK_ROWS = 100;
/**
 * Appends of more events than this are not kept for readers just behind the head: commands append a few, and a large
 * batch (an import) would push every earlier row out anyway while its strings, kept alive, cost the collector (1000-
 * event appends measured ≈ 10 % slower when kept). Its readers are answered by SQLite: rows that do not follow on
 * from the kept ones are never read from them.
 */
const MAX_KEPT_APPEND = 100;
/** Row k of a chunk: its position and revision count on from the chunk's first, the rest bound per row. */
const rowValues = (k: number): string => `(@position + ${k}, @stream, @revision + ${k}, ?, ?, @recordedAt, ?, ?, ?)`;
/**
 * The hash input after "previousHash\n", built by SQLite: the same fields, order and newline separators as
 * eventHash (integrity.ts), so verify reads one string per event instead of nine. Integers print in decimal
 * exactly as bigint template strings do; the contract suite recomputes the hashes with eventHash to hold
 * the two in step.
 */
const HASHED_BODY =
  "id || char(10) || type || char(10) || stream || char(10) || revision || char(10) || position || char(10) || recorded_at || char(10) || data || char(10) || metadata";

const toRecorded = (row: EventRow): RecordedEvent => ({
  id: row[3],
  type: row[4],
  stream: row[1],
  revision: BigInt(row[2]),
  position: BigInt(row[0]),
  recordedAt: row[5],
  data: JSON.parse(row[6]) as unknown,
  metadata: JSON.parse(row[7]) as EventMetadata,
  hash: row[8],
});

/**
 * Thrown inside the fast append path when a unique index refuses a row — an id already in the stream, or a no_stream
 * append to a stream that exists: retry with the lookups, which tell a repeat from a conflict.
 */
class IdAlreadyInStream extends Error {}

/**
 * By code, not `instanceof SqliteError`: the native addon keeps the error class of the first module instance
 * that loaded it, so under a fresh module registry (Jest) the class identity differs.
 */
const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';

/**
 * Has V8 hold `text` as one flat string. Canonical JSON is built by concatenation, so it arrives as a tree of pieces;
 * native code reads only flat strings, and the append hands each to native code twice (inside the chain hash's input,
 * then to SQLite's bind), each time walking the tree again. Reading one character flattens it in place, once (V8
 * swaps the tree for the flat copy), and it also leaves the young-generation collector far fewer objects to move.
 * Measured at 7–12 % of a 1000-event append's CPU.
 */
function flatten(text: string): void {
  text.charCodeAt(0);
}

/** What every row of one INSERT chunk shares, bound by name. */
interface SharedRowValues {
  position: number;
  stream: string;
  revision: number;
  recordedAt: string;
}

type WriteStep = (stream: string, events: readonly PreparedEvent[], expected: ExpectedRevision) => AppendResult;

/** What the current transaction has written so far: its first and last positions, and each stream's last revision. */
interface Written {
  first: number;
  last: number;
  streams: [stream: string, lastRevision: number][];
}

class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  readonly limits: StoreLimits;
  readonly reportsRepeats = true;
  private readonly clock: Clock;
  private readonly signal = new AppendSignal();
  private readonly statements: ReturnType<SqliteEventStore['prepareStatements']>;
  private readonly filteredReads = new Map<number, Statement<unknown[], EventRow>>();
  /** INSERT statements by row count, 1..INSERT_CHUNK_ROWS: prepared on first use, so the map stays that small. */
  private readonly inserts = new Map<number, Statement<[string[], SharedRowValues]>>();
  private readonly appendFast: Database.Transaction<WriteStep>;
  private readonly appendChecked: Database.Transaction<WriteStep>;
  private readonly commitGroup: Database.Transaction<(group: readonly PendingAppend[]) => Outcome[]>;
  private readonly groupCommit: boolean;
  private readonly pending: PendingAppend[] = [];
  private flushScheduled = false;
  /** Set once a WAL sync failed: nothing more is acknowledged by this store (its durability is unknown). */
  private durabilityFailure: StoreFileError | null = null;
  /**
   * With WalSync: the first position of each committed group still waiting for its sync, oldest first. Readers of the
   * whole log (subscriptions, exports, headPosition) stop before the oldest, so projections and audit digests only
   * ever hold what is on disk; stream reads (the command path's expected-revision checks) see every commit.
   */
  private readonly unsynced: number[] = [];
  /** The head and recent streams' revisions, without a statement per question (known-revisions.ts). */
  private readonly known: KnownRevisions;
  /** Filled by `write` inside the current transaction; read and cleared by whoever began it, once it commits. */
  private written: Written | null = null;
  /** What this connection committed last, for readers just behind the head (recent-rows.ts). */
  private readonly recent = new RecentRows();

  constructor(
    private readonly db: Database.Database,
    options: SqliteEventStoreOptions,
    /** FULL with group commit: the WAL sync each group awaits before its acknowledgements; otherwise null. */
    private readonly walSync: WalSync | null = null,
  ) {
    this.clock = options.clock ?? systemClock;
    this.limits = resolveLimits(options.limits);
    this.statements = this.prepareStatements();
    const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.known = new KnownRevisions(() => dataVersion.get() as number, { onOtherWriter: () => this.recent.clear() });
    this.appendFast = db.transaction<WriteStep>((stream, events, expected) => this.write(stream, events, expected, false));
    this.appendChecked = db.transaction<WriteStep>((stream, events, expected) => this.write(stream, events, expected, true));
    this.commitGroup = db.transaction((group: readonly PendingAppend[]) => this.writeGroup(group));
    this.groupCommit = options.groupCommit === true;
  }

  private prepareStatements() {
    const db = this.db;
    return {
      streamRevision: db.prepare<[string], { revision: number | null }>('SELECT max(revision) AS revision FROM events WHERE stream = ?'),
      head: db.prepare<[], { position: number; hash: string }>('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1'),
      headPosition: db.prepare<[], { position: number | null }>('SELECT max(position) AS position FROM events'),
      findId: db.prepare<[string, string], { revision: number; position: number }>(
        'SELECT revision, position FROM events WHERE stream = ? AND id = ?',
      ),
      streamForwards: db
        .prepare<[string, number, number], EventRow>(
          `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
        )
        .raw(true),
      streamBackwards: db
        .prepare<[string, number, number], EventRow>(
          `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
        )
        .raw(true),
      all: db
        .prepare<[number, number, number], EventRow>(`SELECT ${COLUMNS} FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?`)
        .raw(true),
      hashAt: db.prepare<[number], { hash: string }>('SELECT hash FROM events WHERE position = ?'),
      chainFrom: db
        .prepare<[number, number], ChainRow>(
          `SELECT position, hash, ${HASHED_BODY} FROM events WHERE position >= ? ORDER BY position LIMIT ?`,
        )
        .raw(true),
    };
  }

  appendToStream(stream: string, events: readonly ProposedEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (this.groupCommit) return this.enqueue(stream, events, expected);
    return this.run(() => {
      const prepared = prepareAppend(stream, events, this.limits);
      let result: AppendResult;
      try {
        try {
          result = this.appendFast.immediate(stream, prepared, expected);
        } catch (error) {
          if (!(error instanceof IdAlreadyInStream)) throw error;
          this.written = null;
          result = this.appendChecked.immediate(stream, prepared, expected);
        }
      } catch (error) {
        this.forgetWritten();
        throw error;
      }
      this.rememberWritten();
      // After the commit, never before: a woken subscriber must be able to read what woke it.
      this.signal.notify();
      return result;
    });
  }

  private enqueue(stream: string, events: readonly ProposedEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      if (this.signal.closed) throw new StoreClosedError();
      if (this.durabilityFailure !== null) throw this.durabilityFailure;
      if (this.pending.length >= MAX_PENDING_APPENDS) throw new AppendQueueFullError(MAX_PENDING_APPENDS);
      this.pending.push({ stream, events: prepareAppend(stream, events, this.limits), expected, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate, not a microtask: every writer woken by the previous commit gets to queue first.
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Commits one group: each append undone alone when refused (appendInGroup), one COMMIT
   * (one fsync) for all. Nothing is acknowledged before that commit is durable: when COMMIT returns, or, under FULL,
   * when the WAL sync that follows it does (meanwhile the next group may already be committing).
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.signal.closed) {
      for (const p of this.pending.splice(0)) p.reject(new StoreClosedError());
      return;
    }
    let events = 0;
    let take = 0;
    while (take < this.pending.length && (take === 0 || events + (this.pending[take] as PendingAppend).events.length <= this.limits.maxAppendCount)) {
      events += (this.pending[take] as PendingAppend).events.length;
      take++;
    }
    const group = this.pending.splice(0, take);
    let outcomes: Outcome[];
    let written: Written | null = null;
    try {
      outcomes = this.commitGroup.immediate(group);
      written = this.rememberWritten();
    } catch (error) {
      this.forgetWritten();
      for (const p of group) p.reject(error);
      outcomes = [];
    }
    if (this.walSync === null || !outcomes.some((o) => o.ok)) this.settle(group, outcomes);
    else {
      // Even a group of repeats waits for a sync: its originals may sit in a group whose sync is still under way,
      // and syncs run in order, so this one returning means they are on disk too.
      const wrote = written !== null;
      if (written !== null) this.unsynced.push(written.first);
      this.walSync.sync().then(
        () => {
          if (wrote) this.unsynced.shift();
          this.settle(group, outcomes);
        },
        (error: unknown) => this.failDurability(group, error),
      );
    }
    if (this.pending.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Acknowledges a committed (and durable) group, then wakes the subscribers: they read only what is durable. */
  private settle(group: readonly PendingAppend[], outcomes: readonly Outcome[]): void {
    outcomes.forEach((outcome, i) => {
      const p = group[i] as PendingAppend;
      if (outcome.ok) p.resolve(outcome.result);
      else p.reject(outcome.error);
    });
    if (outcomes.length > 0 && !this.signal.closed) this.signal.notify();
  }

  /**
   * The disk refused the WAL sync: the group's appends are committed but may not be durable, so none is acknowledged,
   * and the store refuses every later append (fail-stop: after a failed fsync the kernel may have dropped the pages).
   */
  private failDurability(group: readonly PendingAppend[], error: unknown): void {
    const failure = new StoreFileError(`the log could not be made durable (WAL sync failed: ${error instanceof Error ? error.message : String(error)}); restart the server`);
    this.durabilityFailure ??= failure;
    for (const p of group) p.reject(failure);
    for (const p of this.pending.splice(0)) p.reject(failure);
  }

  /** The current transaction committed: what it wrote becomes known (and is returned), and the record is cleared. */
  private rememberWritten(): Written | null {
    const written = this.written;
    this.written = null;
    if (written !== null) this.known.committed(written.last, written.streams);
    this.recent.commit();
    return written;
  }

  /** The current transaction failed: what it wrote may or may not be in the log, so nothing is taken as known. */
  private forgetWritten(): void {
    this.written = null;
    this.recent.discard();
    this.known.forget();
  }

  private writeGroup(group: readonly PendingAppend[]): Outcome[] {
    return group.map((p): Outcome => {
      try {
        return { ok: true, result: this.appendInGroup(p.stream, p.events, p.expected) };
      } catch (error) {
        // An I/O error can make SQLite abandon the whole transaction: then nothing in the group may be acknowledged.
        // A refused append wrote nothing (its savepoint was rolled back; `write` records only once all rows are in).
        if (!this.db.inTransaction) throw error;
        return { ok: false, error };
      }
    });
  }

  /**
   * One append inside the group's transaction, undone alone when refused. An append of several events runs in a
   * savepoint of its own (`appendFast` and `appendChecked` nest as one): its INSERTs may have written rows before a
   * later one is refused. A single event needs none, which spares two statements (SAVEPOINT, RELEASE) on the busiest
   * path: its one-row INSERT is checked against every constraint before anything is written, so a refusal writes
   * nothing, and nothing before it in `write` writes. (An I/O error in it ends the whole transaction: OR FAIL keeps no
   * statement journal to undo it with, and the group fails as one.)
   */
  private appendInGroup(stream: string, events: readonly PreparedEvent[], expected: ExpectedRevision): AppendResult {
    const several = events.length > 1;
    try {
      return several ? this.appendFast(stream, events, expected) : this.write(stream, events, expected, false);
    } catch (error) {
      if (!(error instanceof IdAlreadyInStream)) throw error;
      return several ? this.appendChecked(stream, events, expected) : this.write(stream, events, expected, true);
    }
  }

  /**
   * One append, inside an immediate transaction (the single writer). The fast path skips the per-id lookups (and, for
   * no_stream, the stream's revision): when the expected revision allows a write, the unique (stream, id) and
   * (stream, revision) indices tell us if an id or the stream was already there, and only then is the append redone
   * with lookups to tell a repeat from a conflict. What it wrote is recorded in `written` for whoever began the
   * transaction.
   */
  private write(stream: string, events: readonly PreparedEvent[], expected: ExpectedRevision, lookUpIds: boolean): AppendResult {
    const s = this.statements;
    // A new stream's first append (every creating command's) needs no lookup: its rows go in at revision 0, and the
    // unique (stream, revision) index refuses them if the stream exists — then it is redone with the lookups.
    const found = expected === 'no_stream' && !lookUpIds ? null : (s.streamRevision.get(stream)?.revision ?? null);
    const current = found === null ? null : BigInt(found);
    const writable =
      expected === 'any' ||
      (expected === 'no_stream' && current === null) ||
      (expected === 'stream_exists' && current !== null) ||
      (typeof expected === 'bigint' && expected === current);
    let decision: AppendDecision;
    if (lookUpIds || !writable) {
      const existing = events.map((e): ExistingEvent | undefined => {
        const row = current === null ? undefined : s.findId.get(stream, e.id);
        return row === undefined ? undefined : { revision: BigInt(row.revision), position: BigInt(row.position) };
      });
      decision = decideAppend(stream, expected, current, existing);
    } else {
      decision = { kind: 'write', firstRevision: current === null ? 0n : current + 1n };
    }
    if (decision.kind === 'already_written') {
      return { nextExpectedRevision: decision.revision, position: decision.position, repeated: true };
    }
    const head = s.head.get();
    let previousHash = head?.hash ?? GENESIS_HASH;
    let position = head === undefined ? 0 : head.position + 1;
    let revision = Number(decision.firstRevision);
    const recordedAt = toIso(this.clock.nowMs());
    // Kept for readers just behind the head only when the append is as small as a command's (recent-rows.ts).
    const newRows: EventRow[] | null = events.length <= MAX_KEPT_APPEND ? [] : null;
    // One pass: each event's chain hash is computed as its row's values are laid out, chunk by chunk.
    for (let start = 0; start < events.length; start += INSERT_CHUNK_ROWS) {
      const rows = Math.min(INSERT_CHUNK_ROWS, events.length - start);
      const shared: SharedRowValues = { position, stream, revision, recordedAt };
      const values = new Array<string>(rows * ROW_PARAMS);
      for (let k = 0, v = 0; k < rows; k++, v += ROW_PARAMS) {
        const e = events[start + k] as PreparedEvent;
        flatten(e.dataJson);
        flatten(e.metadataJson);
        previousHash = chainHash(previousHash, e.id, e.type, stream, revision, position, recordedAt, e.dataJson, e.metadataJson);
        values[v] = e.id;
        values[v + 1] = e.type;
        values[v + 2] = e.dataJson;
        values[v + 3] = e.metadataJson;
        values[v + 4] = previousHash;
        newRows?.push([position, stream, revision, e.id, e.type, recordedAt, e.dataJson, e.metadataJson, previousHash]);
        position += 1;
        revision += 1;
      }
      try {
        this.insertRows(rows).run(values, shared);
      } catch (error) {
        if (!lookUpIds && isUniqueViolation(error)) throw new IdAlreadyInStream();
        throw error;
      }
    }
    const first = head === undefined ? 0 : head.position + 1;
    if (this.written === null) this.written = { first, last: position - 1, streams: [] };
    else this.written.last = position - 1;
    this.written.streams.push([stream, revision - 1]);
    // Staged only once every row is in: a refused chunk leaves nothing staged.
    if (newRows !== null) for (const row of newRows) this.recent.stage(row);
    return { nextExpectedRevision: BigInt(revision - 1), position: BigInt(position - 1) };
  }

  /**
   * OR FAIL, not the default ABORT: an ABORT statement that writes several rows must be able to undo its own rows
   * alone, so SQLite keeps a statement journal (a copy of every page the statement changes) for it: 5–15 % of a
   * 1000-event append's CPU in interleaved runs, its COMMIT included. Nothing here needs that undo: a refused row makes
   * `write` throw, and whoever called it rolls back its whole transaction or savepoint (better-sqlite3 does so on any
   * throw), this statement's earlier rows with it.
   */
  private insertRows(rows: number): Statement<[string[], SharedRowValues]> {
    let statement = this.inserts.get(rows);
    if (statement === undefined) {
      const values = Array.from({ length: rows }, (_, k) => rowValues(k)).join(', ');
      statement = this.db.prepare<[string[], SharedRowValues]>(`INSERT OR FAIL INTO events (${COLUMNS}) VALUES ${values}`);
      this.inserts.set(rows, statement);
    }
    return statement;
  }

  readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.run(() => {
      const last = this.revisionOf(stream);
      if (last === null) throw new StreamNotFoundError(stream);
      const slice = streamSlice(BigInt(last), options, this.limits);
      if (slice.count === 0) return [];
      const read = slice.backwards ? this.statements.streamBackwards : this.statements.streamForwards;
      return read.all(stream, Number(slice.from), slice.count).map(toRecorded);
    });
  }

  readAll(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    return this.run(() => {
      const maxCount = boundedCount(options.maxCount, this.limits);
      const after = options.after === undefined || options.after === 'start' ? -1 : Number(options.after);
      const head = this.visibleHead();
      if (head === null || after >= head) return { events: [], nextAfter: null, isEnd: true };
      const prefixes = options.typePrefixes ?? [];
      if (prefixes.length === 0) {
        const events = (this.recent.after(after, head, maxCount) ?? this.statements.all.all(after, head, maxCount)).map(toRecorded);
        const last = events[events.length - 1]?.position ?? null;
        return { events, nextAfter: last, isEnd: last === null || Number(last) >= head };
      }
      const scanTo = Math.min(head, after + maxCount * SCAN_FACTOR);
      const rows = this.filteredRead(prefixes.length).all(after, scanTo, ...prefixes, maxCount);
      const events = rows.map(toRecorded);
      const scanned = events.length === maxCount ? Number(events[events.length - 1]?.position) : scanTo;
      return { events, nextAfter: BigInt(scanned), isEnd: scanned >= head };
    });
  }

  private filteredRead(prefixCount: number): Statement<unknown[], EventRow> {
    if (prefixCount > MAX_TYPE_PREFIXES) throw new RangeError(`at most ${MAX_TYPE_PREFIXES} type prefixes, got ${prefixCount}`);
    let statement = this.filteredReads.get(prefixCount);
    if (statement === undefined) {
      // instr(type, p) = 1 is "type starts with p" without LIKE's wildcards and case folding.
      const match = Array.from({ length: prefixCount }, () => 'instr(type, ?) = 1').join(' OR ');
      statement = this.db
        .prepare<unknown[], EventRow>(
          `SELECT ${COLUMNS} FROM events WHERE position > ? AND position <= ? AND (${match}) ORDER BY position LIMIT ?`,
        )
        .raw(true);
      this.filteredReads.set(prefixCount, statement);
    }
    return statement;
  }

  streamExists(stream: string): Promise<boolean> {
    return this.run(() => this.revisionOf(stream) !== null);
  }

  streamRevision(stream: string): Promise<bigint | null> {
    return this.run(() => {
      const revision = this.revisionOf(stream);
      return revision === null ? null : BigInt(revision);
    });
  }

  headPosition(): Promise<bigint | null> {
    return this.run(() => {
      const position = this.visibleHead();
      return position === null ? null : BigInt(position);
    });
  }

  async waitUntilDurable(position: bigint): Promise<void> {
    const oldestUnsynced = this.unsynced[0];
    if (this.walSync === null || oldestUnsynced === undefined || position < BigInt(oldestUnsynced)) return;
    if (this.durabilityFailure !== null) throw this.durabilityFailure;
    // Syncs run in order and each covers every frame written before it began: one more covers this position.
    await this.walSync.sync();
  }

  async waitUntilCommittedDurable(): Promise<void> {
    if (this.walSync === null || this.unsynced.length === 0) return;
    if (this.durabilityFailure !== null) throw this.durabilityFailure;
    // A sync started after this call covers every group committed before it, and their own sync callbacks (which
    // take them off `unsynced`) were registered first, so they have run when this resolves.
    await this.walSync.sync();
  }

  /** The last position readers of the whole log may see: the head, or just before the oldest group not yet synced. */
  private visibleHead(): number | null {
    const head = this.known.headPosition(() => this.statements.headPosition.get()?.position ?? null);
    const oldestUnsynced = this.unsynced[0];
    if (head === null || oldestUnsynced === undefined) return head;
    return oldestUnsynced === 0 ? null : Math.min(head, oldestUnsynced - 1);
  }

  /** The stream's last revision as known or read outside any transaction (a write checks it again inside its own). */
  private revisionOf(stream: string): number | null {
    return this.known.streamRevision(stream, () => this.statements.streamRevision.get(stream)?.revision ?? null);
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    if (this.signal.closed) throw new StoreClosedError();
    return new PullSubscription(
      { readAll: (o) => this.readAll(o), signal: this.signal, maxReadCount: this.limits.maxReadCount },
      options,
    );
  }

  async verify(from: bigint = 0n): Promise<IntegrityReport> {
    if (from < 0n) throw new RangeError(`verify from must not be negative, got ${from}`);
    let previous = GENESIS_HASH;
    if (from > 0n) {
      const before = await this.run(() => this.statements.hashAt.get(Number(from) - 1));
      if (before === undefined) {
        return { ok: false, checked: 0, firstBadPosition: from - 1n, reason: `position ${from - 1n} is missing`, headHash: null };
      }
      previous = before.hash;
    }
    let checked = 0;
    let expected = Number(from);
    const report = (bad: number | null, reason: string | null): IntegrityReport => ({
      ok: bad === null,
      checked,
      firstBadPosition: bad === null ? null : BigInt(bad),
      reason,
      headHash: checked === 0 && from === 0n ? null : previous,
    });
    for (;;) {
      const rows = await this.run(() => this.statements.chainFrom.all(expected, VERIFY_PAGE));
      for (const [position, stored, body] of rows) {
        if (position !== expected) return report(expected, `expected position ${expected}, found ${position}`);
        if (hash('sha256', `${previous}\n${body}`) !== stored) {
          return report(position, `the hash of position ${position} does not match its contents and the previous hash`);
        }
        previous = stored;
        expected += 1;
        checked += 1;
      }
      if (rows.length < VERIFY_PAGE) return report(null, null);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    if (this.signal.closed) return;
    this.signal.close();
    for (const p of this.pending.splice(0)) p.reject(new StoreClosedError());
    // Groups already committed are acknowledged once their sync returns; the database closes after.
    try {
      await this.walSync?.close();
    } finally {
      this.db.close();
    }
  }

  /** Runs a synchronous database step as a promise, refusing once closed. */
  private run<T>(step: () => T): Promise<T> {
    try {
      if (this.signal.closed) throw new StoreClosedError();
      const value = step();
      return Promise.resolve(value);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
}

/**
 * Opens (or creates) the SQLite log at `path`: WAL, synchronous FULL unless told otherwise, one writer.
 * A foreign, corrupt or newer file is refused with StoreFileError and left as it was.
 */
export function openSqliteEventStore(options: SqliteEventStoreOptions): EventStore {
  refuseForeignBytes(options.path);
  const syncOffLoop = options.synchronous !== 'NORMAL' && options.groupCommit === true;
  let db: Database.Database;
  try {
    db = new Database(options.path);
  } catch (error) {
    throw new StoreFileError(`cannot open ${options.path}: ${(error as Error).message}`);
  }
  try {
    ensureSchema(db, options.path);
    db.pragma('journal_mode = WAL');
    // FULL with group commit: NORMAL here plus the per-commit WAL sync, done by WalSync off the event loop.
    db.pragma(`synchronous = ${options.synchronous === 'NORMAL' || syncOffLoop ? 'NORMAL' : 'FULL'}`);
    // A busy timeout, not a retry loop: another process holding the write lock gets this long to finish.
    db.pragma('busy_timeout = 5000');
  } catch (error) {
    db.close();
    if (error instanceof StoreFileError) throw error;
    throw new StoreFileError(`${options.path} cannot be read as a concordat log: ${(error as Error).message}`);
  }
  return new SqliteEventStore(db, options, syncOffLoop ? new WalSync(`${resolve(options.path)}-wal`) : null);
}
