import 'reflect-metadata';
import {
  Allow,
  ArrayMaxSize,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  validate,
  Validate,
  ValidateIf,
  ValidateNested,
  ValidatePromise,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
  type ValidatorOptions,
} from 'class-validator';
import fc from 'fast-check';
import { acceptanceFor, acceptPlanOf, type Verdict } from './accept-plan.js';

// ---- a menagerie of rules: every branch of class-validator's executor that a plan compiles ------------------------

/** Reads a sibling through `args.object`, as the app's IsAmountIn does. */
function IsBelowSibling(sibling: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isBelowSibling',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [sibling],
      validator: {
        validate: (value: unknown, args: ValidationArguments): boolean => {
          const limit = (args.object as Record<string, unknown>)[sibling];
          return typeof value === 'number' && typeof limit === 'number' && value < limit;
        },
      },
    });
}

/** A constraint class, its instance taken from class-validator's container; reads its constraints from the arguments. */
@ValidatorConstraint({ name: 'divisibleBy' })
class DivisibleBy implements ValidatorConstraintInterface {
  validate(value: unknown, args?: ValidationArguments): boolean {
    const divisor = args?.constraints[0] as number;
    return typeof value === 'number' && value % divisor === 0;
  }
}

class Leaf {
  @IsInt() @Min(0) n!: number;
  @IsOptional() @IsString() label?: string;
}

class Base {
  @IsOptional() @IsString() @MaxLength(5) note?: string;
}

class Menagerie extends Base {
  @IsIn(['a', 'b']) kind!: string;
  @ValidateIf((o: Menagerie) => o.kind === 'a') @IsString() @MinLength(1) forA?: string;
  @IsString({ validateIf: (o: Menagerie) => o.kind === 'b' }) forB?: string;
  @IsOptional() @ArrayMaxSize(3) @IsInt({ each: true }) counts?: number[];
  @IsDefined() @ValidateNested({ each: true }) leaves!: Leaf[];
  @IsOptional() @ValidateNested() leaf?: Leaf;
  @IsInt() @Max(100) limit!: number;
  @IsOptional() @IsBelowSibling('limit') below?: number;
  @IsOptional() @Validate(DivisibleBy, [3]) triple?: number;
  @Allow() anything?: unknown;
}

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ maxLength: 4 }),
  fc.integer({ min: -5, max: 200 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.oneof(fc.integer({ min: -3, max: 9 }), fc.string({ maxLength: 2 }), fc.constant(null)), { maxLength: 4 }),
  fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 4 }).map((items) => new Set(items)),
  fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 4 }).map((items) => new Map(items.map((item, i) => [`k${i}`, item]))),
);

/** What the rule wants, or (more often the dirtier the instance) junk or nothing (a property never set). */
const ABSENT = Symbol('absent');
const maybe = (dirt: number, valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  dirt === 0 ? valid : fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: junk, weight: dirt }, { arbitrary: fc.constant(ABSENT), weight: dirt });
const assign = <T extends object>(instance: T, values: Record<string, unknown>): T => {
  for (const [key, value] of Object.entries(values)) if (value !== ABSENT) Object.defineProperty(instance, key, { value, enumerable: true, writable: true, configurable: true });
  return instance;
};

function leaf(dirt: number): fc.Arbitrary<unknown> {
  const values = fc.record({ n: maybe(dirt, fc.integer({ min: 0, max: 9 })), label: fc.oneof(fc.constant(ABSENT), maybe(dirt, fc.string({ maxLength: 3 }))) });
  const made = values.map((record) => assign(new Leaf(), record));
  if (dirt === 0) return made;
  // An object of no class is validated as an Object, which has no rules.
  return fc.oneof({ arbitrary: made, weight: 10 }, { arbitrary: values.map((record) => assign({}, record)), weight: dirt }, { arbitrary: junk, weight: dirt });
}

