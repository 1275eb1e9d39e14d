import { Module, type DynamicModule } from '@nestjs/common';
import { LedgerModule } from '../ledger.module.js';
import { AuditService } from './audit.service.js';
import { CorrelationIndexReadModel } from './correlation-index.read-model.js';
import { MerkleFeedReadModel } from './merkle-feed.read-model.js';

/**
 * The audit context on the ledger: the correlation index and the live Merkle feed (registered with the runner like
 * any read model, so they also get state digests and replays), and AuditService.
 */
@Module({})
export class AuditLedgerModule {
  static forRoot(): DynamicModule {
    const feature = LedgerModule.forFeature({ readModels: [CorrelationIndexReadModel, MerkleFeedReadModel] });
    return { module: AuditLedgerModule, imports: [feature], providers: [AuditService], exports: [feature, AuditService] };
  }
}
