import { given } from '../shared/given-when-then.js';
import { cityParty, fundParty, type TransferEvent, type TransferTerms } from './events.js';
import { fundDecider, type FundCommand } from './fund.js';
import { positionsFromObligations, proposeSettlement } from './settlement.js';
import type { InitiateTransfer, ObligationContext } from './transfers.js';
import { treasuryDecider, type TreasuryCommand } from './treasury.js';
import { T0, T1 } from './testing.fixtures.js';

const terms: TransferTerms = {
  transferId: 't-1',
  obligationId: 'flood-1:origin:origin-city:river-city',
  payer: cityParty('origin-city'),
  payee: cityParty('river-city'),
  amount: '400.00',
  currency: 'CNY',
  form: 'money',
  valuation: null,
  reverses: null,
};
const transferDecider = treasuryDecider('delta');
const obligation: ObligationContext = { obligationId: terms.obligationId, bodyId: 'delta', payer: terms.payer, payee: terms.payee, currency: 'CNY', unencumbered: '500.00' };
const initiate = (over: Partial<TransferTerms> = {}, context: Partial<InitiateTransfer['context']> = {}): InitiateTransfer => ({
  type: 'InitiateTransfer',
  terms: { ...terms, ...over },
  occurredAt: T0,
  context: { obligation, payerView: { asOfRevision: null, fundAvailableBalance: null }, ...context },
});
const initiated: TransferEvent = { type: 'TransferInitiated', data: { ...terms, occurredAt: T0 } };
const settled: TransferEvent = { type: 'TransferSettled', data: { transferId: 't-1', occurredAt: T1 } };

