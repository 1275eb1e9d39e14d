import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Actor, CommandContext } from '../../../../libs/ledger/src/context.js';

/** The Express request as the ledger's guards and interceptors enrich it. */
export interface LedgerRequest extends IncomingMessage {
  method: string;
  path: string;
  originalUrl: string;
  body: unknown;
  query: Record<string, unknown>;
  actor?: Actor;
  idempotency?: { key: string; requestHash: string };
  correlationId?: string;
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's correlation id: the client's X-Correlation-Id when well-formed, else a fresh UUID (kept on the request). */
export function correlationIdOf(request: IncomingMessage & { correlationId?: string }): string {
  if (request.correlationId === undefined) {
    const header = request.headers['x-correlation-id'];
    request.correlationId = typeof header === 'string' && CORRELATION_ID.test(header) ? header : randomUUID();
  }
  return request.correlationId;
}

export function contextOf(request: LedgerRequest): CommandContext {
  if (request.actor === undefined) throw new Error('a command context needs an authenticated actor');
  return {
    actor: request.actor,
    correlationId: correlationIdOf(request),
    idempotencyKey: request.idempotency?.key ?? null,
    requestHash: request.idempotency?.requestHash ?? null,
  };
}
