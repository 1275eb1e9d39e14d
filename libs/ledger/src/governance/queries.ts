/** Query messages and handlers of governance: thin reads of the read models, paged with the shell's cursors. */
import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { notFound } from '../../../domain/src/shared/errors.js';
import type { Clock } from '../../../event-store/src/clock.js';
import { CommitmentsReadModel, commitmentSortKey, type CommitmentFilter, type CommitmentView, type TimelineEntry } from '../../../projections/src/commitments/commitments.read-model.js';
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
import { decodeCursor, paginate, type Page } from '../pagination.js';
import { LEDGER_CLOCK } from '../tokens.js';

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

export type CommitmentWithTimeline = CommitmentView & { timeline: readonly TimelineEntry[] };

export class GetCommitment extends Query<CommitmentWithTimeline> {
  constructor(readonly commitmentId: string) {
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

@QueryHandler(GetCommitment)
export class GetCommitmentHandler implements IQueryHandler<GetCommitment> {
  constructor(
    private readonly commitments: CommitmentsReadModel,
    @Inject(LEDGER_CLOCK) private readonly clock: Clock,
  ) {}
  async execute({ commitmentId }: GetCommitment): Promise<CommitmentWithTimeline> {
    const view = this.commitments.get(commitmentId, this.clock.nowMs());
    const timeline = this.commitments.timeline(commitmentId);
    if (view === null || timeline === null) throw notFound('commitment', commitmentId);
    return { ...view, timeline };
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
