import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import type { EventStore } from '../../../../libs/event-store/src/port.js';
import type { WriteAcknowledgement } from '../../../../libs/ledger/src/acknowledgement.js';
import { IdempotencyKeyReusedError } from '../../../../libs/ledger/src/errors.js';
import { IdempotencyKeysReadModel, requestHash } from '../../../../libs/ledger/src/idempotency.js';
import { ProjectionRunner } from '../../../../libs/ledger/src/projection-runner.js';
import { EVENT_STORE } from '../../../../libs/ledger/src/tokens.js';
import { ProblemError } from './problem.js';
import { pathOf, type LedgerRequest } from './request.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const KEY = /^[\x21-\x7e]{1,255}$/;
/** How long a keyed write waits for the key index to catch up with the log before trusting the stream check alone. */
const CATCH_UP_MS = 2_000;

/**
 * `Idempotency-Key` on writes. The key and a hash of the request go into the events' metadata; the key index is a
 * read model of the log, so keys survive restarts. A repeat of the same request answers the first answer (with
 * `Idempotent-Replayed: true`); the key reused for another request is a 422. The command path checks the stream
 * as well, which covers two requests racing with one key before the index has seen either.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly keys: IdempotencyKeysReadModel,
    private readonly runner: ProjectionRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<LedgerRequest>();
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (!WRITE_METHODS.has(request.method) || header === undefined || request.actor === undefined) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return from(this.handle(request, reply, header, next));
  }

  private async handle(request: LedgerRequest, reply: FastifyReply, header: string | string[], next: CallHandler): Promise<unknown> {
    if (typeof header !== 'string' || !KEY.test(header)) {
      throw ProblemError.of(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters, sent once');
    }
    const actor = request.actor?.id ?? '';
    const hash = requestHash({ method: request.method, path: pathOf(request), body: request.body, actor });
    request.idempotency = { key: header, requestHash: hash };

    const head = await this.store.headPosition();
    if (head !== null && this.runner.status().state === 'running') await this.runner.waitFor(head, CATCH_UP_MS);
    const earlier = this.keys.find(header);
    if (earlier !== undefined) {
      if (earlier.requestHash !== hash) throw new IdempotencyKeyReusedError(header);
      reply.header(REPLAYED_HEADER, 'true');
      const replay: WriteAcknowledgement = earlier.acknowledgement;
      return replay;
    }
    return lastValueFrom(next.handle(), { defaultValue: undefined });
  }
}
