import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../../../../libs/domain/src/shared/errors.js';
import { EventStoreError, EventTooLargeError, StreamNotFoundError, TooManyEventsError, WrongExpectedRevisionError } from '../../../../libs/event-store/src/errors.js';
import { ProjectionUnavailableError, TooManyWaitersError } from '../../../../libs/ledger/src/projection-runner.js';
import { TokenRejectedError } from '../auth/tokens.js';
import { IdempotentReplay, REPLAYED_HEADER } from './idempotent-replay.js';
import { pathOf, type LedgerRequest } from './request.js';

export const PROBLEM_BASE = 'https://concordat.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details. Extension members carry machine-readable facts, never internals. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  [extension: string]: unknown;
}

export interface FieldError {
  field: string;
  messages: string[];
}

/** The body of a request broke its DTO's rules. */
export class RequestValidationError extends Error {
  constructor(readonly errors: readonly FieldError[]) {
    super(`the request is invalid: ${errors.map((e) => e.field).join(', ')}`);
    this.name = 'RequestValidationError';
  }
}

/** Bounded: a hostile body with thousands of bad fields gets the first ones only. */
const MAX_FIELD_ERRORS = 50;

/** Flattens class-validator's tree into `field.path: messages`, for the ValidationPipe's exceptionFactory. */
export function fieldErrors(errors: readonly ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  const stack = errors.map((error) => ({ error, parent }));
  while (stack.length > 0 && out.length < MAX_FIELD_ERRORS) {
    const next = stack.shift();
    if (next === undefined) break;
    const field = next.parent === '' ? next.error.property : `${next.parent}.${next.error.property}`;
    const messages = Object.values(next.error.constraints ?? {});
    if (messages.length > 0) out.push({ field, messages });
    for (const child of next.error.children ?? []) stack.push({ error: child, parent: field });
  }
  return out;
}

const STATUS_CODES: Record<number, [string, string]> = {
  400: ['bad_request', 'Bad request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not_found', 'Not found'],
  405: ['method_not_allowed', 'Method not allowed'],
  409: ['conflict', 'Conflict'],
  413: ['payload_too_large', 'Payload too large'],
  415: ['unsupported_media_type', 'Unsupported media type'],
  422: ['unprocessable', 'Unprocessable request'],
  429: ['too_many_requests', 'Too many requests'],
  503: ['unavailable', 'Service unavailable'],
};

const titleOf = (code: string): string => {
  const words = code.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const RESERVED = new Set(['type', 'title', 'status', 'detail', 'instance', 'code']);

function problem(status: number, code: string, detail: string, extensions: Record<string, unknown> = {}): Problem {
  const safe = Object.fromEntries(Object.entries(extensions).filter(([k]) => !RESERVED.has(k)));
  return { type: `${PROBLEM_BASE}${code}`, title: titleOf(code), status, detail, code, ...safe };
}

/** A problem whose answer also needs headers (Retry-After, WWW-Authenticate). */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
    this.name = 'ProblemError';
  }

  static of(status: number, code: string, detail: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}): ProblemError {
    return new ProblemError(problem(status, code, detail, extensions), headers);
  }
}

/** JSON cannot carry bigints: revisions and positions in details go out as decimal strings. */
const jsonSafe = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));

function storeProblem(error: EventStoreError): Problem | null {
  if (error instanceof WrongExpectedRevisionError) {
    return problem(409, error.code, `stream ${error.stream} changed meanwhile; read it again and retry`, { stream: error.stream, expected: String(error.expected), actual: String(error.actual) });
  }
  if (error instanceof EventTooLargeError) return problem(413, error.code, error.message, { sizeBytes: error.sizeBytes, maxBytes: error.maxBytes });
  if (error instanceof TooManyEventsError) return problem(413, error.code, error.message, { count: error.count, max: error.max });
  if (error instanceof StreamNotFoundError) return problem(404, error.code, error.message, { stream: error.stream });
  return null;
}

