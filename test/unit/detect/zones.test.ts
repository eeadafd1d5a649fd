import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Detection, Zone } from '../../../runtime/contracts';
import { applyZones, pointInPolygon, zonesForBox } from '../../../runtime/detect/zones';

const det = (box: [number, number, number, number]): Detection => ({ box, score: 0.9, label: 'ferret', class: 'cat', classId: 15, zones: [] });

describe('zones', () => {
  test('point in polygon, convex and concave', () => {
    const square: Array<[number, number]> = [[0, 0], [1, 0], [1, 1], [0, 1]];
    assert.ok(pointInPolygon(0.5, 0.5, square));
    assert.ok(!pointInPolygon(1.5, 0.5, square));
    // An L shape: the notch at top right is outside.
    const ell: Array<[number, number]> = [[0, 0], [0.5, 0], [0.5, 0.5], [1, 0.5], [1, 1], [0, 1]];
    assert.ok(pointInPolygon(0.25, 0.25, ell));
    assert.ok(!pointInPolygon(0.75, 0.25, ell));
    assert.ok(pointInPolygon(0.75, 0.75, ell));
  });

  test('the bottom-centre of the box decides, in 0..1 × frame size', () => {
    const zones: Zone[] = [
      { name: 'litter', points: [[0, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]] },
      { name: 'bed', points: [[0.5, 0], [1, 0], [1, 0.5], [0.5, 0.5]] },
    ];
    // Box whose top is in "bed" but whose feet are in "litter" (on a 200x100 frame).
    assert.deepEqual(zonesForBox([20, 10, 60, 80], zones, 200, 100), { masked: false, zones: ['litter'] });
    assert.deepEqual(zonesForBox([120, 5, 180, 40], zones, 200, 100).zones, ['bed']);
    assert.deepEqual(zonesForBox([120, 60, 180, 90], zones, 200, 100).zones, []);
  });

  test('mask zones (by name or flag) drop detections; others get their zone names', () => {
    const zones: Zone[] = [
      { name: 'mask', points: [[0, 0], [0.2, 0], [0.2, 1], [0, 1]] },
      { name: 'tv', mask: true, points: [[0.8, 0], [1, 0], [1, 1], [0.8, 1]] },
      { name: 'floor', points: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] },
      { name: 'degenerate', points: [[0, 0], [1, 1]] },
    ];
    const out = applyZones([det([0, 0, 20, 90]), det([90, 0, 110, 90]), det([180, 0, 200, 90]), det([90, 0, 110, 20])], zones, 200, 100);
    assert.deepEqual(
      out.map((d) => [d.box[0], d.zones]),
      [
        [90, ['floor']],
        [90, []],
      ],
    );
  });
});
