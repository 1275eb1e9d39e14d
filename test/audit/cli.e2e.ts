/**
 * The auditor's command line, run in-process on the program object against a SQLite ledger written through the API:
 * export, digest, verify (and what tampering with an export does to it), proofs, replay.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import { run } from '../../apps/cli/src/program.js';
import type { CliIo } from '../../apps/cli/src/io.js';
import { SECRET } from '../http/support.js';
import { officials, realisticHistory, startAudited, tempDir, testConfig, type AuditApp, type Officials } from './support.js';

interface Captured extends CliIo {
  stdout: string[];
  stderr: string[];
}

function cli(env: Record<string, string>): (args: string[]) => Promise<{ code: number; out: string; err: string; io: Captured }> {
  return async (args) => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io: Captured = { env, stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
    const code = await run(args, io);
    return { code, out: stdout.join('\n'), err: stderr.join('\n'), io };
  };
}

const temp = tempDir();
const ledgerPath = join(temp.dir, 'ledger.db');
const env = { CONCORDAT_STORE: 'sqlite', CONCORDAT_SQLITE_PATH: ledgerPath, CONCORDAT_JWT_SECRET: SECRET };
const concordat = cli(env);
const file = (name: string): string => join(temp.dir, name);

let g: AuditApp;
let who: Officials;
let lastPosition: bigint;
let exportLines: string[];

beforeAll(async () => {
  g = await startAudited(testConfig('sqlite', ledgerPath));
  who = await officials();
  lastPosition = BigInt(await realisticHistory(g, who));
  const exported = await concordat(['export', '--out', file('export.ndjson')]);
  expect(exported.code).toBe(0);
  exportLines = readFileSync(file('export.ndjson'), 'utf8').trimEnd().split('\n');
  expect((await concordat(['digest', '--out', file('digest.json')])).code).toBe(0);
});

afterAll(async () => {
  await g.app.close();
  temp.cleanup();
});

/** Writes a tampered copy of the export and runs `concordat verify` on it against the saved digest. */
async function verifyTampered(name: string, lines: string[]): Promise<{ code: number; err: string; discrepancy: { position: string; reason: string; line: number } }> {
  writeFileSync(file(name), `${lines.join('\n')}\n`);
  const verified = await concordat(['verify', '--export', file(name), '--digest', file('digest.json')]);
  const report = JSON.parse(verified.out) as { firstDiscrepancy: { position: string; reason: string; line: number } };
  return { code: verified.code, err: verified.err, discrepancy: report.firstDiscrepancy };
}

describe('every audit command has help', () => {
  it.each(['export', 'verify', 'replay', 'digest', 'proof', 'proof inclusion', 'proof consistency'])('concordat %s --help', async (name) => {
    const command = name.split(' ');
    const helped = await concordat([...command, '--help']);
    expect(helped.code).toBe(0);
    expect(helped.out).toMatch(new RegExp(`Usage: concordat ${command.join(' ')}`));
  });
});

