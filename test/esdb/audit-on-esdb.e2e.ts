/**
 * The audit on EventStoreDB (the gRPC test server), whose positions are commit offsets with gaps and whose hash
 * chains are per stream: Merkle leaf i is the i-th ledger event of `$all`; digests and proofs name events by
 * position and leaves by ordinal; the export carries both and says its chain model on every line; the offline
 * verifier checks each stream's chain and the root, and names the first place a tampered export departs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIo } from '../../apps/cli/src/io.js';
import { run } from '../../apps/cli/src/program.js';
import {
  checkConsistencyProof,
  checkInclusionProof,
  MerkleCache,
  parseDigest,
  verifyExport,
  type DigestFile,
  type ExportVerification,
  type InclusionProofResult,
} from '../../libs/event-store/src/audit/index.js';
import type { EventStore, RecordedEvent } from '../../libs/event-store/src/port.js';
import { loadConfig, type LedgerConfig } from '../../libs/ledger/src/config.js';
import { EVENT_STORE } from '../../libs/ledger/src/tokens.js';
import { officials, realisticHistory, startAudited, tempDir, type AuditApp, type Officials } from '../audit/support.js';
import { SECRET } from '../http/support.js';
import { testServerTarget, type EsdbTarget } from './fixture.js';

interface ExportLine {
  position: string;
  ordinal: string;
  chain: string;
  stream: string;
  revision: string;
  hash: string;
  prevHash: string;
  data: Record<string, unknown>;
}

const temp = tempDir();
let target: EsdbTarget;
let config: LedgerConfig;
let g: AuditApp;
let who: Officials;
let log: RecordedEvent[];
let exportLines: string[];
let digest: DigestFile;

const get = (path: string) => g.http().get(path).set('Authorization', who.auditor);
const parsed = (line: string): ExportLine => JSON.parse(line) as ExportLine;

beforeAll(async () => {
  target = await testServerTarget();
  config = loadConfig({ CONCORDAT_STORE: 'esdb', CONCORDAT_ESDB_URL: target.connectionString, CONCORDAT_JWT_SECRET: SECRET });
  g = await startAudited(config);
  who = await officials();
  const last = await realisticHistory(g, who);
  await get(`/audit/state-digests?atLeast=${last}`).expect(200);
  const store = g.app.get<EventStore>(EVENT_STORE);
  log = (await store.readAll({ maxCount: store.limits.maxReadCount })).events;
  digest = (await get('/audit/digest').expect(200)).body as DigestFile;
  exportLines = (await get('/audit/export.ndjson').expect(200)).text.trimEnd().split('\n');
}, 60_000);

afterAll(async () => {
  await g.app.close();
  await target.stop();
  temp.cleanup();
});

describe('Merkle digests and proofs over positions with gaps', () => {
  it('takes leaves by ordinal: a digest names its head by position and counts the ledger events', () => {
    expect(log.length).toBeGreaterThan(20);
    expect(log.some((e, i) => e.position !== BigInt(i))).toBe(true);
    const head = log[log.length - 1];
    expect(digest).toMatchObject({ store: 'esdb', treeSize: String(log.length), headPosition: String(head.position), headHash: head.hash });
    expect(parseDigest(JSON.stringify(digest))).toEqual(digest);
  });

  it('digests up to an event named by its position, and refuses a position no event has', async () => {
    const twelfth = log[12];
    const early = (await get(`/audit/digest?position=${twelfth.position}`).expect(200)).body as DigestFile;
    expect(early).toMatchObject({ treeSize: '13', headPosition: String(twelfth.position), headHash: twelfth.hash });
    const between = (await get(`/audit/digest?position=${twelfth.position + 1n}`).expect(422)).body as { code: string };
    expect(between.code).toBe('audit_range');
  });

  it('proves an event, named by position, is leaf ordinal of a digest the auditor holds', async () => {
    const early = (await get(`/audit/digest?position=${log[12].position}`).expect(200)).body as DigestFile;
    const proof = (await get(`/audit/proofs/inclusion?position=${log[5].position}&treeSize=13`).expect(200)).body as InclusionProofResult;
    expect(proof).toMatchObject({ position: String(log[5].position), leafIndex: '5', eventHash: log[5].hash, treeSize: '13' });
    expect(checkInclusionProof(proof, early)).toBe(true);
    expect(checkInclusionProof({ ...proof, eventHash: log[6].hash }, early)).toBe(false);
    expect(checkInclusionProof({ ...proof, leafIndex: '6' }, early)).toBe(false);
    expect(checkInclusionProof(proof, digest)).toBe(false);
    await get(`/audit/proofs/inclusion?position=${log[13].position}&treeSize=13`).expect(422);
  });

  it('shows that the whole log extends an earlier digest', async () => {
    const early = (await get(`/audit/digest?position=${log[6].position}`).expect(200)).body as DigestFile;
    const proof = await get(`/audit/proofs/consistency?from=${early.treeSize}&to=${digest.treeSize}`).expect(200);
    expect(checkConsistencyProof(proof.body, early, digest)).toBe(true);
    expect(checkConsistencyProof(proof.body, { ...early, root: digest.root }, digest)).toBe(false);
  });

  it('gives a second replica, building its tree from zero, the same digest', async () => {
    const replica = await startAudited(config);
    try {
      const theirs = (await replica.http().get(`/audit/digest?atLeast=${log[log.length - 1].position}`).set('Authorization', who.auditor).expect(200)).body as DigestFile;
      expect({ treeSize: theirs.treeSize, root: theirs.root, headPosition: theirs.headPosition }).toEqual({ treeSize: digest.treeSize, root: digest.root, headPosition: digest.headPosition });
    } finally {
      await replica.app.close();
    }
  });

  it('refuses, as an integrity incident, an event appearing among those the tree already holds', () => {
    const cache = new MerkleCache('ordinal');
    cache.apply({ position: 100n, hash: log[0].hash });
    cache.apply({ position: 250n, hash: log[1].hash });
    expect(() => cache.apply({ position: 250n, hash: log[1].hash })).not.toThrow();
    expect(() => cache.apply({ position: 180n, hash: log[2].hash })).toThrow(/appeared among events the Merkle tree already holds/);
    expect(() => cache.apply({ position: 100n, hash: log[2].hash })).toThrow(/not the one already in the Merkle tree/);
    expect({ size: cache.size, leaf1: cache.positionOf(1), ordinal: cache.ordinalOf(250n), none: cache.ordinalOf(180n) }).toEqual({ size: 2, leaf1: 250n, ordinal: 1, none: null });
  });
});

describe('the export and the offline verifier', () => {
  it('exports every event once with its position, its ordinal, the per-stream chain model and its stream’s link', () => {
    const lines = exportLines.map(parsed);
    expect(lines.map((l) => l.position)).toEqual(log.map((e) => String(e.position)));
    expect(lines.map((l) => l.ordinal)).toEqual(log.map((_, i) => String(i)));
    expect(new Set(lines.map((l) => l.chain))).toEqual(new Set(['stream']));
    const heads = new Map<string, string>();
    for (const line of lines) {
      expect(line.prevHash).toBe(heads.get(line.stream) ?? '0'.repeat(64));
      heads.set(line.stream, line.hash);
    }
    expect(heads.size).toBeGreaterThan(3);
  });

  it('exports a range named by positions, the same lines as the whole export', async () => {
    const range = await get(`/audit/export.ndjson?from=${log[3].position}&to=${log[5].position}`).expect(200);
    expect(range.text.trimEnd().split('\n')).toEqual(exportLines.slice(3, 6));
  });

  it('verifies the untouched export against the digest, per stream', async () => {
    expect(await verifyExport(exportLines, digest)).toEqual({
      ok: true,
      eventsVerified: log.length,
      firstDiscrepancy: null,
      root: digest.root,
      headHash: digest.headHash,
      digestMatched: true,
    });
  });

  const discrepancyOf = async (lines: string[], against: DigestFile | undefined = digest): Promise<ExportVerification['firstDiscrepancy']> =>
    (await verifyExport(lines, against)).firstDiscrepancy;

  it('names the event whose bytes changed', async () => {
    const lines = [...exportLines];
    lines[7] = lines[7].replace('"name":"', '"name":"X');
    expect(lines[7]).not.toBe(exportLines[7]);
    expect(await discrepancyOf(lines)).toMatchObject({ position: log[7].position, line: 8, reason: 'hash_mismatch' });
  });

  it('names a dropped event, two swapped events and an event moved to another stream revision', async () => {
    expect(await discrepancyOf(exportLines.filter((_, i) => i !== 9))).toMatchObject({ position: log[8].position + 1n, line: 10, reason: 'missing_position' });
    const swapped = [...exportLines];
    [swapped[11], swapped[12]] = [swapped[12], swapped[11]];
    expect(await discrepancyOf(swapped)).toMatchObject({ position: log[10].position + 1n, line: 12, reason: 'out_of_order_position' });
    const later = log.findIndex((e, i) => i > 0 && e.revision > 0n);
    const shifted = [...exportLines];
    shifted[later] = JSON.stringify({ ...parsed(shifted[later]), revision: String(log[later].revision + 1n) });
    expect(await discrepancyOf(shifted)).toMatchObject({ position: log[later].position, reason: 'stream_revision_gap' });
  });

  it('names a link to another event than the stream’s previous one', async () => {
    const later = log.findIndex((e, i) => i > 0 && e.revision > 0n);
    const relinked = [...exportLines];
    relinked[later] = JSON.stringify({ ...parsed(relinked[later]), prevHash: log[0].hash === parsed(relinked[later]).prevHash ? log[1].hash : log[0].hash });
    expect(await discrepancyOf(relinked)).toMatchObject({ position: log[later].position, reason: 'broken_link' });
  });

  it('names a truncated export and a digest of another history', async () => {
    expect(await discrepancyOf(exportLines.slice(0, 15))).toMatchObject({ position: log[14].position + 1n, reason: 'truncated' });
    const other = { ...digest, root: 'a'.repeat(64) };
    expect(await discrepancyOf(exportLines, other)).toMatchObject({ position: log[log.length - 1].position, reason: 'root_mismatch' });
  });

  it('refuses an export that mixes the chain models', async () => {
    const mixed = [...exportLines];
    const line = parsed(mixed[4]);
    mixed[4] = JSON.stringify({ ...line, chain: undefined });
    expect(await discrepancyOf(mixed)).toMatchObject({ position: log[3].position + 1n, reason: 'malformed_line' });
  });
});

describe('the command line on EventStoreDB', () => {
  const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io: CliIo = {
      env: { CONCORDAT_STORE: 'esdb', CONCORDAT_ESDB_URL: target.connectionString, CONCORDAT_JWT_SECRET: SECRET },
      out: (l) => stdout.push(l),
      err: (l) => stderr.push(l),
    };
    const code = await run(args, io);
    return { code, out: stdout.join('\n'), err: stderr.join('\n') };
  };
  const file = (name: string): string => join(temp.dir, name);

  it('exports the same lines as the API, digests the same root, and verifies the export against it', async () => {
    expect((await cli(['export', '--out', file('export.ndjson')])).code).toBe(0);
    expect(readFileSync(file('export.ndjson'), 'utf8').trimEnd().split('\n')).toEqual(exportLines);
    expect((await cli(['digest', '--out', file('digest.json')])).code).toBe(0);
    const held = parseDigest(readFileSync(file('digest.json'), 'utf8'));
    expect({ treeSize: held.treeSize, root: held.root, headPosition: held.headPosition }).toEqual({ treeSize: digest.treeSize, root: digest.root, headPosition: digest.headPosition });
    const verified = await cli(['verify', '--export', file('export.ndjson'), '--digest', file('digest.json')]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.out)).toMatchObject({ ok: true, eventsVerified: log.length, digestMatched: true });
  });

  it('proves inclusion of an event named by its position, and exits 1 on a tampered export', async () => {
    const proved = await cli(['proof', 'inclusion', '--position', String(log[9].position), '--digest', file('digest.json')]);
    expect(proved.code).toBe(0);
    expect(JSON.parse(proved.out)).toMatchObject({ ok: true, position: String(log[9].position) });
    const lines = [...exportLines];
    lines[2] = lines[2].replace('"revision":"', '"revision":"1');
    writeFileSync(file('tampered.ndjson'), `${lines.join('\n')}\n`);
    expect((await cli(['verify', '--export', file('tampered.ndjson'), '--digest', file('digest.json')])).code).toBe(1);
  });
});

describe('history by correlation on EventStoreDB', () => {
  it('answers every event of a request, read at the positions the index holds', async () => {
    const counts = new Map<string, number>();
    for (const e of log) counts.set(e.metadata.correlationId, (counts.get(e.metadata.correlationId) ?? 0) + 1);
    const [busiest] = [...counts.entries()].sort((x, y) => y[1] - x[1]);
    expect(busiest[1]).toBeGreaterThan(1);
    const page = await get(`/audit/correlations/${busiest[0]}/events`).expect(200);
    const expected = log.filter((e) => e.metadata.correlationId === busiest[0]).map((e) => String(e.position));
    expect((page.body.items as { position: string }[]).map((e) => e.position)).toEqual(expected);
  });
});
