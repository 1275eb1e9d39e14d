import { Module, type DynamicModule } from '@nestjs/common';
import { LedgerModule } from '../ledger.module.js';
import { TRUST_QUERY_HANDLERS } from './queries.js';
import { LedgerTrustReadModel } from './trust.read-model.js';

/** Trust on the ledger: the CFBT projection fed by the projection runner, and its query handlers. */
@Module({})
export class TrustLedgerModule {
  static forRoot(): DynamicModule {
    const feature = LedgerModule.forFeature({ readModels: [LedgerTrustReadModel] });
    return { module: TrustLedgerModule, imports: [feature], providers: [...TRUST_QUERY_HANDLERS], exports: [feature] };
  }
}
