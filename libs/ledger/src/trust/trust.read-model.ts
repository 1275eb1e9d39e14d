import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '../../../event-store/src/clock.js';
import { CFBT_1 } from '../../../projections/src/trust/parameters.js';
import { TrustReadModel } from '../../../projections/src/trust/trust-read-model.js';
import { LEDGER_CLOCK } from '../tokens.js';

/** The trust projection as the ledger runs it: parameter set cfbt-1, "now" from the ledger clock (a FakeClock in tests). */
@Injectable()
export class LedgerTrustReadModel extends TrustReadModel {
  constructor(@Inject(LEDGER_CLOCK) clock: Clock) {
    super(CFBT_1, clock);
  }
}
