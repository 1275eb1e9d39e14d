// Builds dist/ with tsc when it is missing or older than any TypeScript source. Used by `npm start` and the bin.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'dist', 'apps', 'cli', 'src', 'main.js');

function newestSource(dir, depth = 0) {
  let newest = 0;
  if (depth > 12 || !existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path, depth + 1));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function buildIfNeeded() {
  const built = existsSync(marker) ? statSync(marker).mtimeMs : 0;
  const sources = Math.max(...['apps', 'libs', 'bench'].map((d) => newestSource(join(root, d))));
  if (built >= sources) return false;
  process.stderr.write('concordat: building (tsc)…\n');
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], {
      stdio: 'inherit',
      cwd: root,
    });
  } catch (error) {
    // tsc has printed the errors above; a stack trace of this script would only bury them.
    process.stderr.write('concordat: the build failed (TypeScript errors above); nothing was started\n');
    process.exit(typeof error.status === 'number' && error.status !== 0 ? error.status : 1);
  }
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) buildIfNeeded();
