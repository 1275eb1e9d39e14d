/** View 2: pair trust as a heat map (truster rows × trustee columns); a cell opens the contributions behind it. */
import { useState } from 'preact/hooks';
import { apiGet, query, useLoad } from '../api.js';
import { formatInstant, formatRatio } from '../format.js';
import { useSession, useWords } from '../session.js';
import { BandBadge, Section, Show } from '../ui.js';
import { cellOf, listOf, type MatrixCell, type TrustAnswer } from '../wire.js';

export function MatrixView() {
  const { token, bodyId, basis } = useSession();
  const { t, city } = useWords();
  const [selected, setSelected] = useState<{ truster: string; trustee: string } | null>(null);
  const [loaded, reload] = useLoad(`matrix:${bodyId}:${basis}`, async () => {
    const answer = await apiGet<{ members?: string[]; asOf?: string }>(`/trust/bodies/${encodeURIComponent(bodyId)}/matrix${query({ basis })}`, token);
    const cells = listOf<TrustAnswer & Partial<MatrixCell>>(answer, 'cells', 'pairs')
      .map(cellOf)
      .filter((c): c is MatrixCell => c !== null);
    return { members: answer.members ?? [], asOf: answer.asOf ?? null, cells };
  });

  return (
    <>
      <h1>{t('viewMatrix')}</h1>
      <Show loaded={loaded} onRetry={reload}>
        {({ members, asOf, cells }) => {
          const byPair = new Map(cells.map((c) => [`${c.truster}\u0000${c.trustee}`, c]));
          return (
            <Section title={t('viewMatrix')} id="matrix">
              <div class="table-wrap">
                {/* The heat map is a table: every cell is a button with its number, so it is a chart and its own alternative. */}
                <table class="heatmap" data-testid="matrix">
                  <caption>
                    {t('matrixCaption')}
                    {asOf === null ? '' : ` ${t('asOf')} ${formatInstant(asOf)}.`}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">
                        {t('truster')} \ {t('trustee')}
                      </th>
                      {members.map((m) => (
                        <th scope="col" key={m}>
                          {city(m)}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {members.map((truster) => (
                      <tr key={truster}>
                        <th scope="row">{city(truster)}</th>
                        {members.map((trustee) => {
                          const cell = byPair.get(`${truster}\u0000${trustee}`);
                          if (truster === trustee || cell === undefined) {
                            return (
                              <td key={trustee} class="self">
                                <span class="sr-only">{t('selfPair')}</span>
                              </td>
                            );
                          }
                          const active = selected?.truster === truster && selected.trustee === trustee;
                          return (
                            <td key={trustee} class={`heat band-${cell.band}`} style={{ '--v': String(cell.trust) }}>
                              <button
                                type="button"
                                data-truster={truster}
                                data-trustee={trustee}
                                aria-pressed={active}
                                aria-label={`${city(truster)} → ${city(trustee)}: ${t('trust')} ${formatRatio(cell.trust)}, ${t('confidence')} ${formatRatio(cell.confidence)}`}
                                onClick={() => setSelected({ truster, trustee })}
                              >
                                <span class="heat-value">{formatRatio(cell.trust)}</span>
                                <span class="heat-conf">{formatRatio(cell.confidence)}</span>
                              </button>
                            </td>
                          );
                        })}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p class="legend muted">
                <BandBadge band="trusted" /> <BandBadge band="watch" /> <BandBadge band="low" /> <BandBadge band="unrated" /> · {t('trust')} / {t('confidence')}
              </p>
            </Section>
          );
        }}
      </Show>
      {selected === null ? null : <Explanation key={`${selected.truster}:${selected.trustee}`} truster={selected.truster} trustee={selected.trustee} onClose={() => setSelected(null)} />}
    </>
  );
}

function Explanation({ truster, trustee, onClose }: { truster: string; trustee: string; onClose: () => void }) {
  const { token, basis } = useSession();
  const { t, c, city } = useWords();
  const [loaded, reload] = useLoad(`pair:${truster}:${trustee}:${basis}`, () =>
    apiGet<TrustAnswer>(`/trust/pairs/${encodeURIComponent(truster)}/${encodeURIComponent(trustee)}${query({ explain: 'true', basis })}`, token),
  );
  return (
    <Section title={t('contributionsOf', { truster: city(truster), trustee: city(trustee) })} id="explanation">
      <button type="button" class="close" onClick={onClose}>
        {t('close')}
      </button>
      <Show loaded={loaded} onRetry={reload}>
        {(answer) => {
          const rows = answer.contributions ?? [];
          return (
            <>
              <p>
                {t('trust')} <strong data-testid="pair-trust">{formatRatio(answer.trust)}</strong> · {t('confidence')} {formatRatio(answer.confidence)} · <BandBadge band={answer.band} />
              </p>
              {rows.length === 0 ? (
                <p>{t('noContributions')}</p>
              ) : (
                <div class="table-wrap">
                  <table data-testid="contributions">
                    <thead>
                      <tr>
                        <th scope="col">{t('at')}</th>
                        <th scope="col">{t('source')}</th>
                        <th scope="col">{t('subject')}</th>
                        <th scope="col">{t('outcome')}</th>
                        <th scope="col">{t('weight')}</th>
                        <th scope="col">{t('quality')}</th>
                        <th scope="col">{t('decay')}</th>
                        <th scope="col">r</th>
                        <th scope="col">s</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((row) => (
                        <tr key={row.eventId}>
                          <td>{formatInstant(row.at)}</td>
                          <td>{c(row.source)}</td>
                          <td>{row.source === 'commitment' ? row.commitmentId : row.findingId}</td>
                          <td>{row.source === 'commitment' ? c(row.outcome) : `${c(row.finding)} (${row.severity})`}</td>
                          <td class="num">{row.source === 'commitment' ? formatRatio(row.weight) : '—'}</td>
                          <td class="num">{row.source === 'commitment' ? formatRatio(row.quality) : '—'}</td>
                          <td class="num">{formatRatio(row.decay)}</td>
                          <td class="num">{formatRatio(row.r)}</td>
                          <td class="num">{formatRatio(row.s)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              {answer.omittedContributions !== undefined && answer.omittedContributions > 0 ? <p class="muted">{t('omitted', { n: answer.omittedContributions })}</p> : null}
              {answer.anomalies !== undefined && answer.anomalies.length > 0 ? (
                <>
                  <h3>{t('anomalies')}</h3>
                  <ul>
                    {answer.anomalies.map((a) => (
                      <li key={a.eventId}>
                        {formatInstant(a.at)} · {a.subject} · {a.reason}
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
            </>
          );
        }}
      </Show>
    </Section>
  );
}
