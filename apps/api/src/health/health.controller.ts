import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { EventStore } from '../../../../libs/event-store/src/port.js';
import { ProjectionRunner, type RunnerStatus } from '../../../../libs/ledger/src/projection-runner.js';
import { EVENT_STORE } from '../../../../libs/ledger/src/tokens.js';
import { Public } from '../auth/decorators.js';
import { ProblemError } from '../http/problem.js';

/**
 * Most events a health check reads to count the lag on EventStoreDB, whose positions are commit offsets with gaps:
 * past it the count is not worth one more page and `lagEvents` is null (still `behind: true`).
 */
export const LAG_SCAN_LIMIT = 1_000;

export interface HealthReport {
  /** ok: serving, read models current; catching-up: serving, read models behind; failing: read models stopped. */
  status: 'ok' | 'catching-up' | 'failing';
  /** True once this replica's read models have caught up with the log at least once (see /health/ready). */
  ready: boolean;
  store: { kind: string; headPosition: string | null };
  projections: {
    state: string;
    checkpoint: string | null;
    /** The checkpoint is below the store's head: events were appended that the read models have not applied yet. */
    behind: boolean;
    /**
     * Events the read models still have to apply. Null on EventStoreDB, whose positions are commit offsets in its
     * log file rather than a count of events (kept for clients of the first version; read `lagEvents`).
     */
    lag: string | null;
    /**
     * Events the read models still have to apply, on every store: the position difference where positions are
     * gapless; on EventStoreDB a count by one bounded read past the checkpoint, null when it exceeds LAG_SCAN_LIMIT.
     */
    lagEvents: string | null;
    readModels: string[];
    /** Per read model: the position it reflects and the snapshot it was restored from at start (null: rebuilt). */
    checkpoints: { name: string; checkpoint: string | null; restoredFrom: string | null }[];
    /** Read-model snapshots: where, what was restored or rebuilt at start, and the last round written; null when none are kept. */
    snapshots: {
      location: string;
      restoring: boolean;
      restoreMs: number | null;
      restored: string[];
      rebuilt: string[];
      lastRound: { position: string; readModels: string[]; bytes: number; writeMs: number; maxCaptureMs: number } | null;
    } | null;
    failure: { readModel: string | null; position: string | null; message: string } | null;
  };
}

/** The part of the reply /health uses: Fastify's reply, whose status the report's own may turn to 503. */
interface StatusReply {
  status(code: number): unknown;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  /**
   * Latched: a replica that has caught up once stays ready while its runner runs, so that a steady stream of writes
   * by other replicas (each leaving it a few events behind for a moment) does not flap it in and out of the balancer.
   */
  private caughtUp = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Store kind, last global position, projection checkpoint and lag', security: [] })
  @ApiOkResponse({ description: 'Serving (503 when the read models have stopped)' })
  async health(@Res({ passthrough: true }) reply: StatusReply): Promise<HealthReport> {
    const report = await this.report();
    if (report.status === 'failing') reply.status(503);
    return report;
  }

  @Public()
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: 200 once the read models have caught up with the log, 503 problem+json before', security: [] })
  @ApiOkResponse({ description: 'Ready to take traffic' })
  @ApiServiceUnavailableResponse({ description: 'problem+json not_ready (catching up) or read_models_unavailable (stopped)' })
  async ready(): Promise<HealthReport> {
    const report = await this.report();
    if (report.status === 'failing') {
      throw ProblemError.of(503, 'read_models_unavailable', 'the read models have stopped; see /health', { health: report });
    }
    if (!report.ready) {
      throw ProblemError.of(503, 'not_ready', 'the read models are catching up with the log', { health: report }, { 'Retry-After': '5' });
    }
    return report;
  }

  private async report(): Promise<HealthReport> {
    // The head first: a checkpoint read after it can only be as far or further, so `behind` is never a false negative
    // for the head reported.
    const head = await this.store.headPosition();
    const status = this.runner.status();
    const behind = head !== null && (status.checkpoint === null || status.checkpoint < head);
    const failing = status.state === 'failed' || status.state === 'stopped';
    if (!behind && status.state === 'running') this.caughtUp = true;
    const gapless = this.store.kind !== 'esdb';
    const applied = status.checkpoint === null ? 0n : status.checkpoint + 1n;
    // Clamped: the checkpoint, read after the head, may already be past it.
    const lag = !gapless ? null : head === null || !behind ? 0n : head + 1n - applied;
    const lagEvents = !behind ? 0n : gapless ? lag : await this.countBehind(status.checkpoint);
    return {
      status: failing ? 'failing' : behind ? 'catching-up' : 'ok',
      ready: this.caughtUp && !failing,
      store: { kind: this.store.kind, headPosition: head === null ? null : head.toString() },
      projections: {
        state: status.state,
        checkpoint: status.checkpoint === null ? null : status.checkpoint.toString(),
        behind,
        lag: lag === null ? null : lag.toString(),
        lagEvents: lagEvents === null ? null : lagEvents.toString(),
        readModels: status.readModels,
        checkpoints: status.checkpoints.map((c) => ({ name: c.name, checkpoint: decimalOrNull(c.checkpoint), restoredFrom: decimalOrNull(c.restoredFrom) })),
        snapshots: snapshotsView(status.snapshots),
        failure:
          status.failure === null
            ? null
            : { readModel: status.failure.readModel, position: status.failure.position === null ? null : status.failure.position.toString(), message: status.failure.message },
      },
    };
  }

  /** Events after the checkpoint, by one page of at most LAG_SCAN_LIMIT; null when there are more. */
  private async countBehind(checkpoint: bigint | null): Promise<bigint | null> {
    const page = await this.store.readAll({ after: checkpoint ?? 'start', maxCount: Math.min(LAG_SCAN_LIMIT, this.store.limits.maxReadCount) });
    return page.isEnd ? BigInt(page.events.length) : null;
  }
}

const decimalOrNull = (position: bigint | null): string | null => (position === null ? null : position.toString());

function snapshotsView(snapshots: RunnerStatus['snapshots']): HealthReport['projections']['snapshots'] {
  if (snapshots === null) return null;
  const round = snapshots.lastRound;
  return {
    location: snapshots.location,
    restoring: snapshots.restoring,
    restoreMs: snapshots.restoreMs,
    restored: snapshots.restored,
    rebuilt: snapshots.rebuilt,
    lastRound: round === null ? null : { position: round.position.toString(), readModels: round.readModels, bytes: round.bytes, writeMs: round.writeMs, maxCaptureMs: round.maxCaptureMs },
  };
}
