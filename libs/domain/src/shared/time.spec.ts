import fc from 'fast-check';
import { EARLIEST_INSTANT_MS, instant, instantMs, LATEST_INSTANT_MS } from './time.js';

/** The definition instantMs had before it read fields by hand: a regex, Date.parse, and a round trip. */
function referenceInstantMs(value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 19) !== value.slice(0, 19)) return Number.NaN;
  return ms >= EARLIEST_INSTANT_MS && ms <= LATEST_INSTANT_MS ? ms : Number.NaN;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Strings shaped like instants, with every field allowed to be out of range (and sometimes a character off). */
const instantLike = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 61 }),
    second: fc.integer({ min: 0, max: 61 }),
    fraction: fc.option(fc.stringMatching(/^\d{0,4}$/), { nil: undefined }),
    zone: fc.constantFrom('Z', 'Z', 'Z', 'z', '+00:00', ''),
  })
  .map(({ year, month, day, hour, minute, second, fraction, zone }) =>
    `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction === undefined ? '' : `.${fraction}`}${zone}`,
  );

/** One character of a valid instant replaced, inserted or dropped. */
const mutated = fc
  .tuple(fc.date({ min: new Date(EARLIEST_INSTANT_MS), max: new Date(LATEST_INSTANT_MS), noInvalidDate: true }), fc.nat(), fc.constantFrom('replace', 'insert', 'drop'), fc.constantFrom('0', '9', '-', ':', 'T', '.', 'Z', ' ', '٣', 'a'))
  .map(([date, at, how, ch]) => {
    const s = date.toISOString();
    const i = at % s.length;
    return how === 'replace' ? s.slice(0, i) + ch + s.slice(i + 1) : how === 'insert' ? s.slice(0, i) + ch + s.slice(i) : s.slice(0, i) + s.slice(i + 1);
  });

describe('instants of new input', () => {
  it('reads a UTC instant with or without milliseconds', () => {
    expect(instantMs('2025-03-01T08:30:00Z')).toBe(Date.UTC(2025, 2, 1, 8, 30, 0));
    expect(instantMs('2025-03-01T08:30:00.5Z')).toBe(Date.UTC(2025, 2, 1, 8, 30, 0, 500));
    expect(instantMs('2025-03-01T08:30:00.05Z')).toBe(Date.UTC(2025, 2, 1, 8, 30, 0, 50));
    expect(instantMs('2025-03-01T08:30:00.005Z')).toBe(Date.UTC(2025, 2, 1, 8, 30, 0, 5));
  });

  it('refuses a day the month does not have, and hour 24, instead of rolling them over', () => {
    expect(instantMs('2025-02-29T00:00:00Z')).toBeNaN();
    expect(instantMs('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(instantMs('1900-02-29T00:00:00Z')).toBeNaN();
    expect(instantMs('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
    expect(instantMs('2025-04-31T00:00:00Z')).toBeNaN();
    expect(instantMs('2025-01-01T24:00:00Z')).toBeNaN();
  });

  it('refuses offsets other than Z, a fourth fraction digit, and years outside 1970–2999', () => {
    expect(instantMs('2025-01-01T00:00:00+00:00')).toBeNaN();
    expect(instantMs('2025-01-01T00:00:00.1234Z')).toBeNaN();
    expect(instantMs('2025-01-01T00:00:00.Z')).toBeNaN();
    expect(instantMs('1969-12-31T23:59:59Z')).toBeNaN();
    expect(instantMs('3000-01-01T00:00:00Z')).toBeNaN();
    expect(instantMs('2999-12-31T23:59:59.999Z')).toBe(LATEST_INSTANT_MS);
  });

  it('agrees with the regex, Date.parse and round-trip definition on instant-shaped strings', () => {
    fc.assert(
      fc.property(fc.oneof(instantLike, mutated, fc.string({ maxLength: 26 })), (value) => {
        expect(Object.is(instantMs(value), referenceInstantMs(value))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('an instant written the way events write it', () => {
  it('is always the ISO form of its milliseconds, whatever was written just before (the last answer is kept)', () => {
    const ms = fc.integer({ min: EARLIEST_INSTANT_MS, max: LATEST_INSTANT_MS });
    fc.assert(
      fc.property(fc.array(fc.oneof(ms, fc.constant(EARLIEST_INSTANT_MS)), { minLength: 1, maxLength: 20 }), (sequence) => {
        for (const value of sequence) expect(instant(value)).toBe(new Date(value).toISOString());
      }),
    );
  });

  it('refuses a time that is not one, whatever it answered before', () => {
    expect(instant(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(() => instant(Number.NaN)).toThrow(RangeError);
    expect(() => instant(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => instant(Number.NaN)).toThrow(RangeError);
    expect(instant(0)).toBe('1970-01-01T00:00:00.000Z');
  });
});
