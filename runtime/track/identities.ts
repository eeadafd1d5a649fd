// Global ferret identities, one registry per runtime shared by every camera's tracker.
//
// A confirmed track gets an identity once: an enrolled (named) ferret whose gallery it matches,
// else an anonymous identity that left some camera within the transit window and looks the same
// (the ferret walked from one room to the next), else a new `ferret-N`. A track bound to an
// anonymous identity keeps being compared with the enrolled ferrets every few seconds and is
// promoted when one matches (the anonymous identity is then absorbed and dropped).
//
// Identities are one-to-one at any moment: an identity held by a live track on any camera is not
// offered to another (except from a track that is only coasting, which then loses it), and each
// call solves a linear assignment between the tracks that need an identity and the free
// identities, so two tracks never take the same ferret in the same frame.
// Pure: no IO; toJSON()/fromJSON() for runtime/track/identity-store.ts to persist. The JSON keeps
// `{identities: [{ferretId, name, embeddings: number[][]}]}` as the store's
// migrateIdentitiesFromJson() expects, plus the fields only the tracker uses.
// Embeddings of another length than a track's (a file written with the other embedder) never match:
// see minCosineDistance.

import type { TrackState } from '../contracts';
import { matchWithThreshold } from './assignment';
import { l2Normalize, meanMinCosineDistance } from './embedding';

export interface IdentityOptions {
  /** Seconds after a track ended during which its anonymous identity can be taken over. Default 60. */
  transitWindowS?: number;
  /** Appearance gate (mean over the track's samples of the nearest cosine distance) for transit. Default 0.25. */
  maxTransitDistance?: number;
  /** Appearance gate for enrolled ferrets. Default 0.25. */
  maxEnrolledDistance?: number;
  /** Embeddings kept per identity. Default 50. */
  galleryBudget?: number;
  /** Newest embeddings of a track used to match it. Default 10. */
  trackSamples?: number;
  /** How often (s) a track with an anonymous identity is re-checked against enrolled ferrets. Default 2. */
  reevaluateS?: number;
  /** Anonymous identities unseen for this long are forgotten. Default 24 h. */
  forgetAfterS?: number;
  /**
   * For this long (s) after a track was given a brand-new anonymous identity, that decision stays
   * open: if its growing sample set comes to match an identity that recently left (another camera,
   * the same camera's edge), it takes that one over and the new one is dropped. A ferret coming in
   * through a frame edge shows half its body for its first frames. Default 2.
   */
  provisionalS?: number;
  /**
   * A track that stops being seen keeps its identity this long (s) before another track may take
   * it (the ferret may be in the next room while this camera's tracker still coasts). Shorter
   * would let a track born in a crossing steal the identity of one missed for a frame. Default 1.
   */
  lostHoldS?: number;
  /** Default 'ferret-'. */
  idPrefix?: string;
}

/** What the registry needs of a track: its id, state and newest-first embeddings (any scale). */
export interface IdentityTrack {
  trackId: string;
  state: TrackState;
  embeddings?: ReadonlyArray<ArrayLike<number>>;
  /**
   * False while the track's appearance is not yet worth an identity decision (e.g. the animal is
   * still coming in through the frame edge): an unbound track then waits. Default true.
   */
  ready?: boolean;
}

export interface IdentityAssignment {
  ferretId: string;
  name: string | null;
}

export interface IdentityInfo {
  ferretId: string;
  name: string | null;
  enrolled: boolean;
  lastSeenTs: number | null;
  lastCamera: string | null;
  gallerySize: number;
  /** Length of the gallery's embeddings (128 = colour histogram, 512 = OSNet), null when empty. */
  dims: number | null;
  /** Cameras/tracks currently holding it, as "camera/trackId". */
  liveTracks: string[];
}

export interface IdentityJSON {
  ferretId: string;
  name: string | null;
  enrolled?: boolean;
  lastSeenTs?: number | null;
  lastCamera?: string | null;
  /** Unit vectors, newest last. */
  embeddings: number[][];
}

export interface IdentityRegistryJSON {
  version: 1;
  nextId: number;
  identities: IdentityJSON[];
}

interface Identity {
  ferretId: string;
  name: string | null;
  enrolled: boolean;
  lastSeenTs: number | null;
  lastCamera: string | null;
  gallery: Float32Array[];
  galleryHead: number;
}

