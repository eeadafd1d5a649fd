// The identity decisions added for live use: provisional identities, the short hold of a coasting
// track, readiness, naming a live track, merging a file changed elsewhere, and the store's format.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IdentityRegistry, type IdentityTrack } from '../../../runtime/track/identities';
import { gauss, randomAppearance, rng } from './synth';

const r0 = rng(99);
const ALBINO = randomAppearance(r0, 64);
const SABLE = randomAppearance(r0, 64);
const CINNAMON = randomAppearance(r0, 64);
const noise = rng(5);
const samples = (base: number[], n = 5, sigma = 0.2) => Array.from({ length: n }, () => base.map((x) => x + gauss(noise) * sigma));
/** A ferret coming in through the frame edge: most of its crop is something else. */
const mixed = (a: number[], b: number[]) => a.map((x, i) => (i % 4 ? b[i] : x));
const track = (trackId: string, emb: number[][] | null, state: IdentityTrack['state'] = 'confirmed', ready?: boolean): IdentityTrack => ({
  trackId,
  state,
  embeddings: emb ?? undefined,
  ready,
});

describe('IdentityRegistry decisions', () => {
  test('a new identity stays provisional: a track that first looked like no one takes over the ferret that just left', () => {
    const reg = new IdentityRegistry({ provisionalS: 2 });
    reg.assign('kitchen', [track('k1', samples(ALBINO))], 0);
    reg.assign('kitchen', [], 5000); // the albino leaves the kitchen
    // It enters the hall half visible: its first samples match nobody, so it gets a new identity…
    const first = reg.assign('hall', [track('h1', [mixed(ALBINO, CINNAMON), mixed(ALBINO, SABLE)])], 8000);
    assert.equal(first.get('h1')!.ferretId, 'ferret-2');
    // …and once it is fully in view, within the provisional window, it is ferret-1 after all.
    const later = reg.assign('hall', [track('h1', samples(ALBINO, 10))], 9000);
    assert.equal(later.get('h1')!.ferretId, 'ferret-1');
    assert.equal(reg.get('ferret-2'), undefined, 'the provisional identity is dropped');
    // After the window the decision is final for anonymous look-alikes.
    const reg2 = new IdentityRegistry({ provisionalS: 2 });
    reg2.assign('kitchen', [track('k1', samples(ALBINO))], 0);
    reg2.assign('kitchen', [], 5000);
    reg2.assign('hall', [track('h1', [mixed(ALBINO, CINNAMON)])], 8000);
    assert.equal(reg2.assign('hall', [track('h1', samples(ALBINO, 10))], 10_500).get('h1')!.ferretId, 'ferret-2');
  });

  test('a track missed for a moment keeps its identity against a look-alike born in a crossing', () => {
    const reg = new IdentityRegistry({ lostHoldS: 1, provisionalS: 0 });
    reg.assign('kitchen', [track('t1', samples(SABLE))], 0);
    // t1 is missed at 100 ms; a new track t2 that looks the same appears at 300 ms.
    reg.assign('kitchen', [track('t1', samples(SABLE), 'lost')], 100);
    const a = reg.assign('kitchen', [track('t1', samples(SABLE), 'lost'), track('t2', samples(SABLE))], 300);
    assert.equal(a.get('t1')!.ferretId, 'ferret-1');
    assert.equal(a.get('t2')!.ferretId, 'ferret-2');
    // Lost for longer than the hold, it lets go (the ferret may be elsewhere).
    const b = reg.assign('kitchen', [track('t1', samples(SABLE), 'lost'), track('t2', samples(SABLE)), track('t3', samples(SABLE))], 1200);
    assert.equal(b.get('t3')!.ferretId, 'ferret-1');
    assert.equal(b.has('t1'), false);
  });

  test('coasting, parked or not-ready tracks without an identity get none', () => {
    const reg = new IdentityRegistry();
    const a = reg.assign('kitchen', [track('t1', samples(SABLE), 'lost'), track('t2', samples(ALBINO), 'stationary'), track('t3', samples(CINNAMON), 'confirmed', false)], 0);
    assert.equal(a.size, 0);
    assert.equal(reg.list().length, 0);
    // Ready now: it gets one.
    assert.equal(reg.assign('kitchen', [track('t3', samples(CINNAMON), 'confirmed', true)], 100).get('t3')!.ferretId, 'ferret-1');
  });

  test('naming a live track: an anonymous identity becomes the named ferret; an existing name absorbs it; one holder at a time', () => {
    const reg = new IdentityRegistry();
    reg.assign('kitchen', [track('t1', samples(ALBINO))], 0);
    const a = reg.nameTrack('kitchen', 't1', 'Bella', samples(ALBINO, 3), 100);
    assert.deepEqual(a, { ferretId: 'ferret-1', name: 'Bella' });
    assert.equal(reg.get('ferret-1')!.enrolled, true);
    assert.deepEqual(reg.lookup('kitchen', 't1'), a);
    // Another camera's anonymous sable is named "Max"; then a kitchen track is also named Max.
    reg.assign('hall', [track('h1', samples(SABLE))], 200);
    reg.nameTrack('hall', 'h1', 'Max', samples(SABLE, 2), 300);
    reg.assign('kitchen', [track('t1', samples(ALBINO)), track('t2', samples(SABLE))], 400);
    const anon = reg.lookup('kitchen', 't2')!.ferretId;
    const m = reg.nameTrack('kitchen', 't2', 'Max', samples(SABLE, 2), 500);
    assert.equal(m.ferretId, 'ferret-2');
    assert.equal(reg.get(anon), undefined, 'the anonymous identity was Max all along');
    assert.equal(reg.lookup('hall', 'h1'), undefined, 'Max is in the kitchen now, not in the hall');
    assert.equal(reg.findByName('Max')!.ferretId, 'ferret-2');
    // A track with no identity yet (tentative) can be named too: a new enrolled ferret.
    assert.equal(reg.nameTrack('hall', 'h9', 'Coco', samples(CINNAMON, 2), 600).name, 'Coco');
    assert.equal(reg.findByName('Coco')!.gallerySize, 2);
  });

  test('merging a file changed elsewhere adds new ferrets and new pictures, never duplicates a name', () => {
    const reg = new IdentityRegistry();
    reg.enroll('Bella', samples(ALBINO, 2));
    const other = IdentityRegistry.fromJSON(reg.toJSON());
    other.enroll('Bella', samples(ALBINO, 3)); // pictures added with the CLI
    other.enroll('Max', samples(SABLE, 2));
    const dup = new IdentityRegistry({ idPrefix: 'x-' });
    dup.enroll('Bella', samples(ALBINO, 1));
    assert.equal(reg.mergeMissing(other.toJSON()), 2);
    assert.equal(reg.findByName('Bella')!.gallerySize, 5);
    assert.equal(reg.findByName('Max')!.gallerySize, 2);
    assert.equal(reg.mergeMissing(other.toJSON()), 0, 'idempotent');
    assert.equal(reg.mergeMissing(dup.toJSON()), 0, 'a second "Bella" is not added');
    // Numbering continues after the merged ids.
    assert.equal(reg.assign('k', [track('t1', samples(CINNAMON))], 0).get('t1')!.ferretId, 'ferret-3');
  });

  test('reads the store format ({identities: [{ferretId, name, embeddings}]}) and the old "gallery" key; writes "embeddings"', () => {
    const reg = IdentityRegistry.fromJSON({
      identities: [
        { ferretId: 'ferret-7', name: 'Luna', embeddings: [ALBINO] },
        { ferretId: 'ferret-3', name: null, gallery: [SABLE] } as never,
      ],
    } as never);
    assert.deepEqual(
      reg.list().map((i) => [i.ferretId, i.name, i.enrolled, i.gallerySize, i.dims]),
      [
        ['ferret-7', 'Luna', true, 1, 64],
        ['ferret-3', null, false, 1, 64],
      ],
    );
    const json = reg.toJSON();
    assert.equal(json.version, 1);
    assert.equal(json.nextId, 8);
    assert.equal(json.identities[0].embeddings.length, 1);
    assert.equal(json.identities[0].embeddings[0].length, 64);
    assert.equal('gallery' in json.identities[0], false);
  });

  test('embeddings of another length never match (a gallery made by the other embedder)', () => {
    const reg = new IdentityRegistry();
    reg.enroll('Bella', [ALBINO]);
    const short = ALBINO.slice(0, 32);
    const a = reg.assign('k', [track('t1', [short, short])], 0);
    assert.notEqual(a.get('t1')!.name, 'Bella');
  });

  test('setOptions changes a live registry', () => {
    const reg = new IdentityRegistry();
    reg.setOptions({ transitWindowS: 5, maxTransitDistance: 0.1, provisionalS: undefined });
    assert.equal(reg.transitWindowS, 5);
    assert.equal(reg.maxTransitDistance, 0.1);
    assert.equal(reg.provisionalS, 2);
  });
});
