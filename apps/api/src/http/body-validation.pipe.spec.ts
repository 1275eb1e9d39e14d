import 'reflect-metadata';
import { jest } from '@jest/globals';
import { ValidationPipe, type ArgumentMetadata, type DynamicModule, type Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { Expose, Transform, Type as TransformedType } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { getMetadataStorage, IsDefined, IsInt, IsOptional, IsString, validate, ValidateNested, type ValidationError, type ValidatorOptions } from 'class-validator';
import fc from 'fast-check';
import { BOUNDED_CONTEXTS } from '../contexts.js';
import { HealthController } from '../health/health.controller.js';
import { BodyValidationPipe } from './body-validation.pipe.js';
import { acceptanceFor, acceptPlanOf } from './accept-plan.js';
import { instantiate, NOT_PLANNED, planOf } from './instance-plan.js';
import { fieldErrors, RequestValidationError } from './problem.js';
import { memoizeValidationMetadata } from './validation-metadata-cache.js';

// As the app runs it (app.module.ts): rules memoized, the same options for both pipes.
memoizeValidationMetadata();
const options = {
  whitelist: true,
  forbidNonWhitelisted: true,
  stopAtFirstError: false,
  exceptionFactory: (errors: ValidationError[]) => new RequestValidationError(fieldErrors(errors)),
};
const nestPipe = new ValidationPipe({ ...options, transform: true });
const bodyPipe = new BodyValidationPipe(options);
/** What both pipes hand class-validator (Nest's pipe turns unknown values off). */
const validatorOptions: ValidatorOptions = { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: false, forbidUnknownValues: false, validationError: { target: false } };
const acceptance = acceptanceFor(validatorOptions);

// ---- the DTO classes the app binds, read from its controllers' route metadata -------------------------------------

type Controller = Type<object>;

function controllersOf(modules: ReadonlyArray<Type | DynamicModule>): Controller[] {
  const found = new Set<Controller>([HealthController]);
  for (const entry of modules) {
    const module = 'module' in entry ? entry.module : entry;
    const declared = (Reflect.getMetadata('controllers', module) ?? []) as Controller[];
    const dynamic = 'module' in entry ? ((entry.controllers ?? []) as Controller[]) : [];
    for (const controller of [...declared, ...dynamic]) found.add(controller);
  }
  return [...found];
}

function boundDtos(paramtype: RouteParamtypes): Set<Type<object>> {
  const dtos = new Set<Type<object>>();
  for (const controller of controllersOf(BOUNDED_CONTEXTS)) {
    for (const method of Object.getOwnPropertyNames(controller.prototype)) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<string, { index: number }>;
      const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, method) ?? []) as unknown[];
      for (const [key, { index }] of Object.entries(args)) {
        const type = types[index];
        if (key.startsWith(`${paramtype}:`) && typeof type === 'function' && ![String, Number, Boolean, Object].includes(type as never)) dtos.add(type as Type<object>);
      }
    }
  }
  return dtos;
}

const BODY_DTOS = [...boundDtos(RouteParamtypes.BODY)];
const QUERY_DTOS = [...boundDtos(RouteParamtypes.QUERY)];

// ---- outcomes, compared whole: the instance's classes and own properties, or the field errors in order -------------

type Shape = null | boolean | number | string | { array: Shape[] } | { prototype: object | null; entries: [string, Shape][] } | { other: string };

function shapeOf(value: unknown): Shape {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (Array.isArray(value)) return { array: value.map(shapeOf) };
  if (typeof value === 'object') return { prototype: Object.getPrototypeOf(value) as object | null, entries: Object.keys(value).map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]) };
  return { other: String(value) };
}

type Outcome = { accepted: Shape } | { refused: unknown } | { crashed: string };

async function outcome(pipe: ValidationPipe, value: unknown, metadata: ArgumentMetadata): Promise<Outcome> {
  try {
    return { accepted: shapeOf(await pipe.transform(value, metadata)) };
  } catch (error) {
    return error instanceof RequestValidationError ? { refused: error.errors } : { crashed: String(error) };
  }
}

/** Each pipe gets its own copy: Nest's strips keys in place. */
const copy = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

async function bothOutcomes(value: unknown, metadata: ArgumentMetadata): Promise<[Outcome, Outcome]> {
  return [await outcome(bodyPipe, copy(value), metadata), await outcome(nestPipe, copy(value), metadata)];
}

// ---- bodies built from a DTO's rules -------------------------------------------------------------------------------

