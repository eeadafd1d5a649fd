// Everything live the page knows, fed by the API and the event stream. Components listen for the
// topics they show; position updates (tracks, detections) are kept in buffers that the overlays read
// on every video frame and do not wake the components.
import { TimedBuffer } from './track-buffer';
import type {
  Alert,
  BehaviorChangePayload,
  Box,
  CameraInfo,
  DailySummary,
  DetectionsPayload,
  Episode,
  FerretInfo,
  StreamStatePayload,
  TracksPayload,
} from './types';
import type { ConnectionState } from './sse';

export type Topic = 'cameras' | 'stream' | 'ferrets' | 'alerts' | 'connection' | 'episode' | 'summary' | 'history' | 'photos';

export interface FerretView {
  id: string;
  name: string | null;
  behavior: string | null;
  since: number | null;
  camera: string | null;
  zone: string | null;
  confidence: number | null;
  /** The best recent sighting: crop source for the card photo. */
  sighting?: { camera: string; box: Box; width: number; height: number; ts: number; score: number };
}

export type HistoryState = 'loading' | 'ok' | 'unavailable';

export class LiveStore extends EventTarget {
  cameras: CameraInfo[] = [];
  readonly streams = new Map<string, StreamStatePayload>();
  readonly tracks = new Map<string, TimedBuffer<TracksPayload>>();
  readonly detections = new Map<string, TimedBuffer<DetectionsPayload>>();
  readonly ferrets = new Map<string, FerretView>();
  alerts: Alert[] = [];
  connection: ConnectionState = 'connecting';
  history: HistoryState = 'loading';
  /** Latest live episode / summary, for the card of that ferret. */
  lastEpisode?: Episode;
  lastSummary?: DailySummary;
  /** Card photos: crops of the video frame a ferret was tracked on (see camera-tile.ts). */
  readonly photos = new Map<string, { bitmap: ImageBitmap; ts: number }>();
  /** Cameras whose video is playing in this page now. */
  readonly playing = new Set<string>();

  setPhoto(ferretId: string, bitmap: ImageBitmap): void {
    this.photos.get(ferretId)?.bitmap.close();
    this.photos.set(ferretId, { bitmap, ts: Date.now() });
    this.emit('photos');
  }

  emit(topic: Topic): void {
    this.dispatchEvent(new Event(topic));
  }

  setCameras(list: CameraInfo[]): void {
    this.cameras = list;
    this.emit('cameras');
  }

  setHistory(s: HistoryState): void {
    if (this.history === s) return;
    this.history = s;
    this.emit('history');
  }

  setFerrets(list: FerretInfo[]): void {
    for (const f of list) {
      const v = this.ferret(f.id);
      v.name = f.name ?? v.name;
      if (f.current && (v.since === null || f.current.since >= v.since)) {
        v.behavior = f.current.behavior;
        v.since = f.current.since;
        v.camera = f.current.camera;
        v.zone = f.current.zone;
        v.confidence = f.current.confidence;
      }
    }
    this.emit('ferrets');
  }

  private ferret(id: string): FerretView {
    let v = this.ferrets.get(id);
    if (!v) {
      v = { id, name: null, behavior: null, since: null, camera: null, zone: null, confidence: null };
      this.ferrets.set(id, v);
    }
    return v;
  }

  rename(ferretId: string, name: string): void {
    this.ferret(ferretId).name = name;
    this.emit('ferrets');
  }

  buffer<T extends { ts: number }>(map: Map<string, TimedBuffer<T>>, camera: string): TimedBuffer<T> {
    let b = map.get(camera);
    if (!b) {
      b = new TimedBuffer<T>();
      map.set(camera, b);
    }
    return b;
  }

  onTracks(p: TracksPayload): void {
    this.buffer(this.tracks, p.camera).push(p);
    let changed = false;
    for (const t of p.tracks) {
      if (!t.ferretId || t.state === 'tentative' || t.state === 'lost') continue;
      const known = this.ferrets.has(t.ferretId);
      const v = this.ferret(t.ferretId);
      if (!known || (t.name && t.name !== v.name)) {
        v.name = t.name ?? v.name;
        changed = true;
      }
      // Prefer large, confident, recent sightings for the photo.
      const s = v.sighting;
      const area = (t.box[2] - t.box[0]) * (t.box[3] - t.box[1]);
      const sArea = s ? (s.box[2] - s.box[0]) * (s.box[3] - s.box[1]) : 0;
      if (!s || p.ts - s.ts > 60_000 || area * t.score >= sArea * s.score) {
        v.sighting = { camera: p.camera, box: t.box, width: p.width, height: p.height, ts: p.ts, score: t.score };
      }
    }
    if (changed) this.emit('ferrets');
  }

  onBehavior(p: BehaviorChangePayload): void {
    const v = this.ferret(p.ferretId);
    v.name = p.name ?? v.name;
    v.behavior = p.behavior;
    v.since = p.since;
    v.camera = p.camera;
    v.zone = p.zone;
    v.confidence = p.confidence;
    this.emit('ferrets');
  }

  onStream(p: StreamStatePayload): void {
    this.streams.set(p.camera, p);
    this.emit('stream');
  }

  onAlert(a: Alert): void {
    if (this.alerts.some((x) => x.alertId === a.alertId)) return;
    this.alerts = [a, ...this.alerts].slice(0, 200);
    this.emit('alerts');
  }

  setAlerts(list: Alert[]): void {
    this.alerts = [...list].sort((a, b) => b.ts - a.ts).slice(0, 200);
    this.emit('alerts');
  }

  onEpisode(e: Episode): void {
    this.lastEpisode = e;
    if (!this.ferrets.has(e.ferretId)) {
      this.ferret(e.ferretId).name = e.name;
      this.emit('ferrets');
    }
    this.emit('episode');
  }

  onSummary(s: DailySummary): void {
    this.lastSummary = s;
    this.emit('summary');
  }

  setConnection(s: ConnectionState): void {
    this.connection = s;
    this.emit('connection');
  }
}

/** The page's store. */
export const store = new LiveStore();
