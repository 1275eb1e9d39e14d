/** Request DTOs of governance. The global ValidationPipe whitelists and forbids unknown properties. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MAX_AGREEMENT_PARTIES, MAX_DEADLINE_SECONDS, MAX_DUTIES_PER_CITY } from '../../../../libs/domain/src/governance/agreement.js';
import { MAX_BODY_MEMBERS } from '../../../../libs/domain/src/governance/body.js';
import { TEXT_LIMITS } from '../../../../libs/domain/src/governance/common.js';
import { ADMINISTRATIVE_LEVELS, COMMITMENT_KINDS, FINDING_KINDS, INCIDENT_ROLES, RISK_CATEGORIES } from '../../../../libs/domain/src/governance/events.js';
import { MAX_FINDING_SEVERITY, MIN_FINDING_SEVERITY } from '../../../../libs/domain/src/governance/finding.js';
import { CURRENCIES, IsAmountIn, IsInstant, IsQuantity, IsSlug, IsSlugEach } from './validation.js';

const RATE = /^(0|[1-9]\d{0,5})(\.\d{1,6})?$/;
const IsRate = (): PropertyDecorator => Matches(RATE, { message: '$property must be a non-negative decimal string with at most 6 decimals' });

/** Every command may say when it happened (default: the ledger clock's now). */
export class OccurredDto {
  @ApiPropertyOptional({ description: 'Business instant of the fact, ISO-8601 UTC; default now', example: '2025-03-01T08:00:00Z' })
  @IsOptional()
  @IsInstant()
  occurredAt?: string;
}

export class MoneyDto {
  @ApiProperty({ example: '50000.00', description: "Decimal string with at most the currency's minor-unit scale" })
  @IsAmountIn('currency')
  amount!: string;

  @ApiProperty({ enum: CURRENCIES, example: 'CNY' })
  @IsIn(CURRENCIES)
  currency!: string;
}

export class RegisterCityDto extends OccurredDto {
  @ApiProperty({ example: 'hangzhou' }) @IsSlug() cityId!: string;
  @ApiProperty({ example: 'Hangzhou' }) @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.name) name!: string;
  @ApiProperty({ enum: ADMINISTRATIVE_LEVELS }) @IsIn(ADMINISTRATIVE_LEVELS) level!: (typeof ADMINISTRATIVE_LEVELS)[number];
  @ApiProperty({ example: 'Yangtze River Delta' }) @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.name) region!: string;
}

export class RenameCityDto extends OccurredDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.name) name!: string;
}

export class OfficeDto {
  @ApiProperty({ enum: RISK_CATEGORIES }) @IsIn(RISK_CATEGORIES) riskCategory!: (typeof RISK_CATEGORIES)[number];
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.name) name!: string;
}

export class EstablishBodyDto extends OccurredDto {
  @ApiProperty({ example: 'yrd-committee' }) @IsSlug() bodyId!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.name) name!: string;
  @ApiProperty({ type: [String], example: ['hangzhou', 'suzhou'] }) @IsArray() @ArrayMaxSize(MAX_BODY_MEMBERS) @IsSlugEach() members!: string[];
  @ApiProperty({ type: [OfficeDto] })
  @IsArray()
  @ArrayMaxSize(RISK_CATEGORIES.length)
  @ValidateNested({ each: true })
  @Type(() => OfficeDto)
  offices!: OfficeDto[];
}

export class AdmitMemberDto extends OccurredDto {
  @ApiProperty() @IsSlug() cityId!: string;
}

export class ReasonDto extends OccurredDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.reason) reason!: string;
}

export class NoteDto extends OccurredDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.reason) note!: string;
}

export class ResponsibilityDto {
  @ApiProperty() @IsSlug() cityId!: string;
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMaxSize(MAX_DUTIES_PER_CITY)
  @IsString({ each: true })
  @MaxLength(TEXT_LIMITS.duty, { each: true })
  duties!: string[];
  @ApiProperty({ enum: INCIDENT_ROLES }) @IsIn(INCIDENT_ROLES) incidentRole!: (typeof INCIDENT_ROLES)[number];
}

