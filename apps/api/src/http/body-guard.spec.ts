import { bodyProblem, MAX_BODY_DEPTH } from './body-guard.js';

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
