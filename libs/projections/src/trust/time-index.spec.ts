import fc from 'fast-check';
import { TrustSnapshotError } from './snapshot-codec.js';
import { COEFFICIENTS, COMMITMENT_COEFFICIENTS, Coef, FINDING_COEFFICIENTS, MAX_CHUNK_ROWS, TimeIndex, newCoefVector, type TimeIndexLayout } from './time-index.js';

type Coefficients = { offset: number; width: number };

/** What the index must answer: every delta still in it, summed from scratch for each question. */
class NaiveEvidence {
  private deltas: { key: number; id: number; values: number[] }[] = [];
  /** Σ|delta| ever added per coefficient (withdrawn ones too): the scale the index's rounding grows with. */
  private readonly mass = new Array<number>(COEFFICIENTS).fill(0);

  constructor(private readonly coefficients: Coefficients) {}

  clone(): NaiveEvidence {
    const copy = new NaiveEvidence(this.coefficients);
    copy.deltas = this.deltas.map((d) => ({ ...d, values: [...d.values] }));
    copy.mass.splice(0, COEFFICIENTS, ...this.mass);
    return copy;
  }

  get size(): number {
    return this.deltas.length;
  }

  add(key: number, id: number, values: readonly number[]): void {
    this.deltas.push({ key, id, values: [...values] });
    values.forEach((v, k) => (this.mass[k] += Math.abs(v)));
  }

  /** The `pick`-th live delta (modulo), withdrawn from the reference; undefined when there is none. */
  take(pick: number): { key: number; id: number } | undefined {
    if (this.deltas.length === 0) return undefined;
    return this.deltas.splice(pick % this.deltas.length, 1)[0];
  }

  rebase(factors: readonly number[], p0PerP1: number): void {
    const move = (v: number[]): void => {
      const p1 = v[Coef.P1];
      for (let k = 0; k < COEFFICIENTS; k++) v[k] *= factors[k];
      v[Coef.P0] += p0PerP1 * p1;
    };
    for (const d of this.deltas) move(d.values);
    const p1Mass = this.mass[Coef.P1];
    for (let k = 0; k < COEFFICIENTS; k++) this.mass[k] *= factors[k];
    this.mass[Coef.P0] += Math.abs(p0PerP1) * p1Mass;
  }

  /** The index's coefficients of the sum of every delta at or before asOf, and how far rounding may take each. */
  sumAt(asOf: number): { sums: number[]; tolerance: number[] } {
    const { offset, width } = this.coefficients;
    const sums = new Array<number>(width).fill(0);
    for (const d of this.deltas) if (d.key <= asOf) for (let k = 0; k < width; k++) sums[k] += d.values[offset + k];
    return { sums, tolerance: sums.map((_, k) => 1e-9 * (1 + this.mass[offset + k])) };
  }

  /** `sumAt` for many instants at once: one sweep over the deltas in key order, summing as it goes. */
  sumsAt(instants: readonly number[]): { asOf: number; sums: number[]; tolerance: number[] }[] {
    const { offset, width } = this.coefficients;
    const deltas = [...this.deltas].sort((x, y) => x.key - y.key);
    const sums = new Array<number>(width).fill(0);
    let next = 0;
    return [...instants]
      .sort((x, y) => x - y)
      .map((asOf) => {
        for (; next < deltas.length && deltas[next].key <= asOf; next++) for (let k = 0; k < width; k++) sums[k] += deltas[next].values[offset + k];
        return { asOf, sums: [...sums], tolerance: sums.map((_, k) => 1e-9 * (1 + this.mass[offset + k])) };
      });
  }

  keys(): number[] {
    return [...new Set(this.deltas.map((d) => d.key))];
  }
}

type Op =
  | { kind: 'add'; key: number; values: number[]; sign: 1 | -1 }
  | { kind: 'run'; count: number; order: 'before everything' | 'after everything' | 'anywhere' | 'one instant'; from: number; seed: number }
  | { kind: 'withdraw'; pick: number; count: number }
  | { kind: 'withdraw missing'; key: number }
  | { kind: 'rebase'; factor: number; p0PerP1: number }
  | { kind: 'ask'; asOf: number };