interface Rule {
  type: string;
  name?: string;
  propertyName: string;
  constraints: unknown[];
  each?: boolean;
}

const rulesOf = (type: Type<object>): Record<string, Rule[]> =>
  getMetadataStorage().groupByPropertyName(getMetadataStorage().getTargetValidationMetadatas(type, '', false, false)) as unknown as Record<string, Rule[]>;

const constraint = (rules: Rule[], name: string): unknown => rules.find((rule) => rule.name === name)?.constraints[0];
const UNSET = Symbol('unset');

function valueArbitrary(owner: Type<object>, property: string, rules: Rule[], depth: number): fc.Arbitrary<unknown> {
  const nested = defaultMetadataStorage.findTypeMetadata(owner, property)?.typeFunction() as Type<object> | undefined;
  const isArray = rules.some((rule) => rule.name === 'isArray');
  const maxItems = Math.min(3, Number(constraint(rules, 'arrayMaxSize') ?? 3));
  let item: fc.Arbitrary<unknown>;
  if (nested !== undefined) item = depth < 4 ? bodyArbitrary(nested, depth + 1) : fc.constant({});
  else if (constraint(rules, 'isIn') !== undefined) item = fc.constantFrom(...(constraint(rules, 'isIn') as unknown[]));
  else if (constraint(rules, 'matches') !== undefined) item = fc.stringMatching(constraint(rules, 'matches') as RegExp).filter((s) => s.length <= 80);
  else if (rules.some((rule) => rule.name === 'isInstant')) item = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
  else if (rules.some((rule) => rule.name === 'isAmountIn')) item = fc.constantFrom('0', '1', '12.5', '50000.00', '7.125', '-3');
  else if (rules.some((rule) => rule.name === 'isInt')) item = fc.integer({ min: Math.ceil(Number(constraint(rules, 'min') ?? -5)), max: Math.floor(Number(constraint(rules, 'max') ?? 1e6)) });
  else if (rules.some((rule) => rule.name === 'isNumber')) item = fc.double({ min: Number(constraint(rules, 'min') ?? -5), max: Number(constraint(rules, 'max') ?? 1e6), noNaN: true });
  else if (rules.some((rule) => rule.name === 'isBoolean')) item = fc.boolean();
  else if (rules.some((rule) => rule.name === 'isObject')) item = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.constantFrom('1', '0.5', 'x'), { maxKeys: 3 });
  else item = fc.string({ minLength: Number(constraint(rules, 'minLength') ?? 0), maxLength: Math.min(20, Number(constraint(rules, 'maxLength') ?? 20)) });
  const value = isArray ? fc.array(item, { maxLength: maxItems }) : item;
  // Conditional properties (IsOptional, ValidateIf) are sometimes left out or null.
  return rules.some((rule) => rule.type === 'conditionalValidation') ? fc.oneof({ arbitrary: value, weight: 4 }, fc.constant(UNSET), fc.constant(null)) : value;
}

const bodies = new Map<Type<object>, fc.Arbitrary<Record<string, unknown>>>();

function bodyArbitrary(type: Type<object>, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const known = bodies.get(type);
  if (known !== undefined) return known;
  const shape = Object.fromEntries(Object.entries(rulesOf(type)).map(([property, rules]) => [property, valueArbitrary(type, property, rules, depth)]));
  const made = fc.record(shape).map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== UNSET)));
  if (depth === 0) bodies.set(type, made);
  return made;
}

// ---- mutations: what a careless or hostile client sends ------------------------------------------------------------

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('12', '0', '-1', '1.5', '1e3', 'true', '', '2025-01-01T00:00:00Z', 'CNY', 'city'),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null), fc.constant({ kind: 'city' })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null)), { maxKeys: 3 }),
);
const strayName = fc.oneof(fc.constantFrom('stray', 'prototype', 'constructor', '__proto__', 'toString', 'valueOf', '0', 'kind', 'id', 'amount'), fc.string({ maxLength: 6 }));

interface Mutation {
  kind: 'delete' | 'replace' | 'add' | 'stringify' | 'wrap';
  at: number;
  key: number;
  junk: unknown;
  name: string;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'replace', 'add', 'stringify', 'wrap'),
  at: fc.nat(),
  key: fc.nat(),
  junk,
  name: strayName,
});

