import esdb from '@eventstore/db-client';
import type { AllStreamSubscription, EventStoreDBClient as Client, Position, ResolvedEvent } from '@eventstore/db-client';
import type { RecordedEvent, SubscribeOptions, Subscription } from '../port.js';
import { decodeEvent, isForeignEvent, isSystemEvent } from './envelope.js';

const { START, eventTypeFilter, excludeSystemEvents } = esdb;

export interface ReconnectPolicy {
  /** Consecutive failed attempts before the subscription gives up and its iterator throws. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_HIGH_WATER_MARK = 256;
/**
 * Filtered subscriptions report a checkpoint after this many windows of 32 scanned events (1,024 events): often
 * enough that a resume skips what was filtered out, rare enough that catching up a long log is not slowed by them.
 */
const CHECKPOINT_INTERVAL = 32;
/** Errors after which reconnecting cannot help. */
const FATAL = new Set(['access-denied', 'invalid-argument', 'stream-deleted', 'unsupported']);

const errorType = (error: unknown): string | null =>
  typeof error === 'object' && error !== null && 'type' in error && typeof error.type === 'string' ? error.type : null;

/**
 * A catch-up-then-live subscription to `$all`, filtered server-side by event-type prefix, that survives the node
 * going away: on a transport error it resubscribes from the last position it saw (an event it queued or a
 * checkpoint the server sent), so nothing is lost, and drops anything at or before that position, so nothing is
 * delivered twice. The queue is bounded: past `highWaterMark` the gRPC stream is paused (HTTP/2 flow control).
 */
export class EsdbSubscription implements Subscription {
  private readonly queue: RecordedEvent[] = [];
  private readonly highWaterMark: number;
  private readonly prefixes: readonly string[];
  private last: bigint | null;
  private current: AllStreamSubscription | null = null;
  private failure: unknown = null;
  private closed = false;
  private attempts = 0;
  private wake: (() => void) | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: Client,
    options: SubscribeOptions,
    private readonly policy: ReconnectPolicy,
    private readonly onClose: () => void,
  ) {
    this.highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    if (!Number.isSafeInteger(this.highWaterMark) || this.highWaterMark <= 0) {
      throw new RangeError(`highWaterMark must be a positive integer, got ${this.highWaterMark}`);
    }
    this.prefixes = options.typePrefixes ?? [];
    this.last = options.after === undefined || options.after === 'start' ? null : options.after;
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    const checkpointReached = (_s: unknown, position: Position): void => {
      if (this.last === null || position.commit > this.last) this.last = position.commit;
    };
    const filter =
      this.prefixes.length > 0
        ? eventTypeFilter({ prefixes: [...this.prefixes], checkpointInterval: CHECKPOINT_INTERVAL, checkpointReached })
        : excludeSystemEvents({ checkpointInterval: CHECKPOINT_INTERVAL, checkpointReached });
    const from: Position | typeof START = this.last === null ? START : { commit: this.last, prepare: this.last };
    const subscription = this.client.subscribeToAll({ fromPosition: from, filter });
    this.current = subscription;
    subscription.on('confirmation', () => {
      this.attempts = 0;
    });
    subscription.on('data', (resolved: ResolvedEvent) => this.accept(resolved));
    subscription.on('error', (error: unknown) => this.dropped(subscription, error));
    subscription.on('end', () => this.dropped(subscription, null));
  }

  private accept(resolved: ResolvedEvent): void {
    const stored = resolved.event;
    if (!stored) return;
    const position = resolved.commitPosition ?? stored.position?.commit;
    if (position === undefined || (this.last !== null && position <= this.last)) return;
    if (isSystemEvent(stored.type, stored.streamId)) return;
    if (isForeignEvent(stored)) {
      // Remembered as seen, so a resume does not deliver what came before it again.
      this.last = position;
      return;
    }
    try {
      this.queue.push(decodeEvent(stored, position).event);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.last = position;
    this.attempts = 0;
    if (this.queue.length >= this.highWaterMark) this.current?.pause();
    this.notify();
  }

  private dropped(subscription: AllStreamSubscription, error: unknown): void {
    if (this.closed || subscription !== this.current) return;
    this.current = null;
    void subscription.unsubscribe().catch(() => undefined);
    if (error !== null && FATAL.has(errorType(error) ?? '')) {
      this.fail(error);
      return;
    }
    this.attempts += 1;
    if (this.attempts > this.policy.maxAttempts) {
      this.fail(error ?? new Error('the EventStoreDB subscription kept ending'));
      return;
    }
    const delay = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** (this.attempts - 1));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private fail(error: unknown): void {
    this.failure = error;
    void this.close();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async next(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      const event = this.queue.shift();
      if (event !== undefined) {
        if (this.queue.length < this.highWaterMark / 2) this.current?.resume();
        return { value: event, done: false };
      }
      if (this.failure !== null) {
        const failure = this.failure;
        this.failure = null;
        throw failure;
      }
      if (this.closed) return { value: undefined, done: true };
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    const current = this.current;
    this.current = null;
    this.onClose();
    this.notify();
    if (current !== null) await current.unsubscribe().catch(() => undefined);
  }
}
