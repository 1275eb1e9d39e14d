/** Request DTOs and query strings of compensation, and the OpenAPI shapes of what its reads answer. */
import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { INCIDENT_SCENARIOS, OBLIGATION_REASONS, TRANSFER_FORMS } from '../../../../libs/domain/src/compensation/events.js';
import { INCIDENT_LIMITS } from '../../../../libs/domain/src/compensation/incident.js';
import { TEXT_LIMITS } from '../../../../libs/domain/src/governance/common.js';
import { RISK_CATEGORIES } from '../../../../libs/domain/src/governance/events.js';
import { PageQueryDto, ReadQueryDto } from '../http/query.dto.js';
import { CURRENCIES, IsInstant, IsSlug, IsSlugEach } from '../governance/validation.js';

/** A positive or zero decimal string; its scale is checked against the currency by the domain. */
export const AMOUNT = /^(0|[1-9]\d{0,20})(\.\d{1,8})?$/;
const IsAmount = (): PropertyDecorator => Matches(AMOUNT, { message: '$property must be a decimal string such as "1234.50"' });
/** `city:<slug>` or `fund:<slug>`. */
export const PARTY = /^(city|fund):[a-z0-9][a-z0-9-]{0,62}$/;
/** Obligation ids are made of slugs joined by ':' (e.g. `flood-1:origin:hangzhou:suzhou`); URL-encode them in paths. */
export const OBLIGATION_ID = /^[a-z0-9][a-z0-9:-]{0,300}$/;
const Text = (max: number = TEXT_LIMITS.description): PropertyDecorator[] => [IsString(), MinLength(1), MaxLength(max)];
const apply = (decorators: PropertyDecorator[]): PropertyDecorator => (target, key) => decorators.forEach((d) => d(target, key));

export class OccurredDto {
  @ApiPropertyOptional({ description: 'Business instant of the fact, ISO-8601 UTC; default now', example: '2025-03-01T08:00:00Z' })
  @IsOptional()
  @IsInstant()
  occurredAt?: string;
}

export class OpenIncidentDto extends OccurredDto {
  @ApiProperty({ example: 'taihu-flood-2025' }) @IsSlug() incidentId!: string;
  @ApiProperty({ example: 'taihu-flood' }) @IsSlug() agreementId!: string;
  @ApiProperty({ enum: RISK_CATEGORIES }) @IsIn(RISK_CATEGORIES) riskCategory!: (typeof RISK_CATEGORIES)[number];
  @ApiProperty({ enum: INCIDENT_SCENARIOS, description: 'spans_several_cities | spreads_from_one_city | hazard_and_exposure_apart' })
  @IsIn(INCIDENT_SCENARIOS)
  scenario!: (typeof INCIDENT_SCENARIOS)[number];
  @ApiProperty({ type: [String], example: ['hangzhou'] }) @IsArray() @ArrayMaxSize(INCIDENT_LIMITS.maxCities) @IsSlugEach() originCities!: string[];
  @ApiProperty({ type: [String], example: ['suzhou'] }) @IsArray() @ArrayMaxSize(INCIDENT_LIMITS.maxCities) @IsSlugEach() affectedCities!: string[];
  @ApiProperty({ example: 'embankment breach on the Taihu shore' }) @apply(Text()) description!: string;
}

export class AddAffectedCityDto extends OccurredDto {
  @ApiProperty({ example: 'jiaxing' }) @IsSlug() cityId!: string;
}

export class ClaimResponseCostDto extends OccurredDto {
  @ApiProperty({ example: 'suzhou-pumps' }) @IsSlug() claimId!: string;
  @ApiProperty({ example: 'suzhou', description: "The claiming officer's own city" }) @IsSlug() cityId!: string;
  @ApiProperty({ example: '120000.00', description: "In the agreement's currency" }) @IsAmount() amount!: string;
  @ApiProperty({ example: 'invoices/2025-07/14' }) @apply(Text(TEXT_LIMITS.evidenceRef)) evidenceRef!: string;
}

export class VerifyClaimDto extends OccurredDto {
  @ApiProperty({ example: '115000.00', description: 'Between zero and the amount claimed' }) @IsAmount() verifiedAmount!: string;
  @ApiProperty({ example: 'two invoices double-counted' }) @apply(Text(TEXT_LIMITS.reason)) note!: string;
}

export class RejectClaimDto extends OccurredDto {
  @ApiProperty({ example: 'costs outside the incident period' }) @apply(Text(TEXT_LIMITS.reason)) reason!: string;
}

