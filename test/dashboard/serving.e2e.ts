/** The API serves the dashboard's files at `/`, works before they are built, and offers a token only in development. */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { verifyToken } from '../../apps/api/src/auth/tokens.js';
import { createApp } from '../../apps/api/src/create-app.js';
import { DashboardModule } from '../../apps/api/src/dashboard/dashboard.module.js';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import { loadConfig, type LedgerConfig } from '../../libs/ledger/src/config.js';
import { tempDir, testConfig } from '../http/support.js';

const start = (config: LedgerConfig, directory: string): Promise<NestFastifyApplication> =>
  createApp(config, { clock: new FakeClock(), contexts: [DashboardModule.register({ directory })], logger: false });

describe('serving the dashboard from the API', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());

  it('answers / with a 503 page saying to run the build when the dashboard was not built, and the API keeps working', async () => {
    const app = await start(testConfig('memory'), join(temp.dir, 'never-built'));
    try {
      const page = await request(app.getHttpServer()).get('/').expect(503);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('npm run build');
      await request(app.getHttpServer()).get('/health').expect(200);
      const unknown = await request(app.getHttpServer()).get('/no-such-resource').expect(404);
      expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    } finally {
      await app.close();
    }
  });

  it('serves the page with a strict content policy and its hashed assets for good, and nothing outside them', async () => {
    const built = join(temp.dir, 'built');
    mkdirSync(join(built, 'assets'), { recursive: true });
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>concordat</title><div id="app"></div>');
    writeFileSync(join(built, 'assets', 'index-AbC123.js'), 'console.log("dashboard")');
    writeFileSync(join(built, 'secret.txt'), 'not an asset');
    const app = await start(testConfig('memory'), built);
    try {
      const http = () => request(app.getHttpServer());
      const page = await http().get('/').expect(200);
      expect(page.text).toContain('<div id="app">');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['cache-control']).toBe('no-cache');
      const asset = await http().get('/assets/index-AbC123.js').expect(200);
      expect(asset.headers['cache-control']).toContain('immutable');
      expect(asset.text).toContain('dashboard');
      await http().get('/assets/missing-1.js').expect(404);
      await http().get('/assets/..%2Fsecret.txt').expect(404);
      await http().get('/assets/.hidden.js').expect(404);
      await http().get('/secret.txt').expect(404);
    } finally {
      await app.close();
    }
  });

  it('offers the local admin token only when the secret was generated for this run, never with a configured one', async () => {
    const generated = loadConfig({ CONCORDAT_STORE: 'memory' });
    expect(generated.jwtSecretGenerated).toBe(true);
    const development = await start(generated, temp.dir);
    try {
      const answer = await request(development.getHttpServer()).get('/dashboard/dev-token').expect(200);
      await expect(verifyToken(generated.jwtSecret, answer.body.token as string)).resolves.toEqual({ id: 'dev-admin', role: 'admin', scope: null });
    } finally {
      await development.close();
    }
    const configured = await start(testConfig('memory'), temp.dir);
    try {
      await request(configured.getHttpServer()).get('/dashboard/dev-token').expect(404);
    } finally {
      await configured.close();
    }
  });
});
