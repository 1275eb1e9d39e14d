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
 *
 * One fsync at a time, and callers that arrive while one runs share the next: an fsync covers every frame written
 * before it started, so one started after all of them covers them all. (One fsync per call, chained, made a group
 * that committed during a sync wait for every sync queued before it: under load the disk, not the CPU, set the pace.)
 * One at a time also keeps completions in call order, which the store's list of unsynced groups relies on.
 */
export class WalSync {
  private handle: FileHandle | null = null;
  private failure: Error | null = null;
  /** The fsync under way, if any. */
  private running: Promise<void> | null = null;
  /** Callers waiting for an fsync that starts after their call: the next one, shared. */
  private waiting: { resolve: () => void; reject: (error: Error) => void }[] = [];
  /** Resolves when nothing runs and nobody waits (close waits for it). */
  private idle: Promise<void> = Promise.resolve();
  private settleIdle: () => void = () => undefined;

  constructor(private readonly walPath: string) {}

  /** Resolves once every WAL frame written before this call is on disk; rejects if the disk said no. */
  sync(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.waiting.length === 0 && this.running === null) this.idle = new Promise<void>((done) => (this.settleIdle = done));
      this.waiting.push({ resolve, reject });
      if (this.running === null) this.startNext();
    });
  }

  /** Waits for the syncs under way and asked for, then lets the descriptor go. */
  async close(): Promise<void> {
    await this.idle;
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }

  /** Starts one fsync for everyone waiting now; when it ends, the next for whoever came meanwhile. */
  private startNext(): void {
    const batch = this.waiting;
    if (batch.length === 0) {
      this.running = null;
      this.settleIdle();
      return;
    }
    this.waiting = [];
    this.running = this.syncNow().then(
      () => {
        for (const caller of batch) caller.resolve();
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const caller of batch) caller.reject(failure);
      },
    );
    void this.running.then(() => this.startNext());
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
