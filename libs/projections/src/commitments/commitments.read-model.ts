/**
 * Commitments read model: every commitment's state, folded with the domain's own `evolve` (so the read side cannot
 * disagree with the deciders), and its place in the log. Status is computed at query time against the ledger clock,
 * so "overdue" needs no event to be true. Fed by the ordered log through the projection runner.
 *
 * A commitment's timeline is not kept here: it is exactly the events of its stream, which the query layer reads from
 * the log on demand (libs/ledger/src/governance/queries.ts). Keeping every event's data in memory and in the snapshot
 * made this model most of a restart's cost.
 */
import {
  commitmentDecider,
  commitmentStatus,
  nextDeadlineMs,
  type CommitmentState,
  type CommitmentStatus,
  type DeliveryRecord,
  type DisputeRecord,
} from '../../../domain/src/governance/commitment.js';
import type { CommitmentEvent, CommitmentKind, CommitmentMade, Obligee } from '../../../domain/src/governance/events.js';
import type { RecordedEvent } from '../../../event-store/src/port.js';
import { captureAtOnce, DeferredSnapshotError, ProjectionInvariantError, type BackgroundWork, type ReadModel } from '../read-model.js';
import { SnapshotShapeError } from '../governance/snapshot-rows.js';
import { SortedKeys } from '../governance/sorted-keys.js';
import { Names } from '../names.js';
import { OpenCaptures } from '../snapshot-capture.js';
import { commitmentsSnapshot, restoreCommitmentsIndex, type CommitmentRow, type PendingCommitments } from './commitments.snapshot.js';

export const COMMITMENTS_READ_MODEL = 'governance.commitments';
/** Streams of commitments are `commitment-<id>`. */
export const COMMITMENT_STREAM_PREFIX = 'commitment-';
export const commitmentStream = (commitmentId: string): string => `${COMMITMENT_STREAM_PREFIX}${commitmentId}`;
const COMMITMENT_EVENTS: ReadonlySet<string> = new Set([
  'CommitmentMade',
  'DeliveryRecorded',
  'CommitmentFulfilled',
  'CommitmentClosedShort',
  'CommitmentOverdue',
  'CommitmentDefaulted',
  'CommitmentWaived',
  'DeliveryDisputed',
  'DisputeResolved',
  'CommitmentReopened',
]);

export interface CommitmentView {
  commitmentId: string;
  agreementId: string;
  bodyId: string;
  obligor: string;
  obligee: Obligee;
  kind: CommitmentKind;
  description: string;
  promise: CommitmentMade['data']['promise'];
  value: CommitmentMade['data']['value'];
  dueAt: string;
  incidentId: string | null;
  allowOverDelivery: boolean;
  madeAt: string;
  /** As of the ledger clock when the question was asked. */
  status: CommitmentStatus;
  /** Sum of the deliveries that count. */
  delivered: string;
  deliveries: DeliveryRecord[];
  disputes: DisputeRecord[];
  fulfilment: CommitmentState['fulfilment'];
  overdueMarked: boolean;
  overdueAt: string;
  defaultAt: string;
  revision: string;
  position: string;
}

export interface CommitmentFilter {
  obligor?: string;
  /** The obligee's id; with `obligeeKind`, exactly that city, body or fund. */
  obligee?: string;
  obligeeKind?: Obligee['kind'];
  status?: CommitmentStatus;
  agreementId?: string;
  bodyId?: string;
  kind?: CommitmentKind;
  /** Inclusive bounds on dueAt (ISO-8601 UTC). */
  dueFrom?: string;
  dueTo?: string;
}

const SECOND_MS = 1000;

/** The list order: by due instant, then id (unique, so a cursor is exact). */
export const commitmentSortKey = (view: { dueAt: string; commitmentId: string }): string => `${view.dueAt}|${view.commitmentId}`;
/** The id in a sort key: after the first '|' (an ISO instant has none). */
const idOfSortKey = (key: string): string => key.slice(key.indexOf('|') + 1);
/** Longest the background decoding of a restored snapshot holds the event loop at once. */
const DECODE_SLICE_MS = 8;
/** List keys a capture in slices copies between two of its steps (whole chunks of the list). */
const CAPTURE_KEYS_PER_STEP = 16_384;

