import { Module, type DynamicModule } from '@nestjs/common';
import { CommitmentsReadModel } from '../../../projections/src/commitments/commitments.read-model.js';
import { AgreementsReadModel, BodiesReadModel, CitiesReadModel, FindingsReadModel } from '../../../projections/src/governance/governance.read-models.js';
import { LedgerModule } from '../ledger.module.js';
import { DEADLINE_MANAGER_OPTIONS, DeadlineManager, type DeadlineManagerOptions } from './deadline-manager.js';
import { GOVERNANCE_COMMAND_HANDLERS } from './handlers.js';
import { GOVERNANCE_QUERY_HANDLERS } from './queries.js';

export interface GovernanceModuleOptions {
  deadlines?: DeadlineManagerOptions;
}

/**
 * Governance on the ledger: command handlers for cities, bodies, agreements, commitments and findings, their read
 * models, query handlers, and the deadline process manager (started on application bootstrap unless disabled).
 */
@Module({})
export class GovernanceLedgerModule {
  static forRoot(options: GovernanceModuleOptions = {}): DynamicModule {
    const feature = LedgerModule.forFeature({ readModels: [CommitmentsReadModel, CitiesReadModel, BodiesReadModel, AgreementsReadModel, FindingsReadModel] });
    return {
      module: GovernanceLedgerModule,
      imports: [feature],
      providers: [
        ...GOVERNANCE_COMMAND_HANDLERS,
        ...GOVERNANCE_QUERY_HANDLERS,
        { provide: DEADLINE_MANAGER_OPTIONS, useValue: options.deadlines ?? {} },
        DeadlineManager,
      ],
      exports: [feature, DeadlineManager],
    };
  }
}
