#!/usr/bin/env node
// docs/screenshot.png: the dashboard at 1280×800 in the system's Chromium. Run after `npm run build`:
//   node scripts/screenshot.js [out.png]
// It starts the runtime in this process (hub + CameraStream + the /ferretwatch router, as the nodes
// do) with the demo camera — plus a real small-animal video from ../shared as a second camera when
// present — and, since no detector runs here, publishes tracks that follow the demo's shapes and
// serves a sample day of history (bench/dashboard.ts sampleHistory). Keeps the PNG under 300 kB.
/* global document -- used only inside page.waitForFunction callbacks, which run in the browser */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const out = path.resolve(process.argv[2] || path.join(root, 'docs', 'screenshot.png'));
const MAX_BYTES = 300 * 1024;

// The compiled tree (FERRETWATCH_DIST: another tsc outDir, for working on this script).
const dist = path.resolve(root, process.env.FERRETWATCH_DIST || 'dist');

function need(rel) {
  const file = path.join(dist, rel);
  if (!fs.existsSync(file)) {
    console.error(`${path.relative(root, file)} is missing: run \`npm run build\` first`);
    process.exit(1);
  }
  return require(file);
}

function secondCamera() {
  const dirs = [process.env.FERRETWATCH_SHARED, path.resolve(root, '..', 'shared')].filter(Boolean);
  for (const d of dirs) {
    const f = path.join(d, 'media', 'videos', 'mouse_openfield_topdown.mp4');
    if (fs.existsSync(f)) return { id: 'cage', name: 'Cage', url: f };
  }
  return { id: 'cage', name: 'Cage', url: 'demo:?width=640&height=360&fps=15' };
}

async function main() {
  const { startRig, sampleHistory, ensureDashboardBuilt } = need('bench/dashboard.js');
  const { launchChromium } = need('test/support/browser.js');
  const { hub } = need('runtime/hub.js');
  ensureDashboardBuilt();

  const history = sampleHistory();
  const rig = await startRig({ cameras: [{ id: 'demo', name: 'Play room', url: 'demo:' }, secondCamera()], history });
  const names = Object.fromEntries(history.ferrets.map((f) => [f.id, f.name]));
  const tracks = await rig.publishDemoTracks('demo', 100, names);
  const browser = await launchChromium();
  const errors = [];
  try {
    const page = await browser.newPage({ onConsole: (l) => /^\[(error|pageerror)\]/.test(l) && errors.push(l) });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(rig.page, { waitUntil: 'load' });
    await page.waitForFunction(
      () => {
        const grid = document.querySelector('fw-app')?.querySelector('fw-camera-grid')?.shadowRoot;
        const tiles = Array.from(grid?.querySelectorAll('fw-camera-tile') ?? []);
        return tiles.length === 2 && tiles.every((t) => t.shadowRoot.querySelector('video').currentTime > 1) && tiles[tiles.length - 1].dataset.boxes !== undefined;
      },
      undefined,
      { timeout: 60_000, polling: 250 },
    );
    // A live behavior change, as the behavior node would publish it.
    const f = history.ferrets[0];
    hub.publish({ kind: 'behavior', payload: { ferretId: f.id, name: f.name, camera: 'demo', behavior: 'playing', previous: 'exploring', confidence: 0.86, since: Date.now() - 4 * 60_000, zone: null } });
    await page.locator('fw-activity-chart canvas').first().waitFor({ timeout: 20_000 });
    // Card photos are cut from the video once boxes have been drawn on it.
    await page.waitForFunction(
      () => {
        const list = document.querySelector('fw-app')?.querySelector('fw-ferret-list')?.shadowRoot;
        const cards = Array.from(list?.querySelectorAll('fw-ferret-card') ?? []);
        return cards.length >= 3 && cards.every((c) => c.shadowRoot.querySelector('.photo canvas').width > 1);
      },
      undefined,
      { timeout: 20_000, polling: 250 },
    );
    await page.waitForTimeout(1200);
    const tmp = path.join(os.tmpdir(), `fw-screenshot-${process.pid}.png`);
    await page.screenshot({ path: tmp });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    if (fs.statSync(tmp).size > MAX_BYTES) {
      // 256-colour palette: the UI is flat colours; the videos dither acceptably at this size.
      execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', tmp, '-vf', 'split[a][b];[a]palettegen=max_colors=256:stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a', '-pred', 'mixed', out]);
    } else {
      fs.copyFileSync(tmp, out);
    }
    fs.rmSync(tmp, { force: true });
    const size = fs.statSync(out).size;
    console.log(`wrote ${path.relative(root, out)} (${Math.round(size / 1024)} kB)`);
    if (errors.length) console.warn(`console errors:\n${errors.join('\n')}`);
    if (size > MAX_BYTES) console.warn(`warning: ${Math.round(size / 1024)} kB is over the 300 kB budget`);
  } finally {
    tracks.stop();
    await browser.close();
    await rig.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
