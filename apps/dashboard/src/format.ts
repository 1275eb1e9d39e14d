/**
 * Formatting only: every number on the page is the API's own value, shown with grouping or a fixed number of
 * decimals. Nothing here adds, nets or rounds money: amounts stay decimal strings from the wire to the screen.
 */

const DECIMAL = /^(-?)(\d+)(\.\d+)?$/;

/** "1234567.50" → "1,234,567.50". Anything that is not a plain decimal string is shown as it came. */
export function groupDigits(amount: string): string {
  const match = DECIMAL.exec(amount);
  if (match === null) return amount;
  const [, sign, whole, fraction = ''] = match;
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction}`;
}

/** An amount with its currency code, e.g. "1,200.00 CNY". */
export const formatMoney = (amount: string, currency: string): string => `${groupDigits(amount)} ${currency}`;

/** Trust, confidence and the other opinion numbers (0…1) with three decimals, as the API's value rounded for display. */
export function formatRatio(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n.toFixed(3) : String(value);
}

/** An instant in UTC to the minute ("2025-03-01 08:00 UTC"): the ledger's instants are UTC and so is the page. */
export function formatInstant(iso: string | null | undefined): string {
  if (iso === null || iso === undefined || iso.length < 16) return iso ?? '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The month of an instant ("2025-03"). */
export const formatMonth = (iso: string): string => iso.slice(0, 7);

/** A party of money as a short label: cities by id, funds as "fund:<body>". */
export const partyLabel = (party: { kind: string; id: string }): string => (party.kind === 'city' ? party.id : `${party.kind}:${party.id}`);

/** A long hash shortened for a table cell; the full value stays in the title attribute. */
export const shortHash = (hash: string): string => (hash.length > 20 ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : hash);

/**
 * The currencies a body's money is kept in, for the currency choice of the money view: the fund's first (the one a
 * proposal defaults to), then every other currency its members' obligations are in, sorted. Amounts in different
 * currencies are never added or netted together, so the view shows one currency at a time.
 */
export function moneyCurrencies(fundCurrency: string | null, pairCurrencies: readonly string[]): string[] {
  const others = [...new Set(pairCurrencies)].filter((c) => c !== fundCurrency).sort();
  return fundCurrency === null ? others : [fundCurrency, ...others];
}
