import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  parseImgsz,
  parseOnnxInfo,
  parseUltralyticsNames,
  readOnnxInfo,
  resolveClassNames,
  sniffFileKind,
} from '../../../runtime/detect/onnx-metadata';
import { sharedPath } from '../../support/shared';
import { buildTinyOnnx } from './onnx-builder';
import { makeJpeg, tempDir } from './ffmpeg-fixtures';

describe('Ultralytics names parser', () => {
  test('Python dict with both quote styles, escapes and spaces', () => {
    const s = `{0: 'person', 1: "it's", 2: 'teddy bear', 3: 'hair drier', 4: 'say \\'hi\\'', 5: "a \\"b\\"", 6: 'back\\\\slash'}`;
    assert.deepEqual(parseUltralyticsNames(s), ['person', "it's", 'teddy bear', 'hair drier', "say 'hi'", 'a "b"', 'back\\slash']);
  });

  test('holes become class_<i>; JSON list and object forms are accepted', () => {
    assert.deepEqual(parseUltralyticsNames("{0: 'a', 2: 'c'}"), ['a', 'class_1', 'c']);
    assert.deepEqual(parseUltralyticsNames('["ferret", "cat"]'), ['ferret', 'cat']);
    assert.deepEqual(parseUltralyticsNames('{"0": "ferret", "1": "kit"}'), ['ferret', 'kit']);
    assert.deepEqual(parseUltralyticsNames('{}'), []);
  });

  test('malformed strings throw with the position', () => {
    assert.throws(() => parseUltralyticsNames("{0: 'person'"), /character/);
    assert.throws(() => parseUltralyticsNames("{0 'person'}"), /expected ':'/);
    assert.throws(() => parseUltralyticsNames("{a: 'x'}"), /class index/);
    assert.throws(() => parseUltralyticsNames('person, car'), /expected '\{'/);
  });

  test('imgsz', () => {
    assert.deepEqual(parseImgsz('[640, 640]'), [640, 640]);
    assert.deepEqual(parseImgsz('[384, 640]'), [384, 640]);
    assert.deepEqual(parseImgsz('320'), [320, 320]);
    assert.equal(parseImgsz(undefined), undefined);
  });
});

describe('ONNX top-level fields', () => {
  const dir = tempDir('meta');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tiny = buildTinyOnnx({ inputDims: [1, 3, 4, 4], outputDims: [1, 3, 4, 4], metadata: { names: "{0: 'ferret'}", imgsz: '[4, 4]' } });

  test('reads metadata_props, producer and opset from a file', async () => {
    const f = path.join(dir, 'tiny.onnx');
    fs.writeFileSync(f, tiny);
    const info = await readOnnxInfo(f);
    assert.equal(info.irVersion, 8);
    assert.equal(info.producerName, 'ferretwatch-test');
    assert.equal(info.opset, 13);
    assert.deepEqual(info.metadata, { names: "{0: 'ferret'}", imgsz: '[4, 4]' });
    assert.equal(info.fileSize, tiny.length);
  });

  test('the real YOLOv8n model carries names, imgsz and stride', async (t) => {
    const m = sharedPath('models/yolov8n_int8.onnx');
    if (!m.path) return t.skip(m.skip);
    const info = await readOnnxInfo(m.path);
    const names = parseUltralyticsNames(info.metadata.names);
    assert.equal(names.length, 80);
    assert.equal(names[0], 'person');
    assert.equal(names[15], 'cat');
    assert.equal(names[77], 'teddy bear');
    assert.equal(names[78], 'hair drier');
    assert.deepEqual(parseImgsz(info.metadata.imgsz), [640, 640]);
    assert.equal(info.metadata.stride, '32');
    assert.equal(info.opset, 20);
    t.diagnostic(`producer ${info.producerName} ${info.producerVersion}, ir ${info.irVersion}, keys ${Object.keys(info.metadata).join(',')}`);
  });

  test('not-ONNX, truncated, empty and missing files say so and name the file', async () => {
    const jpg = makeJpeg(path.join(dir, 'photo.jpg'));
    const fake = path.join(dir, 'renamed.onnx');
    fs.renameSync(jpg, fake);
    await assert.rejects(readOnnxInfo(fake), /model file renamed\.onnx is not an ONNX model: it looks like a JPEG image/);
    const cut = path.join(dir, 'cut.onnx');
    fs.writeFileSync(cut, tiny.subarray(0, tiny.length - 10));
    await assert.rejects(readOnnxInfo(cut), /cut\.onnx is truncated or corrupt/);
    const empty = path.join(dir, 'empty.onnx');
    fs.writeFileSync(empty, '');
    await assert.rejects(readOnnxInfo(empty), /empty\.onnx is empty/);
    await assert.rejects(readOnnxInfo(path.join(dir, 'nope.onnx')), /model file nope\.onnx not found/);
    await assert.rejects(readOnnxInfo(dir), /is a directory/);
    await assert.rejects(parseOnnxInfo(Buffer.from('PK\x03\x04 pytorch zip'), 'best.pt'), /best\.pt is not an ONNX model: it looks like a ZIP archive/);
    await assert.rejects(parseOnnxInfo(Buffer.from('hello world, not a model at all'), 'x.onnx'), /x\.onnx is not an ONNX model|x\.onnx is truncated/);
    assert.match(sniffFileKind(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a])) ?? '', /PNG/);
  });

  test('a truncated copy of the real model is reported as truncated', async (t) => {
    const m = sharedPath('models/yolov8n_int8.onnx');
    if (!m.path) return t.skip(m.skip);
    const cut = path.join(dir, 'yolov8n_cut.onnx');
    const fd = fs.openSync(m.path, 'r');
    const head = Buffer.alloc(1_000_000);
    fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    fs.writeFileSync(cut, head);
    await assert.rejects(readOnnxInfo(cut), /yolov8n_cut\.onnx is truncated or corrupt/);
  });

  test('class names: metadata → labels file → class_<i>', () => {
    const model = path.join(dir, 'best.onnx');
    assert.deepEqual(resolveClassNames(model, { names: "{0: 'ferret', 1: 'kit'}" }, 2), { names: ['ferret', 'kit'], source: 'metadata' });
    assert.deepEqual(resolveClassNames(model, {}, 2).names, ['class_0', 'class_1']);
    fs.writeFileSync(path.join(dir, 'labels.txt'), 'generic\n');
    assert.deepEqual(resolveClassNames(model, {}, 2).names, ['generic', 'class_1']);
    fs.writeFileSync(path.join(dir, 'best.labels.txt'), 'ferret\r\nfood bowl\n\n');
    const r = resolveClassNames(model, {}, 2);
    assert.deepEqual(r.names, ['ferret', 'food bowl']);
    assert.equal(path.basename(r.source), 'best.labels.txt');
    // Unparseable metadata falls through to the file; the class count cuts the list.
    assert.deepEqual(resolveClassNames(model, { names: 'garbage' }, 1).names, ['ferret']);
  });
});
