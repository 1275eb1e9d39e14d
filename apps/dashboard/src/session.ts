import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { code, translate, type Key, type Lang } from './i18n.js';
import type { Holder } from './token.js';

/** What every view needs: who is signed in, in which language, for which body. */
export interface Session {
  token: string;
  holder: Holder | null;
  lang: Lang;
  bodyId: string;
  /** Member cities of the body, in the body's order. */
  members: readonly string[];
  /** City id → name, for labels. */
  cityNames: ReadonlyMap<string, string>;
  /** Which time trust is read on: business time (occurred) or when the ledger learned it (recorded). */
  basis: TrustBasis;
}

export type TrustBasis = 'occurred' | 'recorded';

export const SessionContext = createContext<Session | null>(null);
/** The language is known before anyone signs in (the sign-in form and load states use it too). */
export const LangContext = createContext<Lang>('zh');

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('a view was rendered outside a session');
  return session;
}

export interface Words {
  t: (key: Key, params?: Record<string, string | number>) => string;
  c: (value: string) => string;
  city: (id: string) => string;
}

export function useWords(): Words {
  const lang = useContext(LangContext);
  const cityNames = useContext(SessionContext)?.cityNames ?? new Map<string, string>();
  return {
    t: (key, params) => translate(lang, key, params),
    c: (value) => code(lang, value),
    city: (id) => cityNames.get(id) ?? id,
  };
}
