/** Headless Debian chromium driven by playwright-core, and the dashboard build it loads. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const DASHBOARD_DIST = join(ROOT, 'dist', 'dashboard');
const SOURCES = join(ROOT, 'apps', 'dashboard');

/** STACK.md's flags for Debian's chromium on this kind of machine (headless is playwright's own option). */
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The chromium binary, or a failure that says how to get it: the browser test never skips silently. */
export function chromiumPath(): string {
  try {
    const found = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
    if (found.length > 0) return found;
  } catch {
    // fall through to the explanation below
  }
  throw new Error('Debian chromium is not installed: the dashboard e2e needs it. Install it with `apt-get update && apt-get install -y chromium` (.ci/run does this when it is missing).');
}

function newestMtime(directory: string, depth = 0): number {
  let newest = 0;
  // The dashboard's sources are two levels deep at most (src/views); deeper trees are not walked.
  if (depth > 3) return newest;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path, depth + 1) : statSync(path).mtimeMs);
  }
  return newest;
}

const isCurrent = (): boolean => {
  const index = join(DASHBOARD_DIST, 'index.html');
  return existsSync(index) && statSync(index).mtimeMs >= newestMtime(SOURCES);
};

const LOCK = join(ROOT, 'dist', '.dashboard-build.lock');
/** A lock older than this was left by a run that died; builds take seconds. */
const STALE_LOCK_MS = 5 * 60_000;
const LOCK_POLL_MS = 250;
const LOCK_WAIT_MS = 4 * 60_000;

/**
 * Builds the dashboard when dist/dashboard is missing or older than its sources (as `npm run build:dashboard` does).
 * Test files run in parallel workers: one builds under a lock directory while the others wait for it.
 */
export async function ensureDashboardBuilt(): Promise<void> {
  if (isCurrent()) return;
  mkdirSync(dirname(LOCK), { recursive: true });
  for (let waited = 0; ; waited += LOCK_POLL_MS) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      if (waited >= LOCK_WAIT_MS) throw new Error(`another run has held ${LOCK} for over ${LOCK_WAIT_MS / 1000} s`);
      await sleep(LOCK_POLL_MS);
    }
  }
  try {
    if (isCurrent()) return;
    // The page's types are checked (Vite only strips them), then it is bundled.
    const run = (script: string[], args: string[]) =>
      execFileSync(process.execPath, [join(ROOT, 'node_modules', ...script), ...args], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 180_000 });
    run(['typescript', 'bin', 'tsc'], ['-p', join(SOURCES, 'tsconfig.json')]);
    run(['vite', 'bin', 'vite.js'], ['build', '--config', join(SOURCES, 'vite.config.ts'), '--logLevel', 'warn']);
    if (!isCurrent()) throw new Error('vite build finished without a current dist/dashboard/index.html');
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface Browser {
  context: BrowserContext;
  close: () => Promise<void>;
}

/** A fresh profile each run, removed afterwards; a laptop-sized window. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  const profile = mkdtempSync(join(tmpdir(), 'concordat-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1366, height: 860 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  // Generous waits: the whole suite shares two cores, and a page waits on the API and on chromium at once.
  context.setDefaultTimeout(60_000);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
