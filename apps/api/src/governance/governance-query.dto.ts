/** Query strings of governance lists, and the OpenAPI shapes of what the reads answer. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ADMINISTRATIVE_LEVELS, COMMITMENT_KINDS, FINDING_KINDS } from '../../../../libs/domain/src/governance/events.js';
import { MAX_PAGE_SIZE } from '../../../../libs/ledger/src/pagination.js';
import { PageQueryDto, ReadQueryDto } from '../http/query.dto.js';
import { IsInstant, IsSlug } from './validation.js';

export const COMMITMENT_STATUSES = ['open', 'overdue', 'fulfilled_on_time', 'fulfilled_late', 'closed_short', 'defaulted', 'waived'] as const;

export class CityListQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) region?: string;
  @ApiPropertyOptional({ enum: ADMINISTRATIVE_LEVELS }) @IsOptional() @IsIn(ADMINISTRATIVE_LEVELS) level?: (typeof ADMINISTRATIVE_LEVELS)[number];
}

export class BodyListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only bodies this city is a member of' }) @IsOptional() @IsSlug() member?: string;
}

export class AgreementListQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsSlug() body?: string;
  @ApiPropertyOptional({ description: 'Only agreements this city is a party to' }) @IsOptional() @IsSlug() party?: string;
}

export class CommitmentListQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsSlug() obligor?: string;
  @ApiPropertyOptional({ description: 'Id of the obligee city, body or fund' }) @IsOptional() @IsSlug() obligee?: string;
  @ApiPropertyOptional({ enum: ['city', 'body', 'fund'] }) @IsOptional() @IsIn(['city', 'body', 'fund']) obligeeKind?: 'city' | 'body' | 'fund';
  @ApiPropertyOptional({ enum: COMMITMENT_STATUSES, description: 'overdue is computed against the ledger clock when asked' })
  @IsOptional()
  @IsIn(COMMITMENT_STATUSES)
  status?: (typeof COMMITMENT_STATUSES)[number];
  @ApiPropertyOptional() @IsOptional() @IsSlug() agreement?: string;
  @ApiPropertyOptional() @IsOptional() @IsSlug() body?: string;
  @ApiPropertyOptional({ enum: COMMITMENT_KINDS }) @IsOptional() @IsIn(COMMITMENT_KINDS) kind?: (typeof COMMITMENT_KINDS)[number];
  @ApiPropertyOptional({ description: 'dueAt at or after (ISO-8601 UTC)' }) @IsOptional() @IsInstant() dueFrom?: string;
  @ApiPropertyOptional({ description: 'dueAt at or before (ISO-8601 UTC)' }) @IsOptional() @IsInstant() dueTo?: string;
}

export class FindingListQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsSlug() city?: string;
  @ApiPropertyOptional() @IsOptional() @IsSlug() body?: string;
  @ApiPropertyOptional({ enum: FINDING_KINDS }) @IsOptional() @IsIn(FINDING_KINDS) kind?: (typeof FINDING_KINDS)[number];
  @ApiPropertyOptional({ enum: ['true', 'false'] }) @IsOptional() @IsIn(['true', 'false']) revoked?: 'true' | 'false';
}

class VersionedDto {
  @ApiProperty({ description: "The stream's revision this view includes" }) revision!: string;
  @ApiProperty({ description: 'Global position of the last event this view includes' }) position!: string;
}

export class CityViewDto extends VersionedDto {
  @ApiProperty() cityId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ADMINISTRATIVE_LEVELS }) level!: string;
  @ApiProperty() region!: string;
}

export class BodyViewDto extends VersionedDto {
  @ApiProperty() bodyId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [String] }) members!: string[];
  @ApiProperty({ type: 'array', items: { type: 'object', properties: { riskCategory: { type: 'string' }, name: { type: 'string' } } } }) offices!: object[];
}

export class AgreementViewDto extends VersionedDto {
  @ApiProperty() agreementId!: string;
  @ApiProperty() bodyId!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: [String] }) parties!: string[];
  @ApiProperty({ enum: ['in_force', 'not_yet_in_force', 'expired', 'terminated'] }) status!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The terms in force now' }) currentTerms!: object;
  @ApiProperty({ type: 'array', items: { type: 'object', properties: { effectiveFrom: { type: 'string' }, terms: { type: 'object' } } } }) termsHistory!: object[];
  @ApiProperty({ type: String, nullable: true }) terminatedAt!: string | null;
}

export class CommitmentViewDto extends VersionedDto {
  @ApiProperty() commitmentId!: string;
  @ApiProperty() agreementId!: string;
  @ApiProperty() bodyId!: string;
  @ApiProperty() obligor!: string;
  @ApiProperty({ type: 'object', properties: { kind: { type: 'string' }, id: { type: 'string' } } }) obligee!: object;
  @ApiProperty({ enum: COMMITMENT_KINDS }) kind!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) promise!: object;
  @ApiProperty({ type: 'object', properties: { amount: { type: 'string' }, currency: { type: 'string' } } }) value!: object;
  @ApiProperty() dueAt!: string;
  @ApiProperty({ type: String, nullable: true }) incidentId!: string | null;
  @ApiProperty() allowOverDelivery!: boolean;
  @ApiProperty() madeAt!: string;
  @ApiProperty({ enum: COMMITMENT_STATUSES }) status!: string;
  @ApiProperty({ description: 'Sum of the deliveries that count' }) delivered!: string;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) deliveries!: object[];
  @ApiProperty({ type: 'array', items: { type: 'object' } }) disputes!: object[];
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true }) fulfilment!: object | null;
  @ApiProperty() overdueMarked!: boolean;
  @ApiProperty() overdueAt!: string;
  @ApiProperty() defaultAt!: string;
}

export class TimelineEntryDto {
  @ApiProperty() type!: string;
  @ApiProperty() occurredAt!: string;
  @ApiProperty() recordedAt!: string;
  @ApiProperty() revision!: string;
  @ApiProperty() position!: string;
  @ApiProperty() actor!: string;
  @ApiProperty() role!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: object;
}

export class CommitmentDetailDto extends CommitmentViewDto {
  @ApiProperty({ type: [TimelineEntryDto], description: `The events of the commitment's stream up to its revision, in log order; at most timelineLimit (default ${MAX_PAGE_SIZE})` })
  timeline!: TimelineEntryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as timelineCursor for the rest of the timeline; null when the timeline is complete' })
  timelineNextCursor!: string | null;
}

/** Query of a commitment's detail: its timeline is paged on its own (the commitment is always shown whole). */
export class CommitmentDetailQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: MAX_PAGE_SIZE, description: 'Timeline events in this answer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  timelineLimit?: number;

  @ApiPropertyOptional({ description: 'timelineNextCursor of the previous answer' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  timelineCursor?: string;
}

export class FindingViewDto extends VersionedDto {
  @ApiProperty({ type: 'object', additionalProperties: true }) finding!: object;
  @ApiProperty({ type: 'object', nullable: true, properties: { reason: { type: 'string' }, occurredAt: { type: 'string' } } }) revoked!: object | null;
}

class PageDto {
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page' }) nextCursor!: string | null;
}
export class CityPageDto extends PageDto {
  @ApiProperty({ type: [CityViewDto] }) items!: CityViewDto[];
}
export class BodyPageDto extends PageDto {
  @ApiProperty({ type: [BodyViewDto] }) items!: BodyViewDto[];
}
export class AgreementPageDto extends PageDto {
  @ApiProperty({ type: [AgreementViewDto] }) items!: AgreementViewDto[];
}
export class CommitmentPageDto extends PageDto {
  @ApiProperty({ type: [CommitmentViewDto] }) items!: CommitmentViewDto[];
}
export class FindingPageDto extends PageDto {
  @ApiProperty({ type: [FindingViewDto] }) items!: FindingViewDto[];
}
