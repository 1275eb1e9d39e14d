/** Query strings of the trust reads, and the OpenAPI shapes of what they answer. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { TRUST_BASES, type TrustBasis } from '../../../../libs/projections/src/trust/evidence.js';
import { DEFAULT_SERIES_POINTS } from '../../../../libs/ledger/src/trust/queries.js';
import { MAX_SERIES_POINTS, SERIES_STEPS, type SeriesStep } from '../../../../libs/ledger/src/trust/series.js';
import { ReadQueryDto } from '../http/query.dto.js';
import { IsInstant } from '../governance/validation.js';

const BANDS = ['trusted', 'watch', 'low', 'unrated'] as const;
const OUTCOMES = ['fulfilled_on_time', 'fulfilled_late', 'partially_fulfilled', 'partially_fulfilled_late', 'defaulted', 'open_overdue_provisional'] as const;

/** ?asOf&basis of every trust read. */
export class TrustAtQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({ description: 'The instant the question is about (ISO-8601 UTC); default now on the ledger clock', example: '2025-01-01T00:00:00Z' })
  @IsOptional()
  @IsInstant()
  asOf?: string;

  @ApiPropertyOptional({
    enum: TRUST_BASES,
    default: 'recorded',
    description: 'recorded: what the ledger knew at asOf (the instants events were recorded); occurred: as it happened (business instants)',
  })
  @IsOptional()
  @IsIn(TRUST_BASES)
  basis?: TrustBasis;
}

/** …and ?explain where an answer can list the evidence behind it. */
export class TrustExplainQueryDto extends TrustAtQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: 'List the contributions (one row per evidence item) and anomalies' })
  @IsOptional()
  @IsIn(['true', 'false'])
  explain?: 'true' | 'false';
}

export class TrustSeriesQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({ description: `First point (ISO-8601 UTC); default ${DEFAULT_SERIES_POINTS - 1} steps before to`, example: '2023-06-01T00:00:00Z' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ description: 'Last instant a point may fall on (ISO-8601 UTC); default now on the ledger clock', example: '2025-05-01T00:00:00Z' })
  @IsOptional()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional({ enum: SERIES_STEPS, default: 'month', description: `Calendar step between points (UTC); at most ${MAX_SERIES_POINTS} points` })
  @IsOptional()
  @IsIn(SERIES_STEPS)
  step?: SeriesStep;

  @ApiPropertyOptional({ enum: TRUST_BASES, default: 'recorded' })
  @IsOptional()
  @IsIn(TRUST_BASES)
  basis?: TrustBasis;
}

class TrustSubjectDto {
  @ApiProperty({ enum: ['city', 'pair'] }) kind!: string;
  @ApiPropertyOptional({ description: 'For a city answer' }) city?: string;
  @ApiPropertyOptional({ description: 'For a pair answer: who trusts' }) truster?: string;
  @ApiPropertyOptional({ description: 'For a pair answer: who is trusted' }) trustee?: string;
}

class TrustIntervalDto {
  @ApiProperty({ description: 'belief' }) lower!: number;
  @ApiProperty({ description: 'belief + uncertainty' }) upper!: number;
}

class TrustContributionDto {
  @ApiProperty({ enum: ['commitment', 'finding'] }) source!: string;
  @ApiProperty({ description: 'The event the evidence comes from (the completing fulfilment, close, default, finding…)' }) eventId!: string;
  @ApiProperty({ description: 'Instant on the answer’s basis from which the row counts' }) at!: string;
  @ApiPropertyOptional() commitmentId?: string;
  @ApiPropertyOptional() obligor?: string;
  @ApiPropertyOptional({ description: 'A city id, or "coordinator" for a commitment to the body or its fund' }) obligee?: string;
  @ApiPropertyOptional({ description: 'The commitment’s value, a decimal string' }) value?: string;
  @ApiPropertyOptional() weight?: number;
  @ApiPropertyOptional({ enum: OUTCOMES }) outcome?: string;
  @ApiPropertyOptional({ type: Number, nullable: true }) latenessRatio?: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) quality?: number | null;
  @ApiPropertyOptional() findingId?: string;
  @ApiPropertyOptional({ description: 'The finding kind' }) finding?: string;
  @ApiPropertyOptional() severity?: number;
  @ApiPropertyOptional({ type: String, nullable: true }) counterparty?: string | null;
  @ApiProperty() decay!: number;
  @ApiProperty() r!: number;
  @ApiProperty() s!: number;
}