interface Binding {
  camera: string;
  trackId: string;
  state: TrackState;
  ferretId: string;
  samples: ReadonlyArray<ArrayLike<number>>;
  lastCheckTs: number;
  lastLearnTs: number;
  /** The samples already added to the identity's gallery at bind time. */
  learned: ReadonlyArray<ArrayLike<number>>;
  /** The identity was created for this track (not matched), at boundAt. */
  created: boolean;
  boundAt: number;
  /** When the track last went from seen to "lost" (coasting). */
  lostSince: number;
}

const LIVE_STATES: ReadonlySet<TrackState> = new Set(['confirmed', 'lost', 'stationary']);

export class IdentityRegistry {
  transitWindowS: number;
  maxTransitDistance: number;
  maxEnrolledDistance: number;
  readonly galleryBudget: number;
  trackSamples: number;
  reevaluateS: number;
  forgetAfterS: number;
  provisionalS: number;
  lostHoldS: number;
  private readonly idPrefix: string;
  private identities = new Map<string, Identity>();
  private bindings = new Map<string, Binding>();
  private nextId = 1;

  constructor(opts: IdentityOptions = {}) {
    this.transitWindowS = opts.transitWindowS ?? 60;
    this.maxTransitDistance = opts.maxTransitDistance ?? 0.25;
    this.maxEnrolledDistance = opts.maxEnrolledDistance ?? 0.25;
    this.galleryBudget = Math.max(1, opts.galleryBudget ?? 50);
    this.trackSamples = Math.max(1, opts.trackSamples ?? 10);
    this.reevaluateS = opts.reevaluateS ?? 2;
    this.forgetAfterS = opts.forgetAfterS ?? 24 * 3600;
    this.provisionalS = opts.provisionalS ?? 2;
    this.lostHoldS = opts.lostHoldS ?? 1;
    this.idPrefix = opts.idPrefix ?? 'ferret-';
  }

  /**
   * Change the matching settings of a live registry (the one registry is shared by every tracker
   * node; the last deployed configuration applies). Undefined fields are left as they are.
   */
  setOptions(opts: Omit<IdentityOptions, 'galleryBudget' | 'idPrefix'>): void {
    if (opts.transitWindowS !== undefined) this.transitWindowS = opts.transitWindowS;
    if (opts.maxTransitDistance !== undefined) this.maxTransitDistance = opts.maxTransitDistance;
    if (opts.maxEnrolledDistance !== undefined) this.maxEnrolledDistance = opts.maxEnrolledDistance;
    if (opts.trackSamples !== undefined) this.trackSamples = Math.max(1, opts.trackSamples);
    if (opts.reevaluateS !== undefined) this.reevaluateS = opts.reevaluateS;
    if (opts.forgetAfterS !== undefined) this.forgetAfterS = opts.forgetAfterS;
    if (opts.provisionalS !== undefined) this.provisionalS = opts.provisionalS;
    if (opts.lostHoldS !== undefined) this.lostHoldS = opts.lostHoldS;
  }

  /** The enrolled identity called `name` (exact match), if any. */
  findByName(name: string): IdentityInfo | undefined {
    for (const i of this.identities.values()) if (i.enrolled && i.name === name) return this.info(i);
    return undefined;
  }

  /**
   * "This track is <name>": the user names a live track. Its embeddings go to the enrolled ferret
   * of that name (created if needed); an anonymous identity the track held is that ferret, so it
   * is absorbed (or, when no such name exists yet, simply named — its ferretId is kept).
   */
  nameTrack(camera: string, trackId: string, name: string, embeddings: ReadonlyArray<ArrayLike<number>>, ts: number): IdentityAssignment {
    const k = key(camera, trackId);
    const b = this.bindings.get(k);
    const held = b ? this.identities.get(b.ferretId) : undefined;
    let target = [...this.identities.values()].find((i) => i.enrolled && i.name === name);
    if (!target && held && !held.enrolled) {
      target = held;
      target.name = name;
      target.enrolled = true;
      // What it learnt while anonymous stays: it was all this ferret.
    }
    if (!target) target = this.create(name, true);
    for (const e of embeddings) this.addToGallery(target, e);
    if (held && held !== target && !held.enrolled) this.identities.delete(held.ferretId);
    if (b) b.ferretId = target.ferretId;
    else this.bindings.set(k, { camera, trackId, state: 'confirmed', ferretId: target.ferretId, samples: [], lastCheckTs: ts, lastLearnTs: ts, learned: [], created: false, boundAt: ts, lostSince: 0 });
    // One-to-one: a track elsewhere that held this ferret lets it go.
    for (const [kk, o] of [...this.bindings]) if (kk !== k && o.ferretId === target.ferretId) this.bindings.delete(kk);
    target.lastSeenTs = ts;
    target.lastCamera = camera;
    return { ferretId: target.ferretId, name: target.name };
  }

