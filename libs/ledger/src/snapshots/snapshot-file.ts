/**
 * The bytes of one read-model snapshot.
 *
 *   payload   one JSON document per line (layout "rows": the elements of the array `snapshot()` returned, so no single
 *             string has to hold a state of hundreds of MiB; layout "value": one line)
 *   header    one line of JSON: which model, which version, which position of which log, and the payload's SHA-256
 *   seal      one line: the SHA-256 of the header line
 *
 * The header comes last so that the payload can be streamed out in slices while its hash is computed. Anything that
 * does not decode exactly (truncated, flipped byte, other format) is a `SnapshotRejected` with the reason: the runner
 * then rebuilds that model from the log.
 */
import { createHash, webcrypto } from 'node:crypto';
import type { StoreKind } from '../../../event-store/src/port.js';

export const SNAPSHOT_FORMAT = 'concordat.read-model-snapshot/1';
/** A Buffer larger than this is refused before it is read: it would not fit Node's limits anyway. */
export const MAX_SNAPSHOT_BYTES = 2 * 1024 * 1024 * 1024 - 1;
/** Rows in one snapshot; beyond this the model is rebuilt rather than snapshotted. */
export const MAX_SNAPSHOT_ROWS = 50_000_000;
const NEWLINE = 0x0a;
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
  /** Parses the payload in slices (yielding to the event loop between them) and returns the state. */
  state(): Promise<unknown>;
}

export interface ParseOptions {
  /** Awaited between slices of rows so a long parse does not stall the server; default setImmediate. */
  yieldNow?: () => Promise<void>;
  /** Milliseconds of parsing between two yields. */
  sliceMs?: number;
}

