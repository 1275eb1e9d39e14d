/** The instants of a trust series: calendar months, weeks or days in UTC, from `from` to `to` inclusive, bounded. */
import { DomainError } from '../../../domain/src/shared/errors.js';

export const SERIES_STEPS = ['month', 'week', 'day'] as const;
export type SeriesStep = (typeof SERIES_STEPS)[number];

/** Most points one series answers (the dashboard draws 24 monthly points; ten years of months still fit). */
export const MAX_SERIES_POINTS = 120;

const DAY_MS = 86_400_000;

/** `from` plus k steps. Months keep the day of the month, or the month's last day when it is shorter (31 Jan → 28 Feb). */
export function stepFrom(fromMs: number, step: SeriesStep, k: number): number {
  if (step === 'day') return fromMs + k * DAY_MS;
  if (step === 'week') return fromMs + k * 7 * DAY_MS;
  const from = new Date(fromMs);
  const monthIndex = from.getUTCMonth() + k;
  const year = from.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const timeOfDay = fromMs - Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  return Date.UTC(year, month, Math.min(from.getUTCDate(), lastDay)) + timeOfDay;
}

/** The series' instants; refuses an empty range or one with more than MAX_SERIES_POINTS points. */
export function seriesInstants(fromMs: number, toMs: number, step: SeriesStep): number[] {
  if (fromMs > toMs) {
    throw new DomainError('invalid_series_range', 'from must not be after to', { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
  }
  const instants: number[] = [];
  for (let k = 0; k <= MAX_SERIES_POINTS; k++) {
    const at = stepFrom(fromMs, step, k);
    if (at > toMs) return instants;
    instants.push(at);
  }
  throw new DomainError('series_too_long', `a series has at most ${MAX_SERIES_POINTS} points; shorten the range or take a longer step`, {
    maxPoints: MAX_SERIES_POINTS,
    step,
  });
}

/** The default range: `points` steps back from `toMs` (so the last point is `toMs`). */
export function defaultSeriesFrom(toMs: number, step: SeriesStep, points: number): number {
  return stepFrom(toMs, step, -(points - 1));
}
