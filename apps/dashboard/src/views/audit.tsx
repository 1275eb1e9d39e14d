/** View 6: the latest digest, a chain verification on demand, and the history browsed by global position. */
import { useState } from 'preact/hooks';
import { apiGet, apiPost, query, useLoad } from '../api.js';
import { formatInstant, shortHash } from '../format.js';
import { useSession, useWords } from '../session.js';
import { mayVerifyChain } from '../token.js';
import { Facts, Section, Show } from '../ui.js';

interface Digest {
  treeSize: string | number;
  root: string;
  headPosition: string | null;
  headHash: string | null;
  createdAt?: string;
  store?: string | { kind: string };
}

interface VerifyReport {
  ok: boolean;
  checked: string | number;
  firstBadPosition: string | null;
  reason: string | null;
}

interface HistoryEvent {
  id: string;
  type: string;
  stream: string;
  position: string;
  recordedAt: string;
  hash?: string;
  metadata?: { correlationId?: string; actor?: string; role?: string };
}

const HISTORY_PAGE = 50;

export function AuditView() {
  const { token, holder } = useSession();
  const { t } = useWords();
  const [digest, reloadDigest] = useLoad('audit:digest', () => apiGet<Digest>('/audit/digest', token));
  const [report, setReport] = useState<VerifyReport | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<string | null>(null);
  const verify = async () => {
    setVerifying(true);
    setVerifyError(null);
    try {
      setReport(await apiPost<VerifyReport>('/audit/verify', {}, token));
    } catch (error) {
      setVerifyError(error instanceof Error ? error.message : String(error));
    } finally {
      setVerifying(false);
    }
  };

  return (
    <>
      <h1>{t('auditHeading')}</h1>
      <Section title={t('digest')} id="digest">
        <Show loaded={digest} onRetry={reloadDigest}>
          {(d) => (
            <Facts
              rows={[
                [t('treeSize'), String(d.treeSize), 'tree-size'],
                [t('root'), <code title={d.root}>{shortHash(d.root)}</code>, 'root'],
                [t('headPosition'), d.headPosition ?? '—', 'head-position'],
                [t('headHash'), d.headHash === null ? '—' : <code title={d.headHash}>{shortHash(d.headHash)}</code>],
                [t('createdAt'), formatInstant(d.createdAt)],
                [t('store'), typeof d.store === 'object' ? d.store.kind : (d.store ?? '—')],
              ]}
            />
          )}
        </Show>
        {mayVerifyChain(holder) ? (
          <div class="verify">
            <button type="button" class="primary" data-testid="verify" disabled={verifying} onClick={verify}>
              {verifying ? t('verifying') : t('verify')}
            </button>
            <div role="status" aria-live="polite" data-testid="verify-result">
              {report === null ? null : report.ok ? (
                <p class="ok">✔ {t('verifyOk', { checked: String(report.checked) })}</p>
              ) : (
                <p class="bad">✘ {t('verifyBad', { position: report.firstBadPosition ?? '?', reason: report.reason ?? '' })}</p>
              )}
              {verifyError === null ? null : <p class="error">{verifyError}</p>}
            </div>
          </div>
        ) : null}
      </Section>
      <History />
    </>
  );
}

function History() {
  const { token } = useSession();
  const { t } = useWords();
  const [after, setAfter] = useState<string>('');
  const [draft, setDraft] = useState<string>('');
  // `after` is a global position; the API's nextCursor is the position to continue after.
  const [loaded, reload] = useLoad(`audit:history:${after}`, () =>
    apiGet<{ items: HistoryEvent[]; nextCursor: string | null }>(`/audit/events${query({ after, limit: HISTORY_PAGE })}`, token),
  );
  return (
    <Section title={t('history')} id="history">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setAfter(/^\d+$/.test(draft.trim()) ? draft.trim() : '');
        }}
      >
        <label>
          {t('after')}
          <input type="text" inputMode="numeric" pattern="[0-9]*" name="after" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary">
          {t('go')}
        </button>
      </form>
      <Show loaded={loaded} onRetry={reload}>
        {(page) =>
          page.items.length === 0 ? (
            <p>{t('noEvents')}</p>
          ) : (
            <>
              <div class="table-wrap">
                <table data-testid="history">
                  <thead>
                    <tr>
                      <th scope="col">{t('position')}</th>
                      <th scope="col">{t('type')}</th>
                      <th scope="col">{t('stream')}</th>
                      <th scope="col">{t('recordedAt')}</th>
                      <th scope="col">{t('actor')}</th>
                      <th scope="col">{t('correlation')}</th>
                      <th scope="col">hash</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((e) => (
                      <tr key={e.id} data-position={e.position}>
                        <th scope="row">{e.position}</th>
                        <td>{e.type}</td>
                        <td>{e.stream}</td>
                        <td>{formatInstant(e.recordedAt)}</td>
                        <td>{e.metadata?.actor ?? '—'}</td>
                        <td>{e.metadata?.correlationId === undefined ? '—' : shortHash(e.metadata.correlationId)}</td>
                        <td>{e.hash === undefined ? '—' : <code title={e.hash}>{shortHash(e.hash)}</code>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div class="pager">
                {after === '' ? null : (
                  <button type="button" onClick={() => (setAfter(''), setDraft(''))}>
                    {t('previous')}
                  </button>
                )}
                {page.nextCursor === null ? null : (
                  <button
                    type="button"
                    data-testid="history-next"
                    onClick={() => {
                      const cursor = page.nextCursor ?? '';
                      setAfter(cursor);
                      setDraft(cursor);
                    }}
                  >
                    {t('next')}
                  </button>
                )}
              </div>
            </>
          )
        }
      </Show>
    </Section>
  );
}
