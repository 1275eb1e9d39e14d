import { RecentRows, type EventRow } from './recent-rows.js';

const row = (position: number, data = '{}'): EventRow => [position, 's', position, `id-${position}`, 't', '2025-01-01T00:00:00.000Z', data, '{}', `h${position}`];
const positions = (rows: EventRow[] | null): number[] | null => (rows === null ? null : rows.map((r) => r[0]));

/** Commits rows first..last, as one transaction. */
function commitRun(recent: RecentRows, first: number, last: number, data?: string): void {
  for (let p = first; p <= last; p++) recent.stage(row(p, data));
  recent.commit();
}

describe('the rows a connection committed last, for readers just behind the head', () => {
  it('answers a read after any kept position, up to the head and the page size', () => {
    const recent = new RecentRows();
    commitRun(recent, 10, 19);
    expect(positions(recent.after(9, 19, 100))).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(positions(recent.after(14, 19, 3))).toEqual([15, 16, 17]);
    expect(positions(recent.after(14, 16, 100))).toEqual([15, 16]);
  });

  it('leaves to SQLite a read that asks for any row it does not keep', () => {
    const recent = new RecentRows();
    commitRun(recent, 10, 19);
    // Before the first kept row, and beyond the last (another connection's rows, or a head not yet seen).
    expect(recent.after(8, 19, 100)).toBeNull();
    expect(recent.after(15, 20, 100)).toBeNull();
    // Nothing to read: the caller's own answer, not an empty page from here.
    expect(recent.after(19, 19, 100)).toBeNull();
    expect(new RecentRows().after(-1, 5, 100)).toBeNull();
  });

  it('keeps nothing a failed transaction wrote', () => {
    const recent = new RecentRows();
    commitRun(recent, 0, 4);
    recent.stage(row(5));
    recent.stage(row(6));
    recent.discard();
    recent.commit();
    expect(recent.size).toBe(5);
    expect(recent.after(4, 6, 100)).toBeNull();
  });

  it('replaces its rows with a commit that does not follow on from them, so what it keeps is never broken', () => {
    const recent = new RecentRows();
    commitRun(recent, 0, 4);
    // Another connection wrote 5..7 in between.
    commitRun(recent, 8, 9);
    expect(recent.size).toBe(2);
    expect(recent.after(4, 9, 100)).toBeNull();
    expect(positions(recent.after(7, 9, 100))).toEqual([8, 9]);
  });

  it('starts afresh at a row of one transaction that does not follow on from the row before it (rows written, not kept)', () => {
    const recent = new RecentRows();
    commitRun(recent, 0, 2);
    recent.stage(row(3));
    recent.stage(row(4));
    // 5..104 were written in the same transaction without being staged (a large append).
    recent.stage(row(105));
    recent.commit();
    expect(recent.size).toBe(1);
    expect(recent.after(2, 105, 100)).toBeNull();
    expect(positions(recent.after(104, 105, 100))).toEqual([105]);
  });

  it('forgets everything when told another connection wrote', () => {
    const recent = new RecentRows();
    commitRun(recent, 0, 4);
    recent.clear();
    expect(recent.size).toBe(0);
    expect(recent.after(-1, 4, 100)).toBeNull();
  });

  it('keeps at most so many rows, the latest', () => {
    const recent = new RecentRows(4, 1_000_000);
    for (let p = 0; p < 3_000; p += 3) commitRun(recent, p, p + 2);
    expect(recent.size).toBe(4);
    expect(positions(recent.after(2_995, 2_999, 100))).toEqual([2_996, 2_997, 2_998, 2_999]);
    expect(recent.after(2_994, 2_999, 100)).toBeNull();
  });

  it('keeps at most so many characters of data and metadata, the latest rows', () => {
    const recent = new RecentRows(1_000, 100);
    // 40 characters of data and 2 of metadata a row: two rows fit in 100.
    commitRun(recent, 0, 9, JSON.stringify('x'.repeat(38)));
    expect(recent.size).toBe(2);
    expect(positions(recent.after(7, 9, 100))).toEqual([8, 9]);
    // A row larger than the whole allowance is not kept at all.
    commitRun(recent, 10, 10, JSON.stringify('y'.repeat(200)));
    expect(recent.size).toBe(0);
    expect(recent.after(9, 10, 100)).toBeNull();
  });
});
