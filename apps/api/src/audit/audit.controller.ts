/** HTTP resources of the audit: history, past state, state digests and replay, Merkle digests and proofs, export. */
import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AuditHistoryError, AuditRangeError } from '../../../../libs/event-store/src/audit/errors.js';
import { canonicalJson } from '../../../../libs/event-store/src/integrity.js';
import { AuditBusyError, AuditService, UnknownReadModelError, type PastState } from '../../../../libs/ledger/src/audit/audit.service.js';
import { NotRebuildableError } from '../../../../libs/ledger/src/audit/state-digest.js';
import type { BuildLimit } from '../../../../libs/ledger/src/projection-runner.js';
import { Roles } from '../auth/decorators.js';
import { ProblemError } from '../http/problem.js';
import { streamedResponse } from '../http/streamed-response.js';
import { ConsistencyQueryDto, CorrelationHistoryQueryDto, DigestQueryDto, ExportQueryDto, HistoryQueryDto, InclusionQueryDto, PastStateQueryDto, StreamHistoryQueryDto } from './audit.dto.js';

/** Largest canonical state (or section of one) answered inline; beyond it the answer has the digest and the size only. */
export const MAX_INLINE_STATE_BYTES = 4 * 1024 * 1024;
/** Streams are named `<category>-<id>`; anything else cannot exist. */
const STREAM = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$/;

const big = (value: string | undefined): bigint | undefined => (value === undefined ? undefined : BigInt(value));

/** The audit layer's own refusals as problem+json; anything else goes to the shell's mapping. */
function translate(error: unknown): unknown {
  if (error instanceof AuditBusyError) return ProblemError.of(503, 'audit_busy', error.message, {}, { 'Retry-After': '5' });
  if (error instanceof UnknownReadModelError) return ProblemError.of(404, 'read_model_not_found', error.message, { readModel: error.readModel, known: error.known });
  if (error instanceof NotRebuildableError) return ProblemError.of(501, 'not_rebuildable', error.message, { readModel: error.readModel });
  if (error instanceof AuditRangeError) return ProblemError.of(422, 'audit_range', error.message);
  // The log disagrees with the tree already built from it: an integrity incident, reported as such.
  if (error instanceof AuditHistoryError) return ProblemError.of(500, 'audit_history', error.message);
  return error;
}

async function answer<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translate(error);
  }
}

