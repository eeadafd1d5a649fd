// The rtsp-hls-stream node's editor fields → CameraStreamOptions, with defaults and sane bounds.
import { numberIn } from '../config-values';
import { DEFAULT_STREAM_OPTIONS, type CameraStreamOptions } from './camera-stream';

export interface StreamNodeConfig {
  camera: string;
  mode?: string;
  segment?: string | number;
  playlist?: string | number;
  part?: string | number;
  bitrate?: string | number;
  gop?: string | number;
  preset?: string;
  diskDir?: string;
}

const PRESETS = new Set(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium']);

export function streamOptionsFromConfig(def: StreamNodeConfig): CameraStreamOptions {
  const d = DEFAULT_STREAM_OPTIONS;
  return {
    ...d,
    mode: def.mode === 'transcode' ? 'transcode' : 'copy',
    segmentTargetS: numberIn(def.segment, d.segmentTargetS, 1, 10),
    playlistSegments: Math.round(numberIn(def.playlist, d.playlistSegments, 3, 20)),
    partTargetS: numberIn(def.part, d.partTargetS, 0, 2),
    transcode: {
      preset: def.preset && PRESETS.has(def.preset) ? def.preset : d.transcode.preset,
      tune: d.transcode.tune,
      bitrateKbps: Math.round(numberIn(def.bitrate, d.transcode.bitrateKbps, 100, 20000)),
      gopSeconds: numberIn(def.gop, d.transcode.gopSeconds, 0.5, 10),
    },
    diskDir: def.diskDir?.trim() || undefined,
  };
}
