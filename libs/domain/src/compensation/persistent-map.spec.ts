import fc from 'fast-check';
import { emptyMap, mapGet, mapSet, mapValues, type PersistentMap } from './persistent-map.js';

describe('the persistent map of decider states', () => {
  it('answers like a plain map after any sequence of writes, and leaves every earlier version unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.integer()), { maxLength: 300 }), (writes) => {
        const model = new Map<string, number>();
        let map: PersistentMap<number> = emptyMap();
        const versions: [PersistentMap<number>, Map<string, number>][] = [];
        for (const [key, value] of writes) {
          versions.push([map, new Map(model)]);
          map = mapSet(map, key, value);
          model.set(key, value);
        }
        expect(map.size).toBe(model.size);
        for (const [key, value] of model) expect(mapGet(map, key)).toBe(value);
        expect([...mapValues(map)].sort((a, b) => a - b)).toEqual([...model.values()].sort((a, b) => a - b));
        for (const [old, snapshot] of versions) {
          expect(old.size).toBe(snapshot.size);
          for (const [key, value] of snapshot) expect(mapGet(old, key)).toBe(value);
        }
      }),
    );
  });

  it('knows nothing of keys never written, including ones inherited by plain objects', () => {
    const map = mapSet(emptyMap<number>(), 'a', 1);
    expect(mapGet(map, 'b')).toBeUndefined();
    expect(mapGet(map, 'toString')).toBeUndefined();
    expect(mapGet(map, 'constructor')).toBeUndefined();
  });
});
