import { randomUUID } from 'node:crypto';
import esdb from '@eventstore/db-client';
import type { EventStoreDBClient as Client, Position, ResolvedEvent } from '@eventstore/db-client';
import { startEsdbTestServer, type EsdbTestServer } from './index.js';

const { EventStoreDBClient, jsonEvent, streamNameFilter, eventTypeFilter, BACKWARDS, END, START, FORWARDS } = esdb;

/**
 * The test server seen through the official client only: if these hold, the adapter's tests exercise the same code
 * paths of @eventstore/db-client that a real EventStoreDB node would.
 */
describe('the EventStoreDB gRPC test server, through @eventstore/db-client', () => {
  let server: EsdbTestServer;
  let client: Client;
  // With credentials the client takes the older client-streaming Append; without, the BatchAppend the server advertises.
  const viaAppend = { credentials: { username: 'admin', password: 'changeit' } };
  const event = (type = 'pledge.Opened', data: Record<string, unknown> = { amount: '1.00' }) => jsonEvent({ id: randomUUID(), type, data });

  beforeAll(async () => {
    server = await startEsdbTestServer();
    client = EventStoreDBClient.connectionString(server.connectionString);
  });

  afterAll(async () => {
    await client.dispose();
    await server.stop();
  });

  const drain = async (read: AsyncIterable<ResolvedEvent>): Promise<ResolvedEvent[]> => {
    const out: ResolvedEvent[] = [];
    for await (const resolved of read) out.push(resolved);
    return out;
  };

  it.each([
    ['BatchAppend', {}],
    ['Append', viaAppend],
  ])('appends through %s and reports WrongExpectedVersion with the expected and the current revision', async (_path, options) => {
    const stream = `pledge-${randomUUID()}`;
    const first = await client.appendToStream(stream, [event(), event()], { ...options, expectedRevision: 'no_stream' });
    expect(first).toMatchObject({ success: true, nextExpectedRevision: 1n });
    await expect(client.appendToStream(stream, event(), { ...options, expectedRevision: 0n })).rejects.toMatchObject({
      type: 'wrong-expected-version',
      streamName: stream,
      expectedVersion: 0n,
      actualVersion: 1n,
    });
    await expect(client.appendToStream(`pledge-${randomUUID()}`, event(), { ...options, expectedRevision: 'stream_exists' })).rejects.toMatchObject({
      type: 'wrong-expected-version',
      expectedVersion: 'stream_exists',
      actualVersion: 'no_stream',
    });
  });

  it('answers a repeated append of the same ids with the first result and writes nothing', async () => {
    const stream = `pledge-${randomUUID()}`;
    const events = [event(), event()];
    const first = await client.appendToStream(stream, events, { expectedRevision: 'no_stream' });
    const again = await client.appendToStream(stream, events, { expectedRevision: 'no_stream' });
    expect(again).toEqual(first);
    expect(await drain(client.readStream(stream))).toHaveLength(2);
  });

  it('reads a stream forwards and backwards, and reports a missing one as stream-not-found', async () => {
    const stream = `fund-${randomUUID()}`;
    await client.appendToStream(stream, [event('a'), event('b'), event('c')]);
    const forwards = await drain(client.readStream(stream, { fromRevision: 1n, maxCount: 5 }));
    expect(forwards.map((r) => r.event?.type)).toEqual(['b', 'c']);
    const backwards = await drain(client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 2 }));
    expect(backwards.map((r) => r.event?.revision)).toEqual([2n, 1n]);
    await expect(drain(client.readStream(`fund-${randomUUID()}`))).rejects.toMatchObject({ type: 'stream-not-found' });
  });

  it('orders $all by increasing, gapped commit positions and reads it from a position inclusively', async () => {
    const stream = `city-${randomUUID()}`;
    await client.appendToStream(stream, [event('x'), event('y'), event('z')]);
    const all = await drain(client.readAll({ fromPosition: START, direction: FORWARDS, maxCount: 10_000 }));
    const positions = all.map((r) => r.commitPosition ?? -1n);
    expect(positions.every((p, i) => i === 0 || p > (positions[i - 1] as bigint))).toBe(true);
    expect(positions.some((p, i) => i > 0 && p - (positions[i - 1] as bigint) > 1n)).toBe(true);
    const from = positions[positions.length - 2] as bigint;
    const tail = await drain(client.readAll({ fromPosition: { commit: from, prepare: from }, maxCount: 10 }));
    expect(tail.map((r) => r.event?.type)).toEqual(['y', 'z']);
    const last = await drain(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
    expect(last[0]?.event?.type).toBe('z');
  });

  it('subscribes to $all with stream-name and event-type filters, sending checkpoints for what it skips', async () => {
    const tag = randomUUID().slice(0, 8);
    const checkpoints: Position[] = [];
    const filter = eventTypeFilter({ prefixes: [`${tag}.`], maxSearchWindow: 2, checkpointInterval: 1, checkpointReached: (_s, p) => void checkpoints.push(p) });
    const byType = client.subscribeToAll({ fromPosition: START, filter });
    const byStream = client.subscribeToAll({ fromPosition: START, filter: streamNameFilter({ regex: `^wanted${tag}-` }) });
    await client.appendToStream(`wanted${tag}-1`, [event('noise'), event(`${tag}.hit`), event('noise'), event('noise'), event(`${tag}.hit`)]);

    const seenByType: ResolvedEvent[] = [];
    for await (const resolved of byType) if (seenByType.push(resolved) === 2) break;
    const seenByStream: ResolvedEvent[] = [];
    for await (const resolved of byStream) if (seenByStream.push(resolved) === 5) break;

    expect(seenByType.map((r) => r.event?.type)).toEqual([`${tag}.hit`, `${tag}.hit`]);
    expect(seenByStream.every((r) => r.event?.streamId === `wanted${tag}-1`)).toBe(true);
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(checkpoints.every((p) => p.commit === p.prepare && p.commit > 0n)).toBe(true);
  });

  it('subscribes to a stream after a revision and then delivers live events', async () => {
    const stream = `trust-${randomUUID()}`;
    await client.appendToStream(stream, [event('a'), event('b')]);
    const subscription = client.subscribeToStream(stream, { fromRevision: 0n });
    const seen: string[] = [];
    const consumed = (async () => {
      for await (const resolved of subscription) if (seen.push(resolved.event?.type ?? '') === 2) break;
    })();
    await client.appendToStream(stream, event('c'), { expectedRevision: 1n });
    await consumed;
    expect(seen).toEqual(['b', 'c']);
  });

  it('answers a batch append past its deadline with a Timeout the client reports as deadline-exceeded', async () => {
    server.setResponseDelay(300);
    try {
      await expect(client.appendToStream(`slow-${randomUUID()}`, event(), { deadline: 100 })).rejects.toMatchObject({ type: 'deadline-exceeded' });
    } finally {
      server.setResponseDelay(0);
    }
  });
});
