import Database from 'better-sqlite3';
import { eventHash } from '../integrity.js';
import { verifyAgainstHead } from '../shared/verify-head.js';
import { openSqliteEventStore } from './sqlite-event-store.js';
import { tempLogPath, transfers } from './test-support.js';

/** A log of 10 events over three streams, written and closed, so a test can tamper with the file. */
async function writtenLog(path: string): Promise<{ position: bigint; hash: string }> {
  const store = openSqliteEventStore({ path });
  await store.appendToStream('fund-a', transfers(4), 'no_stream');
  await store.appendToStream('fund-b', transfers(3, 4), 'no_stream');
  await store.appendToStream('fund-a', transfers(3, 7), 3n);
  const [head] = (await store.readAll({ after: 8n })).events;
  await store.close();
  if (head === undefined) throw new Error('the log should hold 10 events');
  return { position: head.position, hash: head.hash };
}

function tamper(path: string, sql: (db: Database.Database) => void): void {
  const db = new Database(path);
  try {
    sql(db);
  } finally {
    db.close();
  }
}

describe('SQLite log integrity against tampering with the file', () => {
  let file: ReturnType<typeof tempLogPath>;
  beforeEach(() => {
    file = tempLogPath();
  });
  afterEach(() => file.remove());

  const verifyFile = async (from?: bigint) => {
    const store = openSqliteEventStore({ path: file.path });
    try {
      return await store.verify(from);
    } finally {
      await store.close();
    }
  };

  it('finds nothing wrong with an untouched log and reports its head hash', async () => {
    const head = await writtenLog(file.path);
    expect(await verifyFile()).toEqual({ ok: true, checked: 10, firstBadPosition: null, reason: null, headHash: head.hash });
  });

  it('detects one changed byte in one event’s data at that event', async () => {
    await writtenLog(file.path);
    tamper(file.path, (db) => db.prepare("UPDATE events SET data = replace(data, '5.25', '6.25') WHERE position = 5").run());
    expect(await verifyFile()).toMatchObject({ ok: false, firstBadPosition: 5n, checked: 5 });
  });

  it('detects a changed event whose own hash was recomputed, at the next link of the chain', async () => {
    await writtenLog(file.path);
    tamper(file.path, (db) => {
      db.prepare("UPDATE events SET data = replace(data, '5.25', '6.25') WHERE position = 5").run();
      type Row = { stream: string; revision: number; id: string; type: string; recorded_at: string; data: string; metadata: string };
      const row = db.prepare('SELECT stream, revision, id, type, recorded_at, data, metadata FROM events WHERE position = 5').get() as Row;
      const previous = (db.prepare('SELECT hash FROM events WHERE position = 4').get() as { hash: string }).hash;
      const forged = eventHash(previous, {
        id: row.id,
        type: row.type,
        stream: row.stream,
        revision: BigInt(row.revision),
        position: 5n,
        recordedAt: row.recorded_at,
        dataJson: row.data,
        metadataJson: row.metadata,
      });
      db.prepare('UPDATE events SET hash = ? WHERE position = 5').run(forged);
    });
    // Position 5 is self-consistent now; the event after it still chains to the original hash.
    expect(await verifyFile()).toMatchObject({ ok: false, firstBadPosition: 6n, checked: 6 });
  });

  it('detects a deleted event at the missing position', async () => {
    await writtenLog(file.path);
    tamper(file.path, (db) => db.prepare('DELETE FROM events WHERE position = 3').run());
    const report = await verifyFile();
    expect(report).toMatchObject({ ok: false, firstBadPosition: 3n, checked: 3 });
    expect(report.reason).toContain('expected position 3');
  });

  it('detects two events whose contents were swapped, at the earlier one', async () => {
    await writtenLog(file.path);
    tamper(file.path, (db) => {
      const cols = 'stream, revision, id, type, recorded_at, data, metadata, hash';
      type Row = Record<string, string | number>;
      const a = db.prepare(`SELECT ${cols} FROM events WHERE position = 2`).get() as Row;
      const b = db.prepare(`SELECT ${cols} FROM events WHERE position = 6`).get() as Row;
      const put = db.prepare(
        'UPDATE events SET stream = @stream, revision = @revision, id = @id, type = @type, recorded_at = @recorded_at, data = @data, metadata = @metadata, hash = @hash WHERE position = @position',
      );
      db.transaction(() => {
        db.prepare("UPDATE events SET stream = 'parked', revision = -1 WHERE position = 2").run();
        put.run({ ...a, position: 6 });
        put.run({ ...b, position: 2 });
      })();
    });
    expect(await verifyFile()).toMatchObject({ ok: false, firstBadPosition: 2n });
  });

  it('detects a truncated tail against the remembered head, at the first missing position', async () => {
    const head = await writtenLog(file.path);
    tamper(file.path, (db) => db.prepare('DELETE FROM events WHERE position >= 7').run());
    const store = openSqliteEventStore({ path: file.path });
    try {
      // What is left is still a valid chain: only the remembered head shows the cut.
      expect(await store.verify()).toMatchObject({ ok: true, checked: 7 });
      expect(await verifyAgainstHead(store, head)).toMatchObject({ ok: false, firstBadPosition: 7n });
    } finally {
      await store.close();
    }
  });

  it('detects a replaced head against the remembered hash', async () => {
    const head = await writtenLog(file.path);
    tamper(file.path, (db) => db.prepare("UPDATE events SET data = replace(data, '9.25', '1.25') WHERE position = 9").run());
    const store = openSqliteEventStore({ path: file.path });
    try {
      expect(await verifyAgainstHead(store, head)).toMatchObject({ ok: false, firstBadPosition: 9n });
    } finally {
      await store.close();
    }
  });

  it('verifies from a position onwards, trusting the stored hash just before it', async () => {
    await writtenLog(file.path);
    tamper(file.path, (db) => db.prepare("UPDATE events SET data = replace(data, '1.25', '2.25') WHERE position = 1").run());
    expect(await verifyFile(4n)).toMatchObject({ ok: true, checked: 6 });
    expect(await verifyFile(1n)).toMatchObject({ ok: false, firstBadPosition: 1n });
  });

  it('pages through a log longer than one verification page', async () => {
    const store = openSqliteEventStore({ path: file.path, synchronous: 'NORMAL' });
    for (let i = 0; i < 5; i++) await store.appendToStream('fund-big', transfers(1_000, i * 1_000), 'any');
    await store.close();
    tamper(file.path, (db) => db.prepare("UPDATE events SET type = 'transfer.sen' WHERE position = 4500").run());
    expect(await verifyFile()).toMatchObject({ ok: false, firstBadPosition: 4500n, checked: 4500 });
  });
});
