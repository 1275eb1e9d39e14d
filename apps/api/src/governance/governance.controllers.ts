/** HTTP resources of governance: thin translations between requests and CommandBus / QueryBus messages. */
import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Promise_ } from '../../../../libs/domain/src/governance/events.js';
import type { WriteAcknowledgement } from '../../../../libs/ledger/src/acknowledgement.js';
import type { Actor, CommandContext } from '../../../../libs/ledger/src/context.js';
import {
  ExecuteAgreementCommand,
  ExecuteBodyCommand,
  ExecuteCityCommand,
  ExecuteCommitmentCommand,
  ExecuteFindingCommand,
} from '../../../../libs/ledger/src/governance/commands.js';
import {
  GetAgreement,
  GetBody,
  GetCity,
  GetCommitment,
  GetFinding,
  ListAgreements,
  ListBodies,
  ListCities,
  ListCommitments,
  ListFindings,
  type CommitmentWithTimeline,
} from '../../../../libs/ledger/src/governance/queries.js';
import type { Page } from '../../../../libs/ledger/src/pagination.js';
import type { AgreementView, BodyView, CityView, FindingView } from '../../../../libs/projections/src/governance/governance.read-models.js';
import type { CommitmentView } from '../../../../libs/projections/src/commitments/commitments.read-model.js';
import { CurrentActor, RequestContext, Roles } from '../auth/decorators.js';
import { assertActsFor } from '../../../../libs/ledger/src/scope.js';
import { ReadQueryDto } from '../http/query.dto.js';
import { WriteAcknowledgementDto } from '../http/write-acknowledgement.dto.js';
import {
  AdmitMemberDto,
  AmendAgreementDto,
  ConcludeAgreementDto,
  DisputeDeliveryDto,
  EstablishBodyDto,
  MakeCommitmentDto,
  NoteDto,
  ReasonDto,
  RecordDeliveryDto,
  RecordFindingDto,
  RegisterCityDto,
  RenameCityDto,
  ResolveDisputeDto,
} from './governance.dto.js';
import {
  AgreementListQueryDto,
  AgreementPageDto,
  AgreementViewDto,
  BodyListQueryDto,
  BodyPageDto,
  BodyViewDto,
  CityListQueryDto,
  CityPageDto,
  CityViewDto,
  CommitmentDetailDto,
  CommitmentDetailQueryDto,
  CommitmentListQueryDto,
  CommitmentPageDto,
  FindingListQueryDto,
  FindingPageDto,
  FindingViewDto,
} from './governance-query.dto.js';
import { ReadProblems, SlugPipe, WriteProblems } from './validation.js';

const page = (q: { limit?: number; cursor?: string }) => ({ limit: q.limit, cursor: q.cursor });
const Ack = () => ApiCreatedResponse({ type: WriteAcknowledgementDto, description: 'Where the write landed: pass position as ?atLeast= to read it' });

@ApiTags('cities')
@ApiBearerAuth()
@Controller('cities')
export class CitiesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Register a city (admin)' })
  @Ack()
  @WriteProblems()
  register(@Body() body: RegisterCityDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteCityCommand({ type: 'RegisterCity', ...body }, context));
  }

  @Post(':cityId/renames')
  @Roles('admin')
  @ApiOperation({ summary: 'Rename a city (admin)' })
  @Ack()
  @WriteProblems()
  rename(@Param('cityId', SlugPipe) cityId: string, @Body() body: RenameCityDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteCityCommand({ type: 'RenameCity', cityId, ...body }, context));
  }

  @Get(':cityId')
  @ApiOperation({ summary: 'A city' })
  @ApiOkResponse({ type: CityViewDto })
  @ReadProblems()
  get(@Param('cityId', SlugPipe) cityId: string, @Query() _query: ReadQueryDto): Promise<CityView> {
    return this.queries.execute(new GetCity(cityId));
  }

  @Get()
  @ApiOperation({ summary: 'Cities in id order, by region or level' })
  @ApiOkResponse({ type: CityPageDto })
  @ReadProblems()
  list(@Query() query: CityListQueryDto): Promise<Page<CityView>> {
    return this.queries.execute(new ListCities({ region: query.region, level: query.level }, page(query)));
  }
}

