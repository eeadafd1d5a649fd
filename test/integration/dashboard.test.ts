// The dashboard in a real browser (Debian's Chromium via playwright-core) against the real runtime:
// the demo camera and a camera fed by the real RTSP server (or a looping file) through CameraStream,
// the /ferretwatch router with the dashboard and its event stream, live events published on the hub.
// History routes are stand-ins with the store's shapes (bench/dashboard.ts), so the test does not
// depend on a behavior-store node. Screenshots go to test-artifacts/ (not committed).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Page } from 'playwright-core';
import { browserSkip, launchChromium, type Browser } from '../support/browser';
import { startRtspServer, rtspServerAvailable, type RtspServer } from '../support/rtsp-server';
import { ensureSmallClip, runFfmpeg } from '../support/media';
import { repoRoot } from '../support/shared';
import { waitFor } from '../support/wait';
import { freePort } from '../support/ports';
import { childPids, processAlive } from '../support/procs';
import { hub } from '../../runtime/hub';
import { DASHBOARD_CSP, ASSET_NAME } from '../../runtime/http/dashboard';
import { demoBlobBox, ensureDashboardBuilt, sampleHistory, startRig, type Rig } from '../../bench/dashboard';
// The page's pure logic (browser code without DOM use), compiled here as CommonJS.
import { TimedBuffer } from '../../dashboard/src/track-buffer';
import { contentRect, gridColumns, mapBox, squareCrop } from '../../dashboard/src/geometry';
import { minutesByBehavior, upsertEpisode } from '../../dashboard/src/behaviors';
import { lerpTracks } from '../../dashboard/src/overlay';
import type { Episode } from '../../runtime/contracts';

const artifacts = path.join(repoRoot, 'test-artifacts');
const skip = browserSkip();

/** Console errors, page errors and CSP violations of a page (each test asserts none appeared). */
function watch(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`[console] ${m.text()} ${m.location().url}`.trim());
  });
  page.on('pageerror', (e) => errors.push(`[pageerror] ${e.message}`));
  return errors;
}

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `dashboard-${name}.png`) });
}

/** What each camera tile shows: video time, badge, overlay diagnostics, position. */
async function tiles(page: Page) {
  return page.evaluate(() => {
    const grid = document.querySelector('fw-app')?.querySelector('fw-camera-grid');
    const list = Array.from(grid?.shadowRoot?.querySelectorAll('fw-camera-tile') ?? []) as HTMLElement[];
    return list.map((t) => {
      const v = t.shadowRoot?.querySelector('video') as HTMLVideoElement;
      const r = t.getBoundingClientRect();
      return {
        id: (t as unknown as { camera: { id: string } }).camera.id,
        hidden: t.hidden,
        time: v?.currentTime ?? 0,
        paused: v?.paused ?? true,
        badge: t.shadowRoot?.querySelector('.badge')?.textContent?.trim() ?? '',
        overlayTs: Number(t.dataset.overlayTs || 0),
        playingTs: Number(t.dataset.playingTs || 0),
        boxes: Number(t.dataset.boxes || 0),
        x: Math.round(r.x),
        y: Math.round(r.y),
        w: Math.round(r.width),
      };
    });
  });
}

