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

/** A live read model of which no fresh instance can be made: its constructor needs arguments nobody can supply. */
export class NotRebuildableError extends Error {
  constructor(readonly readModel: string) {
    super(`read model ${readModel} cannot be rebuilt: its constructor needs arguments and it has no fresh()`);
    this.name = 'NotRebuildableError';
  }
}

const hasFresh = (model: ReadModel): model is ReadModel & FreshlyBuildable => typeof (model as Partial<FreshlyBuildable>).fresh === 'function';

export type ReadModelClass = abstract new (...args: never[]) => ReadModel;

/**
 * Makes an instance of a read model class whose constructor takes arguments (in the API: Nest's ModuleRef.create,
 * which injects the same providers the live instance got).
 */
export type ReadModelConstructor = (type: ReadModelClass) => Promise<ReadModel>;

/**
 * A new, empty instance of the same read model as `live` (same name, version and configuration), to replay the log
 * into without touching the live one: `live.fresh()` when the model has it; else its constructor, through
 * `construct` when it takes arguments, directly when it takes none.
 */
export async function freshReadModel(live: ReadModel, construct?: ReadModelConstructor): Promise<ReadModel> {
  let fresh: ReadModel;
  if (hasFresh(live)) {
    fresh = live.fresh();
  } else {
    const type: unknown = Object.getPrototypeOf(live)?.constructor;
    if (typeof type !== 'function') throw new NotRebuildableError(live.name);
    // Function.length counts the parameters before the first one with a default: 0 means `new C()` is a full call.
    if (type.length === 0) fresh = new (type as new () => ReadModel)();
    else if (construct !== undefined) fresh = await construct(type as ReadModelClass);
    else throw new NotRebuildableError(live.name);
  }
  if (fresh === live || fresh.name !== live.name || fresh.version !== live.version) {
    throw new Error(`the fresh instance of read model ${live.name} is not a new instance of the same name and version`);
  }
  return fresh;
}
