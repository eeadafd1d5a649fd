import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { annotate, drawText, labelColor, strokeRect, textWidth } from '../../../runtime/detect/draw';
import { glyph, GLYPH_H, GLYPH_W } from '../../../runtime/detect/font';

const px = (rgb: Uint8Array, w: number, x: number, y: number): number[] => Array.from(rgb.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));

describe('drawing on rgb24 frames', () => {
  test('strokeRect draws the outline inside the box and leaves the inside alone', () => {
    const w = 20;
    const h = 10;
    const rgb = new Uint8Array(w * h * 3);
    strokeRect(rgb, w, h, [2, 2, 12, 8], [255, 0, 0], 1);
    assert.deepEqual(px(rgb, w, 2, 2), [255, 0, 0]);
    assert.deepEqual(px(rgb, w, 11, 7), [255, 0, 0]);
    assert.deepEqual(px(rgb, w, 6, 2), [255, 0, 0]);
    assert.deepEqual(px(rgb, w, 6, 5), [0, 0, 0], 'inside untouched');
    assert.deepEqual(px(rgb, w, 12, 5), [0, 0, 0], 'x2 is exclusive');
    assert.deepEqual(px(rgb, w, 1, 5), [0, 0, 0]);
  });

  test('boxes and labels past the edges are clipped, not written out of bounds', () => {
    const w = 16;
    const h = 16;
    const rgb = new Uint8Array(w * h * 3 + 3).fill(7);
    annotate(rgb.subarray(0, w * h * 3), w, h, [{ box: [-30, -30, 100, 100], label: 'ferret', score: 0.87 }]);
    assert.deepEqual(Array.from(rgb.subarray(w * h * 3)), [7, 7, 7], 'byte after the frame untouched');
    assert.deepEqual(px(rgb, w, 0, 15), [...labelColor('ferret')]);
  });

  test('the font: every glyph is 3x5, digits differ, text width is predictable', () => {
    const seen = new Set<string>();
    for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-%:_/') {
      const g = glyph(ch);
      assert.equal(g.length, GLYPH_W * GLYPH_H, ch);
      assert.ok(g.some((v) => v === 1), `${ch} has ink`);
      seen.add(Array.from(g).join(''));
    }
    assert.equal(seen.size, 42, 'no two glyphs identical');
    assert.deepEqual(glyph('a'), glyph('A'));
    assert.equal(textWidth('FERRET 87%', 2), 10 * 8);
    const w = 40;
    const rgb = new Uint8Array(w * 10 * 3);
    const drawn = drawText(rgb, w, 10, 0, 0, '1', [9, 9, 9], 1);
    assert.equal(drawn, 4);
    // "1" = .#. / ##. / .#. / .#. / ###
    assert.deepEqual(px(rgb, w, 1, 0), [9, 9, 9]);
    assert.deepEqual(px(rgb, w, 0, 0), [0, 0, 0]);
    assert.deepEqual(px(rgb, w, 0, 1), [9, 9, 9]);
    assert.deepEqual(px(rgb, w, 2, 4), [9, 9, 9]);
  });

  test('colours are stable per label', () => {
    assert.deepEqual(labelColor('ferret'), [255, 140, 0]);
    assert.deepEqual(labelColor('person'), labelColor('person'));
  });
});
