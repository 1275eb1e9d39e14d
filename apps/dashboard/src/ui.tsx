/** Small shared pieces: load states, band badges, definition lists. */
import type { ComponentChildren } from 'preact';
import { ApiError, isMissingRoute, type Loaded } from './api.js';
import type { Key } from './i18n.js';
import { useWords } from './session.js';

export type Band = 'trusted' | 'watch' | 'low' | 'unrated';
const BAND_KEYS: Record<Band, Key> = { trusted: 'bandTrusted', watch: 'bandWatch', low: 'bandLow', unrated: 'bandUnrated' };
const isBand = (value: string): value is Band => value in BAND_KEYS;

/** A band as text and colour (never colour alone). */
export function BandBadge({ band }: { band: string }) {
  const { t } = useWords();
  return <span class={`badge band-${isBand(band) ? band : 'unrated'}`} data-band={band}>{isBand(band) ? t(BAND_KEYS[band]) : band}</span>;
}

/** Loading, a problem, or the content. A 404 on a whole resource means the server does not offer it yet. */
export function Show<T>({ loaded, children, onRetry }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren; onRetry?: () => void }) {
  const { t } = useWords();
  if (loaded.state === 'loading')
    return (
      <p class="muted" role="status" data-loading="">
        {t('loading')}
      </p>
    );
  if (loaded.state === 'error') {
    const error = loaded.error;
    const unavailable = isMissingRoute(error);
    return (
      <div class="problem" role="alert" data-problem={error instanceof ApiError ? error.status : 'network'}>
        <p>{unavailable ? t('notAvailable') : `${t('errorPrefix')}: ${error.message}`}</p>
        {onRetry === undefined ? null : (
          <button type="button" onClick={onRetry}>
            {t('retry')}
          </button>
        )}
      </div>
    );
  }
  return <>{children(loaded.data)}</>;
}

export function Facts({ rows }: { rows: readonly [label: string, value: ComponentChildren, testId?: string][] }) {
  return (
    <dl class="facts">
      {rows.map(([label, value, testId]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd data-testid={testId}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  const headingId = `${id ?? title.replace(/\W+/g, '-')}-heading`;
  return (
    <section class="card" aria-labelledby={headingId} id={id}>
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  );
}
