import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How far up from this file the project root may be (sources: 4 levels; the compiled copy under dist/: 5). */
const MAX_LEVELS_UP = 8;

/** The project root: the nearest directory above this module whose package.json is concordat's. */
export function projectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string | null {
  let directory = from;
  for (let level = 0; level < MAX_LEVELS_UP; level++) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
        if (typeof parsed === 'object' && parsed !== null && (parsed as { name?: unknown }).name === 'concordat') return directory;
      } catch {
        // an unreadable manifest is not ours; keep walking up
      }
    }
    const parent = dirname(directory);
    if (parent === directory) return null;
    directory = parent;
  }
  return null;
}

/** Where `npm run build` puts the dashboard (dist/dashboard under the project root). */
export function defaultDashboardDirectory(): string | null {
  const root = projectRoot();
  return root === null ? null : resolve(root, 'dist', 'dashboard');
}

/** Built asset names are Vite's `<name>-<hash>.<ext>`: nothing with a slash or a leading dot is ever served. */
export const ASSET_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:js|css|map|svg|png|woff2?)$/;

/** The page shown at `/` when the dashboard was not built: the API itself keeps working. */
export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>concordat: dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; color: #111827">
<h1>仪表板尚未构建 · The dashboard has not been built</h1>
<p>运行 <code>npm run build</code>（或 <code>npm run build:dashboard</code>）后重新启动服务器。</p>
<p>Run <code>npm run build</code> (or <code>npm run build:dashboard</code>) and restart the server. The API is up: see <a href="/docs">/docs</a> and <a href="/health">/health</a>.</p>
</body></html>
`;

/**
 * Served with the page: scripts and styles only from this origin. Inline style attributes are allowed because
 * the charts and the heat map set sizes and colours through them; no inline script is.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');
