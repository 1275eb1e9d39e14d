import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The dashboard is plain static files served by the API at `/` (same origin, same tokens), so the build needs no
 * server and fetches nothing at run time. Preact's JSX runs through Vite's own Oxc transform: no plugin package.
 */
export default defineConfig({
  root,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // ECharts (tree-shaken to the graph chart and the SVG renderer) is most of the bundle.
    chunkSizeWarningLimit: 900,
  },
  server: {
    // `vite --config apps/dashboard/vite.config.ts` during development: the API runs beside it on :3000.
    proxy: { '^/(?!@|src/|node_modules/|assets/|index\\.html$|$).*': 'http://localhost:3000' },
  },
});