  /**
   * Take in what another copy of the file has and this registry does not (e.g. a ferret enrolled
   * with the CLI while Node-RED runs): unknown identities, and pictures added to an enrolled one.
   * Returns how many identities were added or grew.
   */
  mergeMissing(json: IdentityRegistryJSON): number {
    const other = IdentityRegistry.fromJSON(json);
    // New numbers (renumbered conflicts) must not collide with ids still to come from `other`.
    this.nextId = Math.max(this.nextId, other.nextId);
    let n = 0;
    for (const id of other.identities.values()) {
      const mine = this.identities.get(id.ferretId);
      const nameTaken = id.enrolled && id.name !== null && [...this.identities.values()].some((i) => i.enrolled && i.name === id.name);
      if (mine && mine.enrolled && id.enrolled && mine.name === id.name) {
        const fresh = id.gallery.filter((g) => !mine.gallery.some((m) => sameVector(m, g)));
        for (const g of fresh) this.addToGallery(mine, g);
        if (fresh.length) n++;
        continue;
      }
      if (nameTaken || (mine && !id.enrolled)) continue;
      if (mine) {
        // The same id names two different ferrets (both made without seeing the other): renumber.
        const copy = this.create(id.name, true);
        for (const g of id.gallery) this.addToGallery(copy, g);
        n++;
        continue;
      }
      this.identities.set(id.ferretId, id);
      n++;
    }
    return n;
  }

  /** Enrol a named ferret from example embeddings; a name already enrolled gets the examples added. */
  enroll(name: string, embeddings: ReadonlyArray<ArrayLike<number>>): IdentityAssignment {
    let id = [...this.identities.values()].find((i) => i.enrolled && i.name === name);
    if (!id) {
      id = this.create(name, true);
    }
    for (const e of embeddings) this.addToGallery(id, e);
    return { ferretId: id.ferretId, name: id.name };
  }

  /** Name (or rename) an identity; a named identity counts as enrolled and is matched at any time. */
  rename(ferretId: string, name: string | null): boolean {
    const id = this.identities.get(ferretId);
    if (!id) return false;
    id.name = name;
    id.enrolled = name !== null && name !== '' ? true : id.enrolled;
    return true;
  }

  remove(ferretId: string): boolean {
    if (!this.identities.delete(ferretId)) return false;
    for (const [k, b] of this.bindings) if (b.ferretId === ferretId) this.bindings.delete(k);
    return true;
  }

  get(ferretId: string): IdentityInfo | undefined {
    const id = this.identities.get(ferretId);
    return id ? this.info(id) : undefined;
  }

  list(): IdentityInfo[] {
    return [...this.identities.values()].map((i) => this.info(i));
  }

  /** The identity a camera's track holds, if any. */
  lookup(camera: string, trackId: string): IdentityAssignment | undefined {
    const b = this.bindings.get(key(camera, trackId));
    const id = b && this.identities.get(b.ferretId);
    return id ? { ferretId: id.ferretId, name: id.name } : undefined;
  }