@ApiTags('bodies')
@ApiBearerAuth()
@Controller('bodies')
export class BodiesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Establish a coordination body of registered cities (admin)' })
  @Ack()
  @WriteProblems()
  establish(@Body() body: EstablishBodyDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteBodyCommand({ type: 'EstablishBody', ...body }, context));
  }

  @Post(':bodyId/members')
  @Roles('admin')
  @ApiOperation({ summary: 'Admit a registered city as a member (admin)' })
  @Ack()
  @WriteProblems()
  admit(@Param('bodyId', SlugPipe) bodyId: string, @Body() body: AdmitMemberDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteBodyCommand({ type: 'AdmitMember', bodyId, ...body }, context));
  }

  @Post(':bodyId/members/:cityId/removal')
  @Roles('admin')
  @ApiOperation({ summary: 'Remove a member city (admin)' })
  @Ack()
  @WriteProblems()
  remove(
    @Param('bodyId', SlugPipe) bodyId: string,
    @Param('cityId', SlugPipe) cityId: string,
    @Body() body: ReasonDto,
    @RequestContext() context: CommandContext,
  ): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteBodyCommand({ type: 'RemoveMember', bodyId, cityId, ...body }, context));
  }

  @Get(':bodyId')
  @ApiOperation({ summary: 'A coordination body with its members and offices' })
  @ApiOkResponse({ type: BodyViewDto })
  @ReadProblems()
  get(@Param('bodyId', SlugPipe) bodyId: string, @Query() _query: ReadQueryDto): Promise<BodyView> {
    return this.queries.execute(new GetBody(bodyId));
  }

  @Get()
  @ApiOperation({ summary: 'Coordination bodies in id order' })
  @ApiOkResponse({ type: BodyPageDto })
  @ReadProblems()
  list(@Query() query: BodyListQueryDto): Promise<Page<BodyView>> {
    return this.queries.execute(new ListBodies({ member: query.member }, page(query)));
  }
}

@ApiTags('agreements')
@ApiBearerAuth()
@Controller('agreements')
export class AgreementsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('coordinator')
  @ApiOperation({ summary: "Conclude an agreement under the coordinator's body" })
  @Ack()
  @WriteProblems()
  conclude(@Body() body: ConcludeAgreementDto, @CurrentActor() actor: Actor, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    assertActsFor(actor, { bodies: [body.bodyId] });
    return this.commands.execute(new ExecuteAgreementCommand({ type: 'ConcludeAgreement', ...body }, context));
  }

  @Post(':agreementId/amendments')
  @Roles('coordinator')
  @ApiOperation({ summary: 'Amend the terms from an instant on (history kept)' })
  @Ack()
  @WriteProblems()
  amend(@Param('agreementId', SlugPipe) agreementId: string, @Body() body: AmendAgreementDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteAgreementCommand({ type: 'AmendAgreement', agreementId, ...body }, context));
  }

  @Post(':agreementId/termination')
  @Roles('coordinator')
  @ApiOperation({ summary: 'Terminate an agreement' })
  @Ack()
  @WriteProblems()
  terminate(@Param('agreementId', SlugPipe) agreementId: string, @Body() body: ReasonDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteAgreementCommand({ type: 'TerminateAgreement', agreementId, ...body }, context));
  }

  @Get(':agreementId')
  @ApiOperation({ summary: 'An agreement with its terms history' })
  @ApiOkResponse({ type: AgreementViewDto })
  @ReadProblems()
  get(@Param('agreementId', SlugPipe) agreementId: string, @Query() _query: ReadQueryDto): Promise<AgreementView> {
    return this.queries.execute(new GetAgreement(agreementId));
  }

  @Get()
  @ApiOperation({ summary: 'Agreements in id order, by body or party' })
  @ApiOkResponse({ type: AgreementPageDto })
  @ReadProblems()
  list(@Query() query: AgreementListQueryDto): Promise<Page<AgreementView>> {
    return this.queries.execute(new ListAgreements({ bodyId: query.body, party: query.party }, page(query)));
  }
}

