/**
 * Typed columns in snapshot rows: base64 of their bytes (the platform's byte order: a snapshot is restored on the
 * machine that wrote it), which keeps every float exact, NaN and infinities included, where JSON numbers would not.
 */
type Column = Float64Array | Int32Array | Uint32Array | Uint8Array;

/** A snapshot row that does not describe a state the trust model wrote. */
export class TrustSnapshotError extends Error {
  constructor(message: string) {
    super(`trust snapshot: ${message}`);
    this.name = 'TrustSnapshotError';
  }
}

export function encodeColumn(column: Column): string {
  return Buffer.from(column.buffer, column.byteOffset, column.byteLength).toString('base64');
}

/** Decodes `length` elements into a column of at least `capacity`; throws on text that is not exactly that. */
export function decodeColumn<T extends Column>(text: unknown, length: number, capacity: number, make: (n: number) => T, what: string): T {
  if (typeof text !== 'string') throw new TrustSnapshotError(`${what} is not base64 text`);
  const bytes = Buffer.from(text, 'base64');
  const column = make(Math.max(length, capacity));
  if (bytes.length !== length * column.BYTES_PER_ELEMENT || bytes.toString('base64') !== text) {
    throw new TrustSnapshotError(`${what} does not hold ${length} elements`);
  }
  new Uint8Array(column.buffer, 0, bytes.length).set(bytes);
  return column;
}

/** A row whose base64 is produced while the writer serializes it, from copies taken at capture. */
export class DeferredRow {
  constructor(private readonly build: () => unknown[]) {}

  toJSON(): unknown[] {
    return this.build();
  }
}

export function expectArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new TrustSnapshotError(`${what} is not an array`);
  return value as unknown[];
}

export function expectString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TrustSnapshotError(`${what} is not a string`);
  return value;
}

export function expectCount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TrustSnapshotError(`${what} is not a count`);
  return value;
}

export function expectFinite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TrustSnapshotError(`${what} is not a finite number`);
  return value;
}

/** Every element of an int column lies in [min, max). */
export function expectRange(column: Int32Array, length: number, min: number, max: number, what: string): void {
  for (let i = 0; i < length; i++) {
    if (column[i] < min || column[i] >= max) throw new TrustSnapshotError(`${what}[${i}] = ${column[i]} is out of range`);
  }
}
