/** View 5: incidents: origin and affected cities, claims, and the assessment with its derivation (θ, costs, shares). */
import { useState } from 'preact/hooks';
import { apiGet, query, useLoad } from '../api.js';
import { formatInstant, formatMoney, groupDigits } from '../format.js';
import { useSession, useWords } from '../session.js';
import { Facts, Section, Show } from '../ui.js';

interface IncidentSummary {
  incidentId: string;
  riskCategory: string;
  status: string;
  openedAt: string;
  claims: number;
}

interface Derivation {
  currency: string;
  theta: string;
  thetaUncapped: string;
  originShares: Record<string, string>;
  verifiedCosts: Record<string, string>;
  haircutCities: string[];
  eligibleCosts: Record<string, string>;
  eligibleTotal: string;
  originLiabilityTotal: string;
  originLiabilityByOrigin: Record<string, string>;
  originPays: Record<string, string>;
  fundPaysTotal: string;
  fundPays: Record<string, string>;
  cityBears: Record<string, string>;
  benefit: { avertedLoss: string; poolTotal: string; matchTotal: string; distribution: Record<string, string> } | null;
}

interface Incident {
  incidentId: string;
  riskCategory: string;
  scenario: string;
  description: string;
  status: string;
  currency: string;
  originCities: string[];
  affectedCities: string[];
  openedAt: string;
  claims: { claimId: string; cityId: string; amount: string; currency: string; evidenceRef: string; status: string; verifiedAmount: string | null }[];
  findings: { findingId: string; cityId: string; kind: string; severity: number; revoked: boolean }[];
  assessment: { assessedAt: string; fundId: string; derivation: Derivation } | null;
}

export function IncidentsView() {
  const { token, bodyId } = useSession();
  const { t, c } = useWords();
  const [chosen, setChosen] = useState<string | null>(null);
  const [list, reload] = useLoad(`incidents:${bodyId}`, () => apiGet<{ items: IncidentSummary[] }>(`/incidents${query({ bodyId, limit: 100 })}`, token));
  return (
    <>
      <h1>{t('incidentsHeading')}</h1>
      <Show loaded={list} onRetry={reload}>
        {(page) => {
          if (page.items.length === 0) return <p>{t('noIncidents')}</p>;
          const current = chosen ?? page.items[0].incidentId;
          return (
            <>
              <div class="tabs" role="group" aria-label={t('incident')}>
                {page.items.map((i) => (
                  <button key={i.incidentId} type="button" aria-pressed={i.incidentId === current} onClick={() => setChosen(i.incidentId)}>
                    {i.incidentId} · {c(i.riskCategory)} · {c(`incident_${i.status}`)}
                  </button>
                ))}
              </div>
              <IncidentDetail key={current} incidentId={current} />
            </>
          );
        }}
      </Show>
    </>
  );
}

