import type { WriteAcknowledgement } from '../../../../libs/ledger/src/acknowledgement.js';

export const REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * A keyed write answered from the key index, without running its route. Not a failure: a guard can only let a request
 * through or throw, so the IdempotencyGuard throws this and the ProblemFilter sends the first answer, with the status
 * the route answers with and `Idempotent-Replayed: true`.
 */
export class IdempotentReplay extends Error {
  constructor(
    readonly status: number,
    readonly acknowledgement: WriteAcknowledgement,
  ) {
    super('answered with the first answer given under this idempotency key');
    this.name = 'IdempotentReplay';
  }
}
