import type { IncomingHttpHeaders } from 'node:http';
import { ProblemError } from './problem.js';

/** Deepest nesting of arrays and objects a request body may have: every DTO here is at most a few levels deep. */
export const MAX_BODY_DEPTH = 32;

const WRITES = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Names every object already has (`__proto__`, `constructor`, `hasOwnProperty`, …): as body keys they slip past
 * "forbid unknown properties" (the validator sees them as known) and some reach prototype chains. Refused outright.
 */
const isInheritedName = (key: string): boolean => key === '__proto__' || key in Object.prototype;

/** An object or array still to look into, and where it stands (its path is only spelled out for a refusal). */
interface Pending {
  value: object;
  depth: number;
  parent: Pending | null;
  key: string | number;
}

/** `a.b[2].c`: the path of a property in the body, from the root's key down. */
function pathOf(entry: Pending | null, key: string | number): string {
  const keys: (string | number)[] = [key];
  for (let at = entry; at !== null && at.parent !== null; at = at.parent) keys.push(at.key);
  let path = '';
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i];
    path = typeof k === 'number' ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`;
  }
  return path;
}

/**
 * What is wrong with a parsed JSON body, or null. Iterative (an explicit stack): a body nested thousands deep must
 * be refused here, not overflow the call stack of the validator, the idempotency hash or canonical JSON later on.
 * Every body of every request passes through here, so only objects and arrays are stacked and no path is built
 * unless there is something to refuse.
 */
export function bodyProblem(body: unknown): ProblemError | null {
  if (body === null || typeof body !== 'object') return null;
  const stack: Pending[] = [{ value: body, depth: 0, parent: null, key: '' }];
  while (stack.length > 0) {
    const entry = stack.pop() as Pending;
    const { value, depth } = entry;
    if (depth >= MAX_BODY_DEPTH) {
      return ProblemError.of(400, 'body_too_deep', `the body nests deeper than ${MAX_BODY_DEPTH} levels`, { maxDepth: MAX_BODY_DEPTH });
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item !== null && typeof item === 'object') stack.push({ value: item, depth: depth + 1, parent: entry, key: i });
      }
      continue;
    }
    for (const key of Object.keys(value)) {
      if (isInheritedName(key)) {
        const at = pathOf(entry, key);
        return ProblemError.of(400, 'forbidden_property', `property ${at} is not allowed`, { property: at });
      }
      const item = (value as Record<string, unknown>)[key];
      if (item !== null && typeof item === 'object') stack.push({ value: item, depth: depth + 1, parent: entry, key });
    }
  }
  return null;
}

const hasBody = (headers: IncomingHttpHeaders): boolean =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/** application/json and application/<anything>+json: the media types whose bodies the API parses. */
export const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9!#$&^_.-]+\+)?json$/;

const isJson = (contentType: string | undefined): boolean => JSON_MEDIA_TYPE.test((contentType ?? '').split(';')[0].trim().toLowerCase());

/** The refusal of a body the API does not read: everything but JSON. */
export const unsupportedMediaType = (contentType: string | undefined): ProblemError =>
  ProblemError.of(415, 'unsupported_media_type', 'a request body must be application/json', { contentType: contentType ?? null });

/**
 * Runs after the JSON body parser, before the route (a Fastify preValidation hook): a write whose body is not JSON is
 * refused (415) rather than run with its body silently ignored, and a parsed body too deep or carrying inherited
 * property names is refused (400). Null when the request may go on.
 */
export function requestBodyProblem(method: string, headers: IncomingHttpHeaders, body: unknown): ProblemError | null {
  if (WRITES.has(method) && hasBody(headers) && !isJson(headers['content-type'])) {
    return unsupportedMediaType(headers['content-type']);
  }
  if (body === undefined) return null;
  // Like body-parser's strict mode: a command is a JSON object; null, a number, a string or an array is refused here
  // rather than read as "no fields" by a route whose fields are all optional.
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return ProblemError.of(400, 'body_not_object', 'a request body must be a JSON object', { got: body === null ? 'null' : Array.isArray(body) ? 'array' : typeof body });
  }
  return bodyProblem(body);
}
