import type { EventStore, RecordedEvent, Subscription } from '../../event-store/src/port.js';
import { DeferredSnapshotError, ProjectionInvariantError, type BackgroundWork, type ReadModel } from '../../projections/src/read-model.js';
import { workerHasher, type PayloadHasher } from './snapshots/checksum-worker.js';
import { encodeSnapshot, openSnapshot, SnapshotRejected, type SealedSnapshot } from './snapshots/snapshot-file.js';
import type { SnapshotStore } from './snapshots/snapshot-store.js';

export type RunnerState = 'idle' | 'running' | 'failed' | 'stopped';

/** Where one read model stands: each may start from its own snapshot, so they differ while catching up. */
export interface ReadModelCheckpoint {
  name: string;
  /** Position of the last event the model reflects; null before the first. */
  checkpoint: bigint | null;
  /** Position of the snapshot it was restored from at start; null when it was built from the beginning of the log. */
  restoredFrom: bigint | null;
}

/** The last round of snapshots written, for health and benchmarks. */
export interface SnapshotRound {
  /** Position of the first model's snapshot in the round; each later one is at the checkpoint of its own capture. */
  position: bigint;
  readModels: string[];
  /** Time spent capturing the states, in total over the models (without the turns a capture in slices gives away). */
  captureMs: number;
  /** The longest the round blocked the event loop at once: a whole capture, or one slice of a capture in slices. */
  maxCaptureMs: number;
  /** Time from the first capture to the last file renamed into place (serialized in slices, the loop keeps serving). */
  writeMs: number;
  bytes: number;
}

