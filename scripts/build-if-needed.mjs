// Builds dist/ with tsc when it is missing or older than any TypeScript source, and the dashboard (Vite) into
// dist/dashboard when it is missing or older than its sources. Used by `npm start` and the bin.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'dist', 'apps', 'cli', 'src', 'main.js');
const dashboardMarker = join(root, 'dist', 'dashboard', 'index.html');
const DASHBOARD_SOURCE = /\.(ts|tsx|css|html|svg)$/;

function newestSource(dir, depth = 0, pattern = /\.ts$/) {
  let newest = 0;
  if (depth > 12 || !existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path, depth + 1, pattern));
    else if (pattern.test(entry.name) && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function run(what, args) {
  process.stderr.write(`concordat: building ${what}…\n`);
  try {
    execFileSync(process.execPath, args, { stdio: 'inherit', cwd: root });
  } catch (error) {
    // The tool has printed the errors above; a stack trace of this script would only bury them.
    process.stderr.write(`concordat: the ${what} build failed (errors above); nothing was started\n`);
    process.exit(typeof error.status === 'number' && error.status !== 0 ? error.status : 1);
  }
}

/** `dashboard`: also build the web dashboard (only what serves it needs it; `--help` stays fast). */
export function buildIfNeeded({ dashboard = true } = {}) {
  let built = false;
  const compiled = existsSync(marker) ? statSync(marker).mtimeMs : 0;
  const sources = Math.max(...['apps', 'libs', 'bench'].map((d) => newestSource(join(root, d))));
  if (compiled < sources) {
    run('the server (tsc)', [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')]);
    built = true;
  }
  const dashboardDir = join(root, 'apps', 'dashboard');
  if (dashboard && existsSync(dashboardDir)) {
    const page = existsSync(dashboardMarker) ? statSync(dashboardMarker).mtimeMs : 0;
    if (page < newestSource(dashboardDir, 0, DASHBOARD_SOURCE)) {
      run('the dashboard (vite)', [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(dashboardDir, 'vite.config.ts'), '--logLevel', 'warn']);
      built = true;
    }
  }
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) buildIfNeeded();