describe('dashboard logic', () => {
  test('the overlay picks the result of the frame on screen, not the newest', () => {
    const b = new TimedBuffer<{ ts: number; n: number }>(10_000);
    for (let i = 0; i <= 50; i++) b.push({ ts: 1000 + i * 100, n: i });
    assert.equal(b.at(3000, 1500)?.n, 20, 'exact');
    assert.equal(b.at(3050, 1500)?.n, 20, 'between two results: the earlier one');
    assert.equal(b.at(3070, 1500)?.n, 21, 'a result stamped a few ms after the frame belongs to it');
    assert.equal(b.at(500, 1500), undefined, 'before the first result');
    assert.equal(b.at(9000, 1500), undefined, 'too long after the last result');
    assert.equal(b.latest()?.n, 50);
    b.push({ ts: 3025, n: 99 });
    assert.equal(b.at(3030, 1500)?.n, 99, 'a late result is slotted in order');
  });

  test('between two results the boxes move with the picture', () => {
    const b = new TimedBuffer<{ ts: number }>(10_000);
    b.push({ ts: 1000 });
    b.push({ ts: 1200 });
    assert.deepEqual(b.around(1100, 1500), { before: { ts: 1000 }, after: { ts: 1200 } });
    assert.deepEqual(b.around(1300, 1500), { before: { ts: 1200 }, after: undefined });
    const track = (id: string, x: number) => ({ trackId: id, ferretId: null, name: null, box: [x, 0, x + 10, 10] as [number, number, number, number], velocity: [0, 0] as [number, number], state: 'confirmed' as const, age: 1, hitStreak: 1, zones: [], score: 1 });
    const a = { camera: 'c', frameId: 1, ts: 1000, width: 100, height: 100, tracks: [track('1', 0), track('2', 50)] };
    const z = { ...a, frameId: 2, ts: 1200, tracks: [track('1', 20)] };
    const mid = lerpTracks(a, z, 0.25);
    assert.deepEqual(mid.tracks.map((t) => t.box[0]), [5, 50], 'a track in both moves; one that left stays');
    assert.equal(mid.ts, 1000);
  });

  test('the buffer keeps only the last few seconds', () => {
    const b = new TimedBuffer<{ ts: number }>(2000, 1000);
    for (let i = 0; i < 100; i++) b.push({ ts: i * 100 });
    assert.equal(b.size, 21);
    assert.equal(b.at(7000, 500), undefined);
  });

  test('grid columns and letterboxing', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 9, 10, 30].map(gridColumns), [1, 2, 2, 2, 3, 3, 4, 4]);
    assert.deepEqual(contentRect(400, 300, 640, 360), { x: 0, y: 37.5, w: 400, h: 225 });
    assert.deepEqual(contentRect(400, 225, 640, 480), { x: 50, y: 0, w: 300, h: 225 });
    assert.deepEqual(mapBox([320, 180, 640, 360], 640, 360, { x: 0, y: 37.5, w: 400, h: 225 }), { x: 200, y: 150, w: 200, h: 112.5 });
    const c = squareCrop([600, 300, 640, 350], 640, 360, 0);
    assert.ok(c.x + c.w <= 640 && c.y + c.h <= 360 && c.w === 50, JSON.stringify(c));
  });

  test("today's minutes per behavior clip episodes to the day and run open ones until now", () => {
    const day = 1_700_000_000_000;
    const ep = (id: string, behavior: string, start: number, end: number | null): Episode => ({ episodeId: id, ferretId: 'f', name: null, camera: null, behavior, start, end, durationS: 0, confidence: 1, zone: null });
    const list = [ep('a', 'sleeping', day - 3_600_000, day + 1_800_000), ep('b', 'playing', day + 1_800_000, day + 2_400_000), ep('c', 'sleeping', day + 2_400_000, null)];
    assert.deepEqual(minutesByBehavior(list, day, day + 86_400_000, day + 3_000_000), { sleeping: 40, playing: 10 });
    const updated = upsertEpisode(list, { ...list[2], end: day + 2_700_000 });
    assert.equal(updated.length, 3);
    assert.equal(updated[2].end, day + 2_700_000);
  });
});

describe('ASSET_NAME and the CSP', () => {
  test('asset names: hashed chunk names only', () => {
    for (const ok of ['index-Dkqqo5ME.js', 'hls_light-B5YW9Yff.js', 'index-DwgR7e_G.css']) assert.match(ok, ASSET_NAME);
    for (const bad of ['../index.html', 'index.js', '.env', 'a-b.js.map', 'x-12345678.html', 'index-Dkqqo5ME.js/..', '%2e%2e-12345678.js']) assert.doesNotMatch(bad, ASSET_NAME);
  });

  test('the CSP allows nothing inline and no other origin', () => {
    assert.match(DASHBOARD_CSP, /default-src 'self'/);
    assert.match(DASHBOARD_CSP, /object-src 'none'/);
    assert.match(DASHBOARD_CSP, /frame-ancestors 'self'/);
    assert.doesNotMatch(DASHBOARD_CSP, /unsafe-inline|unsafe-eval|\*|https?:/);
  });
});

