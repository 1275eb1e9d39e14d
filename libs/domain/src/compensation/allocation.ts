/**
 * Exact allocation of money in integer minor units. Decimal strings outside, bigint inside: no float ever touches
 * an amount, and a split always sums to its total.
 */
import { DomainError } from '../shared/errors.js';
import { fromMinor, toMinor } from '../shared/money.js';

/** A non-negative decimal as an exact fraction numerator / 10^scale. */
export interface Ratio {
  numerator: bigint;
  scale: number;
}

const RATIO_RE = /^(0|[1-9]\d{0,30})(\.\d{1,30})?$/;

/** Parse a non-negative decimal string (a rate, a weight) exactly. */
export function parseRatio(value: string, field: string): Ratio {
  if (typeof value !== 'string' || !RATIO_RE.test(value)) {
    throw new DomainError('invalid_ratio', `${field} must be a non-negative decimal string such as "0.50"`, { field, value });
  }
  const dot = value.indexOf('.');
  const scale = dot < 0 ? 0 : value.length - dot - 1;
  return { numerator: BigInt(value.replace('.', '')), scale };
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** rate × amount, rounded half-up to the minor unit (amounts are non-negative here). */
export function roundProductMinor(amountMinor: bigint, rate: Ratio): bigint {
  if (amountMinor < 0n) throw new RangeError('roundProductMinor: negative amount');
  const denominator = pow10(rate.scale);
  return (2n * amountMinor * rate.numerator + denominator) / (2n * denominator);
}

export interface Weighted {
  id: string;
  /** Exact, non-negative; any common scale. */
  weight: bigint;
}

/**
 * Largest remainder on exact quotas: quota_i = total · w_i / Σw. Each party gets floor(quota_i); the leftover minor
 * units go one each to the largest remainders; ties to the larger weight, then the lower party id. Hence every share
 * is the floor or the ceiling of its quota and the shares sum exactly to the total.
 */
export function allocateMinor(totalMinor: bigint, weights: readonly Weighted[]): Map<string, bigint> {
  if (totalMinor < 0n) throw new RangeError('allocateMinor: negative total');
  const ids = new Set(weights.map((w) => w.id));
  if (ids.size !== weights.length) throw new RangeError('allocateMinor: duplicate party id');
  const weightSum = weights.reduce((sum, w) => {
    if (w.weight < 0n) throw new RangeError(`allocateMinor: negative weight for ${w.id}`);
    return sum + w.weight;
  }, 0n);
  const shares = new Map<string, bigint>(weights.map((w) => [w.id, 0n]));
  if (totalMinor === 0n) return shares;
  if (weightSum === 0n) {
    throw new DomainError('allocation_without_weights', 'a positive total cannot be split over parties whose weights are all zero', {
      total: totalMinor.toString(),
      parties: weights.map((w) => w.id),
    });
  }
  let leftover = totalMinor;
  const remainders: { id: string; weight: bigint; remainder: bigint }[] = [];
  for (const w of weights) {
    const product = totalMinor * w.weight;
    const floor = product / weightSum;
    shares.set(w.id, floor);
    leftover -= floor;
    remainders.push({ id: w.id, weight: w.weight, remainder: product % weightSum });
  }
  remainders.sort((a, b) => cmpDesc(a.remainder, b.remainder) || cmpDesc(a.weight, b.weight) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // leftover < number of parties, because each floor loses less than one unit.
  for (let i = 0; i < remainders.length && leftover > 0n; i++) {
    const entry = remainders[i]!;
    shares.set(entry.id, (shares.get(entry.id) ?? 0n) + 1n);
    leftover -= 1n;
  }
  if (leftover !== 0n) throw new Error('allocateMinor: leftover not distributed');
  return shares;
}

const cmpDesc = (a: bigint, b: bigint): number => (a > b ? -1 : a < b ? 1 : 0);

/** Decimal weights (strings) brought to one scale, so their ratios are exact. */
export function weightsFromDecimals(weights: Readonly<Record<string, string>>, field = 'weight'): Weighted[] {
  const parsed = Object.entries(weights).map(([id, w]) => ({ id, ratio: parseRatio(w, `${field}.${id}`) }));
  const scale = parsed.reduce((max, p) => Math.max(max, p.ratio.scale), 0);
  return parsed.map((p) => ({ id: p.id, weight: p.ratio.numerator * pow10(scale - p.ratio.scale) }));
}

/** Split a decimal total over decimal weights: the public face of `allocateMinor`. */
export function splitAmount(total: string, weights: Readonly<Record<string, string>>, currency: string): Record<string, string> {
  const totalMinor = toMinor(total, currency);
  if (totalMinor < 0n) throw new DomainError('invalid_amount', 'a split total must not be negative', { total });
  const shares = allocateMinor(totalMinor, weightsFromDecimals(weights));
  const out: Record<string, string> = {};
  for (const [id, share] of [...shares.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[id] = fromMinor(share, currency);
  return out;
}

/**
 * A payer × payee matrix with both margins exact: payer p owes exactly rowTotals[p] in all, payee q receives exactly
 * columnTotals[q]. Payees are filled in the given order, each split over the payers in proportion to what they still
 * owe, so every payer bears each payee roughly in its liability share; the last payee takes what remains, which the
 * proportional quotas guarantee is never negative.
 */
export function apportionMatrix(rowTotals: readonly Weighted[], columnTotals: readonly Weighted[]): Map<string, Map<string, bigint>> {
  const rowSum = rowTotals.reduce((s, r) => s + r.weight, 0n);
  const columnSum = columnTotals.reduce((s, c) => s + c.weight, 0n);
  if (rowSum !== columnSum) throw new RangeError(`apportionMatrix: margins differ (${rowSum} vs ${columnSum})`);
  const remaining = new Map(rowTotals.map((r) => [r.id, r.weight]));
  const matrix = new Map<string, Map<string, bigint>>(rowTotals.map((r) => [r.id, new Map<string, bigint>()]));
  for (const column of columnTotals) {
    const split = allocateMinor(
      column.weight,
      rowTotals.map((r) => ({ id: r.id, weight: remaining.get(r.id) ?? 0n })),
    );
    for (const [rowId, amount] of split) {
      matrix.get(rowId)?.set(column.id, amount);
      const left = (remaining.get(rowId) ?? 0n) - amount;
      if (left < 0n) throw new Error('apportionMatrix: a payer would owe more than its total');
      remaining.set(rowId, left);
    }
  }
  return matrix;
}
