/** The API, same origin, with this tab's token. Problems (RFC 9457) become ApiError with their status and detail. */
import { useCallback, useEffect, useState } from 'preact/hooks';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | null,
    readonly code: string | null,
  ) {
    super(`${status} ${title}${detail === null ? '' : `: ${detail}`}`);
    this.name = 'ApiError';
  }
}

/** Longest a request may take before the page says so, rather than spinning for ever. */
const REQUEST_TIMEOUT_MS = 20_000;

async function call<T>(method: 'GET' | 'POST', path: string, token: string | null, body?: unknown, idempotencyKey?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  const parsed: unknown = text.length === 0 ? null : safeJson(text);
  if (!response.ok) {
    const problem = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const title = typeof problem.title === 'string' ? problem.title : response.statusText;
    const detail = typeof problem.detail === 'string' ? problem.detail : null;
    throw new ApiError(response.status, title, detail, typeof problem.code === 'string' ? problem.code : null);
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The route itself is missing (the server does not offer it yet), as opposed to a missing resource behind it. */
export const isMissingRoute = (error: unknown): boolean => error instanceof ApiError && error.status === 404 && (error.detail ?? '').startsWith('Cannot ');

export const apiGet = <T>(path: string, token: string | null): Promise<T> => call<T>('GET', path, token);
export const apiPost = <T>(path: string, body: unknown, token: string | null, idempotencyKey?: string): Promise<T> =>
  call<T>('POST', path, token, body, idempotencyKey);

/** A query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text.length === 0 ? '' : `?${text}`;
}

export type Loaded<T> = { state: 'loading' } | { state: 'ok'; data: T } | { state: 'error'; error: ApiError | Error };

/** Loads `load()` whenever `key` changes; `reload` loads again (after a write). */
export function useLoad<T>(key: string, load: () => Promise<T>): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    load().then(
      (data) => current && setLoaded({ state: 'ok', data }),
      (error: unknown) => current && setLoaded({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      current = false;
    };
    // `load` is a fresh closure each render; `key` names everything it depends on.
  }, [key, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return [loaded, reload];
}

/** Every page of a list endpoint, up to `maxItems` (lists are paged at ≤ 500). */
export async function allPages<T>(path: string, token: string | null, maxItems: number): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let cursor: string | null = null;
  const separator = path.includes('?') ? '&' : '?';
  for (let page = 0; page < Math.ceil(maxItems / 500) + 1; page++) {
    const limit = Math.min(500, maxItems - items.length);
    if (limit <= 0) break;
    const answer: { items: T[]; nextCursor: string | null } = await apiGet(`${path}${separator}limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`, token);
    items.push(...answer.items);
    cursor = answer.nextCursor;
    if (cursor === null) return { items, truncated: false };
  }
  return { items, truncated: cursor !== null };
}