const MAX_KEY = 20_000;
const value = fc.double({ min: -1_000, max: 1_000, noNaN: true, noDefaultInfinity: true });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), key: fc.integer({ min: 0, max: MAX_KEY }), values: fc.array(value, { minLength: COEFFICIENTS, maxLength: COEFFICIENTS }), sign: fc.constantFrom<1 | -1>(1, -1) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('run' as const),
      count: fc.integer({ min: 1, max: 2 * MAX_CHUNK_ROWS }),
      order: fc.constantFrom('before everything' as const, 'after everything' as const, 'anywhere' as const, 'one instant' as const),
      from: fc.integer({ min: 0, max: MAX_KEY }),
      seed: fc.integer({ min: 1, max: 2 ** 30 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), pick: fc.nat(), count: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 2 * MAX_CHUNK_ROWS })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw missing' as const), key: fc.integer({ min: -5, max: MAX_KEY + 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rebase' as const), factor: fc.double({ min: 0.5, max: 2, noNaN: true }), p0PerP1: fc.double({ min: -5, max: 5, noNaN: true }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ask' as const), asOf: fc.integer({ min: -1, max: MAX_KEY + 1 }) }) },
);

/** A small deterministic generator for the rows of a run (fast-check draws only its seed: runs stay cheap to shrink). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

/** Applies the operations to both, checking every answer asked along the way; returns the next unused id. */
function play(ops: readonly Op[], index: TimeIndex, naive: NaiveEvidence, coefficients: Coefficients, firstId: number): number {
  let id = firstId;
  const delta = newCoefVector();
  const add = (key: number, values: readonly number[], sign: 1 | -1): void => {
    delta.set(values);
    index.add(key, id, delta, sign);
    naive.add(
      key,
      id,
      values.map((v) => sign * v),
    );
    id++;
  };
  for (const o of ops) {
    switch (o.kind) {
      case 'add':
        add(o.key, o.values, o.sign);
        break;
      case 'run': {
        const next = lcg(o.seed);
        for (let i = 0; i < o.count; i++) {
          const key = o.order === 'before everything' ? o.from - i : o.order === 'after everything' ? o.from + i : o.order === 'one instant' ? o.from : Math.floor(next() * MAX_KEY);
          add(key, [next() * 100, next() * 10, next() - 0.5, next() * 50, next() * 3], 1);
        }
        break;
      }
      case 'withdraw':
        for (let i = 0; i < o.count; i++) {
          const victim = naive.take(o.pick + i * 7_919);
          if (victim === undefined) break;
          expect(index.remove(victim.key, victim.id)).toBe(true);
        }
        break;
      case 'withdraw missing':
        expect(index.remove(o.key, -1)).toBe(false);
        break;
      case 'rebase': {
        const factors = [o.factor, o.factor, 1, 1, 1 / o.factor];
        index.rebase(factors, o.p0PerP1);
        naive.rebase(factors, o.p0PerP1);
        break;
      }
      case 'ask':
        expectSameSums(index, naive, o.asOf, coefficients);
        break;
    }
    expect(index.size).toBe(naive.size);
  }
  return id;
}

function expectSameSums(index: TimeIndex, naive: NaiveEvidence, asOf: number, coefficients: Coefficients): void {
  expectSums(index, asOf, naive.sumAt(asOf), coefficients);
}

function expectSums(index: TimeIndex, asOf: number, { sums, tolerance }: { sums: number[]; tolerance: number[] }, coefficients: Coefficients): void {
  const out = newCoefVector().fill(Number.NaN);
  index.sumAt(asOf, out);
  sums.forEach((expected, k) => {
    const actual = out[coefficients.offset + k];
    if (!(Math.abs(actual - expected) <= tolerance[k])) throw new Error(`sum ${k} as of ${asOf}: ${actual}, expected ${expected} ± ${tolerance[k]}`);
  });
  // Coefficients of other indices are the caller's: left as they were.
  for (let k = 0; k < COEFFICIENTS; k++) {
    if ((k < coefficients.offset || k >= coefficients.offset + coefficients.width) && !Number.isNaN(out[k])) throw new Error(`sum ${k} is another index's, yet was written`);
  }
}

/** A capture as a snapshot file holds it: one packed array, handed out part by part. */
function packed(rows: readonly Float64Array[]): (length: number) => Float64Array {
  const all = new Float64Array(rows.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of rows) {
    all.set(r, at);
    at += r.length;
  }
  let taken = 0;
  return (length) => {
    if (taken + length > all.length) throw new TrustSnapshotError('the evidence rows are fewer than the indices hold');
    taken += length;
    return all.subarray(taken - length, taken);
  };
}

