/** Headless Debian chromium driven by playwright-core, and the dashboard build it loads. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

/** Builds the dashboard when dist/dashboard is missing or older than its sources (vite, as `npm run build` does). */
export function ensureDashboardBuilt(): void {
  const index = join(DASHBOARD_DIST, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(SOURCES)) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(SOURCES, 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 180_000,
  });
  if (!existsSync(index)) throw new Error('vite build finished without dist/dashboard/index.html');
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
