import fc from 'fast-check';
import { asLines, collect, ledgerHistory } from './audit.fixture.js';
import type { BlockChecker } from './block-checker.js';
import { inThreadBlockChecker } from './block-checker.js';
import { exportNdjson, type DigestFile, type ExportedEvent } from './export.js';
import { eventHash } from '../integrity.js';
import { verifyBlock } from './line-bytes.js';
import { digestAt } from './service.js';
import { verifyExport, type ExportVerification, type VerifyProgress } from './verify-export.js';
import { verifyExportBytes, type VerifyExportBytesOptions } from './verify-export-bytes.js';

const EVENTS = 40;

async function exportOf(events: number, digestPosition?: bigint): Promise<{ lines: string[]; digest: DigestFile }> {
  const store = await ledgerHistory({ events });
  const lines = asLines(await collect(exportNdjson(store, { pageSize: 7 })));
  const digest = await digestAt(store, digestPosition);
  await store.close();
  return { lines, digest };
}

const parse = (line: string): ExportedEvent => JSON.parse(line) as ExportedEvent;

/** The file's bytes, handed over in pieces of `piece` bytes (as a read stream would, cutting lines anywhere). */
function* bytesOf(lines: readonly string[], piece: number, eol = '\n'): Generator<Uint8Array> {
  const file = Buffer.from(lines.map((line) => `${line}${eol}`).join(''), 'utf8');
  for (let at = 0; at < file.length; at += piece) yield file.subarray(at, at + piece);
}

/** Blocks checked out of order and later, as worker threads answer. */
const laggingChecker = (): BlockChecker => {
  let turn = 0;
  return {
    parallelism: 3,
    check: (block, digestSize) =>
      new Promise((resolve) => {
        turn += 1;
        setTimeout(() => resolve({ verdict: verifyBlock(block, digestSize), block }), (turn % 3) * 3);
      }),
    close: () => Promise.resolve(),
  };
};

const ways: [string, number, VerifyExportBytesOptions][] = [
  ['one block, read whole', 1 << 20, {}],
  ['a block per line, read in 97-byte pieces', 97, { blockBytes: 1 }],
  ['blocks of a few lines checked out of order', 61, { blockBytes: 2_000, blockChecker: laggingChecker() }],
];

const tamperings: [string, (lines: string[]) => string[]][] = [
  ['nothing changed', (l) => l],
  ['one byte of an amount changed', (l) => l.map((x, i) => (i === 17 ? x.replace('"amount":"117.25"', '"amount":"117.26"') : x))],
  ['a line dropped', (l) => l.filter((_, i) => i !== 11)],
  ['a line repeated', (l) => [...l.slice(0, 9), l[8], ...l.slice(9)]],
  [
    'a forged event inserted with the next position',
    (l) => [...l.slice(0, 20), JSON.stringify({ ...parse(l[20]), id: '00000000-0000-4000-8000-00000000ffff', prevHash: parse(l[19]).hash }), ...l.slice(20)],
  ],
  ['two lines swapped', (l) => [...l.slice(0, 5), l[6], l[5], ...l.slice(7)]],
  ['the first two lines swapped', (l) => [l[1], l[0], ...l.slice(2)]],
  ['truncated', (l) => l.slice(0, 30)],
  ['a link rewired', (l) => l.map((x, i) => (i === 3 ? JSON.stringify({ ...parse(x), prevHash: parse(l[1]).hash }) : x))],
  ['a line cut in half', (l) => l.map((x, i) => (i === 25 ? x.slice(0, 60) : x))],
  ['the last line cut in half', (l) => l.map((x, i) => (i === l.length - 1 ? x.slice(0, 60) : x))],
  ['a faithful re-serialisation (keys reordered)', (l) => l.map((x, i) => (i === 12 ? JSON.stringify(Object.fromEntries(Object.entries(parse(x)).reverse())) : x))],
  ['blank lines', (l) => [...l.slice(0, 4), '', '   ', ...l.slice(4, 30), '', ...l.slice(30)]],
  ['a hash in upper case', (l) => l.map((x, i) => (i === 7 ? x.replace(parse(x).hash, parse(x).hash.toUpperCase()) : x))],
  ['lines that do not start at genesis', (l) => l.slice(3)],
  ['an empty export', () => []],
];

