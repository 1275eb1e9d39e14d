import { clampPageSize, type Page, decodeCursor, encodeCursor, InvalidCursorError, MAX_PAGE_SIZE, paginate } from './pagination.js';

const commitments = Array.from({ length: 7 }, (_, i) => ({ id: `c${i}`, dueAt: `2025-01-0${i + 1}` }));
const byDue = (c: { id: string; dueAt: string }): string => `${c.dueAt}|${c.id}`;

describe('cursor pagination', () => {
  it('walks a sorted list page by page without gaps or repeats', () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result: Page<{ id: string; dueAt: string }> = paginate(commitments, byDue, { limit: 3, cursor });
      seen.push(...result.items.map((c) => c.id));
      cursor = result.nextCursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(commitments.map((c) => c.id));
  });

  it('says there is no next page when the last page is exactly full', () => {
    expect(paginate(commitments.slice(0, 3), byDue, { limit: 3 }).nextCursor).toBeNull();
  });

  it('never returns more than 500 items a page', () => {
    expect(clampPageSize(10_000)).toBe(MAX_PAGE_SIZE);
    expect(clampPageSize(0)).toBe(1);
    expect(clampPageSize(undefined)).toBe(50);
  });

  it('refuses a cursor it did not issue', () => {
    expect(decodeCursor(encodeCursor('2025-01-01|c0'))).toBe('2025-01-01|c0');
    expect(() => decodeCursor('not-a-cursor')).toThrow(InvalidCursorError);
    expect(() => decodeCursor(Buffer.from('{"a":1}').toString('base64url'))).toThrow(InvalidCursorError);
  });
});
