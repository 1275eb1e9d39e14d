/** What a bearer token says about its holder (decoded for display; the server verifies it), and what the page offers. */

export type Role = 'admin' | 'coordinator' | 'city-officer' | 'finance-officer' | 'auditor' | 'system';

export interface Holder {
  sub: string;
  role: Role;
  scope: { kind: 'city' | 'body' | 'fund'; id: string } | null;
  /** Expiry, seconds since the epoch. */
  exp: number | null;
}

const ROLES: readonly Role[] = ['admin', 'coordinator', 'city-officer', 'finance-officer', 'auditor', 'system'];
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export const looksLikeToken = (text: string): boolean => TOKEN_SHAPE.test(text.trim());

function base64UrlJson(part: string): unknown {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** What the token's claims say; null when it cannot be read (the server would refuse it anyway). */
export function holderOf(token: string): Holder | null {
  if (!looksLikeToken(token)) return null;
  try {
    const claims = base64UrlJson(token.split('.')[1]);
    if (typeof claims !== 'object' || claims === null) return null;
    const record = claims as Record<string, unknown>;
    const role = ROLES.find((r) => r === record.role);
    if (role === undefined || typeof record.sub !== 'string') return null;
    let scope: Holder['scope'] = null;
    for (const kind of ['city', 'body', 'fund'] as const) {
      const id = record[kind];
      if (typeof id === 'string') scope = { kind, id };
    }
    return { sub: record.sub, role, scope, exp: typeof record.exp === 'number' ? record.exp : null };
  } catch {
    return null;
  }
}


/**
 * What the page offers each role. It mirrors the API's @Roles so that a button is shown only to those the API would
 * let through; the API still decides.
 */
export function mayExecuteSettlement(holder: Holder | null, bodyId: string, members: readonly string[]): boolean {
  // The API lets the finance officer of the body's fund, or of one of its member cities, execute its settlement.
  if (holder === null || holder.role !== 'finance-officer' || holder.scope === null) return false;
  return holder.scope.kind === 'fund' ? holder.scope.id === bodyId : holder.scope.kind === 'city' && members.includes(holder.scope.id);
}

/** Verifying the chain changes nothing, but it reads the whole log: offered to those who audit (as the API allows). */
export const mayVerifyChain = (holder: Holder | null): boolean => holder !== null && (holder.role === 'auditor' || holder.role === 'admin');
