import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../../apps/cli/src/program.js';
import type { CliIo } from '../../../../apps/cli/src/io.js';
import { FakeClock } from '../../../event-store/src/clock.js';
import { createMemoryEventStore } from '../../../event-store/src/memory/index.js';
import type { EventStore } from '../../../event-store/src/port.js';
import { openSqliteEventStore } from '../../../event-store/src/sqlite/index.js';
import { loadConfig } from '../config.js';
import { DEFAULT_ANCHOR, loadDemo, loadDemoOnStart, summarizeLedger, type LedgerSummary } from './index.js';

const slow = (name: string, fn: () => Promise<void>): void => it(name, fn, 120_000);

function captureIo(env: Record<string, string> = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { env, stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

function expectSomethingToLookAt(summary: LedgerSummary): void {
  expect(summary.cities).toEqual(expect.arrayContaining(['shanghai', 'nanjing', 'hangzhou', 'suzhou', 'hefei']));
  expect(summary.bodies.map((b) => b.bodyId)).toEqual(['yrd', 'taihu']);
  // Commitments in several states, trust that tells cities apart, a fund with money, obligations a settlement clears.
  expect(Object.keys(summary.commitments).length).toBeGreaterThanOrEqual(4);
  expect((summary.trust[0]?.trust ?? 0) - (summary.trust[summary.trust.length - 1]?.trust ?? 0)).toBeGreaterThan(0.05);
  expect(summary.funds.some((f) => Number(f.balance) > 0)).toBe(true);
  expect(summary.openObligations).toBeGreaterThan(0);
  expect(summary.settlements.some((s) => s.transfers > 0)).toBe(true);
}

describe('the demo ledger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concordat-demo-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  slow('loads the Yangtze River Delta into memory with an incident closed and assessed, and the same events every time', async () => {
    const load = async (): Promise<{ store: EventStore; head: string | null }> => {
      const clock = new FakeClock();
      const store = createMemoryEventStore({ clock });
      const report = await loadDemo(store, { clock });
      expect(report.byType.IncidentAssessed).toBeGreaterThan(0);
      expect(report.events).toBeGreaterThanOrEqual(400);
      return { store, head: report.headHash };
    };
    const first = await load();
    const second = await load();
    expect(second.head).toBe(first.head);
    expectSomethingToLookAt(await summarizeLedger(first.store, new FakeClock(Date.parse(DEFAULT_ANCHOR))));
  });

  slow('loads into SQLite, and the file reads back as the same ledger', async () => {
    const path = join(dir, 'demo.sqlite');
    const clock = new FakeClock();
    const store = openSqliteEventStore({ path, clock, synchronous: 'NORMAL' });
    const report = await loadDemo(store, { clock });
    await store.close();
    const reopened = openSqliteEventStore({ path, clock });
    try {
      const verified = await reopened.verify();
      expect(verified.ok).toBe(true);
      expect(verified.headHash).toBe(report.headHash);
      expectSomethingToLookAt(await summarizeLedger(reopened, new FakeClock(Date.parse(DEFAULT_ANCHOR))));
    } finally {
      await reopened.close();
    }
  });

  slow('`concordat demo --memory` prints what it loaded; `--sqlite` loads a file once and refuses a file that holds events', async () => {
    const memory = captureIo();
    await expect(run(['demo', '--memory', '--cities', '12'], memory)).resolves.toBe(0);
    const printed = memory.stdout.join('\n');
    expect(printed).toMatch(/loaded \d+ events \(seed 7\) into memory/);
    expect(printed).toMatch(/body yrd: 长三角.* — 12 cities \(shanghai, nanjing, hangzhou/);
    expect(printed).toMatch(/fund yrd: balance/);

    const path = join(dir, 'cli.sqlite');
    await expect(run(['demo', '--sqlite', path], captureIo())).resolves.toBe(0);
    const again = captureIo();
    await expect(run(['demo', '--sqlite', path], again)).resolves.toBe(1);
    expect(again.stderr.join('\n')).toMatch(/already holds \d+ events; the demo is loaded into an empty store only/);
    await expect(run(['demo', '--memory', '--sqlite', path], captureIo())).resolves.toBe(1);
    await expect(run(['demo', '--memory', '--cities', '99'], captureIo())).resolves.toBe(1);
  });

  slow('at start (CONCORDAT_DEMO=1) loads into an empty SQLite store only, and says so', async () => {
    const config = loadConfig({ CONCORDAT_STORE: 'sqlite', CONCORDAT_SQLITE_PATH: join(dir, 'serve.sqlite'), CONCORDAT_JWT_SECRET: 'demo-test-secret-long-enough-for-hs256!' });
    const log: string[] = [];
    const first = await loadDemoOnStart(config, (l) => log.push(l));
    expect(first).toEqual({ loaded: true, events: expect.any(Number) });
    const second = await loadDemoOnStart(config, (l) => log.push(l));
    expect(second).toEqual({ loaded: false, reason: 'store_not_empty', events: first.events });
    expect(log[1]).toMatch(/already holds \d+ events; the demo is loaded into an empty store only/);
    const memory = await loadDemoOnStart({ ...config, store: 'memory' }, (l) => log.push(l));
    expect(memory.loaded).toBe(false);
  });
});
