/**
 * Balances: who owes whom, what has been paid, and what the special funds hold.
 *
 * Fed by: IncidentAssessed, FindingRecorded (penalty) / FindingRevoked, SettlementExecuted, TransferInitiated /
 * Settled / Voided, FundEstablished, MemberContributionReceived, ThirdPartyIncentiveReceived, and the money
 * deliveries of commitments owed to a fund (CommitmentMade, DeliveryRecorded, DisputeResolved upheld = reversal).
 *
 * Conservation is asserted as each event is projected: the net positions of the touched currency sum to zero, a
 * fund's balance equals its money in minus its money out, no obligation is settled beyond what it obligates, and a
 * settlement leaves every party's net position as it found it. A violation throws ProjectionInvariantError.
 *
 * Every reduction of an obligation (transfer, settlement) must come from the treasury stream of the obligation's body
 * (`treasury-<bodyId>`), where the deciders serialize them; one from anywhere else breaks that design and stops the
 * projection. The one reduction decided elsewhere is a penalty's write-off (FindingRevoked, on the finding's stream):
 * when a transfer or settlement decided before the revocation was projected lands after it, the part it needs is
 * taken back from the write-off, so money that moved stays moved and only what is still owed is written off.
 */
import type { RecordedEvent } from '../../../event-store/src/port.js';
import { captureAtOnce, ProjectionInvariantError, type BackgroundWork, type ReadModel } from '../read-model.js';
import { DeferredGroups, deferredGroups, DeferredRestore } from '../governance/snapshot-rows.js';
import { DomainError } from '../../../domain/src/shared/errors.js';
import { fromMinor, toMinor } from '../../../domain/src/shared/money.js';
import type { GovernanceEvent } from '../../../domain/src/governance/events.js';
import {
  OBLIGATION_REASONS,
  TRANSFER_FORMS,
  partyKey,
  penaltyObligationId,
  type CompensationEvent,
  type Obligation,
  type ObligationReason,
  type Party,
  type TransferForm,
  type TransferInitiated,
  type TransferTerms,
} from '../../../domain/src/compensation/events.js';
import { parsePartyKey, type SettleableObligation } from '../../../domain/src/compensation/settlement.js';
import type { ObligationContext, PayerView, TransferStatus } from '../../../domain/src/compensation/transfers.js';
import { Names } from '../names.js';
import { OpenCaptures } from '../snapshot-capture.js';

interface ObligationRow {
  obligationId: string;
  bodyId: string;
  payer: string;
  payee: string;
  currency: string;
  reason: ObligationReason;
  source: Obligation['source'];
  /** Creation order: the fund pays its obligations first come, first served. */
  seq: number;
  obligated: bigint;
  /** Settled by transfers (net of settled reversals) and by netting. */
  settled: bigint;
  netted: bigint;
  /** The part of `settled` settled in kind (training, personnel, equipment, platform) at the agreed valuation. */
  settledInKind: bigint;
  pending: bigint;
  writtenOff: bigint;
  /** A revoked finding's penalty: what a voided transfer releases is written off too. */
  revoked: boolean;
}

interface TransferRow {
  terms: TransferTerms;
  /** The body of its obligation: whose treasury stream it lives on. */
  bodyId: string;
  amount: bigint;
  status: TransferStatus;
  /** Settled or pending reversals of this transfer. */
  reversed: bigint;
}

/** The rows a snapshot captures by reference: changed in place, so copied first while a capture is written. */
type MutableRow = ObligationRow | TransferRow;
const copyRow = (row: MutableRow): MutableRow => ({ ...row });

interface FundRow {
  fundId: string;
  currency: string;
  established: boolean;
  moneyIn: bigint;
  moneyOut: bigint;
  balance: bigint;
  pendingOut: bigint;
}

interface PairRow {
  obligated: bigint;
  settled: bigint;
  settledInKind: bigint;
  pending: bigint;
}

export interface PairBalance {
  payer: Party;
  payee: Party;
  currency: string;
  obligated: string;
  settled: string;
  /** Part of `settled` that was settled in kind. */
  settledInKind: string;
  pending: string;
  outstanding: string;
}

export interface FundBalance {
  fundId: string;
  currency: string;
  established: boolean;
  balance: string;
  moneyIn: string;
  moneyOut: string;
  pendingOut: string;
  /** balance − pending payouts: what a new payout may spend. */
  available: string;
  revision: number | null;
}

export interface ObligationView {
  obligationId: string;
  bodyId: string;
  payer: Party;
  payee: Party;
  currency: string;
  reason: ObligationReason;
  source: Obligation['source'];
  obligated: string;
  settled: string;
  netted: string;
  settledInKind: string;
  pending: string;
  writtenOff: string;
  outstanding: string;
  unencumbered: string;
}

export interface TransferView {
  transferId: string;
  bodyId: string;
  obligationId: string;
  payer: Party;
  payee: Party;
  amount: string;
  currency: string;
  form: TransferForm;
  valuation: TransferTerms['valuation'];
  reverses: string | null;
  status: TransferStatus;
  /** Settled or pending reversals of it so far. */
  reversed: string;
}

export type ObligationStatus = 'open' | 'settled' | 'written_off';

export interface ObligationFilter {
  party?: Party;
  bodyId?: string;
  currency?: string;
  reason?: ObligationReason;
  /** open: outstanding > 0; settled: nothing outstanding and something settled; written_off: nothing left after a write-off. */
  status?: ObligationStatus;
}

export interface TransferFilter {
  party?: Party;
  bodyId?: string;
  obligationId?: string;
  status?: TransferStatus;
}

export interface Page<T> {
  items: T[];
  /** Pass as `after` for the next page; null at the end. */
  nextCursor: string | null;
}

export const BALANCES_LIMITS = { maxPageSize: 500, defaultPageSize: 100, maxSettleableObligations: 50_000 } as const;

type Known = CompensationEvent | GovernanceEvent;

const TREASURY_PREFIX = 'treasury-';

