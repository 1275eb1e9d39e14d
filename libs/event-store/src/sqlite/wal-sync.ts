import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The per-commit WAL sync of `PRAGMA synchronous = FULL`, done from the libuv thread pool instead of inside COMMIT.
 *
 * In WAL mode, FULL is NORMAL plus one fsync of the WAL file after each commit (sqlite.org/pragma.html#pragma_synchronous);
 * NORMAL already syncs the WAL before every checkpoint and the database after it. With group commit the store commits
 * under NORMAL, then awaits `sync()` before acknowledging anything the commit holds: the same bytes reach the disk
 * before the same acknowledgements, but the event loop keeps serving (and preparing the next group) while the disk
 * works, instead of blocking in COMMIT for the fsync.
 *
 * `fsync` on any descriptor of a file flushes the file's data, whoever wrote it; SQLite keeps the WAL file (reset, never
 * unlinked) while a connection is open, so one descriptor opened after the first commit serves for the store's life.
 * The directory is synced once, when the descriptor is opened, so that the WAL's name is durable too.
 */
export class WalSync {
  private handle: FileHandle | null = null;
  /** Syncs run one after another: each covers every frame written before it started. */
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  constructor(private readonly walPath: string) {}

  /** Resolves once every WAL frame written before this call is on disk; rejects if the disk said no. */
  sync(): Promise<void> {
    const next = this.chain.then(() => this.syncNow());
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Waits for the syncs under way, then lets the descriptor go. */
  async close(): Promise<void> {
    await this.chain;
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }

  private async syncNow(): Promise<void> {
    // After a failed fsync the kernel may have dropped the dirty pages: no later sync can vouch for them (fail-stop).
    if (this.failure !== null) throw this.failure;
    try {
      if (this.handle === null) {
        this.handle = await open(this.walPath, 'r+');
        const directory = await open(dirname(this.walPath), 'r');
        try {
          await directory.sync();
        } finally {
          await directory.close();
        }
      }
      await this.handle.sync();
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      throw this.failure;
    }
  }
}