/** Past state with its canonical state inline when it fits; the digest always covers the whole state. */
function inlineState(past: PastState, section: string | undefined): Record<string, unknown> {
  let state = past.state;
  if (section !== undefined) {
    if (typeof state !== 'object' || state === null || Array.isArray(state) || !Object.hasOwn(state, section)) {
      throw ProblemError.of(404, 'state_section_not_found', `the state of ${past.readModel} has no top-level field ${section}`, {
        sections: typeof state === 'object' && state !== null && !Array.isArray(state) ? Object.keys(state).sort() : [],
      });
    }
    state = (state as Record<string, unknown>)[section];
  }
  const bytes = Buffer.byteLength(canonicalJson(state));
  const fits = bytes <= MAX_INLINE_STATE_BYTES;
  return { ...past, state: fits ? state : null, section: section ?? null, stateBytes: bytes, truncated: !fits };
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('events')
  @ApiOperation({ summary: 'History by global position: paged (limit ≤ 500, after), filtered on type prefix and instants' })
  events(@Query() q: HistoryQueryDto) {
    return answer(() =>
      this.audit.history({ after: big(q.after), limit: q.limit, typePrefix: q.type, recordedFrom: q.from, recordedTo: q.to, occurredFrom: q.occurredFrom, occurredTo: q.occurredTo }),
    );
  }

  @Get('streams/:stream/events')
  @ApiOperation({ summary: 'One stream by revision (after = a revision)' })
  streamEvents(@Param('stream') stream: string, @Query() q: StreamHistoryQueryDto) {
    if (!STREAM.test(stream)) throw ProblemError.of(404, 'stream_not_found', `stream ${stream} does not exist`, { stream });
    return answer(() => this.audit.streamHistory(stream, { after: big(q.after), limit: q.limit }));
  }

  @Get('correlations/:correlationId/events')
  @ApiOperation({ summary: 'Every event one request appended (metadata.correlationId), from a bounded index' })
  correlationEvents(@Param('correlationId') correlationId: string, @Query() q: CorrelationHistoryQueryDto) {
    if (correlationId.length > 200) throw ProblemError.of(400, 'validation_failed', 'a correlation id has at most 200 characters');
    return answer(() => this.audit.correlationHistory(correlationId, { after: big(q.after), limit: q.limit }));
  }

  @Get('read-models')
  @ApiOperation({ summary: 'The read models registered with the projection runner (what state, digests and replay cover)' })
  readModels() {
    return { items: this.audit.readModelNames(), nextCursor: null };
  }

  @Get('state/:readModel')
  @ApiOperation({ summary: "A read model's canonical state and state digest as of a position or a recorded instant, replayed into a fresh instance" })
  async state(@Param('readModel') readModel: string, @Query() q: PastStateQueryDto) {
    if (q.position !== undefined && q.asOf !== undefined) throw ProblemError.of(400, 'validation_failed', 'give position or asOf, not both');
    const limit: BuildLimit = q.position !== undefined ? { untilPosition: BigInt(q.position) } : q.asOf !== undefined ? { untilRecordedAt: q.asOf } : { untilHead: true };
    const past = await answer(() => this.audit.stateAsOf(readModel, limit));
    return inlineState(past, q.section);
  }

  @Get('state-digests')
  @ApiOperation({ summary: 'SHA-256 of every live read model’s canonical state, all at one checkpoint' })
  stateDigests() {
    return answer(() => this.audit.liveDigests());
  }

  @Post('replay')
  @HttpCode(200)
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'Rebuild every read model from zero to the live checkpoint and compare state digests (read-only)' })
  replay() {
    return answer(() => this.audit.replay());
  }

  @Get('digest')
  @ApiOperation({ summary: 'RFC 6962 Merkle digest over the event hashes, leaf i the i-th event, up to the event at position (default: all)' })
  digest(@Query() q: DigestQueryDto) {
    return answer(() => this.audit.digest(big(q.position)));
  }

  @Get('proofs/inclusion')
  @ApiOperation({ summary: 'Proof that the event at a position is in the tree of treeSize events' })
  inclusion(@Query() q: InclusionQueryDto) {
    return answer(() => this.audit.inclusionProof(BigInt(q.position), big(q.treeSize)));
  }

  @Get('proofs/consistency')
  @ApiOperation({ summary: 'Proof that the tree of `to` events extends the tree of its first `from` events' })
  consistency(@Query() q: ConsistencyQueryDto) {
    return answer(() => this.audit.consistencyProof(BigInt(q.from), big(q.to)));
  }

  @Post('verify')
  @HttpCode(200)
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: "The store's hash-chain verification report (read-only)" })
  async verify() {
    const report = await answer(() => this.audit.verifyChain());
    return { ...report, firstBadPosition: report.firstBadPosition === null ? null : report.firstBadPosition.toString() };
  }

  @Get('export.ndjson')
  @ApiProduces('application/x-ndjson')
  @ApiOperation({ summary: 'The log as NDJSON (one event with its hash and prevHash per line), streamed with back-pressure' })
  async export(@Query() q: ExportQueryDto, @Res() reply: FastifyReply): Promise<void> {
    const head = await this.audit.headPosition();
    const from = big(q.from) ?? 0n;
    // A fixed end, so the export is one prefix of the log even while it grows.
    const to = big(q.to) ?? head;
    if (to !== null && to < from) throw ProblemError.of(422, 'audit_range', `an export cannot end (${to}) before it starts (${from})`);
    if (from > 0n && (head === null || from > head)) throw ProblemError.of(422, 'audit_range', `position ${from} is beyond the log's head (${head ?? 'empty log'})`);
    const res = streamedResponse(reply);
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="concordat-export.ndjson"');
    if (head === null || to === null) {
      res.end();
      return;
    }
    // Readable.from pulls one line at a time and pipeline pauses it while the socket is full: memory is one page.
    await pipeline(Readable.from(this.audit.exportLines({ from, to })), res);
  }
}
