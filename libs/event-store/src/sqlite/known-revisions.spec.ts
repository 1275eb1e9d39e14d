import { KnownRevisions } from './known-revisions.js';
import { openSqliteEventStore } from './sqlite-event-store.js';
import { tempLogPath, transfers } from './test-support.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('what a connection knows of the log without asking', () => {
  /** A data_version and reads that count how often they were asked. */
  function counted(): { known: KnownRevisions; asked: { version: number; head: number; revision: number }; otherConnectionCommits(): void } {
    let version = 1;
    const asked = { version: 0, head: 0, revision: 0 };
    const known = new KnownRevisions(() => {
      asked.version += 1;
      return version;
    }, { maxStreams: 3 });
    return { known, asked, otherConnectionCommits: () => (version += 1) };
  }
  const readHead = (asked: { head: number }, head: number | null) => (): number | null => {
    asked.head += 1;
    return head;
  };
  const readRevision = (asked: { revision: number }, revision: number | null) => (): number | null => {
    asked.revision += 1;
    return revision;
  };

  it('asks SQLite for the head once, and whether another connection wrote at most once per event-loop turn', async () => {
    const { known, asked } = counted();
    for (let i = 0; i < 5; i++) expect(known.headPosition(readHead(asked, 41))).toBe(41);
    expect(asked).toEqual({ version: 1, head: 1, revision: 0 });
    await nextTurn();
    expect(known.headPosition(readHead(asked, 41))).toBe(41);
    expect(asked).toEqual({ version: 2, head: 1, revision: 0 });
  });

  it('forgets everything once another connection has committed, from the next turn on', async () => {
    const { known, asked, otherConnectionCommits } = counted();
    expect(known.headPosition(readHead(asked, 41))).toBe(41);
    expect(known.streamRevision('fund-a', readRevision(asked, 7))).toBe(7);
    otherConnectionCommits();
    await nextTurn();
    expect(known.headPosition(readHead(asked, 50))).toBe(50);
    expect(known.streamRevision('fund-a', readRevision(asked, 9))).toBe(9);
    expect(asked.head).toBe(2);
    expect(asked.revision).toBe(2);
  });

  it("takes this connection's own commit at once, without asking", () => {
    const { known, asked } = counted();
    expect(known.headPosition(readHead(asked, 41))).toBe(41);
    known.committed(44, [['fund-a', 2]]);
    expect(known.headPosition(readHead(asked, -1))).toBe(44);
    expect(known.streamRevision('fund-a', readRevision(asked, -1))).toBe(2);
    expect(asked).toEqual({ version: 1, head: 1, revision: 0 });
  });

  it('does not remember that a stream is absent: it is usually written next', () => {
    const { known, asked } = counted();
    expect(known.streamRevision('commitment-new', readRevision(asked, null))).toBeNull();
    expect(known.streamRevision('commitment-new', readRevision(asked, 0))).toBe(0);
    expect(asked.revision).toBe(2);
  });

  it('remembers a bounded number of streams, the longest remembered forgotten first', () => {
    const { known, asked } = counted();
    known.committed(10, [
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['d', 1],
    ]);
    expect(known.streamRevision('d', readRevision(asked, -1))).toBe(1);
    expect(known.streamRevision('a', readRevision(asked, 5))).toBe(5);
    expect(asked.revision).toBe(1);
  });

  it('forgets everything after a failed transaction of its own', () => {
    const { known, asked } = counted();
    known.committed(10, [['a', 1]]);
    known.forget();
    expect(known.headPosition(readHead(asked, 9))).toBe(9);
    expect(known.streamRevision('a', readRevision(asked, 0))).toBe(0);
  });
});

describe('SQLite store: answers without a statement per question', () => {
  let file: ReturnType<typeof tempLogPath>;
  beforeEach(() => {
    file = tempLogPath();
  });
  afterEach(() => file.remove());

  it.each([
    ['one transaction per append', false],
    ['group commit', true],
  ])("knows its own acknowledged append at once (%s): head and stream revision, in the same turn", async (_, groupCommit) => {
    const store = openSqliteEventStore({ path: file.path, synchronous: 'NORMAL', groupCommit });
    try {
      expect(await store.headPosition()).toBeNull();
      const first = await store.appendToStream('fund-a', transfers(2), 'no_stream');
      expect(await store.headPosition()).toBe(first.position);
      const second = await store.appendToStream('fund-b', transfers(3), 'no_stream');
      expect(await store.headPosition()).toBe(second.position);
      expect(await store.streamRevision('fund-a')).toBe(1n);
      expect(await store.streamRevision('fund-b')).toBe(2n);
      expect((await store.readStream('fund-b')).map((e) => e.revision)).toEqual([0n, 1n, 2n]);
    } finally {
      await store.close();
    }
  });

  it("sees another connection's appends from the next event-loop turn, and a write of its own is checked against them", async () => {
    const reader = openSqliteEventStore({ path: file.path, synchronous: 'NORMAL', groupCommit: true });
    const writer = openSqliteEventStore({ path: file.path, synchronous: 'NORMAL' });
    try {
      await reader.appendToStream('fund-a', transfers(1), 'no_stream');
      expect(await reader.streamRevision('fund-a')).toBe(0n);
      await writer.appendToStream('fund-a', transfers(2), 0n);
      await nextTurn();
      expect(await reader.streamRevision('fund-a')).toBe(2n);
      expect(await reader.headPosition()).toBe(2n);
      expect((await reader.readStream('fund-a')).length).toBe(3);
      // Whatever the reader knew, its append is checked inside its own transaction.
      await writer.appendToStream('fund-a', transfers(1), 2n);
      await expect(reader.appendToStream('fund-a', transfers(1), 2n)).rejects.toMatchObject({ actual: 3n });
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
