import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSnapshot, openSnapshot, SnapshotRejected, type SnapshotHeader } from './snapshot-file.js';
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

async function encoded(state: unknown, options: { chunkBytes?: number } = {}): Promise<{ bytes: Buffer; header: SnapshotHeader; yields: number }> {
  const chunks: Buffer[] = [];
  let yields = 0;
  const header = await encodeSnapshot(fields, state, async (chunk) => void chunks.push(Buffer.from(chunk, 'utf8')), {
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

describe('a read-model snapshot file', () => {
  it('gives back the rows it was written with, and its header, whatever the chunking', async () => {
    const { bytes, header } = await encoded(cities, { chunkBytes: 100 });
    const sealed = openSnapshot(fields.readModel, bytes);
    expect(sealed.header).toEqual(header);
    expect(header).toMatchObject({ position: '41', layout: 'rows', rows: 300, version: 3 });
    await expect(sealed.state()).resolves.toEqual(cities);
  });

  it('keeps a state that is not a list as one value', async () => {
    const state = { indexedFrom: '0', correlations: [['c', ['1', '2']]] };
    const { bytes, header } = await encoded(state);
    expect(header).toMatchObject({ layout: 'value', rows: 1 });
    await expect(openSnapshot(fields.readModel, bytes).state()).resolves.toEqual(state);
  });

  it('yields to the event loop while it serializes a long list', async () => {
    const { yields } = await encoded(cities);
    expect(yields).toBeGreaterThanOrEqual(cities.length - 1);
  });

  it('refuses a payload with one flipped byte', async () => {
    const { bytes } = await encoded(cities);
    bytes[17] ^= 0x01;
    expect(await rejection(bytes)).toBe('the payload does not match its SHA-256');
  });

  it('refuses a header with one flipped byte', async () => {
    const { bytes, header } = await encoded(cities);
    bytes[header.payloadBytes + 40] ^= 0x01;
    expect(await rejection(bytes)).toBe('the header does not match its seal');
  });

  it('refuses a file cut short, empty, or of another read model', async () => {
    const { bytes } = await encoded(cities);
    expect(await rejection(bytes.subarray(0, bytes.length - 10))).toBe('the file is truncated (no final newline)');
    expect(await rejection(bytes.subarray(0, bytes.length - 65))).toBe('the header does not match its seal');
    expect(await rejection(Buffer.alloc(0))).toBe('the file is empty');
    expect(await rejection(bytes, 'governance.bodies')).toBe('it is a snapshot of governance.cities');
  });

  it('refuses rows that are not JSON even under a matching checksum', async () => {
    const { bytes, header } = await encoded([1, 2]);
    const payload = Buffer.from('1\n{\n', 'utf8');
    const forged: SnapshotHeader = { ...header, payloadBytes: payload.length, payloadSha256: (await import('node:crypto')).createHash('sha256').update(payload).digest('hex') };
    const line = JSON.stringify(forged);
    const seal = (await import('node:crypto')).createHash('sha256').update(line).digest('hex');
    const file = Buffer.concat([payload, Buffer.from(`${line}\n${seal}\n`)]);
    expect(bytes.length).toBeGreaterThan(0);
    await expect(openSnapshot(fields.readModel, file).state()).rejects.toThrow('row 1 is not JSON');
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
    await store.replace('trust', async (sink) => sink('first\n'));
    await expect(
      store.replace('trust', async (sink) => {
        await sink('half of the sec');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect((await store.read('trust'))?.toString()).toBe('first\n');
    expect(readdirSync(join(dir, 'ledger.sqlite.snapshots'))).toEqual(['trust.snapshot']);
  });

  it('keeps a read model whose name looks like a path inside its directory', async () => {
    const store = new DirectorySnapshotStore(dir);
    await store.replace('../escape/audit.correlations', async (sink) => sink('x\n'));
    expect(readdirSync(dir)).toEqual(['%2E%2E%2Fescape%2Faudit%2Ecorrelations.snapshot']);
    await store.remove('../escape/audit.correlations');
    expect(readdirSync(dir)).toEqual([]);
  });
});
