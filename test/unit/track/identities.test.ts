import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DeepSortTracker } from '../../../runtime/track/deepsort';
import { IdentityRegistry, type IdentityTrack } from '../../../runtime/track/identities';
import { gauss, path, randomAppearance, rng, synthesize } from './synth';

const r0 = rng(2024);
const ALBINO = randomAppearance(r0, 64);
const SABLE = randomAppearance(r0, 64);
const CINNAMON = randomAppearance(r0, 64);
const noise = rng(7);
/** n noisy samples around a base appearance. */
const samples = (base: number[], n = 5, sigma = 0.2) => Array.from({ length: n }, () => base.map((x) => x + gauss(noise) * sigma));
const track = (trackId: string, base: number[] | null, state: IdentityTrack['state'] = 'confirmed'): IdentityTrack => ({
  trackId,
  state,
  embeddings: base ? samples(base) : undefined,
});

describe('IdentityRegistry', () => {
  test('confirmed tracks that match nothing get new identities; tentative ones get none', () => {
    const reg = new IdentityRegistry();
    const a = reg.assign('kitchen', [track('t1', ALBINO), track('t2', SABLE), track('t3', CINNAMON, 'tentative')], 1000);
    assert.deepEqual(a.get('t1'), { ferretId: 'ferret-1', name: null });
    assert.deepEqual(a.get('t2'), { ferretId: 'ferret-2', name: null });
    assert.equal(a.has('t3'), false);
    // Sticky: the next frame keeps them; a track with no embeddings still gets an identity.
    const b = reg.assign('kitchen', [track('t2', SABLE), track('t1', ALBINO), track('t4', null)], 1100);
    assert.equal(b.get('t1')!.ferretId, 'ferret-1');
    assert.equal(b.get('t2')!.ferretId, 'ferret-2');
    assert.equal(b.get('t4')!.ferretId, 'ferret-3');
    assert.equal(reg.lookup('kitchen', 't4')!.ferretId, 'ferret-3');
    assert.deepEqual(reg.get('ferret-1')!.liveTracks, ['kitchen/t1']);
  });

  test('a track on another camera within the transit window takes the identity of a look-alike that left', () => {
    const reg = new IdentityRegistry({ transitWindowS: 60 });
    reg.assign('kitchen', [track('t1', ALBINO), track('t2', SABLE)], 0);
    // t1 leaves the kitchen at 10 s (absent from the next call); t2 stays.
    reg.assign('kitchen', [track('t2', SABLE)], 10_000);
    assert.equal(reg.get('ferret-1')!.liveTracks.length, 0);
    // 30 s later an albino appears in the bedroom: it is ferret-1; a cinnamon is someone new.
    const b = reg.assign('bedroom', [track('t7', CINNAMON), track('t5', ALBINO)], 40_000);
    assert.equal(b.get('t5')!.ferretId, 'ferret-1');
    assert.equal(b.get('t7')!.ferretId, 'ferret-3');
    // ferret-2 is live in the kitchen, so a sable in the bedroom cannot be ferret-2 at the same time.
    const c = reg.assign('bedroom', [track('t5', ALBINO), track('t7', CINNAMON), track('t8', SABLE)], 41_000);
    assert.equal(c.get('t8')!.ferretId, 'ferret-4');
    // Outside the window an anonymous identity is not taken over.
    reg.assign('bedroom', [], 50_000); // all bedroom tracks end at 50 s
    const d = reg.assign('hall', [track('t9', CINNAMON)], 50_000 + 61_000);
    assert.notEqual(d.get('t9')!.ferretId, 'ferret-3');
    assert.equal(reg.get('ferret-3')!.lastCamera, 'bedroom');
  });

  test('a quick doorway transit takes the identity from a track that is still coasting on the other camera', () => {
    const reg = new IdentityRegistry();
    reg.assign('kitchen', [track('t1', SABLE)], 0);
    reg.assign('kitchen', [track('t1', SABLE, 'lost')], 1000); // left the view, tracker still waiting
    const b = reg.assign('hall', [track('h1', SABLE)], 2000);
    assert.equal(b.get('h1')!.ferretId, 'ferret-1');
    assert.equal(reg.lookup('kitchen', 't1'), undefined, 'the coasting track lost it');
    assert.deepEqual(reg.get('ferret-1')!.liveTracks, ['hall/h1']);
    // A confirmed (or parked) holder is not robbed: a look-alike elsewhere is someone else.
    const c = reg.assign('bedroom', [track('b1', SABLE)], 2100);
    assert.equal(c.get('b1')!.ferretId, 'ferret-2');
  });

  test('enrolled ferrets are recognised by name, one-to-one, at any time and on any camera', () => {
    const reg = new IdentityRegistry();
    const bella = reg.enroll('Bella', samples(ALBINO, 10));
    const max = reg.enroll('Max', samples(SABLE, 10));
    assert.deepEqual(bella, { ferretId: 'ferret-1', name: 'Bella' });
    assert.equal(max.name, 'Max');
    const a = reg.assign('kitchen', [track('t1', SABLE), track('t2', ALBINO)], 5 * 3600_000);
    assert.deepEqual(a.get('t1'), max);
    assert.deepEqual(a.get('t2'), bella);
    // Another albino at the same time elsewhere cannot also be Bella.
    const b = reg.assign('bedroom', [track('t1', ALBINO)], 5 * 3600_000 + 100);
    assert.equal(b.get('t1')!.name, null);
    // Two albinos appearing in one frame: exactly one of them is Bella.
    const reg2 = new IdentityRegistry();
    reg2.enroll('Bella', samples(ALBINO, 10));
    const c = reg2.assign('kitchen', [track('t1', ALBINO), track('t2', ALBINO)], 0);
    assert.deepEqual([c.get('t1')!.name, c.get('t2')!.name].sort(), ['Bella', null].sort());
  });

  test('an anonymous track is promoted to an enrolled ferret once its appearance matches', () => {
    // provisionalS 0: only the periodic re-check (the provisional window has its own test).
    const reg = new IdentityRegistry({ reevaluateS: 2, provisionalS: 0 });
    reg.enroll('Bella', samples(ALBINO, 10));
    // First seen without embeddings (motion detector), so it gets an anonymous identity.
    const a = reg.assign('kitchen', [track('t1', null)], 0);
    const anon = a.get('t1')!.ferretId;
    assert.notEqual(anon, 'ferret-1');
    // Embeddings arrive; within reevaluateS nothing changes, after it the track becomes Bella.
    assert.equal(reg.assign('kitchen', [track('t1', ALBINO)], 1000).get('t1')!.ferretId, anon);
    assert.deepEqual(reg.assign('kitchen', [track('t1', ALBINO)], 2500).get('t1'), { ferretId: 'ferret-1', name: 'Bella' });
    assert.equal(reg.get(anon), undefined, 'the anonymous identity is absorbed');
  });

  test('rename, remove, list and a JSON round trip', () => {
    const reg = new IdentityRegistry();
    reg.enroll('Bella', samples(ALBINO, 4));
    reg.assign('kitchen', [track('t1', SABLE)], 1000);
    reg.assign('kitchen', [], 2000);
    assert.equal(reg.rename('ferret-2', 'Max'), true);
    assert.equal(reg.rename('nope', 'x'), false);
    const list = reg.list();
    assert.deepEqual(
      list.map((i) => [i.ferretId, i.name, i.enrolled, i.gallerySize]),
      [
        ['ferret-1', 'Bella', true, 4],
        ['ferret-2', 'Max', true, 5],
      ],
    );
    const json = JSON.parse(JSON.stringify(reg.toJSON()));
    const back = IdentityRegistry.fromJSON(json);
    assert.deepEqual(
      back.list().map((i) => [i.ferretId, i.name, i.enrolled, i.gallerySize, i.lastCamera]),
      list.map((i) => [i.ferretId, i.name, i.enrolled, i.gallerySize, i.lastCamera]),
    );
    // The restored registry still recognises both, and numbering continues after them.
    const a = back.assign('hall', [track('x1', SABLE), track('x2', ALBINO), track('x3', CINNAMON)], 10 * 86400_000);
    assert.equal(a.get('x1')!.name, 'Max');
    assert.equal(a.get('x2')!.name, 'Bella');
    assert.equal(a.get('x3')!.ferretId, 'ferret-3');
    assert.equal(back.remove('ferret-2'), true);
    assert.equal(back.remove('ferret-2'), false);
    assert.equal(back.lookup('hall', 'x1'), undefined, 'its live binding goes with it');
    assert.throws(() => IdentityRegistry.fromJSON({ version: 2 } as never));
  });

  test('anonymous identities are forgotten after forgetAfterS; enrolled ones never', () => {
    const reg = new IdentityRegistry({ forgetAfterS: 3600 });
    reg.enroll('Bella', samples(ALBINO, 2));
    reg.assign('kitchen', [track('t1', SABLE)], 0);
    reg.assign('kitchen', [], 1000);
    assert.equal(reg.list().length, 2);
    reg.assign('kitchen', [], 1000 + 3601_000);
    assert.deepEqual(reg.list().map((i) => i.name), ['Bella']);
  });
});

