import { errors, jwtVerify, SignJWT } from 'jose';
import { dropOldest } from '../../../../libs/event-store/src/shared/bounded-map.js';
import { isRole, type Actor, type Role, type Scope } from '../../../../libs/ledger/src/context.js';

export const TOKEN_ISSUER = 'concordat';
export const TOKEN_AUDIENCE = 'concordat-api';
/** Longest lifetime `concordat token` will issue: tokens are for people at a keyboard, not for storing. */
export const MAX_TOKEN_TTL_SECONDS = 30 * 86_400;

export interface TokenClaims {
  sub: string;
  role: Role;
  city?: string;
  body?: string;
  fund?: string;
}

/** Why a bearer token was refused; each becomes a 401 problem with this code. */
export class TokenRejectedError extends Error {
  constructor(
    readonly code: 'missing_token' | 'invalid_token' | 'token_expired',
    message: string,
  ) {
    super(message);
    this.name = 'TokenRejectedError';
  }
}

/** Which scope claim each role must carry (and may carry). Admins and auditors act for the whole ledger. */
const SCOPE_KINDS: Record<Role, readonly Scope['kind'][]> = {
  admin: [],
  auditor: [],
  coordinator: ['body'],
  'city-officer': ['city'],
  'finance-officer': ['city', 'fund'],
};

const ID = /^[a-z0-9][a-z0-9._:-]{0,127}$/i;

const secretKey = (secret: string): Uint8Array => new TextEncoder().encode(secret);

/** Checks that the claims name exactly the scope the role needs; returns the actor they describe. */
export function actorFromClaims(claims: Partial<Record<keyof TokenClaims, unknown>>): Actor {
  const { sub, role } = claims;
  if (typeof sub !== 'string' || !ID.test(sub)) throw new TokenRejectedError('invalid_token', 'the token has no valid sub claim');
  if (!isRole(role)) throw new TokenRejectedError('invalid_token', 'the token has no valid role claim');
  const scopes: Scope[] = [];
  for (const kind of ['city', 'body', 'fund'] as const) {
    const id = claims[kind];
    if (id === undefined) continue;
    if (typeof id !== 'string' || !ID.test(id)) throw new TokenRejectedError('invalid_token', `the token's ${kind} claim is not a valid id`);
    scopes.push({ kind, id });
  }
  const allowed = SCOPE_KINDS[role];
  if (scopes.length > 1) throw new TokenRejectedError('invalid_token', 'a token carries at most one of city, body, fund');
  if (allowed.length === 0 && scopes.length > 0) throw new TokenRejectedError('invalid_token', `role ${role} takes no city, body or fund scope`);
  if (allowed.length > 0 && (scopes.length === 0 || !allowed.includes(scopes[0].kind))) {
    throw new TokenRejectedError('invalid_token', `role ${role} needs a ${allowed.join(' or ')} scope`);
  }
  return { id: sub, role, scope: scopes[0] ?? null };
}

/** Parses a lifetime such as `90s`, `30m`, `8h` or `7d` into seconds. */
export function parseTtl(ttl: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(ttl.trim());
  if (match === null) throw new RangeError(`ttl must look like 90s, 30m, 8h or 7d, got "${ttl}"`);
  const seconds = Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  if (seconds < 1 || seconds > MAX_TOKEN_TTL_SECONDS) throw new RangeError(`ttl must be between 1s and ${MAX_TOKEN_TTL_SECONDS / 86_400}d`);
  return seconds;
}

/** Signs an HS256 bearer token. `nowSeconds` is injectable so tests can issue tokens that are already expired. */
export async function issueToken(secret: string, claims: TokenClaims, ttlSeconds: number, nowSeconds: number = Math.floor(Date.now() / 1000)): Promise<string> {
  actorFromClaims(claims);
  const { sub, ...rest } = claims;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + ttlSeconds)
    .sign(secretKey(secret));
}

/**
 * Tokens already verified, so a client sending the same bearer token on every request pays the HMAC (WebCrypto, async,
 * a large share of a command's CPU) once. Keyed by the exact token string and bound to the secret it was verified
 * with; an entry is used only before the token's own expiry. Bounded: the oldest entries go first.
 */
const VERIFIED_TOKENS_MAX = 1_024;
const verifiedTokens = new Map<string, { secret: string; actor: Readonly<Actor>; expiresAtMs: number }>();

/** Verifies signature, algorithm, issuer, audience and expiry, then the claims' shape. */
export async function verifyToken(secret: string, token: string, nowMs: number = Date.now()): Promise<Actor> {
  const known = verifiedTokens.get(token);
  if (known !== undefined && known.secret === secret) {
    if (nowMs < known.expiresAtMs) return known.actor;
    verifiedTokens.delete(token);
  }
  try {
    const { payload } = await jwtVerify(token, secretKey(secret), {
      algorithms: ['HS256'],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      requiredClaims: ['sub', 'exp'],
      currentDate: new Date(nowMs),
    });
    const actor = Object.freeze(actorFromClaims(payload));
    if (typeof payload.exp === 'number') {
      verifiedTokens.set(token, { secret, actor, expiresAtMs: payload.exp * 1000 });
      dropOldest(verifiedTokens, VERIFIED_TOKENS_MAX);
    }
    return actor;
  } catch (error) {
    if (error instanceof TokenRejectedError) throw error;
    if (error instanceof errors.JWTExpired) throw new TokenRejectedError('token_expired', 'the bearer token has expired');
    throw new TokenRejectedError('invalid_token', 'the bearer token is not valid');
  }
}
