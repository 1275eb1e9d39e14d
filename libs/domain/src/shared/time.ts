import { DomainError } from './errors.js';

/** ISO-8601 UTC instant string, e.g. "2025-01-01T00:00:00.000Z" or "2025-01-01T00:00:00Z". */
export type Instant = string;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** The span of business instants the ledger records: a year 0 or 9999 is a typo, not a fact about cities. */
export const EARLIEST_INSTANT_MS = Date.UTC(1970, 0, 1);
export const LATEST_INSTANT_MS = Date.UTC(3000, 0, 1) - 1;

/**
 * Milliseconds of an ISO-8601 UTC instant that names a real moment within the ledger's span; NaN otherwise. For
 * new input (the API's DTOs): `parseInstant` stays as lenient as the events already in the log that it replays.
 */
export function instantMs(value: string): number {
  const ms = ISO_UTC.test(value) ? Date.parse(value) : Number.NaN;
  // Date.parse rolls 2025-02-30 over to March and T24:00 over to the next day: a round trip exposes both.
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 19) !== value.slice(0, 19)) return Number.NaN;
  return ms >= EARLIEST_INSTANT_MS && ms <= LATEST_INSTANT_MS ? ms : Number.NaN;
}

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