export interface RunnerStatus {
  state: RunnerState;
  /** Position of the last event every read model has applied; null before the first. */
  checkpoint: bigint | null;
  readModels: string[];
  /** Why the runner stopped, when it failed. */
  failure: { readModel: string | null; position: bigint | null; message: string } | null;
  /** Per read model, in registration order. */
  checkpoints: ReadModelCheckpoint[];
  /** Null when the runner keeps no snapshots. */
  snapshots: {
    location: string;
    restoring: boolean;
    /** Milliseconds the start spent reading, checking and restoring snapshots; null until done. */
    restoreMs: number | null;
    restored: string[];
    rebuilt: string[];
    lastRound: SnapshotRound | null;
  } | null;
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

/** A model's snapshot read ahead of its turn: none, sealed (checksum under way), or failed to read or open. */
type Prepared = { kind: 'none' } | { kind: 'sealed'; sealed: SealedSnapshot } | { kind: 'failed'; error: unknown };

/** When periodic snapshots are taken: whichever comes first, and never two rounds at once. */
export interface SnapshotPolicy {
  /** Events applied since the last round. */
  everyEvents: number;
  /** Milliseconds since the last round, provided at least one event was applied since. */
  everyMs: number;
}

export const DEFAULT_SNAPSHOT_POLICY: SnapshotPolicy = { everyEvents: 100_000, everyMs: 10 * 60_000 };

export interface ProjectionRunnerOptions {
  /** Events that may wait in the subscription before the store pauses (back-pressure). */
  highWaterMark?: number;
  maxWaiters?: number;
  /** Called once when the runner fails (the API logs it loudly). */
  onFailure?: (error: Error, status: RunnerStatus) => void;
  /**
   * Where read models that can `restore` keep snapshots. Without it every start replays the log from the beginning.
   * With it, each such model starts from its own valid snapshot; one that is missing, corrupt, of another version or
   * parameter set, beyond the head, or of another log is rebuilt from the beginning.
   */
  snapshots?: SnapshotStore;
  snapshotPolicy?: Partial<SnapshotPolicy>;
  /** A snapshot refused or not written: the model is rebuilt (or keeps its older snapshot), never answers wrongly. */
  onWarning?: (message: string) => void;
  /** Progress worth a line in the log: what was restored, what was written. */
  onInfo?: (message: string) => void;
}

const DEFAULT_MAX_WAITERS = 10_000;
/** Snapshot files read ahead of their model's turn: the one being restored and the next (see restoreSnapshots). */
const READ_AHEAD = 2;
/**
 * Longest run of events applied without giving the event loop a turn. A page of the log is read synchronously (SQLite)
 * or from memory, so without this a replay of a million events would run in one unbroken chain of microtasks: the
 * server could not even answer /health ("catching-up") until it was over.
 */
const MAX_APPLY_SLICE_MS = 20;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Longest a capture in slices (ReadModel.snapshotInSlices) runs before it gives the event loop a turn. */
const MAX_CAPTURE_SLICE_MS = 5;

/**
 * Feeds registered read models from the store's ordered log: every event once, in global order, to every model,
 * then advances the checkpoint. Read models are in memory: at start each one that can restore does so from its own
 * valid snapshot (when a snapshot store is given) and the others start from the beginning of the log; one
 * subscription from the lowest of those positions then feeds each model only the events after its own position.
 * An exception from a model (above all a ProjectionInvariantError) stops the runner for good and health reports it.
 */
export class ProjectionRunner {
  private readonly models: ReadModel[] = [];
  /** Per model (same index): the snapshot position it was restored from; null when built from the beginning. */
  private restoredFrom: (bigint | null)[] = [];
  /** Per model: the position of its last snapshot written or restored, so an unchanged model is not written again. */
  private snapshotAt: (bigint | null)[] = [];
  /** The highest restored position: events up to it are skipped by the models already past them. */
  private skipThrough: bigint | null = null;
  private readonly waiters = new Set<Waiter>();
  private subscription: Subscription | null = null;
  private loop: Promise<void> | null = null;
  private state: RunnerState = 'idle';
  private checkpoint: bigint | null = null;
  /** Hash of the event at `checkpoint`: a snapshot taken there names the log it belongs to by it. */
  private checkpointHash: string | null = null;
  private failure: RunnerStatus['failure'] = null;
  private readonly maxWaiters: number;
  private readonly policy: SnapshotPolicy;
  private restoring = false;
  /** The head when the runner started: no periodic round before the models reach it (a replay is not a live load). */
  private startHead: bigint | null = null;
  private restoreMs: number | null = null;
  private restored: string[] = [];
  private rebuilt: string[] = [];
  private eventsSinceSnapshot = 0;
  private lastSnapshotMs = Date.now();
  /** Whether the models were told they caught up with the head the runner started with (once). */
  private toldCaughtUp = false;
  private snapshotRound: Promise<void> | null = null;
  private lastRound: SnapshotRound | null = null;
  /** Set while a capture in slices runs: no event is applied until it resolves (the capture must hold one instant). */
  private applyHold: Promise<void> | null = null;
  /** Hashes snapshot payloads off the main thread during the start; closed once every snapshot is restored. */
  private hasher: PayloadHasher | null = null;
  /** Snapshots whose reading began at registration (the first READ_AHEAD restorable models), by model index. */
  private readonly readAhead = new Map<number, Promise<Prepared>>();
  /** Ends the work models deferred to the background (see ReadModel.caughtUp) when the runner stops or fails. */
  private readonly background = new AbortController();
  /** The removal of a snapshot that a model could not decode in full (see discardSnapshot); stop waits for it. */
  private discarding: Promise<void> | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.maxWaiters = options.maxWaiters ?? DEFAULT_MAX_WAITERS;
    this.policy = { ...DEFAULT_SNAPSHOT_POLICY, ...options.snapshotPolicy };
    if (!(this.policy.everyEvents >= 1) || !(this.policy.everyMs >= 0)) throw new RangeError('the snapshot policy needs everyEvents ≥ 1 and everyMs ≥ 0');
  }

