import { getMetadataStorage, type MetadataStorage, type ValidationArguments, type ValidatorOptions } from 'class-validator';
import { MAX_BODY_DEPTH } from './body-guard.js';

/**
 * "Accept fast, refuse exactly": whether class-validator would find no error in an instance, answered from a plan
 * compiled once per class from class-validator's own metadata (the same rules, the same constraint instances, called
 * with the same arguments), without class-validator's per-validation costs (its rules filtered per property, an
 * error object built for every property, promises). Only an acceptance is trusted: a refusal, or anything the plan
 * was not built for, is answered 'refused' or 'unknown', and the caller then asks class-validator itself, so every
 * refusal keeps class-validator's errors. The branches mirror class-validator 0.15's ValidationExecutor.
 */
export type Verdict = 'accepted' | 'refused' | 'unknown';

/** A class as class-validator's metadata names it (any function: an instance's `constructor`). */
export type Target = Parameters<MetadataStorage['getTargetValidationMetadatas']>[0];
type Rule = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];
type ConstraintInstance = ReturnType<MetadataStorage['getTargetValidatorConstraints']>[number]['instance'];
type Condition = (object: object, value: unknown) => unknown;

const TYPES = {
  custom: 'customValidation',
  defined: 'isDefined',
  conditional: 'conditionalValidation',
  nested: 'nestedValidation',
  whitelist: 'whitelistValidation',
} as const;

/** One decorator's check: every constraint registered for its class, with the decorator's arguments. */
interface ConstraintCheck {
  readonly property: string;
  /** The decorator's own array, as class-validator hands it to the constraint. */
  readonly constraints: unknown[];
  readonly each: boolean;
  readonly validateIf: Condition | undefined;
  readonly validators: readonly ConstraintInstance[];
}

export interface PropertyCheck {
  readonly name: string;
  /** IsOptional, ValidateIf: all must hold for anything else about the property to be checked. */
  readonly conditions: readonly Condition[];
  /** IsDefined: checked whenever the conditions hold, whatever the skip options say. */
  readonly defined: readonly ConstraintCheck[];
  readonly constraints: readonly ConstraintCheck[];
  /** ValidateNested: the value's objects (those of an array, Set or Map included) are checked by their own class. */
  readonly nested: boolean;
}

/** What class-validator checks of an instance of one class (its own and its parents' rules). */
export interface AcceptPlan {
  readonly type: Target;
  /** As in ValidationArguments: `object.constructor.name`. */
  readonly targetName: string;
  readonly hasRules: boolean;
  /**
   * class-validator's grouping of the rules by property, kept as the object it builds: its whitelist looks names up in
   * it as a plain object, inherited names (`constructor`, `hasOwnProperty`…) included, and so does the plan.
   */
  readonly grouped: Readonly<Record<string, readonly Rule[] | undefined>>;
  readonly properties: readonly PropertyCheck[];
}

/** A plan for every class asked about; null for a class whose rules the plan does not cover. */
const plans = new Map<unknown, AcceptPlan | null>();

/** A rule or a constraint registered later (a module loaded after the first request) empties the plans. */
function forgetPlansOnNewMetadata(): void {
  const storage = getMetadataStorage();
  const addValidation = storage.addValidationMetadata.bind(storage);
  const addConstraint = storage.addConstraintMetadata.bind(storage);
  storage.addValidationMetadata = (metadata) => (plans.clear(), addValidation(metadata));
  storage.addConstraintMetadata = (metadata) => (plans.clear(), addConstraint(metadata));
}

forgetPlansOnNewMetadata();

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';

/**
 * The constraints of one custom or IsDefined rule, or null when class-validator would await them (async constraints)
 * or fail on them. Instances come from class-validator's container once, when the plan is compiled: its default
 * container always answers with the same instance (the app registers no other container).
 */
function constraintCheck(rule: Rule): ConstraintCheck | null {
  if (!isFunction(rule.constraintCls)) return null;
  if (rule.validateIf !== undefined && rule.validateIf !== null && !isFunction(rule.validateIf)) return null;
  const validators: ConstraintInstance[] = [];
  for (const constraint of getMetadataStorage().getTargetValidatorConstraints(rule.constraintCls)) {
    if (constraint.async) return null;
    const instance = constraint.instance;
    if (!isFunction(instance.validate)) return null;
    validators.push(instance);
  }
  return {
    property: rule.propertyName,
    constraints: rule.constraints,
    each: Boolean(rule.each),
    validateIf: isFunction(rule.validateIf) ? rule.validateIf : undefined,
    validators,
  };
}

