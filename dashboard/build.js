// Builds the dashboard (Vite) into dashboard/dist. scripts/build.js requires this file at the end of
// `npm run build` (and so of `npm start`); it can also be run alone: `node dashboard/build.js`.
// Synchronous on purpose: Vite runs in a child process, so the caller's build stays sequential.
// Skipped when dist is newer than every source, so `npm start` does not rebuild needlessly.
/* eslint-disable @typescript-eslint/no-require-imports */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dir = __dirname;
const out = path.join(dir, 'dist', 'index.html');
const inputs = [path.join(dir, 'index.html'), path.join(dir, 'vite.config.mjs'), __filename, path.join(dir, 'src')];

function newest(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of fs.readdirSync(p)) m = Math.max(m, newest(path.join(p, e)));
  return m;
}

function viteBin() {
  try {
    return path.join(path.dirname(require.resolve('vite/package.json', { paths: [dir] })), 'bin', 'vite.js');
  } catch {
    return undefined;
  }
}

function build() {
  const force = process.argv.includes('--force') || process.env.FERRETWATCH_DASHBOARD_REBUILD === '1';
  const builtAt = newest(out);
  if (!force && builtAt > 0 && inputs.every((p) => newest(p) < builtAt)) {
    console.log('[dashboard] up to date (dashboard/dist)');
    return;
  }
  const vite = viteBin();
  if (!vite) {
    // An installed package ships dashboard/dist; only a checkout without devDependencies lands here.
    console.warn(builtAt > 0 ? '[dashboard] vite is not installed; keeping the existing dashboard/dist' : '[dashboard] vite is not installed: the dashboard is not built');
    return;
  }
  const t0 = Date.now();
  execFileSync(process.execPath, [vite, 'build', '--config', path.join(dir, 'vite.config.mjs')], { stdio: 'inherit', cwd: dir });
  console.log(`[dashboard] built dashboard/dist in ${Date.now() - t0} ms`);
}

build();