/** CommitmentMade's fields that name something recurring (ids, kinds, unit, currencies), at the top and nested. */
const SHARED_NAMES = ['agreementId', 'bodyId', 'obligor', 'kind', 'incidentId'] as const;
const NESTED_NAMES: readonly (readonly [string, readonly string[]])[] = [
  ['obligee', ['id', 'kind']],
  ['promise', ['kind', 'unit', 'currency']],
  ['value', ['currency']],
];

/** A copy of `o` with the text at `keys` shared (names.ts); anything but a plain object is given back as it is. */
function withNames(o: unknown, keys: readonly string[], names: Names): unknown {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return o;
  const copy: Record<string, unknown> = { ...o };
  for (const key of keys) {
    const value = copy[key];
    if (typeof value === 'string') copy[key] = names.of(value);
  }
  return copy;
}

/**
 * CommitmentMade's data with its recurring names shared between commitments: equal values, one copy each, the keys
 * as recorded. The description, instants and amounts are the commitment's own and kept as recorded. Written for any
 * recorded shape (the snapshot also keeps shapes it does not encode): what is not text where a name is expected is
 * left untouched.
 */
function sharingNames(c: CommitmentMade['data'], names: Names): CommitmentMade['data'] {
  const copy = withNames(c, SHARED_NAMES, names) as Record<string, unknown>;
  for (const [key, inner] of NESTED_NAMES) if (Object.hasOwn(copy, key)) copy[key] = withNames(copy[key], inner, names);
  return copy as unknown as CommitmentMade['data'];
}

/** A revision or position as a number (a small one costs nothing, a bigint 24 bytes); past 2^53 the model stops. */
function safeNumber(value: bigint, what: string, model: string, event: RecordedEvent): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProjectionInvariantError(model, event.position, `${what} ${value} is beyond the integers a commitment row keeps exactly`);
  return Number(value);
}

export class CommitmentsReadModel implements ReadModel {
  readonly name = COMMITMENTS_READ_MODEL;
  /** 3: chunks of an index row and a records row decoded on demand (commitments.snapshot.ts). */
  readonly version = 3;
  /** Every commitment decoded; after a restore, those still in `pending` are added as their chunks are decoded. */
  private readonly rows = new Map<string, CommitmentRow>();
  private readonly order = new SortedKeys();
  /** Open commitments → when the deadline process next has something to do for them. */
  private readonly deadlines = new Map<string, number>();
  /** The restored commitments not decoded yet; null when none is left (or nothing was restored). */
  private pending: PendingCommitments | null = null;
  /** Why a restored chunk could not be decoded: the model then refuses to answer rather than answer without it. */
  private broken: Error | null = null;
  /** One copy of each id, kind, unit and currency the commitments name (names.ts). */
  private readonly names = new Names();
  /** Snapshots captured and not all serialized yet: each keeps the rows replaced since (snapshot-capture.ts). */
  private readonly captures = new OpenCaptures<string, CommitmentRow | undefined>();

  apply(event: RecordedEvent): void {
    if (!event.stream.startsWith(COMMITMENT_STREAM_PREFIX) || !COMMITMENT_EVENTS.has(event.type)) return;
    // Events of commitment streams are the commitment decider's events.
    let domainEvent = { type: event.type, data: event.data } as CommitmentEvent;
    let id = event.stream.slice(COMMITMENT_STREAM_PREFIX.length);
    const previous = this.rowOf(id);
    let sortKey: string;
    if (previous === undefined) {
      if (domainEvent.type !== 'CommitmentMade') {
        throw new ProjectionInvariantError(this.name, event.position, `${event.type} on ${event.stream} before CommitmentMade`);
      }
      domainEvent = { type: domainEvent.type, data: sharingNames(domainEvent.data, this.names) };
      // The map keeps the key of the first set: the data's own id, not a slice that holds the stream's name too.
      if (domainEvent.data.commitmentId === id) id = domainEvent.data.commitmentId;
      sortKey = commitmentSortKey(domainEvent.data);
      this.order.insert(sortKey);
    } else {
      sortKey = previous.sortKey;
    }
    // A new row on every event: a snapshot being written holds the previous one.
    if (previous !== undefined) this.captures.beforeChange(id, previous);
    const state = commitmentDecider.evolve(previous?.state ?? commitmentDecider.initialState(), domainEvent);
    this.rows.set(id, { state, sortKey, revision: safeNumber(event.revision, 'revision', this.name, event), position: safeNumber(event.position, 'position', this.name, event) });
    const next = nextDeadlineMs(state);
    if (next === null) this.deadlines.delete(id);
    else this.deadlines.set(id, next);
  }