describe('dashboard in Chromium', { skip, timeout: 240_000 }, () => {
  let rig: Rig;
  let browser: Browser;
  let rtsp: RtspServer | undefined;
  let page: Page;
  let errors: string[];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-dash-'));

  before(async () => {
    ensureDashboardBuilt();
    const clip = await ensureSmallClip();
    // A clip as the store would keep it: fragmented MP4.
    const fmp4 = path.join(tmp, 'clip-1.mp4');
    await runFfmpeg(['-y', '-loglevel', 'error', '-i', clip, '-c', 'copy', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', fmp4]);
    let yardUrl = clip;
    if (rtspServerAvailable().ok) {
      rtsp = await startRtspServer({ mounts: { yard: `file:${clip}` } });
      yardUrl = rtsp.url('yard');
    }
    const history = sampleHistory();
    const now = Date.now();
    history.clips.push({ id: 'clip-1', camera: 'yard', ferretId: 'ferret-2', behavior: 'playing', start: now - 3_600_000, end: now - 3_594_000, bytes: fs.statSync(fmp4).size, file: fmp4 });
    rig = await startRig({
      cameras: [
        { id: 'demo', name: 'Play room', url: 'demo:' },
        { id: 'yard', name: 'Cage', url: yardUrl },
      ],
      history,
    });
    browser = await launchChromium();
    await waitFor('both streams live', () => ['demo', 'yard'].every((id) => hub.stream(id)?.state === 'live'), 30_000, 200);
  });

  after(async () => {
    await browser?.close();
    await rig?.close();
    await rtsp?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('serves the page with a strict CSP, no-cache page and immutable assets', async () => {
    const res = await fetch(rig.page);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-security-policy'), DASHBOARD_CSP);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const html = await res.text();
    const js = /src="\.\/assets\/([^"]+\.js)"/.exec(html)?.[1];
    assert.ok(js, 'the page loads a hashed script');
    const asset = await fetch(`${rig.base}/ferretwatch/assets/${js}`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    const noSlash = await fetch(`${rig.base}/ferretwatch`, { redirect: 'manual' });
    assert.equal(noSlash.status, 301);
    assert.equal(noSlash.headers.get('location'), 'ferretwatch/');
    for (const p of ['assets/..%2Fpackage.json', 'assets/index.js', 'assets/x-12345678.js', 'assets/%2e%2e%2fpackage.json', 'assets/a/b-12345678.js']) {
      const r = await fetch(`${rig.base}/ferretwatch/${p}`);
      assert.equal(r.status, 404, p);
    }
  });

  test('loads without console errors and every camera plays', async () => {
    page = await browser.newPage();
    errors = watch(page);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(rig.page, { waitUntil: 'load' });
    const first = await waitFor(
      'two cameras playing',
      async () => {
        const t = await tiles(page);
        return t.length === 2 && t.every((x) => x.time > 0.5 && x.badge === 'live') ? t : undefined;
      },
      40_000,
      250,
    );
    await page.waitForTimeout(3000);
    const later = await tiles(page);
    for (const t of later) {
      const before = first.find((x) => x.id === t.id)!;
      assert.ok(t.time > before.time + 0.5, `${t.id}: video advances (${before.time.toFixed(2)} → ${t.time.toFixed(2)} s)`);
    }
    assert.deepEqual(errors, []);
  });

  test('an overlay box sits on the moving object of the frame on screen (PDT-aligned)', async () => {
    const pub = await rig.publishDemoTracks('demo', 100);
    try {
      const tile = await waitFor(
        'boxes drawn on the demo camera',
        async () => (await tiles(page)).find((t) => t.id === 'demo' && t.boxes >= 3 && t.overlayTs > 0 && t.playingTs > 0),
        15_000,
        100,
      );
      // The result drawn belongs to the frame shown, not to the newest result (seconds ahead).
      const lag = Date.now() - tile.playingTs;
      assert.ok(Math.abs(tile.overlayTs - tile.playingTs) <= 200, `overlay ts ${tile.overlayTs} vs playing ${tile.playingTs}`);
      assert.ok(lag > 200, `the picture is behind real time (${lag} ms), so alignment matters`);

      // The cream ferret's box for the frame on screen (boxes move between two results) covers
      // cream pixels in that frame.
      const sample = await page.evaluate(() => {
        const grid = document.querySelector('fw-app')!.querySelector('fw-camera-grid')!.shadowRoot!;
        const t = Array.from(grid.querySelectorAll('fw-camera-tile')).find((x) => (x as unknown as { camera: { id: string } }).camera.id === 'demo') as HTMLElement;
        const v = t.shadowRoot!.querySelector('video') as HTMLVideoElement;
        const c = document.createElement('canvas');
        c.width = v.videoWidth;
        c.height = v.videoHeight;
        const ctx = c.getContext('2d', { willReadFrequently: true })!;
        ctx.drawImage(v, 0, 0);
        const overlay = t.shadowRoot!.querySelector('canvas') as HTMLCanvasElement;
        return {
          ts: Number(t.dataset.playingTs),
          w: c.width,
          h: c.height,
          data: Array.from(ctx.getImageData(0, 0, c.width, c.height).data),
          overlayPainted: overlay.width > 0 && overlay.getContext('2d')!.getImageData(0, 0, overlay.width, overlay.height).data.some((x, i) => i % 4 === 3 && x > 0),
        };
      });
      assert.equal(sample.w, 640);
      assert.ok(sample.overlayPainted, 'the overlay canvas has boxes painted');
      const cream = (box: number[]): number => {
        let n = 0;
        let hit = 0;
        for (let y = Math.max(0, box[1]); y < Math.min(sample.h, box[3]); y++) {
          for (let x = Math.max(0, box[0]); x < Math.min(sample.w, box[2]); x++) {
            const i = (y * sample.w + x) * 4;
            n++;
            if (sample.data[i] > 195 && sample.data[i + 1] > 185 && sample.data[i + 2] > 150) hit++;
          }
        }
        return n ? hit / n : 0;
      };
      const lagMs = await rig.demoLag('demo');
      const drawn = cream(demoBlobBox('cream', sample.ts - lagMs));
      const newest = cream(demoBlobBox('cream', Date.now() - lagMs));
      console.log(`# cream pixels under the drawn box: ${(drawn * 100).toFixed(0)} % (under the newest result's box: ${(newest * 100).toFixed(0)} %), picture lag ${lag} ms, demo phase lag ${lagMs} ms`);
      assert.ok(drawn >= 0.3, `the drawn box covers the cream blob (${(drawn * 100).toFixed(0)} % cream pixels)`);
      await shot(page, 'overlay');
    } finally {
      pub.stop();
    }
    assert.deepEqual(errors, []);
  });

  test('a behavior change shows in the ferret card within 2 s', async () => {
    const card = page.locator('fw-ferret-card').filter({ hasText: 'Talulah' });
    await card.locator('.chip.behavior').waitFor({ timeout: 10_000 });
    const t0 = Date.now();
    hub.publish({ kind: 'behavior', payload: { ferretId: 'ferret-1', name: 'Talulah', camera: 'demo', behavior: 'eating', previous: 'playing', confidence: 0.9, since: t0, zone: 'food' } });
    await card.locator('.chip.behavior[data-behavior="eating"]').waitFor({ timeout: 2000 });
    console.log(`# behavior on the card ${Date.now() - t0} ms after publishing`);
    assert.match((await card.locator('.now').innerText()).replace(/\s+/g, ' '), /eating.*since.*food/);
    // Today's timeline and the 7-day chart came from the history routes.
    assert.ok((await card.locator('fw-timeline rect').count()) > 3, 'timeline bands');
    await card.locator('fw-activity-chart canvas').waitFor({ timeout: 10_000 });
    // Its photo was cut out of the video frame the ferret was tracked on.
    const photo = await card.locator('.photo canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let cream = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] > 195 && d[i + 1] > 185 && d[i + 2] > 150) cream++;
      return { w: c.width, cream: cream / (d.length / 4) };
    });
    assert.equal(photo.w, 128);
    assert.ok(photo.cream > 0.1, `the photo shows the cream ferret (${(photo.cream * 100).toFixed(0)} % cream pixels)`);
    assert.deepEqual(errors, []);
  });

  test('clicking a tracked ferret names it (POST api/ferrets {name, trackId})', async () => {
    const pub = await rig.publishDemoTracks('demo', 100);
    try {
      await waitFor('boxes', async () => (await tiles(page)).find((t) => t.id === 'demo' && t.boxes >= 3), 10_000, 100);
      // The sleeping ferret does not move: click the middle of its box.
      const stage = page.locator('fw-camera-tile').filter({ has: page.locator('button.title', { hasText: 'Play room' }) }).locator('.stage');
      const bb = (await stage.boundingBox())!;
      const box = demoBlobBox('sleepy', 0);
      const scale = bb.width / 640;
      await page.mouse.click(bb.x + ((box[0] + box[2]) / 2) * scale, bb.y + (bb.height - 360 * scale) / 2 + ((box[1] + box[3]) / 2) * scale);
      const dialog = page.locator('fw-name-dialog dialog');
      await dialog.waitFor({ state: 'visible', timeout: 5000 });
      await dialog.locator('input').fill('Noodle');
      await dialog.locator('button[type="submit"]').click();
      await dialog.waitFor({ state: 'hidden', timeout: 5000 });
      assert.deepEqual(rig.history!.named, [{ name: 'Noodle', trackId: '9' }]);
      await page.locator('fw-ferret-card h3', { hasText: 'Noodle' }).waitFor({ timeout: 3000 });
    } finally {
      pub.stop();
    }
    assert.deepEqual(errors, []);
  });

  test('a clip plays in place', async () => {
    const item = page.locator('fw-clip-list li[data-clip="clip-1"]');
    // The filter defaults to today; the clip is from an hour ago (still today, unless run just after midnight).
    await page.locator('fw-clip-list input[name="day"]').fill('');
    await page.locator('fw-clip-list button[type="submit"]').click();
    await item.waitFor({ timeout: 5000 });
    await item.locator('button').click();
    const played = await waitFor(
      'clip playing',
      () => item.locator('video').evaluate((v: HTMLVideoElement) => (v.currentTime > 0.5 && !v.error ? v.currentTime : 0)),
      15_000,
      200,
    );
    assert.ok(played > 0.5);
    await shot(page, 'desktop');
    assert.deepEqual(errors, []);
  });

  test('keyboard: a camera enlarges with Enter and returns with Escape', async () => {
    const title = page.locator('fw-camera-tile button.title', { hasText: 'Cage' });
    await title.focus();
    await page.keyboard.press('Enter');
    await waitFor('one tile shown', async () => (await tiles(page)).filter((t) => !t.hidden).length === 1, 3000, 50);
    const big = (await tiles(page)).find((t) => !t.hidden)!;
    assert.equal(big.id, 'yard');
    await page.keyboard.press('Escape');
    await waitFor('both tiles back', async () => (await tiles(page)).filter((t) => !t.hidden).length === 2, 3000, 50);
    assert.deepEqual(errors, []);
  });

  test('a 390×844 phone viewport has no horizontal scroll', async () => {
    const phone = await browser.newPage();
    const perr = watch(phone);
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(rig.page, { waitUntil: 'load' });
    await phone.locator('fw-ferret-card').first().waitFor({ timeout: 10_000 });
    await phone.locator('fw-activity-chart canvas').first().waitFor({ timeout: 10_000 });
    await waitFor('video playing', async () => (await tiles(phone)).some((t) => t.time > 0.3), 30_000, 250);
    const m = await phone.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth, bodyScroll: document.body.scrollWidth }));
    assert.ok(m.scroll <= m.client && m.bodyScroll <= m.client, `no horizontal overflow (${JSON.stringify(m)})`);
    const t = await tiles(phone);
    assert.equal(new Set(t.map((x) => x.x)).size, 1, 'one column on a phone');
    await shot(phone, 'phone');
    await phone.close();
    assert.deepEqual(perr, []);
  });

  test('the grid re-flows for 5, 2 and 1 cameras', async () => {
    const rowCounts = async (n: number) =>
      waitFor(
        `${n} tiles`,
        async () => {
          const t = (await tiles(page)).filter((x) => !x.hidden);
          if (t.length !== n) return undefined;
          const rows = new Map<number, number>();
          for (const x of t) rows.set(x.y, (rows.get(x.y) ?? 0) + 1);
          return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
        },
        10_000,
        100,
      );
    for (const id of ['c3', 'c4', 'c5']) rig.addCamera({ id, name: `Spare ${id}`, url: 'demo:' }, false);
    assert.deepEqual(await rowCounts(5), [3, 2]);
    await shot(page, 'grid-5');
    for (const id of ['c3', 'c4', 'c5']) await rig.removeCamera(id);
    assert.deepEqual(await rowCounts(2), [2]);
    await rig.removeCamera('yard');
    assert.deepEqual(await rowCounts(1), [1]);
    const [only] = await tiles(page);
    const width = await page.evaluate(() => document.querySelector('fw-app')!.querySelector('fw-camera-grid')!.getBoundingClientRect().width);
    assert.ok(only.w > width * 0.6, `one camera gets the row (${only.w} of ${width} px; at most 74 % of the viewport height tall)`);
    // The removed camera's player may have asked for its playlist once more before the page heard of the removal.
    assert.deepEqual(
      errors.filter((e) => !/status of 404 .*\/hls\/yard\//.test(e)),
      [],
    );
  });

  test('without a behavior-store node the page says what is missing and keeps the live view', async () => {
    rig.history!.available = false;
    const p = await browser.newPage();
    const perr = watch(p);
    await p.goto(rig.page, { waitUntil: 'load' });
    await p.getByText('History needs a behavior-store node').first().waitFor({ timeout: 10_000 });
    hub.publish({ kind: 'behavior', payload: { ferretId: 'ferret-5', name: 'Pip', camera: 'demo', behavior: 'drinking', previous: null, confidence: 0.7, since: Date.now(), zone: 'water' } });
    await p.locator('fw-ferret-card .chip.behavior[data-behavior="drinking"]').waitFor({ timeout: 2000 });
    await shot(p, 'no-store');
    await p.close();
    rig.history!.available = true;
    // A 503 answer is reported by the browser as a failed resource load; nothing else may be.
    assert.deepEqual(
      perr.filter((e) => !/status of 503/.test(e)),
      [],
    );
  });
});

