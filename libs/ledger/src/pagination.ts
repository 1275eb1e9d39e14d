import { DomainError } from '../../domain/src/shared/errors.js';

/** No list endpoint returns more than this per page. */
export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export class InvalidCursorError extends DomainError {
  constructor() {
    super('invalid_cursor', 'cursor is not one this API issued', {}, 422);
  }
}

/** Cursors are opaque to clients: base64url of the sort key of the last item returned. */
export const encodeCursor = (sortKey: string): string => Buffer.from(JSON.stringify([sortKey]), 'utf8').toString('base64url');

export function decodeCursor(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 1 && typeof parsed[0] === 'string') return parsed[0];
  } catch {
    // fall through: any undecodable cursor is the same client error
  }
  throw new InvalidCursorError();
}

export const clampPageSize = (limit: number | undefined): number =>
  Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(limit ?? DEFAULT_PAGE_SIZE)));

/**
 * One page of `items` after the cursor, in ascending order of `sortKey` (which must be unique per item, e.g.
 * `<dueAt>|<id>`). Read models keep their lists sorted or pass an iterable in sorted order; this only walks them.
 */
export function paginate<T>(sorted: Iterable<T>, sortKey: (item: T) => string, request: { limit?: number; cursor?: string | null }): Page<T> {
  const limit = clampPageSize(request.limit);
  const after = request.cursor === undefined || request.cursor === null || request.cursor === '' ? null : decodeCursor(request.cursor);
  const items: T[] = [];
  for (const item of sorted) {
    if (after !== null && sortKey(item) <= after) continue;
    if (items.length === limit) return { items, nextCursor: encodeCursor(sortKey(items[items.length - 1])) };
    items.push(item);
  }
  return { items, nextCursor: null };
}
