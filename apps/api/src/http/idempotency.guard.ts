import { HttpStatus, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import type { EventStore } from '../../../../libs/event-store/src/port.js';
import { IdempotencyKeyReusedError } from '../../../../libs/ledger/src/errors.js';
import { IdempotencyKeysReadModel, requestHash } from '../../../../libs/ledger/src/idempotency.js';
import { ProjectionRunner } from '../../../../libs/ledger/src/projection-runner.js';
import { EVENT_STORE } from '../../../../libs/ledger/src/tokens.js';
import { IdempotentReplay } from './idempotent-replay.js';
import { ProblemError } from './problem.js';
import { pathOf, type LedgerRequest } from './request.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const KEY = /^[\x21-\x7e]{1,255}$/;
/** How long a keyed write waits for the key index to catch up with the log before trusting the stream check alone. */
const CATCH_UP_MS = 2_000;

/**
 * `Idempotency-Key` on writes. The key and a hash of the request go into the events' metadata; the key index is a
 * read model of the log, so keys survive restarts. A repeat of the same request answers the first answer (with
 * `Idempotent-Replayed: true`); the key reused for another request is a 422. The command path checks the stream
 * as well, which covers two requests racing with one key before the index has seen either.
 *
 * A guard registered after the AuthGuard (the hash names the actor), not an interceptor: see ReadConsistencyGuard.
 */
@Injectable()
export class IdempotencyGuard implements CanActivate {
  constructor(
    private readonly keys: IdempotencyKeysReadModel,
    private readonly runner: ProjectionRunner,
    private readonly reflector: Reflector,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<LedgerRequest>();
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (!WRITE_METHODS.has(request.method) || header === undefined || request.actor === undefined) return true;
    return this.check(context, request, header);
  }

  private async check(context: ExecutionContext, request: LedgerRequest, header: string | string[]): Promise<boolean> {
    if (typeof header !== 'string' || !KEY.test(header)) {
      throw ProblemError.of(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters, sent once');
    }
    const actor = request.actor?.id ?? '';
    const hash = requestHash({ method: request.method, path: pathOf(request), body: request.body, actor });
    request.idempotency = { key: header, requestHash: hash };

    const head = await this.store.headPosition();
    if (head !== null && this.runner.status().state === 'running') await this.runner.waitFor(head, CATCH_UP_MS);
    const earlier = this.keys.find(header);
    if (earlier === undefined) return true;
    if (earlier.requestHash !== hash) throw new IdempotencyKeyReusedError(header);
    // The status the route itself answers with: its @HttpCode, else Nest's default for the method.
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? (request.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
    throw new IdempotentReplay(status, earlier.acknowledgement);
  }
}
