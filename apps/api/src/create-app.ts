import 'reflect-metadata';
import { Logger, type DynamicModule, type LogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { systemClock, type Clock } from '../../../libs/event-store/src/clock.js';
import type { StoreLimits } from '../../../libs/event-store/src/port.js';
import type { LedgerConfig } from '../../../libs/ledger/src/config.js';
import { openConfiguredStore } from '../../../libs/ledger/src/store-provider.js';
import { AppModule } from './app.module.js';
import { BOUNDED_CONTEXTS } from './contexts.js';
import { JSON_MEDIA_TYPE, requestBodyProblem, unsupportedMediaType } from './http/body-guard.js';
import { sendProblem } from './http/problem.js';
import { correlationIdOf } from './http/request.js';

/** Largest request body accepted, in bytes; an event is at most 1 MiB and no command needs more than a fraction of that. */
export const MAX_BODY_BYTES = 256 * 1024;

export interface CreateAppOptions {
  clock?: Clock;
  /** Bounded contexts to mount; default BOUNDED_CONTEXTS. Tests pass their own. */
  contexts?: ReadonlyArray<Type | DynamicModule>;
  limits?: Partial<StoreLimits>;
  /** Nest's log levels; false silences it (tests). */
  logger?: false | LogLevel[];
}

const routerLogger = new Logger('Problem');

/** Revisions and positions are bigints; a handler that returns one unconverted still answers with a decimal string. */
const jsonReplacer = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

/**
 * The HTTP layer: Fastify (its request handling costs a fraction of Express's, which was the largest item of the
 * command path's profile; bench/README.md). Bodies: JSON only (application/json and +json types), at most
 * MAX_BODY_BYTES; `__proto__` and `constructor` keys are kept by the parser so that the body guard refuses them with
 * the path named, like every other inherited name.
 */
function httpAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    // Ids longer than a slug may be are refused by the routes' own pipes, with the field named, not by the router.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    // Correlation ids are the API's own (X-Correlation-Id); Fastify's request ids and logger are not used.
    logger: false,
    // What the router refuses before any route runs (a malformed percent-encoding in the path) is problem+json too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, request, error, routerLogger),
  });
}

/** Builds the API (initialised, not listening): `serve` listens on it, tests drive it with supertest. */
export async function createApp(config: LedgerConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const clock = options.clock ?? systemClock;
  // Opened before Nest so that a refused file or an absent adapter surfaces as itself, not inside Nest's injector.
  const store = await openConfiguredStore(config, { clock, limits: options.limits });
  let app: NestFastifyApplication;
  try {
    app = await NestFactory.create<NestFastifyApplication>(
      AppModule.register({ config, clock, store, contexts: options.contexts ?? BOUNDED_CONTEXTS }),
      httpAdapter(),
      { bodyParser: false, logger: options.logger ?? ['error', 'warn', 'log'], abortOnError: false },
    );
  } catch (error) {
    await store.close();
    throw error;
  }
  const fastify = app.getHttpAdapter().getInstance();
  fastify.setReplySerializer((payload) => JSON.stringify(payload, jsonReplacer));
  // Every answer names its correlation id, which every event the request appends carries in its metadata. Set on
  // the Node response, so that streamed answers and errors raised before routing carry it too.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.raw.setHeader('X-Correlation-Id', correlationIdOf(request));
    done();
  });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, fastify.getDefaultJsonParser('ignore', 'ignore'));
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    done(unsupportedMediaType(request.headers['content-type']), undefined);
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    done(requestBodyProblem(request.method, request.headers, request.body) ?? undefined);
  });
  app.enableShutdownHooks();

  // Built on the first request for /openapi.json or /docs, not at start: scanning every route costs start-up time.
  const document = (): OpenAPIObject =>
    SwaggerModule.createDocument(
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
  // Errors raised before routing (malformed JSON, a body over the limit, the hooks above) reach Nest's exception
  // layer, hence the ProblemFilter, through the error handler Nest installs on Fastify.
  await fastify.ready();
  return app;
}
