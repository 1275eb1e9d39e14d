import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleDestroy, type Provider, type Type } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { systemClock, type Clock } from '../../event-store/src/clock.js';
import type { EventStore, StoreLimits } from '../../event-store/src/port.js';
import type { ReadModel } from '../../projections/src/read-model.js';
import type { LedgerConfig } from './config.js';
import { IdempotencyKeysReadModel } from './idempotency.js';
import { Ledger } from './ledger.service.js';
import { ProjectionRunner } from './projection-runner.js';
import { DirectorySnapshotStore } from './snapshots/snapshot-store.js';
import { openConfiguredStore } from './store-provider.js';
import { EVENT_STORE, LEDGER_CLOCK, LEDGER_CONFIG } from './tokens.js';

export interface LedgerModuleOptions {
  config: LedgerConfig;
  /**
   * An already opened store (createApp opens it before Nest, so a refused file is reported plainly). The module
   * takes ownership and closes it on shutdown. Default: open the configured one.
   */
  store?: EventStore;
  /** The ledger clock; default the system clock. Tests pass a FakeClock. */
  clock?: Clock;
  limits?: Partial<StoreLimits>;
}

/** Starts the projection runner once every module has registered its read models; closes the store last. */
@Injectable()
class LedgerLifecycle implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('Ledger');

  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  onApplicationBootstrap(): void {
    this.runner.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.runner.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
    this.logger.log(`closed the ${this.store.kind} event store`);
  }
}

/**
 * The ledger's composition: the configured event store, the ledger clock, CommandBus/QueryBus (@nestjs/cqrs) and
 * the projection runner. Global, so bounded-context modules inject Ledger (or EVENT_STORE, LEDGER_CLOCK,
 * ProjectionRunner) without importing it; they register their read models with `LedgerModule.forFeature`.
 */
@Module({})
export class LedgerModule {
  static forRoot(options: LedgerModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: LEDGER_CONFIG, useValue: options.config },
      { provide: LEDGER_CLOCK, useValue: options.clock ?? systemClock },
      {
        provide: EVENT_STORE,
        inject: [LEDGER_CLOCK],
        useFactory: async (clock: Clock): Promise<EventStore> => options.store ?? openConfiguredStore(options.config, { clock, limits: options.limits }),
      },
      IdempotencyKeysReadModel,
      {
        provide: ProjectionRunner,
        inject: [EVENT_STORE, IdempotencyKeysReadModel],
        useFactory: (store: EventStore, idempotencyKeys: IdempotencyKeysReadModel): ProjectionRunner => {
          const logger = new Logger('ProjectionRunner');
          const snapshotDir = options.config.snapshotDir ?? null;
          const runner = new ProjectionRunner(store, {
            onFailure: (error, status) => logger.error(`read models stopped at checkpoint ${String(status.checkpoint)}: ${error.message}`),
            snapshots: snapshotDir === null || store.kind === 'memory' ? undefined : new DirectorySnapshotStore(snapshotDir),
            onWarning: (message) => logger.warn(message),
            onInfo: (message) => logger.log(message),
          });
          runner.register(idempotencyKeys);
          return runner;
        },
      },
      Ledger,
      LedgerLifecycle,
    ];
    return {
      module: LedgerModule,
      global: true,
      imports: [CqrsModule.forRoot()],
      providers,
      exports: [LEDGER_CONFIG, LEDGER_CLOCK, EVENT_STORE, Ledger, ProjectionRunner, IdempotencyKeysReadModel, CqrsModule],
    };
  }

  /**
   * Registers a bounded context's read models with the projection runner. Each class is a Nest provider (inject it
   * into query handlers); the runner feeds it every event of the log in order, once, from the beginning.
   */
  static forFeature(options: { readModels: readonly Type<ReadModel>[] }): DynamicModule {
    const registrar: Provider = {
      provide: Symbol(`concordat.ReadModels(${options.readModels.map((m) => m.name).join(',')})`),
      inject: [ProjectionRunner, ...options.readModels],
      useFactory: (runner: ProjectionRunner, ...models: ReadModel[]): true => {
        for (const model of models) runner.register(model);
        return true;
      },
    };
    return {
      module: LedgerModule,
      providers: [...options.readModels, registrar],
      exports: [...options.readModels],
    };
  }
}
