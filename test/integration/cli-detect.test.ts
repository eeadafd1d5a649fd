// `ferretwatch detect` and `ferretwatch analyze` as a user runs them: a child process, its stdout,
// stderr and exit code.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sharedPath } from '../support/shared';

const CLI = path.resolve(__dirname, '..', '..', 'cli', 'ferretwatch.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface DetectJson {
  model: string;
  width: number;
  height: number;
  frames: Array<{ frameId: number; detections: Array<{ class: string; label: string; score: number; box: number[] }> }>;
}

describe('ferretwatch detect', () => {
  const model = sharedPath('models/yolov8n_int8.onnx');
  const bus = sharedPath('media/images/bus.jpg');

  test('bus.jpg --json → 4 persons and 1 bus (conf 0.35)', async (t) => {
    if (!model.path || !bus.path) return t.skip(model.skip ?? bus.skip);
    const r = await cli(['detect', bus.path, '--model', model.path, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as DetectJson;
    assert.equal(out.model, 'yolov8n_int8.onnx');
    assert.deepEqual([out.width, out.height], [810, 1080]);
    assert.equal(out.frames.length, 1);
    const classes = out.frames[0].detections.map((d) => d.class).sort();
    assert.deepEqual(classes, ['bus', 'person', 'person', 'person', 'person']);
    for (const d of out.frames[0].detections) assert.ok(d.score >= 0.35 && d.box[2] <= 810 && d.box[3] <= 1080);
  });

  test('text output names label, score and box', async (t) => {
    if (!model.path || !bus.path) return t.skip(model.skip ?? bus.skip);
    const r = await cli(['detect', bus.path, '--model', model.path, '--conf', '0.8']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^person 0\.9\d \[\d+,\d+,\d+,\d+\]$/m);
    assert.match(r.stdout, /^bus 0\.8\d \[/m);
  });

  test('bad input: exit code ≠ 0 and one line on stderr', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-cli-'));
    const text = path.join(dir, 'notes.jpg');
    fs.writeFileSync(text, 'not a picture\n');
    try {
      for (const [args, why] of [
        [['detect', path.join(dir, 'missing.jpg'), '--model', 'motion'], /no such file: .*missing\.jpg/],
        [['detect', text, '--model', 'motion'], /could not read notes\.jpg/],
        [['detect', text, '--conf', '7'], /--conf must be a number between/],
        [['detect', text, '--nope'], /unknown option --nope/],
        [['detect'], /missing input/],
        [['detect', text, '--model', path.join(dir, 'none.onnx')], /model file none\.onnx not found/],
        [['analyze', path.join(dir, 'missing.mp4')], /no such file/],
      ] as Array<[string[], RegExp]>) {
        const r = await cli(args);
        assert.notEqual(r.code, 0, args.join(' '));
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
        assert.match(lines[0], why);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ferretwatch analyze', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-analyze-'));
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  test('a short clip → detections.json with one entry per sampled frame', async (t) => {
    const model = sharedPath('models/yolov8n_int8.onnx');
    const clip = sharedPath('media/videos/dog_running_fence.mp4');
    if (!model.path || !clip.path) return t.skip(model.skip ?? clip.skip);
    const r = await cli(['analyze', clip.path, '--model', model.path, '--fps', '2', '--frames', '8', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /8 frames .* → .*detections\.json/);
    const doc = JSON.parse(fs.readFileSync(path.join(out, 'detections.json'), 'utf8'));
    assert.equal(doc.source, 'dog_running_fence.mp4');
    assert.equal(doc.model, 'yolov8n_int8.onnx');
    assert.equal(doc.fps, 2);
    assert.deepEqual([doc.width, doc.height], [360, 360]);
    assert.equal(doc.frames.length, 8);
    assert.deepEqual(
      doc.frames.map((f: { frameId: number; t: number }) => [f.frameId, f.t]),
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i, i / 2]),
    );
    const dets = doc.frames.flatMap((f: { detections: Array<{ label: string; class: string }> }) => f.detections);
    assert.ok(dets.length >= 3, `${dets.length} detections`);
    for (const d of dets) {
      assert.equal(d.label, 'ferret');
      assert.ok(['dog', 'cat'].includes(d.class), d.class);
    }
    // Tracks (MOT rows, the ferret identity in the id column) and behaviors over the same frames.
    const mot = fs.readFileSync(path.join(out, 'tracks.mot.txt'), 'utf8').trim().split('\n');
    assert.ok(mot.length >= 1, 'tracks.mot.txt has rows');
    for (const line of mot) {
      const f = line.split(',').map(Number);
      assert.equal(f.length, 10);
      assert.ok(f[0] >= 1 && f[0] <= 8 && f[1] >= 1, line);
    }
    const episodes = JSON.parse(fs.readFileSync(path.join(out, 'behaviors.json'), 'utf8'));
    assert.ok(Array.isArray(episodes));
    for (const e of episodes) assert.ok(typeof e.behavior === 'string' && e.end >= e.start && typeof e.trackId === 'number');
  });

  test('--reid: appearance from the OSNet ReID model for the tracks', async (t) => {
    const model = sharedPath('models/yolov8n_int8.onnx');
    const reid = sharedPath('models/osnet_x0_25_msmt17.onnx');
    const clip = sharedPath('media/videos/dog_running_fence.mp4');
    if (!model.path || !reid.path || !clip.path) return t.skip(model.skip ?? reid.skip ?? clip.skip);
    const r = await cli(['analyze', clip.path, '--model', model.path, '--reid', reid.path, '--fps', '2', '--frames', '6', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ferret ids, \d+ episodes .*tracks\.mot\.txt/);
    assert.ok(fs.readFileSync(path.join(out, 'tracks.mot.txt'), 'utf8').trim().length > 0);
    const bad = await cli(['analyze', clip.path, '--model', model.path, '--reid', path.join(out, 'missing.onnx'), '--frames', '2', '--out', out]);
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  });

  test('motion detector when no model is given (demo:, a few frames)', async () => {
    const r = await cli(['analyze', 'demo:?width=320&height=180', '--frames', '3', '--out', out], { FERRETWATCH_MODEL: '' });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(fs.readFileSync(path.join(out, 'detections.json'), 'utf8'));
    assert.equal(doc.model, 'motion');
    assert.equal(doc.frames.length, 3);
    assert.deepEqual([doc.width, doc.height], [320, 180]);
  });
});
