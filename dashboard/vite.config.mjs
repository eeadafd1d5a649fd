// Vite build of the dashboard (run by dashboard/build.js). Output: dashboard/dist, served by
// runtime/http/dashboard.ts. Relative base: the page may live under any Node-RED httpNodeRoot.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// The server accepts only `<name>-<hash>.<ext>` with [A-Za-z0-9_-] (runtime/http/dashboard.ts ASSET_NAME).
const safe = (name) => name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 48) || 'chunk';

export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Never inline assets as data: URIs in CSS/JS; the CSP allows data: images only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    // hls.js alone is ~370 kB minified; it is its own chunk, loaded only where MSE playback is used.
    chunkSizeWarningLimit: 500,
    rollupOptions: {
      output: {
        entryFileNames: (c) => `assets/${safe(c.name)}-[hash].js`,
        chunkFileNames: (c) => `assets/${safe(c.name)}-[hash].js`,
        assetFileNames: (a) => `assets/${safe((a.names?.[0] ?? a.name ?? 'asset').replace(/\.[^.]*$/, ''))}-[hash][extname]`,
      },
    },
  },
});
