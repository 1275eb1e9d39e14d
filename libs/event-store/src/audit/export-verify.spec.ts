import { asLines, collect, ledgerHistory } from './audit.fixture.js';
import { exportNdjson, formatDigest, parseDigest, type DigestFile, type ExportedEvent } from './export.js';
import { InvalidDigestError } from './errors.js';
import { eventHash, GENESIS_HASH } from '../integrity.js';
import { consistencyProof, digestAt } from './service.js';
import { verifyConsistency } from './proof-verify.js';
import { verifyExport, type VerifyProgress } from './verify-export.js';

const EVENTS = 40;

async function exportOf(events: number): Promise<{ lines: string[]; digest: DigestFile }> {
  const store = await ledgerHistory({ events });
  const lines = asLines(await collect(exportNdjson(store, { pageSize: 7 })));
  const digest = await digestAt(store);
  await store.close();
  return { lines, digest };
}

const parse = (line: string): ExportedEvent => JSON.parse(line) as ExportedEvent;

describe('NDJSON export', () => {
  it('writes one line per event in global order, each linked to the hash before it', async () => {
    const { lines } = await exportOf(EVENTS);
    const events = lines.map(parse);
    expect(events.map((e) => e.position)).toEqual(Array.from({ length: EVENTS }, (_, i) => String(i)));
    expect(events[0].prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < events.length; i += 1) expect(events[i].prevHash).toBe(events[i - 1].hash);
    expect(Object.keys(events[0])).toEqual(['position', 'id', 'type', 'stream', 'revision', 'recordedAt', 'data', 'metadata', 'hash', 'prevHash']);
  });

  it('exports the same history to the same bytes whatever the page size', async () => {
    const store = await ledgerHistory({ events: 23 });
    const byOne = await collect(exportNdjson(store, { pageSize: 1 }));
    const byPage = await collect(exportNdjson(store));
    expect(byOne.join('')).toBe(byPage.join(''));
    await store.close();
  });

  it('exports a range anchored to the hash of the event before it', async () => {
    const store = await ledgerHistory({ events: 20 });
    const all = asLines(await collect(exportNdjson(store))).map(parse);
    const range = asLines(await collect(exportNdjson(store, { from: 5n, to: 9n, pageSize: 3 }))).map(parse);
    expect(range.map((e) => e.position)).toEqual(['5', '6', '7', '8', '9']);
    expect(range[0].prevHash).toBe(all[4].hash);
    await expect(collect(exportNdjson(store, { from: 5n, to: 4n }))).rejects.toThrow('cannot end');
    await store.close();
  });

  it('exports the empty log as nothing', async () => {
    const store = await ledgerHistory({ events: 0 });
    expect(await collect(exportNdjson(store))).toEqual([]);
    await store.close();
  });
});

describe('digest file', () => {
  it('round-trips through its text form', async () => {
    const { digest } = await exportOf(5);
    expect(parseDigest(formatDigest(digest))).toEqual(digest);
    expect(digest).toMatchObject({ treeSize: '5', headPosition: '4', store: 'memory' });
  });

  it.each([
    ['a wrong format tag', { format: 'other/1' }],
    ['a negative tree size', { treeSize: '-1' }],
    ['an upper-case root', { root: 'A'.repeat(64) }],
    ['a head that is not treeSize - 1', { headPosition: '3' }],
    ['a missing head hash', { headHash: null }],
    ['an unknown store', { store: 'postgres' }],
  ])('rejects a digest with %s', async (_, change) => {
    const { digest } = await exportOf(5);
    expect(() => parseDigest(JSON.stringify({ ...digest, ...change }))).toThrow(InvalidDigestError);
  });
});