describe('offline verifier over bytes', () => {
  describe.each(ways)('gives the verdict of the line-by-line verifier (%s)', (_, piece, options) => {
    it.each(tamperings)('%s', async (__, tamper) => {
      const { lines, digest } = await exportOf(EVENTS);
      const tampered = tamper(lines);
      const expected = await verifyExport(tampered, digest);
      expect(await verifyExportBytes(bytesOf(tampered, piece), digest, options)).toEqual(expected);
    });

    it('with a digest of a prefix of the export', async () => {
      const { lines, digest } = await exportOf(EVENTS, 36n);
      const result = await verifyExportBytes(bytesOf(lines, piece), digest, options);
      expect(result).toMatchObject({ ok: true, digestMatched: true, eventsVerified: EVENTS });
      expect(result).toEqual(await verifyExport(lines, digest));
    });

    it.each([
      ['another root', (d: DigestFile): DigestFile => ({ ...d, root: d.root.replace(/^./, d.root.startsWith('0') ? '1' : '0') })],
      ['another head hash', (d: DigestFile): DigestFile => ({ ...d, headHash: (d.headHash ?? '').replace(/^./, (d.headHash ?? '').startsWith('0') ? '1' : '0') })],
    ])('names a digest mismatch (%s)', async (__, forge) => {
      const { lines, digest } = await exportOf(EVENTS);
      const result = await verifyExportBytes(bytesOf(lines, piece), forge(digest), options);
      expect(result.ok).toBe(false);
      expect(result).toEqual(await verifyExport(lines, forge(digest)));
    });
  });

  it('accepts lines ended by CRLF', async () => {
    const { lines, digest } = await exportOf(EVENTS);
    expect(await verifyExportBytes(bytesOf(lines, 1 << 20, '\r\n'), digest)).toMatchObject({ ok: true, digestMatched: true, eventsVerified: EVENTS });
  });

  it('verifies without a digest through the parser, and a truncated export is then a shorter valid chain', async () => {
    const { lines } = await exportOf(EVENTS);
    expect(await verifyExportBytes(bytesOf(lines.slice(0, 30), 500))).toEqual(await verifyExport(lines.slice(0, 30)));
    expect(await verifyExportBytes(bytesOf(lines.slice(0, 30), 500))).toMatchObject({ ok: true, eventsVerified: 30 });
  });

  it('a fabricated line that hashes to itself but is not JSON is caught by the root', async () => {
    const { lines, digest } = await exportOf(10);
    const original = parse(lines[9]);
    const dataJson = '{"amount":"999.00",';
    const fields = { ...original, position: 9n, revision: BigInt(original.revision), dataJson, metadataJson: JSON.stringify(original.metadata) };
    const forged = lines[9].replace(JSON.stringify(original.data), dataJson).replace(original.hash, eventHash(original.prevHash, fields));
    const result = await verifyExportBytes(bytesOf([...lines.slice(0, 9), forged], 1 << 20), digest);
    expect(result.firstDiscrepancy).toMatchObject({ position: 9n, reason: 'root_mismatch' });
  });

  it('names a line longer than the limit without holding all of it', async () => {
    const { lines, digest } = await exportOf(EVENTS);
    const long = [...lines.slice(0, 5), `{"position":"5",${' '.repeat(50_000)}}`, ...lines.slice(6)];
    const result = await verifyExportBytes(bytesOf(long, 4_096), digest, { maxLineLength: 2_000, blockBytes: 1_000 });
    expect(result.firstDiscrepancy).toMatchObject({ position: 5n, line: 6, reason: 'malformed_line', detail: 'the line is longer than 2000 characters' });
  });

  it('reports progress as blocks are joined', async () => {
    const { lines, digest } = await exportOf(EVENTS);
    const seen: VerifyProgress[] = [];
    let now = 0;
    const result = await verifyExportBytes(bytesOf(lines, 1 << 20), digest, { blockBytes: 1_500, progressEvery: 10, nowMs: () => (now += 5), onProgress: (p) => seen.push(p) });
    expect(result.ok).toBe(true);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.map((p) => p.eventsDone)).toEqual([...seen.map((p) => p.eventsDone)].sort((a, b) => a - b));
    expect(seen[seen.length - 1]).toMatchObject({ eventsDone: EVENTS, eventsTotal: EVENTS, etaMs: 0 });
  });

  it('a block checker that fails makes verification fail rather than pass unchecked lines', async () => {
    const { lines, digest } = await exportOf(EVENTS);
    const broken: BlockChecker = { parallelism: 2, check: () => Promise.reject(new Error('worker died')), close: () => Promise.resolve() };
    await expect(verifyExportBytes(bytesOf(lines, 1_000), digest, { blockChecker: broken, blockBytes: 1_000 })).rejects.toThrow('worker died');
  });

  it('a block that vouches for nothing still verifies an honest export through the parser', async () => {
    const { lines, digest } = await exportOf(EVENTS);
    const sceptic: BlockChecker = {
      parallelism: 1,
      check: (block) => Promise.resolve({ verdict: { lines: 0, bytes: 0, events: 0, firstPosition: -1, firstPrevHash: '', lastHash: '', subtrees: [] }, block }),
      close: () => Promise.resolve(),
    };
    const expected: ExportVerification = await verifyExport(lines, digest);
    expect(await verifyExportBytes(bytesOf(lines, 1_000), digest, { blockChecker: sceptic })).toEqual(expected);
    expect(expected).toMatchObject({ ok: true, eventsVerified: EVENTS });
    expect(inThreadBlockChecker.parallelism).toBe(1);
  });

  describe('a changed byte is never vouched for by the byte checker', () => {
    const NEWLINE = 0x0a;
    const CR = 0x0d;
    const LINES = 12;

    /** The export as one block of bytes, and where each of its lines starts. */
    async function honestBlock(): Promise<{ lines: string[]; digest: DigestFile; block: Buffer; starts: number[] }> {
      const { lines, digest } = await exportOf(LINES);
      const block = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
      const starts = [0];
      for (let at = block.indexOf(NEWLINE); at >= 0 && at + 1 < block.length; at = block.indexOf(NEWLINE, at + 1)) starts.push(at + 1);
      return { lines, digest, block, starts };
    }

    /** The line a byte offset lies in (its newline included). */
    const lineOf = (starts: readonly number[], offset: number): number => starts.filter((start) => start <= offset).length - 1;

    it('vouches for every line of the honest export', async () => {
      const { block, starts } = await honestBlock();
      expect(starts).toHaveLength(LINES);
      expect(verifyBlock(block, LINES)).toMatchObject({ lines: LINES, events: LINES, bytes: block.length, firstPosition: 0 });
    });

    it('stops at the line whose byte changed, wherever the byte and whatever it became', async () => {
      const { block, starts } = await honestBlock();
      fc.assert(
        fc.property(fc.integer({ min: 0, max: block.length - 1 }), fc.integer({ min: 0, max: 255 }), (offset, byte) => {
          // A last newline turned into a carriage return leaves the same last line, as every line reader reads it.
          fc.pre(block[offset] !== byte && !(offset === block.length - 1 && byte === CR));
          const tampered = Buffer.from(block);
          tampered[offset] = byte;
          const verdict = verifyBlock(tampered, LINES);
          expect(verdict.events).toBe(lineOf(starts, offset));
          // At most a blank line (a newline put first in a line) is vouched for beyond the lines before.
          expect(verdict.bytes).toBeLessThanOrEqual(starts[lineOf(starts, offset)] + 1);
        }),
        { numRuns: 3_000 },
      );
    });

    it('gives the verdict of the line-by-line verifier for any byte changed', async () => {
      const { digest, block } = await honestBlock();
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: block.length - 1 }), fc.integer({ min: 0, max: 255 }), async (offset, byte) => {
          // Carriage returns are read as line ends by both, but not at the same places; other bytes are compared.
          fc.pre(block[offset] !== byte && byte !== CR);
          const tampered = Buffer.from(block);
          tampered[offset] = byte;
          const lines = tampered.toString('utf8').split('\n');
          if (lines[lines.length - 1] === '') lines.pop();
          expect(await verifyExportBytes([tampered], digest)).toEqual(await verifyExport(lines, digest));
        }),
        { numRuns: 300 },
      );
    });
  });
});