function propertyCheck(name: string, rules: readonly Rule[]): PropertyCheck | null {
  const conditions: Condition[] = [];
  const defined: ConstraintCheck[] = [];
  const constraints: ConstraintCheck[] = [];
  let nested = false;
  for (const rule of rules) {
    switch (rule.type) {
      case TYPES.whitelist:
        break;
      case TYPES.nested:
        nested = true;
        break;
      case TYPES.conditional: {
        const condition: unknown = rule.constraints?.[0];
        if (!isFunction(condition)) return null;
        conditions.push(condition as Condition);
        break;
      }
      case TYPES.defined:
      case TYPES.custom: {
        const check = constraintCheck(rule);
        if (check === null) return null;
        (rule.type === TYPES.defined ? defined : constraints).push(check);
        break;
      }
      // promiseValidation (awaited) and any type class-validator may add later: left to class-validator.
      default:
        return null;
    }
  }
  return { name, conditions, defined, constraints, nested };
}

function compile(type: Target): AcceptPlan | null {
  const storage = getMetadataStorage();
  // As class-validator asks when validating without groups or `always` (the only options a plan serves).
  const rules = storage.getTargetValidationMetadatas(type, '', false, false, undefined);
  const grouped = storage.groupByPropertyName(rules);
  const properties: PropertyCheck[] = [];
  for (const name of Object.keys(grouped)) {
    const property = propertyCheck(name, grouped[name]);
    if (property === null) return null;
    properties.push(property);
  }
  return { type, targetName: type.name, hasRules: rules.length > 0, grouped, properties };
}

/** The plan of a class (compiled on first use), or null when class-validator must check its instances itself. */
export function acceptPlanOf(type: Target): AcceptPlan | null {
  let plan = plans.get(type);
  if (plan === undefined) {
    try {
      plan = compile(type);
    } catch {
      plan = null;
    }
    plans.set(type, plan);
  }
  return plan;
}

// ---- checking an instance ------------------------------------------------------------------------------------------

/** The validator options a plan honours, read as class-validator reads them. */
interface Flags {
  readonly forbidNonWhitelisted: boolean;
  readonly forbidUnknownValues: boolean;
  readonly skipUndefined: boolean;
  readonly skipNull: boolean;
  readonly skipMissing: boolean;
}

/** Options that change only the wording or shape of errors, never whether there is one. */
const ERROR_ONLY_OPTIONS = new Set(['validationError', 'dismissDefaultMessages', 'stopAtFirstError']);
const FLAG_OPTIONS = new Set(['whitelist', 'forbidNonWhitelisted', 'forbidUnknownValues', 'skipUndefinedProperties', 'skipNullProperties', 'skipMissingProperties']);

/**
 * What the plans make of these options; null for options they were not built for: groups, `always`, strict groups,
 * debug messages, a whitelist that strips (it changes the instance) and any option unknown to this version.
 */
function flagsOf(options: ValidatorOptions): Flags | null {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || ERROR_ONLY_OPTIONS.has(key) || FLAG_OPTIONS.has(key)) continue;
    if ((key === 'always' || key === 'strictGroups' || key === 'enableDebugMessages') && value === false) continue;
    return null;
  }
  if (options.whitelist && !options.forbidNonWhitelisted) return null;
  return {
    forbidNonWhitelisted: Boolean(options.whitelist),
    forbidUnknownValues: options.forbidUnknownValues !== false,
    skipUndefined: options.skipUndefinedProperties === true,
    skipNull: options.skipNullProperties === true,
    skipMissing: options.skipMissingProperties === true,
  };
}

/** class-validator's test for a constraint's asynchronous answer. */
const isPromise = (value: unknown): boolean => value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';

const isCollection = (value: unknown): value is unknown[] | Set<unknown> | Map<unknown, unknown> => Array.isArray(value) || value instanceof Set || value instanceof Map;

/** Nesting deeper than any body the guard lets through is left to class-validator (each array or object is a level). */
const MAX_CHECK_DEPTH = MAX_BODY_DEPTH + 1;

