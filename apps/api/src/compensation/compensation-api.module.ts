import { Module, type DynamicModule } from '@nestjs/common';
import { CompensationLedgerModule } from '../../../../libs/ledger/src/compensation/compensation.module.js';
import { COMPENSATION_CONTROLLERS } from './compensation.controllers.js';

/** The compensation resources of the API: incidents, the special fund, obligations, transfers, balances, settlements. */
@Module({})
export class CompensationApiModule {
  static register(): DynamicModule {
    return { module: CompensationApiModule, imports: [CompensationLedgerModule.forRoot()], controllers: [...COMPENSATION_CONTROLLERS] };
  }
}