class TrustAnomalyDto {
  @ApiProperty() eventId!: string;
  @ApiProperty({ description: 'Commitment or finding id' }) subject!: string;
  @ApiProperty() at!: string;
  @ApiProperty() reason!: string;
}

export class TrustAnswerDto {
  @ApiProperty({ type: TrustSubjectDto }) subject!: TrustSubjectDto;
  @ApiProperty() asOf!: string;
  @ApiProperty({ enum: TRUST_BASES }) basis!: string;
  @ApiProperty({ description: 'Positive evidence (decayed, value-weighted)' }) r!: number;
  @ApiProperty({ description: 'Negative evidence' }) s!: number;
  @ApiProperty() belief!: number;
  @ApiProperty() disbelief!: number;
  @ApiProperty() uncertainty!: number;
  @ApiProperty({ description: 'a; for a pair, the trustee’s standing without the truster’s own evidence' }) baseRate!: number;
  @ApiProperty({ description: 'T = belief + baseRate·uncertainty' }) trust!: number;
  @ApiProperty({ description: '1 − uncertainty' }) confidence!: number;
  @ApiProperty({ type: TrustIntervalDto }) interval!: TrustIntervalDto;
  @ApiProperty({ enum: BANDS }) band!: string;
  @ApiProperty({ description: '100·trust, for display' }) score!: number;
  @ApiProperty({ example: 'cfbt-1' }) parameterSet!: string;
  @ApiPropertyOptional({ type: [TrustContributionDto], description: 'With ?explain=true' }) contributions?: TrustContributionDto[];
  @ApiPropertyOptional({ description: 'Oldest rows left out beyond the limit of listed contributions' }) omittedContributions?: number;
  @ApiPropertyOptional({ type: [TrustAnomalyDto], description: 'With ?explain=true' }) anomalies?: TrustAnomalyDto[];
}

class TrustSeriesPointDto {
  @ApiProperty() asOf!: string;
  @ApiProperty() trust!: number;
  @ApiProperty() confidence!: number;
  @ApiProperty({ enum: BANDS }) band!: string;
  @ApiProperty() score!: number;
}

export class TrustSeriesDto {
  @ApiProperty() cityId!: string;
  @ApiProperty({ enum: TRUST_BASES }) basis!: string;
  @ApiProperty({ enum: SERIES_STEPS }) step!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty() parameterSet!: string;
  @ApiProperty({ type: [TrustSeriesPointDto], description: `At most ${MAX_SERIES_POINTS}` }) points!: TrustSeriesPointDto[];
}

export class MatrixCellDto extends TrustAnswerDto {
  @ApiProperty() truster!: string;
  @ApiProperty() trustee!: string;
}

export class BodyMatrixDto {
  @ApiProperty() bodyId!: string;
  @ApiProperty() asOf!: string;
  @ApiProperty({ enum: TRUST_BASES }) basis!: string;
  @ApiProperty() parameterSet!: string;
  @ApiProperty({ type: [String], description: 'Members at asOf, sorted' }) members!: string[];
  @ApiProperty({ type: [MatrixCellDto], description: 'Every ordered pair of members, truster-major' }) cells!: MatrixCellDto[];
}

export class RankedCityDto extends TrustAnswerDto {
  @ApiProperty() rank!: number;
  @ApiProperty() cityId!: string;
}

export class BodyRankingDto {
  @ApiProperty() bodyId!: string;
  @ApiProperty() asOf!: string;
  @ApiProperty({ enum: TRUST_BASES }) basis!: string;
  @ApiProperty() parameterSet!: string;
  @ApiProperty({ type: [RankedCityDto], description: 'Members by trust, best first (ties by city id)' }) items!: RankedCityDto[];
}

export class TrustAllianceDto {
  @ApiProperty() bodyId!: string;
  @ApiProperty() asOf!: string;
  @ApiProperty({ enum: TRUST_BASES }) basis!: string;
  @ApiProperty() parameterSet!: string;
  @ApiProperty({ type: [String], description: 'Members in the trusted band at asOf, best first' }) members!: string[];
}

/** The city answer may also leave findings out, to show what they cost. */
export class CityTrustQueryDto extends TrustExplainQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: 'Score the city’s commitments alone, leaving its findings out' })
  @IsOptional()
  @IsIn(['true', 'false'])
  withoutFindings?: 'true' | 'false';
}
