import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAscii } from 'node:buffer';
import { workerHasher } from './checksum-worker.js';
import { asciiJson, encodeSnapshot, openSnapshot, SnapshotRejected, SNAPSHOT_FORMAT, type SnapshotHeader } from './snapshot-file.js';
import { DeferredSnapshotBytes, SnapshotBytes } from '../../../projections/src/read-model.js';
import { DirectorySnapshotStore } from './snapshot-store.js';

const fields = {
  readModel: 'governance.cities',
  version: 3,
  parameterSetVersion: null,
  position: '41',
  store: { kind: 'sqlite' as const, eventHash: 'a'.repeat(64) },
  takenAt: '2026-11-28T18:00:00.000Z',
};

const cities = Array.from({ length: 300 }, (_, i) => [`city-${i}`, { name: `Šanghaj ${i}`, region: '长三角' }, String(i), String(i * 2)]);

/** Trust-like rows: a JSON header row, then typed columns written as their bytes (NaN and infinities included). */
const instants = Float64Array.from({ length: 5_000 }, (_, i) => (i === 7 ? Number.NaN : i === 8 ? Number.NEGATIVE_INFINITY : 1.7e12 + i * 0.1));
const kinds = Uint8Array.from({ length: 999 }, (_, i) => (i * 31) % 251);
const chains = Int32Array.from({ length: 3 }, (_, i) => i - 1);
const mixed = [['facts', 5_000, { other: [[3, 'ev-3']] }], instants, kinds, ['between', '\n\u0000'], chains, Buffer.alloc(0), Buffer.from('\n\n\n')];

const bytesOf = (view: ArrayBufferView): Buffer => Buffer.from(view.buffer, view.byteOffset, view.byteLength);

async function encoded(state: unknown, options: { chunkBytes?: number } = {}): Promise<{ bytes: Buffer; header: SnapshotHeader; yields: number }> {
  const chunks: Buffer[] = [];
  let yields = 0;
  // The sink copies: the writer may reuse what it handed over once the sink's promise settles.
  const header = await encodeSnapshot(fields, state, async (chunk) => void chunks.push(Buffer.from(chunk)), {
    ...options,
    sliceMs: 0,
    yieldNow: async () => void yields++,
  });
  return { bytes: Buffer.concat(chunks), header, yields };
}

const rejection = async (bytes: Buffer, readModel = fields.readModel): Promise<string> => {
  try {
    await openSnapshot(readModel, bytes).state();
  } catch (error) {
    if (error instanceof SnapshotRejected) return error.reason;
    throw error;
  }
  return 'accepted';
};

/** A file whose payload is `payload` under a header and seal that match it: only the records themselves are wrong. */
function sealedAround(payload: Buffer, header: SnapshotHeader, rows: number): Buffer {
  const forged: SnapshotHeader = { ...header, rows, payloadBytes: payload.length, payloadSha256: createHash('sha256').update(payload).digest('hex') };
  const line = JSON.stringify(forged);
  return Buffer.concat([payload, Buffer.from(`\n${line}\n${createHash('sha256').update(line).digest('hex')}\n`)]);
}

const record = (kind: string, body: Buffer): Buffer => {
  const head = Buffer.alloc(5);
  head.write(kind, 0, 'latin1');
  head.writeUInt32LE(body.length, 1);
  return Buffer.concat([head, body]);
};

