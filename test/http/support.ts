import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamicModule, Type } from '@nestjs/common';
import { issueToken, type TokenClaims } from '../../apps/api/src/auth/tokens.js';
import { createApp } from '../../apps/api/src/create-app.js';
import { FakeClock } from '../../libs/event-store/src/clock.js';
import { loadConfig, type LedgerConfig } from '../../libs/ledger/src/config.js';
import { CounterContextModule } from './counter-context.js';

export const SECRET = 'test-secret-that-is-long-enough-for-hs256';

export function testConfig(store: 'memory' | 'sqlite', sqlitePath?: string): LedgerConfig {
  return loadConfig({ CONCORDAT_STORE: store, CONCORDAT_JWT_SECRET: SECRET, ...(sqlitePath === undefined ? {} : { CONCORDAT_SQLITE_PATH: sqlitePath }) });
}

export async function startApp(config: LedgerConfig, contexts: ReadonlyArray<Type | DynamicModule> = [CounterContextModule]): Promise<NestFastifyApplication> {
  return (await startLedgerApi(config, contexts, new FakeClock())).app;
}

/** An API on a fake ledger clock, as the context suites drive it: the app, its clock, and a client for its server. */
export interface LedgerApi {
  app: NestFastifyApplication;
  clock: FakeClock;
  http: () => ReturnType<typeof request>;
}

/** Starts the API with `contexts` on `clock`, with logging off. */
export async function startLedgerApi(config: LedgerConfig, contexts: ReadonlyArray<Type | DynamicModule>, clock: FakeClock): Promise<LedgerApi> {
  const app = await createApp(config, { clock, contexts, logger: false });
  return { app, clock, http: () => request(app.getHttpServer()) };
}

export const bearer = async (claims: TokenClaims, ttlSeconds = 3600): Promise<string> => `Bearer ${await issueToken(SECRET, claims, ttlSeconds)}`;

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'concordat-http-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
