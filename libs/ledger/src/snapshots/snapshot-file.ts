/**
 * The bytes of one read-model snapshot.
 *
 *   payload   records, one per row (layout "rows": the elements of the array `snapshot()` returned, so no single
 *             string has to hold a state of hundreds of MiB; layout "value": one record). A record is a kind byte, the
 *             length of its body (uint32, little-endian) and the body: 'J' a JSON document in UTF-8, 'B' raw bytes
 *             (a row that was a Uint8Array or another typed array: its bytes as they are, no base64, no JSON)
 *   newline   ends the payload, so the header line is found from the end whatever bytes the payload holds
 *   header    one line of JSON: which model, which version, which position of which log, and the payload's SHA-256
 *   seal      one line: the SHA-256 of the header line
 *
 * The header comes last so that the payload can be streamed out in slices while its hash is computed. Anything that
 * does not decode exactly (truncated, flipped byte, other format) is a `SnapshotRejected` with the reason: the runner
 * then rebuilds that model from the log.
 */
import { isAscii } from 'node:buffer';
import { createHash, webcrypto } from 'node:crypto';
import type { StoreKind } from '../../../event-store/src/port.js';
import { DeferredSnapshotBytes, SnapshotBytes } from '../../../projections/src/read-model.js';
import { releaseNow } from '../../../projections/src/governance/snapshot-rows.js';
import type { PayloadHasher } from './checksum-worker.js';

/** 2: length-prefixed records with binary rows (1 was one JSON document per line; its files are refused as of another format). */
export const SNAPSHOT_FORMAT = 'concordat.read-model-snapshot/2';
/** A Buffer larger than this is refused before it is read: it would not fit Node's limits anyway. */
export const MAX_SNAPSHOT_BYTES = 2 * 1024 * 1024 * 1024 - 1;
/** Rows in one snapshot; beyond this the model is rebuilt rather than snapshotted. */
export const MAX_SNAPSHOT_ROWS = 50_000_000;
const NEWLINE = 0x0a;
const JSON_ROW = 0x4a;
const BYTES_ROW = 0x42;
/** Kind byte and uint32 length before each record's body. */
const RECORD_HEAD = 5;
/** Largest body one record may have (its length field is a uint32). */
export const MAX_ROW_BYTES = 0xffff_ffff;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

export type SnapshotLayout = 'rows' | 'value';

/** What a snapshot claims about itself; every field is checked before its payload is used. */
export interface SnapshotHeader {
  format: typeof SNAPSHOT_FORMAT;
  readModel: string;
  version: number;
  parameterSetVersion: string | null;
  /** Global position of the last event the state reflects (decimal). */
  position: string;
  /** The log it was taken from: the store kind and the chained hash of the event at `position`. */
  store: { kind: StoreKind; eventHash: string };
  layout: SnapshotLayout;
  rows: number;
  payloadBytes: number;
  payloadSha256: string;
  takenAt: string;
}

