/** View 1: member cities ranked by trust, coloured by band, with confidence, a 24-month sparkline and the alliance. */
import { apiGet, query, useLoad } from '../api.js';
import { formatInstant, formatMonth, formatRatio } from '../format.js';
import { useSession, useWords } from '../session.js';
import { BandBadge, Section, Show } from '../ui.js';
import { intervalOf, listOf, rankedCityId, type RankedCity, type SeriesPoint } from '../wire.js';

const MONTHS = 24;

/** The first instant of the month `back` months before now, in UTC. */
function monthsAgo(now: Date, back: number): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)).toISOString();
}

export function OverviewView() {
  const { token, bodyId, basis } = useSession();
  const { t, city } = useWords();
  const [loaded, reload] = useLoad(`overview:${bodyId}:${basis}`, async () => {
    const [ranking, alliance] = await Promise.all([
      apiGet<unknown>(`/trust/bodies/${encodeURIComponent(bodyId)}/ranking${query({ basis })}`, token),
      apiGet<{ members: string[]; asOf?: string }>(`/trust/bodies/${encodeURIComponent(bodyId)}/alliance${query({ basis })}`, token),
    ]);
    const rows = listOf<RankedCity>(ranking, 'ranking', 'cities');
    const now = new Date();
    const range = query({ from: monthsAgo(now, MONTHS), to: now.toISOString(), step: 'month', basis });
    const series = await Promise.all(
      rows.map((row) => apiGet<unknown>(`/trust/cities/${encodeURIComponent(rankedCityId(row))}/series${range}`, token).then((s) => listOf<SeriesPoint>(s, 'points', 'series'))),
    );
    return { rows, alliance, series };
  });

  return (
    <>
      <h1>{t('viewOverview')}</h1>
      <Show loaded={loaded} onRetry={reload}>
        {({ rows, alliance, series }) => (
          <>
            <Section title={t('alliance')} id="alliance">
              {alliance.members.length === 0 ? (
                <p>{t('allianceNone')}</p>
              ) : (
                <ul class="chips" data-testid="alliance">
                  {alliance.members.map((m) => (
                    <li key={m} data-city={m}>
                      <span aria-hidden="true">★ </span>
                      {city(m)}
                    </li>
                  ))}
                </ul>
              )}
              {alliance.asOf === undefined ? null : (
                <p class="muted">
                  {t('asOf')} {formatInstant(alliance.asOf)}
                </p>
              )}
            </Section>
            <Section title={t('membersRanked')} id="ranking">
              <div class="table-wrap">
                <table data-testid="ranking">
                  <thead>
                    <tr>
                      <th scope="col">{t('rank')}</th>
                      <th scope="col">{t('city')}</th>
                      <th scope="col">{t('trust')}</th>
                      <th scope="col">{t('confidence')}</th>
                      <th scope="col">{t('interval')}</th>
                      <th scope="col">{t('band')}</th>
                      <th scope="col">{t('sparkline')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((row, i) => {
                      const id = rankedCityId(row);
                      const member = alliance.members.includes(id);
                      const interval = intervalOf(row);
                      return (
                        <tr key={id} data-city={id} class={`band-row-${row.band}`}>
                          <td>{row.rank}</td>
                          <th scope="row">
                            {city(id)}
                            {member ? (
                              <span class="alliance-mark" title={t('allianceMember')}>
                                {' '}
                                ★<span class="sr-only">{t('allianceMember')}</span>
                              </span>
                            ) : null}
                          </th>
                          <td data-testid="trust" class="num">
                            <span class={`meter band-${row.band}`} style={{ '--v': String(row.trust) }} aria-hidden="true" />
                            {formatRatio(row.trust)}
                          </td>
                          <td data-testid="confidence" class="num">
                            {formatRatio(row.confidence)}
                          </td>
                          <td class="num">{interval === null ? '—' : `${formatRatio(interval[0])} – ${formatRatio(interval[1])}`}</td>
                          <td>
                            <BandBadge band={row.band} />
                          </td>
                          <td>
                            <Sparkline cityLabel={city(id)} points={series[i] ?? []} />
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            </Section>
          </>
        )}
      </Show>
    </>
  );
}

const WIDTH = 160;
const HEIGHT = 36;

/** An inline SVG line of monthly trust (0…1 on a fixed scale), described in words, with its values in a table. */
function Sparkline({ cityLabel, points }: { cityLabel: string; points: readonly SeriesPoint[] }) {
  const { t } = useWords();
  if (points.length === 0) return <span class="muted">—</span>;
  const step = points.length > 1 ? WIDTH / (points.length - 1) : 0;
  const path = points.map((p, i) => `${(i * step).toFixed(1)},${(HEIGHT - 2 - p.trust * (HEIGHT - 4)).toFixed(1)}`).join(' ');
  const last = points[points.length - 1];
  const label = t('sparklineOf', { city: cityLabel, points: points.length, first: formatRatio(points[0].trust), last: formatRatio(last.trust) });
  return (
    <details class="spark">
      <summary aria-label={label}>
        <svg width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label} data-testid="sparkline" data-points={points.length}>
          <line x1="0" x2={WIDTH} y1={HEIGHT - 2 - 0.75 * (HEIGHT - 4)} y2={HEIGHT - 2 - 0.75 * (HEIGHT - 4)} class="spark-threshold" />
          <polyline points={path} class={`spark-line band-stroke-${last.band}`} fill="none" />
        </svg>
      </summary>
      <table class="compact">
        <caption>{t('seriesTable')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('month')}</th>
            <th scope="col">{t('trust')}</th>
            <th scope="col">{t('confidence')}</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.asOf}>
              <th scope="row">{formatMonth(p.asOf)}</th>
              <td class="num">{formatRatio(p.trust)}</td>
              <td class="num">{formatRatio(p.confidence)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
