import { actorFromClaims, issueToken, parseTtl, TokenRejectedError, verifyToken } from './tokens.js';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!!';

describe('bearer tokens', () => {
  it('round-trips the actor: sub, role and scope', async () => {
    const token = await issueToken(SECRET, { sub: 'officer-7', role: 'city-officer', city: 'lyon' }, 3600);
    await expect(verifyToken(SECRET, token)).resolves.toEqual({ id: 'officer-7', role: 'city-officer', scope: { kind: 'city', id: 'lyon' } });
  });

  it('requires the scope each role acts under, and no other', () => {
    expect(actorFromClaims({ sub: 'c', role: 'coordinator', body: 'delta' }).scope).toEqual({ kind: 'body', id: 'delta' });
    expect(actorFromClaims({ sub: 'f', role: 'finance-officer', fund: 'relief' }).scope).toEqual({ kind: 'fund', id: 'relief' });
    expect(() => actorFromClaims({ sub: 'c', role: 'coordinator', city: 'lyon' })).toThrow(TokenRejectedError);
    expect(() => actorFromClaims({ sub: 'a', role: 'admin', city: 'lyon' })).toThrow(/takes no/);
    expect(() => actorFromClaims({ sub: 'o', role: 'city-officer', city: 'lyon', body: 'delta' })).toThrow(/at most one/);
    expect(() => actorFromClaims({ sub: 'x', role: 'mayor' })).toThrow(/role/);
  });

  it('refuses to issue a token whose claims would be refused', async () => {
    await expect(issueToken(SECRET, { sub: 'o', role: 'city-officer' }, 60)).rejects.toThrow(/needs a city scope/);
  });

  it('parses lifetimes in seconds, minutes, hours and days, within bounds', () => {
    expect(parseTtl('90s')).toBe(90);
    expect(parseTtl('8h')).toBe(28_800);
    expect(parseTtl('7d')).toBe(604_800);
    expect(() => parseTtl('8 hours')).toThrow(RangeError);
    expect(() => parseTtl('0s')).toThrow(RangeError);
    expect(() => parseTtl('365d')).toThrow(RangeError);
  });

  it('trusts a verified token again only under the same secret and only until it expires', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await issueToken(SECRET, { sub: 'auditor-1', role: 'auditor' }, 60, now);
    await expect(verifyToken(SECRET, token, now * 1000)).resolves.toEqual({ id: 'auditor-1', role: 'auditor', scope: null });
    // Remembered, but never under another secret.
    await expect(verifyToken(`${SECRET}-rotated`, token, now * 1000)).rejects.toMatchObject({ code: 'invalid_token' });
    // Remembered, but never past its own expiry.
    await expect(verifyToken(SECRET, token, (now + 61) * 1000)).rejects.toMatchObject({ code: 'token_expired' });
  });
});
