import type { EventStore, RecordedEvent, Subscription } from '../../event-store/src/port.js';
import { ProjectionInvariantError, type ReadModel } from '../../projections/src/read-model.js';

export type RunnerState = 'idle' | 'running' | 'failed' | 'stopped';

export interface RunnerStatus {
  state: RunnerState;
  /** Position of the last event every read model has applied; null before the first. */
  checkpoint: bigint | null;
  readModels: string[];
  /** Why the runner stopped, when it failed. */
  failure: { readModel: string | null; position: bigint | null; message: string } | null;
}

/** Reads asked for a position the read models cannot reach: the runner failed or stopped. */
export class ProjectionUnavailableError extends Error {
  constructor(readonly status: RunnerStatus) {
    super(status.failure === null ? `read models are ${status.state}` : `read models stopped: ${status.failure.message}`);
    this.name = 'ProjectionUnavailableError';
  }
}

/** Too many reads are already waiting for positions; refuse rather than queue without bound. */
export class TooManyWaitersError extends Error {
  constructor(readonly max: number) {
    super(`more than ${max} reads are waiting for the read models`);
    this.name = 'TooManyWaitersError';
  }
}

interface Waiter {
  position: bigint;
  resolve: (reached: boolean) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export interface ProjectionRunnerOptions {
  /** Events that may wait in the subscription before the store pauses (back-pressure). */
  highWaterMark?: number;
  maxWaiters?: number;
  /** Called once when the runner fails (the API logs it loudly). */
  onFailure?: (error: Error, status: RunnerStatus) => void;
}

const DEFAULT_MAX_WAITERS = 10_000;

/**
 * Feeds registered read models from the store's ordered log: every event once, in global order, to every model,
 * then advances the checkpoint. Read models are in memory, so the runner starts from the beginning of the log;
 * an exception from a model (above all a ProjectionInvariantError) stops it for good and health reports it.
 */
export class ProjectionRunner {
  private readonly models: ReadModel[] = [];
  private readonly waiters = new Set<Waiter>();
  private subscription: Subscription | null = null;
  private loop: Promise<void> | null = null;
  private state: RunnerState = 'idle';
  private checkpoint: bigint | null = null;
  private failure: RunnerStatus['failure'] = null;
  private readonly maxWaiters: number;

  constructor(
    private readonly store: EventStore,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.maxWaiters = options.maxWaiters ?? DEFAULT_MAX_WAITERS;
  }

  /** Adds a read model; only before `start`, so every model sees the whole log. */
  register(model: ReadModel): void {
    if (this.state !== 'idle') throw new Error(`read model ${model.name} registered after the projection runner started`);
    if (this.models.some((m) => m.name === model.name)) throw new Error(`read model ${model.name} is registered twice`);
    this.models.push(model);
  }

  readModel<T extends ReadModel>(name: string): T | undefined {
    return this.models.find((m): m is T => m.name === name);
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.subscription = this.store.subscribeToAll({ after: 'start', highWaterMark: this.options.highWaterMark });
    this.loop = this.consume(this.subscription);
  }

  async stop(): Promise<void> {
    if (this.state === 'running') this.state = 'stopped';
    if (this.state === 'idle') this.state = 'stopped';
    const subscription = this.subscription;
    this.subscription = null;
    if (subscription !== null) await subscription.close();
    await this.loop;
    this.settleWaiters();
  }

  status(): RunnerStatus {
    return { state: this.state, checkpoint: this.checkpoint, readModels: this.models.map((m) => m.name), failure: this.failure };
  }

