// Store benchmark: synchronous=NORMAL vs FULL, batched insert throughput, bytes per ferret-year at a
// realistic rate, and query latency on a 10-million-episode database (built once and cached in
// os.tmpdir(), keyed by schema version). Writes bench/results/store.json and prints a table.
//
//   node dist/bench/store.js [--rows 10000000] [--skip-big] [--out bench/results/store.json]
//
// CPU heavy (the 10M build takes a minute or two the first time): run it with `nice -n 10`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { Episode } from '../runtime/contracts';
import { SCHEMA_VERSION, migrate } from '../runtime/store/migrations';
import { encodeConfidence, localDate, type SynchronousLevel } from '../runtime/store/schema';
import { BehaviorStore } from '../runtime/store/store';

const DAY = 86_400_000;
const BEHAVIORS = ['sleeping', 'resting', 'exploring', 'playing', 'eating', 'drinking', 'litter', 'hiding', 'social_play', 'out_of_view'];
// Ferrets sleep most of the day; weights shape a realistic mix of episode behaviors.
const WEIGHTS = [30, 15, 20, 10, 6, 5, 4, 5, 3, 2];
const ZONES = ['bed', 'bowl', 'water', 'litter', 'tunnel', null];
const CAMERAS = ['cam-1', 'cam-2', 'cam-3'];
const EPISODES_PER_DAY = 150;

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? 'true' : v;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: () => number, xs: readonly T[], weights?: readonly number[]): T {
  if (!weights) return xs[Math.floor(r() * xs.length)];
  const total = weights.reduce((a, b) => a + b, 0);
  let x = r() * total;
  for (let i = 0; i < xs.length; i++) if ((x -= weights[i]) < 0) return xs[i];
  return xs[xs.length - 1];
}

/**
 * Episode ids as runtime/behavior/engine.ts builds them: `<ferretId>:<since ms>:<behavior>`, e.g.
 * `ferret-1:1732444800000:sleeping` (~30 bytes). 'short' is the 17-byte `<ferretId>-<start base36>`
 * shape earlier figures assumed, kept to measure what the id length costs.
 */
export type IdShape = 'engine' | 'short';

