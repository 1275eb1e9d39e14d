import { ApiProperty } from '@nestjs/swagger';
import type { WriteAcknowledgement } from '../../../../libs/ledger/src/acknowledgement.js';

/** OpenAPI shape of every write's answer (see libs/ledger acknowledge()). */
export class WriteAcknowledgementDto implements WriteAcknowledgement {
  @ApiProperty({ example: 'commitment-7f3a' })
  stream!: string;

  @ApiProperty({ type: String, nullable: true, example: '3', description: "The stream's revision after the write" })
  revision!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '1024', description: 'Pass as ?atLeast= to read this write' })
  position!: string | null;
}