describe('exporting and verifying the ledger offline', () => {
  it('exports every event once, in order, each line linked to the one before', () => {
    expect(exportLines).toHaveLength(Number(lastPosition) + 1);
    const parsed = exportLines.map((l) => JSON.parse(l) as { position: string; hash: string; prevHash: string });
    expect(parsed.map((e) => e.position)).toEqual(parsed.map((_, i) => String(i)));
    for (let i = 1; i < parsed.length; i += 1) expect(parsed[i].prevHash).toBe(parsed[i - 1].hash);
  });

  it('writes the same bytes to standard output as to a file, and a range when asked', async () => {
    const whole = await concordat(['export']);
    expect(whole.code).toBe(0);
    expect(whole.out).toBe(exportLines.join('\n'));
    expect(whole.err).toMatch(/export: .*done/);
    const range = await concordat(['export', '--from', '3', '--to', '5']);
    expect(range.io.stdout).toEqual(exportLines.slice(3, 6));
  });

  it('verifies an untouched export against the digest and exits 0', async () => {
    const verified = await concordat(['verify', '--export', file('export.ndjson'), '--digest', file('digest.json')]);
    expect(verified.code).toBe(0);
    const digest = JSON.parse(readFileSync(file('digest.json'), 'utf8')) as { root: string; treeSize: string };
    expect(JSON.parse(verified.out)).toMatchObject({ ok: true, eventsVerified: exportLines.length, root: digest.root, digestMatched: true, firstDiscrepancy: null });
    expect(verified.err).toMatch(/verify: .*ETA|verify: .*done/);
  });

  it('names the first bad position when one byte of an event changes, and exits 1', async () => {
    const lines = [...exportLines];
    lines[7] = lines[7].replace('"North committee"', '"North Committee"');
    expect(lines[7]).not.toBe(exportLines[7]);
    const { code, err, discrepancy } = await verifyTampered('byte.ndjson', lines);
    expect(code).toBe(1);
    expect(discrepancy).toMatchObject({ position: '7', reason: 'hash_mismatch', line: 8 });
    expect(err).toMatch(/the export is not the log from position 7 \(line 8\): hash_mismatch/);
  });

  it('names the position of a dropped event', async () => {
    const lines = exportLines.filter((_, i) => i !== 9);
    const { code, discrepancy } = await verifyTampered('dropped.ndjson', lines);
    expect(code).toBe(1);
    expect(discrepancy).toMatchObject({ position: '9', reason: 'missing_position' });
  });

  it('names the position where an event was inserted', async () => {
    const forged = JSON.parse(exportLines[4]) as Record<string, unknown>;
    const lines = [...exportLines.slice(0, 5), JSON.stringify({ ...forged, position: '5', id: 'forged' }), ...exportLines.slice(5)];
    const { code, discrepancy } = await verifyTampered('inserted.ndjson', lines);
    expect(code).toBe(1);
    expect(discrepancy.position).toBe('5');
    expect(['broken_link', 'hash_mismatch']).toContain(discrepancy.reason);
  });

  it('names the position where two events were swapped', async () => {
    const lines = [...exportLines];
    [lines[11], lines[12]] = [lines[12], lines[11]];
    const { code, discrepancy } = await verifyTampered('reordered.ndjson', lines);
    expect(code).toBe(1);
    expect(discrepancy).toMatchObject({ position: '11', reason: 'out_of_order_position' });
  });

  it('names where a truncated export stops short of the digest', async () => {
    const { code, discrepancy } = await verifyTampered('truncated.ndjson', exportLines.slice(0, 15));
    expect(code).toBe(1);
    expect(discrepancy).toMatchObject({ position: '15', reason: 'truncated' });
  });

  it('names the last event when the export is cut in the middle of a line', async () => {
    const lines = [...exportLines];
    lines[lines.length - 1] = lines[lines.length - 1].slice(0, 100);
    const { code, discrepancy } = await verifyTampered('cut.ndjson', lines);
    expect(code).toBe(1);
    expect(discrepancy).toMatchObject({ position: String(lastPosition), reason: 'malformed_line' });
  });

  it('refuses a missing export and a digest file that is not one, exiting 1', async () => {
    expect((await concordat(['verify', '--export', file('absent.ndjson')])).code).toBe(1);
    writeFileSync(file('bad-digest.json'), '{"format":"something-else"}');
    const bad = await concordat(['verify', '--export', file('export.ndjson'), '--digest', file('bad-digest.json')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--digest .*format/);
  });

  it('refuses a worker count that is neither 0 to 16 nor auto, and verifies with auto as with none', async () => {
    for (const workers of ['-1', '17', 'many', '1.5', '', ' 2', '0x2']) {
      const refused = await concordat(['verify', '--export', file('export.ndjson'), '--workers', workers]);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/--workers must be 0\.\.16 or auto/);
    }
    const auto = await concordat(['verify', '--export', file('export.ndjson'), '--digest', file('digest.json'), '--workers', 'auto']);
    const none = await concordat(['verify', '--export', file('export.ndjson'), '--digest', file('digest.json'), '--workers', '0']);
    expect(auto.code).toBe(0);
    expect(JSON.parse(auto.out)).toEqual(JSON.parse(none.out));
  });
});

