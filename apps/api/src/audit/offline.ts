import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventStore } from '../../../../libs/event-store/src/port.js';
import { AuditService } from '../../../../libs/ledger/src/audit/audit.service.js';
import type { LedgerConfig } from '../../../../libs/ledger/src/config.js';
import { AppModule } from '../app.module.js';
import { BOUNDED_CONTEXTS } from '../contexts.js';

export interface OfflineAudit {
  audit: AuditService;
  /** Closes the application and with it the store. */
  close(): Promise<void>;
}

/**
 * The AuditService of the application `serve` would start, over `store`, without starting it: the module graph is
 * built (so every context registers its read models with the runner, exactly as when serving) but never
 * initialised, so no projection runner, process manager or HTTP listener runs and nothing is written to the log.
 * What `concordat replay` uses to discover and rebuild the read models.
 */
export async function openOfflineAudit(config: LedgerConfig, store: EventStore): Promise<OfflineAudit> {
  let app: NestFastifyApplication;
  try {
    app = await NestFactory.create<NestFastifyApplication>(AppModule.register({ config, store, contexts: BOUNDED_CONTEXTS }), new FastifyAdapter(), { logger: false, abortOnError: false });
  } catch (error) {
    await store.close();
    throw error;
  }
  return { audit: app.get(AuditService), close: () => app.close() };
}
