// Resource names inside one camera's HLS directory. parseHlsName is the only way a URL reaches the
// packager's stores, and its anchored regexes admit nothing but these shapes: no dots beyond the
// fixed ones, no slashes, no leading zeros, numbers within the safe-integer range.

export type HlsName =
  | { kind: 'init'; gen: number }
  | { kind: 'segment'; msn: number }
  | { kind: 'part'; msn: number; part: number };

const INIT = /^init([1-9][0-9]{0,5})?\.mp4$/;
const SEGMENT = /^seg(0|[1-9][0-9]{0,14})\.m4s$/;
const PART = /^part(0|[1-9][0-9]{0,14})\.(0|[1-9][0-9]{0,5})\.m4s$/;

export function parseHlsName(name: string): HlsName | undefined {
  if (typeof name !== 'string' || name.length > 40) return undefined;
  let m = SEGMENT.exec(name);
  if (m) return { kind: 'segment', msn: Number(m[1]) };
  m = PART.exec(name);
  if (m) return { kind: 'part', msn: Number(m[1]), part: Number(m[2]) };
  m = INIT.exec(name);
  if (m) return { kind: 'init', gen: m[1] ? Number(m[1]) : 0 };
  return undefined;
}

/** Init segment of generation gen: "init.mp4", then "init1.mp4", … after an encoder restart changed it. */
export function initName(gen: number): string {
  return gen === 0 ? 'init.mp4' : `init${gen}.mp4`;
}

export function segmentName(msn: number): string {
  return `seg${msn}.m4s`;
}

export function partName(msn: number, part: number): string {
  return `part${msn}.${part}.m4s`;
}
