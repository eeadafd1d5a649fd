// Boxes and names over a video, on a canvas the size of the video element.
import { contentRect, mapBox, type Rect } from './geometry';
import type { Box, DetectionsPayload, Track, TracksPayload } from './types';

export interface DrawnBox {
  rect: Rect;
  trackId?: string;
  ferretId: string | null;
  label: string;
}

const PALETTE = ['#ffd166', '#7cc4ff', '#ef7b5c', '#8be28b', '#d6a2ff', '#ff9ecd', '#64e0d0'];

export function colorFor(key: string): string {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return PALETTE[Math.abs(h) % PALETTE.length];
}

/**
 * Tracks at a time between two results: boxes of tracks present in both move linearly from `a` to
 * `b` (alpha 0..1); the others stay as in `a`. The picture runs at 15–30 fps, a detector often at 5.
 */
export function lerpTracks(a: TracksPayload, b: TracksPayload, alpha: number): TracksPayload {
  const next = new Map(b.tracks.map((t) => [t.trackId, t]));
  const k = Math.min(1, Math.max(0, alpha));
  return {
    ...a,
    tracks: a.tracks.map((t) => {
      const u = next.get(t.trackId);
      if (!u) return t;
      const box: Box = [0, 1, 2, 3].map((i) => t.box[i] + (u.box[i] - t.box[i]) * k) as Box;
      return { ...t, box };
    }),
  };
}

/** The ferret's name (from the tracker, else as the page knows it), its id, or the track. */
export function trackLabel(t: Track, nameOf?: (ferretId: string) => string | null | undefined): string {
  return t.name || (t.ferretId && nameOf?.(t.ferretId)) || t.ferretId || `track ${t.trackId}`;
}

/**
 * Draws one result (tracks, or detections when no tracker runs) for a video shown with
 * `object-fit: contain` in an element of cssW × cssH. Returns what was drawn, for hit-testing.
 */
export function drawOverlay(
  ctx: CanvasRenderingContext2D,
  cssW: number,
  cssH: number,
  dpr: number,
  videoW: number,
  videoH: number,
  result: { tracks?: TracksPayload; detections?: DetectionsPayload },
  nameOf?: (ferretId: string) => string | null | undefined,
): DrawnBox[] {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  const src = result.tracks ?? result.detections;
  if (!src) return [];
  const area = contentRect(cssW, cssH, videoW || src.width, videoH || src.height);
  const out: DrawnBox[] = [];
  const font = Math.max(11, Math.min(15, Math.round(cssW / 40)));
  ctx.font = `600 ${font}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';

  const draw = (box: [number, number, number, number], label: string, color: string, dashed: boolean): Rect => {
    const r = mapBox(box, src.width, src.height, area);
    ctx.lineWidth = 2;
    ctx.strokeStyle = color;
    ctx.setLineDash(dashed ? [5, 4] : []);
    ctx.strokeRect(r.x, r.y, r.w, r.h);
    ctx.setLineDash([]);
    const tw = ctx.measureText(label).width + 8;
    const th = font + 6;
    const ty = r.y - th >= area.y ? r.y - th : r.y;
    ctx.fillStyle = 'rgba(10, 12, 15, 0.78)';
    ctx.fillRect(r.x, ty, tw, th);
    ctx.fillStyle = color;
    ctx.fillText(label, r.x + 4, ty + 3);
    return r;
  };

  if (result.tracks) {
    for (const t of result.tracks.tracks) {
      if (t.state === 'lost') continue;
      const label = trackLabel(t, nameOf);
      const rect = draw(t.box, label, colorFor(t.ferretId ?? t.trackId), t.state === 'tentative');
      out.push({ rect, trackId: t.trackId, ferretId: t.ferretId, label });
    }
  } else if (result.detections) {
    for (const d of result.detections.detections) {
      const label = `${d.label} ${Math.round(d.score * 100)}%`;
      const rect = draw(d.box, label, '#c9d1d9', true);
      out.push({ rect, ferretId: null, label });
    }
  }
  return out;
}
