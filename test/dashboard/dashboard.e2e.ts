/**
 * The dashboard end to end: the API on a temporary SQLite ledger of the Yangtze River Delta, the built page served
 * by it, and Debian's chromium reading every view. What the page shows is compared with what the API answers. (The
 * screenshots of each view are taken over the demo ledger, in demo.e2e.ts.)
 */
import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { ensureDashboardBuilt, launchChromium, ROOT, type Browser } from './browser.js';
import { formatInstant, formatMoney, formatRatio } from '../../apps/dashboard/src/format.js';
import { createApp } from '../../apps/api/src/create-app.js';
import { BOUNDED_CONTEXTS } from '../../apps/api/src/contexts.js';
import { GovernanceApiModule } from '../../apps/api/src/governance/governance-api.module.js';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import { loadConfig } from '../../libs/ledger/src/config.js';
import { tempDir, testConfig } from '../http/support.js';
import { BODY, buildScenario, CITIES, CURRENCY, FUND_PARTY, INCIDENT, officials, type Officials } from './scenario.js';

const SCREENSHOTS = join(ROOT, 'test', 'dashboard', 'screenshots');
const MEMBERS = new Set([...CITIES.map((c) => `city:${c.cityId}`), FUND_PARTY]);
/** The ledger clock stands still at a whole hour of today, so "overdue" and "last 24 months" are stable in a run. */
const NOW_MS = Math.floor(Date.now() / 3_600_000) * 3_600_000;

jest.setTimeout(180_000);

// What the page-side callbacks below touch; the test's own types have no DOM (and the page's CSP forbids eval'd strings).
declare const document: { querySelector(selector: string): unknown; querySelectorAll(selector: string): { length: number }; activeElement: { textContent: string | null } | null };
declare const localStorage: { setItem(key: string, value: string): void };

interface Party {
  kind: string;
  id: string;
}
interface PairBalance {
  payer: Party;
  payee: Party;
  currency: string;
  outstanding: string;
}