export class ThetaIncrementsDto {
  @ApiPropertyOptional() @IsOptional() @IsRate() late_report?: string;
  @ApiPropertyOptional() @IsOptional() @IsRate() non_cooperation?: string;
  @ApiPropertyOptional() @IsOptional() @IsRate() concealment?: string;
  @ApiPropertyOptional() @IsOptional() @IsRate() false_report?: string;
}

/** Overrides over the COMPENSATION.md defaults; omitted fields keep the default. */
export class CompensationRulesDto {
  @ApiPropertyOptional({ enum: CURRENCIES }) @IsOptional() @IsIn(CURRENCIES) currency?: string;
  @ApiPropertyOptional() @IsOptional() @IsRate() thetaBase?: string;
  @ApiPropertyOptional() @IsOptional() @IsRate() thetaCap?: string;
  @ApiPropertyOptional({ type: ThetaIncrementsDto }) @IsOptional() @ValidateNested() @Type(() => ThetaIncrementsDto) thetaIncrements?: ThetaIncrementsDto;
  @ApiPropertyOptional() @IsOptional() @IsRate() nonCooperationHaircut?: string;
  @ApiPropertyOptional() @IsOptional() @IsRate() fundCover?: string;
  @ApiPropertyOptional() @IsOptional() @IsRate() benefitShareRate?: string;
  @ApiPropertyOptional() @IsOptional() @IsRate() benefitMatchRate?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'origin city → share weight' })
  @IsOptional()
  @IsObject()
  originShares?: Record<string, string>;
}

export class TermsDto {
  @ApiProperty({ enum: RISK_CATEGORIES, isArray: true })
  @IsArray()
  @ArrayMaxSize(RISK_CATEGORIES.length)
  @IsIn(RISK_CATEGORIES, { each: true })
  riskCategories!: (typeof RISK_CATEGORIES)[number][];
  @ApiProperty({ type: [ResponsibilityDto] })
  @IsArray()
  @ArrayMaxSize(MAX_AGREEMENT_PARTIES)
  @ValidateNested({ each: true })
  @Type(() => ResponsibilityDto)
  responsibilities!: ResponsibilityDto[];
  @ApiPropertyOptional({ type: CompensationRulesDto }) @IsOptional() @ValidateNested() @Type(() => CompensationRulesDto) compensationRules?: CompensationRulesDto;
  @ApiProperty({ example: 3600 }) @IsInt() @Min(0) @Max(MAX_DEADLINE_SECONDS) overdueGraceSeconds!: number;
  @ApiProperty({ example: 604800 }) @IsInt() @Min(0) @Max(MAX_DEADLINE_SECONDS) defaultAfterSeconds!: number;
  @ApiProperty({ example: '2025-01-01T00:00:00Z' }) @IsInstant() validFrom!: string;
  @ApiProperty({ type: String, nullable: true, example: '2027-01-01T00:00:00Z' }) @ValidateIf((_o, v) => v !== null) @IsInstant() validUntil!: string | null;
}

export class ConcludeAgreementDto extends OccurredDto {
  @ApiProperty({ example: 'taihu-flood' }) @IsSlug() agreementId!: string;
  @ApiProperty({ example: 'yrd-committee' }) @IsSlug() bodyId!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.name) title!: string;
  @ApiProperty({ type: [String] }) @IsArray() @ArrayMaxSize(MAX_AGREEMENT_PARTIES) @IsSlugEach() parties!: string[];
  @ApiProperty({ type: TermsDto }) @IsDefined() @ValidateNested() @Type(() => TermsDto) terms!: TermsDto;
}

export class AmendAgreementDto extends OccurredDto {
  @ApiProperty() @IsInstant() effectiveFrom!: string;
  @ApiProperty({ type: TermsDto }) @IsDefined() @ValidateNested() @Type(() => TermsDto) terms!: TermsDto;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.reason) reason!: string;
}

export class ObligeeDto {
  @ApiProperty({ enum: ['city', 'body', 'fund'] }) @IsIn(['city', 'body', 'fund']) kind!: 'city' | 'body' | 'fund';
  @ApiProperty() @IsSlug() id!: string;
}

