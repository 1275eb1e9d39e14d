import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Actor, CommandContext } from '../../../../libs/ledger/src/context.js';

/** What the ledger's guards add to a request (declared on Fastify's request in create-app). */
export interface LedgerRequestState {
  actor?: Actor;
  idempotency?: { key: string; requestHash: string };
  correlationId?: string;
}

/** The HTTP request as the ledger's guards see and enrich it. */
export type LedgerRequest = FastifyRequest & LedgerRequestState & { query: Record<string, unknown> };

/** The request's path without its query string: what an idempotency key's request hash and a problem's `instance` name. */
export const pathOf = (request: { url: string }): string => {
  const query = request.url.indexOf('?');
  return query < 0 ? request.url : request.url.slice(0, query);
};

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's correlation id: the client's X-Correlation-Id when well-formed, else a fresh UUID (kept on the request). */
export function correlationIdOf(request: { headers: IncomingHttpHeaders; correlationId?: string }): string {
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
