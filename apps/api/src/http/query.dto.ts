import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../../libs/ledger/src/pagination.js';

/** Query of every read: extend it so `atLeast` passes the whitelist (the ReadConsistencyGuard acts on it). */
export class ReadQueryDto {
  @ApiPropertyOptional({ description: 'Wait (boundedly) until the read models have applied this global position', example: '42' })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'atLeast must be a non-negative integer' })
  atLeast?: string;
}

/** Query of every list: a page of at most 500, after an opaque cursor. */
export class PageQueryDto extends ReadQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}
