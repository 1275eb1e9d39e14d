/** HTTP resources of compensation: thin translations between requests and CommandBus / QueryBus messages. */
import { Body, Controller, Get, Injectable, Param, Post, Query, Res, type PipeTransform } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Party } from '../../../../libs/domain/src/compensation/events.js';
import type { WriteAcknowledgement } from '../../../../libs/ledger/src/acknowledgement.js';
import {
  ExecuteFundCommand,
  ExecuteIncidentCommand,
  ExecuteSettlementCommand,
  InitiateTransferCommand,
  SettleTransferCommand,
  VoidTransferCommand,
} from '../../../../libs/ledger/src/compensation/commands.js';
import {
  GetCityPosition,
  GetFund,
  GetIncident,
  GetObligation,
  GetPairBalance,
  GetSettlementProposal,
  GetTransfer,
  ListIncidents,
  ListObligations,
  ListPairBalances,
  ListTransfers,
  type FundView,
  type PartyPosition,
  type ProposalView,
} from '../../../../libs/ledger/src/compensation/queries.js';
import type { Actor, CommandContext } from '../../../../libs/ledger/src/context.js';
import { MAX_PAGE_SIZE, type Page } from '../../../../libs/ledger/src/pagination.js';
import type { ObligationFilter, ObligationView, PairBalance, TransferFilter, TransferView } from '../../../../libs/projections/src/balances/balances.read-model.js';
import type { IncidentSummary, IncidentView } from '../../../../libs/projections/src/incidents/incidents.read-model.js';
import { CurrentActor, RequestContext, Roles } from '../auth/decorators.js';
import { ReadProblems, SlugPipe, WriteProblems } from '../governance/validation.js';
import { RequestValidationError } from '../http/problem.js';
import { PageQueryDto, ReadQueryDto } from '../http/query.dto.js';
import { WriteAcknowledgementDto } from '../http/write-acknowledgement.dto.js';
import {
  AddAffectedCityDto,
  ClaimResponseCostDto,
  ContributionDto,
  CurrencyQueryDto,
  EstablishFundDto,
  FundQueryDto,
  ExecuteSettlementDto,
  FundViewDto,
  IncentiveDto,
  IncidentListQueryDto,
  IncidentPageDto,
  IncidentViewDto,
  InitiateTransferDto,
  OBLIGATION_ID,
  ObligationListQueryDto,
  ObligationPageDto,
  ObligationViewDto,
  OccurredDto,
  OpenIncidentDto,
  PairBalanceDto,
  PairBalancePageDto,
  PairQueryDto,
  PartyPositionDto,
  RecordAvertedLossDto,
  RejectClaimDto,
  SettlementProposalDto,
  TransferListQueryDto,
  TransferPageDto,
  TransferViewDto,
  VerifyClaimDto,
  VoidTransferDto,
} from './compensation.dto.js';
import { streamCsv } from './csv.js';
import { streamedResponse } from '../http/streamed-response.js';

const Ack = () => ApiCreatedResponse({ type: WriteAcknowledgementDto, description: 'Where the write landed (stream revision, global position): pass position as ?atLeast= to read it' });
const page = (q: { limit?: number; cursor?: string }) => ({ limit: q.limit, cursor: q.cursor });

function partyOf(key: string): Party {
  const colon = key.indexOf(':');
  return { kind: key.slice(0, colon) === 'fund' ? 'fund' : 'city', id: key.slice(colon + 1) };
}

/** Obligation ids join slugs with ':' (URL-encoded in paths); anything else is a 400 before it reaches a read model. */
@Injectable()
export class ObligationIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !OBLIGATION_ID.test(value)) {
      throw new RequestValidationError([{ field: 'obligationId', messages: ['the obligation id must be slugs joined by ":"'] }]);
    }
    return value;
  }
}