/** Every object and array of a body, the body first. */
function containers(value: unknown, found: (Record<string, unknown> | unknown[])[] = []): (Record<string, unknown> | unknown[])[] {
  if (value !== null && typeof value === 'object') {
    found.push(value as Record<string, unknown>);
    for (const child of Object.values(value)) containers(child, found);
  }
  return found;
}

function mutate(body: Record<string, unknown>, mutations: Mutation[]): unknown {
  for (const m of mutations) {
    const all = containers(body);
    const target = all[m.at % all.length] as Record<string, unknown>;
    const keys = Object.keys(target);
    const key = keys.length === 0 ? m.name : keys[m.key % keys.length];
    // An array's length cannot be deleted or redefined (a body parsed from JSON never lacks it anyway).
    if (Array.isArray(target) && (key === 'length' || (m.kind === 'add' && m.name === 'length'))) continue;
    if (m.kind === 'delete') delete target[key];
    else if (m.kind === 'replace') target[key] = copy(m.junk);
    else if (m.kind === 'add') Object.defineProperty(target, m.name, { value: copy(m.junk), enumerable: true, writable: true, configurable: true });
    else if (m.kind === 'stringify') target[key] = typeof target[key] === 'object' ? JSON.stringify(target[key]) : String(target[key]);
    else target[key] = [target[key]];
  }
  return body;
}

const bodyMetadata = (type: Type<object>): ArgumentMetadata => ({ type: 'body', metatype: type, data: undefined });

// ---- the properties --------------------------------------------------------------------------------------------------

