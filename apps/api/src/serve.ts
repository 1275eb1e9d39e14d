import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LedgerConfig } from '../../../libs/ledger/src/config.js';
import { issueToken } from './auth/tokens.js';
import { createApp, type CreateAppOptions } from './create-app.js';

/** Lifetime of the admin token printed when the server made its own secret: one working day. */
const DEV_TOKEN_TTL_SECONDS = 8 * 3600;

export interface Serving {
  app: NestFastifyApplication;
  url: string;
  /** The admin token printed for this run, when the secret was generated. */
  devAdminToken: string | null;
}

/** Starts the API on the configured port (what `concordat serve` and `npm start` run). */
export async function serve(config: LedgerConfig, options: CreateAppOptions = {}, print: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<Serving> {
  const app = await createApp(config, options);
  await app.listen(config.port, config.host ?? '::');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `http://localhost:${port}`;
  new Logger('concordat').log(`serving on ${url} (store: ${config.store}${config.store === 'sqlite' ? ` at ${config.sqlitePath}` : ''}); docs at ${url}/docs`);
  let devAdminToken: string | null = null;
  if (config.jwtSecretGenerated) {
    devAdminToken = await issueToken(config.jwtSecret, { sub: 'dev-admin', role: 'admin' }, DEV_TOKEN_TTL_SECONDS);
    print('CONCORDAT_JWT_SECRET is not set: a random secret was made for this run. Admin token (8h):');
    print(devAdminToken);
  }
  return { app, url, devAdminToken };
}
