import { Module, type DynamicModule } from '@nestjs/common';
import { GovernanceLedgerModule, type GovernanceModuleOptions } from '../../../../libs/ledger/src/governance/governance.module.js';
import { GOVERNANCE_CONTROLLERS } from './governance.controllers.js';

/** The governance resources of the API: cities, bodies, agreements, commitments, findings. */
@Module({})
export class GovernanceApiModule {
  static register(options: GovernanceModuleOptions = {}): DynamicModule {
    return { module: GovernanceApiModule, imports: [GovernanceLedgerModule.forRoot(options)], controllers: [...GOVERNANCE_CONTROLLERS] };
  }
}