describe('IdentityRegistry with two trackers', () => {
  test('a ferret walking out of the kitchen into the bedroom keeps its identity; another ferret does not take it', () => {
    const reg = new IdentityRegistry();
    const frame = { frameWidth: 640, frameHeight: 480 };
    const cams = { kitchen: new DeepSortTracker(frame), bedroom: new DeepSortTracker(frame) };
    // Albino crosses the kitchen and leaves on the right at ~6 s; 20 s later it enters the bedroom
    // from the left, where a sable has been playing all along.
    const kitchen = synthesize([{ id: 1, box: path(60, 30, [[0, 100, 240], [6, 700, 240]]), appearance: ALBINO }], { durationS: 14, dt: 0.1, noisePx: 1, embeddingNoise: 0.2, seed: 1 });
    const bedroom = synthesize(
      [
        { id: 1, box: path(60, 30, [[26, -40, 200], [32, 400, 200]]), appearance: ALBINO },
        { id: 2, box: path(60, 30, [[0, 300, 400], [16, 500, 400], [32, 300, 400]]), appearance: SABLE },
      ],
      { durationS: 32, dt: 0.1, noisePx: 1, embeddingNoise: 0.2, seed: 2 },
    );
    const seen = { kitchen: new Map<number, string>(), bedroom: new Map<number, string>() };
    const step = (cam: 'kitchen' | 'bedroom', f: (typeof kitchen)[number]) => {
      // Detections fully inside the frame only (the synthetic path runs past the edges).
      const dets = f.dets.filter((d) => d.box[0] >= 0 && d.box[2] <= 640);
      const tr = cams[cam];
      const snaps = tr.update(dets, f.ts);
      const ids = reg.assign(cam, snaps.map((s) => ({ trackId: s.trackId, state: s.state, embeddings: tr.getGallery(s.trackId, 10) })), f.ts);
      for (const s of snaps) {
        const gtId = f.gt.find((g) => Math.abs(g.box[0] - s.box[0]) < 20 && Math.abs(g.box[1] - s.box[1]) < 20)?.id;
        const id = ids.get(s.trackId);
        if (gtId !== undefined && id && s.state === 'confirmed') seen[cam].set(gtId, id.ferretId);
      }
    };
    const all = [...kitchen.map((f) => ['kitchen', f] as const), ...bedroom.map((f) => ['bedroom', f] as const)].sort((a, b) => a[1].ts - b[1].ts);
    for (const [cam, f] of all) step(cam, f);
    const albinoKitchen = seen.kitchen.get(1);
    assert.ok(albinoKitchen);
    assert.equal(seen.bedroom.get(1), albinoKitchen, 'same identity across cameras');
    assert.ok(seen.bedroom.get(2));
    assert.notEqual(seen.bedroom.get(2), albinoKitchen);
  });
});