/** A finance officer reads the exports of its own city or fund; auditors read everyone's. */
function exportParty(actor: Actor, asked: string | undefined): Party | undefined {
  if (actor.role === 'finance-officer' && actor.scope !== null && (actor.scope.kind === 'city' || actor.scope.kind === 'fund')) return { kind: actor.scope.kind, id: actor.scope.id };
  return asked === undefined ? undefined : partyOf(asked);
}

@ApiTags('incidents')
@ApiBearerAuth()
@Controller('incidents')
export class IncidentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('coordinator')
  @ApiOperation({ summary: "Open an incident under an agreement (coordinator of the agreement's body)" })
  @Ack()
  @WriteProblems()
  open(@Body() body: OpenIncidentDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteIncidentCommand({ type: 'OpenIncident', ...body }, context));
  }

  @Post(':incidentId/affected-cities')
  @Roles('coordinator')
  @ApiOperation({ summary: 'Add an affected city (a party to the agreement)' })
  @Ack()
  @WriteProblems()
  addAffected(@Param('incidentId', SlugPipe) incidentId: string, @Body() body: AddAffectedCityDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteIncidentCommand({ type: 'AddAffectedCity', incidentId, ...body }, context));
  }

  @Post(':incidentId/claims')
  @Roles('city-officer')
  @ApiOperation({ summary: 'Claim response costs (city officer, for its own city only, with an evidence reference)' })
  @Ack()
  @WriteProblems()
  claim(@Param('incidentId', SlugPipe) incidentId: string, @Body() body: ClaimResponseCostDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteIncidentCommand({ type: 'ClaimResponseCost', incidentId, ...body }, context));
  }

  @Post(':incidentId/claims/:claimId/verification')
  @Roles('coordinator')
  @ApiOperation({ summary: 'Verify a claim, possibly at a lower amount (coordinator)' })
  @Ack()
  @WriteProblems()
  verify(
    @Param('incidentId', SlugPipe) incidentId: string,
    @Param('claimId', SlugPipe) claimId: string,
    @Body() body: VerifyClaimDto,
    @RequestContext() context: CommandContext,
  ): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteIncidentCommand({ type: 'VerifyClaim', incidentId, claimId, ...body }, context));
  }

  @Post(':incidentId/claims/:claimId/rejection')
  @Roles('coordinator')
  @ApiOperation({ summary: 'Reject a claim (coordinator)' })
  @Ack()
  @WriteProblems()
  reject(
    @Param('incidentId', SlugPipe) incidentId: string,
    @Param('claimId', SlugPipe) claimId: string,
    @Body() body: RejectClaimDto,
    @RequestContext() context: CommandContext,
  ): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteIncidentCommand({ type: 'RejectClaim', incidentId, claimId, ...body }, context));
  }

  @Post(':incidentId/averted-loss')
  @Roles('coordinator')
  @ApiOperation({ summary: "Record the third party's assessment of the averted loss (coordinator)" })
  @Ack()
  @WriteProblems()
  avertedLoss(@Param('incidentId', SlugPipe) incidentId: string, @Body() body: RecordAvertedLossDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteIncidentCommand({ type: 'RecordAvertedLoss', incidentId, ...body }, context));
  }

  @Post(':incidentId/closure')
  @Roles('coordinator')
  @ApiOperation({ summary: 'Close the incident: assesses it into obligations with their derivation (coordinator)' })
  @Ack()
  @WriteProblems()
  close(@Param('incidentId', SlugPipe) incidentId: string, @Body() body: OccurredDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteIncidentCommand({ type: 'CloseIncident', incidentId, ...body }, context));
  }

  @Get(':incidentId')
  @ApiOperation({ summary: 'An incident: cities, claims with status, findings tied to it, and the assessment with its derivation' })
  @ApiOkResponse({ type: IncidentViewDto })
  @ReadProblems()
  get(@Param('incidentId', SlugPipe) incidentId: string, @Query() _query: ReadQueryDto): Promise<IncidentView> {
    return this.queries.execute(new GetIncident(incidentId));
  }

  @Get()
  @ApiOperation({ summary: 'Incidents in id order, by body or status' })
  @ApiOkResponse({ type: IncidentPageDto })
  @ReadProblems()
  list(@Query() query: IncidentListQueryDto): Promise<Page<IncidentSummary>> {
    return this.queries.execute(new ListIncidents({ bodyId: query.bodyId, status: query.status }, page(query)));
  }
}