/** The events `project` reads (besides any on a treasury stream): any other leaves the state as it is. */
const BALANCE_EVENTS: ReadonlySet<string> = new Set([
  'IncidentAssessed',
  'FindingRecorded',
  'FindingRevoked',
  'SettlementExecuted',
  'TransferInitiated',
  'TransferSettled',
  'TransferVoided',
  'FundEstablished',
  'MemberContributionReceived',
  'ThirdPartyIncentiveReceived',
  'CommitmentMade',
  'DeliveryRecorded',
  'DisputeResolved',
]);

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class BalancesReadModel implements ReadModel {
  readonly name = 'balances';
  /** 5: the rows of 4 (tuples in chunks with a string table) as groups kept as bytes until needed; the sequence row last. */
  readonly version = 5;

  private readonly obligations = new Map<string, ObligationRow>();
  /**
   * Obligations by party (payer or payee) and by body, in creation order, so a party's or a body's list is read
   * without scanning the whole book. Derived from `obligations` (rows are only ever added): rebuilt in full whenever it
   * has not seen every row, e.g. after the state was restored from a snapshot.
   */
  private readonly obligationsByParty = new Map<string, ObligationRow[]>();
  private readonly obligationsByBody = new Map<string, ObligationRow[]>();
  private indexedObligations = 0;
  private readonly transfers = new Map<string, TransferRow>();
  /** `<fundId>|<currency>` → the fund's money in that currency (a fund holds its established currency; money promised
   * to it in another is kept apart rather than mixed in, and never stops the projection). */
  private readonly funds = new Map<string, FundRow>();
  /** fundId → the currency it was established in. */
  private readonly fundCurrencies = new Map<string, string>();
  private readonly pairs = new Map<string, PairRow>();
  /** currency → party key → net position (owed to it − it owes), from outstanding amounts. */
  private readonly net = new Map<string, Map<string, bigint>>();
  /** Commitments owed to a fund in money: their deliveries are the fund's money in. */
  private readonly fundCommitments = new Map<string, { fundId: string; currency: string }>();
  private readonly fundDeliveries = new Map<string, bigint>();
  /** Last projected revision of each treasury stream (`treasury-<bodyId>`): see PayerView. */
  private readonly treasuryRevisions = new Map<string, number>();
  private nextSeq = 0;
  private readonly names = new Names();
  /** Snapshots whose obligations and transfers are captured by reference and not all written yet (see `snapshot`). */
  private readonly captures = new OpenCaptures<MutableRow, MutableRow>();
  private position = -1n;
  /** The groups of a restored snapshot not decoded yet (none once every one is, or when nothing was restored). */
  private readonly deferred = new DeferredGroups();

  apply(event: RecordedEvent): void {
    if (this.deferred.pending && (BALANCE_EVENTS.has(event.type) || event.stream.startsWith(TREASURY_PREFIX))) this.deferred.ready();
    this.position = event.position;
    if (event.stream.startsWith(TREASURY_PREFIX)) this.treasuryRevisions.set(event.stream.slice(TREASURY_PREFIX.length), Number(event.revision));
    const known = { type: event.type, data: event.data } as Known;
    try {
      this.project(known, event.stream);
    } catch (error) {
      if (error instanceof DomainError) this.fail(`event ${event.type} carries invalid money: ${error.message}`);
      throw error;
    }
  }

  private project(e: Known, stream: string): void {
    switch (e.type) {
      case 'IncidentAssessed':
        for (const o of e.data.obligations) this.addObligation(o);
        return this.assertCurrencies(e.data.obligations.map((o) => o.currency));
      case 'FindingRecorded': {
        const penalty = e.data.penalty;
        if (penalty === null) return;
        this.addObligation({
          obligationId: penaltyObligationId(e.data.findingId),
          bodyId: e.data.bodyId,
          payer: { kind: 'city', id: e.data.cityId },
          payee: { kind: 'fund', id: e.data.bodyId },
          amount: penalty.amount,
          currency: penalty.currency,
          reason: 'penalty',
          source: { kind: 'finding', id: e.data.findingId },
        });
        return this.assertCurrencies([penalty.currency]);
      }
      case 'FindingRevoked': {
        const row = this.obligations.get(penaltyObligationId(e.data.findingId));
        if (row === undefined) return;
        // Money already moved stays moved (a refund is a reversing transfer); what is still owed is written off.
        this.beforeChange(row);
        row.revoked = true;
        this.writeOff(row, row.obligated - row.settled - row.pending);
        return this.assertCurrencies([row.currency]);
      }
      case 'SettlementExecuted': {
        this.requireTreasury(stream, e.data.bodyId, `settlement ${e.data.settlementId}`);
        for (const d of e.data.discharged) {
          const row = this.requireObligation(d.obligationId);
          if (row.bodyId !== e.data.bodyId) this.fail(`settlement ${e.data.settlementId} of body ${e.data.bodyId} discharges obligation ${row.obligationId} of body ${row.bodyId}`);
          this.reinstateFromWriteOff(row, toMinor(d.amount, row.currency));
        }
        const before = new Map(this.netOf(e.data.currency));
        for (const d of e.data.discharged) {
          const row = this.requireObligation(d.obligationId);
          const amount = toMinor(d.amount, row.currency);
          if (amount <= 0n || amount > row.obligated - row.settled - row.pending) this.fail(`settlement ${e.data.settlementId} discharges more than obligation ${d.obligationId} leaves`);
          this.beforeChange(row);
          row.settled += amount;
          row.netted += amount;
          this.pair(row).settled += amount;
          this.changeOutstanding(row, -amount);
          this.assertObligation(row);
        }
        for (const o of e.data.obligations) this.addObligation(o);
        const after = this.netOf(e.data.currency);
        for (const key of new Set([...before.keys(), ...after.keys()])) {
          if ((before.get(key) ?? 0n) !== (after.get(key) ?? 0n)) this.fail(`settlement ${e.data.settlementId} changed the net position of ${key}`);
        }
        return this.assertCurrencies([e.data.currency]);
      }
      case 'TransferInitiated':
        this.initiate(e.data, stream);
        return this.assertCurrencies([e.data.currency]);
      case 'TransferSettled':
      case 'TransferVoided': {
        const transfer = this.transfers.get(e.data.transferId);
        if (transfer === undefined) this.fail(`${e.type} of unknown transfer ${e.data.transferId}`);
        this.requireTreasury(stream, transfer.bodyId, `${e.type} of ${e.data.transferId}`);
        if (transfer.status !== 'pending') this.fail(`${e.type} of transfer ${e.data.transferId}, which is ${transfer.status}`);
        if (e.type === 'TransferSettled') this.settle(transfer);
        else this.voidTransfer(transfer);
        return this.assertCurrencies([transfer.terms.currency]);
      }
      case 'FundEstablished': {
        const fund = this.fund(e.data.fundId, e.data.currency);
        fund.established = true;
        this.fundCurrencies.set(e.data.fundId, e.data.currency);
        return this.assertFund(fund);
      }
      case 'MemberContributionReceived':
      case 'ThirdPartyIncentiveReceived': {
        const fund = this.fund(e.data.fundId, e.data.currency);
        this.moneyIn(fund, toMinor(e.data.amount, e.data.currency));
        return this.assertFund(fund);
      }
      case 'CommitmentMade': {
        const { obligee, promise } = e.data;
        if (obligee.kind === 'fund' && promise.kind === 'money') {
          this.fundCommitments.set(e.data.commitmentId, { fundId: this.names.of(obligee.id), currency: this.names.of(promise.currency) });
        }
        return;
      }
      case 'DeliveryRecorded': {
        const commitment = this.fundCommitments.get(e.data.commitmentId);
        if (commitment === undefined) return;
        const amount = toMinor(e.data.quantity, commitment.currency);
        const fund = this.fund(commitment.fundId, commitment.currency);
        this.fundDeliveries.set(`${e.data.commitmentId}/${e.data.deliveryId}`, amount);
        this.moneyIn(fund, amount);
        return this.assertFund(fund);
      }
      case 'DisputeResolved': {
        const commitment = this.fundCommitments.get(e.data.commitmentId);
        const key = `${e.data.commitmentId}/${e.data.deliveryId}`;
        const amount = this.fundDeliveries.get(key);
        if (commitment === undefined || amount === undefined || e.data.outcome !== 'upheld') return;
        // The delivery no longer counts: its money in is reversed (as an out, never by editing the in).
        const fund = this.fund(commitment.fundId, commitment.currency);
        this.fundDeliveries.delete(key);
        fund.moneyOut += amount;
        fund.balance -= amount;
        return this.assertFund(fund);
      }
      default:
        return;
    }
  }

  private initiate({ occurredAt: _occurredAt, ...data }: TransferInitiated['data'], stream: string): void {
    if (this.transfers.has(data.transferId)) this.fail(`transfer ${data.transferId} initiated twice`);
    const amount = toMinor(data.amount, data.currency);
    const row = this.requireObligation(data.obligationId);
    this.requireTreasury(stream, row.bodyId, `transfer ${data.transferId}`);
    const names = this.names;
    const party = (p: Party): Party => ({ kind: names.of(p.kind), id: names.of(p.id) });
    // The terms as a restore rebuilds them, their names shared with the obligation's (names.ts).
    const terms: TransferTerms = {
      transferId: data.transferId,
      obligationId: row.obligationId,
      payer: party(data.payer),
      payee: party(data.payee),
      amount: data.amount,
      currency: names.of(data.currency),
      form: names.of(data.form),
      valuation: data.valuation,
      reverses: data.reverses,
    };
    const transfer: TransferRow = { terms, bodyId: row.bodyId, amount, status: 'pending', reversed: 0n };
    if (row.currency !== data.currency) this.fail(`transfer ${data.transferId} is in ${data.currency}, its obligation in ${row.currency}`);
    if (data.reverses === null) {
      if (partyKey(data.payer) !== row.payer || partyKey(data.payee) !== row.payee) this.fail(`transfer ${data.transferId} does not run from payer to payee of ${row.obligationId}`);
      this.reinstateFromWriteOff(row, amount);
      this.beforeChange(row);
      row.pending += amount;
      this.pair(row).pending += amount;
      this.assertObligation(row);
    } else {
      const original = this.transfers.get(data.reverses);
      if (original === undefined || original.status !== 'settled') this.fail(`transfer ${data.transferId} reverses ${data.reverses}, which is not a settled transfer`);
      this.beforeChange(original);
      original.reversed += amount;
      if (original.reversed > original.amount) this.fail(`reversals of ${data.reverses} exceed the transfer`);
    }
    if (data.payer.kind === 'fund') this.fund(data.payer.id, data.currency).pendingOut += amount;
    this.transfers.set(data.transferId, transfer);
  }

  private settle(transfer: TransferRow): void {
    this.beforeChange(transfer);
    transfer.status = 'settled';
    const { terms, amount } = transfer;
    const row = this.requireObligation(terms.obligationId);
    this.beforeChange(row);
    const inKind = terms.form === 'money' ? 0n : amount;
    if (terms.reverses === null) {
      row.pending -= amount;
      row.settled += amount;
      row.settledInKind += inKind;
      this.pair(row).pending -= amount;
      this.pair(row).settled += amount;
      this.pair(row).settledInKind += inKind;
      this.changeOutstanding(row, -amount);
    } else {
      row.settled -= amount;
      row.settledInKind -= inKind;
      this.pair(row).settled -= amount;
      this.pair(row).settledInKind -= inKind;
      this.changeOutstanding(row, amount);
    }
    this.assertObligation(row);
    if (terms.payer.kind === 'fund') {
      const fund = this.fund(terms.payer.id, terms.currency);
      fund.pendingOut -= amount;
      fund.moneyOut += amount;
      fund.balance -= amount;
      this.assertFund(fund);
    }
    if (terms.payee.kind === 'fund') this.moneyIn(this.fund(terms.payee.id, terms.currency), amount);
  }

  private voidTransfer(transfer: TransferRow): void {
    this.beforeChange(transfer);
    transfer.status = 'voided';
    const { terms, amount } = transfer;
    if (terms.reverses === null) {
      const row = this.requireObligation(terms.obligationId);
      this.beforeChange(row);
      row.pending -= amount;
      this.pair(row).pending -= amount;
      // The penalty was revoked while this transfer was pending: what it no longer pays is no longer owed.
      if (row.revoked) this.writeOff(row, amount);
      this.assertObligation(row);
    } else {
      const original = this.transfers.get(terms.reverses);
      if (original !== undefined) {
        this.beforeChange(original);
        original.reversed -= amount;
      }
    }
    if (terms.payer.kind === 'fund') this.fund(terms.payer.id, terms.currency).pendingOut -= amount;
  }

  private addObligation(o: Obligation): void {
    if (this.obligations.has(o.obligationId)) this.fail(`obligation ${o.obligationId} created twice`);
    const amount = toMinor(o.amount, o.currency);
    if (amount <= 0n) this.fail(`obligation ${o.obligationId} is not positive`);
    // Names shared between rows (names.ts): a party, body or incident recurs in thousands of obligations.
    const names = this.names;
    const row: ObligationRow = {
      obligationId: o.obligationId,
      bodyId: names.of(o.bodyId),
      payer: names.of(partyKey(o.payer)),
      payee: names.of(partyKey(o.payee)),
      currency: names.of(o.currency),
      reason: names.of(o.reason),
      source: { kind: names.of(o.source.kind), id: names.of(o.source.id) },
      seq: this.nextSeq++,
      obligated: amount,
      settled: 0n,
      netted: 0n,
      settledInKind: 0n,
      pending: 0n,
      writtenOff: 0n,
      revoked: false,
    };
    if (row.payer === row.payee) this.fail(`obligation ${o.obligationId} runs from a party to itself`);
    this.obligations.set(row.obligationId, row);
    if (this.indexedObligations === this.obligations.size - 1) this.indexObligation(row);
    this.pair(row).obligated += amount;
    this.changeOutstanding(row, amount);
  }

  private writeOff(row: ObligationRow, amount: bigint): void {
    if (amount <= 0n) return;
    this.changeOutstanding(row, -amount);
    this.beforeChange(row);
    row.obligated -= amount;
    row.writtenOff += amount;
    this.pair(row).obligated -= amount;
  }

  /**
   * A reduction by `amount` decided before a revocation was projected: what it needs beyond the unencumbered amount is
   * taken back from the write-off (never more than was written off; beyond that the assertion stops the projection).
   */
  private reinstateFromWriteOff(row: ObligationRow, amount: bigint): void {
    const missing = amount - (row.obligated - row.settled - row.pending);
    if (missing <= 0n || row.writtenOff === 0n) return;
    const back = missing < row.writtenOff ? missing : row.writtenOff;
    this.beforeChange(row);
    row.obligated += back;
    row.writtenOff -= back;
    this.pair(row).obligated += back;
    this.changeOutstanding(row, back);
  }

  private requireTreasury(stream: string, bodyId: string, what: string): void {
    if (stream !== `${TREASURY_PREFIX}${bodyId}`) this.fail(`${what} was decided on ${stream}, not on the treasury of body ${bodyId}`);
  }

  /** Every change to an obligation or transfer row goes through here first: a capture being written keeps its values. */
  private beforeChange(row: MutableRow): void {
    this.captures.beforeChange(row, row, copyRow);
  }

  /** The payee is owed `delta` more (or less), the payer owes it. Both sides in one place, so they cannot drift. */
  private changeOutstanding(row: ObligationRow, delta: bigint): void {
    const net = this.netOf(row.currency);
    net.set(row.payee, (net.get(row.payee) ?? 0n) + delta);
    net.set(row.payer, (net.get(row.payer) ?? 0n) - delta);
  }

  private moneyIn(fund: FundRow, amount: bigint): void {
    fund.moneyIn += amount;
    fund.balance += amount;
    this.assertFund(fund);
  }

  private netOf(currency: string): Map<string, bigint> {
    let net = this.net.get(currency);
    if (net === undefined) {
      net = new Map();
      this.net.set(currency, net);
    }
    return net;
  }

  private pair(row: ObligationRow): PairRow {
    const key = `${row.payer}|${row.payee}|${row.currency}`;
    let pair = this.pairs.get(key);
    if (pair === undefined) {
      pair = { obligated: 0n, settled: 0n, settledInKind: 0n, pending: 0n };
      this.pairs.set(key, pair);
    }
    return pair;
  }

  private fund(fundId: string, currency: string): FundRow {
    const key = `${fundId}|${currency}`;
    let fund = this.funds.get(key);
    if (fund === undefined) {
      fund = { fundId, currency, established: false, moneyIn: 0n, moneyOut: 0n, balance: 0n, pendingOut: 0n };
      this.funds.set(key, fund);
    }
    return fund;
  }

  private fundIn(fundId: string, currency?: string): FundRow | undefined {
    const c = currency ?? this.fundCurrencies.get(fundId);
    return c === undefined ? undefined : this.funds.get(`${fundId}|${c}`);
  }

  private requireObligation(obligationId: string): ObligationRow {
    const row = this.obligations.get(obligationId);
    if (row === undefined) this.fail(`unknown obligation ${obligationId}`);
    return row;
  }

  private assertObligation(row: ObligationRow): void {
    if (row.pending < 0n || row.settled < 0n || row.settled + row.pending > row.obligated) {
      this.fail(`obligation ${row.obligationId}: settled ${row.settled} + pending ${row.pending} outside 0..${row.obligated}`);
    }
  }

  private assertFund(fund: FundRow): void {
    if (fund.balance !== fund.moneyIn - fund.moneyOut) this.fail(`fund ${fund.fundId}: balance ${fund.balance} ≠ in ${fund.moneyIn} − out ${fund.moneyOut}`);
    if (fund.pendingOut < 0n) this.fail(`fund ${fund.fundId}: negative pending payouts`);
  }

  private assertCurrencies(currencies: readonly string[]): void {
    for (const currency of new Set(currencies)) {
      let sum = 0n;
      for (const v of this.netOf(currency).values()) sum += v;
      if (sum !== 0n) this.fail(`net positions in ${currency} sum to ${sum}, not zero`);
    }
  }

  private fail(message: string): never {
    throw new ProjectionInvariantError(this.name, this.position, message);
  }

  // ---- queries -------------------------------------------------------------------------------------------------

  pairBalance(payer: Party, payee: Party, currency: string): PairBalance {
    this.deferred.ready();
    const pair = this.pairs.get(`${partyKey(payer)}|${partyKey(payee)}|${currency}`) ?? { obligated: 0n, settled: 0n, settledInKind: 0n, pending: 0n };
    return this.pairView(payer, payee, currency, pair);
  }

  pairBalances(options: { limit?: number; after?: string | null } = {}): Page<PairBalance> {
    this.deferred.ready();
    const entries = [...this.pairs.entries()].sort(([a], [b]) => byKey(a, b));
    return paginate(entries, ([key]) => key, options, ([key, pair]) => {
      const [payer = '', payee = '', currency = ''] = key.split('|');
      return this.pairView(parsePartyKey(payer), parsePartyKey(payee), currency, pair);
    });
  }

  private pairView(payer: Party, payee: Party, currency: string, pair: PairRow): PairBalance {
    return {
      payer,
      payee,
      currency,
      obligated: fromMinor(pair.obligated, currency),
      settled: fromMinor(pair.settled, currency),
      settledInKind: fromMinor(pair.settledInKind, currency),
      pending: fromMinor(pair.pending, currency),
      outstanding: fromMinor(pair.obligated - pair.settled, currency),
    };
  }

  /** What the party is owed net (negative: it owes), from outstanding obligations. */
  netPosition(party: Party, currency: string): string {
    this.deferred.ready();
    return fromMinor(this.net.get(currency)?.get(partyKey(party)) ?? 0n, currency);
  }

  /** The party's net position in every currency it has one in (currency → amount; zero positions left out). */
  netPositionsOf(party: Party): Record<string, string> {
    this.deferred.ready();
    const key = partyKey(party);
    const out: Record<string, string> = {};
    for (const currency of [...this.net.keys()].sort(byKey)) {
      const v = this.net.get(currency)?.get(key) ?? 0n;
      if (v !== 0n) out[currency] = fromMinor(v, currency);
    }
    return out;
  }

  netPositions(currency: string): Record<string, string> {
    this.deferred.ready();
    const out: Record<string, string> = {};
    const net = this.net.get(currency) ?? new Map<string, bigint>();
    for (const key of [...net.keys()].sort(byKey)) if (net.get(key) !== 0n) out[key] = fromMinor(net.get(key) ?? 0n, currency);
    return out;
  }

  /** The fund's money in its established currency (or in `currency`). */
  fundBalance(fundId: string, currency?: string): FundBalance | null {
    this.deferred.ready();
    const fund = this.fundIn(fundId, currency);
    if (fund === undefined) return null;
    const show = (v: bigint): string => fromMinor(v, fund.currency);
    return {
      fundId,
      currency: fund.currency,
      established: fund.established,
      balance: show(fund.balance),
      moneyIn: show(fund.moneyIn),
      moneyOut: show(fund.moneyOut),
      pendingOut: show(fund.pendingOut),
      available: show(fund.balance - fund.pendingOut),
      revision: this.treasuryRevisions.get(fundId) ?? null,
    };
  }

  obligation(obligationId: string): ObligationView | null {
    this.deferred.ready();
    const row = this.obligations.get(obligationId);
    return row === undefined ? null : obligationView(row);
  }

  /** The obligation as the transfer decider needs it. */
  obligationContext(obligationId: string): ObligationContext | null {
    this.deferred.ready();
    const row = this.obligations.get(obligationId);
    if (row === undefined) return null;
    return { obligationId, bodyId: row.bodyId, payer: parsePartyKey(row.payer), payee: parsePartyKey(row.payee), currency: row.currency, unencumbered: fromMinor(row.obligated - row.settled - row.pending, row.currency) };
  }

  /** The last projected revision of the body's treasury stream (null: none yet). */
  treasuryRevision(bodyId: string): number | null {
    this.deferred.ready();
    return this.treasuryRevisions.get(bodyId) ?? null;
  }

  /** What an InitiateTransfer on the treasury of `bodyId` by this payer must carry as its `payerView`. */
  payerView(bodyId: string, payer: Party): PayerView {
    this.deferred.ready();
    const fund = payer.kind === 'fund' ? this.fundIn(payer.id) : undefined;
    return {
      asOfRevision: this.treasuryRevision(bodyId),
      fundAvailableBalance: fund === undefined ? (payer.kind === 'fund' ? '0' : null) : fromMinor(fund.balance - fund.pendingOut, fund.currency),
    };
  }

  /** Where a settle or void goes: the treasury of `bodyId` (compensationStreams.treasury). Transfer ids are unique ledger-wide. */
  transferStatus(transferId: string): { status: TransferStatus; form: TransferForm; payer: Party; payee: Party; bodyId: string; obligationId: string; terms: TransferTerms } | null {
    this.deferred.ready();
    const t = this.transfers.get(transferId);
    return t === undefined ? null : { status: t.status, form: t.terms.form, payer: t.terms.payer, payee: t.terms.payee, bodyId: t.bodyId, obligationId: t.terms.obligationId, terms: { ...t.terms } };
  }

  transfer(transferId: string): TransferView | null {
    this.deferred.ready();
    const t = this.transfers.get(transferId);
    return t === undefined ? null : transferView(t);
  }


  private indexObligation(row: ObligationRow): void {
    for (const [index, key] of [
      [this.obligationsByParty, row.payer],
      [this.obligationsByParty, row.payee],
      [this.obligationsByBody, row.bodyId],
    ] as const) {
      const rows = index.get(key);
      if (rows === undefined) index.set(key, [row]);
      else rows.push(row);
    }
    this.indexedObligations++;
  }

  /** The rows a query by party or body needs to look at: that party's or body's, or every one. */
  private obligationRowsOf(party: string | null, bodyId: string | undefined): Iterable<ObligationRow> {
    if (this.indexedObligations !== this.obligations.size) {
      this.obligationsByParty.clear();
      this.obligationsByBody.clear();
      this.indexedObligations = 0;
      for (const row of this.obligations.values()) this.indexObligation(row);
    }
    if (party !== null) return this.obligationsByParty.get(party) ?? [];
    if (bodyId !== undefined) return this.obligationsByBody.get(bodyId) ?? [];
    return this.obligations.values();
  }
  /** Obligations by id, filtered; a page of at most 500. */
  listObligations(filter: ObligationFilter = {}, options: { limit?: number; after?: string | null } = {}): Page<ObligationView> {
    this.deferred.ready();
    const party = filter.party === undefined ? null : partyKey(filter.party);
    const rows = [...this.obligationRowsOf(party, filter.bodyId)]
      .filter((r) => party === null || r.payer === party || r.payee === party)
      .filter((r) => filter.bodyId === undefined || r.bodyId === filter.bodyId)
      .filter((r) => filter.currency === undefined || r.currency === filter.currency)
      .filter((r) => filter.reason === undefined || r.reason === filter.reason)
      .filter((r) => filter.status === undefined || obligationStatus(r) === filter.status)
      .sort((a, b) => byKey(a.obligationId, b.obligationId));
    return paginate(rows, (r) => r.obligationId, options, obligationView);
  }

  /** Transfers by id, filtered; a page of at most 500. */
  listTransfers(filter: TransferFilter = {}, options: { limit?: number; after?: string | null } = {}): Page<TransferView> {
    this.deferred.ready();
    const party = filter.party === undefined ? null : partyKey(filter.party);
    const rows = [...this.transfers.values()]
      .filter((t) => party === null || partyKey(t.terms.payer) === party || partyKey(t.terms.payee) === party)
      .filter((t) => filter.bodyId === undefined || t.bodyId === filter.bodyId)
      .filter((t) => filter.obligationId === undefined || t.terms.obligationId === filter.obligationId)
      .filter((t) => filter.status === undefined || t.status === filter.status)
      .sort((a, b) => byKey(a.terms.transferId, b.terms.transferId));
    return paginate(rows, (t) => t.terms.transferId, options, transferView);
  }

  /** Open obligations (outstanding > 0) by id, optionally of one party (as payer or payee) or one body. */
  openObligations(options: { party?: Party; bodyId?: string; limit?: number; after?: string | null } = {}): Page<ObligationView> {
    this.deferred.ready();
    const party = options.party === undefined ? null : partyKey(options.party);
    const rows = [...this.obligationRowsOf(party, options.bodyId)]
      .filter((r) => r.obligated - r.settled > 0n)
      .filter((r) => party === null || r.payer === party || r.payee === party)
      .filter((r) => options.bodyId === undefined || r.bodyId === options.bodyId)
      .sort((a, b) => byKey(a.obligationId, b.obligationId));
    return paginate(rows, (r) => r.obligationId, options, obligationView);
  }

  /**
   * Obligations of the fund it cannot pay yet: its open obligations in order of creation are served from what it has
   * available; those not fully covered are listed with their shortfall.
   */
  unpaidFundObligations(fundId: string, limit: number = BALANCES_LIMITS.defaultPageSize): { obligation: ObligationView; shortfall: string }[] {
    this.deferred.ready();
    // Served per currency: each currency's obligations from the fund's money in that currency.
    const available = new Map<string, bigint>();
    const payer = partyKey({ kind: 'fund', id: fundId });
    const rows = [...this.obligationRowsOf(payer, undefined)].filter((r) => r.payer === payer && r.obligated - r.settled - r.pending > 0n).sort((a, b) => a.seq - b.seq);
    const out: { obligation: ObligationView; shortfall: string }[] = [];
    const cap = clampLimit(limit);
    for (const row of rows) {
      if (out.length >= cap) break;
      const need = row.obligated - row.settled - row.pending;
      const fund = this.fundIn(fundId, row.currency);
      const left = available.get(row.currency) ?? (fund === undefined ? 0n : fund.balance - fund.pendingOut);
      const covered = left > 0n ? (left < need ? left : need) : 0n;
      available.set(row.currency, left - covered);
      if (covered < need) out.push({ obligation: obligationView(row), shortfall: fromMinor(need - covered, row.currency) });
    }
    return out;
  }

  /** What a settlement of the body in this currency may discharge: every obligation with an unencumbered amount. */
  settleableObligations(bodyId: string, currency: string): SettleableObligation[] {
    this.deferred.ready();
    const rows = [...this.obligationRowsOf(null, bodyId)]
      .filter((r) => r.bodyId === bodyId && r.currency === currency && r.obligated - r.settled - r.pending > 0n)
      .sort((a, b) => byKey(a.obligationId, b.obligationId));
    if (rows.length > BALANCES_LIMITS.maxSettleableObligations) {
      throw new DomainError('too_many_obligations', `a settlement covers at most ${BALANCES_LIMITS.maxSettleableObligations} obligations`, { count: rows.length });
    }
    return rows.map((r) => ({ obligationId: r.obligationId, payer: parsePartyKey(r.payer), payee: parsePartyKey(r.payee), unencumbered: fromMinor(r.obligated - r.settled - r.pending, currency) }));
  }

  /**
   * The state as rows of up to SNAPSHOT_CHUNK entries each, in each map's insertion order (some answers list rows as
   * they were created): `[tag, strings, entries]` with each entry a tuple (see SNAPSHOT_SHAPES) whose repeated text
   * (parties, bodies, kinds: SNAPSHOT_SHARED) is an index into the row's `strings`, then `['seq', nextSeq,
   * position]`. Amounts are JSON integers where they are safe integers and decimal text beyond. Few large rows parse
   * far faster than one small row per entry, tuples faster than objects, and small integers faster than text; the
   * restored entries share one string per distinct text of a row.
   *
   * The obligations and transfers (most of the state) are captured by reference, a chunk of rows at a time: a row
   * changed before its chunk is written is copied first (`beforeChange`), so the capture costs one reference per row
   * rather than a copy of every field, and blocks the event loop that much less. The smaller maps are copied into one
   * flat array per chunk (references to strings and bigints; no object per entry). The tuples are built when the
   * writer serializes each chunk (toJSON, in its slices).
   */
  snapshot(): unknown[] {
    return captureAtOnce(this.snapshotInSlices());
  }

  /**
   * `snapshot()` in steps, one per chunk of SNAPSHOT_CHUNK rows, so the runner can give the event loop a turn while
   * it applies nothing (ReadModel.snapshotInSlices): at a million events the obligations and transfers alone are
   * hundreds of thousands of rows.
   */
  *snapshotInSlices(): Generator<void, unknown[], void> {
    this.deferred.ready();
    const rows: { toJSON(): unknown[] }[] = [];
    const captured = this.captures.begin();
    // One run per row of SNAPSHOT_CHUNK entries: small arrays that grow cheaply, never one array of millions.
    const capture = function* <K, V>(tag: SnapshotTag, entries: Iterable<[K, V]>, copy: (key: K, value: V, out: unknown[]) => void): Generator<void, void, void> {
      const { length: width } = SNAPSHOT_SHAPES[tag];
      const shared = SNAPSHOT_SHARED[tag];
      let run: unknown[] = [];
      const close = (flat: readonly unknown[]): void => void rows.push({ toJSON: () => [tag, ...tuplesOf(flat, 0, flat.length, width, shared)] });
      for (const [key, value] of entries) {
        copy(key, value, run);
        if (run.length === SNAPSHOT_CHUNK * width) {
          close(run);
          run = [];
          yield;
        }
      }
      if (run.length > 0) close(run);
    };
    const byReference = function* <R extends MutableRow>(tag: SnapshotTag, entries: Map<string, R>, copy: (key: string, row: R, out: unknown[]) => void): Generator<void, void, void> {
      const { length: width } = SNAPSHOT_SHAPES[tag];
      const shared = SNAPSHOT_SHARED[tag];
      let keys: string[] = [];
      let refs: R[] = [];
      const close = (chunkKeys: readonly string[], chunkRows: readonly R[]): void => {
        const write = captured.chunk(() => {
          const flat: unknown[] = [];
          chunkRows.forEach((row, i) => copy(chunkKeys[i] as string, captured.asCaptured(row, row) as R, flat));
          return [tag, ...tuplesOf(flat, 0, flat.length, width, shared)];
        });
        rows.push({ toJSON: write });
      };
      for (const [key, row] of entries) {
        keys.push(key);
        refs.push(row);
        if (refs.length === SNAPSHOT_CHUNK) {
          close(keys, refs);
          keys = [];
          refs = [];
          yield;
        }
      }
      if (refs.length > 0) close(keys, refs);
    };
    yield* byReference('o', this.obligations, (_, r, out) =>
      out.push(r.obligationId, r.bodyId, r.payer, r.payee, r.currency, r.reason, r.source.kind, r.source.id, r.seq, r.obligated, r.settled, r.netted, r.settledInKind, r.pending, r.writtenOff, r.revoked),
    );
    // The terms flattened (they are never changed once made): arrays of text parse far faster than nested objects.
    yield* byReference('t', this.transfers, (k, r, out) => {
      const { terms } = r;
      out.push(k, terms.transferId, terms.obligationId, terms.payer.kind, terms.payer.id, terms.payee.kind, terms.payee.id, terms.amount, terms.currency, terms.form, terms.valuation, terms.reverses, r.bodyId, r.amount, r.status, r.reversed);
    });
    this.captures.seal(captured);
    yield* capture('f', this.funds, (k, r, out) => out.push(k, r.fundId, r.currency, r.established, r.moneyIn, r.moneyOut, r.balance, r.pendingOut));
    yield* capture('c', this.fundCurrencies, (k, currency, out) => out.push(k, currency));
    yield* capture('p', this.pairs, (k, r, out) => out.push(k, r.obligated, r.settled, r.settledInKind, r.pending));
    const net = this.net;
    function* positions(): Generator<[string, [string, bigint]]> {
      for (const [currency, byParty] of net) for (const position of byParty) yield [currency, position];
    }
    yield* capture('n', positions(), (currency, [party, v], out) => out.push(currency, party, v));
    yield* capture('fc', this.fundCommitments, (k, r, out) => out.push(k, r.fundId, r.currency));
    yield* capture('fd', this.fundDeliveries, (k, v, out) => out.push(k, v));
    yield* capture('tr', this.treasuryRevisions, (k, v, out) => out.push(k, v));
    const seq = this.nextSeq;
    const position = this.position;
    // Each chunk a group of bytes a restore keeps until needed; the sequence row, read at once, stays JSON.
    return [...deferredGroups(rows, 1), ['seq', seq, position.toString()]];
  }

  /**
   * Replaces a fresh model's state with a `snapshot()`: the sequence row at once, the chunks kept as bytes and decoded
   * when an event that moves money or a question first needs them, or in the background once the runner has caught
   * up (`caughtUp`). Throws, changing nothing, on a snapshot not of this shape.
   */
  restore(state: unknown): void {
    if (this.position !== -1n || this.obligations.size > 0 || this.deferred.pending) throw new Error('balances: snapshot restored into a model that already applied events');
    if (!Array.isArray(state) || state.length === 0) throw new Error('balances: snapshot is not a list of rows');
    const rows = state as unknown[];
    const last = rows[rows.length - 1];
    if (!Array.isArray(last) || last[0] !== 'seq') throw new Error('balances: snapshot has no sequence row');
    const [, seq, position] = last as unknown[];
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw new Error('balances: snapshot sequence is not a count');
    const restoredPosition = snapshotAmount(position);
    const { obligations: o, transfers: t, funds: f, fundCurrencies: c, pairs: p, net: n, fundCommitments: fc, fundDeliveries: fd, treasuryRevisions: tr } = this;
    const maps: Map<string, unknown>[] = [o, t, f, c, p, n, fc, fd, tr];
    if (maps.some((m) => m.size > 0)) throw new Error('balances: snapshot restored into a model that already holds entries');
    const deferred = new DeferredRestore(this.name, rows.slice(0, -1), (group) => this.restoreRows(group));
    this.nextSeq = seq;
    this.position = restoredPosition;
    this.deferred.hold(deferred);
  }

  /** The runner reached the head: chunks no event or question has needed yet are decoded in the background. */
  caughtUp(background?: BackgroundWork): void {
    this.deferred.inBackground(background);
  }

  /** Groups of the restored snapshot not decoded yet. */
  undecoded(): number {
    return this.deferred.left;
  }


  /** Adds the entries of chunk rows (`[tag, strings, tuples]`), in order; throws on a row it did not write. */
  private restoreRows(state: readonly unknown[]): void {
    const { obligations: o, transfers: t, funds: f, fundCurrencies: c, pairs: p, net: n, fundCommitments: fc, fundDeliveries: fd, treasuryRevisions: tr } = this;
    for (const row of state) {
      if (!Array.isArray(row) || typeof row[0] !== 'string') throw new Error('balances: snapshot row is not [tag, …]');
      const tag = row[0];
      if (!isSnapshotTag(tag) || row.length !== 3 || !Array.isArray(row[1]) || !Array.isArray(row[2])) throw new Error(`balances: snapshot row of unknown kind ${tag}`);
      const strings = row[1] as unknown[];
      const shared = SNAPSHOT_SHARED[tag];
      for (const entry of row[2] as unknown[]) {
        // A copy with the shared text looked up: the state handed in is left as it was.
        const e = [...snapshotTuple(tag, entry)];
        for (const k of shared) e[k] = sharedText(strings, e[k]);
        switch (tag) {
          case 'o': {
            const reason = e[5];
            const sourceKind = e[6];
            if (!isObligationReason(reason)) throw new Error(`balances: snapshot obligation reason ${String(reason)} is unknown`);
            if (sourceKind !== 'incident' && sourceKind !== 'finding' && sourceKind !== 'settlement') throw new Error(`balances: snapshot obligation source ${String(sourceKind)} is unknown`);
            const obligationId = text(e[0]);
            if (o.has(obligationId)) throw new Error(`balances: snapshot lists obligation ${obligationId} twice`);
            o.set(obligationId, {
              obligationId,
              bodyId: text(e[1]),
              payer: text(e[2]),
              payee: text(e[3]),
              currency: text(e[4]),
              reason,
              source: { kind: sourceKind, id: text(e[7]) },
              seq: count(e[8]),
              obligated: snapshotAmount(e[9]),
              settled: snapshotAmount(e[10]),
              netted: snapshotAmount(e[11]),
              settledInKind: snapshotAmount(e[12]),
              pending: snapshotAmount(e[13]),
              writtenOff: snapshotAmount(e[14]),
              revoked: flag(e[15]),
            });
            break;
          }
          case 't': {
            const status = e[14];
            if (status !== 'pending' && status !== 'settled' && status !== 'voided') throw new Error(`balances: snapshot transfer status ${String(status)} is unknown`);
            const form = e[9];
            if (!isTransferForm(form)) throw new Error(`balances: snapshot transfer form ${String(form)} is unknown`);
            const valuation = e[10];
            if (valuation !== null && (typeof valuation !== 'object' || Array.isArray(valuation))) throw new Error('balances: snapshot transfer valuation is not an object');
            const terms: TransferTerms = {
              transferId: text(e[1]),
              obligationId: text(e[2]),
              payer: snapshotParty(e[3], e[4]),
              payee: snapshotParty(e[5], e[6]),
              amount: text(e[7]),
              currency: text(e[8]),
              form,
              valuation: valuation as TransferTerms['valuation'],
              reverses: e[11] === null ? null : text(e[11]),
            };
            t.set(text(e[0]), { terms, bodyId: text(e[12]), amount: snapshotAmount(e[13]), status, reversed: snapshotAmount(e[15]) });
            break;
          }
          case 'f':
            f.set(text(e[0]), { fundId: text(e[1]), currency: text(e[2]), established: flag(e[3]), moneyIn: snapshotAmount(e[4]), moneyOut: snapshotAmount(e[5]), balance: snapshotAmount(e[6]), pendingOut: snapshotAmount(e[7]) });
            break;
          case 'c':
            c.set(text(e[0]), text(e[1]));
            break;
          case 'p':
            p.set(text(e[0]), { obligated: snapshotAmount(e[1]), settled: snapshotAmount(e[2]), settledInKind: snapshotAmount(e[3]), pending: snapshotAmount(e[4]) });
            break;
          case 'n': {
            const currency = text(e[0]);
            let positions = n.get(currency);
            if (positions === undefined) {
              positions = new Map();
              n.set(currency, positions);
            }
            positions.set(text(e[1]), snapshotAmount(e[2]));
            break;
          }
          case 'fc':
            fc.set(text(e[0]), { fundId: text(e[1]), currency: text(e[2]) });
            break;
          case 'fd':
            fd.set(text(e[0]), snapshotAmount(e[1]));
            break;
          case 'tr':
            tr.set(text(e[0]), count(e[1]));
            break;
        }
      }
    }
  }

  canonicalState(): unknown {
    this.deferred.ready();
    const sortedEntries = <V, W>(m: ReadonlyMap<string, V>, f: (v: V) => W): [string, W][] => [...m.entries()].sort(([a], [b]) => byKey(a, b)).map(([k, v]) => [k, f(v)]);
    const str = (v: bigint): string => v.toString();
    return {
      obligations: sortedEntries(this.obligations, (r) => ({ ...r, obligated: str(r.obligated), settled: str(r.settled), netted: str(r.netted), settledInKind: str(r.settledInKind), pending: str(r.pending), writtenOff: str(r.writtenOff) })),
      transfers: sortedEntries(this.transfers, (t) => ({ terms: t.terms, bodyId: t.bodyId, amount: str(t.amount), status: t.status, reversed: str(t.reversed) })),
      funds: sortedEntries(this.funds, (f) => ({ ...f, moneyIn: str(f.moneyIn), moneyOut: str(f.moneyOut), balance: str(f.balance), pendingOut: str(f.pendingOut) })),
      fundCurrencies: sortedEntries(this.fundCurrencies, (c) => c),
      pairs: sortedEntries(this.pairs, (p) => ({ obligated: str(p.obligated), settled: str(p.settled), settledInKind: str(p.settledInKind), pending: str(p.pending) })),
      net: sortedEntries(this.net, (m) => sortedEntries(m, str)),
      fundCommitments: sortedEntries(this.fundCommitments, (c) => c),
      fundDeliveries: sortedEntries(this.fundDeliveries, str),
      treasuryRevisions: sortedEntries(this.treasuryRevisions, (r) => r),
      nextSeq: this.nextSeq,
    };
  }
}