describe('a transfer settling an obligation', () => {
  it('starts pending, for part of what is owed', () => {
    given(transferDecider, []).when(initiate()).then([initiated]);
  });
  it('a transfer id is a slug or UUID chosen by the client', () => {
    given(transferDecider, []).when(initiate({ transferId: 'Transfer #1' })).thenThrows('invalid_id');
    given(transferDecider, []).when(initiate({ transferId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' })).then([{ type: 'TransferInitiated', data: { ...terms, transferId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', occurredAt: T0 } }]);
  });
  it('overpaying the obligation is refused', () => {
    const error = given(transferDecider, []).when(initiate({ amount: '500.01' })).thenThrows('obligation_overpaid');
    expect(error.details.unencumbered).toBe('500.00');
  });
  it('must run from the obligation’s payer to its payee', () => {
    given(transferDecider, []).when(initiate({ payee: cityParty('hill-city') })).thenThrows('transfer_does_not_match_obligation');
  });
  it('an unknown obligation is not found', () => {
    given(transferDecider, []).when(initiate({}, { obligation: null })).thenThrows('obligation_not_found', 404);
  });
  it('a second transfer by the same payer is decided only against balances that include the first', () => {
    const second = initiate({ transferId: 't-2', amount: '100.00' }, { obligation: { ...obligation, unencumbered: '100.00' } });
    given(transferDecider, [initiated]).when(second).thenThrows('payer_view_stale', 409);
    given(transferDecider, [initiated]).when({ ...second, context: { ...second.context, payerView: { asOfRevision: 0, fundAvailableBalance: null } } }).then([
      { type: 'TransferInitiated', data: { ...terms, transferId: 't-2', amount: '100.00', occurredAt: T0 } },
    ]);
  });
  it('a body’s treasury refuses a transfer against another body’s obligation', () => {
    given(transferDecider, []).when(initiate({}, { obligation: { ...obligation, bodyId: 'other-body' } })).thenThrows('obligation_of_another_body');
  });
  it('every payer of the body’s obligations shares one treasury: another payer’s transfer must read the first one too', () => {
    const other = initiate({ transferId: 't-2', payer: cityParty('hill-city') }, { obligation: { ...obligation, payer: cityParty('hill-city') } });
    given(transferDecider, [initiated]).when(other).thenThrows('payer_view_stale', 409);
  });
  it('the same transfer id with the same content returns the first result', () => {
    given(transferDecider, [initiated]).when(initiate()).then([]);
  });
  it('the same transfer id with different content is refused, naming the field', () => {
    const error = given(transferDecider, [initiated]).when(initiate({ amount: '300.00' })).thenThrows('transfer_id_reused', 409);
    expect(error.details.field).toBe('amount');
  });
  it('pending → settled, and settling again changes nothing', () => {
    given(transferDecider, [initiated]).when({ type: 'SettleTransfer', transferId: 't-1', occurredAt: T1 }).then([settled]);
    given(transferDecider, [initiated, settled]).when({ type: 'SettleTransfer', transferId: 't-1', occurredAt: T1 }).then([]);
  });
  it('pending → voided; a voided transfer is never settled', () => {
    const voided: TransferEvent = { type: 'TransferVoided', data: { transferId: 't-1', reason: 'wrong account', occurredAt: T1 } };
    given(transferDecider, [initiated]).when({ type: 'VoidTransfer', transferId: 't-1', reason: 'wrong account', occurredAt: T1 }).then([voided]);
    given(transferDecider, [initiated, voided]).when({ type: 'SettleTransfer', transferId: 't-1', occurredAt: T1 }).thenThrows('transfer_voided', 409);
  });
  it('a settled transfer is never changed: voiding it is refused', () => {
    given(transferDecider, [initiated, settled]).when({ type: 'VoidTransfer', transferId: 't-1', reason: 'mistake', occurredAt: T1 }).thenThrows('transfer_settled', 409);
  });
  it('a money transfer carries no in-kind valuation', () => {
    given(transferDecider, []).when(initiate({ valuation: { description: 'x', valuationRef: 'y' } })).thenThrows('valuation_not_applicable');
  });
  it('settling a transfer that does not exist is not found', () => {
    given(transferDecider, []).when({ type: 'SettleTransfer', transferId: 't-9', occurredAt: T1 }).thenThrows('transfer_not_found', 404);
  });
  it('in-kind settlement carries the agreed valuation', () => {
    const valuation = { description: 'two weeks of flood-rescue training', valuationRef: 'body-minutes/12' };
    given(transferDecider, []).when(initiate({ form: 'training' })).thenThrows('valuation_required');
    given(transferDecider, []).when(initiate({ form: 'training', valuation })).then([{ type: 'TransferInitiated', data: { ...terms, form: 'training', valuation, occurredAt: T0 } }]);
  });

  describe('correcting a settled transfer by a linked reversing transfer', () => {
    const reversal = { transferId: 't-2', payer: cityParty('river-city'), payee: cityParty('origin-city'), amount: '100.00', reverses: 't-1' };
    const view = { payerView: { asOfRevision: 1, fundAvailableBalance: null } };
    it('swaps payer and payee and links the original', () => {
      given(transferDecider, [initiated, settled])
        .when(initiate(reversal, { obligation: null, ...view }))
        .then([{ type: 'TransferInitiated', data: { ...terms, ...reversal, occurredAt: T0 } }]);
    });
    it('cannot return more than the original moved, counting earlier reversals', () => {
      const earlier: TransferEvent = { type: 'TransferInitiated', data: { ...terms, ...reversal, transferId: 't-0', amount: '350.00', occurredAt: T0 } };
      given(transferDecider, [initiated, settled, earlier])
        .when(initiate(reversal, { obligation: null, payerView: { asOfRevision: 2, fundAvailableBalance: null } }))
        .thenThrows('reversal_exceeds_transfer');
    });
    it('a voided reversal returns nothing, so it does not count', () => {
      const earlier: TransferEvent = { type: 'TransferInitiated', data: { ...terms, ...reversal, transferId: 't-0', amount: '350.00', occurredAt: T0 } };
      const voided: TransferEvent = { type: 'TransferVoided', data: { transferId: 't-0', reason: 'typo', occurredAt: T1 } };
      given(transferDecider, [initiated, settled, earlier, voided])
        .when(initiate(reversal, { obligation: null, payerView: { asOfRevision: 3, fundAvailableBalance: null } }))
        .then([{ type: 'TransferInitiated', data: { ...terms, ...reversal, occurredAt: T0 } }]);
    });
    it('must swap the original’s payer and payee', () => {
      given(transferDecider, [initiated, settled])
        .when(initiate({ ...reversal, payee: cityParty('hill-city') }, { obligation: null, ...view }))
        .thenThrows('reversal_does_not_match');
    });
    it('a reversal is not itself reversed', () => {
      const reversed: TransferEvent = { type: 'TransferInitiated', data: { ...terms, ...reversal, occurredAt: T0 } };
      const settledReversal: TransferEvent = { type: 'TransferSettled', data: { transferId: 't-2', occurredAt: T1 } };
      given(transferDecider, [initiated, settled, reversed, settledReversal])
        .when(initiate({ ...terms, transferId: 't-3', amount: '10.00', reverses: 't-2' }, { obligation: null, payerView: { asOfRevision: 3, fundAvailableBalance: null } }))
        .thenThrows('reversal_of_reversal');
    });
    it('a pending transfer is voided, not reversed', () => {
      given(transferDecider, [initiated])
        .when(initiate(reversal, { obligation: null, payerView: { asOfRevision: 0, fundAvailableBalance: null } }))
        .thenThrows('reversal_of_unsettled_transfer', 409);
    });
    it('reversing a transfer that does not exist is not found', () => {
      given(transferDecider, []).when(initiate(reversal, { obligation: null })).thenThrows('transfer_not_found', 404);
    });
  });
});

