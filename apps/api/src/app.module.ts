import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { LedgerModule, type LedgerModuleOptions } from '../../../libs/ledger/src/ledger.module.js';
import { AuthGuard } from './auth/auth.guard.js';
import { HealthController } from './health/health.controller.js';
import { BodyValidationPipe } from './http/body-validation.pipe.js';
import { IdempotencyInterceptor } from './http/idempotency.interceptor.js';
import { LedgerInterceptor } from './http/ledger.interceptor.js';
import { fieldErrors, ProblemFilter, RequestValidationError } from './http/problem.js';
import { ReadConsistencyInterceptor } from './http/read-consistency.interceptor.js';
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
        { provide: APP_GUARD, useClass: AuthGuard },
        ReadConsistencyInterceptor,
        IdempotencyInterceptor,
        // Both of them, in their order, as one interceptor (see LedgerInterceptor).
        { provide: APP_INTERCEPTOR, useClass: LedgerInterceptor },
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
