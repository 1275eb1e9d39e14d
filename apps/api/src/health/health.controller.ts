import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import type { EventStore } from '../../../../libs/event-store/src/port.js';
import { ProjectionRunner } from '../../../../libs/ledger/src/projection-runner.js';
import { EVENT_STORE } from '../../../../libs/ledger/src/tokens.js';
import { Public } from '../auth/decorators.js';

export interface HealthReport {
  /** ok: serving, read models current; catching-up: serving, read models behind; failing: read models stopped. */
  status: 'ok' | 'catching-up' | 'failing';
  store: { kind: string; headPosition: string | null };
  projections: {
    state: string;
    checkpoint: string | null;
    /**
     * Events the read models still have to apply. Null on EventStoreDB, whose positions are commit offsets in its
     * log file rather than a count of events (compare checkpoint and headPosition there).
     */
    lag: string | null;
    readModels: string[];
    failure: { readModel: string | null; position: string | null; message: string } | null;
  };
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Store kind, last global position, projection checkpoint and lag', security: [] })
  @ApiOkResponse({ description: 'Serving (503 when the read models have stopped)' })
  async health(@Res({ passthrough: true }) response: ServerResponse): Promise<HealthReport> {
    const head = await this.store.headPosition();
    const status = this.runner.status();
    const behind = head !== null && (status.checkpoint === null || status.checkpoint < head);
    const gapless = this.store.kind !== 'esdb';
    const applied = status.checkpoint === null ? 0n : status.checkpoint + 1n;
    const lag = !gapless ? null : head === null ? 0n : head + 1n - applied;
    const failing = status.state === 'failed' || status.state === 'stopped';
    if (failing) response.statusCode = 503;
    return {
      status: failing ? 'failing' : behind ? 'catching-up' : 'ok',
      store: { kind: this.store.kind, headPosition: head === null ? null : head.toString() },
      projections: {
        state: status.state,
        checkpoint: status.checkpoint === null ? null : status.checkpoint.toString(),
        lag: lag === null ? null : lag.toString(),
        readModels: status.readModels,
        failure:
          status.failure === null
            ? null
            : { readModel: status.failure.readModel, position: status.failure.position === null ? null : status.failure.position.toString(), message: status.failure.message },
      },
    };
  }
}
