import { Type as TransformedType, TransformationType } from 'class-transformer';
import { defaultMetadataStorage as transformerStorage } from 'class-transformer/cjs/storage.js';
import { getMetadataStorage } from 'class-validator';
import { MAX_BODY_DEPTH } from './body-guard.js';

/** A class with a no-argument constructor: what a request DTO is, and what `plainToInstance` builds. */
export type Instantiable = new () => object;

/** Any class, as class-transformer's and class-validator's metadata name them. */
export type Constructor = abstract new (...args: never[]) => unknown;

const isConstructor = (value: unknown): value is Constructor => typeof value === 'function';

/**
 * How a JSON body becomes an instance of its DTO class, compiled once per class from class-transformer's own metadata:
 * the properties the class validates and, for each, the class its objects become (`@Type(() => NestedDto)`) or null.
 */
export interface InstancePlan {
  readonly type: Instantiable;
  readonly properties: ReadonlyMap<string, PropertyPlan>;
}

export interface PropertyPlan {
  /** The class an object (or each object of an array, at any depth) becomes; null: copied as plain data. */
  readonly nested: InstancePlan | null;
}

/** Returned by `instantiate` for a value the plan does not cover: the caller hands it to class-transformer itself. */
export const NOT_PLANNED: unique symbol = Symbol('not planned');

/**
 * Types class-transformer converts, copies or treats specially (`@Type(() => Number)`, Date, Map, Set…), and so
 * the classes a plan never builds: a class using one is left to class-transformer.
 */
const SPECIAL_TYPES: readonly unknown[] = [Object, Array, String, Number, Boolean, Date, Buffer, Map, Set, Promise, Symbol, BigInt, Function, RegExp, Error];

/** Keys class-transformer or Nest's ValidationPipe skip or strip (`stripProtoKeys`): never copied by a plan. */
const isStrippedKey = (key: string): boolean => key === '__proto__' || key === 'prototype' || key in Object.prototype;

/** Every class whose metadata rules it out, and every class reaching one through its nested classes. */
const unplannable = new Set<Constructor>();
const plans = new Map<Constructor, InstancePlan>();

/**
 * A rule or a transformation declared after plans were compiled (decorators applied by hand to a class already in
 * use) empties the plans: a plan never reflects stale metadata.
 */
function forgetPlansOnNewMetadata(): void {
  const forget = (): void => {
    plans.clear();
    unplannable.clear();
  };
  const transformer = transformerStorage;
  const addType = transformer.addTypeMetadata.bind(transformer);
  const addTransform = transformer.addTransformMetadata.bind(transformer);
  const addExpose = transformer.addExposeMetadata.bind(transformer);
  const addExclude = transformer.addExcludeMetadata.bind(transformer);
  transformer.addTypeMetadata = (metadata) => (forget(), addType(metadata));
  transformer.addTransformMetadata = (metadata) => (forget(), addTransform(metadata));
  transformer.addExposeMetadata = (metadata) => (forget(), addExpose(metadata));
  transformer.addExcludeMetadata = (metadata) => (forget(), addExclude(metadata));
  const validator = getMetadataStorage();
  const addValidation = validator.addValidationMetadata.bind(validator);
  validator.addValidationMetadata = (metadata) => (forget(), addValidation(metadata));
}

/**
 * The storage read here must be the one the public `@Type` writes to (the package is loaded once, as CommonJS, by
 * Node and by Jest alike). Checked on load with a probe class: were it another copy, no nested class would be found
 * and nested objects would stay plain, so the module refuses to load instead.
 */
function assertLiveStorage(): void {
  class Probe {}
  class Holder {}
  TransformedType(() => Probe)(Holder.prototype, 'probe');
  if (transformerStorage.findTypeMetadata(Holder, 'probe')?.typeFunction() !== Probe) {
    throw new Error("class-transformer's metadata storage is not the one its @Type decorator writes to");
  }
}

assertLiveStorage();
forgetPlansOnNewMetadata();

function construct(type: Constructor): object | null {
  try {
    return Reflect.construct(type, []) as object;
  } catch {
    return null;
  }
}

/** What class-transformer's `instantiateArrayType` makes of a property's design type: a plain empty array, or null. */
function makesPlainArray(reflectedType: unknown): boolean {
  if (reflectedType === undefined) return true;
  if (!isConstructor(reflectedType)) return false;
  const made = construct(reflectedType);
  if (made === null || made instanceof Set) return false;
  return !('push' in made) || (Array.isArray(made) && Object.getPrototypeOf(made) === Array.prototype && made.length === 0);
}

const isSpecialType = (type: Constructor): boolean =>
  SPECIAL_TYPES.some((special) => type === special || (special !== Object && typeof special === 'function' && type.prototype instanceof special));

/**
 * The properties of one class (nested classes by constructor, not yet by plan), or null when class-transformer would
 * do more with it than build it and copy keys: @Expose/@Exclude, @Transform, a discriminator, a type chosen per
 * object, a conversion to a special type, a property shadowed by a method or accessor.
 */
