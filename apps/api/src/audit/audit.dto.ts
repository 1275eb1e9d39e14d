import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_PAGE_SIZE } from '../../../../libs/ledger/src/pagination.js';
import { ReadQueryDto } from '../http/query.dto.js';

/** Positions, revisions and tree sizes travel as decimal strings (bigints in the ledger). */
export const DECIMAL = /^(0|[1-9][0-9]{0,18})$/;
const decimal = (field: string) => Matches(DECIMAL, { message: `${field} must be a non-negative integer` });

class LimitQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: MAX_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;
}

export class HistoryQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ description: 'Events after this global position (exclusive): the nextCursor of the previous page', example: '41' })
  @IsOptional()
  @decimal('after')
  after?: string;

  @ApiPropertyOptional({ description: 'Only events whose type starts with this', example: 'Commitment' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9._:-]+$/, { message: 'type must be letters, digits and . _ : -' })
  type?: string;

  @ApiPropertyOptional({ description: 'recordedAt at or after this instant' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'recordedAt at or before this instant' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'data.occurredAt at or after this instant (events without one are left out)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  occurredFrom?: string;

  @ApiPropertyOptional({ description: 'data.occurredAt at or before this instant (events without one are left out)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  occurredTo?: string;
}

export class StreamHistoryQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ description: 'Events after this stream revision (exclusive)' })
  @IsOptional()
  @decimal('after')
  after?: string;
}

export class CorrelationHistoryQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ description: 'Events after this global position (exclusive)' })
  @IsOptional()
  @decimal('after')
  after?: string;
}

export class PastStateQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({ description: 'State after the event at this global position (inclusive)' })
  @IsOptional()
  @decimal('position')
  position?: string;

  @ApiPropertyOptional({ description: 'State after every event recorded at or before this instant (recorded basis)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;

  @ApiPropertyOptional({ description: 'Only this top-level field of the canonical state (when the state is an object)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  section?: string;
}

export class DigestQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({ description: 'Digest over the log up to and including the event at this position; default the whole log' })
  @IsOptional()
  @decimal('position')
  position?: string;
}

export class InclusionQueryDto extends ReadQueryDto {
  @ApiProperty({ description: "The event's global position; the answer's leafIndex is its leaf (the position itself where positions are gapless)" })
  @decimal('position')
  position!: string;

  @ApiPropertyOptional({ description: 'Tree size of the digest to prove against; default the whole log' })
  @IsOptional()
  @decimal('treeSize')
  treeSize?: string;
}

export class ConsistencyQueryDto extends ReadQueryDto {
  @ApiProperty({ description: 'Tree size of the older digest' })
  @decimal('from')
  from!: string;

  @ApiPropertyOptional({ description: 'Tree size of the newer digest; default the whole log' })
  @IsOptional()
  @decimal('to')
  to?: string;
}

export class ExportQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({ description: 'First position (inclusive); default 0' })
  @IsOptional()
  @decimal('from')
  from?: string;

  @ApiPropertyOptional({ description: 'Last position (inclusive); default the head when the export starts' })
  @IsOptional()
  @decimal('to')
  to?: string;
}