describe('the body validation pipe gives exactly what Nest’s ValidationPipe gives', () => {
  it('finds the request bodies the app binds, among them the commitment and the agreement with their nested parts', () => {
    const names = BODY_DTOS.map((type) => type.name);
    expect(names).toEqual(expect.arrayContaining(['MakeCommitmentDto', 'ConcludeAgreementDto', 'EstablishBodyDto', 'RecordFindingDto', 'InitiateTransferDto', 'OpenIncidentDto']));
    expect(BODY_DTOS.length).toBeGreaterThanOrEqual(25);
  });

  it('plans every body the app binds (none is left to class-transformer)', () => {
    expect(BODY_DTOS.filter((type) => planOf(type) === null).map((type) => type.name)).toEqual([]);
    const commitment = planOf(BODY_DTOS.find((type) => type.name === 'MakeCommitmentDto') as Type<object>);
    expect(['obligee', 'promise', 'value'].map((key) => commitment?.properties.get(key)?.nested?.type.name)).toEqual(['ObligeeDto', 'PromiseDto', 'MoneyDto']);
    expect(commitment?.properties.get('description')?.nested).toBeNull();
  });

  it('builds every well-formed body itself, without handing it to class-transformer', async () => {
    const nestTransform = jest.spyOn(ValidationPipe.prototype, 'transform');
    try {
      for (const type of BODY_DTOS) {
        for (const body of fc.sample(bodyArbitrary(type), { numRuns: 10, seed: 3 })) await outcome(bodyPipe, copy(body), bodyMetadata(type));
      }
      expect(nestTransform).not.toHaveBeenCalled();
      // The spy does see the calls that do go to Nest's pipe.
      await outcome(bodyPipe, { count: '1' }, { type: 'query', metatype: BODY_DTOS[0], data: undefined });
      expect(nestTransform).toHaveBeenCalledTimes(1);
    } finally {
      nestTransform.mockRestore();
    }
  });

  it('compiles an acceptance plan for every body the app binds and every class they nest', () => {
    expect(acceptance).not.toBeNull();
    const nestedClasses = (type: Type<object>): Type<object>[] => {
      const found = new Set<Type<object>>([type]);
      for (const seen of found) for (const property of planOf(seen)?.properties.values() ?? []) if (property.nested !== null) found.add(property.nested.type as Type<object>);
      return [...found];
    };
    expect(BODY_DTOS.flatMap(nestedClasses).filter((type) => acceptPlanOf(type) === null).map((type) => type.name)).toEqual([]);
  });

  it('accepts every body Nest’s pipe accepts without class-validator, and hands it every refused one', async () => {
    const storage = getMetadataStorage();
    const sent: [Type<object>, Record<string, unknown>][] = [];
    for (const type of BODY_DTOS) {
      for (const body of fc.sample(bodyArbitrary(type), { numRuns: 10, seed: 5 })) {
        // Also compiles the plans first: compiling asks the storage too.
        const [ours, nest] = await bothOutcomes(body, bodyMetadata(type));
        if ('accepted' in nest && 'accepted' in ours) sent.push([type, body]);
      }
    }
    expect(sent.length).toBeGreaterThan(BODY_DTOS.length * 5);
    const lookups = jest.spyOn(storage, 'getTargetValidationMetadatas');
    try {
      for (const [type, body] of sent) expect(await outcome(bodyPipe, copy(body), bodyMetadata(type))).toHaveProperty('accepted');
      // class-validator looks up the rules of every object it validates: it validated none of them.
      expect(lookups).not.toHaveBeenCalled();
      const commitment = BODY_DTOS.find((type) => type.name === 'MakeCommitmentDto') as Type<object>;
      const valid = sent.find(([type]) => type === commitment)?.[1];
      expect(valid).toBeDefined();
      const refused = await outcome(bodyPipe, { ...valid, dueAt: 'soon' }, bodyMetadata(commitment));
      expect(refused).toEqual({ refused: [{ field: 'dueAt', messages: [expect.stringContaining('ISO-8601') as unknown] }] });
      expect(lookups).toHaveBeenCalled();
    } finally {
      lookups.mockRestore();
    }
  });

  it.each(BODY_DTOS.map((type) => [type.name, type] as const))('%s: accepts and refuses the same bodies, with equal instances and equal field errors', async (_name, type) => {
    const counts = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(bodyArbitrary(type), fc.array(mutation, { maxLength: 3 }), async (body, mutations) => {
        const sent = mutate(copy(body), mutations);
        const [ours, nest] = await bothOutcomes(sent, bodyMetadata(type));
        expect(ours).toEqual(nest);
        if ('accepted' in nest) counts.accepted++;
        else counts.refused++;
        // The compiled acceptance decides as class-validator does, on the instance the pipe validates.
        const plan = planOf(type);
        const instance = plan === null ? NOT_PLANNED : instantiate(plan, copy(sent) ?? {});
        if (instance !== NOT_PLANNED) {
          const verdict = acceptance?.verdict(instance);
          expect(verdict).not.toBe('unknown');
          expect(verdict === 'accepted').toBe((await validate(instance, validatorOptions)).length === 0);
        }
      }),
      { numRuns: 150 },
    );
    // Not vacuous: both sides of the pipe were exercised for this class.
    expect(counts.accepted).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
  });

  it('gives the same outcome for what is not a JSON object: no body, null, arrays, strings, numbers', async () => {
    const commitment = BODY_DTOS.find((type) => type.name === 'MakeCommitmentDto') as Type<object>;
    const close = BODY_DTOS.find((type) => type.name === 'OccurredDto') as Type<object>;
    for (const type of [commitment, close]) {
      for (const value of [undefined, null, [], [{}], 'text', 7, true, {}]) {
        const [ours, nest] = await bothOutcomes(value, bodyMetadata(type));
        expect(ours).toEqual(nest);
      }
    }
    // An empty close is a valid one: no body reads as {}.
    expect(await outcome(bodyPipe, undefined, bodyMetadata(close))).toEqual({ accepted: { prototype: close.prototype, entries: [] } });
  });

  it('gives the same outcome for values JSON cannot carry (the pipe is not only reached through the body parser)', async () => {
    const commitment = BODY_DTOS.find((type) => type.name === 'MakeCommitmentDto') as Type<object>;
    const valid = fc.sample(bodyArbitrary(commitment), { numRuns: 1, seed: 7 })[0];
    const odd: unknown[] = [
      { ...valid, obligee: new Date(0) },
      { ...valid, obligee: Buffer.from('ab') },
      { ...valid, value: Object.assign(Object.create(null) as object, { amount: '1', currency: 'CNY' }) },
      { ...valid, description: undefined },
      { ...valid, promise: [, { kind: 'money' }] },
    ];
    for (const value of odd) {
      const [ours, nest] = [await outcome(bodyPipe, value, bodyMetadata(commitment)), await outcome(nestPipe, value, bodyMetadata(commitment))];
      expect(ours).toEqual(nest);
    }
  });

  it('gives the same outcome for names Nest strips or class-transformer skips, at every level and in free-form maps', async () => {
    const conclude = BODY_DTOS.find((type) => type.name === 'ConcludeAgreementDto') as Type<object>;
    const valid = fc.sample(bodyArbitrary(conclude), { numRuns: 1, seed: 11 })[0];
    const terms = valid.terms as Record<string, unknown>;
    const withShares = { ...valid, terms: { ...terms, compensationRules: { currency: 'CNY', originShares: { hangzhou: '1' } } } };
    let accepted = 0;
    for (const name of ['prototype', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      for (const path of [[], ['terms'], ['terms', 'compensationRules'], ['terms', 'compensationRules', 'originShares']]) {
        const body = copy(withShares) as Record<string, unknown>;
        const target = path.reduce<Record<string, unknown>>((at, key) => at[key] as Record<string, unknown>, body);
        Object.defineProperty(target, name, { value: { x: '1' }, enumerable: true, writable: true, configurable: true });
        const [ours, nest] = await bothOutcomes(body, bodyMetadata(conclude));
        expect(ours).toEqual(nest);
        if ('accepted' in nest) accepted++;
      }
    }
    // Nest strips `prototype` and `constructor` keys before building: those bodies pass, without the key.
    expect(accepted).toBeGreaterThan(0);
  });

  it.each(QUERY_DTOS.map((type) => [type.name, type] as const))('%s as a query string: left to Nest’s pipe, numbers converted as before', async (_name, type) => {
    const query = fc.dictionary(fc.constantFrom(...Object.keys(rulesOf(type)), 'stray'), fc.oneof(fc.constantFrom('5', '0', '-1', 'abc', '100000', '', 'CNY'), fc.stringMatching(/^[a-z0-9:-]{1,12}$/)), { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(query, async (value) => {
        const metadata: ArgumentMetadata = { type: 'query', metatype: type, data: undefined };
        expect(await outcome(bodyPipe, { ...value }, metadata)).toEqual(await outcome(nestPipe, { ...value }, metadata));
      }),
      { numRuns: 40 },
    );
  });

  it('leaves path parameters and primitives to Nest’s pipe', async () => {
    for (const [value, metadata] of [
      ['42', { type: 'param', metatype: Number, data: 'n' }],
      ['true', { type: 'query', metatype: Boolean, data: 'flag' }],
      ['hangzhou', { type: 'param', metatype: String, data: 'cityId' }],
      [{ a: 1 }, { type: 'custom', metatype: Object, data: undefined }],
    ] as const) {
      expect(await outcome(bodyPipe, value, metadata)).toEqual(await outcome(nestPipe, value, metadata));
    }
  });
});

describe('classes class-transformer must build itself', () => {
  class Part {
    @IsString() label!: string;
  }

  class Converted {
    @IsInt() @TransformedType(() => Number) count!: number;
  }

  class Renamed {
    @IsString() @Expose({ name: 'title' }) name!: string;
  }

  class Trimmed {
    @IsString() @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value)) name!: string;
  }

  class Holder {
    @IsDefined() @ValidateNested() @TransformedType(() => Trimmed) part!: Trimmed;
  }

  it('are not planned (a conversion, a renaming, a transformation, or a nested class with one), and give Nest’s outcome', async () => {
    expect(planOf(Part)).not.toBeNull();
    for (const [type, body] of [
      [Converted, { count: '12' }],
      [Renamed, { title: 'x' }],
      [Trimmed, { name: '  x  ' }],
      [Holder, { part: { name: ' y ' } }],
    ] as const) {
      expect(planOf(type)).toBeNull();
      const [ours, nest] = await bothOutcomes(body, bodyMetadata(type));
      expect(ours).toEqual(nest);
      expect(ours).toHaveProperty('accepted');
    }
  });

  it('a @Type declared on a class already planned takes effect at once (no stale plan)', async () => {
    class Late {
      @IsOptional() @ValidateNested() inner?: Part;
    }
    const body = { inner: { label: 7 } };
    expect(planOf(Late)?.properties.get('inner')?.nested).toBeNull();
    // Without a class the nested object stays plain, and a plain object has no rule that allows `label`.
    const [before, nestBefore] = await bothOutcomes(body, bodyMetadata(Late));
    expect(before).toEqual(nestBefore);
    expect(before).toEqual({ refused: [{ field: 'inner.label', messages: ['property label should not exist'] }] });
    TransformedType(() => Part)(Late.prototype, 'inner');
    expect(planOf(Late)?.properties.get('inner')?.nested?.type).toBe(Part);
    const [after, nestAfter] = await bothOutcomes(body, bodyMetadata(Late));
    expect(after).toEqual(nestAfter);
    expect(after).toEqual({ refused: [{ field: 'inner.label', messages: ['label must be a string'] }] });
  });
});
