import { Inject, Injectable, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { consistencyProof, digestAt, inclusionProof, type ConsistencyProofResult, type InclusionProofResult } from '../../../event-store/src/audit/service.js';
import { exportNdjson, type DigestFile, type ExportOptions } from '../../../event-store/src/audit/export.js';
import type { Clock } from '../../../event-store/src/clock.js';
import type { EventStore, IntegrityReport } from '../../../event-store/src/port.js';
import type { ReadModel } from '../../../projections/src/read-model.js';
import { ProjectionRunner, ProjectionUnavailableError, type BuildLimit } from '../projection-runner.js';
import { EVENT_STORE, LEDGER_CLOCK } from '../tokens.js';
import { CORRELATION_INDEX_READ_MODEL, type CorrelationIndexReadModel } from './correlation-index.read-model.js';
import { readCorrelationHistory, readHistory, readStreamHistory, type CorrelationPage, type HistoryPage, type HistoryRequest } from './history.js';
import { digestsOf, rebuild, type ReadModelDigest, type RebuildProgress } from './rebuild.js';
import { digestOfCanonicalState, freshReadModel, type ReadModelClass } from './state-digest.js';

/** Rebuilds (past state, replay, chain verification) read the whole log: one at a time per process, others wait 503. */
export const MAX_CONCURRENT_AUDIT_RUNS = 1;

/** Another rebuild or verification is running; retry later. */
export class AuditBusyError extends Error {
  constructor() {
    super('another audit run (rebuild or verification) is in progress; retry shortly');
    this.name = 'AuditBusyError';
  }
}

export class UnknownReadModelError extends Error {
  constructor(
    readonly readModel: string,
    readonly known: readonly string[],
  ) {
    super(`no read model named ${readModel} is registered`);
    this.name = 'UnknownReadModelError';
  }
}

export interface StateDigests {
  /** The runner's checkpoint every digest is at (null before the first event). */
  position: string | null;
  readModels: ReadModelDigest[];
}

export interface ReplayComparison {
  name: string;
  version: number;
  live: string;
  rebuilt: string;
  equal: boolean;
  position: string | null;
}

export interface ReplayReport {
  position: string | null;
  equal: boolean;
  eventsApplied: number;
  readModels: ReplayComparison[];
}

export interface PastState {
  readModel: string;
  version: number;
  basis: 'position' | 'recorded';
  /** Position of the last event applied (null when none was). */
  position: string | null;
  eventsApplied: number;
  digest: string;
  state: unknown;
}

/**
 * What an auditor can query, replay and prove, over the configured store and the read models registered with the
 * projection runner (discovered at run time: every context's models, whatever is mounted).
 */
@Injectable()
export class AuditService {
  private running = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: Clock,
    private readonly runner: ProjectionRunner,
    private readonly moduleRef: ModuleRef,
  ) {}

  readModelNames(): string[] {
    return [...this.runner.status().readModels].sort();
  }

  /** The live digests, all taken at one checkpoint: the runner applies events between awaits, never during this. */
  liveDigests(): StateDigests {
    const status = this.runner.status();
    if (status.state === 'failed' || status.state === 'stopped') throw new ProjectionUnavailableError(status);
    return { position: status.checkpoint === null ? null : status.checkpoint.toString(), readModels: digestsOf(this.liveModels()) };
  }

  /**
   * Every registered read model rebuilt from zero into fresh instances, up to a position or recorded instant, with
   * its state digest (what `concordat replay` prints). The live models are not touched.
   */
  rebuildAll(limit: BuildLimit, onProgress?: (progress: RebuildProgress) => void): Promise<StateDigests & { eventsApplied: number }> {
    return this.exclusively(async () => {
      const fresh = await this.freshModels();
      const built = await rebuild(this.store, fresh, limit, onProgress);
      return { position: built.position === null ? null : built.position.toString(), eventsApplied: built.eventsApplied, readModels: digestsOf(fresh) };
    });
  }

  /** Rebuilds every registered read model from zero into fresh instances up to the live checkpoint and compares. */
  replay(): Promise<ReplayReport> {
    return this.exclusively(async () => {
      const live = this.liveDigests();
      const fresh = await this.freshModels();
      const built = live.position === null ? { eventsApplied: 0 } : await rebuild(this.store, fresh, { untilPosition: BigInt(live.position) });
      const rebuilt = new Map(digestsOf(fresh).map((d) => [d.name, d.digest]));
      const readModels = live.readModels.map((l): ReplayComparison => {
        const digest = rebuilt.get(l.name) ?? '';
        return { name: l.name, version: l.version, live: l.digest, rebuilt: digest, equal: digest === l.digest, position: live.position };
      });
      return { position: live.position, equal: readModels.every((m) => m.equal), eventsApplied: built.eventsApplied, readModels };
    });
  }

  /** One read model's state as of a position or a recordedAt instant, replayed into a fresh instance. */
  stateAsOf(name: string, limit: BuildLimit): Promise<PastState> {
    const live = this.runner.readModel(name);
    if (live === undefined) return Promise.reject(new UnknownReadModelError(name, this.readModelNames()));
    return this.exclusively(async () => {
      const built = await rebuild(this.store, [await this.freshModel(live)] as const, limit);
      const [model] = built.readModels;
      const state = model.canonicalState();
      return {
        readModel: model.name,
        version: model.version,
        basis: 'untilRecordedAt' in limit ? 'recorded' : 'position',
        position: built.position === null ? null : built.position.toString(),
        eventsApplied: built.eventsApplied,
        digest: digestOfCanonicalState(state),
        state,
      };
    });
  }

  history(request: HistoryRequest): Promise<HistoryPage> {
    return readHistory(this.store, request);
  }

  streamHistory(stream: string, request: { after?: bigint; limit?: number }): Promise<HistoryPage> {
    return readStreamHistory(this.store, stream, request);
  }

  correlationHistory(correlationId: string, request: { after?: bigint; limit?: number }): Promise<CorrelationPage> {
    const index = this.runner.readModel<CorrelationIndexReadModel>(CORRELATION_INDEX_READ_MODEL);
    if (index === undefined) return Promise.reject(new UnknownReadModelError(CORRELATION_INDEX_READ_MODEL, this.readModelNames()));
    return readCorrelationHistory(this.store, index.lookup(correlationId), request);
  }

  digest(position?: bigint): Promise<DigestFile> {
    return digestAt(this.store, position, { clock: this.clock });
  }

  inclusionProof(position: bigint, treeSize?: bigint): Promise<InclusionProofResult> {
    return inclusionProof(this.store, position, treeSize);
  }

  consistencyProof(size1: bigint, size2?: bigint): Promise<ConsistencyProofResult> {
    return consistencyProof(this.store, size1, size2);
  }

  /** The store's own chain verification (read-only). */
  verifyChain(): Promise<IntegrityReport> {
    return this.exclusively(() => this.store.verify());
  }

  headPosition(): Promise<bigint | null> {
    return this.store.headPosition();
  }

  /** NDJSON export lines (newline included), read page by page: pull them at the pace of the consumer. */
  exportLines(options: ExportOptions): AsyncGenerator<string, void, undefined> {
    return exportNdjson(this.store, options);
  }

  private liveModels(): ReadModel[] {
    return this.readModelNames().map((name) => {
      const model = this.runner.readModel(name);
      if (model === undefined) throw new UnknownReadModelError(name, this.readModelNames());
      return model;
    });
  }

  private freshModel(live: ReadModel): Promise<ReadModel> {
    // ModuleRef.create builds a new instance with the providers the live one was given (clock, parameters).
    return freshReadModel(live, (type: ReadModelClass) => this.moduleRef.create(type as Type<ReadModel>));
  }

  private freshModels(): Promise<ReadModel[]> {
    return Promise.all(this.liveModels().map((m) => this.freshModel(m)));
  }

  private async exclusively<T>(run: () => Promise<T>): Promise<T> {
    if (this.running >= MAX_CONCURRENT_AUDIT_RUNS) throw new AuditBusyError();
    this.running += 1;
    try {
      return await run();
    } finally {
      this.running -= 1;
    }
  }
}
