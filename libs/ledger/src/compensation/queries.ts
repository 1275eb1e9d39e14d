/** Query messages and handlers of compensation: thin reads of the balances and incidents read models, paged. */
import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { EventStore } from '../../../event-store/src/port.js';
import { bodyOf } from '../governance/context-reads.js';
import { EVENT_STORE } from '../tokens.js';
import { cityParty, fundParty, type Party } from '../../../domain/src/compensation/events.js';
import { positionsFromObligations } from '../../../domain/src/compensation/settlement.js';
import { proposeBodySettlement, type BodySettlementProposal } from '../../../projections/src/settlement/settlement.queries.js';
import { notFound } from '../../../domain/src/shared/errors.js';
import {
  BalancesReadModel,
  type FundBalance,
  type ObligationFilter,
  type ObligationView,
  type PairBalance,
  type TransferFilter,
  type TransferView,
} from '../../../projections/src/balances/balances.read-model.js';
import { IncidentsReadModel, type IncidentListFilter, type IncidentSummary, type IncidentView } from '../../../projections/src/incidents/incidents.read-model.js';
import { clampPageSize, decodeCursor, encodeCursor, paginate, type Page } from '../pagination.js';

export interface PageRequest {
  limit?: number;
  cursor?: string | null;
}

const afterOf = (page: PageRequest): string | null => (page.cursor === undefined || page.cursor === null || page.cursor === '' ? null : decodeCursor(page.cursor));

/** The balances model pages by raw key; the API hands out opaque cursors. */
function opaque<T>(page: { items: T[]; nextCursor: string | null }): Page<T> {
  return { items: page.items, nextCursor: page.nextCursor === null ? null : encodeCursor(page.nextCursor) };
}

export class GetIncident extends Query<IncidentView> {
  constructor(readonly incidentId: string) {
    super();
  }
}
export class ListIncidents extends Query<Page<IncidentSummary>> {
  constructor(
    readonly filter: IncidentListFilter,
    readonly page: PageRequest,
  ) {
    super();
  }
}
export class ListObligations extends Query<Page<ObligationView>> {
  constructor(
    readonly filter: ObligationFilter,
    readonly page: PageRequest,
  ) {
    super();
  }
}
export class GetObligation extends Query<ObligationView> {
  constructor(readonly obligationId: string) {
    super();
  }
}
export class ListTransfers extends Query<Page<TransferView>> {
  constructor(
    readonly filter: TransferFilter,
    readonly page: PageRequest,
  ) {
    super();
  }
}
export class GetTransfer extends Query<TransferView> {
  constructor(readonly transferId: string) {
    super();
  }
}
export class GetPairBalance extends Query<PairBalance> {
  constructor(
    readonly payer: Party,
    readonly payee: Party,
    readonly currency: string,
  ) {
    super();
  }
}
export class ListPairBalances extends Query<Page<PairBalance>> {
  constructor(readonly page: PageRequest) {
    super();
  }
}

export interface PartyPosition {
  party: Party;
  /** currency → what the party is owed net (negative: what it owes), from outstanding obligations. */
  netPositions: Record<string, string>;
}
export class GetCityPosition extends Query<PartyPosition> {
  constructor(readonly cityId: string) {
    super();
  }
}

export interface FundView extends FundBalance {
  /** Obligations of the fund it cannot pay yet, oldest first, with what is missing (at most `limit`). */
  unpaidObligations: { obligation: ObligationView; shortfall: string }[];
  /** Net position of the fund per currency. */
  netPositions: Record<string, string>;
}
export class GetFund extends Query<FundView> {
  constructor(
    readonly bodyId: string,
    readonly unpaidLimit?: number,
  ) {
    super();
  }
}

export interface ProposalView extends BodySettlementProposal {
  /** The non-zero positions of the body's unencumbered obligations that the proposal nets (party key → amount). */
  positions: Record<string, string>;
}
export class GetSettlementProposal extends Query<ProposalView> {
  constructor(
    readonly bodyId: string,
    readonly currency: string,
  ) {
    super();
  }
}

@QueryHandler(GetIncident)
export class GetIncidentHandler implements IQueryHandler<GetIncident> {
  constructor(private readonly incidents: IncidentsReadModel) {}
  async execute({ incidentId }: GetIncident): Promise<IncidentView> {
    const view = this.incidents.incident(incidentId);
    if (view === null) throw notFound('incident', incidentId);
    return view;
  }
}

@QueryHandler(ListIncidents)
export class ListIncidentsHandler implements IQueryHandler<ListIncidents> {
  constructor(private readonly incidents: IncidentsReadModel) {}
  async execute({ filter, page }: ListIncidents): Promise<Page<IncidentSummary>> {
    return paginate(this.incidents.summaries(filter), (s) => s.incidentId, page);
  }
}

