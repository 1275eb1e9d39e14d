import { getMetadataStorage, type MetadataStorage } from 'class-validator';

type Target = Parameters<MetadataStorage['getTargetValidationMetadatas']>[0];
type Rules = ReturnType<MetadataStorage['getTargetValidationMetadatas']>;

const MEMOIZED = Symbol.for('concordat.validation-metadata-memoized');

/**
 * class-validator looks up a class's rules on every validation by filtering every rule it knows and testing
 * `instanceof` against every decorated class: with ~100 DTOs that was 6 % of a command's CPU (profile of
 * `POST /commitments`, bench/README.md). The rules are fixed once the DTO modules are loaded, so the answer per
 * (class, schema, options) is memoized, and so is its grouping by property (both are read-only to their callers).
 * Registering a rule later (a module loaded afterwards) empties the memo: never a stale answer.
 *
 * Patches the one global MetadataStorage instance; idempotent. Validation results are unchanged (test/http and
 * the API fuzzer exercise every DTO through it).
 */
export function memoizeValidationMetadata(): void {
  const storage: MetadataStorage & { [MEMOIZED]?: true } = getMetadataStorage();
  if (storage[MEMOIZED] === true) return;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const grouping = storage.groupByPropertyName.bind(storage);
  const addValidation = storage.addValidationMetadata.bind(storage);
  // Validation asks with default flags (no groups, not `always`, not strict) and the class's own schema or a parent's
  // name: those answers are keyed by schema alone, without building a key string per lookup (every nested object).
  let byTarget = new Map<Target, Map<string | undefined, Rules>>();
  let byTargetAndFlags = new Map<Target, Map<string, Rules>>();
  let grouped = new WeakMap<Rules, Record<string, Rules>>();

  storage.getTargetValidationMetadatas = (targetConstructor, targetSchema, always, strictGroups, groups) => {
    const plain = always === false && strictGroups === false && groups === undefined;
    const memo = plain ? byTarget : byTargetAndFlags;
    const key = plain ? targetSchema : `${targetSchema}\u0000${always}\u0000${strictGroups}\u0000${groups === undefined ? '' : JSON.stringify(groups)}`;
    let forTarget = memo.get(targetConstructor);
    if (forTarget === undefined) {
      forTarget = new Map();
      memo.set(targetConstructor, forTarget);
    }
    let found = forTarget.get(key);
    if (found === undefined) {
      found = lookup(targetConstructor, targetSchema, always, strictGroups, groups);
      forTarget.set(key, found);
    }
    return found;
  };
  storage.groupByPropertyName = (metadata) => {
    let found = grouped.get(metadata);
    if (found === undefined) {
      found = grouping(metadata);
      grouped.set(metadata, found);
    }
    return found;
  };
  storage.addValidationMetadata = (metadata) => {
    byTarget = new Map();
    byTargetAndFlags = new Map();
    grouped = new WeakMap();
    addValidation(metadata);
  };
  storage[MEMOIZED] = true;
}