/** One ferret-day: EPISODES_PER_DAY back-to-back episodes filling the day. */
function ferretDay(r: () => number, ferretId: string, dayStart: number, idShape: IdShape = 'engine'): Episode[] {
  const w = Array.from({ length: EPISODES_PER_DAY }, () => 0.05 + r());
  const sum = w.reduce((a, b) => a + b, 0);
  const out: Episode[] = [];
  let t = dayStart;
  for (let i = 0; i < EPISODES_PER_DAY; i++) {
    const end = i === EPISODES_PER_DAY - 1 ? dayStart + DAY : t + Math.round((w[i] / sum) * DAY);
    const camera = pick(r, CAMERAS);
    const behavior = pick(r, BEHAVIORS, WEIGHTS);
    out.push({
      episodeId: idShape === 'engine' ? `${ferretId}:${t}:${behavior}` : `${ferretId}-${t.toString(36)}`,
      ferretId,
      name: null,
      camera,
      behavior,
      start: t,
      end,
      durationS: (end - t) / 1000,
      confidence: Math.round((0.5 + r() / 2) * 100) / 100,
      zone: pick(r, ZONES),
    });
    t = end;
  }
  return out;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function latency(xs: number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { n: xs.length, p50: r(pct(xs, 50)), p95: r(pct(xs, 95)), p99: r(pct(xs, 99)), max: r(Math.max(...xs)) };
}

function fileBytes(f: string): number {
  let n = 0;
  for (const s of ['', '-wal', '-shm']) {
    try {
      n += fs.statSync(f + s).size;
    } catch {
      // absent
    }
  }
  return n;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-store-bench-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

// ---------------------------------------------------------------- synchronous NORMAL vs FULL

function syncTradeoff(level: SynchronousLevel): { batchedEpisodesPerS: number; commitsPerS: number; commitMeanMs: number } {
  const file = path.join(work, `sync-${level}.db`);
  const store = BehaviorStore.open(file, { synchronous: level, flushIntervalMs: 60_000, maxBatch: 1000 });
  const r = rng(1);
  const eps: Episode[] = [];
  for (let d = 0; eps.length < 100_000; d++) for (let f = 0; f < 4; f++) eps.push(...ferretDay(r, `ferret-${f + 1}`, Date.UTC(2024, 0, 1) + d * DAY));
  let t0 = performance.now();
  for (const e of eps) store.enqueue('episode', e);
  store.flush();
  const batched = eps.length / ((performance.now() - t0) / 1000);
  // One transaction per message (the outbox path): the cost synchronous actually changes.
  const N = level === 'FULL' ? 500 : 2000;
  t0 = performance.now();
  for (let i = 0; i < N; i++) store.outboxPush('ferretwatch/bench', `{"i":${i}}`, 1);
  const ms = performance.now() - t0;
  store.close();
  return { batchedEpisodesPerS: Math.round(batched), commitsPerS: Math.round(N / (ms / 1000)), commitMeanMs: Math.round((ms / N) * 1000) / 1000 };
}

// ---------------------------------------------------------------- batching throughput

function batching(): { episodes: number; seconds: number; episodesPerS: number; transactions: number } {
  const file = path.join(work, 'batching.db');
  const store = BehaviorStore.open(file);
  const r = rng(2);
  const eps: Episode[] = [];
  for (let d = 0; eps.length < 300_000; d++) for (let f = 0; f < 10; f++) eps.push(...ferretDay(r, `ferret-${f + 1}`, Date.UTC(2024, 0, 1) + d * DAY));
  const t0 = performance.now();
  for (const e of eps) store.enqueue('episode', e);
  store.flush();
  const s = (performance.now() - t0) / 1000;
  const tx = store.stats().transactions;
  store.close();
  return { episodes: eps.length, seconds: Math.round(s * 100) / 100, episodesPerS: Math.round(eps.length / s), transactions: tx };
}

// ---------------------------------------------------------------- bytes per ferret-year

const RATE = { episodes: EPISODES_PER_DAY, behaviorChanges: EPISODES_PER_DAY, summaries: 1, alerts: 1, clips: 10, trackEvents: 200 };

function sizePerFerretYear(idShape: IdShape = 'engine'): {
  idShape: IdShape;
  exampleEpisodeId: string;
  ferrets: number;
  days: number;
  perFerretDay: typeof RATE;
  fileBytes: number;
  bytesPerFerretYear: number;
  bytesPerFerretYearWithoutTracks: number;
  tables: Record<string, number>;
} {
  const file = path.join(work, `size-${idShape}.db`);
  const store = BehaviorStore.open(file);
  const r = rng(3);
  const F = 3;
  const DAYS = 365;
  const t0 = Date.UTC(2024, 0, 1);
  for (let d = 0; d < DAYS; d++) {
    for (let f = 0; f < F; f++) {
      const ferretId = `ferret-${f + 1}`;
      const day = ferretDay(r, ferretId, t0 + d * DAY, idShape);
      let prev: string | null = null;
      for (const e of day) {
        store.enqueue('behavior', { ferretId, name: 'Loki', camera: e.camera, behavior: e.behavior, previous: prev, confidence: e.confidence, since: e.start, zone: e.zone });
        store.enqueue('episode', e);
        prev = e.behavior;
      }
      for (let i = 0; i < RATE.trackEvents / 2; i++) {
        const ts = t0 + d * DAY + Math.floor(r() * DAY);
        const trackId = `cam-1-${d}-${f}-${i}`;
        store.enqueue('track', { event: 'track-start', camera: 'cam-1', trackId, ferretId, name: null, ts });
        store.enqueue('track', { event: 'track-end', camera: 'cam-1', trackId, ferretId, name: null, ts: ts + 60_000, durationS: 60, pathLengthPx: Math.round(r() * 5000) });
      }
      for (let i = 0; i < RATE.clips; i++) {
        const e = day[Math.floor(r() * day.length)];
        store.enqueue('clip', { id: `clip-${e.episodeId}`, camera: e.camera, ferretId, behavior: e.behavior, episodeId: e.episodeId, start: e.start, end: e.start + 30_000, bytes: 4_000_000, path: `/var/lib/ferretwatch/clips/${localDate(e.start)}/clip-${e.episodeId}.mp4` });
      }
      store.enqueue('alert', { alertId: `alert-${ferretId}-${d}`, ferretId, name: null, type: 'no-drinking', message: 'No drinking seen for 12 hours', ts: t0 + d * DAY + 43_200_000 });
      const minutes: Record<string, number> = {};
      for (const e of day) minutes[e.behavior] = Math.round(((minutes[e.behavior] ?? 0) + e.durationS / 60) * 10) / 10;
      store.enqueue('summary', { ferretId, name: null, date: localDate(t0 + d * DAY + 43_200_000), minutes, meals: 6, drinks: 12, litterVisits: 5, distanceBodyLengths: 812.5, longestSleepMin: 212, firstActivity: t0 + d * DAY + 25_000_000, lastActivity: t0 + d * DAY + 80_000_000 });
    }
  }
  store.flush();
  const db = store.database;
  db.pragma('wal_checkpoint(TRUNCATE)');
  const tables: Record<string, number> = {};
  for (const row of db.prepare("SELECT coalesce(i.tbl_name, d.name) AS t, sum(d.pgsize) AS bytes FROM dbstat d LEFT JOIN sqlite_master i ON i.name = d.name GROUP BY t ORDER BY bytes DESC").all() as Array<{ t: string; bytes: number }>) {
    tables[row.t] = row.bytes;
  }
  store.close();
  const bytes = fileBytes(file);
  const years = (F * DAYS) / 365;
  return {
    idShape,
    exampleEpisodeId: ferretDay(rng(9), 'ferret-1', t0, idShape)[0].episodeId,
    ferrets: F,
    days: DAYS,
    perFerretDay: RATE,
    fileBytes: bytes,
    bytesPerFerretYear: Math.round(bytes / years),
    bytesPerFerretYearWithoutTracks: Math.round((bytes - (tables.track_events ?? 0)) / years),
    tables,
  };
}

// ---------------------------------------------------------------- 10M-row database

const BIG_FERRETS = 20;

function buildBig(file: string, rows: number): { seconds: number; cached: boolean; days: number; firstDay: number } {
  const firstDay = new Date(2016, 0, 1).getTime();
  const days = Math.ceil(rows / (BIG_FERRETS * EPISODES_PER_DAY));
  if (fs.existsSync(file)) {
    const db = new Database(file, { readonly: true });
    const done = (db.prepare("SELECT value FROM meta WHERE key = 'bench_rows'").get() as { value: number } | undefined)?.value;
    db.close();
    if (done === rows) return { seconds: 0, cached: true, days, firstDay };
  }
  for (const s of ['', '-wal', '-shm']) fs.rmSync(file + s, { force: true });
  const t0 = performance.now();
  const db = new Database(file);
  migrate(db);
  // A cache file: no journal while loading (a crash just means rebuilding it).
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const dict = db.prepare('INSERT INTO dict (text) VALUES (?)');
  const id = new Map<string, number>();
  const intern = (s: string) => {
    let v = id.get(s);
    if (v === undefined) id.set(s, (v = Number(dict.run(s).lastInsertRowid)));
    return v;
  };
  const ins = db.prepare('INSERT INTO episodes (episode_id, ferret_id, camera, behavior, start, "end", duration_s, confidence, zone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const ferret = db.prepare('INSERT INTO ferrets (id, name, created, updated) VALUES (?, ?, 0, 0)');
  const r = rng(4);
  let written = 0;
  let maxSpan = 0;
  db.exec('BEGIN');
  for (let f = 0; f < BIG_FERRETS; f++) ferret.run(`ferret-${f + 1}`, `Ferret ${f + 1}`);
  for (let d = 0; d < days && written < rows; d++) {
    const dayStart = new Date(2016, 0, 1 + d).getTime();
    const eps: Episode[] = [];
    for (let f = 0; f < BIG_FERRETS; f++) eps.push(...ferretDay(r, `ferret-${f + 1}`, dayStart));
    eps.sort((a, b) => a.start - b.start);
    for (const e of eps) {
      if (written >= rows) break;
      // duration_s NULL: it equals end - start (as the store writes it).
      ins.run(e.episodeId, intern(e.ferretId), intern(e.camera!), intern(e.behavior), e.start, e.end, null, encodeConfidence(e.confidence), e.zone === null ? null : intern(e.zone));
      maxSpan = Math.max(maxSpan, e.end! - e.start);
      if (++written % 250_000 === 0) {
        db.exec('COMMIT; BEGIN');
        process.stdout.write(`\r  building ${rows.toLocaleString('en')}-row database: ${written.toLocaleString('en')}`);
      }
    }
  }
  db.prepare("INSERT INTO meta (key, value) VALUES ('max_episode_ms', ?)").run(maxSpan);
  db.prepare("INSERT INTO meta (key, value) VALUES ('bench_rows', ?)").run(written);
  db.exec('COMMIT');
  db.exec('ANALYZE');
  db.pragma('journal_mode = WAL');
  db.close();
  process.stdout.write('\n');
  return { seconds: Math.round((performance.now() - t0) / 100) / 10, cached: false, days, firstDay };
}

function bigQueries(rows: number) {
  // "ids2": episode ids in the engine's shape (the file built with the older short ids is not reused).
  const file = path.join(os.tmpdir(), `ferretwatch-store-bench-v${SCHEMA_VERSION}-ids2-${rows}.db`);
  const build = buildBig(file, rows);
  const store = BehaviorStore.open(file);
  const r = rng(5);
  const dayOf = () => new Date(2016, 0, 1 + Math.floor(r() * (build.days - 1))).getTime();
  const ferretOf = () => `ferret-${1 + Math.floor(r() * BIG_FERRETS)}`;
  const time = (fn: () => unknown): number => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  };
  // Warm the page cache a little, as a running server would be.
  for (let i = 0; i < 100; i++) store.timeline(ferretOf(), dayOf(), dayOf() + DAY);

  const N = 1000;
  const timeline: number[] = [];
  let timelineRows = 0;
  for (let i = 0; i < N; i++) {
    const d = dayOf();
    const f = ferretOf();
    timeline.push(time(() => (timelineRows += store.timeline(f, d, d + DAY).length)));
  }
  const byFerret: number[] = [];
  const byBehavior: number[] = [];
  const byRange: number[] = [];
  for (let i = 0; i < N; i++) {
    const d = dayOf();
    const f = ferretOf();
    const b = BEHAVIORS[Math.floor(r() * BEHAVIORS.length)];
    byFerret.push(time(() => store.episodes({ ferret: f, from: d, to: d + 7 * DAY, limit: 100 })));
    byBehavior.push(time(() => store.episodes({ behavior: b, from: d, to: d + DAY, limit: 100 })));
    byRange.push(time(() => store.episodes({ from: d, to: d + 3_600_000, limit: 100, order: i % 2 ? 'desc' : 'asc' })));
  }
  // Deep keyset pages: 20 consecutive pages through a month of one ferret.
  const deep: number[] = [];
  for (let i = 0; i < 50; i++) {
    const d = dayOf();
    const f = ferretOf();
    let cursor: string | undefined;
    for (let p = 0; p < 20; p++) {
      let next: string | null = null;
      deep.push(time(() => (next = store.episodes({ ferret: f, from: d, to: d + 30 * DAY, limit: 100, cursor }).nextCursor)));
      if (!next) break;
      cursor = next;
    }
  }
  // Batched inserts into the big database (then removed so the cached file stays as built).
  const live: Episode[] = [];
  const lr = rng(6);
  const liveStart = new Date(2016, 0, 1 + build.days).getTime();
  for (let d = 0; live.length < 30_000; d++) for (let f = 0; f < BIG_FERRETS; f++) live.push(...ferretDay(lr, `bench-live-${f}`, liveStart + d * DAY));
  const t0 = performance.now();
  for (const e of live) store.enqueue('episode', e);
  store.flush();
  const liveS = (performance.now() - t0) / 1000;
  store.database.prepare("DELETE FROM episodes WHERE episode_id >= 'bench-live-' AND episode_id < 'bench-live.'").run();
  store.close();
  return {
    rows,
    file,
    fileBytes: fileBytes(file),
    bytesPerEpisodeRow: Math.round(fileBytes(file) / rows),
    build,
    timelineRowsAvg: Math.round(timelineRows / N),
    timelineMs: latency(timeline),
    episodesByFerret7dMs: latency(byFerret),
    episodesByBehavior1dMs: latency(byBehavior),
    episodesAll1hMs: latency(byRange),
    deepPagesMs: latency(deep),
    insertIntoBigEpisodesPerS: Math.round(live.length / liveS),
  };
}

// ---------------------------------------------------------------- main

function main(): void {
  const rows = Number(arg('rows', '10000000'));
  const out = arg('out', path.join(__dirname, '..', '..', 'bench', 'results', 'store.json'))!;
  const load = os.loadavg()[0];
  console.log('synchronous NORMAL vs FULL (WAL)…');
  const synchronous = { NORMAL: syncTradeoff('NORMAL'), FULL: syncTradeoff('FULL') };
  console.log('batched inserts…');
  const batch = batching();
  console.log('bytes per ferret-year…');
  const size = sizePerFerretYear('engine');
  const sizeShortIds = sizePerFerretYear('short');
  let big: ReturnType<typeof bigQueries> | null = null;
  if (arg('skip-big') !== 'true') {
    console.log(`${rows.toLocaleString('en')}-row database…`);
    big = bigQueries(rows);
  }
  const sqlite = (new Database(':memory:').prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    sqlite,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg1mAtStart: Math.round(load * 100) / 100 },
    goals: { batchedEpisodesPerS: 50_000, queryP95Ms: 20 },
    synchronous,
    batching: batch,
    size,
    sizeShortIds: {
      exampleEpisodeId: sizeShortIds.exampleEpisodeId,
      bytesPerFerretYear: sizeShortIds.bytesPerFerretYear,
      bytesPerFerretYearWithoutTracks: sizeShortIds.bytesPerFerretYearWithoutTracks,
      episodesTableBytes: sizeShortIds.tables.episodes,
      engineIdsCostPerFerretYear: size.bytesPerFerretYear - sizeShortIds.bytesPerFerretYear,
    },
    big,
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);

  const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
  const line = (k: string, v: string, goal = '') => console.log(`${k.padEnd(44)} ${v.padStart(18)}  ${goal}`);
  console.log('');
  line('metric', 'value', 'goal');
  line('batched episodes/s (NORMAL, default store)', batch.episodesPerS.toLocaleString('en'), `≥ 50,000 ${batch.episodesPerS >= 50_000 ? 'ok' : 'MISSED'}`);
  for (const lvl of ['NORMAL', 'FULL'] as const) {
    line(`  ${lvl}: batched episodes/s`, synchronous[lvl].batchedEpisodesPerS.toLocaleString('en'));
    line(`  ${lvl}: single-row commits/s`, synchronous[lvl].commitsPerS.toLocaleString('en'), `${synchronous[lvl].commitMeanMs} ms each`);
  }
  line('bytes per ferret-year (all tables)', mib(size.bytesPerFerretYear));
  line('bytes per ferret-year (without track_events)', mib(size.bytesPerFerretYearWithoutTracks));
  line(`  of which engine-shaped episode ids`, mib(size.bytesPerFerretYear - sizeShortIds.bytesPerFerretYear), `vs ${sizeShortIds.exampleEpisodeId}`);
  if (big) {
    line(`${big.rows.toLocaleString('en')}-row db size`, mib(big.fileBytes), `${big.bytesPerEpisodeRow} B/row; ${big.build.cached ? 'cached' : `built in ${big.build.seconds} s`}`);
    const q = (k: string, l: { p50: number; p95: number }) => line(k, `p50 ${l.p50} / p95 ${l.p95} ms`, `≤ 20 ms ${l.p95 <= 20 ? 'ok' : 'MISSED'}`);
    q('timeline (1 ferret, 1 day)', big.timelineMs);
    q('episodes (ferret, 7 days, 100)', big.episodesByFerret7dMs);
    q('episodes (behavior, 1 day, 100)', big.episodesByBehavior1dMs);
    q('episodes (all, 1 hour, 100)', big.episodesAll1hMs);
    q('episodes deep cursor pages', big.deepPagesMs);
    line('batched episodes/s into the big db', big.insertIntoBigEpisodesPerS.toLocaleString('en'));
  }
  console.log(`\nwritten ${path.relative(process.cwd(), out)}`);
}

main();