describe('the special fund of a body', () => {
  const established = { type: 'FundEstablished', data: { fundId: 'delta', bodyId: 'delta', currency: 'CNY', occurredAt: T0 } } as const;
  const payoutTerms: TransferTerms = { ...terms, transferId: 'p-1', obligationId: 'flood-1:fund:river-city', payer: fundParty('delta'), amount: '250.00' };
  const payout = (availableBalance: string, asOfRevision: number | null): TreasuryCommand => ({
    type: 'InitiateTransfer',
    terms: payoutTerms,
    occurredAt: T1,
    context: { obligation: { obligationId: payoutTerms.obligationId, bodyId: 'delta', payer: fundParty('delta'), payee: cityParty('river-city'), currency: 'CNY', unencumbered: '250.00' }, payerView: { asOfRevision, fundAvailableBalance: availableBalance } },
  });

  it('is established once, in one currency', () => {
    given(fundDecider, []).when({ type: 'EstablishFund', bodyId: 'delta', currency: 'CNY', occurredAt: T0, context: { bodyExists: true } }).then([established]);
    given(fundDecider, [established]).when({ type: 'EstablishFund', bodyId: 'delta', currency: 'USD', occurredAt: T0, context: { bodyExists: true } }).thenThrows('fund_already_established', 409);
  });
  it('receives a member contribution that fulfils no commitment', () => {
    given(fundDecider, [established])
      .when({ type: 'ReceiveMemberContribution', contributionId: 'k-1', cityId: 'river-city', amount: '10', reference: 'bank/1', occurredAt: T1, context: { bodyMembers: ['river-city'] } })
      .then([{ type: 'MemberContributionReceived', data: { fundId: 'delta', contributionId: 'k-1', cityId: 'river-city', amount: '10.00', currency: 'CNY', reference: 'bank/1', occurredAt: T1 } }]);
  });
  it('the same contribution id: same content is recognised, other content refused naming the field', () => {
    const received = { type: 'MemberContributionReceived', data: { fundId: 'delta', contributionId: 'k-1', cityId: 'river-city', amount: '10.00', currency: 'CNY', reference: 'bank/1', occurredAt: T1 } } as const;
    const again = (amount: string): FundCommand => ({ type: 'ReceiveMemberContribution', contributionId: 'k-1', cityId: 'river-city', amount, reference: 'bank/1', occurredAt: T1, context: { bodyMembers: ['river-city'] } });
    given(fundDecider, [established, received]).when(again('10')).then([]);
    expect(given(fundDecider, [established, received]).when(again('11')).thenThrows('contribution_id_reused', 409).details.field).toBe('amount');
  });
  it('money cannot come into a fund that was never established', () => {
    given(fundDecider, []).when({ type: 'ReceiveThirdPartyIncentive', incentiveId: 'g-1', source: 'province', amount: '1', reference: 'grant', occurredAt: T1 }).thenThrows('fund_not_found', 404);
  });
  it('refuses a contribution from a city outside the body', () => {
    given(fundDecider, [established])
      .when({ type: 'ReceiveMemberContribution', contributionId: 'k-1', cityId: 'far-city', amount: '10', reference: 'bank/1', occurredAt: T1, context: { bodyMembers: ['river-city'] } })
      .thenThrows('not_a_member');
  });
  it('receives a third-party incentive naming its source', () => {
    given(fundDecider, [established])
      .when({ type: 'ReceiveThirdPartyIncentive', incentiveId: 'g-1', source: 'provincial government', amount: '5000', reference: 'grant/2026-3', occurredAt: T1 })
      .then([{ type: 'ThirdPartyIncentiveReceived', data: { fundId: 'delta', incentiveId: 'g-1', source: 'provincial government', amount: '5000.00', currency: 'CNY', reference: 'grant/2026-3', occurredAt: T1 } }]);
  });
  it('pays out no more than it holds: the obligation stays open', () => {
    given(transferDecider, []).when(payout('249.99', null)).thenThrows('fund_insufficient', 409);
  });
  it('pays out through its body’s treasury, against a balance that includes every event of that stream', () => {
    given(transferDecider, []).when(payout('250.00', null)).then([{ type: 'TransferInitiated', data: { ...payoutTerms, occurredAt: T1 } }]);
  });
  it('two payouts cannot spend the same money: the second must read the balance again', () => {
    const first: TransferEvent = { type: 'TransferInitiated', data: { ...payoutTerms, transferId: 'p-0', occurredAt: T1 } };
    given(transferDecider, [first]).when(payout('250.00', null)).thenThrows('payer_view_stale', 409);
  });
  it('another body’s treasury refuses a payout of this fund', () => {
    given(treasuryDecider('other-body'), []).when(payout('250.00', null)).thenThrows('transfer_not_paid_by_fund');
  });
  it('a settlement and a transfer against the same obligation are serialized: the later one must read again', () => {
    // Two obligations of one pair: netting them into one transfer is worth executing.
    const obligations = [
      { obligationId: terms.obligationId, payer: terms.payer, payee: terms.payee, unencumbered: '500.00' },
      { obligationId: 'penalty-f-9', payer: terms.payer, payee: terms.payee, unencumbered: '250.00' },
    ];
    const proposal = proposeSettlement(positionsFromObligations('delta', 'CNY', obligations));
    const settle: TreasuryCommand = { type: 'ExecuteSettlement', settlementId: 's-1', proposal, occurredAt: T1, context: { obligations, asOfRevision: null } };
    given(transferDecider, [initiated]).when(settle).thenThrows('payer_view_stale', 409);
    const [executed] = transferDecider.decide(settle, transferDecider.initialState());
    if (executed === undefined) throw new Error('the settlement was refused on an empty treasury');
    given(transferDecider, [executed]).when(initiate()).thenThrows('payer_view_stale', 409);
  });
});
