import type { EventStore } from '../../../event-store/src/port.js';
import type { ReadModel } from '../../../projections/src/read-model.js';
import type { BuildLimit } from '../projection-runner.js';
import { stateDigest } from './state-digest.js';

export interface RebuildProgress {
  eventsApplied: number;
  /** Events up to the limit's position (or the head), for an ETA; null when the limit is an instant. */
  eventsTotal: number | null;
}

export interface Rebuilt<T extends readonly ReadModel[]> {
  readModels: T;
  /** Position of the last event applied; null when none was. */
  position: bigint | null;
  eventsApplied: number;
}

/**
 * Replays the log from its first event into `readModels` (fresh instances) up to a position or recordedAt instant,
 * page by page: memory is one page plus the models' own state. The same semantics as the runner's buildReadModels,
 * with progress for long runs; bounded by the head position read at the start.
 */
export async function rebuild<T extends readonly ReadModel[]>(
  store: EventStore,
  readModels: T,
  limit: BuildLimit = { untilHead: true },
  onProgress?: (progress: RebuildProgress) => void,
): Promise<Rebuilt<T>> {
  const head = await store.headPosition();
  const untilPosition = 'untilPosition' in limit ? (head === null || limit.untilPosition < head ? limit.untilPosition : head) : head;
  const untilMs = 'untilRecordedAt' in limit ? Date.parse(limit.untilRecordedAt) : Number.POSITIVE_INFINITY;
  if (Number.isNaN(untilMs)) throw new RangeError('untilRecordedAt is not an ISO-8601 instant');
  let position: bigint | null = null;
  let eventsApplied = 0;
  if (untilPosition === null || untilPosition < 0n) return { readModels, position, eventsApplied };

  // Only gapless positions count events; EventStoreDB's are byte offsets.
  const eventsTotal = 'untilRecordedAt' in limit || store.kind === 'esdb' ? null : Number(untilPosition) + 1;
  const pageSize = store.limits.maxReadCount;
  const maxPages = Number(untilPosition / BigInt(pageSize)) + 2;
  let after: bigint | 'start' = 'start';
  for (let page = 0; page < maxPages; page += 1) {
    const { events, nextAfter, isEnd } = await store.readAll({ after, maxCount: pageSize });
    for (const event of events) {
      if (event.position > untilPosition || Date.parse(event.recordedAt) > untilMs) return { readModels, position, eventsApplied };
      for (const model of readModels) model.apply(event);
      position = event.position;
      eventsApplied += 1;
    }
    onProgress?.({ eventsApplied, eventsTotal });
    if (isEnd || nextAfter === null || nextAfter >= untilPosition) break;
    after = nextAfter;
  }
  return { readModels, position, eventsApplied };
}

export interface ReadModelDigest {
  name: string;
  version: number;
  digest: string;
}

export const digestsOf = (readModels: readonly ReadModel[]): ReadModelDigest[] =>
  readModels.map((m) => ({ name: m.name, version: m.version, digest: stateDigest(m) })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