  /**
   * Resolves true once every read model has applied `position`, false when `timeoutMs` passes first; rejects when
   * the runner has failed or stopped, since the position would then never be reached.
   */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.checkpoint !== null && this.checkpoint >= position) return Promise.resolve(true);
    if (this.state === 'failed' || this.state === 'stopped') return Promise.reject(new ProjectionUnavailableError(this.status()));
    if (this.waiters.size >= this.maxWaiters) return Promise.reject(new TooManyWaitersError(this.maxWaiters));
    return new Promise<boolean>((resolve, reject) => {
      const waiter: Waiter = {
        position,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(false);
        }, Math.max(0, timeoutMs)),
      };
      this.waiters.add(waiter);
    });
  }

  private async consume(subscription: Subscription): Promise<void> {
    try {
      for await (const event of subscription) {
        this.applyToAll(event);
        this.checkpoint = event.position;
        this.releaseWaiters();
      }
    } catch (error) {
      // Closing the store under a stopping runner may end the iteration with an error: that is the stop, not a failure.
      if (this.state === 'stopped') return;
      this.fail(error instanceof Error ? error : new Error(String(error)));
      await subscription.close();
    }
    if (this.state === 'running') this.fail(new Error('the log subscription ended unexpectedly'));
  }

  private applyToAll(event: RecordedEvent): void {
    // Pair assertion with the store: the log is a strictly increasing order; anything else would double-count.
    if (this.checkpoint !== null && event.position <= this.checkpoint) {
      throw new ProjectionInvariantError('(runner)', event.position, `position ${event.position} arrived after ${this.checkpoint}`);
    }
    for (const model of this.models) {
      try {
        model.apply(event);
      } catch (error) {
        if (error instanceof ProjectionInvariantError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        throw new ProjectionInvariantError(model.name, event.position, `apply threw: ${message}`);
      }
    }
  }

  private fail(error: Error): void {
    this.state = 'failed';
    this.failure = {
      readModel: error instanceof ProjectionInvariantError ? error.readModel : null,
      position: error instanceof ProjectionInvariantError ? error.position : null,
      message: error.message,
    };
    this.settleWaiters();
    this.options.onFailure?.(error, this.status());
  }

  private releaseWaiters(): void {
    const checkpoint = this.checkpoint;
    if (checkpoint === null) return;
    for (const waiter of this.waiters) {
      if (waiter.position <= checkpoint) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve(true);
      }
    }
  }

  private settleWaiters(): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new ProjectionUnavailableError(this.status()));
    }
    this.waiters.clear();
  }
}

/** Where a fresh build stops: at a global position (inclusive) or at a recordedAt instant (inclusive). */
export type BuildLimit = { untilPosition: bigint } | { untilRecordedAt: string } | { untilHead: true };

export interface FreshBuild<T extends readonly ReadModel[]> {
  readModels: T;
  /** Position of the last event applied; null when none was. */
  position: bigint | null;
  eventsApplied: number;
}

/**
 * Builds fresh read models from the beginning of the log up to a limit: for "as of" questions and for checking that
 * the live state equals a rebuild. Reads in pages; bounded by the head position at the start of the build.
 */
export async function buildReadModels<T extends readonly ReadModel[]>(store: EventStore, readModels: T, limit: BuildLimit = { untilHead: true }): Promise<FreshBuild<T>> {
  const head = await store.headPosition();
  const untilPosition = 'untilPosition' in limit ? limit.untilPosition : head;
  const untilMs = 'untilRecordedAt' in limit ? Date.parse(limit.untilRecordedAt) : Number.POSITIVE_INFINITY;
  if (Number.isNaN(untilMs)) throw new RangeError('untilRecordedAt is not an ISO-8601 instant');
  let position: bigint | null = null;
  let eventsApplied = 0;
  if (head === null || untilPosition === null) return { readModels, position, eventsApplied };

  const pageSize = store.limits.maxReadCount;
  const maxPages = Number(head / BigInt(pageSize)) + 2;
  let after: bigint | 'start' = 'start';
  for (let page = 0; page < maxPages; page++) {
    const { events, nextAfter, isEnd } = await store.readAll({ after, maxCount: pageSize });
    for (const event of events) {
      if (event.position > untilPosition || Date.parse(event.recordedAt) > untilMs) return { readModels, position, eventsApplied };
      for (const model of readModels) model.apply(event);
      position = event.position;
      eventsApplied++;
    }
    if (isEnd || nextAfter === null || nextAfter >= untilPosition) break;
    after = nextAfter;
  }
  return { readModels, position, eventsApplied };
}
