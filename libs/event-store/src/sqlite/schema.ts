import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { StoreFileError } from '../errors.js';

/** `PRAGMA application_id` of a concordat log: "CNCD". Anything else is someone else's file. */
export const APPLICATION_ID = 0x434e4344;
/** `PRAGMA user_version`: the schema this build writes. */
export const SCHEMA_VERSION = 1;

const SQLITE_HEADER = 'SQLite format 3\u0000';

/**
 * Upgrades from an older schema, keyed by the version they upgrade from. Version 1 is the first released
 * schema, so there is nothing to migrate yet; a file claiming an older version has no path forward and is refused.
 */
const MIGRATIONS: ReadonlyMap<number, (db: Database) => void> = new Map();

const SCHEMA_V1 = `
CREATE TABLE events (
  position    INTEGER PRIMARY KEY,
  stream      TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  id          TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  hash        TEXT    NOT NULL,
  UNIQUE (stream, revision),
  UNIQUE (stream, id)
) STRICT;
`;

/** Refuses, before SQLite touches it, a non-empty file that is not an SQLite database at all. */
export function refuseForeignBytes(path: string): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return;
  }
  if (size === 0) return;
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1') !== SQLITE_HEADER) {
    throw new StoreFileError(`${path} is not an SQLite database (corrupt or foreign file); it was left untouched`);
  }
}

/**
 * Makes `db` hold the current schema: creates it in an empty file, migrates an older concordat file, and refuses
 * a foreign, newer or unmigratable one without writing to it.
 */
export function ensureSchema(db: Database, path: string): void {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  const objects = (db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number }).n;
  if (applicationId === 0 && version === 0 && objects === 0) {
    db.transaction(() => {
      db.exec(SCHEMA_V1);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
    return;
  }
  if (applicationId !== APPLICATION_ID) {
    throw new StoreFileError(
      `${path} is an SQLite database of another application (application_id ${applicationId}); refusing to open it as a concordat log`,
    );
  }
  if (version > SCHEMA_VERSION) {
    throw new StoreFileError(
      `${path} has log schema version ${version}, newer than this build understands (${SCHEMA_VERSION}); upgrade concordat to open it`,
    );
  }
  if (version < SCHEMA_VERSION) {
    db.transaction(() => {
      for (let from = version; from < SCHEMA_VERSION; from++) {
        const migrate = MIGRATIONS.get(from);
        if (migrate === undefined) {
          throw new StoreFileError(
            `${path} has log schema version ${version}, which this build cannot migrate (it reads ${SCHEMA_VERSION}); export it with the concordat release that wrote it`,
          );
        }
        migrate(db);
        db.pragma(`user_version = ${from + 1}`);
      }
    }).immediate();
  }
  const columns = (db.prepare("SELECT name FROM pragma_table_info('events') ORDER BY cid").all() as { name: string }[]).map(
    (c) => c.name,
  );
  const expected = ['position', 'stream', 'revision', 'id', 'type', 'recorded_at', 'data', 'metadata', 'hash'];
  if (columns.join(',') !== expected.join(',')) {
    throw new StoreFileError(`${path} claims log schema version ${version} but its events table does not match it`);
  }
}