const setImmediateYield = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Checks the seal and the header; throws SnapshotRejected when anything is off (the payload: see `state()`). */
export function openSnapshot(readModel: string, bytes: Buffer, options: ParseOptions = {}): SealedSnapshot {
  if (bytes.length === 0) throw new SnapshotRejected(readModel, 'the file is empty');
  if (bytes[bytes.length - 1] !== NEWLINE) throw new SnapshotRejected(readModel, 'the file is truncated (no final newline)');
  const sealStart = bytes.lastIndexOf(NEWLINE, bytes.length - 2) + 1;
  if (sealStart <= 0) throw new SnapshotRejected(readModel, 'the file has no header');
  const headerStart = bytes.lastIndexOf(NEWLINE, sealStart - 2) + 1;
  const headerBytes = bytes.subarray(headerStart, sealStart - 1);
  const seal = bytes.toString('latin1', sealStart, bytes.length - 1);
  if (!HEX_SHA256.test(seal) || sha256(headerBytes) !== seal) throw new SnapshotRejected(readModel, 'the header does not match its seal');
  const header = parseHeader(readModel, headerBytes.toString('utf8'));
  if (header.readModel !== readModel) throw new SnapshotRejected(readModel, `it is a snapshot of ${header.readModel}`);
  if (header.payloadBytes !== headerStart) throw new SnapshotRejected(readModel, `the payload is ${headerStart} bytes, the header says ${header.payloadBytes}`);
  const payload = bytes.subarray(0, headerStart);
  const yieldNow = options.yieldNow ?? setImmediateYield;
  const sliceMs = options.sliceMs ?? 20;
  return {
    header,
    async state(): Promise<unknown> {
      // WebCrypto hashes on the thread pool: the checksum is computed while the rows are parsed here, and nothing is
      // returned before it matches. Its verdict comes first: a damaged payload is reported as such, whatever it parsed to.
      const digest = webcrypto.subtle.digest('SHA-256', payload);
      let parsed: { rows: unknown[] } | { refused: SnapshotRejected };
      try {
        parsed = { rows: await parseRows(readModel, header, payload, yieldNow, sliceMs) };
      } catch (error) {
        if (!(error instanceof SnapshotRejected)) throw error;
        parsed = { refused: error };
      }
      if (Buffer.from(await digest).toString('hex') !== header.payloadSha256) throw new SnapshotRejected(readModel, 'the payload does not match its SHA-256');
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

async function parseRows(readModel: string, header: SnapshotHeader, payload: Buffer, yieldNow: () => Promise<void>, sliceMs: number): Promise<unknown[]> {
  const rows: unknown[] = [];
  let start = 0;
  let sliceStarted = performance.now();
  for (let row = 0; row < header.rows; row++) {
    const end = payload.indexOf(NEWLINE, start);
    if (end < 0) throw new SnapshotRejected(readModel, `row ${row} of ${header.rows} is missing`);
    try {
      rows.push(JSON.parse(payload.toString('utf8', start, end)));
    } catch {
      throw new SnapshotRejected(readModel, `row ${row} is not JSON`);
    }
    start = end + 1;
    if (performance.now() - sliceStarted >= sliceMs) {
      await yieldNow();
      sliceStarted = performance.now();
    }
  }
  if (start !== payload.length) throw new SnapshotRejected(readModel, 'the payload has more rows than the header says');
  return rows;
}

/** Where the encoded bytes go, piece by piece; the sink hashes nothing, the encoder does. */
export type ChunkSink = (chunk: string) => Promise<void>;

export interface EncodeOptions extends ParseOptions {
  /** Bytes gathered before they are handed to the sink. */
  chunkBytes?: number;
}

type HeaderFields = Omit<SnapshotHeader, 'format' | 'layout' | 'rows' | 'payloadBytes' | 'payloadSha256'>;

/**
 * Writes `state` as a snapshot to `sink`: an array row by row (each row with the native JSON.stringify, yielding to the
 * event loop between slices), anything else as one value. `state` must not change while this runs (see
 * ReadModel.snapshot). Returns the header written.
 */
export async function encodeSnapshot(fields: HeaderFields, state: unknown, sink: ChunkSink, options: EncodeOptions = {}): Promise<SnapshotHeader> {
  const yieldNow = options.yieldNow ?? setImmediateYield;
  const sliceMs = options.sliceMs ?? 10;
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  const hash = createHash('sha256');
  let payloadBytes = 0;
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const chunk = pending.join('');
    pending = [];
    pendingLength = 0;
    hash.update(chunk, 'utf8');
    payloadBytes += Buffer.byteLength(chunk, 'utf8');
    await sink(chunk);
  };
  const push = async (value: unknown, row: number): Promise<void> => {
    const line = JSON.stringify(value);
    // JSON.stringify answers undefined for undefined and functions: such a row could not be restored.
    if (typeof line !== 'string') throw new TypeError(`row ${row} of the snapshot of ${fields.readModel} is not JSON-compatible`);
    pending.push(line, '\n');
    pendingLength += line.length + 1;
    if (pendingLength >= chunkBytes) await flush();
  };

  const layout: SnapshotLayout = Array.isArray(state) ? 'rows' : 'value';
  let rows = 0;
  if (Array.isArray(state)) {
    if (state.length > MAX_SNAPSHOT_ROWS) throw new RangeError(`the snapshot of ${fields.readModel} has more than ${MAX_SNAPSHOT_ROWS} rows`);
    let sliceStarted = performance.now();
    for (const row of state as unknown[]) {
      await push(row, rows);
      rows++;
      if (performance.now() - sliceStarted >= sliceMs) {
        await yieldNow();
        sliceStarted = performance.now();
      }
    }
  } else {
    await push(state, 0);
    rows = 1;
  }
  await flush();
  if (payloadBytes > MAX_SNAPSHOT_BYTES) throw new RangeError(`the snapshot of ${fields.readModel} is larger than ${MAX_SNAPSHOT_BYTES} bytes`);
  const header: SnapshotHeader = { format: SNAPSHOT_FORMAT, ...fields, layout, rows, payloadBytes, payloadSha256: hash.digest('hex') };
  const headerLine = JSON.stringify(header);
  await sink(`${headerLine}\n${sha256(Buffer.from(headerLine, 'utf8'))}\n`);
  return header;
}
