import { EventIdColumn, FACT_WORDS, FactTable } from './commitment-table.js';
import type { LifecycleFact } from './evidence.js';

const fact = (eventId: string, over: Partial<LifecycleFact> = {}): LifecycleFact => ({
  kind: 'fulfilled',
  recordedMs: Date.parse('2025-03-01T00:00:00Z'),
  businessMs: Date.parse('2025-02-27T12:30:00.125Z'),
  seq: 3,
  eventId,
  fraction: 0.123456,
  ...over,
});

describe('event ids kept as columns', () => {
  it('reads a ledger UUID back exactly from its sixteen bytes', () => {
    const column = new EventIdColumn();
    const ids = ['00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-5fff-bfff-ffffffffffff', '0189f7a2-6c3e-7d41-9a0b-1c2d3e4f5a6b'];
    ids.forEach((id, row) => column.set(row, id));
    expect(ids.map((_, row) => column.get(row))).toEqual(ids);
  });

  it('keeps any other spelling as written, upper-case UUIDs included', () => {
    const column = new EventIdColumn();
    const ids = ['e2', 'ev-00000042', 'ABCDEF01-2345-4789-8abc-def012345678'];
    ids.forEach((id, row) => column.set(row, id));
    expect(ids.map((_, row) => column.get(row))).toEqual(ids);
  });
});

describe('lifecycle facts kept as columns', () => {
  it('gives back each commitment’s facts in arrival order, however the chains interleave and the table grows', () => {
    const table = new FactTable();
    const tails = [-1, -1];
    const heads = [-1, -1];
    const written: LifecycleFact[][] = [[], []];
    for (let i = 0; i < 500; i++) {
      const owner = i % 3 === 0 ? 0 : 1;
      const f = fact(`e${i}`, { kind: i % 2 === 0 ? 'made' : 'closed_short', seq: i, fraction: i / 1000 });
      const row = table.push(f, tails[owner]);
      if (heads[owner] === -1) heads[owner] = row;
      tails[owner] = row;
      written[owner].push(f);
    }
    expect(table.size).toBe(500);
    expect(table.chain(heads[0], 10_000)).toEqual(written[0]);
    expect(table.chain(heads[1], 10_000)).toEqual(written[1]);
    expect(table.chain(heads[1], 5)).toEqual(written[1].slice(0, 5));
  });
});

describe('a commitment’s facts written for a digest', () => {
  it('come in recorded order (instant, then stream order) even when they arrived otherwise', () => {
    const table = new FactTable();
    const late = table.push(fact('late', { recordedMs: 3000, seq: 2 }), -1);
    const early = table.push(fact('early', { recordedMs: 1000, seq: 1 }), late);
    table.push(fact('tie', { recordedMs: 3000, seq: 1 }), early);
    const out = new Float64Array(3 * FACT_WORDS);
    const text: string[] = [];
    expect(table.writeCanonical(late, 10, out, 0, text)).toBe(3 * FACT_WORDS);
    expect(text).toEqual(['early', 'tie', 'late']);
    expect([0, 1, 2].map((i) => [out[i * FACT_WORDS + 1], out[i * FACT_WORDS + 3]])).toEqual([
      [1000, 1],
      [3000, 1],
      [3000, 2],
    ]);
  });

  it('write a UUID as its four words and leave the text alone', () => {
    const table = new FactTable();
    table.push(fact('00000001-0000-4000-8000-0000000000ff'), -1);
    const out = new Float64Array(FACT_WORDS);
    const text: string[] = [];
    table.writeCanonical(0, 1, out, 0, text);
    expect(text).toEqual([]);
    expect([...out.subarray(5)]).toEqual([1, 0x4000, 0x80000000, 0xff]);
  });
});
