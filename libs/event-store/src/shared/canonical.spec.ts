import fc from 'fast-check';
import { canonicalJson, eventHash } from '../integrity.js';
import { chainHash, fastCanonicalJson } from './canonical.js';

const outcome = (f: () => string): string => {
  try {
    return f();
  } catch (error) {
    return `threw ${(error as Error).constructor.name}`;
  }
};

describe('the fast canonical serializer used on the append path', () => {
  it('writes exactly what canonicalJson writes for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(fastCanonicalJson(value)).toBe(canonicalJson(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('agrees with canonicalJson on values that are not plain JSON, including how it fails', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withNullPrototype: true, withSparseArray: true }), (value) => {
        expect(outcome(() => fastCanonicalJson(value))).toBe(outcome(() => canonicalJson(value)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('escapes strings and keys exactly as JSON.stringify does: quotes, backslashes, control characters, lone surrogates', () => {
    const tricky = ['plain', '引号 "quoted"', 'back\\slash', 'tab\tnew\nline\u0000\u001f', 'del \u007f', 'lone \ud800 high', 'lone \udfff low', 'pair 😀', 'separators \u2028\u2029', ''];
    for (const text of tricky) {
      const value = { [text]: text, list: [text, { [text]: [text] }] };
      expect(fastCanonicalJson(value)).toBe(canonicalJson(value));
      expect(JSON.parse(fastCanonicalJson(text))).toBe(text);
    }
  });

  it('writes exactly what canonicalJson writes for JSON with any UTF-16 text, lone surrogates included', () => {
    fc.assert(
      // Any UTF-16 code unit, so lone surrogates too (fast-check's 'binary' unit draws whole code points).
      fc.property(fc.jsonValue({ stringUnit: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)) }), (value) => {
        expect(fastCanonicalJson(value)).toBe(canonicalJson(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('sorts keys the way canonicalJson does, integer-like keys included', () => {
    const value = { b: 1, 10: 'ten', a: { z: [3, { y: null, x: undefined }], 9: 'nine' } };
    expect(fastCanonicalJson(value)).toBe('{"10":"ten","a":{"9":"nine","z":[3,{"y":null}]},"b":1}');
    expect(fastCanonicalJson(value)).toBe(canonicalJson(value));
  });

  it('sorts objects of any number of keys, in any order, as canonicalJson does', () => {
    const key = fc.oneof(fc.string({ maxLength: 3 }), fc.nat(40).map(String), fc.constantFrom('a', 'ab', 'b', 'B', '_', 'é', '\ud83d\ude00'));
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 60 }), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 60 }), (keys, values) => {
        const value: Record<string, unknown> = {};
        keys.forEach((k, i) => {
          value[k] = values[i % Math.max(1, values.length)] ?? i;
        });
        expect(fastCanonicalJson(value)).toBe(canonicalJson(value));
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('the one-shot chain hash used on the append path', () => {
  it('is eventHash over the same fields', () => {
    const text = fc.string({ maxLength: 40 });
    fc.assert(
      fc.property(
        fc.record({
          previous: fc.stringMatching(/^[0-9a-f]{64}$/),
          id: fc.uuid(),
          type: text,
          stream: text,
          revision: fc.bigInt({ min: 0n, max: 2n ** 53n }),
          position: fc.bigInt({ min: 0n, max: 2n ** 53n }),
          recordedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          dataJson: fc.jsonValue().map(canonicalJson),
          metadataJson: fc.jsonValue().map(canonicalJson),
        }),
        (f) => {
          const expected = eventHash(f.previous, { ...f });
          expect(chainHash(f.previous, f.id, f.type, f.stream, f.revision, f.position, f.recordedAt, f.dataJson, f.metadataJson)).toBe(expected);
          expect(chainHash(f.previous, f.id, f.type, f.stream, Number(f.revision), Number(f.position), f.recordedAt, f.dataJson, f.metadataJson)).toBe(
            expected,
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