@ApiTags('funds')
@ApiBearerAuth()
@Controller('funds')
export class FundsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('coordinator', 'finance-officer')
  @ApiOperation({ summary: "Establish the body's special fund in a currency (coordinator of the body, finance officer of the fund)" })
  @Ack()
  @WriteProblems()
  establish(@Body() body: EstablishFundDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteFundCommand({ type: 'EstablishFund', ...body }, context));
  }

  @Post(':bodyId/contributions')
  @Roles('coordinator', 'finance-officer')
  @ApiOperation({ summary: "A member's contribution that fulfils no commitment (a funding commitment's money is its delivery)" })
  @Ack()
  @WriteProblems()
  contribute(@Param('bodyId', SlugPipe) bodyId: string, @Body() body: ContributionDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteFundCommand({ type: 'ReceiveMemberContribution', bodyId, ...body }, context));
  }

  @Post(':bodyId/incentives')
  @Roles('coordinator', 'finance-officer')
  @ApiOperation({ summary: 'A third-party incentive, its source named' })
  @Ack()
  @WriteProblems()
  incentive(@Param('bodyId', SlugPipe) bodyId: string, @Body() body: IncentiveDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteFundCommand({ type: 'ReceiveThirdPartyIncentive', bodyId, ...body }, context));
  }

  @Get(':bodyId')
  @ApiOperation({ summary: "The fund's balance, money in and out, pending payouts, and the obligations it cannot pay yet" })
  @ApiOkResponse({ type: FundViewDto })
  @ReadProblems()
  get(@Param('bodyId', SlugPipe) bodyId: string, @Query() query: FundQueryDto): Promise<FundView> {
    return this.queries.execute(new GetFund(bodyId, query.limit));
  }
}

@ApiTags('obligations')
@ApiBearerAuth()
@Controller()
export class ObligationsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('obligations')
  @ApiOperation({ summary: 'Obligations in id order: by party, body, currency, reason, status (at most 500 a page)' })
  @ApiOkResponse({ type: ObligationPageDto })
  @ReadProblems()
  list(@Query() query: ObligationListQueryDto): Promise<Page<ObligationView>> {
    return this.queries.execute(new ListObligations(obligationFilter(query), page(query)));
  }

  @Get('obligations.csv')
  @Roles('finance-officer', 'auditor')
  @ApiOperation({ summary: "CSV export of obligations (finance officers: their own city's or fund's; auditors: any)" })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'text/csv, RFC 4180, streamed page by page' })
  @ApiForbiddenResponse({ description: 'problem+json role_forbidden' })
  async csv(@Query() query: ObligationListQueryDto, @CurrentActor() actor: Actor, @Res() reply: FastifyReply): Promise<void> {
    const filter = { ...obligationFilter(query), party: exportParty(actor, query.party) };
    await streamCsv(
      () => streamedResponse(reply),
      'obligations.csv',
      ['obligationId', 'bodyId', 'payer', 'payee', 'currency', 'reason', 'sourceKind', 'sourceId', 'obligated', 'settled', 'netted', 'settledInKind', 'pending', 'writtenOff', 'outstanding'],
      // The first page starts after the client's cursor (a cut-short export's trailer names it); later pages follow.
      async (cursor) => {
        const p: Page<ObligationView> = await this.queries.execute(new ListObligations(filter, { limit: MAX_PAGE_SIZE, cursor: cursor ?? query.cursor }));
        const rows = p.items.map((o) => [
          o.obligationId, o.bodyId, `${o.payer.kind}:${o.payer.id}`, `${o.payee.kind}:${o.payee.id}`, o.currency, o.reason, o.source.kind, o.source.id,
          o.obligated, o.settled, o.netted, o.settledInKind, o.pending, o.writtenOff, o.outstanding,
        ]);
        return { rows, nextCursor: p.nextCursor };
      },
    );
  }

  @Get('obligations/:obligationId')
  @ApiOperation({ summary: 'An obligation (URL-encode the ":" in its id)' })
  @ApiOkResponse({ type: ObligationViewDto })
  @ReadProblems()
  get(@Param('obligationId', ObligationIdPipe) obligationId: string, @Query() _query: ReadQueryDto): Promise<ObligationView> {
    return this.queries.execute(new GetObligation(obligationId));
  }
}

