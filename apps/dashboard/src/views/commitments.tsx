/** View 4: commitments, filterable by status, kind, obligor, obligee and due window; overdue marked; a timeline each. */
import { useState } from 'preact/hooks';
import { apiGet, query, useLoad } from '../api.js';
import { formatInstant, formatMoney, groupDigits } from '../format.js';
import { useSession, useWords } from '../session.js';
import { Section, Show } from '../ui.js';

const STATUSES = ['open', 'overdue', 'fulfilled_on_time', 'fulfilled_late', 'closed_short', 'defaulted', 'waived'] as const;
const KINDS = ['information_report', 'supplies', 'personnel', 'equipment', 'funding', 'response', 'drill', 'training', 'platform'] as const;
/** One page is enough for a body's screen; the filters narrow it further. */
const PAGE = 200;

interface Commitment {
  commitmentId: string;
  obligor: string;
  obligee: { kind: string; id: string };
  kind: string;
  description: string;
  promise: { kind: 'quantity'; quantity: string; unit: string } | { kind: 'money'; amount: string; currency: string };
  value: { amount: string; currency: string };
  dueAt: string;
  status: string;
  delivered: string;
}

interface TimelineEntry {
  type: string;
  occurredAt: string;
  recordedAt: string;
  position: string;
  actor: string;
  role: string;
}

interface Filters {
  status: string;
  kind: string;
  obligor: string;
  obligee: string;
  dueFrom: string;
  dueTo: string;
}

const EMPTY: Filters = { status: '', kind: '', obligor: '', obligee: '', dueFrom: '', dueTo: '' };
// Date inputs give a day; the API takes instants: the whole day, UTC.
const dayStart = (day: string): string => (day === '' ? '' : `${day}T00:00:00Z`);
const dayEnd = (day: string): string => (day === '' ? '' : `${day}T23:59:59Z`);

export function CommitmentsView() {
  const { token, bodyId, members } = useSession();
  const { t, c, city } = useWords();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [open, setOpen] = useState<string | null>(null);
  const search = query({
    body: bodyId,
    status: filters.status,
    kind: filters.kind,
    obligor: filters.obligor,
    obligee: filters.obligee,
    dueFrom: dayStart(filters.dueFrom),
    dueTo: dayEnd(filters.dueTo),
    limit: PAGE,
  });
  const [loaded, reload] = useLoad(`commitments:${search}`, () => apiGet<{ items: Commitment[]; nextCursor: string | null }>(`/commitments${search}`, token));
  const set = (name: keyof Filters) => (event: Event) => setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  const cityOptions = members.map((m) => (
    <option key={m} value={m}>
      {city(m)}
    </option>
  ));

  return (
    <>
      <h1>{t('commitmentsHeading')}</h1>
      <Section title={t('filters')} id="commitment-filters">
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            setFilters(draft);
          }}
        >
          <label>
            {t('status')}
            <select name="status" value={draft.status} onChange={set('status')}>
              <option value="">{t('any')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {c(s)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('kind')}
            <select name="kind" value={draft.kind} onChange={set('kind')}>
              <option value="">{t('any')}</option>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {c(k)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('obligor')}
            <select name="obligor" value={draft.obligor} onChange={set('obligor')}>
              <option value="">{t('any')}</option>
              {cityOptions}
            </select>
          </label>
          <label>
            {t('obligee')}
            <select name="obligee" value={draft.obligee} onChange={set('obligee')}>
              <option value="">{t('any')}</option>
              {cityOptions}
              <option value={bodyId}>{bodyId}</option>
            </select>
          </label>
          <label>
            {t('dueFrom')}
            <input type="date" name="dueFrom" value={draft.dueFrom} onInput={set('dueFrom')} />
          </label>
          <label>
            {t('dueTo')}
            <input type="date" name="dueTo" value={draft.dueTo} onInput={set('dueTo')} />
          </label>
          <button type="submit" class="primary">
            {t('apply')}
          </button>
        </form>
      </Section>
      <Show loaded={loaded} onRetry={reload}>
        {(page) =>
          page.items.length === 0 ? (
            <p>{t('noCommitments')}</p>
          ) : (
            <Section title={t('commitmentsHeading')} id="commitment-list">
              <div class="table-wrap">
                <table data-testid="commitments">
                  <thead>
                    <tr>
                      <th scope="col">ID</th>
                      <th scope="col">{t('kind')}</th>
                      <th scope="col">{t('obligor')}</th>
                      <th scope="col">{t('obligee')}</th>
                      <th scope="col">{t('promise')}</th>
                      <th scope="col">{t('delivered')}</th>
                      <th scope="col">{t('due')}</th>
                      <th scope="col">{t('status')}</th>
                      <th scope="col">{t('showTimeline')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((row) => (
                      <tr key={row.commitmentId} data-commitment={row.commitmentId} data-status={row.status} class={row.status === 'overdue' ? 'overdue' : undefined}>
                        <th scope="row">{row.commitmentId}</th>
                        <td>{c(row.kind)}</td>
                        <td>{city(row.obligor)}</td>
                        <td>{row.obligee.kind === 'city' ? city(row.obligee.id) : `${c(row.obligee.kind)} ${row.obligee.id}`}</td>
                        <td class="num">{row.promise.kind === 'money' ? formatMoney(row.promise.amount, row.promise.currency) : `${groupDigits(row.promise.quantity)} ${row.promise.unit}`}</td>
                        <td class="num" data-testid="delivered">
                          {groupDigits(row.delivered)}
                        </td>
                        <td>{formatInstant(row.dueAt)}</td>
                        <td>
                          <span class={`status status-${row.status}`}>
                            {row.status === 'overdue' ? <span aria-hidden="true">⚠ </span> : null}
                            {c(row.status)}
                          </span>
                        </td>
                        <td>
                          <button type="button" aria-expanded={open === row.commitmentId} aria-controls="timeline" onClick={() => setOpen(open === row.commitmentId ? null : row.commitmentId)}>
                            {t('showTimeline')}
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {page.nextCursor === null ? null : <p class="muted">{t('moreRows', { n: page.items.length })}</p>}
            </Section>
          )
        }
      </Show>
      {open === null ? null : <Timeline key={open} commitmentId={open} />}
    </>
  );
}

function Timeline({ commitmentId }: { commitmentId: string }) {
  const { token } = useSession();
  const { t } = useWords();
  const [loaded, reload] = useLoad(`commitment:${commitmentId}`, () => apiGet<{ timeline: TimelineEntry[] }>(`/commitments/${encodeURIComponent(commitmentId)}`, token));
  return (
    <Section title={t('timelineOf', { id: commitmentId })} id="timeline">
      <Show loaded={loaded} onRetry={reload}>
        {(detail) => (
          <ol class="timeline" data-testid="timeline">
            {detail.timeline.map((entry) => (
              <li key={entry.position}>
                <strong>{entry.type}</strong>
                <span>
                  {t('occurredAt')} {formatInstant(entry.occurredAt)} · {t('recordedAt')} {formatInstant(entry.recordedAt)}
                </span>
                <span class="muted">
                  {t('actor')} {entry.actor} ({entry.role}) · {t('position')} {entry.position}
                </span>
              </li>
            ))}
          </ol>
        )}
      </Show>
    </Section>
  );
}
