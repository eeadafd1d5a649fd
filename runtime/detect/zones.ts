// Zones in 0..1 frame coordinates. A detection belongs to a zone when the bottom-centre of its box
// (where an animal touches the floor) is inside the polygon, as Frigate does. Mask zones drop it.
import type { Box, Detection, Zone } from '../contracts';

/** Even-odd ray casting; `pts` are already in the same units as (x, y). */
export function pointInPolygon(x: number, y: number, pts: ReadonlyArray<readonly [number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i];
    const [xj, yj] = pts[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function isMaskZone(z: Zone): boolean {
  return z.mask === true || z.name === 'mask';
}

export interface ZoneHit {
  /** Inside at least one mask zone: the detection should be dropped. */
  masked: boolean;
  /** Names of the non-mask zones holding the bottom-centre. */
  zones: string[];
}

/** Zones holding the bottom-centre of `box` (source pixels) on a width x height frame. */
export function zonesForBox(box: Box, zones: readonly Zone[], width: number, height: number): ZoneHit {
  const px = (box[0] + box[2]) / 2 / width;
  const py = box[3] / height;
  const hit: ZoneHit = { masked: false, zones: [] };
  for (const z of zones) {
    if (z.points.length < 3 || !pointInPolygon(px, py, z.points)) continue;
    if (isMaskZone(z)) hit.masked = true;
    else hit.zones.push(z.name);
  }
  return hit;
}

/** Drop masked detections and fill `zones` on the rest (returns new objects). */
export function applyZones(dets: readonly Detection[], zones: readonly Zone[], width: number, height: number): Detection[] {
  if (zones.length === 0) return dets.map((d) => ({ ...d, zones: [] }));
  const out: Detection[] = [];
  for (const d of dets) {
    const hit = zonesForBox(d.box, zones, width, height);
    if (!hit.masked) out.push({ ...d, zones: hit.zones });
  }
  return out;
}
