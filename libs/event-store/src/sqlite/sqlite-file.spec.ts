import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { FakeClock } from '../clock.js';
import { StoreFileError } from '../errors.js';
import { openSqliteEventStore } from './sqlite-event-store.js';
import { APPLICATION_ID, SCHEMA_VERSION } from './schema.js';
import { tempLogPath, transfers } from './test-support.js';

describe('SQLite log file', () => {
  let file: ReturnType<typeof tempLogPath>;
  beforeEach(() => {
    file = tempLogPath();
  });
  afterEach(() => file.remove());

  const refusal = (): StoreFileError => {
    try {
      openSqliteEventStore({ path: file.path });
    } catch (error) {
      if (error instanceof StoreFileError) return error;
      throw error;
    }
    throw new Error('the file should have been refused');
  };

  it('creates a new log marked as concordat’s, at the current schema version, in WAL mode', async () => {
    const store = openSqliteEventStore({ path: file.path });
    await store.appendToStream('fund-a', transfers(1), 'no_stream');
    await store.close();
    const db = new Database(file.path, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a file that is not an SQLite database and leaves it byte for byte', () => {
    const garbage = Buffer.from('these are the minutes of the council of Lyon, not a database '.repeat(100));
    writeFileSync(file.path, garbage);
    expect(refusal().message).toContain('not an SQLite database');
    expect(readFileSync(file.path).equals(garbage)).toBe(true);
  });

  it('refuses a corrupt log whose pages were overwritten', async () => {
    const store = openSqliteEventStore({ path: file.path });
    await store.appendToStream('fund-a', transfers(200), 'no_stream');
    await store.close();
    const bytes = readFileSync(file.path);
    bytes.fill(0xa5, 100, 4096 * 2);
    writeFileSync(file.path, bytes);
    expect(refusal()).toBeInstanceOf(StoreFileError);
    expect(readFileSync(file.path).equals(bytes)).toBe(true);
  });

  it('refuses another application’s SQLite database and leaves it unchanged', () => {
    const db = new Database(file.path);
    db.exec("CREATE TABLE ledger (entry TEXT); INSERT INTO ledger VALUES ('kept')");
    db.close();
    const before = readFileSync(file.path);
    expect(refusal().message).toContain('another application');
    expect(readFileSync(file.path).equals(before)).toBe(true);
  });

  it('refuses a log written by a newer schema version', () => {
    const db = new Database(file.path);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.exec('CREATE TABLE events (position INTEGER PRIMARY KEY)');
    db.close();
    expect(refusal().message).toContain('newer than this build');
  });

  it('refuses an older schema version it has no migration for, saying so', () => {
    const db = new Database(file.path);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.exec('CREATE TABLE events (position INTEGER PRIMARY KEY, body TEXT)');
    db.close();
    const before = readFileSync(file.path);
    expect(refusal().message).toContain('cannot migrate');
    expect(readFileSync(file.path).equals(before)).toBe(true);
  });

  it('refuses a file that claims the current version but holds a different table', () => {
    const db = new Database(file.path);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    db.exec('CREATE TABLE events (position INTEGER PRIMARY KEY, body TEXT)');
    db.close();
    expect(refusal().message).toContain('does not match');
  });

  it('stamps recordedAt from the ledger clock', async () => {
    const clock = new FakeClock(Date.parse('2026-06-30T23:59:59.500Z'));
    const store = openSqliteEventStore({ path: file.path, clock });
    await store.appendToStream('fund-a', transfers(2), 'no_stream');
    const read = await store.readStream('fund-a');
    expect(read.map((e) => e.recordedAt)).toEqual(['2026-06-30T23:59:59.500Z', '2026-06-30T23:59:59.500Z']);
    await store.close();
  });

  it('shares the log with a second connection: the second sees what the first committed', async () => {
    const writer = openSqliteEventStore({ path: file.path });
    const reader = openSqliteEventStore({ path: file.path });
    await writer.appendToStream('fund-a', transfers(3), 'no_stream');
    expect(await reader.streamRevision('fund-a')).toBe(2n);
    // Both compute the next position inside their write transaction, so positions stay gapless.
    await reader.appendToStream('fund-b', transfers(1), 'no_stream');
    await writer.appendToStream('fund-a', transfers(1), 2n);
    expect((await writer.readAll()).events.map((e) => e.position)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(await writer.verify()).toMatchObject({ ok: true, checked: 5 });
    await writer.close();
    await reader.close();
  });
});
