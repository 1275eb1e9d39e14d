/**
 * A small in-memory ledger for the balances specs: commands go through the real deciders with contexts read from the
 * balances read model, exactly as a handler would, and every accepted event is projected at once.
 */
import type { RecordedEvent } from '../../../event-store/src/port.js';
import { fold, type Decider } from '../../../domain/src/shared/decider.js';
import type { DomainEvent } from '../../../domain/src/shared/decider.js';
import { BalancesReadModel } from './balances.read-model.js';

export class LedgerHarness {
  readonly balances = new BalancesReadModel();
  private readonly streams = new Map<string, DomainEvent[]>();
  private position = 0n;

  events(stream: string): readonly DomainEvent[] {
    return this.streams.get(stream) ?? [];
  }

  /** Append events as the log would and project them. */
  append(stream: string, events: readonly DomainEvent[]): void {
    const existing = this.streams.get(stream) ?? [];
    for (const event of events) {
      const recorded: RecordedEvent = {
        id: `e-${this.position}`,
        type: event.type,
        stream,
        revision: BigInt(existing.length),
        position: this.position++,
        recordedAt: '2026-03-01T00:00:00.000Z',
        data: event.data,
        metadata: { actor: 'spec', role: 'system', correlationId: 'spec', schemaVersion: 1 },
        hash: '',
      };
      existing.push(event);
      this.balances.apply(recorded);
    }
    this.streams.set(stream, existing);
  }

  /** Fold the stream, decide, append what was decided. A refused command throws and appends nothing. */
  run<C, E extends DomainEvent, S>(decider: Decider<C, E, S>, stream: string, command: C): E[] {
    const state = fold(decider, this.events(stream) as E[]);
    const events = decider.decide(command, state);
    this.append(stream, events);
    return events;
  }
}
