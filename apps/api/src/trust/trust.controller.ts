/** HTTP reads of trust: thin translations from query strings to QueryBus messages. Open to every authenticated role. */
import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import {
  GetBodyTrustAlliance,
  GetBodyTrustMatrix,
  GetBodyTrustRanking,
  GetCityTrust,
  GetCityTrustSeries,
  GetPairTrust,
  type Explained,
  type TrustAt,
} from '../../../../libs/ledger/src/trust/queries.js';
import type { BodyMatrixView, BodyRankingView, TrustAllianceView, TrustAnswerView, TrustSeriesView } from '../../../../libs/ledger/src/trust/views.js';
import { ReadProblems, SlugPipe } from '../governance/validation.js';
import { BodyMatrixDto, BodyRankingDto, CityTrustQueryDto, TrustAllianceDto, TrustAnswerDto, TrustAtQueryDto, TrustExplainQueryDto, TrustSeriesDto, TrustSeriesQueryDto } from './trust.dto.js';

const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));
const at = (q: TrustAtQueryDto): TrustAt => ({ asOfMs: ms(q.asOf), basis: q.basis });
const explained = (q: TrustExplainQueryDto): Explained => ({ ...at(q), explain: q.explain === 'true' });

@ApiTags('trust')
@ApiBearerAuth()
@Controller('trust')
export class TrustController {
  constructor(private readonly queries: QueryBus) {}

  @Get('cities/:cityId')
  @ApiOperation({ summary: 'A city’s trust (CFBT, cfbt-1) at an instant: every commitment it made and every finding against it' })
  @ApiOkResponse({ type: TrustAnswerDto })
  @ReadProblems()
  city(@Param('cityId', SlugPipe) cityId: string, @Query() q: CityTrustQueryDto): Promise<TrustAnswerView> {
    return this.queries.execute(new GetCityTrust(cityId, { ...explained(q), withoutFindings: q.withoutFindings === 'true' }));
  }

  @Get('cities/:cityId/series')
  @ApiOperation({ summary: 'A city’s trust at evenly stepped instants (calendar months, weeks or days), for sparklines' })
  @ApiOkResponse({ type: TrustSeriesDto })
  @ApiUnprocessableEntityResponse({ description: 'problem+json invalid_series_range (from after to) or series_too_long (more than 120 points)' })
  @ReadProblems()
  series(@Param('cityId', SlugPipe) cityId: string, @Query() q: TrustSeriesQueryDto): Promise<TrustSeriesView> {
    return this.queries.execute(new GetCityTrustSeries(cityId, { fromMs: ms(q.from), toMs: ms(q.to), step: q.step, basis: q.basis }));
  }

  @Get('pairs/:truster/:trustee')
  @ApiOperation({ summary: 'How far the truster can trust the trustee: the trustee’s commitments to it and findings naming it, on the trustee’s standing without them' })
  @ApiOkResponse({ type: TrustAnswerDto })
  @ReadProblems()
  pair(@Param('truster', SlugPipe) truster: string, @Param('trustee', SlugPipe) trustee: string, @Query() q: TrustExplainQueryDto): Promise<TrustAnswerView> {
    return this.queries.execute(new GetPairTrust(truster, trustee, explained(q)));
  }

  @Get('bodies/:bodyId/matrix')
  @ApiOperation({ summary: 'Pair trust over every ordered pair of the body’s members at the instant' })
  @ApiOkResponse({ type: BodyMatrixDto })
  @ReadProblems()
  matrix(@Param('bodyId', SlugPipe) bodyId: string, @Query() q: TrustExplainQueryDto): Promise<BodyMatrixView> {
    return this.queries.execute(new GetBodyTrustMatrix(bodyId, explained(q)));
  }

  @Get('bodies/:bodyId/ranking')
  @ApiOperation({ summary: 'The body’s members by city trust, best first, each with its band' })
  @ApiOkResponse({ type: BodyRankingDto })
  @ReadProblems()
  ranking(@Param('bodyId', SlugPipe) bodyId: string, @Query() q: TrustExplainQueryDto): Promise<BodyRankingView> {
    return this.queries.execute(new GetBodyTrustRanking(bodyId, explained(q)));
  }

  @Get('bodies/:bodyId/alliance')
  @ApiOperation({ summary: 'The body’s trust alliance: its members in the trusted band (trust ≥ 0.75, confidence ≥ 0.8)' })
  @ApiOkResponse({ type: TrustAllianceDto })
  @ReadProblems()
  alliance(@Param('bodyId', SlugPipe) bodyId: string, @Query() q: TrustAtQueryDto): Promise<TrustAllianceView> {
    return this.queries.execute(new GetBodyTrustAlliance(bodyId, at(q)));
  }
}
