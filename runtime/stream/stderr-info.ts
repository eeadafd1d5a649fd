// What ffmpeg says about its input on stderr, e.g.
//   Stream #0:0: Video: h264 (High), yuv420p(progressive), 1920x1080 [SAR 1:1 DAR 16:9], 30 fps, 30 tbr, 90k tbn
// Parsed once per spawn to learn the source codec (copy or transcode?) before any output exists.

export interface InputVideo {
  codec: string;
  width?: number;
  height?: number;
  fps?: number;
}

const STREAM_RE = /^\s*Stream #0:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: Video: ([a-z0-9_]+)/i;

export function parseInputVideo(line: string): InputVideo | undefined {
  const m = STREAM_RE.exec(line);
  if (!m) return undefined;
  const out: InputVideo = { codec: m[1].toLowerCase() };
  const size = /[ ,](\d{2,5})x(\d{2,5})[ ,[]/.exec(line);
  if (size) {
    out.width = Number(size[1]);
    out.height = Number(size[2]);
  }
  const fps = /([\d.]+) fps/.exec(line) ?? /([\d.]+) tbr/.exec(line);
  if (fps) out.fps = Number(fps[1]);
  return out;
}
