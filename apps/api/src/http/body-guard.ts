import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProblemError } from './problem.js';

/** Deepest nesting of arrays and objects a request body may have: every DTO here is at most a few levels deep. */
export const MAX_BODY_DEPTH = 32;

const WRITES = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Names every object already has (`__proto__`, `constructor`, `hasOwnProperty`, …): as body keys they slip past
 * "forbid unknown properties" (the validator sees them as known) and some reach prototype chains. Refused outright.
 */
const isInheritedName = (key: string): boolean => key === '__proto__' || key in Object.prototype;

/**
 * What is wrong with a parsed JSON body, or null. Iterative (an explicit stack): a body nested thousands deep must
 * be refused here, not overflow the call stack of the validator, the idempotency hash or canonical JSON later on.
 */
export function bodyProblem(body: unknown): ProblemError | null {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: body, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop() as { value: unknown; depth: number; path: string };
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) {
      return ProblemError.of(400, 'body_too_deep', `the body nests deeper than ${MAX_BODY_DEPTH} levels`, { maxDepth: MAX_BODY_DEPTH });
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, depth: depth + 1, path: `${path}[${i}]` }));
      continue;
    }
    for (const key of Object.keys(value)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (isInheritedName(key)) return ProblemError.of(400, 'forbidden_property', `property ${at} is not allowed`, { property: at });
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, path: at });
    }
  }
  return null;
}

const hasBody = (request: IncomingMessage): boolean =>
  request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0');

const isJson = (contentType: string | undefined): boolean => {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
};

/**
 * Runs after the JSON body parser, before routing: a write whose body is not JSON is refused (415) rather than run
 * with its body silently ignored, and a parsed body too deep or carrying inherited property names is refused (400).
 */
export function guardRequestBody(request: IncomingMessage & { body?: unknown }, _response: ServerResponse, next: (error?: unknown) => void): void {
  if (WRITES.has(request.method ?? '') && hasBody(request) && !isJson(request.headers['content-type'])) {
    next(ProblemError.of(415, 'unsupported_media_type', 'a request body must be application/json', { contentType: request.headers['content-type'] ?? null }));
    return;
  }
  next(request.body === undefined ? undefined : (bodyProblem(request.body) ?? undefined));
}
