import { Names } from './names.js';

describe('Names: one copy of each recurring name a read model keeps', () => {
  it('gives back an equal value, and keeps one entry for a name seen in many events', () => {
    const names = new Names();
    const seen = ['city:lyon', 'city:lyon'.slice(0), `city:${'lyon'}`, 'city:turin'].map((n) => names.of(n));
    expect(seen).toEqual(['city:lyon', 'city:lyon', 'city:lyon', 'city:turin']);
    expect(names.size).toBe(2);
  });

  it('past its bound keeps no new name but still answers every one unchanged', () => {
    const names = new Names(2);
    expect(['a-body', 'b-body', 'c-body', 'a-body', 'c-body'].map((n) => names.of(n))).toEqual(['a-body', 'b-body', 'c-body', 'a-body', 'c-body']);
    expect(names.size).toBe(2);
  });

  it('refuses a bound that is not a non-negative integer', () => {
    expect(() => new Names(-1)).toThrow(RangeError);
    expect(() => new Names(1.5)).toThrow(RangeError);
  });
});