/**
 * Entries per snapshot row: small enough that a row's JSON text (an obligation's entry is about 150 bytes) stays under
 * V8's 128 KiB regular object size, so it dies young once written instead of waiting in old space, as garbage, for the
 * next full collection after the round. The restore takes rows of any length.
 */
const SNAPSHOT_CHUNK = 500;

/** The fields of each map's snapshot tuples, in order (the key first). */
const SNAPSHOT_SHAPES = {
  o: ['obligationId', 'bodyId', 'payer', 'payee', 'currency', 'reason', 'sourceKind', 'sourceId', 'seq', 'obligated', 'settled', 'netted', 'settledInKind', 'pending', 'writtenOff', 'revoked'],
  t: ['key', 'transferId', 'obligationId', 'payerKind', 'payerId', 'payeeKind', 'payeeId', 'termsAmount', 'currency', 'form', 'valuation', 'reverses', 'bodyId', 'amount', 'status', 'reversed'],
  f: ['key', 'fundId', 'currency', 'established', 'moneyIn', 'moneyOut', 'balance', 'pendingOut'],
  c: ['fundId', 'currency'],
  p: ['key', 'obligated', 'settled', 'settledInKind', 'pending'],
  n: ['currency', 'party', 'net'],
  fc: ['commitmentId', 'fundId', 'currency'],
  fd: ['delivery', 'amount'],
  tr: ['bodyId', 'revision'],
} as const;

