import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { EventStore } from '../../../../libs/event-store/src/port.js';
import { ProjectionRunner } from '../../../../libs/ledger/src/projection-runner.js';
import { EVENT_STORE } from '../../../../libs/ledger/src/tokens.js';
import { ProblemError } from './problem.js';
import type { LedgerRequest } from './request.js';

/** Longest a read waits for its read models to reach `atLeast`: beyond it the client is told to retry. */
export const READ_WAIT_MS = 5_000;
const POSITION = /^\d{1,19}$/;

/**
 * `?atLeast=<position>` on reads: wait, boundedly, until the read models have applied that position, so a client
 * reads its own write. A position beyond the log's head is a 409 (no write of this ledger returned it); a wait
 * that runs out is a 503 with Retry-After.
 *
 * A guard, registered after the AuthGuard, not an interceptor: Nest runs any global interceptor through rxjs (a
 * deferred observable, a merge and an async resource per request, and the route's answer through lastValueFrom),
 * and with none registered it calls the route directly. Measured under the HTTP benchmark's load (README, footnote 3),
 * dropping the one global interceptor took a command from ≈ 300 to ≈ 220 µs of the event loop. Guards run where the
 * interceptor did: after authentication, before the pipes.
 */
@Injectable()
export class ReadConsistencyGuard implements CanActivate {
  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<LedgerRequest>();
    const atLeast = request.query?.atLeast;
    if (request.method !== 'GET' || atLeast === undefined) return true;
    return this.waitFor(atLeast);
  }

  private async waitFor(atLeast: unknown): Promise<boolean> {
    if (typeof atLeast !== 'string' || !POSITION.test(atLeast)) {
      throw ProblemError.of(400, 'validation_failed', 'atLeast must be a global position (a non-negative integer)', {
        errors: [{ field: 'atLeast', messages: ['atLeast must be a non-negative integer'] }],
      });
    }
    const position = BigInt(atLeast);
    const head = await this.store.headPosition();
    if (head === null || position > head) {
      throw ProblemError.of(409, 'position_not_reached', `position ${atLeast} is beyond the log's head`, { atLeast, headPosition: head === null ? null : head.toString() });
    }
    const reached = await this.runner.waitFor(position, READ_WAIT_MS);
    if (!reached) {
      const checkpoint = this.runner.status().checkpoint;
      throw ProblemError.of(
        503,
        'read_model_behind',
        `the read models have not reached position ${atLeast} yet; retry shortly`,
        { atLeast, checkpoint: checkpoint === null ? null : checkpoint.toString() },
        { 'Retry-After': '1' },
      );
    }
    return true;
  }
}
