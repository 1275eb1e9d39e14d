import 'reflect-metadata';
import { Logger, type DynamicModule, type LogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, type Clock } from '../../../libs/event-store/src/clock.js';
import type { StoreLimits } from '../../../libs/event-store/src/port.js';
import type { LedgerConfig } from '../../../libs/ledger/src/config.js';
import { openConfiguredStore } from '../../../libs/ledger/src/store-provider.js';
import { AppModule } from './app.module.js';
import { BOUNDED_CONTEXTS } from './contexts.js';
import { sendProblem } from './http/problem.js';
import { guardRequestBody } from './http/body-guard.js';
import { correlationIdOf } from './http/request.js';

/** Largest request body accepted; an event is at most 1 MiB and no command needs more than a fraction of that. */
export const MAX_BODY = '256kb';

export interface CreateAppOptions {
  clock?: Clock;
  /** Bounded contexts to mount; default BOUNDED_CONTEXTS. Tests pass their own. */
  contexts?: ReadonlyArray<Type | DynamicModule>;
  limits?: Partial<StoreLimits>;
  /** Nest's log levels; false silences it (tests). */
  logger?: false | LogLevel[];
}

type Next = (error?: unknown) => void;

/** Builds the API (initialised, not listening): `serve` listens on it, tests drive it with supertest. */
export async function createApp(config: LedgerConfig, options: CreateAppOptions = {}): Promise<NestExpressApplication> {
  const clock = options.clock ?? systemClock;
  // Opened before Nest so that a refused file or an absent adapter surfaces as itself, not inside Nest's injector.
  const store = await openConfiguredStore(config, { clock, limits: options.limits });
  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.register({ config, clock, store, contexts: options.contexts ?? BOUNDED_CONTEXTS }),
      { bodyParser: false, logger: options.logger ?? ['error', 'warn', 'log'], abortOnError: false },
    );
  } catch (error) {
    await store.close();
    throw error;
  }
  app.disable('x-powered-by');
  // Revisions and positions are bigints; a handler that returns one unconverted still answers with a decimal string.
  app.set('json replacer', (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  // Every answer names its correlation id, which every event the request appends carries in its metadata.
  app.use((request: IncomingMessage & { correlationId?: string }, response: ServerResponse, next: Next) => {
    response.setHeader('X-Correlation-Id', correlationIdOf(request));
    next();
  });
  app.useBodyParser('json', { limit: MAX_BODY, type: ['application/json', 'application/*+json'] });
  app.use(guardRequestBody);
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('concordat')
      .setDescription(
        'An event-sourced ledger of trust and compensation between cities. Writes answer with the stream revision and the ' +
          'global position; reads take ?atLeast=<position>. Errors are RFC 9457 problem+json. Writes accept Idempotency-Key.',
      )
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });

  await app.init();
  // Errors raised before routing (malformed JSON, a body over the limit) never reach Nest's filters.
  const logger = new Logger('Problem');
  app.use((error: unknown, request: IncomingMessage, response: ServerResponse, next: Next) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    sendProblem(response, request, error, logger);
  });
  return app;
}
