import { Controller, Get, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { LedgerConfig } from '../../../../libs/ledger/src/config.js';
import { LEDGER_CONFIG } from '../../../../libs/ledger/src/tokens.js';
import { Public } from '../auth/decorators.js';
import { issueToken } from '../auth/tokens.js';
import { ASSET_NAME, CONTENT_SECURITY_POLICY, NOT_BUILT_PAGE } from './dashboard-files.js';

/** Media types of what a Vite build puts under assets/ (ASSET_NAME admits nothing else). */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** The file's bytes, or null when it is not there (never built, or a name no build made). */
async function readIfPresent(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    // Duck-typed: file-system errors cross realms (a test's VM context), where instanceof Error does not hold.
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return null;
    throw error;
  }
}

export const DASHBOARD_DIRECTORY = Symbol('concordat.DashboardDirectory');

/** Same lifetime and claims as the admin token `serve` prints when it made its own secret. */
const DEV_TOKEN_TTL_SECONDS = 8 * 3600;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Serves the built dashboard at `/` (same origin as the API, so the same bearer tokens work) and its hashed assets
 * under `/assets/`. The page routes with the URL hash (#/money), so no API path is ever shadowed by a fallback.
 */
@ApiExcludeController()
@Controller()
export class DashboardController {
  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(DASHBOARD_DIRECTORY) private readonly directory: string | null,
  ) {}

  @Public()
  @Get()
  index(@Res() reply: FastifyReply): Promise<void> {
    return this.sendIndex(reply);
  }

  @Public()
  @Get('index.html')
  indexFile(@Res() reply: FastifyReply): Promise<void> {
    return this.sendIndex(reply);
  }

  @Public()
  @Get('assets/:file')
  async asset(@Param('file') file: string, @Res() reply: FastifyReply): Promise<void> {
    // The name is checked before it touches the file system: no slash, no leading dot, a known extension.
    const bytes = this.directory === null || !ASSET_NAME.test(file) ? null : await readIfPresent(join(this.directory, 'assets', file));
    if (bytes === null) throw new NotFoundException(`no dashboard asset ${file}`);
    // Names carry a content hash: a new build makes new names, so these may be cached for good.
    void reply
      .header('Content-Type', MEDIA_TYPES[extname(file)] ?? 'application/octet-stream')
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .header('X-Content-Type-Options', 'nosniff')
      .send(bytes);
  }

  /**
   * Development only: the admin token for a run whose JWT secret was generated at start-up (the one `serve` prints),
   * asked for from this machine. Otherwise the route does not exist (404), so production never hands out a token.
   */
  @Public()
  @Get('dashboard/dev-token')
  async devToken(@Req() request: FastifyRequest): Promise<{ token: string; expiresInSeconds: number }> {
    const local = LOOPBACK.has(request.socket.remoteAddress ?? '');
    if (this.config.production || !this.config.jwtSecretGenerated || !local) throw new NotFoundException('no development token is offered by this server');
    return { token: await issueToken(this.config.jwtSecret, { sub: 'dev-admin', role: 'admin' }, DEV_TOKEN_TTL_SECONDS), expiresInSeconds: DEV_TOKEN_TTL_SECONDS };
  }

  private async sendIndex(reply: FastifyReply): Promise<void> {
    reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY).header('X-Content-Type-Options', 'nosniff').header('Referrer-Policy', 'no-referrer');
    const page = this.directory === null ? null : await readIfPresent(join(this.directory, 'index.html'));
    if (page === null) {
      void reply.code(503).header('Content-Type', 'text/html; charset=utf-8').header('Retry-After', '60').send(NOT_BUILT_PAGE);
      return;
    }
    // The page itself is never cached: a new build must be picked up on the next visit.
    void reply.header('Content-Type', 'text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(page);
  }
}
