import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EmissionGate, RateWindow } from '../../../runtime/detect/emission';
import { countsText, liveText } from '../../../runtime/detect/status-text';
import { detectSettingsFromConfig } from '../../../runtime/detect/options';
import { parseClassMapSetting, resolveDetectorModel } from '../../../runtime/detect/load-detector';
import { parseEmbedderKind } from '../../../runtime/detect/embedder-bridge';

describe('emission rule', () => {
  test('every frame with detections, one empty result when they disappear, then silence', () => {
    const g = new EmissionGate();
    const counts = [0, 0, 2, 1, 0, 0, 0, 3, 0, 0];
    assert.deepEqual(
      counts.map((n) => g.shouldEmit(n)),
      [false, false, true, true, true, false, false, true, true, false],
    );
  });

  test('rate window: frames per second and mean over the last window', () => {
    const w = new RateWindow(1000);
    for (let t = 0; t <= 1000; t += 200) w.add(t, t === 0 ? 300 : 100);
    assert.ok(Math.abs(w.rate(1000) - 5) < 1e-9, `rate ${w.rate(1000)}`);
    assert.ok(Math.abs(w.mean(1000) - (300 + 5 * 100) / 6) < 1e-9);
    // Old samples fall out of the window.
    assert.equal(w.mean(1500), 100);
    assert.equal(w.rate(5000), 0);
  });
});

describe('status text', () => {
  test('"5.0 fps · 93 ms · 2 ferrets" and friends', () => {
    assert.equal(liveText({ fps: 5, inferMs: 93.4, labels: { ferret: 2 }, kind: 'yolo' }), '5.0 fps · 93 ms · 2 ferrets');
    assert.equal(liveText({ fps: 4.96, inferMs: 1.23, labels: {}, kind: 'motion' }), '5.0 fps · 1.2 ms · no motion');
    assert.equal(countsText({ ferret: 1 }, 'yolo'), '1 ferret');
    assert.equal(countsText({}, 'yolo'), '0 ferrets');
    assert.equal(countsText({ person: 1, ferret: 2 }, 'yolo'), '2 ferrets, 1 person');
    assert.equal(countsText({ motion: 3 }, 'motion'), '3 motion');
    assert.equal(countsText({ bus: 2 }, 'yolo'), '2 bus');
  });
});

describe('node settings', () => {
  test('defaults (fps 5, conf 0.35, IoU 0.45, 1 thread, no snapshots, no embedder) and clamping', () => {
    const d = detectSettingsFromConfig({});
    assert.deepEqual(d, {
      detector: { model: undefined, conf: 0.35, iou: 0.45, classMap: undefined, threads: 1 },
      fps: 5,
      snapshots: false,
      embedder: 'none',
    });
    const c = detectSettingsFromConfig({ model: ' motion ', fps: '100', conf: '0', iou: 'x', threads: '2', snapshots: true, embedder: 'hsv', classMap: ' {"cat":"ferret"} ' });
    assert.equal(c.detector.model, 'motion');
    assert.equal(c.fps, 30);
    assert.equal(c.detector.conf, 0.01);
    assert.equal(c.detector.iou, 0.45);
    assert.equal(c.detector.threads, 2);
    assert.equal(c.snapshots, true);
    assert.equal(c.embedder, 'hsv');
    assert.equal(c.detector.classMap, '{"cat":"ferret"}');
    assert.equal(parseEmbedderKind('bogus'), 'none');
  });

  test('class map setting: empty, JSON text, and plain errors', () => {
    assert.equal(parseClassMapSetting(''), undefined);
    assert.deepEqual(parseClassMapSetting('{"cat": "ferret", "*": "ignore"}'), { cat: 'ferret', '*': 'ignore' });
    assert.throws(() => parseClassMapSetting('{"cat": }'), /class map is not valid JSON/);
    assert.throws(() => parseClassMapSetting('["cat"]'), /must be a JSON object/);
    assert.throws(() => parseClassMapSetting('{"cat": 1}'), /value for "cat" must be a string/);
    assert.throws(() => parseClassMapSetting('/nonexistent/map.json'), /class map file map\.json not found/);
  });

  test('"motion" forces the motion detector even when FERRETWATCH_MODEL is set', () => {
    assert.equal(resolveDetectorModel({ model: 'motion', env: { FERRETWATCH_MODEL: '/x/y.onnx' }, modelsDir: '/nonexistent' }), undefined);
    assert.equal(resolveDetectorModel({ model: '', env: { FERRETWATCH_MODEL: '/x/y.onnx' }, modelsDir: '/nonexistent' }), '/x/y.onnx');
    assert.equal(resolveDetectorModel({ env: {}, modelsDir: '/nonexistent' }), undefined);
  });
});
