/**
 * Transfers: settle an obligation in whole or in part, pending → settled or voided. A transfer lives on the treasury
 * stream of its obligation's body (`treasury-<bodyId>`, see treasury.ts), which keeps the book of transfers by id.
 */
import { DomainError, notFound } from '../shared/errors.js';
import { fromMinor, toMinor } from '../shared/money.js';
import type { Instant } from '../shared/time.js';
import { parseInstant } from '../shared/time.js';
import { requireId, requireText } from '../governance/common.js';
import { mapGet, mapSet, mapValues, type PersistentMap } from './persistent-map.js';
import { TRANSFER_FORMS, partyKey, type Party, type TransferEvent, type TransferTerms } from './events.js';

export type TransferStatus = 'pending' | 'settled' | 'voided';

export interface TransferRecord {
  terms: TransferTerms;
  status: TransferStatus;
}

/** Transfers by id: a persistent map, so folding a long treasury stream stays near linear and states stay immutable. */
export type TransferBook = PersistentMap<TransferRecord>;

/** What the handler read about the obligation (balances read model): the amount not yet settled nor pending. */
export interface ObligationContext {
  obligationId: string;
  /** The body whose treasury stream serializes every reduction of this obligation. */
  bodyId: string;
  payer: Party;
  payee: Party;
  currency: string;
  /** obligated − settled − pending, a decimal string. */
  unencumbered: string;
}

/**
 * The read model's view the contexts come from: the last revision of the body's treasury stream it had projected
 * (null: none). It must equal the stream's revision at decision time, so the unencumbered amount (and the fund's
 * balance) already include every earlier reduction of the body's obligations; otherwise the handler reads again.
 */
export interface PayerView {
  asOfRevision: number | null;
  /** For a payout of the fund only: its balance minus pending payouts, as of that revision. */
  fundAvailableBalance: string | null;
}

export interface InitiateTransfer {
  type: 'InitiateTransfer';
  terms: TransferTerms;
  occurredAt: Instant;
  context: { obligation: ObligationContext | null; payerView: PayerView };
}
export interface SettleTransfer {
  type: 'SettleTransfer';
  transferId: string;
  occurredAt: Instant;
}
export interface VoidTransfer {
  type: 'VoidTransfer';
  transferId: string;
  reason: string;
  occurredAt: Instant;
}
export type TransferCommand = InitiateTransfer | SettleTransfer | VoidTransfer;

const TERM_FIELDS = ['obligationId', 'payer', 'payee', 'amount', 'currency', 'form', 'valuation', 'reverses'] as const;

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The first field in which two transfers with one id differ, or null when they are the same transfer. */
export function differingTransferField(a: TransferTerms, b: TransferTerms): string | null {
  for (const field of TERM_FIELDS) {
    const left = field === 'payer' || field === 'payee' ? partyKey(a[field]) : a[field];
    const right = field === 'payer' || field === 'payee' ? partyKey(b[field]) : b[field];
    if (!sameValue(left, right)) return field;
  }
  return null;
}

const samePartyAs = (a: Party, b: Party): boolean => partyKey(a) === partyKey(b);

/**
 * Decide a transfer command against the book of the body's treasury. `streamRevision` is the revision of that stream
 * (−1 when empty): a transfer is accepted only against balances that include every earlier event of the stream.
 */
export function decideTransfer(command: TransferCommand, book: TransferBook, streamRevision: number, bodyId: string): TransferEvent[] {
  parseInstant(command.occurredAt, 'occurredAt');
  switch (command.type) {
    case 'InitiateTransfer':
      return decideInitiate(command, book, streamRevision, bodyId);
    case 'SettleTransfer': {
      const record = mapGet(book, command.transferId);
      if (record === undefined) throw notFound('transfer', command.transferId);
      if (record.status === 'settled') return [];
      if (record.status === 'voided') throw new DomainError('transfer_voided', `transfer ${command.transferId} was voided and cannot be settled`, { transferId: command.transferId }, 409);
      return [{ type: 'TransferSettled', data: { transferId: command.transferId, occurredAt: command.occurredAt } }];
    }
    case 'VoidTransfer': {
      const record = mapGet(book, command.transferId);
      if (record === undefined) throw notFound('transfer', command.transferId);
      if (record.status === 'voided') return [];
      if (record.status === 'settled') {
        throw new DomainError('transfer_settled', `transfer ${command.transferId} is settled and never changes; correct it with a reversing transfer`, { transferId: command.transferId }, 409);
      }
      requireText(command.reason, 'reason', 'reason');
      return [{ type: 'TransferVoided', data: { transferId: command.transferId, reason: command.reason, occurredAt: command.occurredAt } }];
    }
  }
}

