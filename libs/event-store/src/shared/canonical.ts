import { hash } from 'node:crypto';
import { canonicalJson } from '../integrity.js';

/**
 * integrity.ts canonicalJson, faster on the append path: one recursive pass that appends to a string, sorts
 * keys in place (no copy; keys already in order stay as they are), and hands anything unusual (a non-finite number,
 * a bigint, a function, an object with toJSON or a foreign prototype) to canonicalJson itself, so the output and the
 * errors are always canonicalJson's. A property test holds the two equal.
 */
export function fastCanonicalJson(value: unknown): string {
  const out = write(value);
  return out ?? canonicalJson(value);
}

/** What JSON.stringify escapes in a string: a quote, a backslash, a control character, a (lone) surrogate. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify of a string: only a string that needs an escape goes through it (most need none). */
const quote = (text: string): string => (NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`);

/**
 * Object keys quoted, remembered: events repeat the same few dozen field names. Bounded; emptied when full, so keys
 * seen once (a request body's) cannot keep the common ones out for long.
 */
const QUOTED_KEYS_MAX = 4_096;
const quotedKeys = new Map<string, string>();
function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = quote(key);
    if (quotedKeys.size >= QUOTED_KEYS_MAX) quotedKeys.clear();
    quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** Above this many keys, Array.prototype.sort; below, an insertion sort in place (no work array, no comparator calls). */
const INSERTION_SORT_MAX = 24;

/**
 * Sorts an object's own keys (a fresh array from Object.keys) in place, by UTF-16 code units as canonicalJson's
 * `sort()` does. Most objects here have a dozen keys or fewer, often already in order: one pass then, no copy.
 */
function sortKeys(keys: string[]): void {
  const n = keys.length;
  if (n > INSERTION_SORT_MAX) {
    keys.sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    if ((keys[j] as string) <= key) continue;
    do {
      keys[j + 1] = keys[j] as string;
      j -= 1;
    } while (j >= 0 && (keys[j] as string) > key);
    keys[j + 1] = key;
  }
}

/** Returns undefined to mean "not the plain JSON this fast path handles": the caller falls back. */
function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let s = '[';
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          // A hole joins as nothing in canonicalJson (Array.prototype.map skips it); keep that byte for byte.
          const part = !(i in value) ? '' : item === undefined ? 'null' : write(item);
          if (part === undefined) return undefined;
          s += i === 0 ? part : `,${part}`;
        }
        return `${s}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) return undefined;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      sortKeys(keys);
      let s = '{';
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        const part = write(item);
        if (part === undefined) return undefined;
        s += `${first ? '' : ','}${quoteKey(key)}:${part}`;
        first = false;
      }
      return `${s}}`;
    }
    default:
      return undefined;
  }
}

/**
 * integrity.ts eventHash with the same input bytes, hashed one-shot and without building a fields object:
 * the append path hashes every event. A property test holds the two equal.
 */
export function chainHash(
  previousHash: string,
  id: string,
  type: string,
  stream: string,
  revision: number | bigint,
  position: number | bigint,
  recordedAt: string,
  dataJson: string,
  metadataJson: string,
): string {
  return hash('sha256', `${previousHash}\n${id}\n${type}\n${stream}\n${revision}\n${position}\n${recordedAt}\n${dataJson}\n${metadataJson}`);
}