export class RecordAvertedLossDto extends OccurredDto {
  @ApiProperty({ example: 'Yangtze Institute of Hydrology' }) @apply(Text(TEXT_LIMITS.name)) assessor!: string;
  @ApiProperty({ example: '8000000.00' }) @IsAmount() avertedLoss!: string;
  @ApiProperty({ example: 'reports/yih-2025-031' }) @apply(Text(TEXT_LIMITS.evidenceRef)) reportRef!: string;
}

export class EstablishFundDto extends OccurredDto {
  @ApiProperty({ example: 'yrd-committee', description: 'The body whose fund this is (fund id = body id)' }) @IsSlug() bodyId!: string;
  @ApiProperty({ enum: CURRENCIES, example: 'CNY' }) @IsIn(CURRENCIES) currency!: string;
}

export class ContributionDto extends OccurredDto {
  @ApiProperty({ example: 'hangzhou-2025-q3' }) @IsSlug() contributionId!: string;
  @ApiProperty({ example: 'hangzhou' }) @IsSlug() cityId!: string;
  @ApiProperty({ example: '500000.00' }) @IsAmount() amount!: string;
  @ApiProperty({ example: 'bank/2025-07-01/77' }) @apply(Text(TEXT_LIMITS.evidenceRef)) reference!: string;
}

export class IncentiveDto extends OccurredDto {
  @ApiProperty({ example: 'province-grant-7' }) @IsSlug() incentiveId!: string;
  @ApiProperty({ example: 'Zhejiang provincial government' }) @apply(Text(TEXT_LIMITS.name)) source!: string;
  @ApiProperty({ example: '1000000.00' }) @IsAmount() amount!: string;
  @ApiProperty({ example: 'grants/zj-2025-12' }) @apply(Text(TEXT_LIMITS.evidenceRef)) reference!: string;
}

export class ValuationDto {
  @ApiProperty({ example: 'two weeks of flood-rescue training for 12 officers' }) @apply(Text()) description!: string;
  @ApiProperty({ example: 'body-minutes/2025-08#4' }) @apply(Text(TEXT_LIMITS.evidenceRef)) valuationRef!: string;
}

export class InitiateTransferDto extends OccurredDto {
  @ApiProperty({ example: 'hz-pay-001', description: 'Chosen by the client: the same id with the same content returns the first result' })
  @IsSlug()
  transferId!: string;
  @ApiProperty({ example: 'taihu-flood-2025:origin:hangzhou:suzhou' }) @Matches(OBLIGATION_ID) obligationId!: string;
  @ApiProperty({ example: '50000.00' }) @IsAmount() amount!: string;
  @ApiPropertyOptional({ enum: TRANSFER_FORMS, default: 'money' }) @IsOptional() @IsIn(TRANSFER_FORMS) form?: (typeof TRANSFER_FORMS)[number];
  @ApiPropertyOptional({ type: ValuationDto, nullable: true, description: 'Required for in-kind forms, absent for money' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ValuationDto)
  valuation?: ValuationDto;
  @ApiPropertyOptional({ description: 'The settled transfer this one reverses (payer and payee swapped)' }) @IsOptional() @IsSlug() reverses?: string;
}

export class VoidTransferDto extends OccurredDto {
  @ApiProperty({ example: 'wrong account' }) @apply(Text(TEXT_LIMITS.reason)) reason!: string;
}

export class ExecuteSettlementDto extends OccurredDto {
  @ApiProperty({ example: 'yrd-2025-q3' }) @IsSlug() settlementId!: string;
  @ApiProperty({ enum: CURRENCIES, example: 'CNY' }) @IsIn(CURRENCIES) currency!: string;
  @ApiProperty({ description: 'The fingerprint of the proposal being executed' }) @Matches(/^[0-9a-f]{64}$/) fingerprint!: string;
}

/** A fund's view is not paged: `limit` bounds its unpaid obligations, and a cursor would only be ignored. */
export class FundQueryDto extends OmitType(PageQueryDto, ['cursor'] as const) {}

export class IncidentListQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsSlug() bodyId?: string;
  @ApiPropertyOptional({ enum: ['open', 'assessed'] }) @IsOptional() @IsIn(['open', 'assessed']) status?: 'open' | 'assessed';
}