function obligationFilter(query: ObligationListQueryDto): ObligationFilter {
  return { party: query.party === undefined ? undefined : partyOf(query.party), bodyId: query.bodyId, currency: query.currency, reason: query.reason, status: query.status };
}

function transferFilter(query: TransferListQueryDto): TransferFilter {
  return { party: query.party === undefined ? undefined : partyOf(query.party), bodyId: query.bodyId, obligationId: query.obligationId, status: query.status };
}

@ApiTags('transfers')
@ApiBearerAuth()
@Controller()
export class TransfersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('transfers')
  @Roles('finance-officer')
  @ApiOperation({ summary: "Initiate a transfer against an obligation (finance officer of the payer); a reversal names the settled transfer it reverses" })
  @Ack()
  @WriteProblems()
  initiate(@Body() body: InitiateTransferDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    const { transferId, obligationId, amount, occurredAt } = body;
    return this.commands.execute(
      new InitiateTransferCommand({ transferId, obligationId, amount, occurredAt, form: body.form ?? 'money', valuation: body.valuation === undefined ? null : { ...body.valuation }, reverses: body.reverses ?? null }, context),
    );
  }

  @Post('transfers/:transferId/settlement')
  @Roles('finance-officer')
  @ApiOperation({ summary: 'Settle a pending transfer (finance officer of its payer or payee)' })
  @Ack()
  @WriteProblems()
  settle(@Param('transferId', SlugPipe) transferId: string, @Body() body: OccurredDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new SettleTransferCommand({ transferId, ...body }, context));
  }

  @Post('transfers/:transferId/void')
  @Roles('finance-officer')
  @ApiOperation({ summary: 'Void a pending transfer (finance officer of its payer or payee); a settled one is corrected by a reversal' })
  @Ack()
  @WriteProblems()
  void(@Param('transferId', SlugPipe) transferId: string, @Body() body: VoidTransferDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new VoidTransferCommand({ transferId, ...body }, context));
  }

  @Get('transfers')
  @ApiOperation({ summary: 'Transfers in id order: by party, body, obligation, status (at most 500 a page)' })
  @ApiOkResponse({ type: TransferPageDto })
  @ReadProblems()
  list(@Query() query: TransferListQueryDto): Promise<Page<TransferView>> {
    return this.queries.execute(new ListTransfers(transferFilter(query), page(query)));
  }

  @Get('transfers.csv')
  @Roles('finance-officer', 'auditor')
  @ApiOperation({ summary: "CSV export of transfers (finance officers: their own city's or fund's; auditors: any)" })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'text/csv, RFC 4180, streamed page by page' })
  @ApiForbiddenResponse({ description: 'problem+json role_forbidden' })
  async csv(@Query() query: TransferListQueryDto, @CurrentActor() actor: Actor, @Res() reply: FastifyReply): Promise<void> {
    const filter = { ...transferFilter(query), party: exportParty(actor, query.party) };
    await streamCsv(
      () => streamedResponse(reply),
      'transfers.csv',
      ['transferId', 'bodyId', 'obligationId', 'payer', 'payee', 'amount', 'currency', 'form', 'valuationDescription', 'valuationRef', 'reverses', 'status', 'reversed'],
      // The first page starts after the client's cursor (a cut-short export's trailer names it); later pages follow.
      async (cursor) => {
        const p: Page<TransferView> = await this.queries.execute(new ListTransfers(filter, { limit: MAX_PAGE_SIZE, cursor: cursor ?? query.cursor }));
        const rows = p.items.map((t) => [
          t.transferId, t.bodyId, t.obligationId, `${t.payer.kind}:${t.payer.id}`, `${t.payee.kind}:${t.payee.id}`, t.amount, t.currency, t.form,
          t.valuation?.description ?? null, t.valuation?.valuationRef ?? null, t.reverses, t.status, t.reversed,
        ]);
        return { rows, nextCursor: p.nextCursor };
      },
    );
  }

  @Get('transfers/:transferId')
  @ApiOperation({ summary: 'A transfer' })
  @ApiOkResponse({ type: TransferViewDto })
  @ReadProblems()
  get(@Param('transferId', SlugPipe) transferId: string, @Query() _query: ReadQueryDto): Promise<TransferView> {
    return this.queries.execute(new GetTransfer(transferId));
  }
}