function IncidentDetail({ incidentId }: { incidentId: string }) {
  const { token } = useSession();
  const { t, c, city } = useWords();
  const [loaded, reload] = useLoad(`incident:${incidentId}`, () => apiGet<Incident>(`/incidents/${encodeURIComponent(incidentId)}`, token));
  return (
    <Show loaded={loaded} onRetry={reload}>
      {(incident) => (
        <>
          <Section title={`${t('incident')} ${incident.incidentId}`} id="incident">
            <p>{incident.description}</p>
            <Facts
              rows={[
                [t('riskCategory'), c(incident.riskCategory)],
                [t('scenario'), c(incident.scenario)],
                [t('originCities'), incident.originCities.map(city).join('、'), 'origins'],
                [t('affectedCities'), incident.affectedCities.map(city).join('、'), 'affected'],
                [t('openedAt'), formatInstant(incident.openedAt)],
                [t('status'), c(`incident_${incident.status}`)],
              ]}
            />
          </Section>
          <Section title={t('claims')} id="claims">
            <div class="table-wrap">
              <table data-testid="claims">
                <thead>
                  <tr>
                    <th scope="col">ID</th>
                    <th scope="col">{t('city')}</th>
                    <th scope="col">{t('claimed')}</th>
                    <th scope="col">{t('verified')}</th>
                    <th scope="col">{t('status')}</th>
                    <th scope="col">{t('evidence')}</th>
                  </tr>
                </thead>
                <tbody>
                  {incident.claims.map((claim) => (
                    <tr key={claim.claimId} data-claim={claim.claimId}>
                      <th scope="row">{claim.claimId}</th>
                      <td>{city(claim.cityId)}</td>
                      <td class="num">{formatMoney(claim.amount, claim.currency)}</td>
                      <td class="num" data-testid="verified">
                        {claim.verifiedAmount === null ? '—' : formatMoney(claim.verifiedAmount, claim.currency)}
                      </td>
                      <td>{c(claim.status)}</td>
                      <td>{claim.evidenceRef}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {incident.findings.length === 0 ? null : (
              <>
                <h3>{t('findings')}</h3>
                <ul>
                  {incident.findings.map((f) => (
                    <li key={f.findingId}>
                      {city(f.cityId)} · {c(f.kind)} · {t('severity')} {f.severity}
                      {f.revoked ? ` · ${t('revoked')}` : ''}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </Section>
          <Section title={t('assessment')} id="assessment">
            {incident.assessment === null ? <p>{t('notAssessed')}</p> : <DerivationView derivation={incident.assessment.derivation} assessedAt={incident.assessment.assessedAt} />}
          </Section>
        </>
      )}
    </Show>
  );
}

function DerivationView({ derivation: d, assessedAt }: { derivation: Derivation; assessedAt: string }) {
  const { t, city } = useWords();
  const money = (amount: string) => formatMoney(amount, d.currency);
  const cities = [...new Set([...Object.keys(d.eligibleCosts), ...Object.keys(d.verifiedCosts), ...Object.keys(d.fundPays), ...Object.keys(d.cityBears)])];
  return (
    <>
      <Facts
        rows={[
          [t('createdAt'), formatInstant(assessedAt)],
          [t('thetaUncapped'), d.thetaUncapped],
          [t('theta'), d.theta, 'theta'],
          [t('eligibleTotal'), money(d.eligibleTotal), 'eligible-total'],
          [t('originLiability'), money(d.originLiabilityTotal), 'origin-liability'],
          [t('fundPays'), money(d.fundPaysTotal), 'fund-pays-total'],
        ]}
      />
      <div class="table-wrap">
        <table data-testid="derivation">
          <caption>{t('eligibleCosts')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('city')}</th>
              <th scope="col">{t('verified')}</th>
              <th scope="col">{t('eligibleCosts')}</th>
              <th scope="col">{t('originPays')}</th>
              <th scope="col">{t('fundPays')}</th>
              <th scope="col">{t('cityBears')}</th>
            </tr>
          </thead>
          <tbody>
            {cities.map((id) => (
              <tr key={id} data-city={id}>
                <th scope="row">
                  {city(id)}
                  {d.haircutCities.includes(id) ? ' ✂' : ''}
                </th>
                <td class="num">{d.verifiedCosts[id] === undefined ? '—' : money(d.verifiedCosts[id])}</td>
                <td class="num" data-testid="eligible">
                  {d.eligibleCosts[id] === undefined ? '—' : money(d.eligibleCosts[id])}
                </td>
                <td class="num">{d.originPays[id] === undefined ? '—' : money(d.originPays[id])}</td>
                <td class="num">{d.fundPays[id] === undefined ? '—' : money(d.fundPays[id])}</td>
                <td class="num">{d.cityBears[id] === undefined ? '—' : money(d.cityBears[id])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="table-wrap">
        <table data-testid="origin-shares">
          <caption>{t('originShares')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('city')}</th>
              <th scope="col">{t('share')}</th>
              <th scope="col">{t('originLiability')}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(d.originShares).map(([id, share]) => (
              <tr key={id}>
                <th scope="row">{city(id)}</th>
                <td class="num">{share}</td>
                <td class="num">{d.originLiabilityByOrigin[id] === undefined ? '—' : money(d.originLiabilityByOrigin[id])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {d.benefit === null ? null : (
        <>
          <h3>{t('benefit')}</h3>
          <Facts
            rows={[
              [t('avertedLoss'), money(d.benefit.avertedLoss)],
              [t('poolTotal'), money(d.benefit.poolTotal)],
              [t('matchTotal'), money(d.benefit.matchTotal)],
              [t('distribution'), Object.entries(d.benefit.distribution).map(([id, amount]) => `${city(id)} ${groupDigits(amount)}`).join('；')],
            ]}
          />
        </>
      )}
    </>
  );
}