describe('the dashboard, read in a browser', () => {
  const temp = tempDir();
  let app: NestFastifyApplication;
  let url: string;
  let browser: Browser;
  let who: Officials;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    await ensureDashboardBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    // Deadlines are not swept here: the scenario's fates are written explicitly, so the numbers hold still.
    const contexts = BOUNDED_CONTEXTS.filter((m) => !('module' in m && m.module === GovernanceApiModule));
    app = await createApp(testConfig('sqlite', join(temp.dir, 'ledger.sqlite')), {
      clock: new FakeClock(NOW_MS),
      contexts: [GovernanceApiModule.register({ deadlines: { enabled: false } }), ...contexts],
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    who = await officials();
    const scenario = await buildScenario(http, who, NOW_MS);
    // Every read below waits for the scenario's last write.
    await http().get(`/commitments?limit=1&atLeast=${scenario.lastPosition}`).set('Authorization', who.admin).expect(200);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    temp.cleanup();
  });

  const api = async <T>(path: string, token: string): Promise<T> => (await http().get(path).set('Authorization', token).expect(200)).body as T;

  /** A new tab (its own sessionStorage) signed in by pasting the token, as a person would. */
  async function signIn(token: string, view: string, lang: 'zh' | 'en' = 'zh'): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(`${url}/#/${view}`);
    await page.evaluate((l) => localStorage.setItem('concordat.lang', l), lang);
    await page.reload();
    await page.fill('#token', token.replace(/^Bearer /, ''));
    await page.click('form button[type=submit]');
    await page.waitForSelector(`main[data-view=${view}]`);
    return page;
  }

  const settled = (page: Page, selector: string) => page.waitForSelector(`${selector}, main .problem`);
  const texts = (page: Page, selector: string) => page.$$eval(selector, (nodes) => nodes.map((n) => (n.textContent ?? '').trim()));
  const shoot = (page: Page, view: string) => page.screenshot({ path: join(SCREENSHOTS, `${view}.png`), fullPage: true });

  it('shows a coordinator the body overview in Chinese: members ranked by trust, bands, confidence, sparklines, the alliance', async () => {
    const page = await signIn(who.coordinator, 'overview');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await texts(page, 'nav a')).toEqual(['机构概览', '信任矩阵', '资金', '承诺', '跨域风险事件', '审计']);
    expect(await page.textContent('[data-testid=holder]')).toContain('协调机构官员');
    await settled(page, '[data-testid=ranking]');
    const ranking = await api<{ items: { cityId: string; trust: number; confidence: number; band: string }[] }>(`/trust/bodies/${BODY}/ranking?basis=occurred`, who.coordinator);
    const rows = ranking.items;
    expect(rows.length).toBe(CITIES.length);
    expect(await page.$$eval('[data-testid=ranking] > tbody > tr', (trs) => trs.map((tr) => tr.getAttribute('data-city')))).toEqual(rows.map((r) => r.cityId));
    expect(await texts(page, '[data-testid=ranking] [data-testid=trust]')).toEqual(rows.map((r) => formatRatio(r.trust)));
    expect(await texts(page, '[data-testid=ranking] [data-testid=confidence]')).toEqual(rows.map((r) => formatRatio(r.confidence)));
    expect(await page.$$eval('[data-testid=ranking] .badge', (b) => b.map((n) => n.getAttribute('data-band')))).toEqual(rows.map((r) => r.band));
    // Each sparkline is the city's monthly series over two years of business time, read back from the API.
    const points = await page.$$eval('[data-testid=sparkline]', (s) => s.map((n) => Number(n.getAttribute('data-points'))));
    expect(points).toHaveLength(CITIES.length);
    for (const n of points) expect(n).toBeGreaterThanOrEqual(24);
    const shanghai = await api<{ points: { trust: number }[] }>(`/trust/cities/shanghai/series?basis=occurred&step=month`, who.coordinator);
    expect(new Set(shanghai.points.map((p) => p.trust)).size).toBeGreaterThan(1);
    const alliance = await api<{ members: string[] }>(`/trust/bodies/${BODY}/alliance?basis=occurred`, who.coordinator);
    const shown = await page.$$eval('[data-testid=alliance] li', (lis) => lis.map((li) => li.getAttribute('data-city')));
    expect(alliance.members.length).toBeGreaterThan(0);
    expect(shown).toEqual(alliance.members);
    const starred = await page.$$eval('[data-testid=ranking] > tbody > tr', (trs) => trs.filter((tr) => tr.querySelector('.alliance-mark') !== null).map((tr) => tr.getAttribute('data-city')));
    expect(new Set(starred)).toEqual(new Set(alliance.members));
    await page.close();
  });

  it('draws the trust matrix as a heat map whose cells open the contributions that explain them', async () => {
    const page = await signIn(who.coordinator, 'matrix');
    await settled(page, '[data-testid=matrix]');
    const { cells } = await api<{ cells: { truster: string; trustee: string; trust: number }[] }>(`/trust/bodies/${BODY}/matrix?basis=occurred`, who.coordinator);
    expect(cells.length).toBe(CITIES.length * (CITIES.length - 1));
    for (const cell of cells) {
      expect(await page.textContent(`button[data-truster="${cell.truster}"][data-trustee="${cell.trustee}"] .heat-value`)).toBe(formatRatio(cell.trust));
    }
    // By keyboard: a cell is a button, reached with focus and opened with Enter.
    await page.focus('button[data-truster="suzhou"][data-trustee="huzhou"]');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('button[data-truster="suzhou"][data-trustee="huzhou"]', 'aria-pressed')).toBe('true');
    await settled(page, '#explanation [data-testid=contributions], #explanation p');
    const explained = await api<{ trust: number; contributions?: unknown[] }>('/trust/pairs/suzhou/huzhou?explain=true&basis=occurred', who.coordinator);
    expect(await page.textContent('[data-testid=pair-trust]')).toBe(formatRatio(explained.trust));
    expect(await page.$$eval('[data-testid=contributions] tbody tr', (trs) => trs.length)).toBe(explained.contributions?.length ?? 0);
    await page.close();
  });

  it('lets a finance officer see who owes whom, the fund and the proposal, execute it after confirming, and see balances change', async () => {
    const ours = async () =>
      (await api<{ items: PairBalance[] }>('/balances/pairs?limit=500', who.fundFinance)).items.filter((p) => MEMBERS.has(`${p.payer.kind}:${p.payer.id}`) && MEMBERS.has(`${p.payee.kind}:${p.payee.id}`));
    const shownOutstanding = (page: Page) =>
      page.$$eval('[data-testid=pairs] tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-pair'), (tr.querySelector('[data-testid=outstanding]')?.textContent ?? '').trim()]));
    const expected = (pairs: PairBalance[]) => pairs.map((p) => [`${p.payer.kind}:${p.payer.id}>${p.payee.kind}:${p.payee.id}`, formatMoney(p.outstanding, p.currency)]);

    const page = await signIn(who.fundFinance, 'money');
    await settled(page, '[data-testid=pairs]');
    const before = await ours();
    expect(before.length).toBeGreaterThan(0);
    expect(await shownOutstanding(page)).toEqual(expected(before));
    await page.waitForSelector('[data-testid=owes-graph] svg');

    const fund = await api<{ balance: string; moneyIn: string; available: string; currency: string }>(`/funds/${BODY}`, who.fundFinance);
    expect(await page.textContent('[data-testid=fund-balance]')).toBe(formatMoney(fund.balance, fund.currency));
    expect(await page.textContent('[data-testid=fund-in]')).toBe(formatMoney(fund.moneyIn, fund.currency));
    expect(await page.textContent('[data-testid=fund-available]')).toBe(formatMoney(fund.available, fund.currency));
    const fundStream = await api<{ items: { type: string; data: { amount?: string; currency?: string } }[] }>(`/audit/streams/fund-${BODY}/events?limit=200`, who.fundFinance);
    const contributions = fundStream.items.filter((e) => e.type === 'MemberContributionReceived');
    expect(contributions.length).toBe(1);
    expect(await texts(page, '[data-testid=money-in-amount]')).toEqual(contributions.map((e) => formatMoney(e.data.amount ?? '', e.data.currency ?? '')));

    const proposal = await api<{ transfers: { amount: string }[]; parties: number }>(`/settlements/${BODY}/proposal?currency=${CURRENCY}`, who.fundFinance);
    expect(proposal.transfers.length).toBeGreaterThan(0);
    const shownTransfers = await page.$$eval('[data-testid=proposal] tbody tr td:last-child', (tds) => tds.map((td) => (td.textContent ?? '').trim()));
    expect(shownTransfers).toEqual(proposal.transfers.map((t) => formatMoney(t.amount, CURRENCY)));

    // Cancelling the confirmation writes nothing.
    await page.click('[data-testid=execute-settlement]');
    await page.waitForSelector('[data-testid=confirm-dialog][open]');
    await page.click('[data-testid=confirm-dialog] button:not([data-testid])');
    expect(await ours()).toEqual(before);

    await page.click('[data-testid=execute-settlement]');
    await page.click('[data-testid=confirm-execute]');
    await page.waitForSelector('[data-testid=money-notice]');
    await settled(page, '[data-testid=pairs]');
    await shoot(page, 'money-settled');
    const after = await ours();
    expect(after).not.toEqual(before);
    expect(await shownOutstanding(page)).toEqual(expected(after));
    // The proposal shown is the one the API now makes from the new positions.
    const next = await api<{ fingerprint: string; transfers: { amount: string }[] }>(`/settlements/${BODY}/proposal?currency=${CURRENCY}`, who.fundFinance);
    expect(await page.getAttribute('[data-testid=proposal-fingerprint] code', 'title')).toBe(next.fingerprint);
    expect(await page.$$eval('[data-testid=proposal] tbody tr td:last-child', (tds) => tds.map((td) => (td.textContent ?? '').trim()))).toEqual(
      next.transfers.map((t) => formatMoney(t.amount, CURRENCY)),
    );
    await page.close();
  });

  it('lists commitments as the API does, filters them, marks the overdue one and opens a timeline', async () => {
    const page = await signIn(who.coordinator, 'commitments');
    await settled(page, '[data-testid=commitments]');
    const all = await api<{ items: { commitmentId: string; status: string; delivered: string }[] }>(`/commitments?body=${BODY}&limit=200`, who.coordinator);
    const rows = () => page.$$eval('[data-testid=commitments] tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-commitment'), tr.getAttribute('data-status')]));
    expect(await rows()).toEqual(all.items.map((c) => [c.commitmentId, c.status]));
    expect(new Set(all.items.map((c) => c.status))).toEqual(new Set(['fulfilled_on_time', 'fulfilled_late', 'defaulted', 'overdue', 'open']));
    expect(await page.$$eval('tr.overdue', (trs) => trs.map((tr) => tr.getAttribute('data-commitment')))).toEqual(all.items.filter((c) => c.status === 'overdue').map((c) => c.commitmentId));
    const timelineOf = async (commitmentId: string) => {
      await page.click(`tr[data-commitment="${commitmentId}"] button`);
      await page.waitForSelector(`#timeline h2:has-text("${commitmentId}")`);
      await settled(page, '[data-testid=timeline]');
      const detail = await api<{ timeline: { type: string; occurredAt: string }[] }>(`/commitments/${commitmentId}`, who.coordinator);
      expect(await texts(page, '[data-testid=timeline] li strong')).toEqual(detail.timeline.map((e) => e.type));
      expect(await page.textContent('[data-testid=timeline]')).toContain(formatInstant(detail.timeline[0].occurredAt));
    };
    await timelineOf('jx-report-1');

    await page.selectOption('select[name=status]', 'defaulted');
    await page.selectOption('select[name=obligor]', 'huzhou');
    await page.click('#commitment-filters button[type=submit]');
    const defaulted = await api<{ items: { commitmentId: string; status: string }[] }>(`/commitments?body=${BODY}&status=defaulted&obligor=huzhou&limit=200`, who.coordinator);
    expect(defaulted.items.length).toBe(2);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=commitments] tbody tr').length === n, defaulted.items.length);
    expect(await rows()).toEqual(defaulted.items.map((c) => [c.commitmentId, c.status]));

    await timelineOf(defaulted.items[0].commitmentId);
    await page.close();
  });

  it('shows an incident with its cities, claims and the assessment derivation as the API states them', async () => {
    const page = await signIn(who.coordinator, 'incidents');
    await settled(page, '[data-testid=derivation]');
    const incident = await api<{
      originCities: string[];
      affectedCities: string[];
      claims: { claimId: string; verifiedAmount: string; currency: string }[];
      assessment: { derivation: { theta: string; eligibleTotal: string; originLiabilityTotal: string; eligibleCosts: Record<string, string>; currency: string } };
    }>(`/incidents/${INCIDENT}`, who.coordinator);
    const d = incident.assessment.derivation;
    expect(await page.textContent('[data-testid=origins]')).toBe('杭州 Hangzhou');
    expect(await page.textContent('[data-testid=affected]')).toBe('苏州 Suzhou、嘉兴 Jiaxing');
    expect(await texts(page, '[data-testid=claims] [data-testid=verified]')).toEqual(incident.claims.map((c) => formatMoney(c.verifiedAmount, c.currency)));
    expect(await page.textContent('[data-testid=theta]')).toBe(d.theta);
    expect(await page.textContent('[data-testid=eligible-total]')).toBe(formatMoney(d.eligibleTotal, d.currency));
    expect(await page.textContent('[data-testid=origin-liability]')).toBe(formatMoney(d.originLiabilityTotal, d.currency));
    for (const [city, amount] of Object.entries(d.eligibleCosts)) {
      expect(await page.textContent(`[data-testid=derivation] tr[data-city="${city}"] [data-testid=eligible]`)).toBe(formatMoney(amount, d.currency));
    }
    await page.close();
  });

  it('gives an auditor the digest, a chain verification and the history by position, and no write action anywhere', async () => {
    const page = await signIn(who.auditor, 'audit');
    expect(await page.getAttribute('[data-testid=holder]', 'data-role')).toBe('auditor');
    await settled(page, '[data-testid=tree-size]');
    const digest = await api<{ treeSize: string | number; headPosition: string | null }>('/audit/digest', who.auditor);
    expect(await page.textContent('[data-testid=tree-size]')).toBe(String(digest.treeSize));
    expect(await page.textContent('[data-testid=head-position]')).toBe(digest.headPosition ?? '—');
    await page.click('[data-testid=verify]');
    await page.waitForSelector('[data-testid=verify-result] p');
    expect(await page.textContent('[data-testid=verify-result]')).toMatch(/哈希链完整/);
    await settled(page, '[data-testid=history]');
    const history = await api<{ items: { position: string }[] }>('/audit/events?limit=50', who.auditor);
    expect(await page.$$eval('[data-testid=history] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-position')))).toEqual(history.items.map((e) => String(e.position)));

    // The same ledger the finance officer settled from, but nothing to execute, on any view.
    for (const view of ['overview', 'matrix', 'money', 'commitments', 'incidents', 'audit']) {
      await page.click(`[data-testid=nav-${view}]`);
      await page.waitForSelector(`main[data-view=${view}] h1`);
      await page.waitForFunction(() => document.querySelector('main [data-loading]') === null);
      expect(await page.$$('[data-testid=execute-settlement], [data-testid=confirm-execute]')).toEqual([]);
    }
    await page.close();
  });

  it('offers the locally printed admin token on a development server, and starts with a skip link for keyboards', async () => {
    // A server that made its own secret for this run, as `npm start` does without CONCORDAT_JWT_SECRET.
    const development = await createApp(loadConfig({ CONCORDAT_STORE: 'memory' }), { clock: new FakeClock(NOW_MS), logger: false });
    try {
      await development.listen(0, '127.0.0.1');
      const address = development.getHttpServer().address();
      const page = await browser.context.newPage();
      await page.goto(`http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/`);
      await page.waitForSelector('[data-testid=use-dev-token]');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent ?? '')).toBe('跳到正文');
      await shoot(page, 'signin');
      await page.click('[data-testid=use-dev-token]');
      await page.waitForSelector('main[data-view=overview]');
      expect(await page.getAttribute('[data-testid=holder]', 'data-role')).toBe('admin');
      expect(await page.textContent('main')).toContain('此令牌尚无可见的协调机构。');
      await page.close();
    } finally {
      await development.close();
    }
  });

  it('switches between Chinese and English and keeps the choice', async () => {
    const page = await signIn(who.coordinator, 'commitments');
    await page.click('[data-testid=switch-language]');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await texts(page, 'nav a')).toEqual(['Body overview', 'Trust matrix', 'Money', 'Commitments', 'Incidents', 'Audit']);
    expect(await page.textContent('main h1')).toBe('Commitments');
    // A reload keeps both the language (localStorage) and, in this tab, the token (sessionStorage).
    await page.reload();
    await settled(page, '[data-testid=commitments]');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('main h1')).toBe('Commitments');
    await shoot(page, 'commitments-en');
    await page.click('[data-testid=switch-language]');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('main h1')).toBe('承诺');
    await page.close();
  });
});
