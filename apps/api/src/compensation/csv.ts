/** RFC 4180 CSV for the finance exports: every field quoted when it must be, CRLF line ends. */
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';

/** A field is quoted when it holds a quote, a comma or a line break, or starts or ends with a space. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  // A spreadsheet would run a leading = + @ (or tab / CR) as a formula; a quote mark in front keeps it text.
  const safe = /^[=+@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const csvRow = (fields: readonly (string | number | null)[]): string => `${fields.map(csvField).join(',')}\r\n`;

/** Pages written to one export at most: 200 pages of 500 rows. Beyond, the export says it was cut short. */
export const CSV_MAX_PAGES = 200;

/**
 * Streams a CSV: the header, then page after page (each fetched only when the previous one is written, honouring
 * back-pressure), bounded by CSV_MAX_PAGES. `nextPage(cursor)` answers rows and the next cursor (null at the end).
 * `open()` hands over the response once the first page is read, so a refusal of the first page (a bad cursor, a
 * read model behind) is still answered as a problem.
 */
export async function streamCsv(
  open: () => ServerResponse,
  filename: string,
  header: readonly string[],
  nextPage: (cursor: string | null) => Promise<{ rows: (string | number | null)[][]; nextCursor: string | null }>,
): Promise<void> {
  let cursor: string | null = null;
  let page = await nextPage(cursor);
  const res = open();
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.write(csvRow(header));
  try {
    for (let n = 1; ; n++) {
      const chunk = page.rows.map(csvRow).join('');
      if (chunk.length > 0 && !res.write(chunk) && !(await drained(res))) return;
      cursor = page.nextCursor;
      if (cursor === null) break;
      if (n >= CSV_MAX_PAGES) {
        // Cut short: a trailer row tells the reader where to resume (GET the JSON list with this cursor).
        res.write(csvRow(['# truncated; continue with cursor', cursor]));
        break;
      }
      page = await nextPage(cursor);
    }
  } catch (error) {
    // The status line is gone: ending normally would hand the reader a short file that looks whole. An aborted
    // transfer is the only failure a streamed export can still report.
    res.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  res.end();
}

/** Waits for back-pressure to clear; false when the reader went away first (it would never drain). */
async function drained(res: ServerResponse): Promise<boolean> {
  const settled = new AbortController();
  try {
    await Promise.race([once(res, 'drain', { signal: settled.signal }), once(res, 'close', { signal: settled.signal })]);
  } finally {
    settled.abort();
  }
  return !res.destroyed;
}
