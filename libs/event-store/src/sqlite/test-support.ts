import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProposedEvent } from '../port.js';

/** A temporary directory for one test's log file, removed by `remove()`. */
export function tempLogPath(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'concordat-sqlite-'));
  return { path: join(dir, 'log.sqlite'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function transfers(count: number, from = 0): ProposedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    type: 'transfer.sent',
    data: { amount: `${from + i}.25`, currency: 'EUR', to: `city:${from + i}` },
    metadata: { actor: 'city:porto', role: 'finance-officer', correlationId: randomUUID(), schemaVersion: 1 },
  }));
}

/**
 * The prototype of Node's FileHandle, whose sync() WalSync calls: tests wrap its sync to play a slow disk. `path`
 * names any file or directory that can be opened for reading.
 */
export async function fileHandlePrototype(path: string): Promise<{ sync(): Promise<void> }> {
  const handle = await open(path, 'r');
  try {
    return Object.getPrototypeOf(handle) as { sync(): Promise<void> };
  } finally {
    await handle.close();
  }
}