/** The bits of every sum the index answers at these instants. */
function answerBits(index: TimeIndex, instants: readonly number[]): BigUint64Array {
  const answers = new Float64Array(instants.length * COEFFICIENTS);
  const out = newCoefVector();
  instants.forEach((asOf, i) => {
    index.sumAt(asOf, out);
    answers.set(out, i * COEFFICIENTS);
  });
  return new BigUint64Array(answers.buffer);
}

/** What `captureInto` lends, as views of exactly the bytes a snapshot writes (the index lends whole arrays and lengths). */
function captureViews(index: TimeIndex, rows: Float64Array[]): TimeIndexLayout {
  const whole: Float64Array[] = [];
  const byteLengths: number[] = [];
  const layout = index.captureInto(whole, byteLengths);
  whole.forEach((r, i) => rows.push(r.subarray(0, (byteLengths[i] as number) / Float64Array.BYTES_PER_ELEMENT)));
  return layout;
}

function captureOf(index: TimeIndex): { layout: TimeIndexLayout; bits: BigUint64Array[] } {
  const rows: Float64Array[] = [];
  const layout = captureViews(index, rows);
  return { layout, bits: rows.map((r) => new BigUint64Array(r.slice().buffer)) };
}

const everyInstant = [-1, ...Array.from({ length: 401 }, (_, i) => i * 50)];

describe.each([
  ['commitment evidence (four coefficients)', COMMITMENT_COEFFICIENTS],
  ['finding evidence (one coefficient)', FINDING_COEFFICIENTS],
])('a time index of %s', (_, coefficients) => {
  it('answers every sum like a plain list of the deltas, through back-dated insertions, withdrawals and epoch moves', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const index = new TimeIndex(2, coefficients);
        const naive = new NaiveEvidence(coefficients);
        play(ops, index, naive, coefficients, 1);
        for (const expected of naive.sumsAt([...naive.keys(), ...everyInstant])) expectSums(index, expected.asOf, expected, coefficients);
      }),
      { numRuns: 60 },
    );
  });

  it('restored from a capture and fed the same changes, ends bit for bit like the index that went on without a snapshot', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), fc.array(op, { minLength: 1, maxLength: 30 }), (before, after) => {
        const live = new TimeIndex(2, coefficients);
        const naive = new NaiveEvidence(coefficients);
        const nextId = play(before, live, naive, coefficients, 1);
        const rows: Float64Array[] = [];
        const layout = captureViews(live, rows);
        const atCapture = captureOf(live);
        const naiveAtCapture = naive.clone();
        // The live index goes on before the capture is read (as while a snapshot is written): its views keep the
        // capture's instant.
        play(after, live, naive, coefficients, nextId);

        const restored = TimeIndex.restore(coefficients, JSON.parse(JSON.stringify(layout)), packed(rows));
        expect(captureOf(restored)).toEqual(atCapture);
        play(after, restored, naiveAtCapture, coefficients, nextId);
        expect(answerBits(restored, everyInstant)).toEqual(answerBits(live, everyInstant));
        expect(captureOf(restored)).toEqual(captureOf(live));
      }),
      { numRuns: 60 },
    );
  });
});

