import { Decimal } from 'decimal.js';
import { DomainError } from './errors.js';

/**
 * Exact decimal money. A private Decimal constructor (never the global one), amounts as strings in events and on
 * the wire, integer minor units (bigint) for splitting and netting.
 */
export const Dec = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 40 });
export type Dec = Decimal;

/** ISO 4217 code → digits of its minor unit. Unknown currencies are refused. */
export const MINOR_UNIT_DIGITS: Readonly<Record<string, number>> = {
  CNY: 2,
  HKD: 2,
  MOP: 2,
  TWD: 2,
  USD: 2,
  EUR: 2,
  JPY: 0,
};

export interface Money {
  /** Decimal string with exactly the currency's minor-unit scale, e.g. "1234.50". */
  amount: string;
  currency: string;
}

const AMOUNT_RE = /^-?(0|[1-9]\d{0,20})(\.\d+)?$/;

export function minorDigits(currency: string): number {
  const digits = MINOR_UNIT_DIGITS[currency];
  if (digits === undefined) {
    throw new DomainError('unknown_currency', `currency ${currency} is not supported`, { currency, supported: Object.keys(MINOR_UNIT_DIGITS) });
  }
  return digits;
}

/** Parse a decimal amount string, refusing more decimals than the currency's minor unit. */
export function parseAmount(amount: string, currency: string, field = 'amount'): Dec {
  const digits = minorDigits(currency);
  if (typeof amount !== 'string' || !AMOUNT_RE.test(amount)) {
    throw new DomainError('invalid_amount', `${field} must be a decimal string such as "1234.50"`, { field, value: amount });
  }
  const scale = amount.includes('.') ? amount.length - amount.indexOf('.') - 1 : 0;
  if (scale > digits) {
    throw new DomainError('amount_scale_exceeded', `${field} has ${scale} decimals; ${currency} allows ${digits}`, { field, value: amount, currency, maxScale: digits });
  }
  return new Dec(amount);
}

/** Normalise to the currency's scale: "12.5" → "12.50". */
export function formatAmount(value: Dec, currency: string): string {
  return value.toFixed(minorDigits(currency));
}

export function toMinor(amount: string, currency: string): bigint {
  const d = parseAmount(amount, currency);
  return BigInt(d.times(new Dec(10).pow(minorDigits(currency))).toFixed(0));
}

export function fromMinor(minor: bigint, currency: string): string {
  return new Dec(minor.toString()).div(new Dec(10).pow(minorDigits(currency))).toFixed(minorDigits(currency));
}

export function money(amount: string, currency: string): Money {
  return { amount: formatAmount(parseAmount(amount, currency), currency), currency };
}
