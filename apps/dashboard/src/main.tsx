import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { allPages, apiGet, useLoad } from './api.js';
import { htmlLang, translate, type Key, type Lang } from './i18n.js';
import { LangContext, SessionContext, type Session, type TrustBasis } from './session.js';
import './styles.css';
import { forgetToken, loadToken, saveToken } from './storage.js';
import { holderOf, looksLikeToken, type Holder } from './token.js';
import { Show } from './ui.js';
import { AuditView } from './views/audit.js';
import { CommitmentsView } from './views/commitments.js';
import { IncidentsView } from './views/incidents.js';
import { MatrixView } from './views/matrix.js';
import { MoneyView } from './views/money.js';
import { OverviewView } from './views/overview.js';

const VIEWS = [
  { id: 'overview', label: 'viewOverview', View: OverviewView },
  { id: 'matrix', label: 'viewMatrix', View: MatrixView },
  { id: 'money', label: 'viewMoney', View: MoneyView },
  { id: 'commitments', label: 'viewCommitments', View: CommitmentsView },
  { id: 'incidents', label: 'viewIncidents', View: IncidentsView },
  { id: 'audit', label: 'viewAudit', View: AuditView },
] as const satisfies readonly { id: string; label: Key; View: () => preact.JSX.Element }[];

type ViewId = (typeof VIEWS)[number]['id'];
const LANG_KEY = 'concordat.lang';

// Hash routes (#/money): the API owns every path, so the page never needs a server-side fallback for its own routes.
const viewFromHash = (): ViewId => VIEWS.find((v) => `#/${v.id}` === location.hash)?.id ?? 'overview';
const initialLang = (): Lang => (localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh');

interface BodyView {
  bodyId: string;
  name: string;
  members: string[];
}
interface CityView {
  cityId: string;
  name: string;
}

function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [token, setToken] = useState<string | null>(loadToken);
  const [view, setView] = useState<ViewId>(viewFromHash);
  const t = (key: Key, params?: Record<string, string | number>) => translate(lang, key, params);

  useEffect(() => {
    document.documentElement.lang = htmlLang(lang);
    document.title = `${t('appShort')} · concordat`;
    localStorage.setItem(LANG_KEY, lang);
  }, [lang]);
  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const holder = token === null ? null : holderOf(token);
  const signIn = (value: string) => {
    saveToken(value);
    setToken(value.trim());
  };
  const signOut = () => {
    forgetToken();
    setToken(null);
  };

  return (
    <LangContext.Provider value={lang}>
      <a class="skip" href="#main">
        {t('skipToContent')}
      </a>
      <header class="top">
        <div class="brand">
          <svg class="brand-mark" width="28" height="28" viewBox="0 0 28 28" aria-hidden="true">
            <circle cx="9" cy="14" r="7" fill="none" stroke="#93c5fd" stroke-width="3" />
            <circle cx="19" cy="14" r="7" fill="none" stroke="#fcd34d" stroke-width="3" />
          </svg>
          <span>
            <strong>{t('appShort')}</strong>
            <span class="brand-sub">{t('appTitle')}</span>
          </span>
        </div>
        <div class="top-actions">
          {token === null ? null : <HolderBadge holder={holder} lang={lang} onSignOut={signOut} />}
          <button type="button" class="lang" lang={lang === 'zh' ? 'en' : 'zh'} aria-label={t('switchLanguageLabel')} data-testid="switch-language" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>
            {t('switchLanguage')}
          </button>
        </div>
      </header>
      {token === null ? (
        <main id="main" tabIndex={-1}>
          <TokenForm lang={lang} onToken={signIn} />
        </main>
      ) : (
        <Signed token={token} holder={holder} lang={lang} view={view} />
      )}
    </LangContext.Provider>
  );
}

function HolderBadge({ holder, lang, onSignOut }: { holder: Holder | null; lang: Lang; onSignOut: () => void }) {
  const t = (key: Key) => translate(lang, key);
  const roleKey = holder === null ? null : (`role${holder.role.charAt(0).toUpperCase()}${holder.role.slice(1)}` as Key);
  return (
    <div class="holder" data-testid="holder" data-role={holder?.role ?? 'unknown'}>
      <span>
        {t('signedInAs')} <strong>{holder?.sub ?? '?'}</strong> · {roleKey === null ? '?' : t(roleKey)} · {t('scope')}: {holder?.scope === null || holder === null ? t('noScope') : `${holder.scope.kind} ${holder.scope.id}`}
      </span>
      <button type="button" onClick={onSignOut}>
        {t('signOut')}
      </button>
    </div>
  );
}