/** A snapshot that must not be used, and why (for the warning in the log). */
export class SnapshotRejected extends Error {
  constructor(
    readonly readModel: string,
    readonly reason: string,
  ) {
    super(`snapshot of ${readModel} rejected: ${reason}`);
    this.name = 'SnapshotRejected';
  }
}

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseHeader(readModel: string, text: string): SnapshotHeader {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SnapshotRejected(readModel, 'the header is not JSON');
  }
  const reject = (what: string): never => {
    throw new SnapshotRejected(readModel, `the header's ${what} is missing or malformed`);
  };
  if (!isRecord(value)) return reject('object');
  if (value.format !== SNAPSHOT_FORMAT) throw new SnapshotRejected(readModel, `unknown format ${JSON.stringify(value.format)}`);
  const store = value.store;
  if (!isRecord(store) || (store.kind !== 'memory' && store.kind !== 'sqlite' && store.kind !== 'esdb')) return reject('store');
  if (typeof store.eventHash !== 'string' || !HEX_SHA256.test(store.eventHash)) return reject('event hash');
  if (typeof value.readModel !== 'string') return reject('read model');
  if (typeof value.version !== 'number' || !Number.isSafeInteger(value.version)) return reject('version');
  if (value.parameterSetVersion !== null && typeof value.parameterSetVersion !== 'string') return reject('parameter set');
  if (typeof value.position !== 'string' || !/^(0|[1-9]\d{0,30})$/.test(value.position)) return reject('position');
  if (value.layout !== 'rows' && value.layout !== 'value') return reject('layout');
  if (typeof value.rows !== 'number' || !Number.isSafeInteger(value.rows) || value.rows < 0 || value.rows > MAX_SNAPSHOT_ROWS) return reject('row count');
  if (typeof value.payloadBytes !== 'number' || !Number.isSafeInteger(value.payloadBytes) || value.payloadBytes < 0) return reject('payload size');
  if (typeof value.payloadSha256 !== 'string' || !HEX_SHA256.test(value.payloadSha256)) return reject('payload checksum');
  if (typeof value.takenAt !== 'string') return reject('instant');
  return {
    format: SNAPSHOT_FORMAT,
    readModel: value.readModel,
    version: value.version,
    parameterSetVersion: value.parameterSetVersion,
    position: value.position,
    store: { kind: store.kind, eventHash: store.eventHash },
    layout: value.layout,
    rows: value.rows,
    payloadBytes: value.payloadBytes,
    payloadSha256: value.payloadSha256,
    takenAt: value.takenAt,
  };
}

/** A snapshot whose seal and header are intact; `state()` checks the payload's checksum as it parses it. */
export interface SealedSnapshot {
  header: SnapshotHeader;
  /**
   * Starts the payload's SHA-256 on the thread pool (once; `state()` starts it too when nobody did), so the check of
   * one snapshot can run while another model's rows are parsed. Resolves whether it matches the header.
   */
  checksum(): Promise<boolean>;
  /**
   * Parses the payload in slices (yielding to the event loop between them) and returns the state: JSON rows as their
   * values, binary rows as Buffers that view the file's bytes (copy what you keep, so the file can be let go).
   */
  state(): Promise<unknown>;
  /**
   * Frees the file's bytes now instead of at a later garbage collection (every row `state()` gave that viewed them
   * becomes empty): for the runner, once the model restored from them has copied what it keeps.
   */
  release(): void;
}

export interface ParseOptions {
  /** Awaited between slices of rows so a long parse does not stall the server; default setImmediate. */
  yieldNow?: () => Promise<void>;
  /** Milliseconds of parsing between two yields. */
  sliceMs?: number;
}

export interface OpenOptions extends ParseOptions {
  /**
   * Hashes the payload instead of WebCrypto (which copies it on the main thread first). It may move the file's bytes
   * away while it hashes, so the rows are parsed only once the checksum is known, from the bytes it gives back.
   */
  hasher?: PayloadHasher;
}

const setImmediateYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Checks the seal and the header; throws SnapshotRejected when anything is off (the payload: see `state()`). */
export function openSnapshot(readModel: string, bytes: Buffer, options: OpenOptions = {}): SealedSnapshot {
  if (bytes.length === 0) throw new SnapshotRejected(readModel, 'the file is empty');
  if (bytes[bytes.length - 1] !== NEWLINE) throw new SnapshotRejected(readModel, 'the file is truncated (no final newline)');
  const sealStart = bytes.lastIndexOf(NEWLINE, bytes.length - 2) + 1;
  if (sealStart <= 0) throw new SnapshotRejected(readModel, 'the file has no header');
  const headerStart = bytes.lastIndexOf(NEWLINE, sealStart - 2) + 1;
  if (headerStart <= 0) throw new SnapshotRejected(readModel, 'the file has no payload before its header');
  const headerBytes = bytes.subarray(headerStart, sealStart - 1);
  const seal = bytes.toString('latin1', sealStart, bytes.length - 1);
  if (!HEX_SHA256.test(seal) || sha256(headerBytes) !== seal) throw new SnapshotRejected(readModel, 'the header does not match its seal');
  const header = parseHeader(readModel, headerBytes.toString('utf8'));
  if (header.readModel !== readModel) throw new SnapshotRejected(readModel, `it is a snapshot of ${header.readModel}`);
  // The payload ends with the newline before the header.
  if (header.payloadBytes !== headerStart - 1) throw new SnapshotRejected(readModel, `the payload is ${headerStart - 1} bytes, the header says ${header.payloadBytes}`);
  const payloadBytes = headerStart - 1;
  let file = bytes;
  let payload = bytes.subarray(0, payloadBytes);
  const yieldNow = options.yieldNow ?? setImmediateYield;
  const sliceMs = options.sliceMs ?? 20;
  const { hasher } = options;
  let digest: Promise<boolean> | null = null;
  const checksum = (): Promise<boolean> => {
    digest ??=
      hasher === undefined
        ? // WebCrypto hashes on the thread pool: the checksum is computed while rows (of this or another snapshot) are
          // parsed on the main thread.
          webcrypto.subtle.digest('SHA-256', payload).then((d) => Buffer.from(d).toString('hex') === header.payloadSha256)
        : hasher.sha256(bytes, payloadBytes).then((hashed) => {
            file = hashed.file;
            payload = file.subarray(0, payloadBytes);
            return hashed.hex === header.payloadSha256;
          });
    return digest;
  };
  return {
    header,
    checksum,
    release(): void {
      releaseNow(file);
    },
    async state(): Promise<unknown> {
      const matches = checksum();
      // The hasher may hold the bytes until it answers; WebCrypto works on its own copy, so parsing overlaps it.
      if (hasher !== undefined && !(await matches)) throw new SnapshotRejected(readModel, 'the payload does not match its SHA-256');
      let parsed: { rows: unknown[] } | { refused: SnapshotRejected };
      try {
        parsed = { rows: await parseRecords(readModel, header, payload, yieldNow, sliceMs) };
      } catch (error) {
        if (!(error instanceof SnapshotRejected)) throw error;
        parsed = { refused: error };
      }
      // Nothing is returned before the checksum matches, and its verdict comes first: a damaged payload is reported
      // as such, whatever it parsed to.
      if (!(await matches)) throw new SnapshotRejected(readModel, 'the payload does not match its SHA-256');
      if ('refused' in parsed) throw parsed.refused;
      const { rows } = parsed;
      if (header.layout === 'value') {
        if (rows.length !== 1) throw new SnapshotRejected(readModel, 'a value snapshot has exactly one row');
        return rows[0];
      }
      return rows;
    },
  };
}

