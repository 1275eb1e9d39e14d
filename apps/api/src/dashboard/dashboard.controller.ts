import { Controller, Get, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { LedgerConfig } from '../../../../libs/ledger/src/config.js';
import { LEDGER_CONFIG } from '../../../../libs/ledger/src/tokens.js';
import { Public } from '../auth/decorators.js';
import { issueToken } from '../auth/tokens.js';
import { ASSET_NAME, CONTENT_SECURITY_POLICY, NOT_BUILT_PAGE } from './dashboard-files.js';

/** The few methods of Express's response this controller uses (the project has no Express typings). */
interface Response extends ServerResponse {
  status(code: number): this;
  type(contentType: string): this;
  send(body: string): this;
  sendFile(path: string, options: { root?: string; dotfiles?: 'deny'; immutable?: boolean; maxAge?: number; headers?: Record<string, string> }): void;
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
  index(@Res() response: Response): void {
    this.sendIndex(response);
  }

  @Public()
  @Get('index.html')
  indexFile(@Res() response: Response): void {
    this.sendIndex(response);
  }

  @Public()
  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() response: Response): void {
    const assets = this.directory === null ? null : join(this.directory, 'assets');
    if (assets === null || !ASSET_NAME.test(file) || !existsSync(join(assets, file))) throw new NotFoundException(`no dashboard asset ${file}`);
    // Names carry a content hash: a new build makes new names, so these may be cached for good.
    response.sendFile(file, { root: assets, dotfiles: 'deny', immutable: true, maxAge: 365 * 86_400_000, headers: { 'X-Content-Type-Options': 'nosniff' } });
  }

  /**
   * Development only: the admin token for a run whose JWT secret was generated at start-up (the one `serve` prints),
   * asked for from this machine. Otherwise the route does not exist (404), so production never hands out a token.
   */
  @Public()
  @Get('dashboard/dev-token')
  async devToken(@Req() request: IncomingMessage): Promise<{ token: string; expiresInSeconds: number }> {
    const local = LOOPBACK.has(request.socket.remoteAddress ?? '');
    if (this.config.production || !this.config.jwtSecretGenerated || !local) throw new NotFoundException('no development token is offered by this server');
    return { token: await issueToken(this.config.jwtSecret, { sub: 'dev-admin', role: 'admin' }, DEV_TOKEN_TTL_SECONDS), expiresInSeconds: DEV_TOKEN_TTL_SECONDS };
  }

  private sendIndex(response: Response): void {
    response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    const index = this.directory === null ? null : join(this.directory, 'index.html');
    if (index === null || !existsSync(index)) {
      response.status(503).type('html').setHeader('Retry-After', '60');
      response.send(NOT_BUILT_PAGE);
      return;
    }
    // The page itself is never cached: a new build must be picked up on the next visit.
    response.sendFile(index, { headers: { 'Cache-Control': 'no-cache' } });
  }
}
