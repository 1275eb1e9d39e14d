import type { ReadAllOptions, ReadAllPage, RecordedEvent, SubscribeOptions, Subscription } from '../port.js';

export const DEFAULT_HIGH_WATER_MARK = 256;

/**
 * Tells subscriptions of this process that the log moved. Listeners only wake a reader: they carry no events,
 * so a missed or doubled notification can never lose or repeat one.
 */
export class AppendSignal {
  private readonly listeners = new Set<() => void>();
  private closedFlag = false;

  get closed(): boolean {
    return this.closedFlag;
  }

  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** The store closed: wake every subscription so it ends. */
  close(): void {
    this.closedFlag = true;
    this.notify();
    this.listeners.clear();
  }
}

/** What a pull subscription needs from its store. */
export interface SubscriptionSource {
  readAll(options: ReadAllOptions): Promise<ReadAllPage>;
  readonly signal: AppendSignal;
  readonly maxReadCount: number;
}

/**
 * Catch-up and live are one loop: the subscription reads pages of the log after its cursor, and when a read
 * reaches the end it sleeps until an append wakes it. It reads only when the consumer asks for an event and at
 * most `highWaterMark` at a time, so a slow consumer holds the producer back instead of growing a buffer; and
 * since every event comes from the ordered log after the cursor, each is delivered once and in order across the
 * catch-up → live switch.
 */
export class PullSubscription implements Subscription, AsyncIterator<RecordedEvent> {
  private readonly buffer: RecordedEvent[] = [];
  private head = 0;
  private cursor: bigint | 'start';
  private readonly highWaterMark: number;
  private readonly typePrefixes: readonly string[] | undefined;
  private closed = false;
  private appended = false;
  private wake: (() => void) | null = null;
  private readonly stopListening: () => void;
  private inFlight: Promise<IteratorResult<RecordedEvent>> = Promise.resolve({ done: true, value: undefined });

  constructor(
    private readonly source: SubscriptionSource,
    options: SubscribeOptions = {},
  ) {
    const hwm = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    if (!Number.isSafeInteger(hwm) || hwm <= 0) throw new RangeError(`highWaterMark must be a positive integer, got ${hwm}`);
    this.highWaterMark = Math.min(hwm, source.maxReadCount);
    this.cursor = options.after ?? 'start';
    this.typePrefixes = options.typePrefixes;
    this.stopListening = source.signal.listen(() => {
      this.appended = true;
      this.wake?.();
    });
  }

  /** Events read from the log and not yet handed to the consumer; never more than the high-water mark. */
  get buffered(): number {
    return this.buffer.length - this.head;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    // Serialize callers so two concurrent next() never read the same page twice.
    this.inFlight = this.inFlight.then(
      () => this.pull(),
      () => this.pull(),
    );
    return this.inFlight;
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.close();
    return { done: true, value: undefined };
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.stopListening();
      this.buffer.length = 0;
      this.head = 0;
      this.wake?.();
    }
    return Promise.resolve();
  }

  private async pull(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.closed || this.source.signal.closed) {
        await this.close();
        return { done: true, value: undefined };
      }
      if (this.head < this.buffer.length) {
        const value = this.buffer[this.head++] as RecordedEvent;
        if (this.head === this.buffer.length) {
          this.buffer.length = 0;
          this.head = 0;
        }
        return { done: false, value };
      }
      this.appended = false;
      const page = await this.source.readAll({
        after: this.cursor,
        maxCount: this.highWaterMark,
        ...(this.typePrefixes ? { typePrefixes: this.typePrefixes } : {}),
      });
      if (this.closed) continue;
      if (page.nextAfter !== null) this.cursor = page.nextAfter;
      this.buffer.push(...page.events);
      if (this.buffer.length === 0 && page.isEnd && !this.appended) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = null;
      }
    }
  }
}
