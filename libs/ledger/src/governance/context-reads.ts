/**
 * What a command of any context learns from other aggregates' streams before its decider runs: a body's members, an
 * agreement's history, a fund's opening, whether a city is registered. Read from the store, not from a read model, so
 * a command sees every write acknowledged before it. An id that is not a slug names no stream: it is answered as
 * absent without touching the store, and the decider refuses the command with its own reason.
 */
import type { FundEstablished } from '../../../domain/src/compensation/events.js';
import { compensationStreams } from '../../../domain/src/compensation/events.js';
import { agreementDecider, type AgreementState, type BodyContext } from '../../../domain/src/governance/agreement.js';
import { bodyDecider } from '../../../domain/src/governance/body.js';
import type { FundContext } from '../../../domain/src/governance/commitment.js';
import { ID_PATTERN } from '../../../domain/src/governance/common.js';
import { streams } from '../../../domain/src/governance/events.js';
import { type Decider, type DomainEvent } from '../../../domain/src/shared/decider.js';
import { StreamNotFoundError } from '../../../event-store/src/errors.js';
import type { EventStore, RecordedEvent } from '../../../event-store/src/port.js';
import { loadAggregate } from '../aggregate-cache.js';
import { StreamTooLongError } from '../errors.js';
import { defaultDecode, MAX_STREAM_EVENTS } from '../execute-command.js';

const namesStream = (id: string): boolean => typeof id === 'string' && ID_PATTERN.test(id);

/**
 * The state `decider` folds from `stream` (the initial state when the stream does not exist). Shares the command
 * path's aggregate cache, so an agreement or body read by every command is folded once and then only its new events.
 */
export async function foldStream<C, E extends DomainEvent, S>(store: EventStore, stream: string, decider: Decider<C, E, S>): Promise<S> {
  const aggregate = await loadAggregate(store, stream, decider, defaultDecode<E>, MAX_STREAM_EVENTS);
  if (aggregate === null) throw new StreamTooLongError(stream, MAX_STREAM_EVENTS);
  return aggregate.state;
}

/** The body and its members now, or null when no such body was established. */
export async function bodyOf(store: EventStore, bodyId: string): Promise<BodyContext | null> {
  if (!namesStream(bodyId)) return null;
  const state = await foldStream(store, streams.body(bodyId), bodyDecider);
  return state.body === null ? null : { bodyId: state.body.bodyId, members: [...state.body.members] };
}

/** The agreement's history folded (its `agreement` is null when it was never concluded). */
export async function agreementOf(store: EventStore, agreementId: string): Promise<AgreementState> {
  if (!namesStream(agreementId)) return agreementDecider.initialState();
  return foldStream(store, streams.agreement(agreementId), agreementDecider);
}

export async function cityRegistered(store: EventStore, cityId: string): Promise<boolean> {
  return namesStream(cityId) && (await store.streamExists(streams.city(cityId)));
}

/** A stream's first event, or null when the stream does not exist. */
export async function firstEvent(store: EventStore, stream: string): Promise<RecordedEvent | null> {
  try {
    const [first] = await store.readStream(stream, { direction: 'forwards', fromRevision: 'start', maxCount: 1 });
    return first ?? null;
  } catch (error) {
    if (error instanceof StreamNotFoundError) return null;
    throw error;
  }
}

/** The fund of body `bodyId` (one fund per body, under the body's id), or null until it is established. */
export async function fundOf(store: EventStore, bodyId: string): Promise<FundContext | null> {
  if (!namesStream(bodyId)) return null;
  const first = await firstEvent(store, compensationStreams.fund(bodyId));
  if (first === null || first.type !== 'FundEstablished') return null;
  // The fund stream opens with FundEstablished, written by the fund decider.
  const data = first.data as FundEstablished['data'];
  return { fundId: data.fundId, bodyId: data.bodyId };
}
