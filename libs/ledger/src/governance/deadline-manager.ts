/**
 * The deadline process manager: at due + grace it records a commitment overdue, at due + the agreement's default
 * period it records the default (reason "deadline"). It wakes at the next deadline the commitments read model knows
 * (never later than one sweep interval), folds each reached commitment's stream up to its head (the read model may
 * lag), and issues the deadline commands through the CommandBus with event ids derived from the commitment and the
 * deadline: two replicas, a restart or a race append the same id at the same revision, so the log holds each deadline
 * once.
 */
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { commitmentDecider, deadlinesDue, type DeadlineCommand } from '../../../domain/src/governance/commitment.js';
import { streams } from '../../../domain/src/governance/events.js';
import { DomainError } from '../../../domain/src/shared/errors.js';
import type { Clock } from '../../../event-store/src/clock.js';
import type { EventStore } from '../../../event-store/src/port.js';
import { CommitmentsReadModel } from '../../../projections/src/commitments/commitments.read-model.js';
import { systemContext } from '../context.js';
import { CommandConflictError } from '../errors.js';
import { uuidV5 } from '../event-ids.js';
import { ProjectionRunner } from '../projection-runner.js';
import { EVENT_STORE, LEDGER_CLOCK } from '../tokens.js';
import { ExecuteCommitmentCommand } from './commands.js';
import { foldStream } from './context-reads.js';
import { DEADLINE_PROCESS_NAME } from './handlers.js';

export interface DeadlineManagerOptions {
  /** Start on application bootstrap. Default true; tests that drive sweeps by hand turn it off. */
  enabled?: boolean;
  /** Longest sleep between two sweeps (a commitment made meanwhile is seen at the latest then). */
  sweepIntervalMs?: number;
  /** Commitments handled per sweep; the rest wait for the next one, which follows at once. */
  batchSize?: number;
}

export const DEADLINE_MANAGER_OPTIONS = Symbol('concordat.DeadlineManagerOptions');
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
export const DEFAULT_DEADLINE_BATCH = 200;
/** Shortest sleep: a sweep that could not finish is retried soon, never in a hot loop. */
const MIN_SLEEP_MS = 250;
/** A deadline that was refused is retried after this pause, not at once: the refusal is logged, not spun on. */
const RETRY_AFTER_FAILURE_MS = 5_000;
/** How long a wake waits for the read model to reach the head before trusting what it knows. */
const CATCH_UP_MS = 5_000;

export type DeadlineKind = 'overdue' | 'default';

/** The id of the one event a deadline may produce: the same on every replica and after every restart. */
export const deadlineEventId = (commitmentId: string, kind: DeadlineKind): string => uuidV5(`deadline\n${commitmentId}\n${kind}`);

export interface SweepReport {
  /** Commitments whose deadline had been reached. */
  examined: number;
  /** Deadline commands that appended an event (a racing replica's or a repeat's no-op is not counted). */
  recorded: number;
  /** Commitments whose deadline command was refused or kept conflicting; they are retried on the next sweep. */
  failed: number;
}

@Injectable()
export class DeadlineManager implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DeadlineManager');
  private readonly sweepIntervalMs: number;
  private readonly batchSize: number;
  private readonly enabled: boolean;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: Clock,
    private readonly commands: CommandBus,
    private readonly commitments: CommitmentsReadModel,
    private readonly runner: ProjectionRunner,
    @Optional() @Inject(DEADLINE_MANAGER_OPTIONS) options: DeadlineManagerOptions | null = null,
  ) {
    this.enabled = options?.enabled ?? true;
    this.sweepIntervalMs = Math.max(MIN_SLEEP_MS, options?.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
    this.batchSize = Math.max(1, Math.min(options?.batchSize ?? DEFAULT_DEADLINE_BATCH, 10_000));
  }

  onApplicationBootstrap(): void {
    if (this.enabled) this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** Begins waking at deadlines; the first wake is immediate, so deadlines passed while the ledger was down are caught up. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops waking and waits for a sweep in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /**
   * One bounded pass: for at most `batchSize` commitments whose deadline the read model shows reached, fold the
   * stream, and issue what `deadlinesDue` says is due now.
   */
  async sweep(): Promise<SweepReport> {
    const nowMs = this.clock.nowMs();
    const ids = this.commitments.deadlinesReached(nowMs, this.batchSize);
    const report: SweepReport = { examined: ids.length, recorded: 0, failed: 0 };
    for (const id of ids) {
      try {
        report.recorded += await this.process(id, nowMs);
      } catch (error) {
        if (!(error instanceof DomainError) && !(error instanceof CommandConflictError)) throw error;
        report.failed++;
        this.logger.warn(`deadline of commitment ${id} not recorded yet: ${error.message}`);
      }
    }
    return report;
  }

  private async process(commitmentId: string, nowMs: number): Promise<number> {
    const state = await foldStream(this.store, streams.commitment(commitmentId), commitmentDecider);
    let recorded = 0;
    for (const due of deadlinesDue(state, nowMs)) {
      const acknowledgement = await this.commands.execute(this.commandFor(due));
      // Without an idempotency key a no-op has no position: only an appended event has one.
      if (acknowledgement.position !== null) recorded++;
    }
    return recorded;
  }

  private commandFor(due: DeadlineCommand): ExecuteCommitmentCommand {
    const kind: DeadlineKind = due.type === 'MarkOverdue' ? 'overdue' : 'default';
    const { type, commitmentId, occurredAt } = due;
    return new ExecuteCommitmentCommand({ type, commitmentId, occurredAt }, systemContext(DEADLINE_PROCESS_NAME), [deadlineEventId(commitmentId, kind)]);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.wake().finally(() => {
        this.running = null;
      });
    }, delayMs);
    // A pending wake must not keep the process alive on its own.
    this.timer.unref();
  }

  private async wake(): Promise<void> {
    let delay = this.sweepIntervalMs;
    try {
      const head = await this.store.headPosition();
      if (head !== null) await this.runner.waitFor(head, CATCH_UP_MS);
      const report = await this.sweep();
      const next = this.commitments.nextDeadlineMs();
      const full = report.examined === this.batchSize && report.failed < report.examined;
      if (full) delay = MIN_SLEEP_MS;
      else if (report.failed > 0) delay = Math.min(this.sweepIntervalMs, RETRY_AFTER_FAILURE_MS);
      else if (next !== null) delay = Math.min(this.sweepIntervalMs, Math.max(MIN_SLEEP_MS, next - this.clock.nowMs()));
    } catch (error) {
      this.logger.error(`deadline sweep failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.schedule(delay);
  }
}
