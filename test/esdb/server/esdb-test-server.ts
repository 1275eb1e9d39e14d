import { createRequire } from 'node:module';
import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from '@grpc/grpc-js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import statusPb from '@eventstore/db-client/generated/status_pb.js';
import codePb from '@eventstore/db-client/generated/code_pb.js';
import featuresGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import featuresPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import type { ExpectedRevision } from '../../../libs/event-store/src/port.js';
import { EsdbLog, type LogRecord, type ProposedRecord } from './esdb-log.js';

type ReadReq = InstanceType<typeof streamsPb.ReadReq>;
type ReadResp = InstanceType<typeof streamsPb.ReadResp>;
type ReadOptions = InstanceType<typeof streamsPb.ReadReq.Options>;
type AppendReq = InstanceType<typeof streamsPb.AppendReq>;
type AppendResp = InstanceType<typeof streamsPb.AppendResp>;
type BatchAppendReq = InstanceType<typeof streamsPb.BatchAppendReq>;
type BatchAppendResp = InstanceType<typeof streamsPb.BatchAppendResp>;
type GrpcUuid = InstanceType<typeof sharedPb.UUID>;
type AnyMessage = NonNullable<ReturnType<InstanceType<typeof statusPb.Status>['getDetails']>>;

// google-protobuf ships no types at the top level here; Any is loaded once and checked, never cast blindly.
const AnyCtor = ((): new () => AnyMessage => {
  const loaded: unknown = createRequire(import.meta.url)('google-protobuf/google/protobuf/any_pb.js');
  if (typeof loaded === 'object' && loaded !== null && 'Any' in loaded && typeof loaded.Any === 'function') {
    return loaded.Any as new () => AnyMessage;
  }
  throw new Error('google-protobuf Any message is unavailable');
})();

export interface EsdbTestServerOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Reuse a log (a restarted node keeps its data). */
  log?: EsdbLog;
}

export interface EsdbTestServer {
  readonly port: number;
  readonly connectionString: string;
  readonly log: EsdbLog;
  /** Holds every append and read this long before answering, to make the client's deadline expire. */
  setResponseDelay(ms: number): void;
  /** Drops every connection at once, like a crashed node. */
  stop(): Promise<void>;
  /** Starts again on the same port with the same log. */
  restart(): Promise<void>;
}

const SERVER_VERSION = '23.10.0';
/** Events scanned between two checkpoints of a filtered subscription, before the client's multiplier. */
const CHECKPOINT_WINDOW = 32;
/** Upper bound on one read's count, whatever the client asks. */
const MAX_READ_COUNT = 100_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const streamName = (identifier: InstanceType<typeof sharedPb.StreamIdentifier> | undefined): string =>
  Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');

