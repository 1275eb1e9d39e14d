/** The page formats the API's numbers and never recomputes them; tokens are read for display only. */
import { formatInstant, formatMoney, formatRatio, groupDigits, moneyCurrencies, shortHash } from '../../apps/dashboard/src/format.js';
import { code, translate } from '../../apps/dashboard/src/i18n.js';
import { holderOf, looksLikeToken, mayExecuteSettlement, mayVerifyChain } from '../../apps/dashboard/src/token.js';
import { issueToken } from '../../apps/api/src/auth/tokens.js';
import { SECRET } from '../http/support.js';

describe('showing the API numbers', () => {
  it('groups the digits of a decimal amount without touching its value or scale', () => {
    expect(groupDigits('1234567.50')).toBe('1,234,567.50');
    expect(groupDigits('-1000.00')).toBe('-1,000.00');
    expect(groupDigits('999.999')).toBe('999.999');
    expect(groupDigits('12345678901234567890.01')).toBe('12,345,678,901,234,567,890.01');
    expect(formatMoney('0.00', 'CNY')).toBe('0.00 CNY');
    // Anything that is not a plain decimal string is shown exactly as it came.
    expect(groupDigits('1e21')).toBe('1e21');
  });

  it('offers each currency of a body’s money once, the fund’s first, and never mixes them', () => {
    expect(moneyCurrencies('CNY', ['USD', 'CNY', 'EUR', 'USD'])).toEqual(['CNY', 'EUR', 'USD']);
    expect(moneyCurrencies(null, ['USD', 'CNY'])).toEqual(['CNY', 'USD']);
    expect(moneyCurrencies('HKD', [])).toEqual(['HKD']);
    expect(moneyCurrencies(null, [])).toEqual([]);
  });

  it('shows opinion numbers with three decimals and instants in UTC to the minute', () => {
    expect(formatRatio(0.6666666)).toBe('0.667');
    expect(formatRatio(1)).toBe('1.000');
    expect(formatRatio(null)).toBe('—');
    expect(formatInstant('2026-07-01T08:30:59.123Z')).toBe('2026-07-01 08:30 UTC');
    expect(shortHash('a'.repeat(64))).toBe(`${'a'.repeat(10)}…${'a'.repeat(6)}`);
  });
});

describe('labels in two languages', () => {
  it('fills parameters and translates domain codes, leaving unknown codes readable', () => {
    expect(translate('zh', 'verifyOk', { checked: 42 })).toBe('哈希链完整：已校验 42 个事件。');
    expect(translate('en', 'verifyOk', { checked: 42 })).toBe('Chain intact: 42 events checked.');
    expect(code('zh', 'fulfilled_late')).toBe('逾期履行');
    expect(code('en', 'fulfilled_late')).toBe('fulfilled late');
    expect(code('zh', 'something_new')).toBe('something new');
  });
});

describe('what the page offers a token holder', () => {
  it('reads role and scope from a real token, and offers execution only to finance officers of the body’s fund or of a member city, verification only to auditors and admins', async () => {
    const finance = holderOf(await issueToken(SECRET, { sub: 'treasurer', role: 'finance-officer', fund: 'yrd' }, 60));
    const auditor = holderOf(await issueToken(SECRET, { sub: 'auditor', role: 'auditor' }, 60));
    const coordinator = holderOf(await issueToken(SECRET, { sub: 'officer', role: 'coordinator', body: 'yrd' }, 60));
    expect(finance).toMatchObject({ sub: 'treasurer', role: 'finance-officer', scope: { kind: 'fund', id: 'yrd' } });
    expect(coordinator?.scope).toEqual({ kind: 'body', id: 'yrd' });
    const cityTreasurer = holderOf(await issueToken(SECRET, { sub: 'hz-treasurer', role: 'finance-officer', city: 'hangzhou' }, 60));
    const members = ['hangzhou', 'suzhou'];
    expect([finance, auditor, coordinator, cityTreasurer].map((h) => mayExecuteSettlement(h, 'yrd', members))).toEqual([true, false, false, true]);
    // Not for another body's fund, nor for a city outside the body.
    expect(mayExecuteSettlement(finance, 'taihu', members)).toBe(false);
    expect(mayExecuteSettlement(cityTreasurer, 'yrd', ['suzhou'])).toBe(false);
    expect([finance, auditor, coordinator].map(mayVerifyChain)).toEqual([false, true, false]);
  });

  it('refuses what is not a token', () => {
    expect(looksLikeToken('not a token')).toBe(false);
    expect(holderOf('a.b.c')).toBeNull();
    expect(holderOf('')).toBeNull();
  });
});
