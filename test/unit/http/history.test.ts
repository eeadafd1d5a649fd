// The history REST API over a real store: each route's answers, 400 naming the parameter, 404 for
// unknown ids, 503 without a store, and Range requests on clip files.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CLIP_ID, CLIP_SIZE, DAY, DAY0, clipBytes, startFixture, type Fixture } from './fixture';

let fx: Fixture;

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers; raw: Buffer }> {
  const r = await fetch(fx.url + path, { headers });
  const raw = Buffer.from(await r.arrayBuffer());
  const isJson = (r.headers.get('content-type') ?? '').includes('json');
  return { status: r.status, body: isJson ? JSON.parse(raw.toString('utf8')) : undefined, headers: r.headers, raw };
}

describe('history REST API', () => {
  before(async () => {
    fx = await startFixture();
  });
  after(async () => {
    await fx.close();
  });

  test('GET /api/ferrets lists ferrets with their current behavior', async () => {
    const r = await get('/ferretwatch/api/ferrets');
    assert.equal(r.status, 200);
    const byId = new Map<string, any>(r.body.map((f: any) => [f.id, f]));
    assert.deepEqual([...byId.keys()].sort(), ['ferret-1', 'ferret-2']);
    assert.equal(byId.get('ferret-1').name, 'Loki');
    assert.equal(byId.get('ferret-1').current.behavior, 'playing');
    assert.equal(byId.get('ferret-1').current.since, DAY0 + 9 * 3_600_000);
    assert.equal(byId.get('ferret-2').current.zone, 'bed');
  });

  test('GET /api/ferrets/:id/timeline: the local day, overlapping and open episodes included', async () => {
    const r = await get(`/ferretwatch/api/ferrets/ferret-1/timeline?date=${DAY}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.date, DAY);
    assert.equal(r.body.from, DAY0);
    assert.equal(r.body.name, 'Loki');
    const ids: string[] = r.body.episodes.map((e: any) => e.episodeId);
    assert.equal(ids[0], 'ferret-1:overnight', 'the episode that started the day before comes first');
    assert.ok(ids.includes('ferret-1:open:resting'));
    assert.equal(ids.length, 14);
    const starts = r.body.episodes.map((e: any) => e.start);
    assert.deepEqual(starts, [...starts].sort((a, b) => a - b));
    // The clip is linked to its episode.
    assert.equal(r.body.episodes.find((e: any) => e.clip)?.clip, CLIP_ID);

    const other = await get('/ferretwatch/api/ferrets/ferret-1/timeline?date=2025-01-08');
    assert.equal(other.status, 200);
    assert.deepEqual(
      other.body.episodes.map((e: any) => e.episodeId),
      ['ferret-1:open:resting'],
      'only the still-open episode overlaps a later day',
    );
  });

  test('timeline: 404 for an unknown ferret, 400 naming "date"', async () => {
    const r404 = await get('/ferretwatch/api/ferrets/ferret-9/timeline');
    assert.equal(r404.status, 404);
    assert.match(r404.body.error, /unknown ferret/);
    for (const bad of ['2025-13-01', '2025-02-30', 'yesterday', '20250106']) {
      const r = await get(`/ferretwatch/api/ferrets/ferret-1/timeline?date=${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.parameter, 'date');
      assert.match(r.body.error, /"date"/);
    }
  });

  test('GET /api/episodes: filters and cursor pagination visit every row once', async () => {
    const all = await get(`/ferretwatch/api/episodes?ferret=ferret-1&from=${DAY}&limit=1000`);
    assert.equal(all.status, 200);
    assert.equal(all.body.nextCursor, null);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: any = await get(`/ferretwatch/api/episodes?ferret=ferret-1&from=${DAY}&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(r.status, 200);
      seen.push(...r.body.items.map((e: any) => e.episodeId));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    assert.deepEqual(seen, all.body.items.map((e: any) => e.episodeId));
    assert.equal(pages, Math.ceil(all.body.items.length / 5));

    const playing = await get(`/ferretwatch/api/episodes?behavior=playing&from=${DAY0}&to=${new Date(DAY0 + 86_400_000).toISOString()}`);
    assert.ok(playing.body.items.length > 0);
    assert.ok(playing.body.items.every((e: any) => e.behavior === 'playing'));
    const desc = await get('/ferretwatch/api/episodes?order=desc&limit=2');
    assert.ok(desc.body.items[0].start >= desc.body.items[1].start);
    const nobody = await get('/ferretwatch/api/episodes?ferret=ferret-404');
    assert.deepEqual(nobody.body, { items: [], nextCursor: null });
  });

  test('GET /api/episodes: 400 names the bad parameter', async () => {
    const cases: Array<[string, string]> = [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=ten', 'limit'],
      ['from=tomorrow', 'from'],
      ['to=2025-99-01', 'to'],
      [`from=${DAY0 + 10}&to=${DAY0}`, 'to'],
      ['order=up', 'order'],
      ['cursor=bogus', 'cursor'],
      ['ferret=a&ferret=b', 'ferret'],
    ];
    for (const [qs, param] of cases) {
      const r = await get(`/ferretwatch/api/episodes?${qs}`);
      assert.equal(r.status, 400, qs);
      assert.equal(r.body.parameter, param, qs);
      assert.ok(r.body.error.includes(`"${param}"`), r.body.error);
    }
    // A cursor of the other order is refused too.
    const asc = await get('/ferretwatch/api/episodes?limit=1');
    const r = await get(`/ferretwatch/api/episodes?order=desc&cursor=${asc.body.nextCursor}`);
    assert.equal(r.status, 400);
    assert.equal(r.body.parameter, 'cursor');
  });

  test('GET /api/summaries and /api/alerts', async () => {
    const s = await get(`/ferretwatch/api/summaries?ferret=ferret-1&from=${DAY}&to=${DAY}`);
    assert.equal(s.status, 200);
    assert.equal(s.body.length, 1);
    assert.equal(s.body[0].date, DAY);
    assert.equal(s.body[0].minutes.playing, 45.5);
    const all = await get('/ferretwatch/api/summaries');
    assert.equal(all.body.length, 3);
    assert.equal((await get('/ferretwatch/api/summaries?from=2025-01-07&to=2025-01-06')).body.parameter, 'to');
    assert.equal((await get('/ferretwatch/api/summaries?from=Jan')).status, 400);

    const a = await get('/ferretwatch/api/alerts');
    assert.equal(a.status, 200);
    assert.deepEqual(a.body.map((x: any) => x.alertId), ['a2', 'a1'], 'newest first');
    const since = await get(`/ferretwatch/api/alerts?since=${DAY0 + 45_000_000}&limit=5`);
    assert.deepEqual(since.body.map((x: any) => x.alertId), ['a2']);
    assert.equal((await get('/ferretwatch/api/alerts?limit=-1')).body.parameter, 'limit');
  });

  test('GET /api/clips lists with filters and never exposes the server path', async () => {
    const r = await get(`/ferretwatch/api/clips?ferret=ferret-1&behavior=playing&day=${DAY}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 2);
    const c = r.body.find((x: any) => x.id === CLIP_ID);
    assert.equal(c.url, `/ferretwatch/api/clips/${CLIP_ID}.mp4`);
    assert.equal(c.durationS, 30);
    assert.equal(c.path, undefined);
    assert.doesNotMatch(JSON.stringify(r.body), new RegExp(fx.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.deepEqual((await get('/ferretwatch/api/clips?day=2025-01-07')).body, []);
    assert.deepEqual((await get('/ferretwatch/api/clips?behavior=sleeping')).body, []);
    assert.equal((await get('/ferretwatch/api/clips?day=today')).body.parameter, 'day');
  });

  test('GET /api/clips/:id.mp4: whole file, ranges (206), unsatisfiable (416), unknown (404)', async () => {
    const bytes = clipBytes();
    const full = await get(`/ferretwatch/api/clips/${CLIP_ID}.mp4`);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    assert.equal(full.headers.get('content-type'), 'video/mp4');
    assert.equal(Number(full.headers.get('content-length')), CLIP_SIZE);
    assert.ok(full.raw.equals(bytes));

    const mid = await get(`/ferretwatch/api/clips/${CLIP_ID}.mp4`, { Range: 'bytes=100-299' });
    assert.equal(mid.status, 206);
    assert.equal(mid.headers.get('content-range'), `bytes 100-299/${CLIP_SIZE}`);
    assert.equal(Number(mid.headers.get('content-length')), 200);
    assert.ok(mid.raw.equals(bytes.subarray(100, 300)));

    const open = await get(`/ferretwatch/api/clips/${CLIP_ID}.mp4`, { Range: 'bytes=9990-' });
    assert.equal(open.status, 206);
    assert.equal(open.headers.get('content-range'), `bytes 9990-9999/${CLIP_SIZE}`);
    const suffix = await get(`/ferretwatch/api/clips/${CLIP_ID}.mp4`, { Range: 'bytes=-16' });
    assert.equal(suffix.status, 206);
    assert.ok(suffix.raw.equals(bytes.subarray(CLIP_SIZE - 16)));
    const past = await get(`/ferretwatch/api/clips/${CLIP_ID}.mp4`, { Range: 'bytes=999999-' });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${CLIP_SIZE}`);
    // A stale If-Range validator: the whole (changed) file instead of a range.
    const stale = await get(`/ferretwatch/api/clips/${CLIP_ID}.mp4`, { Range: 'bytes=0-9', 'If-Range': '"old"' });
    assert.equal(stale.status, 200);
    const fresh = await get(`/ferretwatch/api/clips/${CLIP_ID}.mp4`, { Range: 'bytes=0-9', 'If-Range': full.headers.get('etag')! });
    assert.equal(fresh.status, 206);

    assert.equal((await get('/ferretwatch/api/clips/cam-1-20250106T101500-ffff.mp4')).status, 404);
    assert.equal((await get('/ferretwatch/api/clips/..%2F..%2Fetc%2Fpasswd.mp4')).status, 404);
    const gone = await get('/ferretwatch/api/clips/cam-1-20250106T111500-dead.mp4');
    assert.equal(gone.status, 404);
    assert.match(gone.body.error, /missing/);
  });

  test('GET /api/stats reports the store', async () => {
    const r = await get('/ferretwatch/api/stats');
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.body.cameras));
    assert.equal(r.body.store.rows.episodes, 14);
    assert.ok(r.body.store.fileBytes > 0);
    assert.equal(r.body.store.totalRows, Object.values(r.body.store.rows as Record<string, number>).reduce((a, b) => a + b, 0));
  });

  test('without a store: 503 {error: "no behavior-store node deployed"}; stats still answer', async () => {
    fx.attach(false);
    try {
      for (const p of ['/api/ferrets', '/api/ferrets/ferret-1/timeline', '/api/episodes', '/api/summaries', '/api/alerts', '/api/clips', `/api/clips/${CLIP_ID}.mp4`]) {
        const r = await get(`/ferretwatch${p}`);
        assert.equal(r.status, 503, p);
        assert.deepEqual(r.body, { error: 'no behavior-store node deployed' });
      }
      const s = await get('/ferretwatch/api/stats');
      assert.equal(s.status, 200);
      assert.equal(s.body.store, null);
    } finally {
      fx.attach(true);
    }
  });
});
