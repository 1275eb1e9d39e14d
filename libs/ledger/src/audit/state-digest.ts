/**
 * State digests of read models, and fresh instances to rebuild them into.
 *
 * A state digest is SHA-256 over canonicalJson(readModel.canonicalState()): two read models with the same digest
 * hold the same state, so an auditor compares a live model with a rebuild from zero by 64 hex characters.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../event-store/src/integrity.js';
import type { ReadModel } from '../../../projections/src/read-model.js';

/** SHA-256 (hex) over the canonical JSON text of `canonicalState`. */
export function digestOfCanonicalState(canonicalState: unknown): string {
  return createHash('sha256').update(canonicalJson(canonicalState)).digest('hex');
}

export function stateDigest(model: ReadModel): string {
  return digestOfCanonicalState(model.canonicalState());
}

/**
 * A read model whose fresh instance cannot be made by calling its constructor without arguments (it needs
 * configuration, such as a parameter set): it says how to make one configured as it is.
 */
export interface FreshlyBuildable {
  fresh(): ReadModel;
}

/** A live read model of which no fresh instance can be made: its constructor needs arguments and it has no `fresh()`. */
export class NotRebuildableError extends Error {
  constructor(readonly readModel: string) {
    super(`read model ${readModel} cannot be rebuilt: its constructor needs arguments and it has no fresh()`);
    this.name = 'NotRebuildableError';
  }
}

const hasFresh = (model: ReadModel): model is ReadModel & FreshlyBuildable => typeof (model as Partial<FreshlyBuildable>).fresh === 'function';

type ReadModelClass = new () => ReadModel;

/**
 * A new, empty instance of the same read model as `live` (same name, version and configuration), to replay the log
 * into without touching the live one. Uses `live.fresh()` when the model has it, else its argument-free constructor.
 */
export function freshReadModel(live: ReadModel): ReadModel {
  let fresh: ReadModel;
  if (hasFresh(live)) {
    fresh = live.fresh();
  } else {
    const constructor: unknown = Object.getPrototypeOf(live)?.constructor;
    // Function.length counts the parameters before the first one with a default: 0 means `new C()` is a full call.
    if (typeof constructor !== 'function' || constructor.length !== 0) throw new NotRebuildableError(live.name);
    fresh = new (constructor as ReadModelClass)();
  }
  if (fresh === live || fresh.name !== live.name || fresh.version !== live.version) {
    throw new Error(`the fresh instance of read model ${live.name} is not a new instance of the same name and version`);
  }
  return fresh;
}
