/**
 * The dashboard over the demo ledger (`concordat demo`: sixteen Yangtze River Delta cities, two bodies, a year of
 * history): every view read in chromium as an administrator, its numbers held against the API's, and the screenshots
 * of each view taken from it.
 */
import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { formatMoney, formatRatio } from '../../apps/dashboard/src/format.js';
import { BOUNDED_CONTEXTS } from '../../apps/api/src/contexts.js';
import { createApp } from '../../apps/api/src/create-app.js';
import { GovernanceApiModule } from '../../apps/api/src/governance/governance-api.module.js';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import { loadDemo } from '../../libs/ledger/src/demo/demo.js';
import { openConfiguredStore } from '../../libs/ledger/src/store-provider.js';
import { bearer, tempDir, testConfig } from '../http/support.js';
import { ensureDashboardBuilt, launchChromium, ROOT, type Browser } from './browser.js';

jest.setTimeout(240_000);

declare const document: { querySelector(selector: string): unknown };

const SCREENSHOTS = join(ROOT, 'test', 'dashboard', 'screenshots');
const NOW_MS = Math.floor(Date.now() / 3_600_000) * 3_600_000;
const BODY = 'yrd';

interface Party {
  kind: string;
  id: string;
}

describe('the dashboard over the demo ledger', () => {
  const temp = tempDir();
  let app: NestFastifyApplication;
  let url: string;
  let browser: Browser;
  let admin: string;
  let members: string[];
  const http = () => request(app.getHttpServer());
  const api = async <T>(path: string): Promise<T> => (await http().get(path).set('Authorization', admin).expect(200)).body as T;

  beforeAll(async () => {
    await ensureDashboardBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    const config = testConfig('sqlite', join(temp.dir, 'demo.sqlite'));
    const clock = new FakeClock(NOW_MS);
    const store = await openConfiguredStore(config, { clock });
    try {
      await loadDemo(store, { anchor: new Date(NOW_MS).toISOString(), clock });
    } finally {
      await store.close();
    }
    const others = BOUNDED_CONTEXTS.filter((m) => !('module' in m && m.module === GovernanceApiModule));
    app = await createApp(config, { clock, contexts: [GovernanceApiModule.register({ deadlines: { enabled: false } }), ...others], logger: false });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    admin = await bearer({ sub: 'demo-admin', role: 'admin' });
    // The app serves at once while its read models catch up with the demo ledger (from snapshots or the log): like a
    // load balancer, wait until the replica says it is ready before reading.
    for (let attempt = 0; attempt < 300 && (await http().get('/health/ready')).status !== 200; attempt++) await new Promise((r) => setTimeout(r, 100));
    await http().get('/health/ready').expect(200);
    members = (await api<{ members: string[] }>(`/bodies/${BODY}`)).members;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    temp.cleanup();
  });

  const texts = (page: Page, selector: string) => page.$$eval(selector, (nodes) => nodes.map((n) => (n.textContent ?? '').trim()));
  const shoot = (page: Page, view: string) => page.screenshot({ path: join(SCREENSHOTS, `${view}.png`), fullPage: true });

  async function visit(page: Page, view: string, ready: string): Promise<void> {
    await page.click(`[data-testid=nav-${view}]`);
    await page.waitForSelector(`main[data-view=${view}] h1`);
    await page.waitForFunction(() => document.querySelector('main [data-loading]') === null);
    await page.waitForSelector(ready);
  }

  it('reads every view of the committee of sixteen cities as the API states it', async () => {
    expect(members.length).toBe(16);
    const page = await browser.context.newPage();
    await page.goto(`${url}/`);
    await page.fill('#token', admin.replace(/^Bearer /, ''));
    await page.click('form button[type=submit]');
    await page.waitForSelector('#body-select');
    await page.selectOption('#body-select', BODY);

    await visit(page, 'overview', '[data-testid=ranking]');
    const ranking = await api<{ items: { cityId: string; trust: number; band: string }[] }>(`/trust/bodies/${BODY}/ranking?basis=occurred`);
    expect(await page.$$eval('[data-testid=ranking] > tbody > tr', (trs) => trs.map((tr) => tr.getAttribute('data-city')))).toEqual(ranking.items.map((r) => r.cityId));
    expect(await texts(page, '[data-testid=ranking] [data-testid=trust]')).toEqual(ranking.items.map((r) => formatRatio(r.trust)));
    await shoot(page, 'overview');

    await visit(page, 'matrix', '[data-testid=matrix]');
    const { cells } = await api<{ cells: { truster: string; trustee: string; trust: number }[] }>(`/trust/bodies/${BODY}/matrix?basis=occurred`);
    expect(cells.length).toBe(16 * 15);
    const shownCells = await page.$$eval('button[data-truster]', (buttons) =>
      buttons.map((b) => `${b.getAttribute('data-truster')}>${b.getAttribute('data-trustee')}=${(b.querySelector('.heat-value')?.textContent ?? '').trim()}`),
    );
    expect(shownCells).toEqual(cells.map((c) => `${c.truster}>${c.trustee}=${formatRatio(c.trust)}`));
    const [first] = ranking.items;
    const last = ranking.items[ranking.items.length - 1];
    await page.click(`button[data-truster="${first.cityId}"][data-trustee="${last.cityId}"]`);
    await page.waitForSelector('#explanation [data-testid=pair-trust]');
    await shoot(page, 'matrix');

    await visit(page, 'money', '[data-testid=pairs]');
    const parties = new Set([...members.map((m) => `city:${m}`), `fund:${BODY}`]);
    const pairs = (await api<{ items: { payer: Party; payee: Party; outstanding: string; currency: string }[] }>('/balances/pairs?limit=500')).items.filter(
      (p) => parties.has(`${p.payer.kind}:${p.payer.id}`) && parties.has(`${p.payee.kind}:${p.payee.id}`),
    );
    expect(await texts(page, '[data-testid=pairs] [data-testid=outstanding]')).toEqual(pairs.map((p) => formatMoney(p.outstanding, p.currency)));
    const fund = await api<{ balance: string; currency: string }>(`/funds/${BODY}`);
    expect(await page.textContent('[data-testid=fund-balance]')).toBe(formatMoney(fund.balance, fund.currency));
    await page.waitForSelector('[data-testid=owes-graph] svg');
    await shoot(page, 'money');

    await visit(page, 'commitments', '[data-testid=commitments]');
    const commitments = await api<{ items: { commitmentId: string; status: string }[] }>(`/commitments?body=${BODY}&limit=200`);
    expect(await page.$$eval('[data-testid=commitments] tbody tr', (trs) => trs.map((tr) => `${tr.getAttribute('data-commitment')}:${tr.getAttribute('data-status')}`))).toEqual(
      commitments.items.map((c) => `${c.commitmentId}:${c.status}`),
    );
    await page.click(`tr[data-commitment="${commitments.items[0].commitmentId}"] button`);
    await page.waitForSelector('[data-testid=timeline] li');
    await shoot(page, 'commitments');

    await visit(page, 'incidents', 'main .tabs, main p');
    const incidents = await api<{ items: { incidentId: string }[] }>(`/incidents?bodyId=${BODY}&limit=100`);
    expect(await page.$$eval('main .tabs button', (b) => b.length)).toBe(incidents.items.length);
    await shoot(page, 'incidents');

    await visit(page, 'audit', '[data-testid=history]');
    const digest = await api<{ treeSize: string }>('/audit/digest');
    expect(await page.textContent('[data-testid=tree-size]')).toBe(String(digest.treeSize));
    await page.click('[data-testid=verify]');
    await page.waitForSelector('[data-testid=verify-result] p');
    expect(await page.textContent('[data-testid=verify-result]')).toContain('哈希链完整');
    await shoot(page, 'audit');
    await page.close();
  });
});
