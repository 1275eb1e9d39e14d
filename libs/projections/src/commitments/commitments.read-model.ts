/**
 * Commitments read model: every commitment's state (folded with the domain's own `evolve`, so the read side cannot
 * disagree with the deciders) and its timeline of events. Status is computed at query time against the ledger clock,
 * so "overdue" needs no event to be true. Fed by the ordered log through the projection runner.
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
import { ProjectionInvariantError, type ReadModel } from '../read-model.js';
import { decimal, record, rowsOf, SnapshotShapeError, text } from '../governance/snapshot-rows.js';
import { SortedKeys } from '../governance/sorted-keys.js';

export const COMMITMENTS_READ_MODEL = 'governance.commitments';
const STREAM_PREFIX = 'commitment-';
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

/** One event in a commitment's life, with who recorded it and where it sits in the log. */
export interface TimelineEntry {
  type: string;
  occurredAt: string;
  recordedAt: string;
  revision: string;
  position: string;
  actor: string;
  role: string;
  data: unknown;
}

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

interface Row {
  state: CommitmentState;
  timeline: TimelineEntry[];
  sortKey: string;
  revision: bigint;
  position: bigint;
}

const SECOND_MS = 1000;

/** The list order: by due instant, then id (unique, so a cursor is exact). */
export const commitmentSortKey = (view: { dueAt: string; commitmentId: string }): string => `${view.dueAt}|${view.commitmentId}`;

export class CommitmentsReadModel implements ReadModel {
  readonly name = COMMITMENTS_READ_MODEL;
  readonly version = 1;
  private readonly rows = new Map<string, Row>();
  private readonly bySortKey = new Map<string, string>();
  private readonly order = new SortedKeys();
  /** Open commitments → when the deadline process next has something to do for them. */
  private readonly deadlines = new Map<string, number>();

  apply(event: RecordedEvent): void {
    if (!event.stream.startsWith(STREAM_PREFIX) || !COMMITMENT_EVENTS.has(event.type)) return;
    // Events of commitment streams are the commitment decider's events.
    const domainEvent = { type: event.type, data: event.data } as CommitmentEvent;
    const id = event.stream.slice(STREAM_PREFIX.length);
    let row = this.rows.get(id);
    if (row === undefined) {
      if (domainEvent.type !== 'CommitmentMade') {
        throw new ProjectionInvariantError(this.name, event.position, `${event.type} on ${event.stream} before CommitmentMade`);
      }
      const key = commitmentSortKey(domainEvent.data);
      row = { state: commitmentDecider.initialState(), timeline: [], sortKey: key, revision: event.revision, position: event.position };
      this.rows.set(id, row);
      this.bySortKey.set(key, id);
      this.order.insert(key);
    }
    row.state = commitmentDecider.evolve(row.state, domainEvent);
    row.revision = event.revision;
    row.position = event.position;
    row.timeline.push({
      type: event.type,
      occurredAt: domainEvent.data.occurredAt,
      recordedAt: event.recordedAt,
      revision: event.revision.toString(),
      position: event.position.toString(),
      actor: event.metadata.actor,
      role: event.metadata.role,
      data: event.data,
    });
    const next = nextDeadlineMs(row.state);
    if (next === null) this.deadlines.delete(id);
    else this.deadlines.set(id, next);
  }

  get(commitmentId: string, nowMs: number): CommitmentView | null {
    const row = this.rows.get(commitmentId);
    return row === undefined ? null : this.view(row, nowMs);
  }

  /** The commitment's events in log order; null when it does not exist. Bounded by the decider's delivery limit. */
  timeline(commitmentId: string): readonly TimelineEntry[] | null {
    return this.rows.get(commitmentId)?.timeline ?? null;
  }

  /** Commitments matching the filter, in list order (see `commitmentSortKey`), strictly after `afterKey`. */
  *matching(filter: CommitmentFilter, nowMs: number, afterKey: string | null = null): Generator<CommitmentView> {
    for (const key of this.order.after(afterKey)) {
      const id = this.bySortKey.get(key);
      const row = id === undefined ? undefined : this.rows.get(id);
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
    return [...this.rows.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, row]) => ({ id, revision: row.revision.toString(), state: row.state }));
  }

  /**
   * Rows `[id, state, timeline, sortKey, revision, position]` in the order the commitments were made (restore sorts
   * the keys once; sorting here would stall the event loop for nothing). Each timeline entry is a tuple
   * `[type, recordedAt, revision, position, actor, role, data]` (its occurredAt is its data's), and the data of
   * CommitmentMade, which the state holds too, is written once: 0 in the timeline. States are replaced by evolve and
   * entries never change, so both are shared with the live model; only the growing timeline array is copied.
   */
  snapshot(): unknown {
    const rows: { toJSON(): unknown[] }[] = [];
    for (const [id, row] of this.rows) {
      const { state, sortKey, revision, position } = row;
      const timeline = row.timeline.slice();
      // Converted when serialized, in the writer's slices: the capture itself only copies references.
      rows.push({
        toJSON: () => [
          id,
          state,
          timeline.map((e) => [e.type, e.recordedAt, e.revision, e.position, e.actor, e.role, e.data === state.commitment ? 0 : e.data]),
          sortKey,
          revision.toString(),
          position.toString(),
        ],
      });
    }
    return rows;
  }

  restore(state: unknown): void {
    if (this.rows.size > 0) throw new SnapshotShapeError(this.name, 'restored into a model that already has rows');
    const restored = new Map<string, Row>();
    for (const [id, rowState, timeline, sortKey, revision, position] of rowsOf(this.name, state, 6)) {
      const key = text(this.name, id, 'id');
      // JSON carried evolve's plain data unchanged; a commitment row exists only after CommitmentMade.
      const commitmentState = record(this.name, rowState, `state of ${key}`) as unknown as CommitmentState;
      const made = commitmentState.commitment;
      if (made === null || typeof made !== 'object') throw new SnapshotShapeError(this.name, `${key} has no commitment`);
      restored.set(key, {
        state: commitmentState,
        timeline: rowsOf(this.name, timeline, 7).map(([type, recordedAt, rev, pos, actor, role, data]) => {
          const entryData = data === 0 ? made : record(this.name, data, `timeline data of ${key}`);
          return {
            type: text(this.name, type, `timeline type of ${key}`),
            occurredAt: text(this.name, entryData.occurredAt, `timeline occurredAt of ${key}`),
            recordedAt: text(this.name, recordedAt, `timeline recordedAt of ${key}`),
            revision: text(this.name, rev, `timeline revision of ${key}`),
            position: text(this.name, pos, `timeline position of ${key}`),
            actor: text(this.name, actor, `timeline actor of ${key}`),
            role: text(this.name, role, `timeline role of ${key}`),
            data: entryData,
          };
        }),
        sortKey: text(this.name, sortKey, `sort key of ${key}`),
        revision: decimal(this.name, revision, `revision of ${key}`),
        position: decimal(this.name, position, `position of ${key}`),
      });
    }
    for (const [id, row] of restored) {
      this.rows.set(id, row);
      this.bySortKey.set(row.sortKey, id);
      const next = nextDeadlineMs(row.state);
      if (next !== null) this.deadlines.set(id, next);
    }
    this.order.reset(this.bySortKey.keys());
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

  private view(row: Row, nowMs: number): CommitmentView {
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
