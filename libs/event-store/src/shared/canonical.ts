import { hash } from 'node:crypto';
import { canonicalJson } from '../integrity.js';

/**
 * integrity.ts canonicalJson, faster on the append path: one recursive pass that appends to a string, sorts
 * keys only when they are out of order, and hands anything unusual (a non-finite number, a bigint, a function,
 * an object with toJSON or a foreign prototype) to canonicalJson itself, so the output and the errors are
 * always canonicalJson's. A property test holds the two equal.
 */
export function fastCanonicalJson(value: unknown): string {
  const out = write(value);
  return out ?? canonicalJson(value);
}

/** Returns undefined to mean "not the plain JSON this fast path handles": the caller falls back. */
function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
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
      let keys = Object.keys(record);
      for (let i = 1; i < keys.length; i++) {
        if ((keys[i - 1] as string) > (keys[i] as string)) {
          keys = [...keys].sort();
          break;
        }
      }
      let s = '{';
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        const part = write(item);
        if (part === undefined) return undefined;
        s += `${first ? '' : ','}${JSON.stringify(key)}:${part}`;
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
