import { Module, type DynamicModule } from '@nestjs/common';
import { AuditLedgerModule } from '../../../../libs/ledger/src/audit/audit.module.js';
import { AuditController } from './audit.controller.js';

/** The audit resources of the API (read-only: every authenticated role reads; replay and verify for auditors and admins). */
@Module({})
export class AuditApiModule {
  static register(): DynamicModule {
    return { module: AuditApiModule, imports: [AuditLedgerModule.forRoot()], controllers: [AuditController] };
  }
}
