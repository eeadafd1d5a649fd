// The dashboard page and its built assets (dashboard/dist, produced by `npm run build`), served
// under /ferretwatch/ from memory:
//   GET /ferretwatch/                 index.html (no-cache, strict Content-Security-Policy)
//   GET /ferretwatch/assets/<file>    hashed JS/CSS chunks (cached for a year: the name changes with the content)
// A request name is looked up in the list of files the build produced; it never becomes a path, so
// nothing outside dashboard/dist can be reached. Everything is read once and gzipped once.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import express from 'express';
import type { Request, Response } from 'express';
import { apiExtensions } from './api';
// The page's live data: registering the dashboard registers its event stream.
import './events';

/** No inline script or style, no third-party origin; blob: only where hls.js needs it (MSE, workers). */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/** Names Vite gives the chunks: `<name>-<hash>.<ext>`, letters, digits, `_` and `-` only. */
export const ASSET_NAME = /^[A-Za-z0-9_-]{1,64}-[A-Za-z0-9_-]{6,16}\.(js|css|svg|png|woff2)$/;

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
};
const COMPRESSIBLE = new Set(['js', 'css', 'svg', 'html']);

interface Asset {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  etag: string;
}

interface Bundle {
  index: Asset;
  assets: Map<string, Asset>;
  /** mtime of index.html when read: a rebuild while running is picked up. */
  mtimeMs: number;
}

function load(body: Buffer, ext: string, type: string): Asset {
  const gzip = COMPRESSIBLE.has(ext) && body.length > 512 ? zlib.gzipSync(body, { level: 9 }) : undefined;
  const etag = `"${crypto.createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`;
  return { body, gzip, type, etag };
}

/** dashboard/dist of this package: found by walking up from this file (dist/runtime/http or runtime/http). */
export function findDashboardDir(from = __dirname): string | undefined {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'dashboard', 'dist');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** Reads a built dashboard into memory; files whose names do not match ASSET_NAME are ignored. */
export function readBundle(dir: string): Bundle {
  const indexFile = path.join(dir, 'index.html');
  const stat = fs.statSync(indexFile);
  const assets = new Map<string, Asset>();
  const assetDir = path.join(dir, 'assets');
  if (fs.existsSync(assetDir)) {
    for (const name of fs.readdirSync(assetDir)) {
      const m = ASSET_NAME.exec(name);
      if (!m) continue;
      const file = path.join(assetDir, name);
      if (!fs.statSync(file).isFile()) continue;
      assets.set(name, load(fs.readFileSync(file), m[1], TYPES[m[1]]));
    }
  }
  return { index: load(fs.readFileSync(indexFile), 'html', 'text/html; charset=utf-8'), assets, mtimeMs: stat.mtimeMs };
}

export interface DashboardOptions {
  /** Built dashboard directory; default: this package's dashboard/dist. */
  dir?: string;
}

function send(req: Request, res: Response, a: Asset, cache: string): void {
  res.set({ 'Content-Type': a.type, 'Cache-Control': cache, ETag: a.etag, 'X-Content-Type-Options': 'nosniff', Vary: 'Accept-Encoding' });
  if (req.headers['if-none-match'] === a.etag) return void res.status(304).end();
  const gz = a.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gz ? a.gzip! : a.body;
  if (gz) res.set('Content-Encoding', 'gzip');
  res.set('Content-Length', String(body.length));
  res.status(200).end(req.method === 'HEAD' ? undefined : body);
}

export function createDashboardRouter(opts: DashboardOptions = {}): express.Router {
  const r = express.Router({ strict: true });
  let bundle: Bundle | undefined;

  function current(): Bundle | undefined {
    const dir = opts.dir ?? findDashboardDir();
    if (!dir) return undefined;
    try {
      const mtime = fs.statSync(path.join(dir, 'index.html')).mtimeMs;
      if (!bundle || bundle.mtimeMs !== mtime) bundle = readBundle(dir);
    } catch {
      bundle = undefined;
    }
    return bundle;
  }

  const page = (req: Request, res: Response): void => {
    // Relative asset URLs need the trailing slash (the page may live under any httpNodeRoot).
    const url = new URL(req.originalUrl, 'http://x');
    // Redirect relative to the last segment: correct under any mount point, and never off-site.
    if (!url.pathname.endsWith('/')) return void res.redirect(301, `${path.posix.basename(url.pathname)}/${url.search}`);
    const b = current();
    if (!b) {
      return void res
        .status(503)
        .type('text/plain')
        .send('The FerretWatch dashboard is not built: run `npm run build` in the package directory.');
    }
    res.set({
      'Content-Security-Policy': DASHBOARD_CSP,
      'Referrer-Policy': 'same-origin',
      'X-Frame-Options': 'SAMEORIGIN',
    });
    send(req, res, b.index, 'no-cache');
  };
  r.get('/', page);
  r.get('/index.html', (req, res) => res.redirect(301, './'));

  r.get('/assets/:name', (req, res) => {
    const name = String(req.params.name);
    const asset = ASSET_NAME.test(name) ? current()?.assets.get(name) : undefined;
    if (!asset) return void res.status(404).json({ error: 'not found' });
    send(req, res, asset, 'public, max-age=31536000, immutable');
  });
  r.use('/assets', (_req, res) => void res.status(404).json({ error: 'not found' }));
  return r;
}

let registered = false;

/** Adds the dashboard to /ferretwatch once per process (importing this module does it). */
export function registerDashboard(): void {
  if (registered) return;
  registered = true;
  apiExtensions.use(createDashboardRouter());
}

registerDashboard();
