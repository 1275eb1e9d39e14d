import { DEFAULT_LIMITS, type StoreLimits } from '../port.js';

const positiveInteger = (name: string, value: number): number => {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
};

/** The adapter's limits: the defaults, overridden field by field, each checked once at start-up. */
export function resolveLimits(overrides: Partial<StoreLimits> = {}): StoreLimits {
  const merged = { ...DEFAULT_LIMITS, ...overrides };
  return Object.freeze({
    maxEventBytes: positiveInteger('maxEventBytes', merged.maxEventBytes),
    maxAppendCount: positiveInteger('maxAppendCount', merged.maxAppendCount),
    maxReadCount: positiveInteger('maxReadCount', merged.maxReadCount),
  });
}

/** A caller's `maxCount`, checked and capped by the store's hard maximum. */
export function boundedCount(maxCount: number | undefined, limits: StoreLimits): number {
  if (maxCount === undefined) return limits.maxReadCount;
  positiveInteger('maxCount', maxCount);
  return Math.min(maxCount, limits.maxReadCount);
}