describe('offline verifier on an honest export', () => {
  it('recomputes every hash and link and reproduces the digest root', async () => {
    const { lines, digest } = await exportOf(EVENTS);
    const result = await verifyExport(lines, digest);
    expect(result).toMatchObject({ ok: true, eventsVerified: EVENTS, firstDiscrepancy: null, root: digest.root, digestMatched: true });
    expect(result.headHash).toBe(digest.headHash);
  });

  it('accepts an export longer than an earlier digest: the digest commits to a prefix', async () => {
    const early = await ledgerHistory({ events: 13 });
    const earlyDigest = await digestAt(early);
    const { lines } = await exportOf(EVENTS);
    expect(await verifyExport(lines, earlyDigest)).toMatchObject({ ok: true, eventsVerified: EVENTS, digestMatched: true });
    await early.close();
  });

  it('verifies an export of the empty log against the empty digest', async () => {
    const { lines, digest } = await exportOf(0);
    expect(await verifyExport(lines, digest)).toMatchObject({ ok: true, eventsVerified: 0, digestMatched: true });
  });

  it('accepts a faithful re-serialisation of an event (keys reordered)', async () => {
    const { lines, digest } = await exportOf(6);
    const e = parse(lines[2]);
    const reordered = { ...e, data: Object.fromEntries(Object.entries(e.data as object).reverse()) };
    const copy = [...lines];
    copy[2] = JSON.stringify(reordered);
    expect(await verifyExport(copy, digest)).toMatchObject({ ok: true, eventsVerified: 6 });
  });

  it('skips blank lines but counts them in the line numbers it reports', async () => {
    const { lines, digest } = await exportOf(6);
    const spaced = [lines[0], '', '  ', ...lines.slice(1, 4), lines[4].replace('"currency":"EUR"', '"currency":"GBP"'), lines[5], ''];
    expect((await verifyExport(spaced, digest)).firstDiscrepancy).toMatchObject({ position: 4n, line: 7, reason: 'hash_mismatch' });
    expect(await verifyExport([...spaced.slice(0, 6), lines[4], lines[5], ''], digest)).toMatchObject({ ok: true, eventsVerified: 6 });
  });

  it('reports progress with the events done and an estimate of the time left', async () => {
    const { lines, digest } = await exportOf(EVENTS);
    let now = 0;
    const seen: VerifyProgress[] = [];
    const result = await verifyExport(lines, digest, {
      progressEvery: 10,
      nowMs: () => (now += 5),
      onProgress: (p) => seen.push(p),
    });
    expect(result.ok).toBe(true);
    expect(seen.map((p) => p.eventsDone)).toEqual([10, 20, 30, 40, 40]);
    expect(seen[0]).toMatchObject({ eventsTotal: EVENTS });
    expect(seen[0].etaMs).toBeGreaterThan(0);
    expect(seen.at(-1)?.etaMs).toBe(0);
  });
});

describe('offline verifier names the first bad position of a tampered export', () => {
  const tamperings: [string, (lines: string[]) => string[], { position: bigint; reason: string; line: number }][] = [
    [
      'one byte of an amount changed',
      (l) => l.map((x, i) => (i === 17 ? x.replace('"amount":"117.25"', '"amount":"117.26"') : x)),
      { position: 17n, reason: 'hash_mismatch', line: 18 },
    ],
    ['a line dropped', (l) => l.filter((_, i) => i !== 11), { position: 11n, reason: 'missing_position', line: 12 }],
    ['a line repeated', (l) => [...l.slice(0, 9), l[8], ...l.slice(9)], { position: 9n, reason: 'duplicate_position', line: 10 }],
    [
      'a forged event inserted with the next position',
      (l) => {
        const forged = { ...parse(l[20]), id: '00000000-0000-4000-8000-00000000ffff', prevHash: parse(l[19]).hash };
        return [...l.slice(0, 20), JSON.stringify(forged), ...l.slice(20)];
      },
      { position: 20n, reason: 'hash_mismatch', line: 21 },
    ],
    ['two lines swapped', (l) => [...l.slice(0, 5), l[6], l[5], ...l.slice(7)], { position: 5n, reason: 'out_of_order_position', line: 6 }],
    ['truncated', (l) => l.slice(0, 30), { position: 30n, reason: 'truncated', line: 0 }],
    [
      'a link rewired',
      (l) => l.map((x, i) => (i === 3 ? JSON.stringify({ ...parse(x), prevHash: parse(l[1]).hash }) : x)),
      { position: 3n, reason: 'broken_link', line: 4 },
    ],
    ['a line cut in half', (l) => l.map((x, i) => (i === 25 ? x.slice(0, 60) : x)), { position: 25n, reason: 'malformed_line', line: 26 }],
  ];

  it.each(tamperings)('%s', async (_, tamper, expected) => {
    const { lines, digest } = await exportOf(EVENTS);
    const result = await verifyExport(tamper(lines), digest);
    expect(result.ok).toBe(false);
    expect(result.firstDiscrepancy).toMatchObject(expected);
    expect(result.eventsVerified).toBe(Number(expected.position));
  });

  it('without a digest a truncated export is a shorter, valid chain: only the digest proves truncation', async () => {
    const { lines } = await exportOf(EVENTS);
    expect(await verifyExport(lines.slice(0, 30))).toMatchObject({ ok: true, eventsVerified: 30 });
  });

  it('refuses to check a digest against an export that does not start at genesis', async () => {
    const { lines, digest } = await exportOf(EVENTS);
    expect((await verifyExport(lines.slice(3), digest)).firstDiscrepancy).toMatchObject({ reason: 'not_from_genesis' });
    expect(await verifyExport(lines.slice(3))).toMatchObject({ ok: true, eventsVerified: EVENTS - 3, root: null });
  });
});

