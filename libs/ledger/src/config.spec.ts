import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.js';

const SECRET = 's'.repeat(40);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('configuration from the environment', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'concordat-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to port 3000 and the SQLite store with full durability, creating the file directory', () => {
    const sqlitePath = join(dir, 'nested', 'ledger.sqlite');
    const config = loadConfig({ CONCORDAT_SQLITE_PATH: sqlitePath, CONCORDAT_JWT_SECRET: SECRET });
    expect(config).toMatchObject({ port: 3000, store: 'sqlite', sqlitePath, sqliteSynchronous: 'FULL', sqliteGroupCommit: true, jwtSecret: SECRET, jwtSecretGenerated: false });
    expect(existsSync(join(dir, 'nested'))).toBe(true);
  });

  it('makes a random secret for the run outside production when none is set', () => {
    const a = loadConfig({ CONCORDAT_STORE: 'memory' });
    const b = loadConfig({ CONCORDAT_STORE: 'memory' });
    expect(a.jwtSecretGenerated).toBe(true);
    expect(a.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(a.jwtSecret).not.toBe(b.jwtSecret);
  });

  it('refuses to start in production without a secret', () => {
    expect(problemsOf({ NODE_ENV: 'production', CONCORDAT_STORE: 'memory' })).toEqual([expect.stringContaining('CONCORDAT_JWT_SECRET')]);
  });

  it('names every invalid variable at once', () => {
    const problems = problemsOf({ PORT: '70000', CONCORDAT_STORE: 'postgres', CONCORDAT_SQLITE_SYNCHRONOUS: 'OFF', CONCORDAT_JWT_SECRET: 'short' });
    expect(problems).toEqual([
      expect.stringContaining('PORT'),
      expect.stringContaining('CONCORDAT_STORE'),
      expect.stringContaining('CONCORDAT_SQLITE_SYNCHRONOUS'),
      expect.stringContaining('CONCORDAT_JWT_SECRET'),
    ]);
  });

  it('requires an EventStoreDB connection string for the esdb store', () => {
    expect(problemsOf({ CONCORDAT_STORE: 'esdb', CONCORDAT_JWT_SECRET: SECRET })).toEqual([expect.stringContaining('CONCORDAT_ESDB_URL')]);
    expect(problemsOf({ CONCORDAT_STORE: 'esdb', CONCORDAT_ESDB_URL: 'http://x', CONCORDAT_JWT_SECRET: SECRET })).toEqual([expect.stringContaining('CONCORDAT_ESDB_URL')]);
    expect(loadConfig({ CONCORDAT_STORE: 'esdb', CONCORDAT_ESDB_URL: 'esdb://localhost:2113?tls=false', CONCORDAT_JWT_SECRET: SECRET }).esdbUrl).toBe('esdb://localhost:2113?tls=false');
  });

  it('accepts NORMAL durability and a port given as digits', () => {
    const config = loadConfig({ PORT: '8080', CONCORDAT_STORE: 'memory', CONCORDAT_SQLITE_SYNCHRONOUS: 'normal', CONCORDAT_JWT_SECRET: SECRET });
    expect(config).toMatchObject({ port: 8080, host: '::', sqliteSynchronous: 'NORMAL' });
    expect(loadConfig({ HOST: '127.0.0.1', CONCORDAT_STORE: 'memory', CONCORDAT_JWT_SECRET: SECRET }).host).toBe('127.0.0.1');
    expect(problemsOf({ PORT: '80a' })).toEqual([expect.stringContaining('PORT')]);
    expect(problemsOf({ HOST: 'in valid' })).toEqual([expect.stringContaining('HOST')]);
  });

  it('shares one durable transaction among concurrent appends unless group commit is turned off', () => {
    expect(loadConfig({ CONCORDAT_STORE: 'memory', CONCORDAT_JWT_SECRET: SECRET }).sqliteGroupCommit).toBe(true);
    expect(loadConfig({ CONCORDAT_STORE: 'memory', CONCORDAT_SQLITE_GROUP_COMMIT: 'off', CONCORDAT_JWT_SECRET: SECRET }).sqliteGroupCommit).toBe(false);
    expect(problemsOf({ CONCORDAT_SQLITE_GROUP_COMMIT: 'yes' })).toEqual([expect.stringContaining('CONCORDAT_SQLITE_GROUP_COMMIT')]);
  });

  it('keeps read-model snapshots beside the SQLite file unless told where, and none for the memory store', () => {
    const sqlite = loadConfig({ CONCORDAT_SQLITE_PATH: join(dir, 'ledger.sqlite'), CONCORDAT_JWT_SECRET: SECRET });
    expect(sqlite.snapshotDir).toBe(`${join(dir, 'ledger.sqlite')}.snapshots`);
    expect(loadConfig({ CONCORDAT_SQLITE_PATH: join(dir, 'ledger.sqlite'), CONCORDAT_SNAPSHOT_DIR: join(dir, 'snaps'), CONCORDAT_JWT_SECRET: SECRET }).snapshotDir).toBe(join(dir, 'snaps'));
    expect(loadConfig({ CONCORDAT_STORE: 'memory', CONCORDAT_JWT_SECRET: SECRET }).snapshotDir).toBeNull();
  });
});