describe('a read-model snapshot file', () => {
  it('gives back the rows it was written with, and its header, whatever the chunking', async () => {
    const { bytes, header } = await encoded(cities, { chunkBytes: 100 });
    const sealed = openSnapshot(fields.readModel, bytes);
    expect(sealed.header).toEqual(header);
    expect(header).toMatchObject({ format: SNAPSHOT_FORMAT, position: '41', layout: 'rows', rows: 300, version: 3 });
    await expect(sealed.state()).resolves.toEqual(cities);
  });

  it.each([
    ['in one chunk', 1024 * 1024],
    ['in chunks smaller than a column', 1_000],
    ['in chunks smaller than a record head', 3],
  ])('gives back binary rows as the exact bytes of the typed arrays written, between JSON rows, %s', async (_, chunkBytes) => {
    const { bytes, header } = await encoded(mixed, { chunkBytes });
    expect(header.rows).toBe(mixed.length);
    const rows = (await openSnapshot(fields.readModel, bytes).state()) as unknown[];
    expect(rows).toHaveLength(mixed.length);
    expect(rows[0]).toEqual(mixed[0]);
    expect(rows[3]).toEqual(mixed[3]);
    for (const at of [1, 2, 4, 5, 6]) {
      expect(Buffer.isBuffer(rows[at])).toBe(true);
      expect(Buffer.compare(rows[at] as Buffer, bytesOf(mixed[at] as ArrayBufferView))).toBe(0);
    }
    const back = new Float64Array((rows[1] as Buffer).length / 8);
    new Uint8Array(back.buffer).set(rows[1] as Buffer);
    expect(Object.is(back[7], Number.NaN)).toBe(true);
    expect(back).toEqual(instants);
  });

  it('writes the pieces of a SnapshotBytes one after the other as one binary row', async () => {
    const pieces = [instants.subarray(0, 3), kinds, new Float64Array(0), chains];
    const { bytes } = await encoded([new SnapshotBytes(pieces), ['after']], { chunkBytes: 64 });
    const [joined, after] = (await openSnapshot(fields.readModel, bytes).state()) as [Buffer, unknown];
    expect(Buffer.compare(joined, Buffer.concat(pieces.map(bytesOf)))).toBe(0);
    expect(after).toEqual(['after']);
  });

  it('writes only the given prefix of each piece when a SnapshotBytes names byte lengths, and refuses one past a piece', async () => {
    const pieces = [instants, kinds, chains];
    const lengths = [3 * Float64Array.BYTES_PER_ELEMENT, 0, chains.byteLength];
    const { bytes } = await encoded([new SnapshotBytes(pieces, lengths), ['after']], { chunkBytes: 64 });
    const [joined] = (await openSnapshot(fields.readModel, bytes).state()) as [Buffer, unknown];
    expect(Buffer.compare(joined, Buffer.concat([bytesOf(instants.subarray(0, 3)), bytesOf(chains)]))).toBe(0);
    await expect(encoded([new SnapshotBytes([kinds], [kinds.byteLength + 1])])).rejects.toThrow(`piece 0 has ${kinds.byteLength} bytes`);
    expect(() => new SnapshotBytes(pieces, [0])).toThrow('1 byte lengths for 3 pieces');
  });

  it('writes JSON rows in ASCII and reads back every string exactly: other scripts, astral characters, lone surrogates', async () => {
    const texts = ['Šanghaj', '长三角', 'Zürich 🏙️', 'half \ud83c pair', '\udfd9 low', 'quote " and \\ backslash', '\u2028\u2029', '\u007f\u0080\u00ff\uffff'];
    const state = [texts, { [texts[1]]: texts[2] }];
    const { bytes, header } = await encoded(state);
    const bodies: Buffer[] = [];
    for (let at = 0; at < header.payloadBytes; at += 5 + bytes.readUInt32LE(at + 1)) bodies.push(bytes.subarray(at + 5, at + 5 + bytes.readUInt32LE(at + 1)));
    expect(bodies).toHaveLength(2);
    for (const body of bodies) expect(isAscii(body)).toBe(true);
    await expect(openSnapshot(fields.readModel, bytes).state()).resolves.toEqual(state);
    for (const t of texts) expect(JSON.parse(asciiJson(JSON.stringify(t)))).toBe(t);
  });

  it('reads rows written in UTF-8 as before', async () => {
    const body = Buffer.from(JSON.stringify(['Šanghaj', '长三角']), 'utf8');
    const { header } = await encoded([1]);
    await expect(openSnapshot(fields.readModel, sealedAround(record('J', body), header, 1)).state()).resolves.toEqual([['Šanghaj', '长三角']]);
  });

  it('writes a deferred row when it reaches it, from bytes or from one-byte text, and reads it back as bytes', async () => {
    let produced = 0;
    const text = 'x'.repeat(2_500) + '\u00ff';
    const rows = [new DeferredSnapshotBytes(() => (produced++, kinds)), new DeferredSnapshotBytes(() => (produced++, text)), ['after']];
    const { bytes } = await encoded(rows, { chunkBytes: 1_000 });
    expect(produced).toBe(2);
    const [fromBytes, fromText, after] = (await openSnapshot(fields.readModel, bytes).state()) as [Buffer, Buffer, unknown];
    expect(Buffer.compare(fromBytes, bytesOf(kinds))).toBe(0);
    expect(fromText.toString('latin1')).toBe(text);
    expect(after).toEqual(['after']);
    await expect(encoded([new DeferredSnapshotBytes(() => '长三角')])).rejects.toThrow('is text beyond U+00FF');
  });

  it('writes a typed array as its raw bytes, not as text', async () => {
    const column = new Float64Array(100_000).fill(Math.PI);
    const { header } = await encoded([column]);
    expect(header.payloadBytes).toBe(5 + column.byteLength);
  });

  it('keeps a state that is not a list as one value', async () => {
    const state = { indexedFrom: '0', correlations: [['c', ['1', '2']]] };
    const { bytes, header } = await encoded(state);
    expect(header).toMatchObject({ layout: 'value', rows: 1 });
    await expect(openSnapshot(fields.readModel, bytes).state()).resolves.toEqual(state);
  });

  it('yields to the event loop while it serializes a long list, and inside a large binary row', async () => {
    expect((await encoded(cities)).yields).toBeGreaterThanOrEqual(cities.length - 1);
    expect((await encoded([new Uint8Array(10_000)], { chunkBytes: 1_000 })).yields).toBeGreaterThanOrEqual(10);
  });

  it('checks the payload on request before the rows are parsed, once', async () => {
    const { bytes } = await encoded(mixed);
    const sealed = openSnapshot(fields.readModel, bytes);
    const first = sealed.checksum();
    expect(sealed.checksum()).toBe(first);
    await expect(first).resolves.toBe(true);
    bytes[20] ^= 0x01;
    await expect(openSnapshot(fields.readModel, bytes).checksum()).resolves.toBe(false);
  });

  describe('checked by a hasher on a worker thread', () => {
    const hasher = workerHasher();
    afterAll(() => hasher.close());
    // Large enough to be moved to the worker rather than hashed in place.
    const big = Array.from({ length: 40 }, (_, i) => new Float64Array(8_192).fill(i + 0.5));

    /** A copy of `bytes` that is a whole ArrayBuffer of its own, as the snapshot directory reads files. */
    const own = (bytes: Buffer): Buffer => {
      const copy = Buffer.from(new ArrayBuffer(bytes.length));
      bytes.copy(copy);
      return copy;
    };

    it('gives back the rows of a file it moved to the worker and back', async () => {
      const { bytes } = await encoded(['first', ...big, 'last']);
      expect(bytes.length).toBeGreaterThan(2 * 1024 * 1024);
      const rows = (await openSnapshot(fields.readModel, own(bytes), { hasher }).state()) as unknown[];
      expect(rows).toHaveLength(big.length + 2);
      expect([rows[0], rows[big.length + 1]]).toEqual(['first', 'last']);
      expect(Buffer.compare(rows[7] as Buffer, bytesOf(big[6]))).toBe(0);
    });

    it('hashes what it moves and what it keeps in place alike', async () => {
      const { bytes } = await encoded(big);
      const expected = createHash('sha256').update(bytes.subarray(0, 1_000_000)).digest('hex');
      const moved = await hasher.sha256(own(bytes), 1_000_000);
      expect(moved.hex).toBe(expected);
      expect(Buffer.compare(moved.file, bytes)).toBe(0);
      // A view into a larger buffer cannot be moved; it is hashed where it is.
      const inside = Buffer.concat([Buffer.from('x'), bytes]).subarray(1);
      await expect(hasher.sha256(inside, 1_000_000)).resolves.toEqual({ hex: expected, file: inside });
    });

    it('frees the file when released: the binary rows it gave view nothing any more', async () => {
      const { bytes } = await encoded(['first', ...big]);
      const sealed = openSnapshot(fields.readModel, own(bytes), { hasher });
      const rows = (await sealed.state()) as unknown[];
      expect((rows[1] as Buffer).length).toBe(big[0].byteLength);
      sealed.release();
      expect((rows[1] as Buffer).length).toBe(0);
      expect(rows[0]).toBe('first');
    });

    it('refuses a large file with one flipped byte', async () => {
      const { bytes } = await encoded(big);
      const damaged = own(bytes);
      damaged[1_500_000] ^= 0x01;
      await expect(openSnapshot(fields.readModel, damaged, { hasher }).state()).rejects.toThrow('the payload does not match its SHA-256');
    });

    it('neither hangs nor gives rows unchecked when its worker ends while hashing: the rows come back checked or the snapshot is refused', async () => {
      const { bytes } = await encoded(['first', ...big]);
      const ending = workerHasher();
      const sealed = openSnapshot(fields.readModel, own(bytes), { hasher: ending });
      const outcome = sealed.state().then(
        (rows) => ({ rows: (rows as unknown[]).length }),
        (error: unknown) => ({ refused: error instanceof Error ? error.message : String(error) }),
      );
      await ending.close();
      const settled = await outcome;
      if ('rows' in settled) expect(settled.rows).toBe(big.length + 1);
      else expect(settled.refused).toMatch(/the checksum worker (was closed|exited)/);
    });
  });

  describe('refusing anything it did not write exactly, with the reason', () => {
    it('refuses a payload with one flipped byte, in a JSON row or in a binary one', async () => {
      const { bytes } = await encoded(mixed);
      const inJson = Buffer.from(bytes);
      inJson[8] ^= 0x01;
      expect(await rejection(inJson)).toBe('the payload does not match its SHA-256');
      const inBinary = Buffer.from(bytes);
      inBinary[200] ^= 0x01;
      expect(await rejection(inBinary)).toBe('the payload does not match its SHA-256');
    });

    it('refuses a header with one flipped byte', async () => {
      const { bytes, header } = await encoded(cities);
      bytes[header.payloadBytes + 40] ^= 0x01;
      expect(await rejection(bytes)).toBe('the header does not match its seal');
    });

    it('refuses a file cut short, empty, without a payload, or of another read model', async () => {
      const { bytes } = await encoded(mixed);
      expect(await rejection(bytes.subarray(0, bytes.length - 10))).toBe('the file is truncated (no final newline)');
      expect(await rejection(bytes.subarray(0, bytes.length - 65))).toBe('the header does not match its seal');
      expect(await rejection(Buffer.alloc(0))).toBe('the file is empty');
      expect(await rejection(Buffer.from(`${'0'.repeat(64)}\n`))).toBe('the file has no header');
      expect(await rejection(bytes.subarray(bytes.indexOf('\n{"format"') + 1))).toBe('the file has no payload before its header');
      expect(await rejection(bytes, 'governance.bodies')).toBe('it is a snapshot of governance.cities');
    });

    it('refuses a file of the first format (one JSON row per line), so it is rebuilt rather than misread', async () => {
      const payload = Buffer.from('["city-1"]\n');
      const header = { ...fields, format: 'concordat.read-model-snapshot/1', layout: 'rows', rows: 1, payloadBytes: payload.length, payloadSha256: createHash('sha256').update(payload).digest('hex') };
      const line = JSON.stringify(header);
      const file = Buffer.concat([payload, Buffer.from(`${line}\n${createHash('sha256').update(line).digest('hex')}\n`)]);
      expect(await rejection(file)).toBe('unknown format "concordat.read-model-snapshot/1"');
    });

    it('refuses a header whose payload size is not the payload before it', async () => {
      const { bytes, header } = await encoded(cities);
      const payload = bytes.subarray(0, header.payloadBytes);
      const forged = sealedAround(payload, header, header.rows);
      expect(await rejection(Buffer.concat([Buffer.from('x'), forged]))).toBe(`the payload is ${header.payloadBytes + 1} bytes, the header says ${header.payloadBytes}`);
    });

    it('refuses records that do not decode even under a matching checksum', async () => {
      const { header } = await encoded([1]);
      const one = record('J', Buffer.from('1'));
      expect(await rejection(sealedAround(Buffer.concat([one, record('J', Buffer.from('{'))]), header, 2))).toBe('row 1 is not JSON');
      expect(await rejection(sealedAround(Buffer.concat([one, record('X', Buffer.from('1'))]), header, 2))).toBe('row 1 has an unknown kind 88');
      expect(await rejection(sealedAround(Buffer.concat([one, record('B', Buffer.from('abcdef')).subarray(0, 8)]), header, 2))).toBe('row 1 of 2 is cut short');
      expect(await rejection(sealedAround(Buffer.concat([one, Buffer.from('B')]), header, 2))).toBe('row 1 of 2 is missing');
      expect(await rejection(sealedAround(one, header, 2))).toBe('row 1 of 2 is missing');
      expect(await rejection(sealedAround(Buffer.concat([one, one]), header, 1))).toBe('the payload has more rows than the header says');
    });

    it('refuses a value snapshot of more than one row', async () => {
      const { header } = await encoded({ value: 1 });
      const one = record('J', Buffer.from('1'));
      expect(await rejection(sealedAround(Buffer.concat([one, one]), header, 2))).toBe('a value snapshot has exactly one row');
    });
  });

  it('refuses a row that JSON cannot carry rather than writing a snapshot that cannot be restored', async () => {
    await expect(encoded([1, undefined])).rejects.toThrow('row 1 of the snapshot of governance.cities is not JSON-compatible');
  });
});

describe('the snapshot directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concordat-snapshot-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces a snapshot whole, and leaves the previous one when a write fails midway', async () => {
    const store = new DirectorySnapshotStore(join(dir, 'ledger.sqlite.snapshots'));
    await expect(store.read('trust')).resolves.toBeNull();
    await store.replace('trust', async (sink) => sink(Buffer.from('first\n')));
    await expect(
      store.replace('trust', async (sink) => {
        await sink(Buffer.from('half of the sec'));
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect((await store.read('trust'))?.toString()).toBe('first\n');
    expect(readdirSync(join(dir, 'ledger.sqlite.snapshots'))).toEqual(['trust.snapshot']);
  });

  it('keeps a read model whose name looks like a path inside its directory', async () => {
    const store = new DirectorySnapshotStore(dir);
    await store.replace('../escape/audit.correlations', async (sink) => sink(Buffer.from('x\n')));
    expect(readdirSync(dir)).toEqual(['%2E%2E%2Fescape%2Faudit%2Ecorrelations.snapshot']);
    await store.remove('../escape/audit.correlations');
    expect(readdirSync(dir)).toEqual([]);
  });
});
