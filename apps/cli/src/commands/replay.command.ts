import type { Command } from 'commander';
import { ProgressReporter } from '../../../../libs/ledger/src/audit/progress.js';
import type { ReadModelDigest } from '../../../../libs/ledger/src/audit/rebuild.js';
import type { BuildLimit } from '../../../../libs/ledger/src/projection-runner.js';
import { CliError, type CliIo } from '../io.js';
import type { CliCommand } from './command.js';
import { auditConfig, openAuditedStore, parsePosition } from './export.command.js';

const REQUEST_TIMEOUT_MS = 60_000;
/** Largest answer read from a server: digests and proofs are a few KiB. */
const MAX_ANSWER_BYTES = 1024 * 1024;

export interface ServerOptions {
  server?: string;
  token?: string;
}

/** GET a JSON answer from a concordat server's audit API, with the bearer token from --token or CONCORDAT_TOKEN. */
export async function fetchAuditJson(io: CliIo, options: ServerOptions & { server: string }, path: string): Promise<unknown> {
  let url: URL;
  try {
    url = new URL(path, options.server.endsWith('/') ? options.server : `${options.server}/`);
  } catch {
    throw new CliError(`--server ${options.server} is not a URL`);
  }
  const token = options.token ?? io.env.CONCORDAT_TOKEN;
  if (token === undefined || token.trim() === '') throw new CliError('a server needs a bearer token: --token or CONCORDAT_TOKEN (concordat token --role auditor)');
  let response: Response;
  try {
    response = await fetch(url, { headers: { Authorization: `Bearer ${token.trim()}`, Accept: 'application/json' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new CliError(`${url.origin} did not answer: ${error instanceof Error ? error.message : String(error)}`);
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_ANSWER_BYTES) throw new CliError(`${url.pathname}: the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
  const text = await response.text();
  if (text.length > MAX_ANSWER_BYTES) throw new CliError(`${url.pathname}: the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(`${url.pathname} answered ${response.status} with something other than JSON`);
  }
  if (!response.ok) {
    const detail = typeof body === 'object' && body !== null && 'detail' in body && typeof body.detail === 'string' ? body.detail : text.slice(0, 200);
    throw new CliError(`${url.pathname} answered ${response.status}: ${detail}`);
  }
  return body;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The server's GET /audit/state-digests answer, checked field by field. */
function parseLiveDigests(body: unknown): { position: string | null; readModels: ReadModelDigest[] } {
  if (!isRecord(body) || !(body.position === null || typeof body.position === 'string') || !Array.isArray(body.readModels)) {
    throw new CliError('the server answered state digests in an unexpected shape');
  }
  const readModels = body.readModels.map((m): ReadModelDigest => {
    if (!isRecord(m) || typeof m.name !== 'string' || typeof m.version !== 'number' || typeof m.digest !== 'string') {
      throw new CliError('the server answered a state digest in an unexpected shape');
    }
    return { name: m.name, version: m.version, digest: m.digest };
  });
  if (body.position !== null && !/^(0|[1-9][0-9]{0,18})$/.test(body.position)) throw new CliError('the server answered a position that is not one');
  return { position: body.position, readModels };
}

interface ReplayOptions extends ServerOptions {
  asOf?: string;
  position?: string;
}

export const replayCommand: CliCommand = {
  name: 'replay',
  register(program: Command, io: CliIo): void {
    program
      .command('replay')
      .description(
        'rebuild every read model the server registers from zero, from the configured store, into fresh instances, and print ' +
          'their state digests; with --server, at the server’s checkpoint, compared with its live digests (exit 1 on any difference)',
      )
      .option('--as-of <instant>', 'replay the events recorded at or before this ISO-8601 instant')
      .option('--position <position>', 'replay up to this global position (inclusive)')
      .option('--server <url>', 'a running concordat server on the same store: compare with its live state digests')
      .option('--token <jwt>', 'bearer token for --server (default: CONCORDAT_TOKEN)')
      .action(async (options: ReplayOptions) => {
        const position = parsePosition('--position', options.position);
        if (options.asOf !== undefined && position !== undefined) throw new CliError('give --as-of or --position, not both');
        if (options.asOf !== undefined && Number.isNaN(Date.parse(options.asOf))) throw new CliError(`--as-of must be an ISO-8601 instant; got ${options.asOf}`);
        if (options.server !== undefined && (options.asOf !== undefined || position !== undefined)) {
          throw new CliError('--server compares at the server’s own checkpoint: leave out --as-of and --position');
        }
        const live = options.server === undefined ? null : parseLiveDigests(await fetchAuditJson(io, { ...options, server: options.server }, 'audit/state-digests'));
        const limit: BuildLimit =
          live !== null
            ? live.position === null
              ? { untilPosition: -1n }
              : { untilPosition: BigInt(live.position) }
            : position !== undefined
              ? { untilPosition: position }
              : options.asOf !== undefined
                ? { untilRecordedAt: options.asOf }
                : { untilHead: true };

        const config = auditConfig(io.env);
        const store = await openAuditedStore(config);
        const { openOfflineAudit } = await import('../../../api/src/audit/offline.js');
        const offline = await openOfflineAudit(config, store);
        const progress: { reporter: ProgressReporter | null } = { reporter: null };
        const rebuilt = await offline.audit
          .rebuildAll(limit, (p) => {
            progress.reporter ??= new ProgressReporter('replay', p.eventsTotal, { write: io.err });
            progress.reporter.update(p.eventsApplied);
          })
          .finally(() => offline.close());
        (progress.reporter ?? new ProgressReporter('replay', 0, { write: io.err })).finish(rebuilt.eventsApplied);

        if (live === null) {
          io.out(JSON.stringify(rebuilt, null, 2));
          return;
        }
        const liveByName = new Map(live.readModels.map((m) => [m.name, m]));
        const names = [...new Set([...live.readModels.map((m) => m.name), ...rebuilt.readModels.map((m) => m.name)])].sort();
        const rebuiltByName = new Map(rebuilt.readModels.map((m) => [m.name, m]));
        const readModels = names.map((name) => {
          const l = liveByName.get(name);
          const r = rebuiltByName.get(name);
          return { name, live: l?.digest ?? null, rebuilt: r?.digest ?? null, equal: l !== undefined && r !== undefined && l.digest === r.digest && l.version === r.version };
        });
        const equal = readModels.every((m) => m.equal);
        io.out(JSON.stringify({ position: live.position, eventsApplied: rebuilt.eventsApplied, equal, readModels }, null, 2));
        if (!equal) {
          const differing = readModels.filter((m) => !m.equal).map((m) => m.name);
          throw new CliError(`the rebuilt state differs from the server's live state at position ${live.position ?? '(empty log)'}: ${differing.join(', ')}`);
        }
      });
  },
};