  /** Adds a read model; only before `start`, so every model sees the whole log. */
  register(model: ReadModel): void {
    if (this.state !== 'idle') throw new Error(`read model ${model.name} registered after the projection runner started`);
    if (this.models.some((m) => m.name === model.name)) throw new Error(`read model ${model.name} is registered twice`);
    this.models.push(model);
    this.restoredFrom.push(null);
    this.snapshotAt.push(null);
    // The first snapshots are read and hashed (thread pool, worker) while the application still boots on the main
    // thread; the rest are read one model ahead during the restore, so at most READ_AHEAD files are held at once.
    const snapshots = this.options.snapshots;
    if (snapshots !== undefined && model.restore !== undefined && this.readAhead.size < READ_AHEAD) {
      this.readAhead.set(this.models.length - 1, this.prepare(snapshots, model));
    }
  }

  readModel<T extends ReadModel>(name: string): T | undefined {
    return this.models.find((m): m is T => m.name === name);
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.loop = this.run();
  }

  /**
   * Stops feeding the read models; after a clean run, writes a last round of snapshots (only of models that moved
   * since their last one) so the next start has little to replay.
   */
  async stop(): Promise<void> {
    const wasRunning = this.state === 'running';
    this.background.abort();
    if (this.state === 'running') this.state = 'stopped';
    if (this.state === 'idle') this.state = 'stopped';
    const subscription = this.subscription;
    this.subscription = null;
    if (subscription !== null) await subscription.close();
    await this.loop;
    await this.discarding;
    // Reads begun at registration by a runner that never started: let them settle, and end the hashing worker.
    await Promise.all(this.readAhead.values());
    this.readAhead.clear();
    await this.closeHasher();
    this.settleWaiters();
    await this.snapshotRound;
    if (wasRunning && this.state === 'stopped' && this.failure === null) await this.writeSnapshots();
  }

  status(): RunnerStatus {
    const snapshots = this.options.snapshots;
    return {
      state: this.state,
      checkpoint: this.checkpoint,
      readModels: this.models.map((m) => m.name),
      failure: this.failure,
      checkpoints: this.models.map((m, i) => ({ name: m.name, checkpoint: this.positionOf(i), restoredFrom: this.restoredFrom[i] })),
      snapshots:
        snapshots === undefined
          ? null
          : {
              location: snapshots.location,
              restoring: this.restoring,
              restoreMs: this.restoreMs,
              restored: [...this.restored],
              rebuilt: [...this.rebuilt],
              lastRound: this.lastRound,
            },
    };
  }

  /** Waits for the snapshot round under way, if any (tests and benchmarks). */
  async snapshotsSettled(): Promise<void> {
    await this.snapshotRound;
  }

