import { Module, type DynamicModule } from '@nestjs/common';
import { TrustLedgerModule } from '../../../../libs/ledger/src/trust/trust.module.js';
import { TrustController } from './trust.controller.js';

/** The trust resources of the API: city, pair, series, and a body's matrix, ranking and alliance. */
@Module({})
export class TrustApiModule {
  static register(): DynamicModule {
    return { module: TrustApiModule, imports: [TrustLedgerModule.forRoot()], controllers: [TrustController] };
  }
}