@ApiTags('balances')
@ApiBearerAuth()
@Controller('balances')
export class BalancesController {
  constructor(private readonly queries: QueryBus) {}

  @Get('pair')
  @ApiOperation({ summary: 'The balance of one ordered pair in one currency: obligated, settled, pending, outstanding' })
  @ApiOkResponse({ type: PairBalanceDto })
  @ReadProblems()
  pair(@Query() query: PairQueryDto): Promise<PairBalance> {
    return this.queries.execute(new GetPairBalance(partyOf(query.payer), partyOf(query.payee), query.currency));
  }

  @Get('pairs')
  @ApiOperation({ summary: 'Every ordered pair and currency with obligations (at most 500 a page)' })
  @ApiOkResponse({ type: PairBalancePageDto })
  @ReadProblems()
  pairs(@Query() query: PageQueryDto): Promise<Page<PairBalance>> {
    return this.queries.execute(new ListPairBalances(page(query)));
  }

  @Get('cities/:cityId')
  @ApiOperation({ summary: "A city's net position per currency (owed to it − it owes)" })
  @ApiOkResponse({ type: PartyPositionDto })
  @ReadProblems()
  city(@Param('cityId', SlugPipe) cityId: string, @Query() _query: ReadQueryDto): Promise<PartyPosition> {
    return this.queries.execute(new GetCityPosition(cityId));
  }
}

@ApiTags('settlements')
@ApiBearerAuth()
@Controller('settlements')
export class SettlementsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get(':bodyId/proposal')
  @ApiOperation({ summary: "A deterministic proposal netting the body's open obligations in one currency (at most k − 1 transfers)" })
  @ApiOkResponse({ type: SettlementProposalDto })
  @ReadProblems()
  proposal(@Param('bodyId', SlugPipe) bodyId: string, @Query() query: CurrencyQueryDto): Promise<ProposalView> {
    return this.queries.execute(new GetSettlementProposal(bodyId, query.currency));
  }

  @Post(':bodyId/executions')
  @Roles('finance-officer')
  @ApiOperation({ summary: 'Execute the proposal with this fingerprint, in one event (finance officer of the fund or of a member city); refused if positions changed' })
  @Ack()
  @WriteProblems()
  execute(@Param('bodyId', SlugPipe) bodyId: string, @Body() body: ExecuteSettlementDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteSettlementCommand({ bodyId, ...body }, context));
  }
}

export const COMPENSATION_CONTROLLERS = [IncidentsController, FundsController, ObligationsController, TransfersController, BalancesController, SettlementsController] as const;
