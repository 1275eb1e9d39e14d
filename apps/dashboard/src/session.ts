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
}

export const SessionContext = createContext<Session | null>(null);

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
  const { lang, cityNames } = useSession();
  return {
    t: (key, params) => translate(lang, key, params),
    c: (value) => code(lang, value),
    city: (id) => cityNames.get(id) ?? id,
  };
}
