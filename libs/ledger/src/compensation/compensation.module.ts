import { Module, type DynamicModule } from '@nestjs/common';
import { BalancesReadModel } from '../../../projections/src/balances/balances.read-model.js';
import { IncidentsReadModel } from '../../../projections/src/incidents/incidents.read-model.js';
import { LedgerModule } from '../ledger.module.js';
import { COMPENSATION_COMMAND_HANDLERS } from './handlers.js';
import { COMPENSATION_QUERY_HANDLERS } from './queries.js';
import { CompensationViews } from './views.js';

/**
 * Compensation on the ledger: command handlers for incidents, the special fund, transfers and settlements, the
 * balances and incidents read models, and their query handlers.
 */
@Module({})
export class CompensationLedgerModule {
  static forRoot(): DynamicModule {
    const feature = LedgerModule.forFeature({ readModels: [BalancesReadModel, IncidentsReadModel] });
    return {
      module: CompensationLedgerModule,
      imports: [feature],
      providers: [CompensationViews, ...COMPENSATION_COMMAND_HANDLERS, ...COMPENSATION_QUERY_HANDLERS],
      exports: [feature, CompensationViews],
    };
  }
}
