// What the /ferretwatch API answers, as the dashboard reads it. Live payloads are the message
// contracts themselves (runtime/contracts.ts, type-only import: nothing of it is bundled).
export type {
  Alert,
  BehaviorChangePayload,
  Box,
  DailySummary,
  DetectionsPayload,
  Episode,
  StreamStatePayload,
  Track,
  TrackLifecyclePayload,
  TracksPayload,
} from '../../runtime/contracts';

export interface CameraInfo {
  id: string;
  name: string;
  state: string;
  reason?: string;
  hls?: string;
  codec?: string;
  width?: number;
  height?: number;
  fps?: number;
}

/** GET api/stream/hls/<camera> */
export interface StreamInfo {
  url: string;
  plainUrl?: string;
  state: string;
  reason?: string;
  codec?: string;
  width?: number;
  height?: number;
  fps?: number;
  bitrate?: number;
  ll: boolean;
  partTarget?: number;
  segmentTarget?: number;
  hlsjsConfig?: Record<string, unknown>;
}

export interface CurrentBehavior {
  behavior: string;
  since: number;
  camera: string | null;
  zone: string | null;
  confidence: number;
}

/** GET api/ferrets */
export interface FerretInfo {
  id: string;
  name: string | null;
  current: CurrentBehavior | null;
}

/** GET api/clips */
export interface ClipInfo {
  id: string;
  camera: string | null;
  ferretId: string | null;
  behavior: string | null;
  start: number;
  end: number | null;
  bytes?: number;
}