/** Maps what a request may raise onto problem+json; anything unexpected becomes a bare 500 and is logged. */
export function toProblem(error: unknown): { problem: Problem; headers: Record<string, string>; unexpected: boolean } {
  if (error instanceof ProblemError) return { problem: error.problem, headers: error.headers, unexpected: false };
  if (error instanceof DomainError) return { problem: problem(error.status, error.code, error.message, jsonSafe(error.details) as Record<string, unknown>), headers: {}, unexpected: false };
  if (error instanceof RequestValidationError) {
    return { problem: problem(400, 'validation_failed', 'the request does not match the expected shape', { errors: error.errors }), headers: {}, unexpected: false };
  }
  if (error instanceof TokenRejectedError) {
    return { problem: problem(401, error.code, error.message), headers: { 'WWW-Authenticate': `Bearer error="${error.code === 'missing_token' ? 'invalid_request' : 'invalid_token'}"` }, unexpected: false };
  }
  if (error instanceof ProjectionUnavailableError) {
    return { problem: problem(503, 'read_models_unavailable', 'the read models have stopped; see /health'), headers: {}, unexpected: false };
  }
  if (error instanceof TooManyWaitersError) {
    return { problem: problem(503, 'too_many_waiting_reads', error.message), headers: { 'Retry-After': '1' }, unexpected: false };
  }
  if (error instanceof EventStoreError) {
    const mapped = storeProblem(error);
    if (mapped !== null) return { problem: mapped, headers: {}, unexpected: false };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const [code] = STATUS_CODES[status] ?? [status >= 500 ? 'internal_error' : 'bad_request'];
    const detail = status >= 500 ? 'the server could not complete the request' : error.message;
    return { problem: problem(status, code, detail), headers: {}, unexpected: status >= 500 };
  }
  // The HTTP layer's own refusals (malformed JSON, a body over the limit, an empty JSON body) carry a 4xx status;
  // their messages describe the client's own input.
  const status = httpLayerStatus(error);
  if (status !== null) {
    const [code] = STATUS_CODES[status] ?? ['bad_request'];
    return { problem: problem(status, code, error instanceof Error ? error.message : 'the request could not be read'), headers: {}, unexpected: false };
  }
  return { problem: problem(500, 'internal_error', 'the server could not complete the request'), headers: {}, unexpected: true };
}

/** The 4xx status Fastify (or its JSON parser) put on an error it raised before the route ran, or null. */
function httpLayerStatus(error: unknown): number | null {
  if (!(error instanceof Error) || !('statusCode' in error)) return null;
  const status = error.statusCode;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500 ? status : null;
}

/**
 * Answers `error` as problem+json on `reply`. When the answer has already started (a streamed export that failed
 * midway), the connection is cut instead: a reader must never take a short file for a whole one.
 */
export function sendProblem(reply: FastifyReply, request: { url: string }, error: unknown, logger: Logger): void {
  const { problem: body, headers, unexpected } = toProblem(error);
  if (unexpected) logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  if (reply.sent || reply.raw.headersSent) {
    if (!reply.raw.writableEnded) reply.raw.destroy();
    return;
  }
  const payload = JSON.stringify({ ...body, instance: pathOf(request) });
  void reply
    .code(body.status)
    .headers(headers)
    .header('Content-Type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`)
    .send(payload);
}

/** Every error a route raises leaves as RFC 9457 problem+json; stack traces stay in the server log. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    if (error instanceof IdempotentReplay) {
      // Not a problem: the first answer under the key, sent as its route sends it.
      void http.getResponse<FastifyReply>().code(error.status).header(REPLAYED_HEADER, 'true').send(error.acknowledgement);
      return;
    }
    sendProblem(http.getResponse<FastifyReply>(), http.getRequest<LedgerRequest>(), error, this.logger);
  }
}