function promiseOf(dto: MakeCommitmentDto['promise']): Promise_ {
  // The DTO's ValidateIf rules guarantee the fields of the chosen kind are present.
  return dto.kind === 'money'
    ? { kind: 'money', amount: dto.amount ?? '', currency: dto.currency ?? '' }
    : { kind: 'quantity', quantity: dto.quantity ?? '', unit: dto.unit ?? '' };
}

@ApiTags('commitments')
@ApiBearerAuth()
@Controller('commitments')
export class CommitmentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  private run(input: ExecuteCommitmentCommand['input'], context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteCommitmentCommand(input, context));
  }

  @Post()
  @Roles('coordinator')
  @ApiOperation({ summary: "Record a commitment under an agreement of the coordinator's body" })
  @Ack()
  @WriteProblems()
  make(@Body() body: MakeCommitmentDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    const { promise, value, incidentId, obligee, ...rest } = body;
    return this.run(
      { type: 'MakeCommitment', ...rest, obligee: { kind: obligee.kind, id: obligee.id }, promise: promiseOf(promise), value: { amount: value.amount, currency: value.currency }, incidentId: incidentId ?? null },
      context,
    );
  }

  @Post(':commitmentId/deliveries')
  @Roles('coordinator', 'city-officer')
  @ApiOperation({ summary: "Record a delivery (the obligor city's officer or the body)" })
  @Ack()
  @WriteProblems()
  deliver(@Param('commitmentId', SlugPipe) commitmentId: string, @Body() body: RecordDeliveryDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.run({ type: 'RecordDelivery', commitmentId, ...body }, context);
  }

  @Post(':commitmentId/default')
  @Roles('coordinator')
  @ApiOperation({ summary: 'Declare a default (the body)' })
  @Ack()
  @WriteProblems()
  declareDefault(@Param('commitmentId', SlugPipe) commitmentId: string, @Body() body: NoteDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.run({ type: 'DeclareDefault', commitmentId, ...body }, context);
  }

  @Post(':commitmentId/waiver')
  @Roles('coordinator', 'city-officer')
  @ApiOperation({ summary: "Waive a commitment (the obligee city's officer or the body; never the obligor)" })
  @Ack()
  @WriteProblems()
  waive(@Param('commitmentId', SlugPipe) commitmentId: string, @Body() body: ReasonDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.run({ type: 'WaiveCommitment', commitmentId, ...body }, context);
  }

  @Post(':commitmentId/close-short')
  @Roles('coordinator')
  @ApiOperation({ summary: 'Accept a partial delivery as final (the body)' })
  @Ack()
  @WriteProblems()
  closeShort(@Param('commitmentId', SlugPipe) commitmentId: string, @Body() body: ReasonDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.run({ type: 'CloseShort', commitmentId, ...body }, context);
  }

  @Post(':commitmentId/disputes')
  @Roles('coordinator', 'city-officer')
  @ApiOperation({ summary: "Dispute a delivery (the obligee city's officer, or the body when it or its fund is owed)" })
  @Ack()
  @WriteProblems()
  dispute(@Param('commitmentId', SlugPipe) commitmentId: string, @Body() body: DisputeDeliveryDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.run({ type: 'DisputeDelivery', commitmentId, ...body }, context);
  }

  @Post(':commitmentId/disputes/:disputeId/resolution')
  @Roles('coordinator')
  @ApiOperation({ summary: 'Resolve a dispute (the body): upheld strikes the delivery' })
  @Ack()
  @WriteProblems()
  resolve(
    @Param('commitmentId', SlugPipe) commitmentId: string,
    @Param('disputeId', SlugPipe) disputeId: string,
    @Body() body: ResolveDisputeDto,
    @RequestContext() context: CommandContext,
  ): Promise<WriteAcknowledgement> {
    return this.run({ type: 'ResolveDispute', commitmentId, disputeId, ...body }, context);
  }

  @Get(':commitmentId')
  @ApiOperation({ summary: 'A commitment, its status as of now, and its timeline (paged by timelineLimit and timelineCursor)' })
  @ApiOkResponse({ type: CommitmentDetailDto })
  @ReadProblems()
  get(@Param('commitmentId', SlugPipe) commitmentId: string, @Query() q: CommitmentDetailQueryDto): Promise<CommitmentWithTimeline> {
    return this.queries.execute(new GetCommitment(commitmentId, { limit: q.timelineLimit, cursor: q.timelineCursor }));
  }

  @Get()
  @ApiOperation({ summary: 'Commitments by due instant, filtered' })
  @ApiOkResponse({ type: CommitmentPageDto })
  @ReadProblems()
  list(@Query() q: CommitmentListQueryDto): Promise<Page<CommitmentView>> {
    const filter = { obligor: q.obligor, obligee: q.obligee, obligeeKind: q.obligeeKind, status: q.status, agreementId: q.agreement, bodyId: q.body, kind: q.kind, dueFrom: q.dueFrom, dueTo: q.dueTo };
    return this.queries.execute(new ListCommitments(filter, page(q)));
  }
}