  /** Takes a round of snapshots now (between two events), unless one is under way; resolves when it is written. */
  async snapshotNow(): Promise<void> {
    if (this.snapshotRound === null) this.startSnapshotRound();
    await this.snapshotRound;
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

  private async run(): Promise<void> {
    let after: bigint | 'start';
    try {
      if (this.options.snapshots !== undefined) this.startHead = await this.store.headPosition();
      after = await this.restoreSnapshots();
    } catch (error) {
      if (this.state === 'running') this.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.state !== 'running') return;
    // Restored at the head (nothing to replay): caught up already.
    this.tellCaughtUp();
    const subscription = this.store.subscribeToAll({ after, highWaterMark: this.options.highWaterMark });
    this.subscription = subscription;
    await this.consume(subscription);
  }

  /**
   * Restores every model it can; returns where the one subscription must start for the lowest model. Models are
   * restored one after the other (parsing is main-thread work), but the next model's file is read and its checksum
   * computed on the thread pool while the current one is parsed: at most two snapshot files are held at once.
   */
  private async restoreSnapshots(): Promise<bigint | 'start'> {
    const snapshots = this.options.snapshots;
    if (snapshots === undefined) return 'start';
    this.restoring = true;
    const started = performance.now();
    const hashes = new Map<bigint, string | null>();
    try {
      const head = this.startHead;
      const restorable = this.models.flatMap((model, index) => (model.restore === undefined ? [] : [index]));
      for (const model of this.models) if (model.restore === undefined) this.rebuilt.push(model.name);
      const prepared = (index: number): Promise<Prepared> => {
        const early = this.readAhead.get(index);
        this.readAhead.delete(index);
        return early ?? this.prepare(snapshots, this.models[index]);
      };
      let next = restorable.length > 0 ? prepared(restorable[0]) : null;
      for (let k = 0; k < restorable.length && next !== null; k++) {
        const current = next;
        next = k + 1 < restorable.length ? prepared(restorable[k + 1]) : null;
        if (this.state !== 'running') {
          // Let the files already requested settle before giving up, so no read (nor a hasher it starts) outlives the start.
          await Promise.all([current, next]);
          return 'start';
        }
        const index = restorable[k];
        const model = this.models[index];
        const position = await this.restoreOne(snapshots, model, await current, head, hashes);
        this.restoredFrom[index] = position;
        this.snapshotAt[index] = position;
        (position === null ? this.rebuilt : this.restored).push(model.name);
      }
    } finally {
      this.restoring = false;
      this.restoreMs = Math.round(performance.now() - started);
      await Promise.all(this.readAhead.values());
      this.readAhead.clear();
      await this.closeHasher();
    }
    const lowest = this.restoredFrom.reduce<bigint | null | undefined>((low, p) => (low === undefined ? p : low === null || p === null ? null : p < low ? p : low), undefined);
    this.skipThrough = this.restoredFrom.reduce<bigint | null>((high, p) => (p !== null && (high === null || p > high) ? p : high), null);
    if (lowest === undefined || lowest === null) return 'start';
    this.checkpoint = lowest;
    this.checkpointHash = hashes.get(lowest) ?? null;
    this.releaseWaiters();
    return lowest;
  }

  private async closeHasher(): Promise<void> {
    const hasher = this.hasher;
    this.hasher = null;
    if (hasher !== null) await hasher.close();
  }

  /** Reads a model's snapshot, checks its seal and header and starts its checksum; never rejects (see Prepared). */
  private async prepare(snapshots: SnapshotStore, model: ReadModel): Promise<Prepared> {
    try {
      const bytes = await snapshots.read(model.name);
      if (bytes === null) return { kind: 'none' };
      this.hasher ??= workerHasher();
      const sealed = openSnapshot(model.name, bytes, { hasher: this.hasher });
      // Rejections are collected with the state; this only starts the work early.
      void sealed.checksum().catch(() => undefined);
      return { kind: 'sealed', sealed };
    } catch (error) {
      return { kind: 'failed', error };
    }
  }

  /** The position the model was restored at, or null (no snapshot, or one refused with a warning). */
  private async restoreOne(snapshots: SnapshotStore, model: ReadModel, prepared: Prepared, head: bigint | null, hashes: Map<bigint, string | null>): Promise<bigint | null> {
    const restore = model.restore?.bind(model);
    if (restore === undefined) return null;
    // Its own turn: the read and checksum that overlapped the previous model are not counted again.
    const started = performance.now();
    try {
      if (prepared.kind === 'none') {
        this.tell(this.options.onInfo, `read model ${model.name}: no snapshot in ${snapshots.location}; building it from the beginning of the log`);
        return null;
      }
      if (prepared.kind === 'failed') throw prepared.error;
      const { sealed } = prepared;
      const { header } = sealed;
      const reject = (reason: string): never => {
        throw new SnapshotRejected(model.name, reason);
      };
      if (header.version !== model.version) reject(`it is of version ${header.version}, the read model is of version ${model.version}`);
      const parameterSet = model.parameterSetVersion ?? null;
      if (header.parameterSetVersion !== parameterSet) reject(`it was computed under parameter set ${String(header.parameterSetVersion)}, the read model uses ${String(parameterSet)}`);
      if (header.store.kind !== this.store.kind) reject(`it was taken from a ${header.store.kind} log, this one is ${this.store.kind}`);
      const position = BigInt(header.position);
      if (head === null || position > head) reject(`its position ${position} is beyond the head of the log (${String(head)}): the log was truncated or replaced`);
      let hash = hashes.get(position);
      if (hash === undefined) {
        hash = await this.hashAt(position);
        hashes.set(position, hash);
      }
      if (hash !== header.store.eventHash) reject(`the log holds another event at position ${position}: it was taken from another or a rewritten log`);
      try {
        const state = await sealed.state();
        try {
          restore(state);
        } catch (error) {
          reject(`restore refused it: ${error instanceof Error ? error.message : String(error)}`);
        }
      } finally {
        // Models copy what they keep (ReadModel.restore): the file's hundreds of MB go now, not at a later collection.
        sealed.release();
      }
      this.tell(this.options.onInfo, `read model ${model.name}: restored from its snapshot at position ${position} (${header.payloadBytes} bytes, ${Math.round(performance.now() - started)} ms)`);
      return position;
    } catch (error) {
      const reason = error instanceof SnapshotRejected ? error.message : `snapshot of ${model.name} unreadable: ${error instanceof Error ? error.message : String(error)}`;
      this.tell(this.options.onWarning, `${reason}; rebuilding ${model.name} from the beginning of the log`);
      return null;
    }
  }

  private async hashAt(position: bigint): Promise<string | null> {
    const page = await this.store.readAll({ after: position === 0n ? 'start' : position - 1n, maxCount: 1 });
    const event = page.events[0];
    return event !== undefined && event.position === position ? event.hash : null;
  }

  /** Where model `i` stands: its restored position until the common checkpoint passes it. */
  private positionOf(i: number): bigint | null {
    const restored = this.restoredFrom[i];
    if (restored === null) return this.checkpoint;
    return this.checkpoint !== null && this.checkpoint > restored ? this.checkpoint : restored;
  }

  private async consume(subscription: Subscription): Promise<void> {
    try {
      let sliceStarted = performance.now();
      for await (const event of subscription) {
        // A capture in slices is under way: it must see the models as they stand. Captures run one at a time, each with
        // a file write between it and the next, so this waits for one capture and at most a few more.
        while (this.applyHold !== null) await this.applyHold;
        // Failed meanwhile (a model's background work): not one more event.
        if (this.state !== 'running') break;
        this.applyToAll(event);
        this.checkpoint = event.position;
        this.checkpointHash = event.hash;
        this.releaseWaiters();
        this.tellCaughtUp();
        this.eventsSinceSnapshot++;
        if (this.snapshotDue()) this.startSnapshotRound();
        if (performance.now() - sliceStarted > MAX_APPLY_SLICE_MS) {
          await nextTurn();
          sliceStarted = performance.now();
        }
      }
    } catch (error) {
      // Closing the store under a stopping runner may end the iteration with an error: that is the stop, not a failure
      // (nor a second one, after a model's background work failed).
      if (this.state !== 'running') return;
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
    const catchingUp = this.skipThrough !== null && event.position <= this.skipThrough;
    for (let i = 0; i < this.models.length; i++) {
      const model = this.models[i];
      if (catchingUp) {
        // This model's snapshot already reflects the event.
        const restored = this.restoredFrom[i];
        if (restored !== null && event.position <= restored) continue;
      }
      try {
        model.apply(event);
      } catch (error) {
        if (error instanceof ProjectionInvariantError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        // A part of its snapshot that the restore deferred and that does not decode: without the snapshot the next
        // start rebuilds the model instead of failing the same way again. Any other failure (a bug) keeps the snapshot:
        // a rebuild would only meet it again, after replaying the whole log.
        if (this.restoredFrom[i] !== null && error instanceof DeferredSnapshotError) this.discardSnapshot(model, message);
        throw new ProjectionInvariantError(model.name, event.position, `apply threw: ${message}`);
      }
    }
  }

  /** Once every model stands at (or past) the head the runner started with: see ReadModel.caughtUp. */
  private tellCaughtUp(): void {
    if (this.toldCaughtUp || this.state !== 'running') return;
    const head = this.startHead;
    if (head !== null && (this.checkpoint === null || this.checkpoint < head)) return;
    if (this.skipThrough !== null && (this.checkpoint === null || this.checkpoint < this.skipThrough)) return;
    this.toldCaughtUp = true;
    for (const model of this.models) {
      const background: BackgroundWork = { signal: this.background.signal, fail: (error) => this.failInBackground(model, error) };
      try {
        model.caughtUp?.(background);
      } catch (error) {
        this.tell(this.options.onWarning, `read model ${model.name}: caughtUp failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private snapshotDue(): boolean {
    if (this.options.snapshots === undefined || this.snapshotRound !== null) return false;
    // While some models are still ahead of the others, the round would miss them: wait until all stand together.
    if (this.skipThrough !== null && this.checkpoint !== null && this.checkpoint < this.skipThrough) return false;
    // Rounds during the first catch-up would serialize the growing states again and again, slowing the start itself;
    // the first round comes as soon as every model reaches the head it started with.
    if (this.startHead !== null && (this.checkpoint === null || this.checkpoint < this.startHead)) return false;
    if (this.eventsSinceSnapshot >= this.policy.everyEvents) return true;
    return this.eventsSinceSnapshot > 0 && Date.now() - this.lastSnapshotMs >= this.policy.everyMs;
  }

  private startSnapshotRound(): void {
    const round = this.writeSnapshots().finally(() => {
      if (this.snapshotRound === round) this.snapshotRound = null;
    });
    this.snapshotRound = round;
  }

  /**
   * For each restorable model in turn: captures its state between two events (at the checkpoint of that moment, if
   * it moved since its last snapshot), then writes it in slices while the runner goes on. One model at a time, so the
   * event loop is blocked at most for the largest single capture; every snapshot names its own position, so models
   * need not share one. A failed capture or write is a warning: the previous snapshot stays, the next round retries.
   */
  private async writeSnapshots(): Promise<void> {
    const snapshots = this.options.snapshots;
    if (snapshots === undefined || this.checkpoint === null) return;
    this.eventsSinceSnapshot = 0;
    this.lastSnapshotMs = Date.now();
    const started = performance.now();
    let first: bigint | null = null;
    let captureMs = 0;
    let maxCaptureMs = 0;
    let bytes = 0;
    const written: string[] = [];
    /** Per model captured: its capture and its write, for the log line (the round's figures are totals). */
    const perModel: string[] = [];
    for (let index = 0; index < this.models.length; index++) {
      const model = this.models[index];
      const position = this.checkpoint;
      const eventHash = this.checkpointHash;
      if (model.restore === undefined || position === null || eventHash === null) continue;
      if (this.positionOf(index) !== position || this.snapshotAt[index] === position) continue;
      let state: unknown;
      let capture: { ms: number; longestMs: number };
      try {
        if (model.snapshotInSlices !== undefined) [state, capture] = await this.captureInSlices(model.snapshotInSlices());
        else {
          const captureStarted = performance.now();
          state = model.snapshot === undefined ? model.canonicalState() : model.snapshot();
          const ms = performance.now() - captureStarted;
          capture = { ms, longestMs: ms };
        }
      } catch (error) {
        this.tell(this.options.onWarning, `read model ${model.name}: snapshot failed at position ${position}: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      captureMs += capture.ms;
      maxCaptureMs = Math.max(maxCaptureMs, capture.longestMs);
      first ??= position;
      const fields = {
        readModel: model.name,
        version: model.version,
        parameterSetVersion: model.parameterSetVersion ?? null,
        position: position.toString(),
        store: { kind: this.store.kind, eventHash },
        takenAt: new Date().toISOString(),
      };
      try {
        const writeStarted = performance.now();
        let modelBytes = 0;
        await snapshots.replace(model.name, async (sink) => {
          modelBytes = (await encodeSnapshot(fields, state, sink)).payloadBytes;
        });
        bytes += modelBytes;
        this.snapshotAt[index] = position;
        written.push(model.name);
        perModel.push(`${model.name} ${Math.round(capture.ms)} + ${Math.round(performance.now() - writeStarted)} ms, ${modelBytes} bytes`);
      } catch (error) {
        this.tell(this.options.onWarning, `read model ${model.name}: snapshot at position ${position} not written: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (first === null) return;
    const writeMs = Math.round(performance.now() - started);
    this.lastRound = { position: first, readModels: written, captureMs: Math.round(captureMs), maxCaptureMs: Math.round(maxCaptureMs), writeMs, bytes };
    this.tell(
      this.options.onInfo,
      `snapshots of ${written.length} read models from position ${first}: ${bytes} bytes, capture ${Math.round(captureMs)} ms (longest ${Math.round(maxCaptureMs)} ms), written in ${writeMs} ms (capture + write per model: ${perModel.join('; ')})`,
    );
  }

  /**
   * Runs a capture in slices: no event is applied from its first step to its last (`applyHold`), and the event loop
   * gets a turn whenever a slice has run MAX_CAPTURE_SLICE_MS. Answers the captured state, the time spent in the
   * steps and the longest slice. The steps are the model's, finite (ReadModel.snapshotInSlices).
   */
  private async captureInSlices(steps: Generator<void, unknown, void>): Promise<[unknown, { ms: number; longestMs: number }]> {
    let release: () => void = () => undefined;
    this.applyHold = new Promise<void>((resolve) => (release = resolve));
    let ms = 0;
    let longestMs = 0;
    let sliceStarted = performance.now();
    const sliceEnded = (): void => {
      const slice = performance.now() - sliceStarted;
      ms += slice;
      longestMs = Math.max(longestMs, slice);
    };
    try {
      for (;;) {
        const step = steps.next();
        if (step.done === true) {
          sliceEnded();
          return [step.value, { ms, longestMs }];
        }
        if (performance.now() - sliceStarted >= MAX_CAPTURE_SLICE_MS) {
          sliceEnded();
          await nextTurn();
          sliceStarted = performance.now();
        }
      }
    } finally {
      this.applyHold = null;
      release();
    }
  }

  /** A model's background work (decoding the rest of its snapshot) failed: it refuses to answer, so the runner stops. */
  private failInBackground(model: ReadModel, error: Error): void {
    if (this.state !== 'running') return;
    const index = this.models.indexOf(model);
    const position = this.restoredFrom[index] ?? this.checkpoint ?? 0n;
    this.fail(new ProjectionInvariantError(model.name, position, `its restored snapshot did not decode: ${error.message}`));
    this.discardSnapshot(model, error.message);
    const subscription = this.subscription;
    this.subscription = null;
    if (subscription !== null) void subscription.close().catch(() => undefined);
  }

  /**
   * Removes the snapshot a model was restored from, after a failure of that model that the log itself may not cause
   * (a deferred part of the snapshot that does not decode): the next start rebuilds the model from the log rather
   * than restore the same snapshot and fail again, start after start. At most once per run.
   */
  private discardSnapshot(model: ReadModel, reason: string): void {
    const snapshots = this.options.snapshots;
    if (snapshots === undefined || this.discarding !== null) return;
    this.discarding = snapshots.remove(model.name).then(
      () => this.tell(this.options.onWarning, `read model ${model.name}: snapshot removed after ${reason}; the next start rebuilds it from the log`),
      (error: unknown) => this.tell(this.options.onWarning, `read model ${model.name}: snapshot not removed after ${reason}: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  /**
   * Calls a callback of the options (a logger, in the server): one that throws changes nothing the runner does, nor
   * escapes into a promise nobody awaits; what it would have said is lost, and that is all.
   */
  private tell<A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A): void {
    try {
      callback?.(...args);
    } catch {
      // Deliberately ignored: see above.
    }
  }

  private fail(error: Error): void {
    this.background.abort();
    this.state = 'failed';
    this.failure = {
      readModel: error instanceof ProjectionInvariantError ? error.readModel : null,
      position: error instanceof ProjectionInvariantError ? error.position : null,
      message: error.message,
    };
    this.settleWaiters();
    this.tell(this.options.onFailure, error, this.status());
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
