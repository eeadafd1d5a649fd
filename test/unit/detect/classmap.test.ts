import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildLabelTable, COCO_FERRET_MAP, defaultClassMap, loadClassMap } from '../../../runtime/detect/classmap';
import { repoRoot } from '../../support/shared';

// The 80 COCO class names in Ultralytics order (as in yolov8n's `names` metadata).
const COCO = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat',
  'traffic light', 'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog',
  'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella',
  'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
  'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant',
  'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone',
  'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors',
  'teddy bear', 'hair drier', 'toothbrush',
];

describe('class map', () => {
  test('COCO default: cat, dog, bear, teddy bear → ferret, the rest dropped', () => {
    const labels = buildLabelTable(COCO);
    const kept = labels.map((l, i) => (l ? `${COCO[i]}=${l}` : null)).filter(Boolean);
    assert.deepEqual(kept, ['cat=ferret', 'dog=ferret', 'bear=ferret', 'teddy bear=ferret']);
  });

  test('single-class model: class 0 is the ferret whatever it is called', () => {
    assert.deepEqual(buildLabelTable(['Talulah']), ['ferret']);
  });

  test('custom multi-class model keeps its own names by default', () => {
    assert.deepEqual(buildLabelTable(['ferret', 'food bowl', 'person']), ['ferret', 'food bowl', 'person']);
  });

  test('user map: names or ids, "ignore", "*" rule, keepUnmapped', () => {
    const names = ['ferret', 'cat', 'person', 'dog'];
    assert.deepEqual(buildLabelTable(names, { cat: 'ferret', ferret: 'ferret' }), ['ferret', 'ferret', null, null]);
    assert.deepEqual(buildLabelTable(names, { '3': 'ferret', '*': 'keep', person: 'ignore' }), ['ferret', 'cat', null, 'ferret']);
    assert.deepEqual(buildLabelTable(names, { cat: 'ferret', '*': 'animal' }), ['animal', 'ferret', 'animal', 'animal']);
    assert.deepEqual(buildLabelTable(names, { cat: 'ferret' }, { keepUnmapped: true }), ['ferret', 'ferret', 'person', 'dog']);
    assert.throws(() => buildLabelTable(names, { cat: 5 as unknown as string }), /must be a string/);
  });

  test('the shipped models/coco-ferret.classmap.json is the COCO default', () => {
    const spec = loadClassMap(path.join(repoRoot, 'models', 'coco-ferret.classmap.json'));
    assert.deepEqual(spec, { ...COCO_FERRET_MAP });
    assert.deepEqual(defaultClassMap(COCO), spec);
    assert.throws(() => loadClassMap(path.join(repoRoot, 'package.json-missing')), /not readable JSON/);
  });
});