/**
 * The editor side in the real Node-RED editor: the sidebar tab (plugin) and the zone editor in the
 * ferret-camera dialog. Node-RED loads a throwaway package whose entries point at the compiled
 * plugin and camera node and at their editor .html files from the source tree.
 */
describe('Node-RED editor: FerretWatch sidebar tab and zone editor', { skip, timeout: 120_000 }, () => {
  const compiled = path.resolve(__dirname, '..', '..');
  const pluginJs = path.join(compiled, 'plugins', 'ferretwatch-sidebar.js');
  const cameraJs = path.join(compiled, 'nodes', 'ferret-camera', 'ferret-camera.js');
  const missing = [pluginJs, cameraJs].find((f) => !fs.existsSync(f));
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-editor-'));
  let red: ChildProcess | undefined;
  let browser: Browser;
  let base = '';
  let output = '';

  before(async () => {
    if (missing) return;
    ensureDashboardBuilt();
    const pkg = path.join(userDir, 'node_modules', 'fw-editor-test');
    fs.mkdirSync(path.join(pkg, 'locales', 'en-US'), { recursive: true });
    fs.writeFileSync(
      path.join(pkg, 'package.json'),
      JSON.stringify({ name: 'fw-editor-test', version: '1.0.0', 'node-red': { nodes: { 'ferret-camera': 'ferret-camera.js' }, plugins: { 'ferretwatch-sidebar': 'ferretwatch-sidebar.js' } } }),
    );
    fs.writeFileSync(path.join(pkg, 'ferret-camera.js'), `module.exports = require(${JSON.stringify(cameraJs)});\n`);
    fs.writeFileSync(path.join(pkg, 'ferretwatch-sidebar.js'), `module.exports = require(${JSON.stringify(pluginJs)});\n`);
    fs.copyFileSync(path.join(repoRoot, 'nodes', 'ferret-camera', 'ferret-camera.html'), path.join(pkg, 'ferret-camera.html'));
    fs.copyFileSync(path.join(repoRoot, 'plugins', 'ferretwatch-sidebar.html'), path.join(pkg, 'ferretwatch-sidebar.html'));
    for (const f of fs.readdirSync(path.join(repoRoot, 'nodes', 'ferret-camera', 'locales', 'en-US'))) {
      fs.copyFileSync(path.join(repoRoot, 'nodes', 'ferret-camera', 'locales', 'en-US', f), path.join(pkg, 'locales', 'en-US', f));
    }
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'fw-editor-user', private: true, dependencies: { 'fw-editor-test': '1.0.0' } }));
    fs.writeFileSync(
      path.join(userDir, 'flows.json'),
      JSON.stringify([{ id: 'cam1', type: 'ferret-camera', name: 'Cage', cameraId: 'cage', url: 'demo:', transport: 'tcp', analysisUrl: '', zones: '[{"name":"food","points":[[0.1,0.6],[0.3,0.6],[0.3,0.9]]}]' }]),
    );
    fs.writeFileSync(
      path.join(userDir, 'settings.js'),
      `module.exports = { flowFile: 'flows.json', uiHost: '127.0.0.1', httpNodeRoot: '/nodes/', diagnostics: { enabled: false }, telemetry: { enabled: false },
        externalModules: { autoInstall: false, palette: { allowInstall: false } }, editorTheme: { projects: { enabled: false }, tours: false },
        logging: { console: { level: 'warn', metrics: false, audit: false } } };\n`,
    );
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--port', String(port), '--settings', path.join(userDir, 'settings.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
    red.stdout?.on('data', (d) => (output = (output + d).slice(-8000)));
    red.stderr?.on('data', (d) => (output = (output + d).slice(-8000)));
    await waitFor('Node-RED up with the plugin', async () => (await fetch(`${base}/plugins`, { headers: { Accept: 'application/json' } }).then((r) => r.text()).catch(() => '')).includes('ferretwatch-sidebar'), 40_000, 250);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (red?.pid) {
      const kids = childPids(red.pid, { recursive: true });
      red.kill('SIGTERM');
      await new Promise((r) => red!.once('exit', r));
      await waitFor('Node-RED gone', () => kids.every((p) => !processAlive(p)), 5000).catch(() => undefined);
    }
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  test('the sidebar tab shows the compact dashboard (served on httpNodeRoot) only while visible', async (t) => {
    if (missing) return t.skip(`${path.relative(compiled, missing)} is not compiled`);
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => !!(globalThis as any).RED?.sidebar && document.querySelector('#red-ui-tab-ferretwatch'), undefined, { timeout: 30_000 });
    assert.equal(await page.locator('.ferretwatch-sidebar iframe').count(), 0, 'no frame while the tab is not shown');
    // The editor picks its own sidebar tab once the flows are loaded: wait for that first.
    await page.waitForFunction(() => !!(globalThis as any).RED.workspaces?.active(), undefined, { timeout: 30_000 });
    await page.waitForTimeout(1000);
    await page.evaluate(() => (globalThis as any).RED.sidebar.show('ferretwatch'));
    const frame = page.locator('.ferretwatch-sidebar iframe');
    await frame.waitFor({ timeout: 5000 });
    assert.equal(await frame.getAttribute('src'), '/nodes/ferretwatch/?view=compact');
    assert.equal(await page.locator('#red-ui-sidebar-footer a[href="/nodes/ferretwatch/"]').count(), 1, 'an "Open dashboard" link');
    const inner = page.frameLocator('.ferretwatch-sidebar iframe');
    await inner.locator('fw-camera-tile').waitFor({ timeout: 15_000 });
    assert.match(await inner.locator('fw-camera-tile button.title').innerText(), /Cage/);
    await inner.locator('.open-full').waitFor();
    await shot(page, 'editor-tab');
    await page.evaluate(() => (globalThis as any).RED.sidebar.show('info'));
    await waitFor('frame unloaded', async () => (await page.locator('.ferretwatch-sidebar iframe').count()) === 0, 5000, 100);
    await page.close();
  });

  test('the zone editor draws, names and deletes polygons into the zones field (0..1)', async (t) => {
    if (missing) return t.skip(`${path.relative(compiled, missing)} is not compiled`);
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => !!(globalThis as any).RED?.nodes?.node('cam1'), undefined, { timeout: 30_000 });
    await page.evaluate(() => (globalThis as any).RED.editor.editConfig('', 'ferret-camera', 'cam1'));
    const canvas = page.locator('#ferret-camera-zone-editor canvas');
    await canvas.waitFor({ timeout: 10_000 });
    await canvas.scrollIntoViewIfNeeded();
    // The existing zone is listed; the snapshot is missing (no detector), so the grid is shown with a note.
    await page.locator('#ferret-camera-zone-editor .fw-zone-row input[type=text]').first().waitFor();
    assert.equal(await page.locator('#ferret-camera-zone-editor .fw-zone-row input[type=text]').first().inputValue(), 'food');
    await page.locator('#ferret-camera-zone-editor .fw-zone-picture', { hasText: 'No snapshot' }).waitFor({ timeout: 5000 });

    // Draw a triangle: three corners, then the first corner again.
    const bb = (await canvas.boundingBox())!;
    const at = (x: number, y: number) => page.mouse.click(bb.x + x * bb.width, bb.y + y * bb.height);
    await page.locator('#ferret-camera-zone-editor .fw-zone-add').click();
    await at(0.6, 0.2);
    await at(0.9, 0.2);
    await at(0.9, 0.5);
    await at(0.6, 0.2);
    const name = page.locator('#ferret-camera-zone-editor .fw-zone-row input[type=text]').nth(1);
    await name.waitFor();
    await name.fill('water bowl');
    await name.press('Tab');
    const zones = JSON.parse(await page.locator('#node-config-input-zones').inputValue());
    assert.equal(zones.length, 2);
    assert.equal(zones[1].name, 'water bowl');
    assert.equal(zones[1].points.length, 3);
    for (const [x, y] of zones[1].points) assert.ok(x >= 0 && x <= 1 && y >= 0 && y <= 1);
    assert.ok(Math.abs(zones[1].points[0][0] - 0.6) < 0.02 && Math.abs(zones[1].points[2][1] - 0.5) < 0.02, JSON.stringify(zones[1].points));
    await shot(page, 'zone-editor');

    // Delete the first zone, then save the dialog: the node holds the new zones.
    await page.locator('#ferret-camera-zone-editor .fw-zone-row button').first().click();
    await page.locator('#node-config-dialog-ok').click();
    await waitFor('dialog closed', async () => (await page.locator('#ferret-camera-zone-editor').count()) === 0, 5000, 100);
    const saved = JSON.parse(await page.evaluate(() => (globalThis as any).RED.nodes.node('cam1').zones));
    assert.deepEqual(saved.map((z: { name: string }) => z.name), ['water bowl']);
    await page.close();
  });
});
