import type { ReadAllOptions, ReadAllPage, RecordedEvent } from '../port.js';
import { AppendSignal, PullSubscription, type SubscriptionSource } from './subscription.js';

/** A log of `size` events that counts how many it has handed to the subscription. */
function countingLog(size: number): SubscriptionSource & { fetched: number; reads: number; grow(by: number): void } {
  let length = size;
  const signal = new AppendSignal();
  const source = {
    fetched: 0,
    reads: 0,
    signal,
    maxReadCount: 1_000,
    grow(by: number) {
      length += by;
      signal.notify();
    },
    readAll(options: ReadAllOptions): Promise<ReadAllPage> {
      const start = options.after === undefined || options.after === 'start' ? 0 : Number(options.after) + 1;
      const end = Math.min(length, start + (options.maxCount ?? 1_000));
      const events: RecordedEvent[] = [];
      for (let p = start; p < end; p++) {
        events.push({
          id: `e${p}`,
          type: 't',
          stream: 's-1',
          revision: BigInt(p),
          position: BigInt(p),
          recordedAt: '2026-01-01T00:00:00.000Z',
          data: {},
          metadata: { actor: 'a', role: 'r', correlationId: 'c', schemaVersion: 1 },
          hash: '',
        });
      }
      source.fetched += events.length;
      source.reads += 1;
      return Promise.resolve({ events, nextAfter: end > start ? BigInt(end - 1) : null, isEnd: end === length });
    },
  };
  return source;
}

describe('pull subscription back-pressure', () => {
  it('reads no further ahead of a slow consumer than its high-water mark', async () => {
    const log = countingLog(100_000);
    const sub = new PullSubscription(log, { highWaterMark: 32 });
    const iterator = sub[Symbol.asyncIterator]();
    for (let consumed = 1; consumed <= 500; consumed++) {
      const next = await iterator.next();
      expect(next.value?.position).toBe(BigInt(consumed - 1));
      expect(log.fetched - consumed).toBeLessThan(32);
      expect(sub.buffered).toBeLessThan(32);
    }
    await sub.close();
  });

  it('caps its page at the store read limit even when the high-water mark is larger', async () => {
    const log = countingLog(10_000);
    const sub = new PullSubscription(log, { highWaterMark: 1_000_000 });
    await sub[Symbol.asyncIterator]().next();
    expect(log.fetched).toBe(1_000);
    await sub.close();
  });

  it('sleeps at the end of the log without reading until an append wakes it', async () => {
    const log = countingLog(3);
    const sub = new PullSubscription(log, {});
    const iterator = sub[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) await iterator.next();
    const waiting = iterator.next();
    await new Promise((r) => setTimeout(r, 20));
    const readsWhileIdle = log.reads;
    await new Promise((r) => setTimeout(r, 20));
    expect(log.reads).toBe(readsWhileIdle);
    log.grow(1);
    expect((await waiting).value?.position).toBe(3n);
    await sub.close();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('refuses a high-water mark that is not a positive integer', () => {
    expect(() => new PullSubscription(countingLog(1), { highWaterMark: 0 })).toThrow(RangeError);
  });
});
