/**
 * Typed columns in snapshots: binary rows holding their bytes (the platform's byte order: a snapshot is restored on
 * the machine that wrote it), which keeps every float exact, NaN and infinities included, where JSON numbers would not.
 * The snapshot writer takes a typed array as a row of raw bytes and the reader gives it back as a Buffer viewing the
 * file; a column is copied out of it, so the file can be let go once the model is restored.
 */
type Column = Float64Array | Int32Array | Uint32Array | Uint8Array;

/** A snapshot row that does not describe a state the trust model wrote. */
export class TrustSnapshotError extends Error {
  constructor(message: string) {
    super(`trust snapshot: ${message}`);
    this.name = 'TrustSnapshotError';
  }
}

/** Copies `length` elements out of a binary row into a column of at least `capacity`; throws unless the row holds exactly that. */
export function decodeColumn<T extends Column>(bytes: unknown, length: number, capacity: number, make: (n: number) => T, what: string): T {
  if (!(bytes instanceof Uint8Array)) throw new TrustSnapshotError(`${what} is not a binary row`);
  const column = make(Math.max(length, capacity));
  if (bytes.length !== length * column.BYTES_PER_ELEMENT) throw new TrustSnapshotError(`${what} does not hold ${length} elements`);
  new Uint8Array(column.buffer, 0, bytes.length).set(bytes);
  return column;
}

/** Reads a snapshot's rows in order, each checked for what it must be. */
export class RowCursor {
  private at = 0;

  constructor(private readonly rows: readonly unknown[]) {}

  /** Index of the next row. */
  get position(): number {
    return this.at;
  }

  /** The next row, which must be a JSON array tagged `tag`. */
  tagged(tag: string): unknown[] {
    const row = this.next(tag);
    if (!Array.isArray(row) || row[0] !== tag) throw new TrustSnapshotError(`row ${this.at - 1} is not ${tag}`);
    return row as unknown[];
  }

  /** The next row, whatever it is (a binary row for decodeColumn, or a JSON value). */
  next(what: string): unknown {
    if (this.at >= this.rows.length) throw new TrustSnapshotError(`the snapshot is truncated: no ${what}`);
    return this.rows[this.at++];
  }

  /** The tag of the next row, or undefined when it is not a tagged JSON row. */
  peekTag(): unknown {
    const row = this.rows[this.at];
    return Array.isArray(row) ? (row as unknown[])[0] : undefined;
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
