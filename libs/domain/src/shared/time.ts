import { DomainError } from './errors.js';

/** ISO-8601 UTC instant string, e.g. "2025-01-01T00:00:00.000Z" or "2025-01-01T00:00:00Z". */
export type Instant = string;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export function parseInstant(value: string, field = 'instant'): number {
  const ms = ISO_UTC.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new DomainError('invalid_instant', `${field} must be an ISO-8601 UTC instant such as 2025-01-01T00:00:00Z`, { field, value });
  }
  return ms;
}

/** Normalised form used in events: always milliseconds, always Z. */
export const instant = (ms: number): Instant => new Date(ms).toISOString();

export const SECOND_MS = 1000;
export const DAY_MS = 86_400_000;
