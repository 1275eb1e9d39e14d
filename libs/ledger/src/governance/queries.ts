/** Query messages and handlers of governance: thin reads of the read models, paged with the shell's cursors. */
import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { notFound } from '../../../domain/src/shared/errors.js';
import type { Clock } from '../../../event-store/src/clock.js';
import { StreamNotFoundError } from '../../../event-store/src/errors.js';
import type { EventStore, RecordedEvent } from '../../../event-store/src/port.js';
import {
  CommitmentsReadModel,
  commitmentSortKey,
  commitmentStream,
  type CommitmentFilter,
  type CommitmentView,
} from '../../../projections/src/commitments/commitments.read-model.js';
import {
  AgreementsReadModel,
  BodiesReadModel,
  CitiesReadModel,
  FindingsReadModel,
  type AgreementFilter,
  type AgreementView,
  type BodyView,
  type CityFilter,
  type CityView,
  type FindingFilter,
  type FindingView,
} from '../../../projections/src/governance/governance.read-models.js';
import { clampPageSize, decodeCursor, encodeCursor, InvalidCursorError, MAX_PAGE_SIZE, paginate, type Page } from '../pagination.js';
import { EVENT_STORE, LEDGER_CLOCK } from '../tokens.js';

export interface PageRequest {
  limit?: number;
  cursor?: string | null;
}

function found<T>(value: T | null, what: string, id: string): T {
  if (value === null) throw notFound(what, id);
  return value;
}

const afterOf = (page: PageRequest): string | null => (page.cursor === undefined || page.cursor === null || page.cursor === '' ? null : decodeCursor(page.cursor));

export class GetCity extends Query<CityView> {
  constructor(readonly cityId: string) {
    super();
  }
}
export class ListCities extends Query<Page<CityView>> {
  constructor(
    readonly filter: CityFilter,
    readonly page: PageRequest,
  ) {
    super();
  }
}
export class GetBody extends Query<BodyView> {
  constructor(readonly bodyId: string) {
    super();
  }
}
export class ListBodies extends Query<Page<BodyView>> {
  constructor(
    readonly filter: { member?: string },
    readonly page: PageRequest,
  ) {
    super();
  }
}
export class GetAgreement extends Query<AgreementView> {
  constructor(readonly agreementId: string) {
    super();
  }
}
export class ListAgreements extends Query<Page<AgreementView>> {
  constructor(
    readonly filter: AgreementFilter,
    readonly page: PageRequest,
  ) {
    super();
  }
}

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

export type CommitmentWithTimeline = CommitmentView & {
  /** The commitment's events in log order, up to its `revision` (the state shown), at most one page of them. */
  timeline: readonly TimelineEntry[];
  /** Pass as `timelineCursor` for the rest of the timeline; null when `timeline` reaches `revision`. */
  timelineNextCursor: string | null;
};

/**
 * A commitment with one page of its timeline: by default the largest page (MAX_PAGE_SIZE events), which is the
 * whole timeline of any commitment with fewer events. `timeline.cursor` continues after the revision a previous page
 * ended at.
 */
export class GetCommitment extends Query<CommitmentWithTimeline> {
  constructor(
    readonly commitmentId: string,
    readonly timeline: PageRequest = {},
  ) {
    super();
  }
}
export class ListCommitments extends Query<Page<CommitmentView>> {
  constructor(
    readonly filter: CommitmentFilter,
    readonly page: PageRequest,
  ) {
    super();
  }
}
export class GetFinding extends Query<FindingView> {
  constructor(readonly findingId: string) {
    super();
  }
}
export class ListFindings extends Query<Page<FindingView>> {
  constructor(
    readonly filter: FindingFilter,
    readonly page: PageRequest,
  ) {
    super();
  }
}

@QueryHandler(GetCity)
export class GetCityHandler implements IQueryHandler<GetCity> {
  constructor(private readonly cities: CitiesReadModel) {}
  async execute({ cityId }: GetCity): Promise<CityView> {
    return found(this.cities.get(cityId), 'city', cityId);
  }
}

@QueryHandler(ListCities)
export class ListCitiesHandler implements IQueryHandler<ListCities> {
  constructor(private readonly cities: CitiesReadModel) {}
  async execute({ filter, page }: ListCities): Promise<Page<CityView>> {
    return paginate(this.cities.matching(filter, afterOf(page)), (c) => c.cityId, page);
  }
}

@QueryHandler(GetBody)
export class GetBodyHandler implements IQueryHandler<GetBody> {
  constructor(private readonly bodies: BodiesReadModel) {}
  async execute({ bodyId }: GetBody): Promise<BodyView> {
    return found(this.bodies.get(bodyId), 'body', bodyId);
  }
}

@QueryHandler(ListBodies)
export class ListBodiesHandler implements IQueryHandler<ListBodies> {
  constructor(private readonly bodies: BodiesReadModel) {}
  async execute({ filter, page }: ListBodies): Promise<Page<BodyView>> {
    return paginate(this.bodies.matching(filter, afterOf(page)), (b) => b.bodyId, page);
  }
}

