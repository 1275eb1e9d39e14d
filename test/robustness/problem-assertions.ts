/** What a refusal must look like: a 4xx RFC 9457 problem that names its kind and leaks nothing internal. */
import type { Response } from 'supertest';

/** A description of what is wrong with a refusal, or null when it is a proper one. */
export type Refusal = string | null;

/** Fragments that only a stack trace, a file path or an unfiltered error would put in an answer. */
const INTERNALS = [/\n\s+at /, /node_modules/, /\/work\//, /\.ts:\d+/, /\.js:\d+/, /\bTypeError\b/, /\bRangeError\b/, /\bSyntaxError\b/, /SQLITE_/];

export function expectRefusal(res: Response, expectedStatus?: number): Refusal {
  const head = `${res.status} ${res.text.slice(0, 300)}`;
  if (res.status < 400 || res.status >= 500) return `expected a 4xx, got ${head}`;
  if (expectedStatus !== undefined && res.status !== expectedStatus) return `expected ${expectedStatus}, got ${head}`;
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json')) return `content-type ${type}, not problem+json: ${head}`;
  const body = res.body as Record<string, unknown>;
  if (typeof body.type !== 'string' || !body.type.startsWith('https://')) return `no problem type: ${head}`;
  if (typeof body.title !== 'string' || body.title === '') return `no problem title: ${head}`;
  if (body.status !== res.status) return `problem status ${String(body.status)} differs from ${res.status}`;
  if (typeof body.detail !== 'string' || body.detail === '') return `no problem detail: ${head}`;
  const leak = INTERNALS.find((pattern) => pattern.test(res.text));
  if (leak !== undefined) return `leaks internals (${String(leak)}): ${head}`;
  return null;
}
