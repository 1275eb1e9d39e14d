import { dropOldest } from './bounded-map.js';

const mapOf = (n: number): Map<string, number> => new Map(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

describe('a bounded cache map', () => {
  it('is left alone up to its bound', () => {
    const map = mapOf(64);
    dropOldest(map, 64);
    expect([...map.keys()]).toEqual([...mapOf(64).keys()]);
  });

  it('beyond its bound, drops the oldest eighth of the bound at once, so the next insertions drop nothing', () => {
    const map = mapOf(65);
    dropOldest(map, 64);
    expect(map.size).toBe(56);
    expect([...map.keys()]).toEqual(Array.from({ length: 56 }, (_, i) => `k${i + 9}`));
    map.set('new', 0);
    dropOldest(map, 64);
    expect(map.size).toBe(57);
  });

  it('takes an entry refreshed (deleted and set again) for the youngest', () => {
    const map = mapOf(9);
    map.delete('k0');
    map.set('k0', 0);
    dropOldest(map, 8);
    expect(map.has('k0')).toBe(true);
    expect(map.has('k1')).toBe(false);
    expect(map.size).toBe(7);
  });

  it('drops exactly the excess under a bound of fewer than eight', () => {
    const map = mapOf(5);
    dropOldest(map, 3);
    expect([...map.keys()]).toEqual(['k2', 'k3', 'k4']);
  });
});