describe('a time index of many rows', () => {
  const delta = newCoefVector().fill(1);
  const filled = (keys: readonly number[]): TimeIndex => {
    const index = new TimeIndex(4, COMMITMENT_COEFFICIENTS);
    keys.forEach((key, i) => index.add(key, i + 1, delta));
    return index;
  };
  const rowsOf = (index: TimeIndex): number => {
    const out = newCoefVector();
    index.sumAt(Number.POSITIVE_INFINITY, out);
    return out[Coef.R];
  };
  const count = 3 * MAX_CHUNK_ROWS + 1;

  it('fills whole chunks when each commitment’s evidence lands before everything placed so far, as when all fall due on one day', () => {
    const index = filled(Array.from({ length: count }, (_, i) => count - i));
    expect(captureViews(index, [])).toEqual([1, MAX_CHUNK_ROWS, MAX_CHUNK_ROWS, MAX_CHUNK_ROWS]);
    expect(rowsOf(index)).toBe(count);
    expect(index.lastKey).toBe(count);
  });

  it('fills whole chunks when evidence arrives in time order', () => {
    const index = filled(Array.from({ length: count }, (_, i) => i));
    expect(captureViews(index, [])).toEqual([MAX_CHUNK_ROWS, MAX_CHUNK_ROWS, MAX_CHUNK_ROWS, 1]);
  });

  it('drops a chunk its withdrawals empty and merges chunks they thin out', () => {
    const index = filled(Array.from({ length: count }, (_, i) => i));
    expect(index.remove(count - 1, count)).toBe(true);
    expect(captureViews(index, [])).toEqual([MAX_CHUNK_ROWS, MAX_CHUNK_ROWS, MAX_CHUNK_ROWS]);
    // Thin the second chunk to a quarter, then the third: once two neighbours hold half a chunk between them, they
    // become one.
    for (let i = MAX_CHUNK_ROWS; i < count - 1; i++) if (i % 4 !== 0) expect(index.remove(i, i + 1)).toBe(true);
    expect(captureViews(index, [])).toEqual([MAX_CHUNK_ROWS, MAX_CHUNK_ROWS / 2]);
    expect(rowsOf(index)).toBe(MAX_CHUNK_ROWS + MAX_CHUNK_ROWS / 2);
    // Emptied, the first chunk takes in the next whatever its size.
    for (let i = 0; i < MAX_CHUNK_ROWS; i++) expect(index.remove(i, i + 1)).toBe(true);
    expect(captureViews(index, [])).toBe(MAX_CHUNK_ROWS / 2);
    expect(rowsOf(index)).toBe(MAX_CHUNK_ROWS / 2);
  });

  it('finds a withdrawn delta among many of one instant that run across chunks', () => {
    const index = filled(Array.from({ length: count }, () => 7));
    expect(index.remove(7, count)).toBe(true);
    expect(index.remove(7, 1)).toBe(true);
    expect(index.remove(7, count)).toBe(false);
    expect(index.remove(8, 2)).toBe(false);
    expect(rowsOf(index)).toBe(count - 2);
  });
});

describe('restoring a time index from a snapshot', () => {
  const delta = newCoefVector().fill(1);
  const captured = (keys: readonly number[]): { layout: TimeIndexLayout; rows: Float64Array[] } => {
    const index = new TimeIndex(4, COMMITMENT_COEFFICIENTS);
    keys.forEach((key, i) => index.add(key, i + 1, delta));
    const rows: Float64Array[] = [];
    return { layout: captureViews(index, rows), rows: rows.map((r) => r.slice()) };
  };
  const restore = (layout: unknown, rows: readonly Float64Array[]): TimeIndex => TimeIndex.restore(COMMITMENT_COEFFICIENTS, layout, packed(rows));
  const appended = captured(Array.from({ length: MAX_CHUNK_ROWS + 5 }, (_, i) => i));

  it('takes bases and chunks in the order of the capture', () => {
    expect(appended.layout).toEqual([MAX_CHUNK_ROWS, 5]);
    const out = newCoefVector();
    restore(appended.layout, appended.rows).sumAt(MAX_CHUNK_ROWS + 1, out);
    expect(out[Coef.R]).toBe(MAX_CHUNK_ROWS + 2);
  });

  it('refuses instants out of order across a chunk boundary', () => {
    const [bases, first, second] = appended.rows;
    const late = second.slice();
    late[0] = first[(MAX_CHUNK_ROWS - 1) * 6] - 1;
    expect(() => restore(appended.layout, [bases, first, late])).toThrow(new TrustSnapshotError(`time index row ${MAX_CHUNK_ROWS} is out of order`));
  });

  it('refuses layouts no index has: chunks too large or empty, a list of one chunk, a size that is no count', () => {
    const refused = (layout: unknown, rows: readonly Float64Array[]): void => expect(() => restore(layout, rows)).toThrow(TrustSnapshotError);
    refused(MAX_CHUNK_ROWS + 5, [appended.rows[1], appended.rows[2]]);
    refused([MAX_CHUNK_ROWS + 5, 0], [new Float64Array(4), appended.rows[1], appended.rows[2]]);
    refused([MAX_CHUNK_ROWS], [appended.rows[1]]);
    refused([MAX_CHUNK_ROWS, 0, 5], [new Float64Array(8), appended.rows[1], appended.rows[2]]);
    refused('517', appended.rows);
    refused(-1, []);
    expect(() => restore([MAX_CHUNK_ROWS, 6], appended.rows)).toThrow('fewer than the indices hold');
  });
});
