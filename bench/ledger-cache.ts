/**
 * The large generated ledger the cold-start and query benchmarks read: one SQLite file per (generator version, seed,
 * size), generated once under the OS temp directory and reused. Written to a `.partial` file and renamed when
 * complete, so an interrupted generation is never taken for a ledger.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../libs/event-store/src/clock.js';
import { openSqliteEventStore } from '../libs/event-store/src/sqlite/index.js';
import { generateLedger, type GenerationReport } from '../libs/ledger/src/demo/index.js';

/** Bump when the generator's output changes for a given seed: older cached files are then not reused. */
export const GENERATOR_VERSION = 1;

export interface CachedLedger {
  path: string;
  report: GenerationReport & { generateMs: number };
  /** False when this call generated it. */
  cached: boolean;
}

export function ledgerCacheDir(): string {
  return join(tmpdir(), 'concordat-bench');
}

export function ledgerPath(seed: number, events: number): string {
  return join(ledgerCacheDir(), `ledger-g${GENERATOR_VERSION}-s${seed}-e${events}.sqlite`);
}

/** Events in a generated log file, read directly (read-only). */
export function eventsIn(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

export async function ensureLedger(seed: number, events: number, log: (line: string) => void): Promise<CachedLedger> {
  const path = ledgerPath(seed, events);
  const meta = `${path}.json`;
  if (existsSync(path) && existsSync(meta)) {
    const report = JSON.parse(readFileSync(meta, 'utf8')) as CachedLedger['report'];
    // A file that does not hold what its report says (a lost WAL, a copy cut short) is generated again.
    if (eventsIn(path) === report.events) return { path, report, cached: true };
    log(`  ${path} does not hold the ${report.events} events its report names; generating it again`);
    rmSync(meta, { force: true });
  }
  mkdirSync(ledgerCacheDir(), { recursive: true });
  const partial = `${path}.partial`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  const clock = new FakeClock();
  // NORMAL: a throwaway file; a crash mid-generation leaves a .partial that the next run discards.
  const store = openSqliteEventStore({ path: partial, clock, synchronous: 'NORMAL' });
  const started = performance.now();
  let report: GenerationReport;
  try {
    report = await generateLedger(store, {
      seed,
      events,
      clock,
      progressEvery: Math.max(10_000, Math.floor(events / 10)),
      onProgress: (n, at) => log(`  generated ${n} events (business time ${at.slice(0, 10)}, ${((performance.now() - started) / 1000).toFixed(0)} s)`),
    });
  } finally {
    await store.close();
  }
  // Everything into the main file before it is renamed: a WAL left beside `.partial` would not follow the new name.
  const db = new Database(partial);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  for (const suffix of ['-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  if (eventsIn(partial) !== report.events) throw new Error(`${partial} holds ${eventsIn(partial)} events, the generator wrote ${report.events}`);
  renameSync(partial, path);
  const full = { ...report, generateMs: Math.round(performance.now() - started) };
  writeFileSync(meta, `${JSON.stringify(full, null, 2)}\n`);
  return { path, report: full, cached: false };
}
