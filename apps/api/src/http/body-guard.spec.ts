import fc from 'fast-check';
import { bodyProblem, MAX_BODY_DEPTH, requestBodyProblem } from './body-guard.js';

const nested = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return { name: value };
};

describe('a request body the API will read', () => {
  it('passes an ordinary DTO-shaped body', () => {
    expect(bodyProblem({ cityId: 'x', obligee: { kind: 'city', id: 'y' }, members: ['a', 'b'] })).toBeNull();
    expect(bodyProblem(nested(MAX_BODY_DEPTH - 2))).toBeNull();
  });

  it('refuses nesting deeper than the limit without recursing (a million levels)', () => {
    expect(bodyProblem(nested(MAX_BODY_DEPTH + 1))?.problem.code).toBe('body_too_deep');
    expect(bodyProblem(nested(1_000_000))?.problem.code).toBe('body_too_deep');
  });

  it('refuses inherited property names wherever they stand, naming the path', () => {
    const parsed = JSON.parse('{"a":[{"b":{"__proto__":{"x":1}}}]}') as unknown;
    expect(bodyProblem(parsed)?.problem).toMatchObject({ code: 'forbidden_property', property: 'a[0].b.__proto__' });
    expect(bodyProblem({ toString: 'x' })?.problem.code).toBe('forbidden_property');
  });

  it('finds what a plain walk naming every path finds, and names the same place, for any JSON body', () => {
    // The walk as first written: every value stacked with its path spelled out.
    const plainWalk = (body: unknown): object | null => {
      const stack: { value: unknown; depth: number; path: string }[] = [{ value: body, depth: 0, path: '' }];
      while (stack.length > 0) {
        const { value, depth, path } = stack.pop() as { value: unknown; depth: number; path: string };
        if (value === null || typeof value !== 'object') continue;
        if (depth >= MAX_BODY_DEPTH) return { code: 'body_too_deep' };
        if (Array.isArray(value)) {
          value.forEach((item, i) => stack.push({ value: item, depth: depth + 1, path: `${path}[${i}]` }));
          continue;
        }
        for (const key of Object.keys(value)) {
          const at = path === '' ? key : `${path}.${key}`;
          if (key === '__proto__' || key in Object.prototype) return { code: 'forbidden_property', property: at };
          stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, path: at });
        }
      }
      return null;
    };
    const key = fc.oneof(fc.constantFrom('a', 'b', 'id', '__proto__', 'constructor', 'toString', 'valueOf', 'x.y', '0'), fc.string({ maxLength: 4 }));
    // JSON text, parsed in the property, so `__proto__` is an own key as it is in a parsed request body.
    const { value } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
      value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constantFrom('null', 'true', '1', '"s"'), tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
      object: fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    }));
    const deep = fc.integer({ min: MAX_BODY_DEPTH - 3, max: MAX_BODY_DEPTH + 3 }).map((levels) => {
      let text = '1';
      for (let i = 0; i < levels; i++) text = i % 2 === 0 ? `[${text}]` : `{"k${i}":${text}}`;
      return text;
    });
    fc.assert(
      fc.property(fc.oneof(value, deep), (text) => {
        const body = JSON.parse(text) as unknown;
        const found = bodyProblem(body);
        const expected = plainWalk(body);
        expect(found === null ? null : { code: found.problem.code, ...(found.problem.property === undefined ? {} : { property: found.problem.property }) }).toEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('a write request as the HTTP layer hands it over', () => {
  const json = { 'content-type': 'application/json', 'content-length': '4' };

  it('refuses a body that is JSON but not an object, as body-parser strict mode did', () => {
    for (const [body, got] of [[null, 'null'], [7, 'number'], ['x', 'string'], [[], 'array']] as const) {
      expect(requestBodyProblem('POST', json, body)?.problem).toMatchObject({ status: 400, code: 'body_not_object', got });
    }
    expect(requestBodyProblem('POST', json, { reason: 'x' })).toBeNull();
  });

  it('refuses a write whose body is not JSON (415), and lets a bodiless write or a read through', () => {
    expect(requestBodyProblem('POST', { 'content-type': 'text/plain', 'content-length': '3' }, 'abc')?.problem).toMatchObject({ status: 415, code: 'unsupported_media_type', contentType: 'text/plain' });
    expect(requestBodyProblem('POST', { 'content-type': 'application/merge-patch+json; charset=utf-8', 'content-length': '2' }, {})).toBeNull();
    expect(requestBodyProblem('POST', {}, undefined)).toBeNull();
    expect(requestBodyProblem('GET', { 'content-type': 'text/plain', 'content-length': '3' }, undefined)).toBeNull();
  });
});