  /**
   * Give identities to one camera's tracks at time ts (ms). Pass every live track of the camera:
   * a previously bound track that is absent is taken as ended (see release). Tentative tracks are
   * ignored. Returns trackId → identity for the camera's bound tracks.
   */
  assign(camera: string, tracks: ReadonlyArray<IdentityTrack>, ts: number): Map<string, IdentityAssignment> {
    const present = new Set<string>();
    for (const t of tracks) if (LIVE_STATES.has(t.state)) present.add(t.trackId);
    for (const b of [...this.bindings.values()]) if (b.camera === camera && !present.has(b.trackId)) this.release(camera, b.trackId, ts);
    this.forget(ts);

    // Rows: tracks without identity, anonymous-bound tracks due for an enrolled check, and tracks
    // whose new identity is still provisional (they may also take over a recently seen one).
    const rows: Array<{ t: IdentityTrack; samples: ReadonlyArray<ArrayLike<number>>; upgrade: boolean; transit: boolean }> = [];
    for (const t of tracks) {
      if (!LIVE_STATES.has(t.state)) continue;
      const recent = (t.embeddings ?? []).slice(0, this.trackSamples);
      const b = this.bindings.get(key(camera, t.trackId));
      if (b) {
        if (t.state === 'lost' && b.state !== 'lost') b.lostSince = ts;
        b.state = t.state;
        if (recent.length) b.samples = recent; // normalised when they are used
        const id = this.identities.get(b.ferretId);
        if (id) {
          id.lastSeenTs = ts;
          id.lastCamera = camera;
          // Anonymous identities keep learning what their ferret looks like, so that it can be
          // recognised on the next camera even before this track ends.
          if (!id.enrolled && recent.length && (ts - b.lastLearnTs) / 1000 >= this.reevaluateS) {
            b.lastLearnTs = ts;
            this.addToGallery(id, recent[0]);
          }
          const provisional = b.created && t.state === 'confirmed' && ts - b.boundAt <= this.provisionalS * 1000;
          if (!id.enrolled && recent.length && (provisional || (ts - b.lastCheckTs) / 1000 >= this.reevaluateS)) {
            b.lastCheckTs = ts;
            rows.push({ t, samples: recent.map(l2Normalize), upgrade: true, transit: provisional });
          }
        }
        continue;
      }
      // A new identity (or a transit match) only for a track seen in this very frame: a coasting or
      // parked track whose identity another camera took is stale, not a new ferret.
      if (t.state !== 'confirmed' || t.ready === false) continue;
      rows.push({ t, samples: recent.map(l2Normalize), upgrade: false, transit: true });
    }

    if (rows.length) {
      // A coasting ("lost") track holds its identity only weakly: the ferret may already be in the
      // next room while the old camera's tracker still waits for it.
      const held = new Set<string>();
      for (const b of this.bindings.values()) if (b.state !== 'lost' || ts - b.lostSince < this.lostHoldS * 1000) held.add(b.ferretId);
      const cols: Identity[] = [];
      for (const id of this.identities.values()) {
        if (held.has(id.ferretId) || id.gallery.length === 0) continue;
        const recent = id.lastSeenTs !== null && ts - id.lastSeenTs <= this.transitWindowS * 1000;
        if (id.enrolled || recent) cols.push(id);
      }
      const matched = new Set<number>();
      if (cols.length) {
        const cost = new Float64Array(rows.length * cols.length).fill(Infinity);
        for (let r = 0; r < rows.length; r++) {
          if (!rows[r].samples.length) continue;
          for (let c = 0; c < cols.length; c++) {
            const id = cols[c];
            if (!rows[r].transit && !id.enrolled) continue;
            const d = meanMinCosineDistance(rows[r].samples, id.gallery);
            if (d <= (id.enrolled ? this.maxEnrolledDistance : this.maxTransitDistance)) cost[r * cols.length + c] = d;
          }
        }
        for (const [r, c] of matchWithThreshold(cost, 2, rows.length, cols.length).matches) {
          matched.add(r);
          const { t, samples, upgrade } = rows[r];
          if (upgrade) {
            // The anonymous identity was this ferret all along (an enrolled one, or — still
            // provisional — the one that just left another view).
            const old = this.bindings.get(key(camera, t.trackId))!.ferretId;
            this.identities.delete(old);
          }
          for (const b of [...this.bindings.values()]) if (b.ferretId === cols[c].ferretId) this.release(b.camera, b.trackId, ts);
          this.bind(camera, t.trackId, t.state, cols[c], samples, ts);
        }
      }
      for (let r = 0; r < rows.length; r++) {
        if (matched.has(r) || rows[r].upgrade) continue;
        this.bind(camera, rows[r].t.trackId, rows[r].t.state, this.create(null, false), rows[r].samples, ts, true);
      }
    }

    const out = new Map<string, IdentityAssignment>();
    for (const b of this.bindings.values()) {
      if (b.camera !== camera) continue;
      const id = this.identities.get(b.ferretId);
      if (id) out.set(b.trackId, { ferretId: id.ferretId, name: id.name });
    }
    return out;
  }

  /** A track ended: its identity becomes free, and anonymous ones learn its last appearance. */
  release(camera: string, trackId: string, ts: number): void {
    const k = key(camera, trackId);
    const b = this.bindings.get(k);
    if (!b) return;
    this.bindings.delete(k);
    const id = this.identities.get(b.ferretId);
    if (!id) return;
    id.lastSeenTs = ts;
    id.lastCamera = camera;
    // Enrolled galleries stay as the user made them, so a wrong match cannot drift a named ferret.
    if (!id.enrolled && b.samples !== b.learned) for (const e of b.samples) this.addToGallery(id, e);
  }

  toJSON(): IdentityRegistryJSON {
    return {
      version: 1,
      nextId: this.nextId,
      identities: [...this.identities.values()].map((i) => ({
        ferretId: i.ferretId,
        name: i.name,
        enrolled: i.enrolled,
        lastSeenTs: i.lastSeenTs,
        lastCamera: i.lastCamera,
        embeddings: this.galleryInOrder(i).map((g) => Array.from(g, (x) => Math.round(x * 1e6) / 1e6)),
      })),
    };
  }