function localProperties(type: Constructor): Map<string, Constructor | null> | null {
  if (isSpecialType(type)) return null;
  if (transformerStorage.getStrategy(type) !== 'none' || transformerStorage.getExposedMetadatas(type).length > 0 || transformerStorage.getExcludedMetadatas(type).length > 0) return null;
  const sample = construct(type);
  if (sample === null || sample.constructor !== type) return null;
  const validator = getMetadataStorage();
  const validated = Object.keys(validator.groupByPropertyName(validator.getTargetValidationMetadatas(type, '', false, false)));
  const properties = new Map<string, Constructor | null>();
  for (const key of validated) {
    if (isStrippedKey(key) || key in type.prototype || typeof (sample as Record<string, unknown>)[key] === 'function') return null;
    if (transformerStorage.findTransformMetadatas(type, key, TransformationType.PLAIN_TO_CLASS).length > 0) return null;
    const declared = transformerStorage.findTypeMetadata(type, key);
    if (declared === undefined) {
      properties.set(key, null);
      continue;
    }
    if (declared.options?.discriminator !== undefined || declared.reflectedType === Map || declared.typeFunction.length > 0) return null;
    if (!makesPlainArray(declared.reflectedType)) return null;
    const nested = declared.typeFunction();
    if (!isConstructor(nested) || isSpecialType(nested)) return null;
    properties.set(key, nested);
  }
  return properties;
}

/**
 * The plan of a DTO class, or null when class-transformer must build it (see `localProperties`). Compiled once per
 * class with every class it reaches (cycles included): all of them are planned or none is.
 */
export function planOf(type: Constructor): InstancePlan | null {
  const known = plans.get(type);
  if (known !== undefined) return known;
  if (unplannable.has(type)) return null;
  const reached = new Map<Constructor, Map<string, Constructor | null>>();
  const pending: Constructor[] = [type];
  while (pending.length > 0) {
    const next = pending.pop() as Constructor;
    if (reached.has(next) || plans.has(next)) continue;
    const properties = localProperties(next);
    if (properties === null) {
      unplannable.add(type);
      return null;
    }
    reached.set(next, properties);
    for (const nested of properties.values()) if (nested !== null) pending.push(nested);
  }
  const built = new Map<Constructor, { type: Instantiable; properties: Map<string, PropertyPlan> }>();
  for (const cls of reached.keys()) built.set(cls, { type: cls as Instantiable, properties: new Map() });
  const planFor = (cls: Constructor): InstancePlan => (plans.get(cls) ?? built.get(cls)) as InstancePlan;
  for (const [cls, properties] of reached) {
    const plan = built.get(cls) as { properties: Map<string, PropertyPlan> };
    for (const [key, nested] of properties) plan.properties.set(key, { nested: nested === null ? null : planFor(nested) });
  }
  for (const [cls, plan] of built) plans.set(cls, plan);
  return planFor(type);
}

const isPlainObject = (value: object): value is Record<string, unknown> => Object.getPrototypeOf(value) === Object.prototype;

/**
 * What `plainToInstance` makes of a JSON value in a place whose class is `nested` (null: none): arrays are copied item
 * by item, objects become instances of the class (or plain copies), anything else stays as it is. NOT_PLANNED for what
 * JSON cannot hold (undefined, holes, Dates, Buffers, objects of other prototypes), for keys class-transformer or Nest
 * skip or strip, for a key the class does not validate, and beyond MAX_BODY_DEPTH.
 */
function convert(value: unknown, nested: InstancePlan | null, depth: number): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'object' || depth > MAX_BODY_DEPTH) return NOT_PLANNED;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) return NOT_PLANNED;
      const converted = convert(item, nested, depth + 1);
      if (converted === NOT_PLANNED) return NOT_PLANNED;
      copy.push(converted);
    }
    return copy;
  }
  if (!isPlainObject(value)) return NOT_PLANNED;
  if (nested !== null) return build(nested, value, depth);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (isStrippedKey(key)) return NOT_PLANNED;
    const converted = convert(value[key], null, depth + 1);
    if (converted === NOT_PLANNED) return NOT_PLANNED;
    copy[key] = converted;
  }
  return copy;
}

function build(plan: InstancePlan, source: Record<string, unknown>, depth: number): object | typeof NOT_PLANNED {
  const instance = new plan.type() as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const property = plan.properties.get(key);
    if (property === undefined) return NOT_PLANNED;
    const converted = convert(source[key], property.nested, depth + 1);
    if (converted === NOT_PLANNED) return NOT_PLANNED;
    instance[key] = converted;
  }
  return instance;
}

/**
 * The instance `plainToInstance(plan.type, body)` gives (same classes, same own properties in the same order), built
 * without class-transformer's per-key metadata lookups; NOT_PLANNED when the body holds anything the plan does not
 * cover (see `convert`), which class-transformer then handles as before.
 */
export function instantiate(plan: InstancePlan, body: unknown): object | typeof NOT_PLANNED {
  if (body === null || typeof body !== 'object' || !isPlainObject(body)) return NOT_PLANNED;
  return build(plan, body, 0);
}
