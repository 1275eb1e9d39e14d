/**
 * Builds recorded governance histories in the domain's words, for tests and benchmarks of the trust read model:
 * each call appends one event to its stream with the next revision and global position. `recordedAt` defaults to
 * the business instant; `recordedLagMs` makes the ledger learn of events later than they happened. With `onEvent`, each
 * event is handed over instead of kept, so a benchmark can stream a million events without holding them.
 */
import type {
  BodyEstablished,
  CommitmentClosedShort,
  CommitmentDefaulted,
  CommitmentFulfilled,
  CommitmentMade,
  CommitmentReopened,
  CommitmentWaived,
  FindingKind,
  FindingRecorded,
  FindingRevoked,
  MemberAdmitted,
  MemberRemoved,
  Obligee,
} from '../../../domain/src/governance/events.js';
import { streams } from '../../../domain/src/governance/events.js';
import { instant } from '../../../domain/src/shared/time.js';
import type { EventMetadata, RecordedEvent } from '../../../event-store/src/port.js';
import { COORDINATOR } from './evidence.js';

/** The id prefix that asks for UUID-shaped event ids. */
export const UUID_IDS = 'uuid';

const METADATA: EventMetadata = { actor: 'system:history', role: 'system', correlationId: 'history', schemaVersion: 1 };

export interface CommitmentSpec {
  commitmentId: string;
  obligor: string;
  /** A city id, or `coordinator` (a commitment to the body). */
  obligee: string;
  /** Decimal string. */
  value: string;
  madeMs: number;
  dueMs: number;
  bodyId?: string;
}

export interface FindingSpec {
  findingId: string;
  cityId: string;
  counterparty: string | null;
  kind: FindingKind;
  severity: number;
  atMs: number;
  bodyId?: string;
}

export class GovernanceHistory {
  readonly events: RecordedEvent[] = [];
  private readonly revisions = new Map<string, bigint>();
  /** Latest recordedAt per stream: a stream is appended in order, so the ledger never records it backwards. */
  private readonly streamRecorded = new Map<string, number>();

  private count = 0;

  /**
   * `idPrefix` names events `<prefix>-00000001`; the prefix `uuid` gives UUID-shaped ids instead (the count in the
   * last group), like the ledger's own, for measurements that should see the ids a real log carries.
   */
  constructor(
    private readonly idPrefix = 'ev',
    private readonly onEvent: ((event: RecordedEvent) => void) | null = null,
  ) {}

  private eventId(): string {
    if (this.idPrefix === UUID_IDS) return `6f1c2d0e-8b7a-4c35-a1e2-${this.count.toString(16).padStart(12, '0')}`;
    return `${this.idPrefix}-${String(this.count).padStart(8, '0')}`;
  }

  /** Events appended so far (kept or handed over). */
  get appended(): number {
    return this.count;
  }

  /** Drops what the builder remembers of a finished stream (a streaming benchmark has hundreds of thousands). */
  forget(stream: string): void {
    this.revisions.delete(stream);
    this.streamRecorded.delete(stream);
  }

  append<T extends { occurredAt: string }>(type: string, stream: string, data: T, recordedLagMs = 0): RecordedEvent<T> {
    const revision = this.revisions.get(stream) ?? 0n;
    this.revisions.set(stream, revision + 1n);
    const recordedMs = Math.max(Date.parse(data.occurredAt) + recordedLagMs, this.streamRecorded.get(stream) ?? Number.NEGATIVE_INFINITY);
    this.streamRecorded.set(stream, recordedMs);
    const position = BigInt(this.count);
    const event: RecordedEvent<T> = {
      id: this.eventId(),
      type,
      stream,
      revision,
      position,
      recordedAt: instant(recordedMs),
      data,
      metadata: METADATA,
      hash: '',
    };
    this.count += 1;
    if (this.onEvent === null) this.events.push(event);
    else this.onEvent(event);
    return event;
  }

  bodyEstablished(bodyId: string, members: readonly string[], atMs: number, lagMs = 0): RecordedEvent {
    const data: BodyEstablished['data'] = { bodyId, name: bodyId, members: [...members], offices: [], occurredAt: instant(atMs) };
    return this.append('BodyEstablished', streams.body(bodyId), data, lagMs);
  }

  memberAdmitted(bodyId: string, cityId: string, atMs: number, lagMs = 0): RecordedEvent {
    const data: MemberAdmitted['data'] = { bodyId, cityId, occurredAt: instant(atMs) };
    return this.append('MemberAdmitted', streams.body(bodyId), data, lagMs);
  }

