import fc from 'fast-check';
import { captureStepByStep } from '../capture-steps.fixtures.js';
import { SortedKeys } from './sorted-keys.js';

type Step = { op: 'insert' | 'remove'; key: string } | { op: 'reset'; keys: string[] };

/** The plain definition: a sorted array of distinct keys. */
function reference(steps: readonly Step[]): string[] {
  let keys = new Set<string>();
  for (const step of steps) {
    if (step.op === 'reset') keys = new Set(step.keys);
    else if (step.op === 'insert') keys.add(step.key);
    else keys.delete(step.key);
  }
  return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('keys kept in order in chunks', () => {
  // Few distinct characters, so that inserts collide, removals hit and chunks fill, split and empty.
  const key = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', 'e'), minLength: 1, maxLength: 6 });
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 8, arbitrary: key.map((k): Step => ({ op: 'insert', key: k })) },
    { weight: 3, arbitrary: key.map((k): Step => ({ op: 'remove', key: k })) },
    { weight: 1, arbitrary: fc.array(key, { maxLength: 3000 }).map((keys): Step => ({ op: 'reset', keys })) },
  );

  it('answers exactly what one sorted array of distinct keys would, whatever the order of arrival', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 4000 }), key, (steps, cursor) => {
        const keys = new SortedKeys();
        for (const s of steps) {
          if (s.op === 'reset') keys.reset(s.keys);
          else if (s.op === 'insert') keys.insert(s.key);
          else keys.remove(s.key);
        }
        const expected = reference(steps);
        expect(keys.size).toBe(expected.length);
        expect([...keys.after(null)]).toEqual(expected);
        expect([...keys.after(cursor)]).toEqual(expected.filter((k) => k > cursor));
        expect(keys.all()).toEqual(expected);
        // In steps of at least 700 keys, whole chunks each: the same keys, and a step per 700 or more of them.
        const inSteps = captureStepByStep(keys.allInSteps(700), () => undefined);
        expect(inSteps.value).toEqual(expected);
        expect(inSteps.steps).toBeLessThanOrEqual(Math.floor(expected.length / 700));
        if (expected.length >= 700) expect(inSteps.steps).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });

  it('splits a chunk that outgrows its bound and drops one that empties, keeping the order across chunks', () => {
    const keys = new SortedKeys();
    const all = Array.from({ length: 5000 }, (_, i) => `k${String(i).padStart(5, '0')}`);
    // Arrival from the middle outwards: every insert lands inside an existing chunk.
    for (let i = 0; i < all.length; i++) keys.insert(all[(i * 2477) % all.length]);
    expect([...keys.after(null)]).toEqual(all);
    for (const k of all.slice(1000, 4000)) keys.remove(k);
    expect([...keys.after('k00998')]).toEqual(['k00999', ...all.slice(4000)]);
    expect(keys.size).toBe(2000);
  });
});