@ApiTags('findings')
@ApiBearerAuth()
@Controller('findings')
export class FindingsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('coordinator')
  @ApiOperation({ summary: "Record an accountability finding against a member of the coordinator's body" })
  @Ack()
  @WriteProblems()
  record(@Body() body: RecordFindingDto, @CurrentActor() actor: Actor, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    assertActsFor(actor, { bodies: [body.bodyId] });
    const { counterpartyCityId, incidentId, penalty, ...rest } = body;
    const input = {
      type: 'RecordFinding' as const,
      ...rest,
      counterpartyCityId: counterpartyCityId ?? null,
      incidentId: incidentId ?? null,
      penalty: penalty === undefined || penalty === null ? null : { amount: penalty.amount, currency: penalty.currency },
    };
    return this.commands.execute(new ExecuteFindingCommand(input, context));
  }

  @Post(':findingId/revocation')
  @Roles('coordinator')
  @ApiOperation({ summary: 'Revoke a finding on appeal (the body)' })
  @Ack()
  @WriteProblems()
  revoke(@Param('findingId', SlugPipe) findingId: string, @Body() body: ReasonDto, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    return this.commands.execute(new ExecuteFindingCommand({ type: 'RevokeFinding', findingId, ...body }, context));
  }

  @Get(':findingId')
  @ApiOperation({ summary: 'An accountability finding' })
  @ApiOkResponse({ type: FindingViewDto })
  @ReadProblems()
  get(@Param('findingId', SlugPipe) findingId: string, @Query() _query: ReadQueryDto): Promise<FindingView> {
    return this.queries.execute(new GetFinding(findingId));
  }

  @Get()
  @ApiOperation({ summary: 'Findings in id order, by city, body, kind or revocation' })
  @ApiOkResponse({ type: FindingPageDto })
  @ReadProblems()
  list(@Query() q: FindingListQueryDto): Promise<Page<FindingView>> {
    const revoked = q.revoked === undefined ? undefined : q.revoked === 'true';
    return this.queries.execute(new ListFindings({ cityId: q.city, bodyId: q.body, kind: q.kind, revoked }, page(q)));
  }
}

export const GOVERNANCE_CONTROLLERS = [CitiesController, BodiesController, AgreementsController, CommitmentsController, FindingsController] as const;
