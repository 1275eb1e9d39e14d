/**
 * The real API in a child process, as `concordat serve` runs it, for benchmarks that measure it from outside: a free
 * port, a SQLite file, a known JWT secret. Start, wait for /health, read its resident memory, stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'apps', 'cli', 'src', 'main.js');

export interface RunningServer {
  url: string;
  pid: number;
  /** performance.now() just before the process was spawned. */
  spawnedAt: number;
  stop(): Promise<void>;
  /** What it wrote, for the report when it fails. */
  output(): string;
  hasExited(): boolean;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startServer(options: {
  sqlitePath: string;
  secret: string;
  env?: Record<string, string>;
  nodeArgs?: readonly string[];
  /** A file that receives everything the server writes (e.g. a `--trace-gc` log); otherwise only a tail is kept. */
  logPath?: string;
}): Promise<RunningServer> {
  const port = await freePort();
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN, 'serve'], {
    env: { ...process.env, PORT: String(port), CONCORDAT_STORE: 'sqlite', CONCORDAT_SQLITE_PATH: options.sqlitePath, CONCORDAT_JWT_SECRET: options.secret, CONCORDAT_DEMO: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    // Bounded: only the tail matters when a start fails.
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (options.logPath !== undefined) {
    const log = createWriteStream(options.logPath, { flags: 'a' });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('exit', () => log.end());
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error('the server did not start');
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    spawnedAt,
    output: () => output,
    hasExited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timeout = sleep(10_000).then(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      await Promise.race([exited, timeout]);
      await exited;
    },
  };
}

/** Polls /health until it answers `ok` (read models caught up); resolves with the instant (performance.now()). */
export async function waitUntilHealthy(server: RunningServer, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (server.hasExited()) throw new Error(`the server exited before it was healthy:\n${server.output()}`);
    try {
      const response = await fetch(`${server.url}/health`);
      if (response.ok) {
        const body = (await response.json()) as { status?: string };
        if (body.status === 'ok') return performance.now();
      }
    } catch {
      // Not listening yet: poll again.
    }
    await sleep(20);
  }
  throw new Error(`the server did not become healthy within ${timeoutMs} ms:\n${server.output()}`);
}

/** A memory line of a process's /proc status (VmRSS now, VmHWM its peak so far), in MiB; null when unreadable. */
function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? null : Math.round((Number(match[1]) / 1024) * 10) / 10;
  } catch {
    return null;
  }
}

/** Linux reports CPU times in clock ticks: USER_HZ, 100 a second on the kernels this runs on. */
const TICK_MS = 10;

/** User + system CPU time of a /proc stat file, in ms (fields 14 and 15, counted after the parenthesised name). */
function statCpuMs(path: string): number {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/**
 * CPU time a process has used so far, in all its threads and in its main thread alone (the server's event loop), in
 * ms at 10 ms resolution (Linux /proc); null when unreadable.
 */
export function cpuMs(pid: number): { process: number; mainThread: number } | null {
  try {
    return { process: statCpuMs(`/proc/${pid}/stat`), mainThread: statCpuMs(`/proc/${pid}/task/${pid}/stat`) };
  } catch {
    return null;
  }
}

/** Resident set size of a process, in MiB (Linux /proc). */
export const rssMiB = (pid: number): number | null => statusMiB(pid, 'VmRSS');

/** The peak resident set size of a process so far, in MiB (Linux /proc). */
export const peakRssMiB = (pid: number): number | null => statusMiB(pid, 'VmHWM');

export const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
