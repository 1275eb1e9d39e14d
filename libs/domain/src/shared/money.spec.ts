import { fromMinor, money, parseAmount, toMinor } from './money.js';
import { DomainError } from './errors.js';

describe('money', () => {
  it('normalises an amount to the currency minor-unit scale', () => {
    expect(money('12.5', 'CNY')).toEqual({ amount: '12.50', currency: 'CNY' });
  });
  it('refuses more decimals than the currency allows', () => {
    expect(() => parseAmount('1.234', 'CNY')).toThrow(DomainError);
  });
  it('round-trips minor units exactly', () => {
    expect(toMinor('1234567.89', 'CNY')).toBe(123456789n);
    expect(fromMinor(123456789n, 'CNY')).toBe('1234567.89');
  });
});
