// When clips begin and end, driven by behavior changes, episodes and alerts (a recording fake
// stands in for the recorder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClipTriggers, clipKey, type ClipControl } from '../../../runtime/clips/triggers';
import type { ClipRequest } from '../../../runtime/clips/recorder';
import { change, episode, T0 } from './helpers';

class FakeRecorder implements ClipControl {
  calls: string[] = [];
  clips = new Map<string, { id: string; req: ClipRequest; episodeId?: string; endMs?: number }>();
  /** Cameras without a stream: begin() answers undefined. */
  dark = new Set<string>();
  begin(req: ClipRequest): string | undefined {
    this.calls.push(`begin ${req.key}${req.endMs != null ? ` end=${req.endMs}` : ''}`);
    if (this.dark.has(req.camera)) return undefined;
    const known = this.clips.get(req.key);
    if (known) return known.id;
    const id = `clip-${this.clips.size + 1}`;
    this.clips.set(req.key, { id, req, episodeId: req.episodeId ?? undefined, endMs: req.endMs ?? undefined });
    return id;
  }
  end(key: string, endMs: number): void {
    this.calls.push(`end ${key} ${endMs}`);
    const c = this.clips.get(key);
    if (c) c.endMs = endMs;
  }
  attachEpisode(key: string, episodeId: string): string | undefined {
    const c = this.clips.get(key);
    if (c) c.episodeId = episodeId;
    return c?.id;
  }
  clipIdFor(k: string): string | undefined {
    return this.clips.get(k)?.id ?? [...this.clips.values()].find((c) => c.episodeId === k)?.id;
  }
}

test('a behavior change to a clip behavior begins; the next change ends it; the episode joins it', () => {
  const rec = new FakeRecorder();
  const tr = new ClipTriggers(rec);
  tr.onBehavior(change({ behavior: 'sleeping', since: T0 }));
  assert.equal(rec.clips.size, 0, 'sleeping is not a clip behavior');
  tr.onBehavior(change({ behavior: 'playing', previous: 'sleeping', since: T0 + 1000 }));
  const key = clipKey('ferret-1', 'playing', T0 + 1000);
  assert.equal(rec.clips.get(key)?.req.camera, 'cam-1');
  // The open episode (same ferret, behavior, start) joins the clip rather than starting another.
  const open = episode({ episodeId: 'ferret-1:playing', behavior: 'playing', start: T0 + 1000, end: null });
  assert.equal(tr.onEpisode(open, 'start'), 'clip-1');
  assert.equal(rec.clips.size, 1);
  assert.equal(rec.clips.get(key)?.episodeId, 'ferret-1:playing');
  tr.onBehavior(change({ behavior: 'resting', previous: 'playing', since: T0 + 60_000 }));
  assert.equal(rec.clips.get(key)?.endMs, T0 + 60_000);
  // The closed episode sets the end it knows, and returns the clip id for the row.
  assert.equal(tr.onEpisode({ ...open, end: T0 + 59_000, durationS: 58 }, 'end'), 'clip-1');
  assert.equal(rec.clips.get(key)?.endMs, T0 + 59_000);
});

test('closed-only episodes get a clip of what the pre-buffer still holds', () => {
  const rec = new FakeRecorder();
  const tr = new ClipTriggers(rec, { behaviors: ['eating'] });
  const ep = episode({ episodeId: 'e1', behavior: 'eating', start: T0, end: T0 + 20_000, durationS: 20 });
  assert.equal(tr.onEpisode(ep, 'end'), 'clip-1');
  assert.deepEqual(rec.calls, [`begin ${clipKey('ferret-1', 'eating', T0)} end=${T0 + 20_000}`, `end ${clipKey('ferret-1', 'eating', T0)} ${T0 + 20_000}`]);
  assert.equal(tr.onEpisode(episode({ episodeId: 'e2', behavior: 'sleeping' }), 'end'), undefined);
});

test('alerts clip the ferret\'s last camera, else the fallback; can be turned off', () => {
  const rec = new FakeRecorder();
  let fallback: string | undefined = 'only-cam';
  const tr = new ClipTriggers(rec, { fallbackCamera: () => fallback });
  tr.onBehavior(change({ camera: 'cam-7', behavior: 'sleeping' }));
  tr.onAlert({ alertId: 'a1', ferretId: 'ferret-1', name: null, type: 'no_drinking', message: 'm', ts: T0 });
  const a1 = rec.clips.get('alert|a1')!;
  assert.equal(a1.req.camera, 'cam-7');
  assert.equal(a1.req.behavior, 'alert:no_drinking');
  assert.equal(a1.req.startMs, T0);
  assert.equal(a1.req.endMs, T0);
  tr.onAlert({ alertId: 'a2', ferretId: null, name: null, type: 'camera_offline', message: 'm', ts: T0 });
  assert.equal(rec.clips.get('alert|a2')?.req.camera, 'only-cam');
  fallback = undefined;
  assert.equal(tr.onAlert({ alertId: 'a3', ferretId: 'ferret-9', name: null, type: 'x', message: 'm', ts: T0 }), undefined);
  const off = new ClipTriggers(rec, { alerts: false, fallbackCamera: () => 'c' });
  assert.equal(off.onAlert({ alertId: 'a4', ferretId: null, name: null, type: 'x', message: 'm', ts: T0 }), undefined);
  assert.equal(rec.clips.has('alert|a4'), false);
});

test('a camera without a stream: nothing recorded, nothing running', () => {
  const rec = new FakeRecorder();
  rec.dark.add('cam-1');
  const tr = new ClipTriggers(rec);
  tr.onBehavior(change({ behavior: 'playing', since: T0 }));
  tr.onBehavior(change({ behavior: 'resting', since: T0 + 5000 }));
  assert.equal(rec.calls.filter((c) => c.startsWith('end')).length, 0, 'no end for a clip that never began');
});
