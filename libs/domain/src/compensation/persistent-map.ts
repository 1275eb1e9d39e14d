/**
 * A small persistent (immutable, structurally shared) map from string keys, for decider states that grow with their
 * stream: a treasury's transfers, a fund's contributions. Copying a plain record on every event would make folding a
 * stream of n events cost n²; here a write copies two 32-slot arrays and one leaf of about n / 1024 entries, so a fold
 * stays close to linear, and every earlier state is left exactly as it was.
 */

const WIDTH = 32;

type Leaf<V> = Readonly<Record<string, V>>;
type Branch<V> = readonly (Leaf<V> | undefined)[];

export interface PersistentMap<V> {
  readonly size: number;
  readonly root: readonly (Branch<V> | undefined)[];
}

const emptySlots = <T>(): (T | undefined)[] => Array.from({ length: WIDTH }, (): T | undefined => undefined);

export const emptyMap = <V>(): PersistentMap<V> => ({ size: 0, root: emptySlots<Branch<V>>() });

/** FNV-1a over UTF-16 code units: cheap, deterministic, and spread enough for ids. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function mapGet<V>(map: PersistentMap<V>, key: string): V | undefined {
  const h = hash(key);
  const leaf = map.root[h % WIDTH]?.[(h >>> 5) % WIDTH];
  return leaf !== undefined && Object.hasOwn(leaf, key) ? leaf[key] : undefined;
}

/** A new map with `key` set to `value`; `map` is unchanged. */
export function mapSet<V>(map: PersistentMap<V>, key: string, value: V): PersistentMap<V> {
  const h = hash(key);
  const i = h % WIDTH;
  const j = (h >>> 5) % WIDTH;
  const branch = map.root[i];
  const leaf = branch?.[j];
  const added = leaf === undefined || !Object.hasOwn(leaf, key);
  const nextBranch = branch === undefined ? emptySlots<Leaf<V>>() : [...branch];
  nextBranch[j] = { ...leaf, [key]: value };
  const nextRoot = [...map.root];
  nextRoot[i] = nextBranch;
  return { size: map.size + (added ? 1 : 0), root: nextRoot };
}

/** Every value, in no particular order (callers that need an order sort). */
export function* mapValues<V>(map: PersistentMap<V>): Generator<V> {
  for (const branch of map.root) {
    if (branch === undefined) continue;
    for (const leaf of branch) {
      if (leaf === undefined) continue;
      for (const key of Object.keys(leaf)) {
        const value = leaf[key];
        if (value !== undefined) yield value;
      }
    }
  }
}
