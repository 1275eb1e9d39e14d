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