  memberRemoved(bodyId: string, cityId: string, atMs: number, lagMs = 0): RecordedEvent {
    const data: MemberRemoved['data'] = { bodyId, cityId, reason: 'left the body', occurredAt: instant(atMs) };
    return this.append('MemberRemoved', streams.body(bodyId), data, lagMs);
  }

  commitmentMade(spec: CommitmentSpec, lagMs = 0): RecordedEvent {
    const bodyId = spec.bodyId ?? 'body';
    const obligee: Obligee = spec.obligee === COORDINATOR ? { kind: 'body', id: bodyId } : { kind: 'city', id: spec.obligee };
    const data: CommitmentMade['data'] = {
      commitmentId: spec.commitmentId,
      agreementId: 'agreement',
      bodyId,
      obligor: spec.obligor,
      obligee,
      kind: 'supplies',
      description: `commitment ${spec.commitmentId}`,
      promise: { kind: 'quantity', quantity: '100', unit: 'tonnes' },
      value: { amount: spec.value, currency: 'CNY' },
      dueAt: instant(spec.dueMs),
      incidentId: null,
      allowOverDelivery: false,
      // The agreement's graces are deliberately non-zero: trust must use its own grace, not these.
      overdueGraceSeconds: 3_600,
      defaultAfterSeconds: 30 * 86_400,
      occurredAt: instant(spec.madeMs),
    };
    return this.append('CommitmentMade', streams.commitment(spec.commitmentId), data, lagMs);
  }

  fulfilled(commitmentId: string, atMs: number, lagMs = 0): RecordedEvent {
    const data: CommitmentFulfilled['data'] = {
      commitmentId,
      completingDeliveryId: `${commitmentId}-d${this.count}`,
      delivered: '100',
      onTime: true,
      fulfilledAt: instant(atMs),
      occurredAt: instant(atMs),
    };
    return this.append('CommitmentFulfilled', streams.commitment(commitmentId), data, lagMs);
  }

  closedShort(commitmentId: string, fraction: string, atMs: number, lagMs = 0): RecordedEvent {
    const data: CommitmentClosedShort['data'] = { commitmentId, delivered: fraction, promised: '1', fraction, reason: 'accepted as final', occurredAt: instant(atMs) };
    return this.append('CommitmentClosedShort', streams.commitment(commitmentId), data, lagMs);
  }

  defaulted(commitmentId: string, atMs: number, lagMs = 0, reason: 'declared' | 'deadline' = 'declared'): RecordedEvent {
    const data: CommitmentDefaulted['data'] = { commitmentId, reason, note: 'not delivered', occurredAt: instant(atMs) };
    return this.append('CommitmentDefaulted', streams.commitment(commitmentId), data, lagMs);
  }

  waived(commitmentId: string, atMs: number, lagMs = 0): RecordedEvent {
    const data: CommitmentWaived['data'] = { commitmentId, waivedBy: { kind: 'body', id: 'body' }, reason: 'released', occurredAt: instant(atMs) };
    return this.append('CommitmentWaived', streams.commitment(commitmentId), data, lagMs);
  }

  reopened(commitmentId: string, atMs: number, lagMs = 0): RecordedEvent {
    const data: CommitmentReopened['data'] = { commitmentId, delivered: '0', occurredAt: instant(atMs) };
    return this.append('CommitmentReopened', streams.commitment(commitmentId), data, lagMs);
  }

  finding(spec: FindingSpec, lagMs = 0): RecordedEvent {
    const data: FindingRecorded['data'] = {
      findingId: spec.findingId,
      bodyId: spec.bodyId ?? 'body',
      cityId: spec.cityId,
      counterpartyCityId: spec.counterparty,
      kind: spec.kind,
      severity: spec.severity,
      incidentId: null,
      penalty: null,
      description: `finding ${spec.findingId}`,
      occurredAt: instant(spec.atMs),
    };
    return this.append('FindingRecorded', streams.finding(spec.findingId), data, lagMs);
  }

  revoked(findingId: string, atMs: number, lagMs = 0): RecordedEvent {
    const data: FindingRevoked['data'] = { findingId, reason: 'overturned on appeal', occurredAt: instant(atMs) };
    return this.append('FindingRevoked', streams.finding(findingId), data, lagMs);
  }
}