function decideInitiate(command: InitiateTransfer, book: TransferBook, streamRevision: number, bodyId: string): TransferEvent[] {
  const { terms, context } = command;
  const existing = mapGet(book, terms.transferId);
  if (existing !== undefined) {
    const field = differingTransferField(existing.terms, terms);
    if (field === null) return [];
    throw new DomainError('transfer_id_reused', `transfer ${terms.transferId} already exists with a different ${field}`, { transferId: terms.transferId, field }, 409);
  }
  requireId(terms.transferId, 'transferId');
  if (terms.reverses !== null) requireId(terms.reverses, 'reverses');
  const amountMinor = toMinor(terms.amount, terms.currency);
  if (amountMinor <= 0n) throw new DomainError('invalid_amount', 'a transfer amount must be positive', { field: 'amount', value: terms.amount });
  if (!TRANSFER_FORMS.includes(terms.form)) throw new DomainError('invalid_transfer_form', `form must be one of ${TRANSFER_FORMS.join(', ')}`, { form: terms.form });
  if (terms.form === 'money' && terms.valuation !== null) {
    throw new DomainError('valuation_not_applicable', 'a money transfer carries no in-kind valuation', { field: 'valuation' });
  }
  if (terms.form !== 'money') {
    if (terms.valuation === null) throw new DomainError('valuation_required', `an in-kind (${terms.form}) settlement needs the valuation the body agreed`, { field: 'valuation' });
    requireText(terms.valuation.description, 'valuation.description', 'description');
    requireText(terms.valuation.valuationRef, 'valuation.valuationRef', 'evidenceRef');
  }
  if (samePartyAs(terms.payer, terms.payee)) throw new DomainError('transfer_to_self', 'payer and payee must differ', { payer: partyKey(terms.payer) });

  if (terms.reverses === null) {
    const obligation = context.obligation;
    if (obligation === null || obligation.obligationId !== terms.obligationId) throw notFound('obligation', terms.obligationId);
    if (obligation.bodyId !== bodyId) {
      throw new DomainError('obligation_of_another_body', `obligation ${obligation.obligationId} is paid through the treasury of body ${obligation.bodyId}`, { obligationId: obligation.obligationId, bodyId: obligation.bodyId });
    }
    if (!samePartyAs(obligation.payer, terms.payer) || !samePartyAs(obligation.payee, terms.payee) || obligation.currency !== terms.currency) {
      throw new DomainError('transfer_does_not_match_obligation', 'a transfer settles its obligation: same payer, payee and currency', {
        obligationId: obligation.obligationId,
        payer: partyKey(obligation.payer),
        payee: partyKey(obligation.payee),
        currency: obligation.currency,
      });
    }
    const unencumbered = toMinor(obligation.unencumbered, obligation.currency);
    if (amountMinor > unencumbered) {
      throw new DomainError('obligation_overpaid', `the transfer exceeds what is still owed on obligation ${obligation.obligationId}`, {
        obligationId: obligation.obligationId,
        amount: terms.amount,
        unencumbered: fromMinor(unencumbered, obligation.currency),
      });
    }
  } else {
    // The transfer reversed and every earlier reversal of it are in this same book: nothing to read elsewhere.
    const reversed = mapGet(book, terms.reverses);
    if (reversed === undefined) throw notFound('transfer', terms.reverses);
    if (reversed.status !== 'settled') throw new DomainError('reversal_of_unsettled_transfer', 'only a settled transfer is reversed; a pending one is voided', { reverses: terms.reverses }, 409);
    if (reversed.terms.reverses !== null) throw new DomainError('reversal_of_reversal', 'a reversal is not itself reversed; make a new transfer instead', { reverses: terms.reverses });
    if (
      !samePartyAs(reversed.terms.payer, terms.payee) ||
      !samePartyAs(reversed.terms.payee, terms.payer) ||
      reversed.terms.currency !== terms.currency ||
      reversed.terms.obligationId !== terms.obligationId
    ) {
      throw new DomainError('reversal_does_not_match', 'a reversal swaps payer and payee of the transfer it reverses, on the same obligation and currency', { reverses: terms.reverses });
    }
    const left = toMinor(reversed.terms.amount, terms.currency) - alreadyReversed(book, terms.reverses, terms.currency);
    if (amountMinor > left) {
      throw new DomainError('reversal_exceeds_transfer', 'a reversal cannot return more than the transfer moved', { reverses: terms.reverses, reversible: fromMinor(left, terms.currency) });
    }
  }

  const view = context.payerView;
  if (view.asOfRevision !== (streamRevision < 0 ? null : streamRevision)) {
    throw new DomainError('payer_view_stale', 'the balances read do not yet include every transfer of this payer; read them again', {
      payer: partyKey(terms.payer),
      asOfRevision: view.asOfRevision,
      streamRevision,
    }, 409);
  }
  if (terms.payer.kind === 'fund') {
    if (view.fundAvailableBalance === null) throw new DomainError('fund_balance_required', 'a payout of the fund needs the fund balance in its context', { fundId: terms.payer.id });
    const available = toMinor(view.fundAvailableBalance, terms.currency);
    if (amountMinor > available) {
      throw new DomainError('fund_insufficient', 'the fund never pays out more than it holds; the obligation stays open', {
        fundId: terms.payer.id,
        amount: terms.amount,
        availableBalance: fromMinor(available > 0n ? available : 0n, terms.currency),
      }, 409);
    }
  }
  return [{ type: 'TransferInitiated', data: { ...terms, occurredAt: command.occurredAt } }];
}

export function evolveTransferBook(book: TransferBook, event: TransferEvent): TransferBook {
  switch (event.type) {
    case 'TransferInitiated': {
      const { occurredAt: _occurredAt, ...terms } = event.data;
      return mapSet(book, terms.transferId, { terms, status: 'pending' });
    }
    case 'TransferSettled':
    case 'TransferVoided': {
      const record = mapGet(book, event.data.transferId);
      if (record === undefined) return book;
      return mapSet(book, event.data.transferId, { ...record, status: event.type === 'TransferSettled' ? 'settled' : 'voided' });
    }
  }
}

/** Settled or pending reversals of a transfer so far, in minor units. */
function alreadyReversed(book: TransferBook, transferId: string, currency: string): bigint {
  let sum = 0n;
  for (const record of mapValues(book)) {
    if (record.terms.reverses === transferId && record.status !== 'voided') sum += toMinor(record.terms.amount, currency);
  }
  return sum;
}