function uuidToString(uuid: GrpcUuid | undefined): string {
  if (uuid === undefined) return '';
  if (uuid.hasStructured()) {
    const s = uuid.getStructured();
    const hex =
      BigInt.asUintN(64, BigInt(s?.getMostSignificantBits() ?? '0')).toString(16).padStart(16, '0') +
      BigInt.asUintN(64, BigInt(s?.getLeastSignificantBits() ?? '0')).toString(16).padStart(16, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return uuid.getString();
}

function toRecordedEvent(record: LogRecord): InstanceType<typeof streamsPb.ReadResp.ReadEvent> {
  const event = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  const id = new sharedPb.UUID();
  id.setString(record.id);
  event.setId(id);
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Buffer.from(record.stream, 'utf8'));
  event.setStreamIdentifier(identifier);
  event.setStreamRevision(record.revision.toString());
  event.setCommitPosition(record.position.toString());
  event.setPreparePosition(record.position.toString());
  event.getMetadataMap().set('type', record.type);
  event.getMetadataMap().set('content-type', record.contentType);
  event.getMetadataMap().set('created', record.createdTicks.toString());
  event.setData(record.data);
  event.setCustomMetadata(record.customMetadata);
  const read = new streamsPb.ReadResp.ReadEvent();
  read.setEvent(event);
  read.setCommitPosition(record.position.toString());
  return read;
}

const eventResp = (record: LogRecord): ReadResp => new streamsPb.ReadResp().setEvent(toRecordedEvent(record));

/** Which records a filtered `$all` read or subscription lets through. */
function recordFilter(options: ReadOptions): (record: LogRecord) => boolean {
  if (!options.hasFilter()) return () => true;
  const filter = options.getFilter();
  const onType = filter?.hasEventType() ?? false;
  const expression = onType ? filter?.getEventType() : filter?.getStreamIdentifier();
  const prefixes = expression?.getPrefixList() ?? [];
  const regexSource = expression?.getRegex() ?? '';
  const regex = regexSource === '' ? null : new RegExp(regexSource);
  // Called for every record a subscription scans, so kept to plain loops.
  return (record) => {
    const subject = onType ? record.type : record.stream;
    if (prefixes.length > 0) {
      let matched = false;
      for (let i = 0; i < prefixes.length && !matched; i++) matched = subject.startsWith(prefixes[i] as string);
      if (!matched) return false;
    }
    return regex === null || regex.test(subject);
  };
}

function expectedOf(options: {
  hasAny(): boolean;
  hasNoStream(): boolean;
  hasStreamExists(): boolean;
}, exact: () => string): ExpectedRevision {
  if (options.hasAny()) return 'any';
  if (options.hasNoStream()) return 'no_stream';
  if (options.hasStreamExists()) return 'stream_exists';
  return BigInt(exact());
}

function wrongExpectedVersionDetails(expected: ExpectedRevision, current: bigint | null): AnyMessage {
  const details = new sharedPb.WrongExpectedVersion();
  if (current === null) details.setCurrentNoStream(new sharedPb.Empty());
  else details.setCurrentStreamRevision(current.toString());
  if (expected === 'any') details.setExpectedAny(new sharedPb.Empty());
  else if (expected === 'no_stream') details.setExpectedNoStream(new sharedPb.Empty());
  else if (expected === 'stream_exists') details.setExpectedStreamExists(new sharedPb.Empty());
  else details.setExpectedStreamPosition(expected.toString());
  const any = new AnyCtor();
  any.pack(details.serializeBinary(), 'event_store.client.WrongExpectedVersion');
  return any;
}

function timeoutDetails(): AnyMessage {
  const any = new AnyCtor();
  any.pack(new sharedPb.Timeout().serializeBinary(), 'event_store.client.Timeout');
  return any;
}

/** Writes with back-pressure: waits for `drain` when the transport's buffer is full, or gives up if the call ends. */
async function write(call: ServerWritableStream<ReadReq, ReadResp>, message: ReadResp): Promise<boolean> {
  if (call.cancelled || call.destroyed) return false;
  if (call.write(message)) return true;
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean): void => {
      call.off('drain', onDrain);
      call.off('cancelled', onGone);
      call.off('close', onGone);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onGone = (): void => done(false);
    call.on('drain', onDrain);
    call.on('cancelled', onGone);
    call.on('close', onGone);
  });
}

class TestNode {
  private server: Server | null = null;
  private delayMs = 0;
  private readonly liveCalls = new Set<{ wake(): void }>();