@QueryHandler(GetAgreement)
export class GetAgreementHandler implements IQueryHandler<GetAgreement> {
  constructor(
    private readonly agreements: AgreementsReadModel,
    @Inject(LEDGER_CLOCK) private readonly clock: Clock,
  ) {}
  async execute({ agreementId }: GetAgreement): Promise<AgreementView> {
    return found(this.agreements.get(agreementId, this.clock.nowMs()), 'agreement', agreementId);
  }
}

@QueryHandler(ListAgreements)
export class ListAgreementsHandler implements IQueryHandler<ListAgreements> {
  constructor(
    private readonly agreements: AgreementsReadModel,
    @Inject(LEDGER_CLOCK) private readonly clock: Clock,
  ) {}
  async execute({ filter, page }: ListAgreements): Promise<Page<AgreementView>> {
    return paginate(this.agreements.matching(filter, this.clock.nowMs(), afterOf(page)), (a) => a.agreementId, page);
  }
}

const REVISION_TEXT = /^(0|[1-9]\d{0,18})$/;

function timelineEntry(event: RecordedEvent): TimelineEntry {
  const { occurredAt } = event.data as { occurredAt: string };
  return {
    type: event.type,
    occurredAt,
    recordedAt: event.recordedAt,
    revision: event.revision.toString(),
    position: event.position.toString(),
    actor: event.metadata.actor,
    role: event.metadata.role,
    data: event.data,
  };
}

/**
 * One page of a commitment's timeline, read from its own stream: its events from the cursor's revision on, never
 * past `upTo` (the revision the read model's state reflects, so the timeline and the state shown agree even while
 * the model is behind the log), at most the page size and the store's read limit.
 */
export async function readCommitmentTimeline(store: EventStore, commitmentId: string, upTo: bigint, page: PageRequest): Promise<Page<TimelineEntry>> {
  const after = afterOf(page);
  if (after !== null && !REVISION_TEXT.test(after)) throw new InvalidCursorError();
  const from = after === null ? 0n : BigInt(after) + 1n;
  if (from > upTo) return { items: [], nextCursor: null };
  const limit = BigInt(Math.min(clampPageSize(page.limit ?? MAX_PAGE_SIZE), store.limits.maxReadCount));
  const remaining = upTo - from + 1n;
  let events: RecordedEvent[];
  try {
    events = await store.readStream(commitmentStream(commitmentId), { fromRevision: from, maxCount: Number(remaining < limit ? remaining : limit) });
  } catch (error) {
    if (error instanceof StreamNotFoundError) throw notFound('commitment', commitmentId);
    throw error;
  }
  const items = events.filter((e) => e.revision <= upTo).map(timelineEntry);
  const last = events.at(-1);
  return { items, nextCursor: last !== undefined && last.revision < upTo ? encodeCursor(last.revision.toString()) : null };
}

@QueryHandler(GetCommitment)
export class GetCommitmentHandler implements IQueryHandler<GetCommitment> {
  constructor(
    private readonly commitments: CommitmentsReadModel,
    @Inject(LEDGER_CLOCK) private readonly clock: Clock,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}
  async execute({ commitmentId, timeline }: GetCommitment): Promise<CommitmentWithTimeline> {
    const view = found(this.commitments.get(commitmentId, this.clock.nowMs()), 'commitment', commitmentId);
    const page = await readCommitmentTimeline(this.store, commitmentId, BigInt(view.revision), timeline);
    return { ...view, timeline: page.items, timelineNextCursor: page.nextCursor };
  }
}

@QueryHandler(ListCommitments)
export class ListCommitmentsHandler implements IQueryHandler<ListCommitments> {
  constructor(
    private readonly commitments: CommitmentsReadModel,
    @Inject(LEDGER_CLOCK) private readonly clock: Clock,
  ) {}
  async execute({ filter, page }: ListCommitments): Promise<Page<CommitmentView>> {
    return paginate(this.commitments.matching(filter, this.clock.nowMs(), afterOf(page)), commitmentSortKey, page);
  }
}

@QueryHandler(GetFinding)
export class GetFindingHandler implements IQueryHandler<GetFinding> {
  constructor(private readonly findings: FindingsReadModel) {}
  async execute({ findingId }: GetFinding): Promise<FindingView> {
    return found(this.findings.get(findingId), 'finding', findingId);
  }
}

@QueryHandler(ListFindings)
export class ListFindingsHandler implements IQueryHandler<ListFindings> {
  constructor(private readonly findings: FindingsReadModel) {}
  async execute({ filter, page }: ListFindings): Promise<Page<FindingView>> {
    return paginate(this.findings.matching(filter, afterOf(page)), (f) => f.finding.findingId, page);
  }
}

export const GOVERNANCE_QUERY_HANDLERS = [
  GetCityHandler,
  ListCitiesHandler,
  GetBodyHandler,
  ListBodiesHandler,
  GetAgreementHandler,
  ListAgreementsHandler,
  GetCommitmentHandler,
  ListCommitmentsHandler,
  GetFindingHandler,
  ListFindingsHandler,
] as const;
