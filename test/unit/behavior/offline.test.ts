// Behaviors over a MOT track file: classifyMot and the `ferretwatch behaviors` command.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifyMot, parseMotTracks, type MotTrackRow } from '../../../runtime/behavior/offline';
import { run } from '../../../cli/commands/behaviors';
import { SIM_HEIGHT, SIM_WIDTH, SIM_ZONES, simulate, type FerretScript } from '../../support/trajectory-sim';

const FPS = 5;

/** A clean 5 fps recording of the scripts as MOT rows (ids 1, 2, … per ferret). */
function motRows(scripts: FerretScript[], seed = 4): MotTrackRow[] {
  const frames = simulate(scripts, { fps: FPS, seed, dropRate: 0, fpsJitter: 0, missRate: 0 });
  const rows: MotTrackRow[] = [];
  frames.forEach((f, i) => {
    for (const t of f.payload?.tracks ?? []) {
      if (t.state === 'lost') continue;
      rows.push({ frame: i + 1, id: scripts.findIndex((s) => s.ferretId === t.ferretId) + 1, box: t.box, conf: 0.9 });
    }
  });
  return rows;
}

function motText(rows: readonly MotTrackRow[]): string {
  return rows.map((r) => [r.frame, r.id, r.box[0], r.box[1], r.box[2] - r.box[0], r.box[3] - r.box[1], r.conf ?? 1, -1, -1, -1].join(',')).join('\n') + '\n';
}

const script: FerretScript[] = [
  {
    ferretId: 'x',
    name: null,
    steps: [
      { b: 'rest', durationS: 20 },
      { b: 'explore', durationS: 20 },
      { b: 'eat', durationS: 60 },
      { b: 'explore', durationS: 20 },
    ],
  },
];

describe('classifyMot', () => {
  test('episodes carry the MOT track id and seconds from frame 1; zones come from the 0..1 polygons', () => {
    const rows = motRows(script);
    const eps = classifyMot(rows, { fps: FPS, zones: SIM_ZONES, width: SIM_WIDTH, height: SIM_HEIGHT });
    assert.deepEqual(
      eps.map((e) => e.behavior),
      ['resting', 'exploring', 'eating', 'exploring'],
    );
    assert.ok(eps.every((e) => e.trackId === 1 && e.ferretId === 'track-1' && e.camera === 'offline'));
    assert.equal(eps[0].start, 0);
    assert.ok(Math.abs(eps[1].start - 20) < 1.5, `exploring from ~20 s: ${eps[1].start}`);
    const eat = eps[2];
    assert.equal(eat.zone, 'food');
    assert.ok(eat.start > 40 && eat.start < 50 && Math.abs(eat.end - 100) < 2, `eating ${eat.start}–${eat.end}`);
    for (let i = 1; i < eps.length; i++) assert.equal(eps[i].start, eps[i - 1].end, 'episodes tile the track');
    assert.ok(Math.abs(eps[3].end - (rows[rows.length - 1].frame - 1) / FPS) < 0.01, 'the last one ends at the last row');
    for (const e of eps) assert.ok(Math.abs(e.durationS - (e.end - e.start)) < 0.1);
  });

  test('without zones eating is resting; bad input is refused with a reason', () => {
    const eps = classifyMot(motRows(script), { fps: FPS });
    assert.ok(!eps.some((e) => e.behavior === 'eating'));
    assert.throws(() => classifyMot([], { fps: 0 }), /fps/);
    assert.throws(() => classifyMot([], { fps: 5, zones: SIM_ZONES }), /width and height/);
    assert.deepEqual(classifyMot([], { fps: 5 }), []);
    assert.throws(() => parseMotTracks('1,1,10,10,5\n'), /line 1 is not a MOT row/);
    assert.throws(() => parseMotTracks('# c\n0,1,10,10,5,5\n'), /line 2: frame must be an integer ≥ 1/);
    assert.equal(parseMotTracks('1 2 10 10 5 5 0.9\n').length, 1, 'space separated is fine');
  });
});

describe('ferretwatch behaviors', () => {
  let dir = '';
  const out: string[] = [];
  const err: string[] = [];
  const orig = { log: console.log, error: console.error };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-behaviors-'));
    fs.writeFileSync(path.join(dir, 'tracks.mot.txt'), motText(motRows(script)));
    fs.writeFileSync(path.join(dir, 'zones.json'), JSON.stringify(SIM_ZONES));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cli = async (...argv: string[]): Promise<number> => {
    out.length = 0;
    err.length = 0;
    console.log = (s: string) => out.push(s);
    console.error = (s: string) => err.push(s);
    try {
      return await run(argv);
    } finally {
      console.log = orig.log;
      console.error = orig.error;
    }
  };

  test('prints the episodes as a JSON array', async () => {
    const f = path.join(dir, 'tracks.mot.txt');
    assert.equal(await cli(f, '--fps', '5', '--zones', path.join(dir, 'zones.json'), '--width', String(SIM_WIDTH), '--height', String(SIM_HEIGHT)), 0, err.join('\n'));
    const eps = JSON.parse(out.join('\n')) as Array<{ behavior: string; trackId: number; start: number; end: number; zone: string | null }>;
    assert.deepEqual(
      eps.map((e) => e.behavior),
      ['resting', 'exploring', 'eating', 'exploring'],
    );
    assert.equal(eps[2].zone, 'food');
  });

  test('frame size and fps from a sibling detections.json', async () => {
    const f = path.join(dir, 'tracks.mot.txt');
    assert.equal(await cli(f, '--zones', path.join(dir, 'zones.json')), 1);
    assert.match(err[0], /--fps is required/);
    fs.writeFileSync(path.join(dir, 'detections.json'), JSON.stringify({ version: 1, fps: 5, width: SIM_WIDTH, height: SIM_HEIGHT, frames: [] }));
    try {
      assert.equal(await cli(f, '--zones', path.join(dir, 'zones.json')), 0, err.join('\n'));
      assert.ok((JSON.parse(out.join('\n')) as Array<{ behavior: string }>).some((e) => e.behavior === 'eating'));
    } finally {
      fs.rmSync(path.join(dir, 'detections.json'));
    }
  });

  test('bad input: exit code ≠ 0 and one line saying why', async () => {
    const f = path.join(dir, 'tracks.mot.txt');
    const cases: Array<[string[], RegExp, number]> = [
      [[], /usage/, 2],
      [[f, '--fps', '5', '--bogus', '1'], /unknown option --bogus/, 2],
      [[path.join(dir, 'nope.txt'), '--fps', '5'], /nope\.txt not found/, 1],
      [[f, '--fps', '0'], /--fps must be a number between/, 1],
      [[f, '--fps', '5', '--zones', path.join(dir, 'zones.json')], /--zones needs --width and --height/, 1],
      [[f, '--fps', '5', '--zones', '[{"name":"food"}]', '--width', '10', '--height', '10'], /zone "food" needs at least 3 points/, 1],
    ];
    fs.writeFileSync(path.join(dir, 'bad.txt'), '1,1,2,3\n');
    cases.push([[path.join(dir, 'bad.txt'), '--fps', '5'], /line 1 is not a MOT row/, 1]);
    for (const [argv, re, code] of cases) {
      assert.equal(await cli(...argv), code, argv.join(' '));
      assert.equal(err.length, 1, `one line for ${argv.join(' ')}: ${err.join(' / ')}`);
      assert.match(err[0], re);
      assert.ok(!err[0].includes('\n'));
    }
  });
});