describe('byte-exact fast path under a digest', () => {
  it('an event whose data holds a nested "metadata" key still verifies (the parser takes over)', async () => {
    const store = await ledgerHistory({ events: 8, rewrite: { n: 4, data: { note: 'x', metadata: { actor: 'not the envelope' } } } });
    const lines = asLines(await collect(exportNdjson(store)));
    expect(await verifyExport(lines, await digestAt(store))).toMatchObject({ ok: true, eventsVerified: 8, digestMatched: true });
    await store.close();
  });

  it('gives the same verdict with and without a digest on every tampering', async () => {
    const { lines, digest } = await exportOf(EVENTS);
    const edited = lines.map((x, i) => (i === 9 ? x.replace('"currency":"EUR"', '"currency":"EUX"') : x));
    const withDigest = await verifyExport(edited, digest);
    const without = await verifyExport(edited);
    expect(withDigest.firstDiscrepancy).toEqual(without.firstDiscrepancy);
    expect(withDigest.firstDiscrepancy).toMatchObject({ position: 9n, reason: 'hash_mismatch' });
  });

  it('a fabricated line that hashes to itself but is not JSON is caught: by the parser without a digest, by the root with one', async () => {
    const { lines, digest } = await exportOf(10);
    const original = parse(lines[9]);
    const dataJson = '{"amount":"999.00",';
    const fields = { ...original, position: 9n, revision: BigInt(original.revision), dataJson, metadataJson: JSON.stringify(original.metadata) };
    const forgedHash = eventHash(original.prevHash, fields);
    const forged = lines[9].replace(JSON.stringify(original.data), dataJson).replace(original.hash, forgedHash);
    const tampered = [...lines.slice(0, 9), forged];
    expect((await verifyExport(tampered)).firstDiscrepancy).toMatchObject({ position: 9n, reason: 'malformed_line' });
    expect((await verifyExport(tampered, digest)).firstDiscrepancy).toMatchObject({ position: 9n, reason: 'root_mismatch' });
  });
});

describe('a rewritten history', () => {
  it('re-chained honestly passes the chain check, yet fails the old digest and every consistency proof', async () => {
    const original = await ledgerHistory({ events: 12 });
    const oldDigest = await digestAt(original);

    // Event 3 rewritten and everything after it re-chained by an honest store, then the log grew.
    const rewritten = await ledgerHistory({ events: 30, rewrite: { n: 3, data: { amount: '1000000.00', currency: 'EUR' } } });
    const rewrittenLines = asLines(await collect(exportNdjson(rewritten)));

    expect(await verifyExport(rewrittenLines)).toMatchObject({ ok: true, eventsVerified: 30 });
    expect((await verifyExport(rewrittenLines, oldDigest)).firstDiscrepancy).toMatchObject({
      position: 11n,
      reason: 'root_mismatch',
    });

    const proof = await consistencyProof(rewritten, 12n, 30n);
    expect(verifyConsistency(12n, 30n, proof.proof, oldDigest.root, proof.root2)).toBe(false);
    await original.close();
    await rewritten.close();
  });

  it('an honest extension is proved consistent with the earlier digest', async () => {
    const early = await ledgerHistory({ events: 12 });
    const oldDigest = await digestAt(early);
    const grown = await ledgerHistory({ events: 30 });
    const proof = await consistencyProof(grown, 12n, 30n);
    const newDigest = await digestAt(grown);
    expect(proof.root1).toBe(oldDigest.root);
    expect(verifyConsistency(12n, 30n, proof.proof, oldDigest.root, newDigest.root)).toBe(true);
    await early.close();
    await grown.close();
  });
});
