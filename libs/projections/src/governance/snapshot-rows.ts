import { isAscii } from 'node:buffer';

/** Checks for snapshot rows handed to `restore`: a row of the wrong shape is refused, so the model is rebuilt. */

export class SnapshotShapeError extends Error {
  constructor(readModel: string, what: string) {
    super(`${readModel}: snapshot ${what}`);
    this.name = 'SnapshotShapeError';
  }
}

export function rowsOf(readModel: string, state: unknown, width: number): unknown[][] {
  if (!Array.isArray(state)) throw new SnapshotShapeError(readModel, 'is not a list of rows');
  for (let i = 0; i < state.length; i++) {
    const row: unknown = state[i];
    if (!Array.isArray(row) || row.length !== width) throw new SnapshotShapeError(readModel, `row ${i} is not a tuple of ${width}`);
  }
  return state as unknown[][];
}

export function text(readModel: string, value: unknown, what: string): string {
  if (typeof value !== 'string') throw new SnapshotShapeError(readModel, `${what} is not text`);
  return value;
}

/** A bigint written as decimal text (positions and revisions). */
export function decimal(readModel: string, value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !/^(0|[1-9]\d{0,30})$/.test(value)) throw new SnapshotShapeError(readModel, `${what} is not a decimal integer`);
  return BigInt(value);
}

export function record(readModel: string, value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SnapshotShapeError(readModel, `${what} is not an object`);
  return value as Record<string, unknown>;
}

const NON_ASCII = /[^\x00-\x7f]/;
const NON_ASCII_ALL = /[^\x00-\x7f]/g;
const escapeUnit = (unit: string): string => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * A value as JSON text in ASCII bytes (every code unit above U+007F escaped as \uXXXX, which JSON.parse reads back
 * as the same string): kept as bytes and parsed later with `parseJsonBytes`, one Latin-1 copy instead of UTF-8
 * decoding.
 */
export function jsonBytes(value: unknown): Buffer {
  const json = JSON.stringify(value);
  if (typeof json !== 'string') throw new TypeError('the value is not JSON-compatible');
  return Buffer.from(NON_ASCII.test(json) ? json.replace(NON_ASCII_ALL, escapeUnit) : json, 'latin1');
}

/** Parses what `jsonBytes` wrote (or any JSON in UTF-8). */
export function parseJsonBytes(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8'));
}