describe('proofs checked against digests the auditor holds', () => {
  it('proves that an event is in the digest, and fails against a digest with another root', async () => {
    const proved = await concordat(['proof', 'inclusion', '--position', '6', '--digest', file('digest.json')]);
    expect(proved.code).toBe(0);
    expect(JSON.parse(proved.out)).toMatchObject({ ok: true, position: '6', treeSize: String(exportLines.length) });

    const digest = JSON.parse(readFileSync(file('digest.json'), 'utf8')) as { root: string };
    const otherRoot = `${digest.root.slice(0, -1)}${digest.root.endsWith('0') ? '1' : '0'}`;
    writeFileSync(file('other-root.json'), JSON.stringify({ ...digest, root: otherRoot }));
    const refused = await concordat(['proof', 'inclusion', '--position', '6', '--digest', file('other-root.json')]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.out)).toMatchObject({ ok: false });
  });

  it('proves that the later digest extends an earlier one, and refuses the reverse order', async () => {
    expect((await concordat(['digest', '--position', '4', '--out', file('early.json')])).code).toBe(0);
    const proved = await concordat(['proof', 'consistency', '--from-digest', file('early.json'), '--to-digest', file('digest.json')]);
    expect(proved.code).toBe(0);
    expect(JSON.parse(proved.out)).toMatchObject({ ok: true, from: { treeSize: '5' } });
    const reversed = await concordat(['proof', 'consistency', '--from-digest', file('digest.json'), '--to-digest', file('early.json')]);
    expect(reversed.code).toBe(1);
  });

  it('fails to extend a digest of a rewritten history: the same commands, recorded an hour later', async () => {
    const otherPath = join(temp.dir, 'rewritten.db');
    const rewritten = await startAudited(testConfig('sqlite', otherPath), new FakeClock(Date.parse('2025-06-01T01:00:00.000Z')));
    try {
      await realisticHistory(rewritten, who);
    } finally {
      await rewritten.app.close();
    }
    const other = cli({ ...env, CONCORDAT_SQLITE_PATH: otherPath });
    expect((await other(['digest', '--out', file('rewritten.json')])).code).toBe(0);
    const refused = await other(['proof', 'consistency', '--from-digest', file('early.json'), '--to-digest', file('rewritten.json')]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/does not extend the log at tree size 5/);
  });

  it('asks a running server for the proof when given one', async () => {
    await g.app.listen(0);
    const url = `http://127.0.0.1:${(g.app.getHttpServer().address() as AddressInfo).port}`;
    const token = who.auditor.replace(/^Bearer /, '');
    const proved = await concordat(['proof', 'inclusion', '--position', '2', '--digest', file('digest.json'), '--server', url, '--token', token]);
    expect(proved.code).toBe(0);
    const replayed = await concordat(['replay', '--server', url, '--token', token]);
    expect(replayed.code).toBe(0);
    const report = JSON.parse(replayed.out) as { equal: boolean; position: string; readModels: { name: string; equal: boolean }[] };
    expect(report).toMatchObject({ equal: true, position: String(lastPosition) });
    expect(report.readModels.map((m) => m.name)).toEqual(expect.arrayContaining(['governance.commitments', 'balances', 'incidents', 'trust', 'audit.merkle']));
    const noToken = await cli({ ...env })(['replay', '--server', url]);
    expect(noToken.code).toBe(1);
    expect(noToken.err).toMatch(/bearer token/);
  });
});

describe('replaying the ledger from the command line', () => {
  it('prints each read model’s state digest at a position, the same as the API’s past state', async () => {
    const replayed = await concordat(['replay', '--position', '8']);
    expect(replayed.code).toBe(0);
    const report = JSON.parse(replayed.out) as { position: string; readModels: { name: string; digest: string }[] };
    expect(report.position).toBe('8');
    const commitments = report.readModels.find((m) => m.name === 'governance.commitments');
    const past = await g.http().get('/audit/state/governance.commitments?position=8').set('Authorization', who.auditor).expect(200);
    expect(commitments?.digest).toBe(past.body.digest);
  });

  it('refuses --as-of together with --position, and an instant that is not one', async () => {
    expect((await concordat(['replay', '--position', '1', '--as-of', '2025-06-01T00:00:00Z'])).code).toBe(1);
    expect((await concordat(['replay', '--as-of', 'yesterday'])).code).toBe(1);
  });
});