const NON_ASCII = /[^\x00-\x7f]/;
const ABOVE_ONE_BYTE = /[^\x00-\xff]/;
const NON_ASCII_ALL = /[^\x00-\x7f]/g;
const escapeUnit = (unit: string): string => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * JSON text in ASCII: every code unit above U+007F as a \uXXXX escape (a pair as two escapes), which JSON.parse reads
 * back as the same string. Non-ASCII bytes appear only inside strings (JSON's syntax is ASCII), where escapes are
 * valid. Written so, a row is read back as Latin-1, without UTF-8 decoding.
 */
export function asciiJson(json: string): string {
  return NON_ASCII.test(json) ? json.replace(NON_ASCII_ALL, escapeUnit) : json;
}

async function parseRecords(readModel: string, header: SnapshotHeader, payload: Buffer, yieldNow: () => Promise<void>, sliceMs: number): Promise<unknown[]> {
  const rows: unknown[] = [];
  let start = 0;
  let sliceStarted = performance.now();
  for (let row = 0; row < header.rows; row++) {
    if (start + RECORD_HEAD > payload.length) throw new SnapshotRejected(readModel, `row ${row} of ${header.rows} is missing`);
    const kind = payload[start];
    const end = start + RECORD_HEAD + payload.readUInt32LE(start + 1);
    if (end > payload.length) throw new SnapshotRejected(readModel, `row ${row} of ${header.rows} is cut short`);
    if (kind === BYTES_ROW) rows.push(payload.subarray(start + RECORD_HEAD, end));
    else if (kind === JSON_ROW) {
      const body = payload.subarray(start + RECORD_HEAD, end);
      try {
        // Rows are written in ASCII (see `asciiJson`): decoded as Latin-1 they become one-byte strings by a copy,
        // several times faster than UTF-8 decoding. A row with other bytes (written before) is UTF-8.
        rows.push(JSON.parse(body.toString(isAscii(body) ? 'latin1' : 'utf8')));
      } catch {
        throw new SnapshotRejected(readModel, `row ${row} is not JSON`);
      }
    } else throw new SnapshotRejected(readModel, `row ${row} has an unknown kind ${kind}`);
    start = end;
    if (performance.now() - sliceStarted >= sliceMs) {
      await yieldNow();
      sliceStarted = performance.now();
    }
  }
  if (start !== payload.length) throw new SnapshotRejected(readModel, 'the payload has more rows than the header says');
  return rows;
}

/** Where the encoded bytes go, piece by piece, each awaited before the next (the bytes may be reused after). */
export type ChunkSink = (chunk: Uint8Array) => Promise<void>;

export interface EncodeOptions extends ParseOptions {
  /** Bytes gathered before they are handed to the sink; a binary row larger than this goes out in pieces this big. */
  chunkBytes?: number;
}

type HeaderFields = Omit<SnapshotHeader, 'format' | 'layout' | 'rows' | 'payloadBytes' | 'payloadSha256'>;

/**
 * Writes `state` as a snapshot to `sink`: an array row by row, anything else as one value. A row that is an
 * ArrayBuffer view (Uint8Array, Float64Array, Buffer…) is written as its raw bytes, a SnapshotBytes as the bytes of
 * its pieces one after the other in one row, a DeferredSnapshotBytes as the bytes it produces when reached, any other
 * row with the native JSON.stringify (so `toJSON` runs here, in the writer's slices), in ASCII (see `asciiJson`). The
 * SHA-256 is updated piece by piece as the bytes go out, and the writer yields to the event loop between slices of
 * `sliceMs`, also inside a large binary row. `state` must not change while this runs (see ReadModel.snapshot).
 * Returns the header written.
 */
export async function encodeSnapshot(fields: HeaderFields, state: unknown, sink: ChunkSink, options: EncodeOptions = {}): Promise<SnapshotHeader> {
  const yieldNow = options.yieldNow ?? setImmediateYield;
  const sliceMs = options.sliceMs ?? 10;
  const chunkBytes = Math.max(RECORD_HEAD, options.chunkBytes ?? 1024 * 1024);
  const hash = createHash('sha256');
  let payloadBytes = 0;
  let chunk = Buffer.allocUnsafe(chunkBytes);
  let used = 0;
  let sliceStarted = performance.now();
  const pause = async (): Promise<void> => {
    if (performance.now() - sliceStarted < sliceMs) return;
    await yieldNow();
    sliceStarted = performance.now();
  };
  const emit = async (bytes: Uint8Array): Promise<void> => {
    hash.update(bytes);
    payloadBytes += bytes.length;
    if (payloadBytes > MAX_SNAPSHOT_BYTES) throw new RangeError(`the snapshot of ${fields.readModel} is larger than ${MAX_SNAPSHOT_BYTES} bytes`);
    await sink(bytes);
  };
  const flush = async (): Promise<void> => {
    if (used === 0) return;
    const full = chunk.subarray(0, used);
    // The sink may still hold the bytes it was given until its promise settles; the next ones go to a fresh buffer.
    chunk = Buffer.allocUnsafe(chunkBytes);
    used = 0;
    await emit(full);
  };
  const append = async (bytes: Uint8Array): Promise<void> => {
    if (used + bytes.length <= chunkBytes) {
      chunk.set(bytes, used);
      used += bytes.length;
      return;
    }
    await flush();
    // Large bodies go out as views of the row itself, a piece at a time: nothing copied, the loop served between.
    for (let at = 0; at < bytes.length; at += chunkBytes) {
      await emit(bytes.subarray(at, Math.min(bytes.length, at + chunkBytes)));
      await pause();
    }
  };
  const recordHead = (kind: number, length: number): Uint8Array => {
    const head = Buffer.allocUnsafe(RECORD_HEAD);
    head[0] = kind;
    head.writeUInt32LE(length, 1);
    return head;
  };
  const bytesOf = (view: ArrayBufferView): Uint8Array => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const push = async (given: unknown, row: number): Promise<void> => {
    const value = given instanceof DeferredSnapshotBytes ? given.produce() : given;
    if (given instanceof DeferredSnapshotBytes && typeof value === 'string') return pushText(value, row);
    if (ArrayBuffer.isView(value) || value instanceof SnapshotBytes) {
      if (value.byteLength > MAX_ROW_BYTES) throw new RangeError(`row ${row} of the snapshot of ${fields.readModel} is larger than ${MAX_ROW_BYTES} bytes`);
      await append(recordHead(BYTES_ROW, value.byteLength));
      if (!(value instanceof SnapshotBytes)) return append(bytesOf(value));
      for (let i = 0; i < value.pieces.length; i++) {
        await append(value.bytesOf(i));
        await pause();
      }
      return;
    }
    const json = JSON.stringify(value);
    // JSON.stringify answers undefined for undefined and functions: such a row could not be restored.
    if (typeof json !== 'string') throw new TypeError(`row ${row} of the snapshot of ${fields.readModel} is not JSON-compatible`);
    const line = asciiJson(json);
    const length = line.length;
    if (used + RECORD_HEAD + length <= chunkBytes) {
      // The common small row: encoded straight into the chunk.
      chunk[used] = JSON_ROW;
      chunk.writeUInt32LE(length, used + 1);
      chunk.write(line, used + RECORD_HEAD, 'latin1');
      used += RECORD_HEAD + length;
      return;
    }
    const body = Buffer.from(line, 'latin1');
    if (body.length > MAX_ROW_BYTES) throw new RangeError(`row ${row} of the snapshot of ${fields.readModel} is larger than ${MAX_ROW_BYTES} bytes`);
    await append(recordHead(JSON_ROW, body.length));
    await append(body);
  };

  /** A binary row given as text of one-byte code units, written into the chunks piece by piece (no Buffer of its own). */
  const pushText = async (text: string, row: number): Promise<void> => {
    if (ABOVE_ONE_BYTE.test(text)) throw new TypeError(`row ${row} of the snapshot of ${fields.readModel} is text beyond U+00FF, which has no one-byte form`);
    if (text.length > MAX_ROW_BYTES) throw new RangeError(`row ${row} of the snapshot of ${fields.readModel} is larger than ${MAX_ROW_BYTES} bytes`);
    await append(recordHead(BYTES_ROW, text.length));
    for (let at = 0; at < text.length; ) {
      if (used === chunkBytes) await flush();
      const n = Math.min(chunkBytes - used, text.length - at);
      chunk.write(at === 0 && n === text.length ? text : text.substring(at, at + n), used, n, 'latin1');
      used += n;
      at += n;
      await pause();
    }
  };

  const layout: SnapshotLayout = Array.isArray(state) ? 'rows' : 'value';
  let rows = 0;
  if (Array.isArray(state)) {
    if (state.length > MAX_SNAPSHOT_ROWS) throw new RangeError(`the snapshot of ${fields.readModel} has more than ${MAX_SNAPSHOT_ROWS} rows`);
    for (const row of state as unknown[]) {
      await push(row, rows);
      rows++;
      await pause();
    }
  } else {
    await push(state, 0);
    rows = 1;
  }
  await flush();
  const header: SnapshotHeader = { format: SNAPSHOT_FORMAT, ...fields, layout, rows, payloadBytes, payloadSha256: hash.digest('hex') };
  const headerLine = JSON.stringify(header);
  await sink(Buffer.from(`\n${headerLine}\n${sha256(Buffer.from(headerLine, 'utf8'))}\n`, 'utf8'));
  return header;
}