function checkConstraints(object: object, value: unknown, checks: readonly ConstraintCheck[], targetName: string): Verdict {
  for (const check of checks) {
    if (check.validateIf !== undefined && !check.validateIf(object, value)) continue;
    for (const validator of check.validators) {
      // A fresh object per call, as class-validator builds it: a constraint may keep or change it.
      const args: ValidationArguments = { targetName, property: check.property, object, value, constraints: check.constraints };
      if (!check.each || !isCollection(value)) {
        const valid = validator.validate(value, args);
        if (isPromise(valid)) return 'unknown';
        if (!valid) return 'refused';
        continue;
      }
      const items: readonly unknown[] = value instanceof Map ? Array.from(value.values()) : Array.isArray(value) ? value : Array.from(value);
      for (const item of items) {
        const valid = validator.validate(item, args);
        if (isPromise(valid)) return 'unknown';
        if (!valid) return 'refused';
      }
    }
  }
  return 'accepted';
}

/** Whether a value is skipped by the skip options before its constraints and nested objects are checked. */
const skipped = (value: unknown, flags: Flags): boolean =>
  (value === undefined && flags.skipUndefined) || (value === null && flags.skipNull) || ((value === null || value === undefined) && flags.skipMissing);

function checkNested(value: unknown, flags: Flags, depth: number): Verdict {
  if (value === undefined) return 'accepted';
  if (depth > MAX_CHECK_DEPTH) return 'unknown';
  if (isCollection(value)) {
    // Each item as a property of the collection with only the nested rule: skip options, then its own nesting.
    const items: Iterable<unknown> = value instanceof Map ? value.values() : value;
    for (const item of items) {
      if (skipped(item, flags)) continue;
      const verdict = checkNested(item, flags, depth + 1);
      if (verdict !== 'accepted') return verdict;
    }
    return 'accepted';
  }
  if (value instanceof Object) return checkObject(value, flags, depth + 1);
  return 'refused';
}

function checkProperty(object: object, property: PropertyCheck, plan: AcceptPlan, flags: Flags, depth: number): Verdict {
  const value: unknown = (object as Record<string, unknown>)[property.name];
  // Every condition is called, as class-validator does, before their conjunction decides.
  let conditionsHold = true;
  for (const condition of property.conditions) if (!condition(object, value)) conditionsHold = false;
  if (!conditionsHold) return 'accepted';
  const defined = checkConstraints(object, value, property.defined, plan.targetName);
  if (defined !== 'accepted') return defined;
  if (skipped(value, flags)) return 'accepted';
  const constraints = checkConstraints(object, value, property.constraints, plan.targetName);
  if (constraints !== 'accepted') return constraints;
  return property.nested ? checkNested(value, flags, depth) : 'accepted';
}

function checkObject(object: object, flags: Flags, depth: number): Verdict {
  // The class is found as class-validator finds it: through the instance's `constructor`.
  const type: unknown = (object as { constructor?: unknown }).constructor;
  if (!isFunction(type)) return 'unknown';
  const plan = acceptPlanOf(type);
  if (plan === null) return 'unknown';
  if (flags.forbidUnknownValues && !plan.hasRules) return 'refused';
  if (flags.forbidNonWhitelisted) {
    for (const key of Object.keys(object)) {
      const rules = plan.grouped[key];
      if (!rules || rules.length === 0) return 'refused';
    }
  }
  for (const property of plan.properties) {
    const verdict = checkProperty(object, property, plan, flags, depth);
    if (verdict !== 'accepted') return verdict;
  }
  return 'accepted';
}

export interface Acceptance {
  /**
   * 'accepted' only when `validate(instance, options)` would resolve to no error; 'refused' when it would report one
   * (or throw); 'unknown' when the plans do not cover the instance. A constraint that throws gives 'unknown'.
   */
  verdict(instance: object): Verdict;
}

/** The acceptance check for one set of validator options, or null when the plans do not serve those options. */
export function acceptanceFor(options: ValidatorOptions): Acceptance | null {
  const flags = flagsOf(options);
  if (flags === null) return null;
  return {
    verdict(instance: object): Verdict {
      try {
        return checkObject(instance, flags, 0);
      } catch {
        return 'unknown';
      }
    },
  };
}