/** A quantity of a unit (`kind: quantity`, `quantity`, `unit`) or a money amount (`kind: money`, `amount`, `currency`). */
export class PromiseDto {
  @ApiProperty({ enum: ['quantity', 'money'] }) @IsIn(['quantity', 'money']) kind!: 'quantity' | 'money';
  @ApiPropertyOptional({ example: '100' }) @ValidateIf((o: PromiseDto) => o.kind === 'quantity') @IsQuantity() quantity?: string;
  @ApiPropertyOptional({ example: 'tonne' }) @ValidateIf((o: PromiseDto) => o.kind === 'quantity') @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.unit) unit?: string;
  @ApiPropertyOptional({ example: '50000.00' }) @ValidateIf((o: PromiseDto) => o.kind === 'money') @IsAmountIn('currency') amount?: string;
  @ApiPropertyOptional({ enum: CURRENCIES }) @ValidateIf((o: PromiseDto) => o.kind === 'money') @IsIn(CURRENCIES) currency?: string;
}

export class MakeCommitmentDto extends OccurredDto {
  @ApiProperty({ example: 'sandbags-1' }) @IsSlug() commitmentId!: string;
  @ApiProperty({ example: 'taihu-flood' }) @IsSlug() agreementId!: string;
  @ApiProperty({ example: 'suzhou' }) @IsSlug() obligor!: string;
  @ApiProperty({ type: ObligeeDto }) @IsDefined() @ValidateNested() @Type(() => ObligeeDto) obligee!: ObligeeDto;
  @ApiProperty({ enum: COMMITMENT_KINDS }) @IsIn(COMMITMENT_KINDS) kind!: (typeof COMMITMENT_KINDS)[number];
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.description) description!: string;
  @ApiProperty({ type: PromiseDto }) @IsDefined() @ValidateNested() @Type(() => PromiseDto) promise!: PromiseDto;
  @ApiProperty({ type: MoneyDto, description: 'Monetary value or agreed valuation; weighs the commitment in trust' })
  @IsDefined()
  @ValidateNested()
  @Type(() => MoneyDto)
  value!: MoneyDto;
  @ApiProperty({ example: '2025-03-03T00:00:00Z' }) @IsInstant() dueAt!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsSlug() incidentId?: string | null;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() allowOverDelivery?: boolean;
}

export class RecordDeliveryDto extends OccurredDto {
  @ApiProperty({ example: 'd1' }) @IsSlug() deliveryId!: string;
  @ApiProperty({ example: '40', description: "In the promise's unit, or its currency (at most its minor-unit scale)" }) @IsQuantity() quantity!: string;
  @ApiProperty({ example: 'waybill 2025-0301-17' }) @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.evidenceRef) evidenceRef!: string;
}

export class DisputeDeliveryDto extends OccurredDto {
  @ApiProperty() @IsSlug() deliveryId!: string;
  @ApiProperty() @IsSlug() disputeId!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.reason) reason!: string;
}

export class ResolveDisputeDto extends OccurredDto {
  @ApiProperty({ enum: ['upheld', 'rejected'], description: 'upheld: the delivery no longer counts' }) @IsIn(['upheld', 'rejected']) outcome!: 'upheld' | 'rejected';
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.reason) note!: string;
}

export class RecordFindingDto extends OccurredDto {
  @ApiProperty() @IsSlug() findingId!: string;
  @ApiProperty() @IsSlug() bodyId!: string;
  @ApiProperty() @IsSlug() cityId!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsSlug() counterpartyCityId?: string | null;
  @ApiProperty({ enum: FINDING_KINDS }) @IsIn(FINDING_KINDS) kind!: (typeof FINDING_KINDS)[number];
  @ApiProperty({ minimum: MIN_FINDING_SEVERITY, maximum: MAX_FINDING_SEVERITY }) @IsNumber() @Min(MIN_FINDING_SEVERITY) @Max(MAX_FINDING_SEVERITY) severity!: number;
  @ApiPropertyOptional({ type: String, nullable: true }) @IsOptional() @IsSlug() incidentId?: string | null;
  @ApiPropertyOptional({ type: MoneyDto, nullable: true, description: "Payable to the body's special fund" })
  @IsOptional()
  @ValidateNested()
  @Type(() => MoneyDto)
  penalty?: MoneyDto | null;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(TEXT_LIMITS.description) description!: string;
}
