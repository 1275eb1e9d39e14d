import fc from 'fast-check';
import { allocateMinor, apportionMatrix, roundProductMinor, parseRatio, splitAmount } from './allocation.js';

const weightsArb = fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 12 }).filter((ws) => ws.some((w) => w > 0n));

describe('largest remainder allocation', () => {
  it('every split sums exactly to its total and each share is the floor or ceiling of its quota', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), weightsArb, (total, ws) => {
        const weights = ws.map((weight, i) => ({ id: `p${i}`, weight }));
        const shares = allocateMinor(total, weights);
        const weightSum = ws.reduce((s, w) => s + w, 0n);
        expect([...shares.values()].reduce((s, v) => s + v, 0n)).toBe(total);
        for (const { id, weight } of weights) {
          const floor = (total * weight) / weightSum;
          const exact = (total * weight) % weightSum === 0n;
          const share = shares.get(id) ?? -1n;
          expect(share === floor || (!exact && share === floor + 1n)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('breaks a remainder tie toward the larger weight, then the lower party id', () => {
    expect(splitAmount('0.02', { a: '1', b: '3' }, 'CNY')).toEqual({ a: '0.00', b: '0.02' });
    expect(splitAmount('0.01', { b: '1', a: '1' }, 'CNY')).toEqual({ a: '0.01', b: '0.00' });
  });

  it('refuses to split a positive total over weights that are all zero', () => {
    expect(() => splitAmount('1.00', { a: '0', b: '0' }, 'CNY')).toThrow(expect.objectContaining({ code: 'allocation_without_weights' }));
  });

  it('rounds a single product half-up to the minor unit', () => {
    expect(roundProductMinor(10_000_001n, parseRatio('0.80', 'rate'))).toBe(8_000_001n); // 80000.008 → 80000.01
    expect(roundProductMinor(5n, parseRatio('0.5', 'rate'))).toBe(3n); // 0.025 → 0.03
    expect(roundProductMinor(5n, parseRatio('0.49', 'rate'))).toBe(2n);
  });

  it('a payer × payee matrix keeps both margins exact', () => {
    const margins = fc.array(fc.bigInt({ min: 0n, max: 10n ** 9n }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(margins, margins, (rows, columnsRaw) => {
        const rowSum = rows.reduce((s, v) => s + v, 0n);
        const columnWeights = columnsRaw.some((c) => c > 0n) ? columnsRaw : columnsRaw.map(() => 1n);
        const columnShares = allocateMinor(rowSum, columnWeights.map((weight, i) => ({ id: `q${i}`, weight })));
        const columns = [...columnShares].map(([id, weight]) => ({ id, weight }));
        const matrix = apportionMatrix(rows.map((weight, i) => ({ id: `p${i}`, weight })), columns);
        rows.forEach((total, i) => expect([...(matrix.get(`p${i}`)?.values() ?? [])].reduce((s, v) => s + v, 0n)).toBe(total));
        for (const column of columns) {
          expect([...matrix.values()].reduce((s, row) => s + (row.get(column.id) ?? 0n), 0n)).toBe(column.weight);
        }
        for (const row of matrix.values()) for (const v of row.values()) expect(v >= 0n).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