const strayName = fc.constantFrom('stray', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'n');
const optional = (dirt: number, valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof(fc.constant(ABSENT), fc.constant(null), maybe(dirt, valid));

/** Instances from clean (dirt 0: every rule holds, or an optional part is absent or null) to dirty. */
const menagerie: fc.Arbitrary<Menagerie> = fc.integer({ min: 0, max: 3 }).chain((dirt) =>
  fc
    .record({
      values: fc.record({
        note: optional(dirt, fc.string({ maxLength: 5 })),
        kind: maybe(dirt, fc.constantFrom('a', 'b')),
        forA: maybe(dirt, fc.string({ minLength: 1, maxLength: 2 })),
        forB: maybe(dirt, fc.string({ maxLength: 2 })),
        counts: optional(dirt, fc.oneof(fc.array(fc.integer(), { maxLength: 3 }), fc.array(fc.integer(), { maxLength: 3 }).map((items) => new Set(items)))),
        leaves: maybe(dirt, fc.oneof({ arbitrary: fc.array(leaf(dirt), { maxLength: 3 }), weight: 4 }, fc.array(fc.array(leaf(dirt), { maxLength: 2 }), { maxLength: 2 }), leaf(dirt))),
        leaf: optional(dirt, leaf(dirt)),
        limit: maybe(dirt, fc.integer({ min: 60, max: 100 })),
        below: optional(dirt, fc.integer({ min: 0, max: 59 })),
        triple: optional(dirt, fc.integer({ min: 0, max: 10 }).map((n) => n * 3)),
        anything: maybe(dirt, junk),
      }),
      strays: fc.array(fc.record({ name: strayName, value: junk }), { maxLength: dirt === 0 ? 0 : 1 }),
    })
    .map(({ values, strays }) => assign(assign(new Menagerie(), values), Object.fromEntries(strays.map(({ name, value }) => [name, value])))),
);

/** The options the plans serve, each class-validator branch they switch on at least once. */
const SERVED_OPTIONS: Record<string, ValidatorOptions> = {
  'the app’s (whitelist, forbid the rest)': { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: false, forbidUnknownValues: false },
  'class-validator’s defaults (forbid unknown values)': {},
  'skip missing properties': { skipMissingProperties: true, forbidUnknownValues: false },
  'skip null properties': { skipNullProperties: true, whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false },
  'skip undefined properties, first error only': { skipUndefinedProperties: true, stopAtFirstError: true, forbidUnknownValues: true },
};

async function both(instance: object, options: ValidatorOptions): Promise<{ verdict: Verdict; errors: number }> {
  const acceptance = acceptanceFor(options);
  if (acceptance === null) throw new Error('options not served');
  return { verdict: acceptance.verdict(instance), errors: (await validate(instance, options)).length };
}

describe('the acceptance plan accepts exactly what class-validator accepts', () => {
  it('compiles every class of the menagerie and of a plain object', () => {
    for (const type of [Menagerie, Leaf, Base, Object]) expect(acceptPlanOf(type)).not.toBeNull();
    // Inherited rules are the plan's too.
    expect(acceptPlanOf(Menagerie)?.properties.map((property) => property.name)).toContain('note');
  });

  it.each(Object.entries(SERVED_OPTIONS))('with %s: accepted ⇔ no error, for random instances', async (_name, options) => {
    const counts = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(menagerie, async (instance) => {
        const { verdict, errors } = await both(instance, options);
        expect(verdict).not.toBe('unknown');
        expect(verdict === 'accepted').toBe(errors === 0);
        counts[verdict === 'accepted' ? 'accepted' : 'refused']++;
      }),
      { numRuns: 400 },
    );
    expect(counts.accepted).toBeGreaterThan(20);
    expect(counts.refused).toBeGreaterThan(20);
  });

  it('hands a constraint the arguments class-validator hands it (value, constraints, targetName, object, property)', async () => {
    const seen: ValidationArguments[] = [];
    @ValidatorConstraint({ name: 'recorded' })
    class Recorded implements ValidatorConstraintInterface {
      validate(_value: unknown, args?: ValidationArguments): boolean {
        if (args !== undefined) seen.push(args);
        return true;
      }
    }
    class Recording {
      @Validate(Recorded, ['c1'], { each: true }) items!: string[];
      @Validate(Recorded) one!: string;
    }
    const instance = assign(new Recording(), { items: ['x', 'y'], one: 'z' });
    await validate(instance);
    const byClassValidator = seen.splice(0);
    expect(acceptanceFor({})?.verdict(instance)).toBe('accepted');
    expect(seen).toEqual(byClassValidator);
    expect(seen[0]).toEqual({ targetName: 'Recording', property: 'items', object: instance, value: ['x', 'y'], constraints: ['c1'] });
    expect(seen[0].object).toBe(instance);
  });
});