export class ObligationListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'As payer or payee: city:<id> or fund:<id>' }) @IsOptional() @Matches(PARTY) party?: string;
  @ApiPropertyOptional() @IsOptional() @IsSlug() bodyId?: string;
  @ApiPropertyOptional({ enum: CURRENCIES }) @IsOptional() @IsIn(CURRENCIES) currency?: string;
  @ApiPropertyOptional({ enum: OBLIGATION_REASONS }) @IsOptional() @IsIn(OBLIGATION_REASONS) reason?: (typeof OBLIGATION_REASONS)[number];
  @ApiPropertyOptional({ enum: ['open', 'settled', 'written_off'] }) @IsOptional() @IsIn(['open', 'settled', 'written_off']) status?: 'open' | 'settled' | 'written_off';
}

export class TransferListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'As payer or payee: city:<id> or fund:<id>' }) @IsOptional() @Matches(PARTY) party?: string;
  @ApiPropertyOptional() @IsOptional() @IsSlug() bodyId?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(OBLIGATION_ID) obligationId?: string;
  @ApiPropertyOptional({ enum: ['pending', 'settled', 'voided'] }) @IsOptional() @IsIn(['pending', 'settled', 'voided']) status?: 'pending' | 'settled' | 'voided';
}

export class PairQueryDto extends ReadQueryDto {
  @ApiProperty({ example: 'city:hangzhou' }) @Matches(PARTY) payer!: string;
  @ApiProperty({ example: 'city:suzhou' }) @Matches(PARTY) payee!: string;
  @ApiProperty({ enum: CURRENCIES }) @IsIn(CURRENCIES) currency!: string;
}

export class CurrencyQueryDto extends ReadQueryDto {
  @ApiProperty({ enum: CURRENCIES }) @IsIn(CURRENCIES) currency!: string;
}

// ---- answers (OpenAPI only) ------------------------------------------------------------------------------------

export class PartyDto {
  @ApiProperty({ enum: ['city', 'fund'] }) kind!: 'city' | 'fund';
  @ApiProperty({ example: 'hangzhou' }) id!: string;
}

const money = (description: string) => ApiProperty({ example: '1234.50', description });
const RecordOfStrings = (description: string) => ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description });

export class ObligationViewDto {
  @ApiProperty() obligationId!: string;
  @ApiProperty() bodyId!: string;
  @ApiProperty({ type: PartyDto }) payer!: PartyDto;
  @ApiProperty({ type: PartyDto }) payee!: PartyDto;
  @ApiProperty() currency!: string;
  @ApiProperty({ enum: OBLIGATION_REASONS }) reason!: string;
  @ApiProperty({ type: 'object', properties: { kind: { type: 'string', enum: ['incident', 'finding', 'settlement'] }, id: { type: 'string' } } }) source!: object;
  @money('What was obligated (after any write-off)') obligated!: string;
  @money('Settled by transfers (net of reversals) and by netting') settled!: string;
  @money('Settled by netting in a settlement') netted!: string;
  @money('Part of settled that was settled in kind') settledInKind!: string;
  @money('In pending transfers') pending!: string;
  @money('Written off by a revoked finding') writtenOff!: string;
  @money('obligated − settled') outstanding!: string;
  @money('outstanding − pending: what a new transfer may still pay') unencumbered!: string;
}

export class ObligationPageDto {
  @ApiProperty({ type: [ObligationViewDto] }) items!: ObligationViewDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class TransferViewDto {
  @ApiProperty() transferId!: string;
  @ApiProperty() bodyId!: string;
  @ApiProperty() obligationId!: string;
  @ApiProperty({ type: PartyDto }) payer!: PartyDto;
  @ApiProperty({ type: PartyDto }) payee!: PartyDto;
  @money('Amount moved') amount!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ enum: TRANSFER_FORMS }) form!: string;
  @ApiProperty({ type: ValuationDto, nullable: true }) valuation!: ValuationDto | null;
  @ApiProperty({ type: String, nullable: true }) reverses!: string | null;
  @ApiProperty({ enum: ['pending', 'settled', 'voided'] }) status!: string;
  @money('Settled or pending reversals of it') reversed!: string;
}