@QueryHandler(ListObligations)
export class ListObligationsHandler implements IQueryHandler<ListObligations> {
  constructor(private readonly balances: BalancesReadModel) {}
  async execute({ filter, page }: ListObligations): Promise<Page<ObligationView>> {
    return opaque(this.balances.listObligations(filter, { limit: clampPageSize(page.limit), after: afterOf(page) }));
  }
}

@QueryHandler(GetObligation)
export class GetObligationHandler implements IQueryHandler<GetObligation> {
  constructor(private readonly balances: BalancesReadModel) {}
  async execute({ obligationId }: GetObligation): Promise<ObligationView> {
    const view = this.balances.obligation(obligationId);
    if (view === null) throw notFound('obligation', obligationId);
    return view;
  }
}

@QueryHandler(ListTransfers)
export class ListTransfersHandler implements IQueryHandler<ListTransfers> {
  constructor(private readonly balances: BalancesReadModel) {}
  async execute({ filter, page }: ListTransfers): Promise<Page<TransferView>> {
    return opaque(this.balances.listTransfers(filter, { limit: clampPageSize(page.limit), after: afterOf(page) }));
  }
}

@QueryHandler(GetTransfer)
export class GetTransferHandler implements IQueryHandler<GetTransfer> {
  constructor(private readonly balances: BalancesReadModel) {}
  async execute({ transferId }: GetTransfer): Promise<TransferView> {
    const view = this.balances.transfer(transferId);
    if (view === null) throw notFound('transfer', transferId);
    return view;
  }
}

@QueryHandler(GetPairBalance)
export class GetPairBalanceHandler implements IQueryHandler<GetPairBalance> {
  constructor(private readonly balances: BalancesReadModel) {}
  async execute({ payer, payee, currency }: GetPairBalance): Promise<PairBalance> {
    return this.balances.pairBalance(payer, payee, currency);
  }
}

@QueryHandler(ListPairBalances)
export class ListPairBalancesHandler implements IQueryHandler<ListPairBalances> {
  constructor(private readonly balances: BalancesReadModel) {}
  async execute({ page }: ListPairBalances): Promise<Page<PairBalance>> {
    return opaque(this.balances.pairBalances({ limit: clampPageSize(page.limit), after: afterOf(page) }));
  }
}

@QueryHandler(GetCityPosition)
export class GetCityPositionHandler implements IQueryHandler<GetCityPosition> {
  constructor(private readonly balances: BalancesReadModel) {}
  async execute({ cityId }: GetCityPosition): Promise<PartyPosition> {
    const party = cityParty(cityId);
    return { party, netPositions: this.balances.netPositionsOf(party) };
  }
}

@QueryHandler(GetFund)
export class GetFundHandler implements IQueryHandler<GetFund> {
  constructor(private readonly balances: BalancesReadModel) {}
  async execute({ bodyId, unpaidLimit }: GetFund): Promise<FundView> {
    const fund = this.balances.fundBalance(bodyId);
    if (fund === null || !fund.established) throw notFound('fund', bodyId);
    return { ...fund, unpaidObligations: this.balances.unpaidFundObligations(bodyId, clampPageSize(unpaidLimit)), netPositions: this.balances.netPositionsOf(fundParty(bodyId)) };
  }
}

@QueryHandler(GetSettlementProposal)
export class GetSettlementProposalHandler implements IQueryHandler<GetSettlementProposal> {
  constructor(
    private readonly balances: BalancesReadModel,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}
  async execute({ bodyId, currency }: GetSettlementProposal): Promise<ProposalView> {
    // A body that was never established has nothing to settle because it does not exist: 404, not an empty proposal.
    if ((await bodyOf(this.store, bodyId)) === null) throw notFound('body', bodyId);
    const positions = positionsFromObligations(bodyId, currency, this.balances.settleableObligations(bodyId, currency)).positions;
    const proposal = proposeBodySettlement(this.balances, bodyId, currency);
    const nonZero = Object.fromEntries(Object.entries(positions).filter(([, amount]) => /[1-9]/.test(amount)));
    return { ...proposal, positions: nonZero };
  }
}

export const COMPENSATION_QUERY_HANDLERS = [
  GetIncidentHandler,
  ListIncidentsHandler,
  ListObligationsHandler,
  GetObligationHandler,
  ListTransfersHandler,
  GetTransferHandler,
  GetPairBalanceHandler,
  ListPairBalancesHandler,
  GetCityPositionHandler,
  GetFundHandler,
  GetSettlementProposalHandler,
] as const;
