import type { ReadStreamOptions, StoreLimits } from '../port.js';
import { boundedCount } from './limits.js';

/** The revisions a stream read covers, as a half-open range walked in `step` direction. */
export interface StreamSlice {
  backwards: boolean;
  /** First revision returned (inclusive). */
  from: bigint;
  count: number;
}

/**
 * Resolves read options against a stream whose last revision is `lastRevision`. Revisions past the end give an
 * empty slice (count 0) rather than an error, as in EventStoreDB.
 */
export function streamSlice(lastRevision: bigint, options: ReadStreamOptions, limits: StoreLimits): StreamSlice {
  const backwards = options.direction === 'backwards';
  const maxCount = boundedCount(options.maxCount, limits);
  const at = options.fromRevision ?? (backwards ? 'end' : 'start');
  if (typeof at === 'bigint' && at < 0n) throw new RangeError(`fromRevision must not be negative, got ${at}`);
  if (!backwards) {
    const from = at === 'start' ? 0n : at === 'end' ? lastRevision + 1n : at;
    const available = lastRevision + 1n - from;
    return { backwards, from, count: available <= 0n ? 0 : Number(available < BigInt(maxCount) ? available : BigInt(maxCount)) };
  }
  const from = at === 'end' ? lastRevision : at === 'start' ? 0n : at > lastRevision ? lastRevision : at;
  const available = from + 1n;
  return { backwards, from, count: Number(available < BigInt(maxCount) ? available : BigInt(maxCount)) };
}

/** Does `type` start with one of `prefixes`? No prefixes means every type. */
export function matchesTypePrefix(type: string, prefixes: readonly string[] | undefined): boolean {
  return prefixes === undefined || prefixes.length === 0 || prefixes.some((p) => type.startsWith(p));
}