export class TransferPageDto {
  @ApiProperty({ type: [TransferViewDto] }) items!: TransferViewDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class PairBalanceDto {
  @ApiProperty({ type: PartyDto }) payer!: PartyDto;
  @ApiProperty({ type: PartyDto }) payee!: PartyDto;
  @ApiProperty() currency!: string;
  @money('Σ obligations') obligated!: string;
  @money('Σ settled transfers and netting') settled!: string;
  @money('Part of settled in kind') settledInKind!: string;
  @money('Σ pending transfers') pending!: string;
  @money('obligated − settled') outstanding!: string;
}

export class PairBalancePageDto {
  @ApiProperty({ type: [PairBalanceDto] }) items!: PairBalanceDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class PartyPositionDto {
  @ApiProperty({ type: PartyDto }) party!: PartyDto;
  @RecordOfStrings('currency → net position (owed to it − it owes)') netPositions!: Record<string, string>;
}

export class UnpaidObligationDto {
  @ApiProperty({ type: ObligationViewDto }) obligation!: ObligationViewDto;
  @money('What the fund cannot yet cover') shortfall!: string;
}

export class FundViewDto {
  @ApiProperty() fundId!: string;
  @ApiProperty() currency!: string;
  @ApiProperty() established!: boolean;
  @money('in − out') balance!: string;
  @money('Contributions, deliveries, incentives, penalties paid') moneyIn!: string;
  @money('Payouts settled') moneyOut!: string;
  @money('Payouts pending') pendingOut!: string;
  @money('balance − pending payouts') available!: string;
  @ApiProperty({ type: Number, nullable: true, description: "Last projected revision of the body's treasury stream" }) revision!: number | null;
  @ApiProperty({ type: [UnpaidObligationDto] }) unpaidObligations!: UnpaidObligationDto[];
  @RecordOfStrings('currency → net position of the fund') netPositions!: Record<string, string>;
}

export class ProposedTransferDto {
  @ApiProperty({ type: PartyDto }) payer!: PartyDto;
  @ApiProperty({ type: PartyDto }) payee!: PartyDto;
  @money('Amount') amount!: string;
}

export class SettlementProposalDto {
  @ApiProperty() bodyId!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ description: 'Pass to POST .../executions; execution is refused if positions changed since' }) fingerprint!: string;
  @ApiProperty({ enum: ['exact', 'greedy'] }) method!: string;
  @ApiProperty({ description: 'Parties with a non-zero position (k); at most k − 1 transfers' }) parties!: number;
  @ApiProperty({ type: [ProposedTransferDto] }) transfers!: ProposedTransferDto[];
  @RecordOfStrings('party key → net position netted') positions!: Record<string, string>;
}

export class ClaimViewDto {
  @ApiProperty() claimId!: string;
  @ApiProperty() cityId!: string;
  @money('Claimed') amount!: string;
  @ApiProperty() currency!: string;
  @ApiProperty() evidenceRef!: string;
  @ApiProperty({ enum: ['pending', 'verified', 'rejected'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) verifiedAmount!: string | null;
  @ApiProperty({ type: String, nullable: true }) decisionNote!: string | null;
  @ApiProperty() claimedAt!: string;
  @ApiProperty({ type: String, nullable: true }) decidedAt!: string | null;
}

export class IncidentViewDto {
  @ApiProperty() incidentId!: string;
  @ApiProperty() agreementId!: string;
  @ApiProperty() bodyId!: string;
  @ApiProperty({ enum: RISK_CATEGORIES }) riskCategory!: string;
  @ApiProperty({ enum: INCIDENT_SCENARIOS }) scenario!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: ['open', 'assessed'] }) status!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: [String] }) originCities!: string[];
  @ApiProperty({ type: [String] }) affectedCities!: string[];
  @ApiProperty() openedAt!: string;
  @ApiProperty({ type: [ClaimViewDto] }) claims!: ClaimViewDto[];
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'assessor, avertedLoss, currency, reportRef, assessedAt' }) avertedLoss!: object | null;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'Findings tied to the incident: findingId, cityId, kind, severity, penalty, recordedAt, revoked, afterAssessment (recorded after the closing, so not counted)' }) findings!: object[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Once closed: assessedAt, fundId, derivation (θ, eligible costs, origin/fund shares, what each city bears, benefit pool) and every obligation created',
  })
  assessment!: object | null;
}

export class IncidentSummaryDto {
  @ApiProperty() incidentId!: string;
  @ApiProperty() bodyId!: string;
  @ApiProperty() agreementId!: string;
  @ApiProperty() riskCategory!: string;
  @ApiProperty({ enum: ['open', 'assessed'] }) status!: string;
  @ApiProperty() openedAt!: string;
  @ApiProperty() claims!: number;
}

export class IncidentPageDto {
  @ApiProperty({ type: [IncidentSummaryDto] }) items!: IncidentSummaryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
