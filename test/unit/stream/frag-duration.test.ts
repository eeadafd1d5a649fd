import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fragDurationUs } from '../../../runtime/stream/camera-stream';
import { hlsjsConfigFor } from '../../../runtime/stream/hlsjs-config';

test('fragDurationUs asks ffmpeg for slightly less than the part target, never less than a frame short', () => {
  assert.equal(fragDurationUs(0.5), 490_000);
  assert.equal(fragDurationUs(1 / 3), 323_333);
  assert.equal(fragDurationUs(0.1), 95_000);
  // 15 frames at 30 fps with sub-millisecond jitter still reach it: no 16th frame.
  assert.ok(15 * (1 / 30 - 0.0001) * 1e6 >= fragDurationUs(0.5));
  // but 14 frames do not: parts stay at the target.
  assert.ok(14 * (1 / 30) * 1e6 < fragDurationUs(0.5));
});

test('hls.js config passes hls.js\'s own checks (liveMaxLatency* needs the matching liveSync*)', () => {
  for (const ll of [true, false]) {
    const c = hlsjsConfigFor({ ll, partTargetS: 0.5, segmentTargetS: 2 });
    if (c.liveMaxLatencyDurationCount !== undefined) assert.ok(Number(c.liveSyncDurationCount) < Number(c.liveMaxLatencyDurationCount));
    if (c.liveMaxLatencyDuration !== undefined) assert.ok(Number(c.liveSyncDuration) < Number(c.liveMaxLatencyDuration));
    assert.ok(!((c.liveSyncDurationCount || c.liveMaxLatencyDurationCount) && (c.liveSyncDuration || c.liveMaxLatencyDuration)), 'no mixing');
    // In LL mode a user liveSync* would override the playlist's PART-HOLD-BACK.
    if (ll) assert.equal(c.liveSyncDuration ?? c.liveSyncDurationCount, undefined);
  }
});