  constructor(
    readonly log: EsdbLog,
    public port: number,
  ) {}

  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  async start(): Promise<void> {
    const server = new Server();
    server.addService(featuresGrpc.ServerFeaturesService, {
      getSupportedMethods: (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) =>
        callback(null, this.features()),
    });
    server.addService(streamsGrpc.StreamsService, {
      read: (call: ServerWritableStream<ReadReq, ReadResp>) => void this.read(call),
      append: (call: ServerReadableStream<AppendReq, AppendResp>, callback: sendUnaryData<AppendResp>) =>
        this.append(call, callback),
      batchAppend: (call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => this.batchAppend(call),
    });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${this.port}`, ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    server.forceShutdown();
    for (const live of this.liveCalls) live.wake();
    await sleep(20);
  }

  private features(): InstanceType<typeof featuresPb.SupportedMethods> {
    const methods = ['Read', 'Append', 'BatchAppend'].map((name) =>
      new featuresPb.SupportedMethod().setServiceName('event_store.client.streams.Streams').setMethodName(name),
    );
    return new featuresPb.SupportedMethods().setMethodsList(methods).setEventStoreServerVersion(SERVER_VERSION);
  }

  private async append(call: ServerReadableStream<AppendReq, AppendResp>, callback: sendUnaryData<AppendResp>): Promise<void> {
    let stream = '';
    let expected: ExpectedRevision = 'any';
    const proposed: ProposedRecord[] = [];
    try {
      for await (const chunk of call as AsyncIterable<AppendReq>) {
        if (chunk.hasOptions()) {
          const options = chunk.getOptions();
          if (options === undefined) continue;
          stream = streamName(options.getStreamIdentifier());
          expected = expectedOf(options, () => options.getRevision());
        } else {
          const message = chunk.getProposedMessage();
          if (message !== undefined) proposed.push(this.proposed(message));
        }
      }
    } catch {
      return;
    }
    if (this.delayMs > 0) await sleep(this.delayMs);
    const outcome = this.log.append(stream, expected, proposed);
    const resp = new streamsPb.AppendResp();
    if (outcome.kind === 'written') {
      const position = new streamsPb.AppendResp.Position()
        .setCommitPosition(outcome.position.toString())
        .setPreparePosition(outcome.position.toString());
      resp.setSuccess(new streamsPb.AppendResp.Success().setCurrentRevision(outcome.revision.toString()).setPosition(position));
    } else {
      const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
      if (outcome.current === null) wrong.setCurrentNoStream(new sharedPb.Empty());
      else wrong.setCurrentRevision(outcome.current.toString());
      const e = outcome.expected;
      if (e === 'any') wrong.setExpectedAny(new sharedPb.Empty());
      else if (e === 'no_stream') wrong.setExpectedNoStream(new sharedPb.Empty());
      else if (e === 'stream_exists') wrong.setExpectedStreamExists(new sharedPb.Empty());
      else wrong.setExpectedRevision(e.toString());
      resp.setWrongExpectedVersion(wrong);
    }
    callback(null, resp);
  }

  private proposed(message: {
    getId(): GrpcUuid | undefined;
    getMetadataMap(): { get(key: string): string | undefined };
    getData_asU8(): Uint8Array;
    getCustomMetadata_asU8(): Uint8Array;
  }): ProposedRecord {
    return {
      id: uuidToString(message.getId()),
      type: message.getMetadataMap().get('type') ?? '',
      contentType: message.getMetadataMap().get('content-type') ?? 'application/octet-stream',
      data: message.getData_asU8(),
      customMetadata: message.getCustomMetadata_asU8(),
    };
  }

  private batchAppend(call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
    const pending = new Map<string, { options: InstanceType<typeof streamsPb.BatchAppendReq.Options>; events: ProposedRecord[] }>();
    call.on('data', (req: BatchAppendReq) => {
      const correlation = uuidToString(req.getCorrelationId());
      const options = req.getOptions();
      const entry = pending.get(correlation) ?? (options ? { options, events: [] } : undefined);
      if (entry === undefined) return;
      pending.set(correlation, entry);
      for (const message of req.getProposedMessagesList()) entry.events.push(this.proposed(message));
      if (!req.getIsFinal()) return;
      pending.delete(correlation);
      void this.commitBatch(call, req.getCorrelationId(), entry.options, entry.events);
    });
    call.on('end', () => call.end());
    call.on('error', () => pending.clear());
  }

  private async commitBatch(
    call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>,
    correlationId: GrpcUuid | undefined,
    options: InstanceType<typeof streamsPb.BatchAppendReq.Options>,
    events: readonly ProposedRecord[],
  ): Promise<void> {
    if (this.delayMs > 0) await sleep(this.delayMs);
    if (call.cancelled || call.destroyed) return;
    const resp = new streamsPb.BatchAppendResp();
    resp.setCorrelationId(correlationId);
    resp.setStreamIdentifier(options.getStreamIdentifier());
    const deadline = options.getDeadline()?.toDate();
    const expected = expectedOf(options, () => options.getStreamPosition());
    if (deadline !== undefined && deadline.getTime() < Date.now()) {
      const error = new statusPb.Status()
        .setCode(codePb.Code.DEADLINE_EXCEEDED)
        .setMessage('Timeout')
        .setDetails(timeoutDetails());
      call.write(resp.setError(error));
      return;
    }
    const outcome = this.log.append(streamName(options.getStreamIdentifier()), expected, events);
    if (outcome.kind === 'written') {
      const position = new sharedPb.AllStreamPosition()
        .setCommitPosition(outcome.position.toString())
        .setPreparePosition(outcome.position.toString());
      resp.setSuccess(new streamsPb.BatchAppendResp.Success().setCurrentRevision(outcome.revision.toString()).setPosition(position));
    } else {
      const error = new statusPb.Status()
        .setCode(codePb.Code.FAILED_PRECONDITION)
        .setMessage('WrongExpectedVersion')
        .setDetails(wrongExpectedVersionDetails(outcome.expected, outcome.current));
      resp.setError(error);
    }
    call.write(resp);
  }

  private async read(call: ServerWritableStream<ReadReq, ReadResp>): Promise<void> {
    const options = call.request.getOptions();
    if (options === undefined) {
      call.emit('error', { code: status.INVALID_ARGUMENT, details: 'read options are required', metadata: new Metadata() });
      return;
    }
    if (this.delayMs > 0) await sleep(this.delayMs);
    if (options.hasSubscription()) {
      await this.subscribe(call, options);
      return;
    }
    const count = Math.min(Number(options.hasCount() ? options.getCount() : MAX_READ_COUNT), MAX_READ_COUNT);
    const backwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS;
    const records = options.hasStream() ? this.streamSlice(call, options, count, backwards) : this.allSlice(options, count, backwards);
    if (records === null) return;
    for (const record of records) {
      if (!(await write(call, eventResp(record)))) return;
    }
    call.end();
  }

  private streamSlice(
    call: ServerWritableStream<ReadReq, ReadResp>,
    options: ReadOptions,
    count: number,
    backwards: boolean,
  ): LogRecord[] | null {
    const streamOptions = options.getStream();
    const name = streamName(streamOptions?.getStreamIdentifier());
    const records = this.log.streamRecords(name);
    if (records === undefined) {
      const notFound = new streamsPb.ReadResp.StreamNotFound().setStreamIdentifier(streamOptions?.getStreamIdentifier());
      call.write(new streamsPb.ReadResp().setStreamNotFound(notFound));
      call.end();
      return null;
    }
    const last = records.length - 1;
    const at = streamOptions?.hasRevision() ? Number(streamOptions.getRevision()) : streamOptions?.hasEnd() ? (backwards ? last : last + 1) : backwards ? -1 : 0;
    if (backwards) {
      const from = Math.min(at, last);
      return records.slice(Math.max(0, from - count + 1), from + 1).reverse();
    }
    return records.slice(at, at + count);
  }

  private allSlice(options: ReadOptions, count: number, backwards: boolean): LogRecord[] {
    const all = options.getAll();
    const keep = recordFilter(options);
    const size = this.log.size;
    let index: number;
    if (all?.hasPosition()) index = this.log.indexAtOrAfter(BigInt(all.getPosition()?.getCommitPosition() ?? '0'));
    else if (all?.hasEnd()) index = size;
    else index = backwards ? size : 0;
    const out: LogRecord[] = [];
    // Backwards reads start strictly before the position given; forwards reads include it.
    for (let i = backwards ? index - 1 : index; i >= 0 && i < size && out.length < count; i += backwards ? -1 : 1) {
      const record = this.log.recordAt(i) as LogRecord;
      if (keep(record)) out.push(record);
    }
    return out;
  }

  private async subscribe(call: ServerWritableStream<ReadReq, ReadResp>, options: ReadOptions): Promise<void> {
    const confirmation = new streamsPb.ReadResp.SubscriptionConfirmation().setSubscriptionId(`sub-${Date.now()}`);
    if (!(await write(call, new streamsPb.ReadResp().setConfirmation(confirmation)))) return;
    let wake: () => void = () => undefined;
    const live = { wake: () => wake() };
    this.liveCalls.add(live);
    const unlisten = this.log.onAppend(() => wake());
    try {
      if (options.hasStream()) await this.pumpStream(call, options, (w) => (wake = w));
      else await this.pumpAll(call, options, (w) => (wake = w));
    } finally {
      unlisten();
      this.liveCalls.delete(live);
    }
  }

  private async pumpAll(
    call: ServerWritableStream<ReadReq, ReadResp>,
    options: ReadOptions,
    setWake: (w: () => void) => void,
  ): Promise<void> {
    const all = options.getAll();
    const keep = recordFilter(options);
    const checkpointEvery = options.hasFilter()
      ? (options.getFilter()?.hasMax() ? (options.getFilter()?.getMax() ?? CHECKPOINT_WINDOW) : CHECKPOINT_WINDOW) *
        Math.max(1, options.getFilter()?.getCheckpointintervalmultiplier() ?? 1)
      : 0;
    // Subscriptions from a position are exclusive of it.
    let cursor = all?.hasPosition()
      ? this.log.indexAtOrAfter(BigInt(all.getPosition()?.getCommitPosition() ?? '0') + 1n)
      : all?.hasEnd()
        ? this.log.size
        : 0;
    let caughtUp = false;
    let scanned = 0;
    while (!call.cancelled && !call.destroyed && this.server !== null) {
      // Skip filtered-out records in a tight loop; stop at a match or when a checkpoint is due.
      let record = this.log.recordAt(cursor);
      while (record !== undefined && !keep(record) && (checkpointEvery === 0 || (scanned + 1) % checkpointEvery !== 0)) {
        scanned += 1;
        cursor += 1;
        record = this.log.recordAt(cursor);
      }
      if (record === undefined) {
        if (!caughtUp) {
          caughtUp = true;
          if (!(await write(call, new streamsPb.ReadResp().setCaughtUp(new streamsPb.ReadResp.CaughtUp())))) return;
        }
        await new Promise<void>((resolve) => {
          setWake(resolve);
          call.once('cancelled', resolve);
          if (this.log.recordAt(cursor) !== undefined) resolve();
        });
        continue;
      }
      cursor += 1;
      if (keep(record)) {
        if (!(await write(call, eventResp(record)))) return;
      } else if (checkpointEvery > 0 && ++scanned % checkpointEvery === 0) {
        const checkpoint = new streamsPb.ReadResp.Checkpoint()
          .setCommitPosition(record.position.toString())
          .setPreparePosition(record.position.toString());
        if (!(await write(call, new streamsPb.ReadResp().setCheckpoint(checkpoint)))) return;
      }
    }
  }

  private async pumpStream(
    call: ServerWritableStream<ReadReq, ReadResp>,
    options: ReadOptions,
    setWake: (w: () => void) => void,
  ): Promise<void> {
    const streamOptions = options.getStream();
    const name = streamName(streamOptions?.getStreamIdentifier());
    const current = this.log.streamRecords(name)?.length ?? 0;
    let next = streamOptions?.hasRevision() ? Number(streamOptions.getRevision()) + 1 : streamOptions?.hasEnd() ? current : 0;
    while (!call.cancelled && !call.destroyed && this.server !== null) {
      const record = this.log.streamRecords(name)?.[next];
      if (record === undefined) {
        await new Promise<void>((resolve) => {
          setWake(resolve);
          call.once('cancelled', resolve);
          if (this.log.streamRecords(name)?.[next] !== undefined) resolve();
        });
        continue;
      }
      next += 1;
      if (!(await write(call, eventResp(record)))) return;
    }
  }
}

/** Starts an EventStoreDB-compatible gRPC server (insecure) on `port`, backed by an in-memory log. */
export async function startEsdbTestServer(options: EsdbTestServerOptions = {}): Promise<EsdbTestServer> {
  const node = new TestNode(options.log ?? new EsdbLog(), options.port ?? 0);
  await node.start();
  return {
    get port() {
      return node.port;
    },
    get connectionString() {
      return `esdb://127.0.0.1:${node.port}?tls=false`;
    },
    log: node.log,
    setResponseDelay: (ms) => node.setDelay(ms),
    stop: () => node.stop(),
    restart: async () => {
      await node.stop();
      await node.start();
    },
  };
}
