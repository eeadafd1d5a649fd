// The message contracts between FerretWatch's nodes. docs/ARCHITECTURE.md describes them in prose;
// change them there first, then here. Frames never travel in messages: only results do.

/** [x1, y1, x2, y2] in source-frame pixels. */
export type Box = [number, number, number, number];

/** Polygon zone in 0..1 frame coordinates; `mask` zones drop detections inside them. */
export interface Zone {
  name: string;
  points: Array<[number, number]>;
  mask?: boolean;
}

export type StreamState = 'starting' | 'live' | 'stalled' | 'restarting' | 'failed' | 'stopped';

export interface StreamStats {
  fps?: number;
  bitrateKbps?: number;
  speed?: number;
  frames?: number;
  restarts: number;
}

/** rtsp-hls-stream output 1: `{topic: "<camera>/stream", payload: StreamStatePayload}` on every state change. */
export interface StreamStatePayload {
  camera: string;
  state: StreamState;
  reason?: string;
  /** Playlist URL path, e.g. /ferretwatch/hls/<camera>/index.m3u8 (never the camera URL). */
  url: string;
  stats: StreamStats;
  ts: number;
}

export interface Detection {
  box: Box;
  score: number;
  /** Mapped label ("ferret", "motion", …) after the class map. */
  label: string;
  /** The model's own class name (e.g. "cat"), kept for transparency. */
  class: string;
  classId: number;
  /** Names of the (non-mask) zones that hold the bottom-centre of the box. */
  zones: string[];
  /** L2-normalised appearance embedding (ReID or colour histogram), present when the detect node computes it. */
  embedding?: number[];
}

/** ferret-detect output: `{topic: "<camera>/detections", payload: DetectionsPayload}`. */
export interface DetectionsPayload {
  camera: string;
  frameId: number;
  /** Wall-clock ms of the frame's capture (ingest). */
  ts: number;
  width: number;
  height: number;
  detections: Detection[];
  timings: { decodeMs: number; preMs: number; inferMs: number; postMs: number };
  /** Frames dropped before inference since the previous message (latest-frame-wins). */
  dropped: number;
  /** Only in the answer to `msg.snapshot = true`: the annotated JPEG of this frame. */
  snapshotUrl?: string;
}

export type TrackState = 'tentative' | 'confirmed' | 'stationary' | 'lost';

export interface Track {
  trackId: string;
  ferretId: string | null;
  name: string | null;
  box: Box;
  /** px/s in source-frame pixels. */
  velocity: [number, number];
  state: TrackState;
  /** Seconds since the track started. */
  age: number;
  hitStreak: number;
  zones: string[];
  score: number;
}

/** ferret-track output 1: `{topic: "<camera>/tracks", payload: TracksPayload}`. */
export interface TracksPayload {
  camera: string;
  frameId: number;
  ts: number;
  width: number;
  height: number;
  tracks: Track[];
}

/** ferret-track output 2: lifecycle. */
export interface TrackLifecyclePayload {
  event: 'track-start' | 'track-end';
  camera: string;
  trackId: string;
  ferretId: string | null;
  name: string | null;
  ts: number;
  durationS?: number;
  pathLengthPx?: number;
}

export type Behavior =
  | 'sleeping'
  | 'resting'
  | 'exploring'
  | 'playing'
  | 'eating'
  | 'drinking'
  | 'litter'
  | 'hiding'
  | 'social_play'
  | 'out_of_view';

/** ferret-behavior output 1: `{topic: "<ferretId>/behavior", payload: BehaviorChangePayload}`. */
export interface BehaviorChangePayload {
  ferretId: string;
  name: string | null;
  camera: string | null;
  behavior: string;
  previous: string | null;
  confidence: number;
  /** ms epoch the current behavior started. */
  since: number;
  zone: string | null;
}

/**
 * ferret-behavior output 2: episode events `{topic: "<ferretId>/episode", payload: Episode, event: "start" | "end"}`
 * (a start carries `end: null`).
 */
export interface Episode {
  episodeId: string;
  ferretId: string;
  name: string | null;
  camera: string | null;
  behavior: string;
  start: number;
  end: number | null;
  durationS: number;
  confidence: number;
  zone: string | null;
  clip?: string;
}

/** ferret-behavior output 3: `{topic: "<ferretId>/summary" | "alert", payload}`. */
export interface DailySummary {
  ferretId: string;
  name: string | null;
  date: string; // YYYY-MM-DD, local time
  minutes: Record<string, number>;
  meals: number;
  drinks: number;
  litterVisits: number;
  distanceBodyLengths: number;
  longestSleepMin: number;
  firstActivity: number | null;
  lastActivity: number | null;
}

export interface Alert {
  alertId: string;
  ferretId: string | null;
  name: string | null;
  type: string;
  message: string;
  ts: number;
}
