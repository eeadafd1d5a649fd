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
// Pure: no IO; toJSON()/fromJSON() for the node to persist.

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
  /** Default 'ferret-'. */
  idPrefix?: string;
}

/** What the registry needs of a track: its id, state and newest-first embeddings (any scale). */
export interface IdentityTrack {
  trackId: string;
  state: TrackState;
  embeddings?: ReadonlyArray<ArrayLike<number>>;
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
  /** Cameras/tracks currently holding it, as "camera/trackId". */
  liveTracks: string[];
}

export interface IdentityRegistryJSON {
  version: 1;
  nextId: number;
  identities: Array<{
    ferretId: string;
    name: string | null;
    enrolled: boolean;
    lastSeenTs: number | null;
    lastCamera: string | null;
    gallery: number[][];
  }>;
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
}

const LIVE_STATES: ReadonlySet<TrackState> = new Set(['confirmed', 'lost', 'stationary']);

export class IdentityRegistry {
  readonly transitWindowS: number;
  readonly maxTransitDistance: number;
  readonly maxEnrolledDistance: number;
  readonly galleryBudget: number;
  readonly trackSamples: number;
  readonly reevaluateS: number;
  readonly forgetAfterS: number;
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
    this.idPrefix = opts.idPrefix ?? 'ferret-';
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

    // Rows: tracks without identity, and anonymous-bound tracks due for an enrolled check.
    const rows: Array<{ t: IdentityTrack; samples: ReadonlyArray<ArrayLike<number>>; upgrade: boolean }> = [];
    for (const t of tracks) {
      if (!LIVE_STATES.has(t.state)) continue;
      const recent = (t.embeddings ?? []).slice(0, this.trackSamples);
      const b = this.bindings.get(key(camera, t.trackId));
      if (b) {
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
          if (!id.enrolled && recent.length && (ts - b.lastCheckTs) / 1000 >= this.reevaluateS) {
            b.lastCheckTs = ts;
            rows.push({ t, samples: recent.map(l2Normalize), upgrade: true });
          }
        }
        continue;
      }
      rows.push({ t, samples: recent.map(l2Normalize), upgrade: false });
    }

    if (rows.length) {
      // A coasting ("lost") track holds its identity only weakly: the ferret may already be in the
      // next room while the old camera's tracker still waits for it.
      const held = new Set<string>();
      for (const b of this.bindings.values()) if (b.state !== 'lost') held.add(b.ferretId);
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
            if (rows[r].upgrade && !id.enrolled) continue;
            const d = meanMinCosineDistance(rows[r].samples, id.gallery);
            if (d <= (id.enrolled ? this.maxEnrolledDistance : this.maxTransitDistance)) cost[r * cols.length + c] = d;
          }
        }
        for (const [r, c] of matchWithThreshold(cost, 2, rows.length, cols.length).matches) {
          matched.add(r);
          const { t, samples, upgrade } = rows[r];
          if (upgrade) {
            const old = this.bindings.get(key(camera, t.trackId))!.ferretId;
            this.identities.delete(old); // the anonymous identity was this enrolled ferret all along
          }
          for (const b of [...this.bindings.values()]) if (b.ferretId === cols[c].ferretId) this.release(b.camera, b.trackId, ts);
          this.bind(camera, t.trackId, t.state, cols[c], samples, ts);
        }
      }
      for (let r = 0; r < rows.length; r++) {
        if (matched.has(r) || rows[r].upgrade) continue;
        this.bind(camera, rows[r].t.trackId, rows[r].t.state, this.create(null, false), rows[r].samples, ts);
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
        gallery: i.gallery.map((g) => Array.from(g, (x) => Math.round(x * 1e6) / 1e6)),
      })),
    };
  }

  static fromJSON(json: IdentityRegistryJSON, opts: IdentityOptions = {}): IdentityRegistry {
    if (!json || json.version !== 1 || !Array.isArray(json.identities)) throw new Error('IdentityRegistry.fromJSON: unsupported data');
    const reg = new IdentityRegistry(opts);
    reg.nextId = Number.isInteger(json.nextId) && json.nextId > 0 ? json.nextId : 1;
    for (const j of json.identities) {
      const id: Identity = {
        ferretId: String(j.ferretId),
        name: j.name ?? null,
        enrolled: !!j.enrolled,
        lastSeenTs: j.lastSeenTs ?? null,
        lastCamera: j.lastCamera ?? null,
        gallery: [],
        galleryHead: 0,
      };
      reg.identities.set(id.ferretId, id);
      for (const g of j.gallery ?? []) reg.addToGallery(id, g);
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

  private bind(camera: string, trackId: string, state: TrackState, id: Identity, samples: ReadonlyArray<ArrayLike<number>>, ts: number): void {
    this.bindings.set(key(camera, trackId), { camera, trackId, state, ferretId: id.ferretId, samples, lastCheckTs: ts, lastLearnTs: ts, learned: samples });
    if (!id.enrolled) for (const e of samples) this.addToGallery(id, e);
    id.lastSeenTs = ts;
    id.lastCamera = camera;
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
      liveTracks: live,
    };
  }
}

function key(camera: string, trackId: string): string {
  return `${camera}\u0000${trackId}`;
}
