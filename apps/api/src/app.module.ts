import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { LedgerModule, type LedgerModuleOptions } from '../../../libs/ledger/src/ledger.module.js';
import { AuthGuard } from './auth/auth.guard.js';
import { HealthController } from './health/health.controller.js';
import { BodyValidationPipe } from './http/body-validation.pipe.js';
import { IdempotencyGuard } from './http/idempotency.guard.js';
import { fieldErrors, ProblemFilter, RequestValidationError } from './http/problem.js';
import { ReadConsistencyGuard } from './http/read-consistency.guard.js';
import { memoizeValidationMetadata } from './http/validation-metadata-cache.js';

export interface AppModuleOptions extends LedgerModuleOptions {
  contexts: ReadonlyArray<Type | DynamicModule>;
}

@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    const { contexts, ...ledger } = options;
    memoizeValidationMetadata();
    return {
      module: AppModule,
      imports: [LedgerModule.forRoot(ledger), ...contexts],
      controllers: [HealthController],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        // Global guards run in this order: who is asking, then `?atLeast=` on reads, then `Idempotency-Key` on writes.
        // No global interceptor: with none, Nest calls each route without rxjs (see ReadConsistencyGuard).
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: ReadConsistencyGuard },
        { provide: APP_GUARD, useClass: IdempotencyGuard },
        {
          provide: APP_PIPE,
          // Nest's ValidationPipe (transforming) with a cheaper path for request bodies; same outcomes.
          useValue: new BodyValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            stopAtFirstError: false,
            exceptionFactory: (errors) => new RequestValidationError(fieldErrors(errors)),
          }),
        },
      ],
    };
  }
}