describe('what the acceptance plan leaves to class-validator', () => {
  it('options it was not built for: groups, always, strict groups, a whitelist that strips', () => {
    for (const options of [{ groups: ['g'] }, { always: true }, { strictGroups: true }, { whitelist: true }, { enableDebugMessages: true }] satisfies ValidatorOptions[]) {
      expect(acceptanceFor(options)).toBeNull();
    }
    expect(acceptanceFor({ always: false, whitelist: true, forbidNonWhitelisted: true })).not.toBeNull();
  });

  it('a class with an asynchronous constraint or a promise rule has no plan', async () => {
    @ValidatorConstraint({ name: 'slowly', async: true })
    class Slowly implements ValidatorConstraintInterface {
      validate(value: unknown): Promise<boolean> {
        return Promise.resolve(value === 'ok');
      }
    }
    class Awaited {
      @Validate(Slowly) name!: string;
    }
    class Promised {
      @ValidatePromise() @IsString() name!: Promise<string>;
    }
    class HoldsAwaited {
      @ValidateNested() inner!: Awaited;
    }
    expect(acceptPlanOf(Awaited)).toBeNull();
    expect(acceptPlanOf(Promised)).toBeNull();
    // The nesting class is planned; its nested object is not, and the verdict says so.
    const holder = assign(new HoldsAwaited(), { inner: assign(new Awaited(), { name: 'no' }) });
    expect(acceptanceFor({})?.verdict(holder)).toBe('unknown');
    expect((await validate(holder)).length).toBe(1);
  });

  it('a constraint that answers with a promise, or throws, is unknown', () => {
    let answer: () => unknown = () => Promise.resolve(true);
    class Odd {
      @(((target: object, propertyName: string | symbol) =>
        registerDecorator({ name: 'odd', target: target.constructor, propertyName: String(propertyName), validator: { validate: () => answer() as boolean } })) as PropertyDecorator)
      value!: string;
    }
    const acceptance = acceptanceFor({});
    expect(acceptance?.verdict(assign(new Odd(), { value: 'x' }))).toBe('unknown');
    answer = () => {
      throw new Error('broken constraint');
    };
    expect(acceptance?.verdict(assign(new Odd(), { value: 'x' }))).toBe('unknown');
    answer = () => true;
    expect(acceptance?.verdict(assign(new Odd(), { value: 'x' }))).toBe('accepted');
  });

  it('every condition of a property is called, as class-validator calls them: one that throws after one that fails is unknown', async () => {
    class Guarded {
      @ValidateIf(() => {
        throw new Error('broken condition');
      })
      @ValidateIf(() => false)
      @IsString()
      name!: string;
    }
    const instance = assign(new Guarded(), { name: 7 });
    await expect(async () => validate(instance)).rejects.toThrow('broken condition');
    expect(acceptanceFor({})?.verdict(instance)).toBe('unknown');
  });

  it('a rule registered after a plan was compiled takes effect at once (no stale plan)', async () => {
    class Late {
      @IsString() name!: string;
    }
    const instance = assign(new Late(), { name: 'x'.repeat(10) });
    const acceptance = acceptanceFor({});
    expect(acceptance?.verdict(instance)).toBe('accepted');
    MaxLength(3)(Late.prototype, 'name');
    expect(acceptance?.verdict(instance)).toBe('refused');
    expect((await validate(instance)).length).toBe(1);
  });

  it('an instance of a class without rules is refused when unknown values are forbidden, as class-validator refuses it', async () => {
    class Bare {}
    expect(acceptanceFor({})?.verdict(new Bare())).toBe('refused');
    expect((await validate(new Bare())).length).toBe(1);
    expect(acceptanceFor({ forbidUnknownValues: false })?.verdict(new Bare())).toBe('accepted');
  });
});
