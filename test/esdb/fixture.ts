import { randomUUID } from 'node:crypto';
import type { EventMetadata, ProposedEvent } from '../../libs/event-store/src/port.js';
import { startEsdbTestServer, type EsdbTestServer } from './server/index.js';

/** Where the suite's EventStoreDB is: the in-process test server, or a real one named by CONCORDAT_ESDB_URL. */
export interface EsdbTarget {
  connectionString: string;
  /** Null when the suite runs against an external server. */
  server: EsdbTestServer | null;
  stop(): Promise<void>;
}

export async function esdbTarget(): Promise<EsdbTarget> {
  const external = process.env.CONCORDAT_ESDB_URL;
  if (external !== undefined && external !== '') {
    return { connectionString: external, server: null, stop: async () => undefined };
  }
  return testServerTarget();
}

/** Always the test server: for tests that stop, slow down or tamper with the node. */
export async function testServerTarget(): Promise<EsdbTarget & { server: EsdbTestServer }> {
  const server = await startEsdbTestServer();
  return { connectionString: server.connectionString, server, stop: () => server.stop() };
}

/** Names unique per run, so the suite can share a real server with earlier runs. */
export const uniqueStream = (category: string): string => `${category}-${randomUUID()}`;
export const uniqueTypePrefix = (): string => `t${randomUUID().slice(0, 8)}.`;

export const metadata = (overrides: Partial<EventMetadata> = {}): EventMetadata => ({
  actor: 'officer-lyon',
  role: 'city-officer',
  scope: 'city:lyon',
  correlationId: randomUUID(),
  causationId: null,
  idempotencyKey: null,
  schemaVersion: 1,
  ...overrides,
});

export const proposed = (type: string, data: Record<string, unknown> = {}, id: string = randomUUID()): ProposedEvent => ({
  id,
  type,
  data,
  metadata: metadata(),
});

/** Collects `count` events from an async iterator, failing after `timeoutMs` with what arrived so far. */
export async function take<T>(iterable: AsyncIterable<T>, count: number, timeoutMs = 20_000): Promise<T[]> {
  const out: T[] = [];
  const iterator = iterable[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`only ${out.length} of ${count} events arrived within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    while (out.length < count) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done) break;
      out.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}
