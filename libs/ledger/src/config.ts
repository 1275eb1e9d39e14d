import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export type StoreChoice = 'sqlite' | 'memory' | 'esdb';
export type SqliteSynchronous = 'FULL' | 'NORMAL';

/** The validated configuration the ledger runs with. Built once at start-up from the environment. */
export interface LedgerConfig {
  port: number;
  /** Address the API listens on: `::` (every IPv6 and IPv4 address, as Node does by default) unless HOST says otherwise. */
  host?: string;
  production: boolean;
  store: StoreChoice;
  /** Absolute path of the SQLite file (store = sqlite). */
  sqlitePath: string;
  /** FULL keeps an acknowledged append across power loss; NORMAL trades that for speed. */
  sqliteSynchronous: SqliteSynchronous;
  /** Concurrent appends share one durable transaction (one fsync); per-stream revision checks are unchanged. */
  sqliteGroupCommit: boolean;
  esdbUrl: string | null;
  /**
   * Directory of read-model snapshots; null or absent: none (every start replays the log). SQLite: `<file>.snapshots`
   * beside the log unless CONCORDAT_SNAPSHOT_DIR says otherwise; EventStoreDB: CONCORDAT_SNAPSHOT_DIR; memory: none.
   */
  snapshotDir?: string | null;
  jwtSecret: string;
  /** True when no secret was configured and one was made for this run (dev only): the caller prints an admin token. */
  jwtSecretGenerated: boolean;
}

/** One or more environment variables are invalid. The message names each of them. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const MIN_SECRET_BYTES = 32;
const STORES: readonly StoreChoice[] = ['sqlite', 'memory', 'esdb'];

type Env = Readonly<Record<string, string | undefined>>;

function present(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Validates the environment and returns the configuration, or throws a ConfigError listing every invalid variable.
 * Side effect: creates the SQLite file's directory when the SQLite store is chosen.
 */
export function loadConfig(env: Env = process.env): LedgerConfig {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';

  let port = 3000;
  const portText = present(env, 'PORT');
  if (portText !== undefined) {
    const parsed = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
      problems.push(`PORT must be an integer from 0 to 65535, got "${portText}"`);
    } else {
      port = parsed;
    }
  }

  let host = '::';
  const hostText = present(env, 'HOST');
  if (hostText !== undefined) {
    if (/^[A-Za-z0-9.:-]{1,253}$/.test(hostText)) host = hostText;
    else problems.push(`HOST must be a host name or an IPv4/IPv6 address, got "${hostText}"`);
  }

  let store: StoreChoice = 'sqlite';
  const storeText = present(env, 'CONCORDAT_STORE');
  if (storeText !== undefined) {
    const match = STORES.find((s) => s === storeText);
    if (match === undefined) problems.push(`CONCORDAT_STORE must be one of ${STORES.join(', ')}, got "${storeText}"`);
    else store = match;
  }

  const sqlitePath = resolve(present(env, 'CONCORDAT_SQLITE_PATH') ?? './data/concordat.sqlite');

  let sqliteSynchronous: SqliteSynchronous = 'FULL';
  const syncText = present(env, 'CONCORDAT_SQLITE_SYNCHRONOUS');
  if (syncText !== undefined) {
    const upper = syncText.toUpperCase();
    if (upper === 'FULL' || upper === 'NORMAL') sqliteSynchronous = upper;
    else problems.push(`CONCORDAT_SQLITE_SYNCHRONOUS must be FULL or NORMAL, got "${syncText}"`);
  }

  let sqliteGroupCommit = true;
  const groupText = present(env, 'CONCORDAT_SQLITE_GROUP_COMMIT');
  if (groupText !== undefined) {
    if (groupText === 'on' || groupText === 'off') sqliteGroupCommit = groupText === 'on';
    else problems.push(`CONCORDAT_SQLITE_GROUP_COMMIT must be on or off, got "${groupText}"`);
  }

  const esdbUrl = present(env, 'CONCORDAT_ESDB_URL') ?? null;
  if (store === 'esdb' && esdbUrl === null) {
    problems.push('CONCORDAT_ESDB_URL is required when CONCORDAT_STORE=esdb (e.g. esdb://localhost:2113?tls=false)');
  } else if (esdbUrl !== null && !/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\/\S+$/.test(esdbUrl)) {
    problems.push(`CONCORDAT_ESDB_URL must be an esdb:// or esdb+discover:// connection string, got "${esdbUrl}"`);
  }

  const snapshotText = present(env, 'CONCORDAT_SNAPSHOT_DIR');
  const snapshotDir = store === 'memory' ? null : snapshotText !== undefined ? resolve(snapshotText) : store === 'sqlite' ? `${sqlitePath}.snapshots` : null;

  let jwtSecret = present(env, 'CONCORDAT_JWT_SECRET');
  let jwtSecretGenerated = false;
  if (jwtSecret === undefined) {
    if (production) {
      problems.push('CONCORDAT_JWT_SECRET is required when NODE_ENV=production (at least 32 bytes)');
    } else {
      jwtSecret = randomBytes(MIN_SECRET_BYTES).toString('base64url');
      jwtSecretGenerated = true;
    }
  } else if (Buffer.byteLength(jwtSecret, 'utf8') < MIN_SECRET_BYTES) {
    // HS256 with a short secret is brute-forceable offline from any token.
    problems.push(`CONCORDAT_JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes long`);
  }

  if (problems.length > 0 || jwtSecret === undefined) throw new ConfigError(problems);

  if (store === 'sqlite') {
    try {
      mkdirSync(dirname(sqlitePath), { recursive: true });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError([`CONCORDAT_SQLITE_PATH: cannot create the directory of ${sqlitePath}: ${reason}`]);
    }
  }

  return { port, host, production, store, sqlitePath, sqliteSynchronous, sqliteGroupCommit, esdbUrl, snapshotDir, jwtSecret, jwtSecretGenerated };
}