  static fromJSON(json: IdentityRegistryJSON, opts: IdentityOptions = {}): IdentityRegistry {
    if (!json || (json.version !== undefined && json.version !== 1) || !Array.isArray(json.identities)) throw new Error('IdentityRegistry.fromJSON: unsupported data');
    const reg = new IdentityRegistry(opts);
    reg.nextId = Number.isInteger(json.nextId) && json.nextId > 0 ? json.nextId : 1;
    for (const j of json.identities) {
      const name = typeof j.name === 'string' && j.name !== '' ? j.name : null;
      const id: Identity = {
        ferretId: String(j.ferretId),
        name,
        // The store's format has no `enrolled`: a named ferret is an enrolled one.
        enrolled: j.enrolled ?? name !== null,
        lastSeenTs: typeof j.lastSeenTs === 'number' ? j.lastSeenTs : null,
        lastCamera: typeof j.lastCamera === 'string' ? j.lastCamera : null,
        gallery: [],
        galleryHead: 0,
      };
      reg.identities.set(id.ferretId, id);
      // `gallery` is what the first version of this file called the embeddings.
      const embs = j.embeddings ?? (j as { gallery?: number[][] }).gallery ?? [];
      for (const g of embs) if (Array.isArray(g) && g.length > 0 && g.every((x) => typeof x === 'number' && Number.isFinite(x))) reg.addToGallery(id, g);
      // Never hand out a number a stored identity already has (a file edited by hand, or merged).
      const n = id.ferretId.startsWith(reg.idPrefix) ? Number(id.ferretId.slice(reg.idPrefix.length)) : NaN;
      if (Number.isInteger(n) && n > 0) reg.nextId = Math.max(reg.nextId, n + 1);
    }
    return reg;
  }

  private create(name: string | null, enrolled: boolean): Identity {
    let ferretId: string;
    do ferretId = `${this.idPrefix}${this.nextId++}`;
    while (this.identities.has(ferretId));
    const id: Identity = { ferretId, name, enrolled, lastSeenTs: null, lastCamera: null, gallery: [], galleryHead: 0 };
    this.identities.set(ferretId, id);
    return id;
  }

  private bind(camera: string, trackId: string, state: TrackState, id: Identity, samples: ReadonlyArray<ArrayLike<number>>, ts: number, created = false): void {
    this.bindings.set(key(camera, trackId), { camera, trackId, state, ferretId: id.ferretId, samples, lastCheckTs: ts, lastLearnTs: ts, learned: samples, created, boundAt: ts, lostSince: 0 });
    if (!id.enrolled) for (const e of samples) this.addToGallery(id, e);
    id.lastSeenTs = ts;
    id.lastCamera = camera;
  }

  /** Oldest first (the ring buffer unrolled), so a reload keeps the same order. */
  private galleryInOrder(i: Identity): Float32Array[] {
    if (i.gallery.length < this.galleryBudget) return i.gallery;
    return [...i.gallery.slice(i.galleryHead), ...i.gallery.slice(0, i.galleryHead)];
  }

  private addToGallery(id: Identity, e: ArrayLike<number>): void {
    const v = l2Normalize(e);
    if (id.gallery.length < this.galleryBudget) id.gallery.push(v);
    else {
      id.gallery[id.galleryHead] = v;
      id.galleryHead = (id.galleryHead + 1) % this.galleryBudget;
    }
  }

  private forget(ts: number): void {
    const held = new Set<string>();
    for (const b of this.bindings.values()) held.add(b.ferretId);
    for (const [fid, id] of this.identities) {
      if (id.enrolled || held.has(fid) || id.lastSeenTs === null) continue;
      if (ts - id.lastSeenTs > this.forgetAfterS * 1000) this.identities.delete(fid);
    }
  }

  private info(i: Identity): IdentityInfo {
    const live: string[] = [];
    for (const b of this.bindings.values()) if (b.ferretId === i.ferretId) live.push(`${b.camera}/${b.trackId}`);
    return {
      ferretId: i.ferretId,
      name: i.name,
      enrolled: i.enrolled,
      lastSeenTs: i.lastSeenTs,
      lastCamera: i.lastCamera,
      gallerySize: i.gallery.length,
      dims: i.gallery.length ? i.gallery[0].length : null,
      liveTracks: live,
    };
  }
}

/** Equal up to the rounding of the JSON file. */
function sameVector(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-5) return false;
  return true;
}

function key(camera: string, trackId: string): string {
  return `${camera}\u0000${trackId}`;
}
