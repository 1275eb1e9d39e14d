/** View 3: who owes whom (a directed graph weighted by outstanding), the special fund, the settlement proposal. */
import { useMemo, useRef, useState } from 'preact/hooks';
import { allPages, apiGet, apiPost, ApiError, isMissingRoute, query, useLoad } from '../api.js';
import { Chart, type ChartOption } from '../chart.js';
import { formatInstant, formatMoney, moneyCurrencies, partyLabel, shortHash } from '../format.js';
import { useSession, useWords } from '../session.js';
import { mayExecuteSettlement } from '../token.js';
import { Facts, Section, Show } from '../ui.js';
import type { FundView, PairBalance, Party, Proposal, TransferView } from '../wire.js';

const isNonZero = (amount: string): boolean => /[1-9]/.test(amount);
const keyOf = (p: Party): string => `${p.kind}:${p.id}`;
const EDGE_LABELS_UP_TO = 8;

export function MoneyView() {
  const { token, bodyId, members, holder } = useSession();
  const { t, c } = useWords();
  const party = usePartyLabel();
  // After a write, reads wait for its position (?atLeast=) so the page shows the ledger after the write.
  const [atLeast, setAtLeast] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // One currency at a time: amounts in different currencies are never added, netted or drawn on one graph.
  const [chosenCurrency, setChosenCurrency] = useState<string | null>(null);
  const [loaded, reload] = useLoad(`money:${bodyId}:${atLeast ?? ''}:${chosenCurrency ?? ''}`, async () => {
    const consistent = query({ atLeast });
    const fund = await apiGet<FundView>(`/funds/${encodeURIComponent(bodyId)}${consistent}`, token).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404 && !isMissingRoute(error)) return null;
      throw error;
    });
    const partyKeys = new Set([...members.map((m) => `city:${m}`), `fund:${bodyId}`]);
    const pairs = await allPages<PairBalance>(`/balances/pairs${consistent}`, token, 5000);
    // The API lists every pair of the ledger; this body's are those between its members and its fund.
    const ours = pairs.items.filter((p) => partyKeys.has(keyOf(p.payer)) && partyKeys.has(keyOf(p.payee)));
    const currencies = moneyCurrencies(fund?.established === true ? fund.currency : null, ours.map((p) => p.currency));
    const currency = chosenCurrency !== null && currencies.includes(chosenCurrency) ? chosenCurrency : (currencies[0] ?? 'CNY');
    const [proposal, movements, moneyIn] = await Promise.all([
      apiGet<Proposal>(`/settlements/${encodeURIComponent(bodyId)}/proposal${query({ currency, atLeast })}`, token),
      apiGet<{ items: TransferView[]; nextCursor: string | null }>(`/transfers${query({ party: `fund:${bodyId}`, limit: 100, atLeast })}`, token),
      fund === null ? Promise.resolve([]) : fundMoneyIn(bodyId, token),
    ]);
    return { fund, pairs: ours.filter((p) => p.currency === currency), currencies, currency, proposal, movements, moneyIn };
  });

  return (
    <>
      <h1>{t('viewMoney')}</h1>
      {notice === null ? null : (
        <p class="notice" role="status" data-testid="money-notice">
          {notice}
        </p>
      )}
      <Show loaded={loaded} onRetry={reload}>
        {({ fund, pairs, currencies, currency, proposal, movements, moneyIn }) => (
          <>
            {currencies.length > 1 ? (
              <p>
                <label>
                  {t('currency')}{' '}
                  <select data-testid="money-currency" value={currency} onChange={(e) => setChosenCurrency(e.currentTarget.value)}>
                    {currencies.map((code) => (
                      <option key={code} value={code}>
                        {code}
                      </option>
                    ))}
                  </select>
                </label>
              </p>
            ) : null}
            <OwesGraph pairs={pairs} />
            <Section title={t('fundHeading')} id="fund">
              {fund === null || !fund.established ? (
                <p>{t('fundNone')}</p>
              ) : (
                <Facts
                  rows={[
                    [t('fundBalance'), formatMoney(fund.balance, fund.currency), 'fund-balance'],
                    [t('fundIn'), formatMoney(fund.moneyIn, fund.currency), 'fund-in'],
                    [t('fundOut'), formatMoney(fund.moneyOut, fund.currency), 'fund-out'],
                    [t('fundPendingOut'), formatMoney(fund.pendingOut, fund.currency), 'fund-pending'],
                    [t('fundAvailable'), formatMoney(fund.available, fund.currency), 'fund-available'],
                  ]}
                />
              )}
              <h3>{t('moneyInHeading')}</h3>
              {moneyIn.length === 0 ? (
                <p>{t('noMovements')}</p>
              ) : (
                <div class="table-wrap">
                  <table data-testid="money-in">
                    <thead>
                      <tr>
                        <th scope="col">{t('occurredAt')}</th>
                        <th scope="col">{t('movementKind')}</th>
                        <th scope="col">{t('source')}</th>
                        <th scope="col">{t('amount')}</th>
                        <th scope="col">{t('reference')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {moneyIn.map((m) => (
                        <tr key={m.id}>
                          <td>{formatInstant(m.occurredAt)}</td>
                          <td>{m.kind === 'contribution' ? t('contribution') : t('incentive')}</td>
                          <td>{m.kind === 'contribution' ? party({ kind: 'city', id: m.from }) : m.from}</td>
                          <td class="num" data-testid="money-in-amount">
                            {formatMoney(m.amount, m.currency)}
                          </td>
                          <td>{m.reference}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              <h3>{t('movements')}</h3>
              {movements.items.length === 0 ? (
                <p>{t('noMovements')}</p>
              ) : (
                <div class="table-wrap">
                  <table data-testid="movements">
                    <thead>
                      <tr>
                        <th scope="col">{t('reference')}</th>
                        <th scope="col">{t('payer')}</th>
                        <th scope="col">{t('payee')}</th>
                        <th scope="col">{t('amount')}</th>
                        <th scope="col">{t('status')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {movements.items.map((m) => (
                        <tr key={m.transferId}>
                          <td>{m.transferId}</td>
                          <td>{party(m.payer)}</td>
                          <td>{party(m.payee)}</td>
                          <td class="num">{formatMoney(m.amount, m.currency)}</td>
                          <td>{c(m.status)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </Section>
            <Section title={t('proposalHeading')} id="proposal">
              <Facts
                rows={[
                  [t('currency'), currency],
                  [t('proposalMethod'), c(proposal.method)],
                  [t('proposalParties'), String(proposal.parties), 'proposal-parties'],
                  [t('proposalFingerprint'), <code title={proposal.fingerprint}>{shortHash(proposal.fingerprint)}</code>, 'proposal-fingerprint'],
                ]}
              />
              {proposal.transfers.length === 0 ? (
                <p data-testid="proposal-empty">{t('proposalEmpty')}</p>
              ) : (
                <>
                  <div class="table-wrap">
                    <table data-testid="proposal">
                      <thead>
                        <tr>
                          <th scope="col">{t('payer')}</th>
                          <th scope="col">{t('payee')}</th>
                          <th scope="col">{t('amount')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {proposal.transfers.map((tr) => (
                          <tr key={`${keyOf(tr.payer)}>${keyOf(tr.payee)}`}>
                            <td>{party(tr.payer)}</td>
                            <td>{party(tr.payee)}</td>
                            <td class="num">{formatMoney(tr.amount, proposal.currency)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                  {!proposal.worthExecuting ? (
                    <p data-testid="proposal-netted">{t('proposalAlreadyNetted')}</p>
                  ) : mayExecuteSettlement(holder, bodyId, members) ? (
                    <ExecuteSettlement
                      proposal={proposal}
                      onDone={(position) => {
                        setNotice(t('executed', { position }));
                        setAtLeast(position);
                      }}
                    />
                  ) : null}
                </>
              )}
            </Section>
          </>
        )}
      </Show>
    </>
  );
}

/** Cities by name, the body's fund as "special fund (body)". */
function usePartyLabel(): (p: Party) => string {
  const { t, city } = useWords();
  return (p) => (p.kind === 'city' ? city(p.id) : p.kind === 'fund' ? `${t('fundHeading')} (${p.id})` : partyLabel(p));
}

interface MoneyIn {
  id: string;
  kind: 'contribution' | 'incentive';
  from: string;
  amount: string;
  currency: string;
  reference: string;
  occurredAt: string;
}

/** Money into the fund, as the fund's own stream records it (members' contributions, third-party incentives). */
async function fundMoneyIn(bodyId: string, token: string): Promise<MoneyIn[]> {
  const page = await apiGet<{ items: { id: string; type: string; data: Record<string, string> }[] }>(`/audit/streams/fund-${encodeURIComponent(bodyId)}/events?limit=200`, token);
  return page.items
    .filter((e) => e.type === 'MemberContributionReceived' || e.type === 'ThirdPartyIncentiveReceived')
    .map((e) => ({
      id: e.id,
      kind: e.type === 'MemberContributionReceived' ? 'contribution' : 'incentive',
      from: e.data.cityId ?? e.data.source ?? '',
      amount: e.data.amount,
      currency: e.data.currency,
      reference: e.data.reference,
      occurredAt: e.data.occurredAt,
    }));
}

function OwesGraph({ pairs }: { pairs: readonly PairBalance[] }) {
  const { t, city } = useWords();
  const owed = pairs.filter((p) => isNonZero(p.outstanding));
  const label = usePartyLabel();
  const option = useMemo<ChartOption>(() => {
    const nodes = [...new Map(owed.flatMap((p) => [p.payer, p.payee]).map((p) => [keyOf(p), p])).values()];
    // Line width is a visual weight only; the exact outstanding amount is the edge label and the table below.
    const amounts = owed.map((p) => Number(p.outstanding));
    const max = Math.max(1, ...amounts);
    return {
      aria: { enabled: true },
      tooltip: { formatter: '{b}' },
      animation: false,
      series: [
        {
          type: 'graph',
          layout: 'circular',
          circular: { rotateLabel: false },
          roam: false,
          symbolSize: 40,
          edgeSymbol: ['none', 'arrow'],
          edgeSymbolSize: 12,
          label: { show: true, position: 'bottom', distance: 6, color: '#111827', fontSize: 13, fontWeight: 600 },
          itemStyle: { color: '#dbeafe', borderColor: '#1d4ed8', borderWidth: 2 },
          // Amounts on the arrows while they stay legible; beyond that, the tooltip and the table carry them.
          edgeLabel: { show: owed.length <= EDGE_LABELS_UP_TO, formatter: '{c}', color: '#111827', fontSize: 12, backgroundColor: '#ffffff', padding: 2 },
          lineStyle: { color: '#b45309', opacity: 0.9, curveness: 0.15 },
          data: nodes.map((p) => ({ id: keyOf(p), name: label(p), itemStyle: p.kind === 'fund' ? { color: '#dcfce7', borderColor: '#15803d' } : undefined })),
          links: owed.map((p, i) => ({
            source: keyOf(p.payer),
            target: keyOf(p.payee),
            value: formatMoney(p.outstanding, p.currency),
            name: `${label(p.payer)} → ${label(p.payee)}: ${formatMoney(p.outstanding, p.currency)}`,
            lineStyle: { width: 1.5 + (8 * amounts[i]) / max },
          })),
        },
      ],
    };
  }, [pairs, city]);
  return (
    <Section title={t('owesHeading')} id="owes">
      <p class="muted">{t('owesCaption')}</p>
      {owed.length === 0 ? (
        <p>{t('nothingOwed')}</p>
      ) : (
        <Chart option={option} label={`${t('owesHeading')}. ${t('owesCaption')}`} testId="owes-graph" height={Math.min(680, 320 + 24 * new Set(owed.flatMap((p) => [keyOf(p.payer), keyOf(p.payee)])).size)} />
      )}
      <div class="table-wrap">
        <table data-testid="pairs">
          <caption>{t('owesTable')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('payer')}</th>
              <th scope="col">{t('payee')}</th>
              <th scope="col">{t('obligated')}</th>
              <th scope="col">{t('settled')}</th>
              <th scope="col">{t('pending')}</th>
              <th scope="col">{t('outstanding')}</th>
            </tr>
          </thead>
          <tbody>
            {pairs.map((p) => (
              <tr key={`${keyOf(p.payer)}>${keyOf(p.payee)}:${p.currency}`} data-pair={`${keyOf(p.payer)}>${keyOf(p.payee)}`}>
                <td>{label(p.payer)}</td>
                <td>{label(p.payee)}</td>
                <td class="num">{formatMoney(p.obligated, p.currency)}</td>
                <td class="num">{formatMoney(p.settled, p.currency)}</td>
                <td class="num">{formatMoney(p.pending, p.currency)}</td>
                <td class="num" data-testid="outstanding">
                  {formatMoney(p.outstanding, p.currency)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

/** The Execute button and its confirmation: a modal dialog that names what will be recorded. */
function ExecuteSettlement({ proposal, onDone }: { proposal: Proposal; onDone: (position: string) => void }) {
  const { token, bodyId } = useSession();
  const { t } = useWords();
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const execute = async () => {
    setBusy(true);
    setError(null);
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const settlementId = `dash-${stamp}-${proposal.fingerprint.slice(0, 8)}`;
    try {
      // The fingerprint makes the write refuse if positions moved since the proposal was shown.
      const ack = await apiPost<{ position: string | null }>(
        `/settlements/${encodeURIComponent(bodyId)}/executions`,
        { settlementId, currency: proposal.currency, fingerprint: proposal.fingerprint },
        token,
        `dashboard-settlement-${proposal.fingerprint}`,
      );
      dialog.current?.close();
      onDone(ack.position ?? '');
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="primary danger" data-testid="execute-settlement" onClick={() => dialog.current?.showModal()}>
        {t('execute')}
      </button>
      <dialog ref={dialog} aria-labelledby="confirm-title" aria-describedby="confirm-body" data-testid="confirm-dialog">
        <h2 id="confirm-title">{t('executeConfirmTitle')}</h2>
        <p id="confirm-body">{t('executeConfirmBody', { n: proposal.transfers.length, currency: proposal.currency })}</p>
        {error === null ? null : (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" onClick={() => dialog.current?.close()} autofocus>
            {t('cancel')}
          </button>
          <button type="button" class="primary danger" disabled={busy} data-testid="confirm-execute" onClick={execute}>
            {t('executeConfirm')}
          </button>
        </div>
      </dialog>
    </>
  );
}