  get(commitmentId: string, nowMs: number): CommitmentView | null {
    const row = this.rowOf(commitmentId);
    return row === undefined ? null : this.view(row, nowMs);
  }

  /** Commitments matching the filter, in list order (see `commitmentSortKey`), strictly after `afterKey`. */
  *matching(filter: CommitmentFilter, nowMs: number, afterKey: string | null = null): Generator<CommitmentView> {
    for (const key of this.order.after(afterKey)) {
      const row = this.rowOf(idOfSortKey(key));
      if (row === undefined) continue;
      const c = row.state.commitment;
      if (c === null || !this.matchesStatic(c, filter)) continue;
      const view = this.view(row, nowMs);
      if (filter.status !== undefined && view.status !== filter.status) continue;
      yield view;
    }
  }

  /** The earliest instant at which an open commitment reaches a deadline; null when none is open. */
  nextDeadlineMs(): number | null {
    let earliest: number | null = null;
    for (const ms of this.deadlines.values()) if (earliest === null || ms < earliest) earliest = ms;
    return earliest;
  }

  /** Up to `max` open commitments whose next deadline is at or before `nowMs`, earliest first. */
  deadlinesReached(nowMs: number, max: number): string[] {
    return [...this.deadlines.entries()]
      .filter(([, ms]) => ms <= nowMs)
      .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1))
      .slice(0, Math.max(0, max))
      .map(([id]) => id);
  }

  canonicalState(): unknown {
    this.decodeAll();
    return [...this.rows.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, row]) => ({ id, revision: row.revision.toString(), state: row.state }));
  }

  /**
   * Chunks of compact rows in list order (commitments.snapshot.ts). The capture copies the list's keys only: the rows
   * are read when each chunk is serialized, and a row replaced before then hands its captured value over first
   * (snapshot-capture.ts).
   */
  snapshot(): unknown {
    return captureAtOnce(this.snapshotInSlices());
  }

  /**
   * `snapshot()` in steps (ReadModel.snapshotInSlices): the list's keys, copied a few thousand at a time, are most of
   * a capture at a million events (180,000 commitments).
   */
  *snapshotInSlices(keysPerStep = CAPTURE_KEYS_PER_STEP): Generator<void, unknown, void> {
    this.decodeAll();
    const keys = yield* this.order.allInSteps(keysPerStep);
    const rows = this.rows;
    const captured = this.captures.begin();
    const out = commitmentsSnapshot(
      keys,
      (key) => {
        const id = idOfSortKey(key);
        const row = captured.asCaptured(id, rows.get(id));
        return row === undefined ? undefined : [id, row];
      },
      (row) => nextDeadlineMs(row.state),
      (encode) => captured.chunk(encode),
    );
    this.captures.seal(captured);
    return out;
  }

  /**
   * Reads the list order, the ids and the deadline agenda at once; each chunk's commitments are decoded when one of
   * them is first asked for, and, once the runner has caught up (`caughtUp`), the others a slice at a time in the
   * background (timers that do not hold the process open), so the model serves as soon as the index is read.
   */
  restore(state: unknown): void {
    if (this.rows.size > 0 || this.order.size > 0) throw new SnapshotShapeError(this.name, 'restored into a model that already has rows');
    // Read in full before anything is swapped in: a refused snapshot leaves the model fresh.
    const index = restoreCommitmentsIndex(this.name, state, idOfSortKey);
    for (const [id, ms] of index.deadlines) this.deadlines.set(id, ms);
    this.order.resetAscending(index.sortKeys);
    this.pending = index.pending.done ? null : index.pending;
  }

  /** The runner reached the head: the chunks no question has needed yet are decoded in the background from now. */
  caughtUp(background?: BackgroundWork): void {
    this.scheduleDecoding(background);
  }

  /** Chunks of the restored snapshot not decoded yet: 0 once the model holds every commitment as objects. */
  undecoded(): number {
    return this.pending?.count ?? 0;
  }

  /** Bytes of the restored snapshot still kept to decode those chunks from. */
  undecodedBytes(): number {
    return this.pending?.retainedBytes ?? 0;
  }

  /** A commitment's row, decoding its chunk of a restored snapshot first if need be. */
  private rowOf(id: string): CommitmentRow | undefined {
    const row = this.rows.get(id);
    if (row !== undefined || this.pending === null) return row;
    if (this.broken !== null) throw this.broken;
    const chunk = this.pending.chunkHolding(id);
    if (chunk === undefined) return undefined;
    this.decodeChunk(chunk);
    return this.rows.get(id);
  }

  private decodeChunk(chunk: number): void {
    const pending = this.pending;
    if (this.broken !== null) throw this.broken;
    if (pending === null) return;
    try {
      // Rows applied since the restore were decoded first (apply reads the previous row), so none is overwritten.
      for (const [id, row] of pending.decode(chunk, commitmentSortKey)) this.rows.set(id, row);
    } catch (error) {
      this.broken = new DeferredSnapshotError(this.name, error);
      // Nothing more will be decoded: the other chunks' bytes go now.
      pending.release();
      throw this.broken;
    }
    if (pending.done) this.pending = null;
  }

  private decodeAll(): void {
    for (let chunk = this.pending?.nextPending(); chunk !== undefined; chunk = this.pending?.nextPending()) this.decodeChunk(chunk);
    if (this.broken !== null) throw this.broken;
  }

  /** No slice runs once `background.signal` is aborted; a chunk that does not decode is reported to `background.fail`. */
  private scheduleDecoding(background?: BackgroundWork): void {
    if (this.pending === null) return;
    const step = (): void => {
      // Stopped: what is left is decoded when a question or an event needs it.
      if (background?.signal.aborted === true) return;
      const started = performance.now();
      try {
        if (this.broken !== null) throw this.broken;
        for (let chunk = this.pending?.nextPending(); chunk !== undefined; chunk = this.pending?.nextPending()) {
          this.decodeChunk(chunk);
          if (performance.now() - started >= DECODE_SLICE_MS) break;
        }
      } catch (error) {
        // Also kept in `broken`: every later question about the commitments raises it.
        background?.fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (this.pending !== null) setTimeout(step, 0).unref();
    };
    setTimeout(step, 0).unref();
  }

  private matchesStatic(c: CommitmentMade['data'], f: CommitmentFilter): boolean {
    if (f.obligor !== undefined && c.obligor !== f.obligor) return false;
    if (f.obligee !== undefined && c.obligee.id !== f.obligee) return false;
    if (f.obligeeKind !== undefined && c.obligee.kind !== f.obligeeKind) return false;
    if (f.agreementId !== undefined && c.agreementId !== f.agreementId) return false;
    if (f.bodyId !== undefined && c.bodyId !== f.bodyId) return false;
    if (f.kind !== undefined && c.kind !== f.kind) return false;
    const due = Date.parse(c.dueAt);
    if (f.dueFrom !== undefined && due < Date.parse(f.dueFrom)) return false;
    if (f.dueTo !== undefined && due > Date.parse(f.dueTo)) return false;
    return true;
  }

  private view(row: CommitmentRow, nowMs: number): CommitmentView {
    const { state } = row;
    const c = state.commitment;
    const status = commitmentStatus(state, nowMs);
    if (c === null || status === null) throw new Error('a commitment row exists only after CommitmentMade');
    const due = Date.parse(c.dueAt);
    return {
      commitmentId: c.commitmentId,
      agreementId: c.agreementId,
      bodyId: c.bodyId,
      obligor: c.obligor,
      obligee: c.obligee,
      kind: c.kind,
      description: c.description,
      promise: c.promise,
      value: c.value,
      dueAt: c.dueAt,
      incidentId: c.incidentId,
      allowOverDelivery: c.allowOverDelivery,
      madeAt: c.occurredAt,
      status,
      delivered: state.delivered,
      deliveries: state.deliveries,
      disputes: state.disputes,
      fulfilment: state.fulfilment,
      overdueMarked: state.overdueMarked,
      overdueAt: new Date(due + c.overdueGraceSeconds * SECOND_MS).toISOString(),
      defaultAt: new Date(due + c.defaultAfterSeconds * SECOND_MS).toISOString(),
      revision: row.revision.toString(),
      position: row.position.toString(),
    };
  }
}
