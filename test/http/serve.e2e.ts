import request from 'supertest';
import { verifyToken } from '../../apps/api/src/auth/tokens.js';
import { serve } from '../../apps/api/src/serve.js';
import { loadConfig } from '../../libs/ledger/src/config.js';

describe('serving without a configured secret (development)', () => {
  it('listens, and prints an admin token that the running API accepts', async () => {
    const printed: string[] = [];
    const config = loadConfig({ CONCORDAT_STORE: 'memory', PORT: '0' });
    const { app, url, devAdminToken } = await serve(config, { logger: false }, (line) => printed.push(line));
    try {
      expect(devAdminToken).not.toBeNull();
      expect(printed).toContain(devAdminToken);
      // Through the listening socket at the printed address (supertest's agent keeps no connection alive after).
      const health = await request(url).get('/health').expect(200);
      expect(health.body).toMatchObject({ store: { kind: 'memory', headPosition: null } });
      await expect(verifyToken(config.jwtSecret, devAdminToken ?? '')).resolves.toEqual({ id: 'dev-admin', role: 'admin', scope: null });
      const unknown = await request(url).get('/no-such-resource').expect(404);
      expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    } finally {
      await app.close();
    }
  });
});