function TokenForm({ lang, onToken }: { lang: Lang; onToken: (token: string) => void }) {
  const t = (key: Key) => translate(lang, key);
  const [text, setText] = useState('');
  const [invalid, setInvalid] = useState(false);
  const [devToken, setDevToken] = useState<string | null>(null);
  useEffect(() => {
    // Offered only when the server made its own secret for this run (development); otherwise the route answers 404.
    apiGet<{ token: string }>('/dashboard/dev-token', null).then(
      (answer) => setDevToken(answer.token),
      () => setDevToken(null),
    );
  }, []);
  const submit = (event: Event) => {
    event.preventDefault();
    if (!looksLikeToken(text)) {
      setInvalid(true);
      return;
    }
    onToken(text);
  };
  return (
    <section class="card signin" aria-labelledby="signin-heading">
      <h1 id="signin-heading">{t('tokenHeading')}</h1>
      <form onSubmit={submit} noValidate>
        <label for="token">{t('tokenLabel')}</label>
        <p id="token-help" class="muted">
          {t('tokenHelp')}
        </p>
        <textarea
          id="token"
          name="token"
          rows={4}
          spellcheck={false}
          autocomplete="off"
          aria-describedby={invalid ? 'token-help token-error' : 'token-help'}
          aria-invalid={invalid}
          value={text}
          onInput={(e) => {
            setText(e.currentTarget.value);
            setInvalid(false);
          }}
        />
        {invalid ? (
          <p id="token-error" class="error" role="alert">
            {t('tokenInvalid')}
          </p>
        ) : null}
        <button type="submit" class="primary">
          {t('tokenUse')}
        </button>
      </form>
      {devToken === null ? null : (
        <div class="dev-offer">
          <p>{t('tokenDevOffer')}</p>
          <button type="button" data-testid="use-dev-token" onClick={() => onToken(devToken)}>
            {t('tokenDevUse')}
          </button>
        </div>
      )}
    </section>
  );
}

function Signed({ token, holder, lang, view }: { token: string; holder: Holder | null; lang: Lang; view: ViewId }) {
  const t = (key: Key) => translate(lang, key);
  const [directory] = useLoad(`directory:${token}`, async () => {
    const [bodies, cities] = await Promise.all([allPages<BodyView>('/bodies', token, 500), allPages<CityView>('/cities', token, 2000)]);
    return { bodies: bodies.items, cities: cities.items };
  });
  const [chosenBody, setChosenBody] = useState<string | null>(null);
  // Business time by default: trust history is about when commitments were kept, not when they were typed in.
  const [basis, setBasis] = useState<TrustBasis>('occurred');
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    // Moving to another view moves focus to its content, so keyboard and screen-reader users land on it.
    if (first.current) first.current = false;
    else mainRef.current?.focus();
  }, [view]);

  return (
    <Show loaded={directory}>
      {({ bodies, cities }) => {
        const scoped = holder?.scope?.kind === 'body' ? holder.scope.id : null;
        const bodyId = chosenBody ?? scoped ?? bodies[0]?.bodyId ?? null;
        const body = bodies.find((b) => b.bodyId === bodyId) ?? null;
        const Current = VIEWS.find((v) => v.id === view)?.View ?? OverviewView;
        return (
          <div class="layout">
            <nav class="side" aria-label={t('navLabel')}>
              <ul>
                {VIEWS.map((v) => (
                  <li key={v.id}>
                    <a href={`#/${v.id}`} aria-current={v.id === view ? 'page' : undefined} data-testid={`nav-${v.id}`}>
                      {t(v.label)}
                    </a>
                  </li>
                ))}
              </ul>
              <label for="body-select">{t('body')}</label>
              <select id="body-select" value={bodyId ?? ''} onChange={(e) => setChosenBody(e.currentTarget.value)}>
                {bodies.map((b) => (
                  <option key={b.bodyId} value={b.bodyId}>
                    {b.name}
                  </option>
                ))}
              </select>
              <label for="basis-select">{t('basis')}</label>
              <select id="basis-select" value={basis} onChange={(e) => setBasis(e.currentTarget.value === 'recorded' ? 'recorded' : 'occurred')}>
                <option value="occurred">{t('basisOccurred')}</option>
                <option value="recorded">{t('basisRecorded')}</option>
              </select>
            </nav>
            <main id="main" ref={mainRef} tabIndex={-1} data-view={view}>
              {body === null ? (
                <p>{t('noBodies')}</p>
              ) : (
                <SessionProvider token={token} holder={holder} lang={lang} body={body} cities={cities} basis={basis}>
                  <Current key={`${view}:${body.bodyId}:${basis}`} />
                </SessionProvider>
              )}
            </main>
          </div>
        );
      }}
    </Show>
  );
}

function SessionProvider(props: { token: string; holder: Holder | null; lang: Lang; body: BodyView; cities: CityView[]; basis: TrustBasis; children: preact.ComponentChildren }) {
  const { token, holder, lang, body, cities, basis } = props;
  const session = useMemo<Session>(
    () => ({ token, holder, lang, basis, bodyId: body.bodyId, members: body.members, cityNames: new Map(cities.map((c) => [c.cityId, c.name])) }),
    [token, holder, lang, body, cities, basis],
  );
  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>;
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
