/**
 * Fresh views for compensation commands: the read models the contexts come from, brought up to the head of the log
 * before a command reads them, and a bounded retry when the decider finds them stale after all (another command
 * reduced the same body's obligations between the read and the append).
 */
import { Injectable, Inject } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../../../domain/src/shared/errors.js';
import type { EventStore } from '../../../event-store/src/port.js';
import { BalancesReadModel } from '../../../projections/src/balances/balances.read-model.js';
import { IncidentsReadModel } from '../../../projections/src/incidents/incidents.read-model.js';
import { ProjectionRunner } from '../projection-runner.js';
import { EVENT_STORE } from '../tokens.js';

/** The decider's codes for "the read model had not seen the latest reduction yet": read again and retry. */
export const STALE_VIEW_CODES: ReadonlySet<string> = new Set(['payer_view_stale']);
/** Attempts in all (the first counts) before a stale view is reported to the client as a 409. */
export const STALE_VIEW_ATTEMPTS = 5;
/** How long a command waits for the read models to reach the head of the log before it gives up. */
export const CATCH_UP_TIMEOUT_MS = 10_000;
const BACKOFF_BASE_MS = 5;

@Injectable()
export class CompensationViews {
  constructor(
    @Inject(EVENT_STORE) readonly store: EventStore,
    readonly runner: ProjectionRunner,
    readonly balances: BalancesReadModel,
    readonly incidents: IncidentsReadModel,
  ) {}

  /** Waits until every read model has applied the log's current head (bounded; refuses when they cannot get there). */
  async caughtUp(): Promise<void> {
    const head = await this.store.headPosition();
    if (head === null) return;
    const reached = await this.runner.waitFor(head, CATCH_UP_TIMEOUT_MS);
    if (!reached) {
      throw new DomainError('read_models_behind', 'the read models did not reach the head of the log in time; try again', { position: head.toString() }, 409);
    }
  }

  /**
   * Runs `attempt` against views caught up to the head; when the decider reports them stale, catches up again and
   * retries, at most STALE_VIEW_ATTEMPTS times in all.
   */
  async fresh<T>(attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      await this.caughtUp();
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof DomainError) || !STALE_VIEW_CODES.has(error.code) || n >= STALE_VIEW_ATTEMPTS) throw error;
        // The decider read its stream, which shows every committed event; the read models see an event only once it
        // is durable (SQLite's group commit syncs after COMMIT). Without this wait, every retry could come round
        // before the sync ends and find the same stale view.
        await this.store.waitUntilCommittedDurable?.();
        await sleep(Math.floor(Math.random() * BACKOFF_BASE_MS * 2 ** n));
      }
    }
  }
}