type SnapshotTag = keyof typeof SNAPSHOT_SHAPES;

/** Positions in each tuple of text that repeats across entries, written as an index into the row's string table. */
const SNAPSHOT_SHARED: Record<SnapshotTag, readonly number[]> = {
  o: [1, 2, 3, 4, 5, 6],
  t: [2, 3, 4, 5, 6, 8, 9, 12, 14],
  f: [2],
  c: [1],
  p: [],
  n: [0],
  fc: [1, 2],
  fd: [],
  tr: [],
};

/** The text an index names in a row's string table. */
function sharedText(strings: readonly unknown[], index: unknown): string {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= strings.length) throw new Error(`balances: snapshot string ${String(index)} is not in its row's table`);
  return text(strings[index]);
}

const isSnapshotTag = (tag: string): tag is SnapshotTag => Object.hasOwn(SNAPSHOT_SHAPES, tag);

const isObligationReason = (value: unknown): value is ObligationReason => typeof value === 'string' && (OBLIGATION_REASONS as readonly string[]).includes(value);

const isTransferForm = (value: unknown): value is TransferForm => typeof value === 'string' && (TRANSFER_FORMS as readonly string[]).includes(value);

function snapshotParty(kind: unknown, id: unknown): Party {
  if (kind !== 'city' && kind !== 'fund') throw new Error(`balances: snapshot party kind ${String(kind)} is unknown`);
  return { kind, id: text(id) };
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A flat run of fields as `[strings, tuples]`: bigints as JSON integers where exact and as decimal text beyond, the
 * text at `shared` positions as indices into `strings`.
 */
function tuplesOf(flat: readonly unknown[], from: number, until: number, width: number, shared: readonly number[]): [string[], unknown[][]] {
  const strings: string[] = [];
  const indexOf = new Map<string, number>();
  const tuples: unknown[][] = [];
  for (let at = from; at < until; at += width) {
    const tuple = flat.slice(at, at + width);
    for (let k = 0; k < width; k++) {
      const v = tuple[k];
      if (typeof v === 'bigint') tuple[k] = v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
    }
    for (const k of shared) {
      const v = tuple[k];
      if (typeof v !== 'string') throw new TypeError(`balances: snapshot field ${k} is not text`);
      let index = indexOf.get(v);
      if (index === undefined) {
        index = strings.length;
        strings.push(v);
        indexOf.set(v, index);
      }
      tuple[k] = index;
    }
    tuples.push(tuple);
  }
  return [strings, tuples];
}

function snapshotTuple(tag: SnapshotTag, entry: unknown): unknown[] {
  if (!Array.isArray(entry) || entry.length !== SNAPSHOT_SHAPES[tag].length) throw new Error(`balances: snapshot entry of ${tag} is not a tuple of ${SNAPSHOT_SHAPES[tag].length}`);
  return entry as unknown[];
}

/** An amount in minor units: a safe JSON integer, or decimal text for one beyond. */
function snapshotAmount(v: unknown): bigint {
  if (typeof v === 'number') {
    // Most amounts of a settled book are zero (nothing pending, netted, written off): one zero serves them all.
    if (v === 0) return 0n;
    if (!Number.isSafeInteger(v)) throw new Error(`balances: snapshot amount ${v} is not a safe integer`);
    return BigInt(v);
  }
  if (typeof v !== 'string' || !/^-?(0|[1-9]\d{0,40})$/.test(v)) throw new Error(`balances: snapshot amount ${String(v)} is not an integer`);
  return BigInt(v);
}

function text(v: unknown): string {
  if (typeof v !== 'string') throw new Error('balances: snapshot field is not text');
  return v;
}

function count(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error('balances: snapshot field is not an integer');
  return v;
}

function flag(v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Error('balances: snapshot field is not a boolean');
  return v;
}

function obligationStatus(r: ObligationRow): ObligationStatus {
  if (r.obligated - r.settled > 0n) return 'open';
  return r.settled === 0n && r.writtenOff > 0n ? 'written_off' : 'settled';
}

function transferView(t: TransferRow): TransferView {
  const { terms } = t;
  return {
    transferId: terms.transferId,
    bodyId: t.bodyId,
    obligationId: terms.obligationId,
    payer: terms.payer,
    payee: terms.payee,
    amount: terms.amount,
    currency: terms.currency,
    form: terms.form,
    valuation: terms.valuation,
    reverses: terms.reverses,
    status: t.status,
    reversed: fromMinor(t.reversed, terms.currency),
  };
}

function obligationView(r: ObligationRow): ObligationView {
  const m = (v: bigint): string => fromMinor(v, r.currency);
  return {
    obligationId: r.obligationId,
    bodyId: r.bodyId,
    payer: parsePartyKey(r.payer),
    payee: parsePartyKey(r.payee),
    currency: r.currency,
    reason: r.reason,
    source: r.source,
    obligated: m(r.obligated),
    settled: m(r.settled),
    netted: m(r.netted),
    settledInKind: m(r.settledInKind),
    pending: m(r.pending),
    writtenOff: m(r.writtenOff),
    outstanding: m(r.obligated - r.settled),
    unencumbered: m(r.obligated - r.settled - r.pending),
  };
}

function clampLimit(limit: number | undefined): number {
  const n = limit ?? BALANCES_LIMITS.defaultPageSize;
  if (!Number.isInteger(n) || n < 1) return BALANCES_LIMITS.defaultPageSize;
  return Math.min(n, BALANCES_LIMITS.maxPageSize);
}

/** A page of rows sorted by key, strictly after the cursor `after`. */
function paginate<R, T>(sorted: readonly R[], keyOf: (row: R) => string, options: { limit?: number; after?: string | null }, view: (row: R) => T): Page<T> {
  const limit = clampLimit(options.limit);
  const after = options.after ?? null;
  const start = after === null ? 0 : sorted.findIndex((r) => keyOf(r) > after);
  const from = start < 0 ? sorted.length : start;
  const slice = sorted.slice(from, from + limit);
  const last = slice[slice.length - 1];
  const more = from + limit < sorted.length;
  return { items: slice.map(view), nextCursor: more && last !== undefined ? keyOf(last) : null };
}
