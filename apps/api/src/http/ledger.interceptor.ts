import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { ReadConsistencyInterceptor } from './read-consistency.interceptor.js';

/**
 * The API's one global interceptor: `?atLeast=` on reads, then `Idempotency-Key` on writes, in that order (a read
 * waits for its position before anything else; a write's key is checked before it runs). One interceptor rather than
 * two because Nest wraps each global interceptor of every request in its own deferred observable, merge and async
 * resource; here the second is handed to the first as its next handler, which costs a closure.
 */
@Injectable()
export class LedgerInterceptor implements NestInterceptor {
  constructor(
    private readonly readConsistency: ReadConsistencyInterceptor,
    private readonly idempotency: IdempotencyInterceptor,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return this.readConsistency.intercept(context, { handle: () => this.idempotency.intercept(context, next) });
  }
}
