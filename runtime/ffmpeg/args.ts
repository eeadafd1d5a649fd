// Typed pieces of ffmpeg command lines. Everything here returns argument arrays for
// child_process.spawn (never a shell string), so nothing in a URL or path can be interpreted by a
// shell. argsForLog() is the only way an argument list should reach a log.

import { redactUrl } from './redact';

export type SourceKind = 'rtsp' | 'rtsps' | 'http' | 'https' | 'file' | 'demo' | 'other';
export type RtspTransport = 'auto' | 'tcp' | 'udp';

export interface InputSource {
  url: string;
  /** RTSP only: 'auto' lets ffmpeg try UDP then TCP. Default 'tcp' (works through NAT and Wi-Fi loss). */
  transport?: RtspTransport;
  /** Files: read at native frame rate (-re), as a camera would deliver. */
  realtime?: boolean;
  /** Files: loop forever (-stream_loop -1). */
  loop?: boolean;
  /** Network sources: socket I/O timeout, ms (default 10000), so a dead camera ends ffmpeg with a reason. */
  timeoutMs?: number;
}

/** What kind of source a URL names. Anything without `scheme://` (or with file:) is a file path. */
export function sourceKind(url: string): SourceKind {
  const u = url.trim();
  if (/^demo:/i.test(u)) return 'demo';
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(u);
  if (!m) return 'file';
  const scheme = m[1].toLowerCase();
  switch (scheme) {
    case 'rtsp':
    case 'rtsps':
    case 'http':
    case 'https':
      return scheme;
    case 'file':
      return 'file';
    default:
      return 'other';
  }
}

/** `-hide_banner -nostdin -loglevel level+warning -stats`: quiet, no keyboard, parseable stats. */
export function globalArgs(opts: { loglevel?: string; stats?: boolean } = {}): string[] {
  const out = ['-hide_banner', '-nostdin', '-loglevel', `level+${opts.loglevel ?? 'warning'}`];
  if (opts.stats ?? true) out.push('-stats');
  return out;
}

/** Input options plus `-i <url>` for one source. Credentials, if any, must already be in url (see withCredentials). */
export function inputArgs(source: InputSource): string[] {
  const kind = sourceKind(source.url);
  const timeoutUs = String(Math.round((source.timeoutMs ?? 10000) * 1000));
  switch (kind) {
    case 'demo':
      return demoInputArgs(parseDemoUrl(source.url));
    case 'rtsp':
    case 'rtsps': {
      const out: string[] = [];
      const transport = source.transport ?? 'tcp';
      if (transport !== 'auto') out.push('-rtsp_transport', transport);
      // ffmpeg 5.1: -timeout is the RTSP socket I/O timeout in µs (the old -stimeout is gone).
      out.push('-timeout', timeoutUs, '-i', source.url);
      return out;
    }
    case 'http':
    case 'https':
      return ['-rw_timeout', timeoutUs, '-i', source.url];
    case 'file': {
      const out: string[] = [];
      if (source.realtime) out.push('-re');
      if (source.loop) out.push('-stream_loop', '-1');
      out.push('-i', source.url);
      return out;
    }
    default:
      return ['-i', source.url];
  }
}

export interface TranscodeOptions {
  preset?: string;
  tune?: string;
  bitrateKbps?: number;
  /** Keyframe interval in seconds; HLS segments can only cut on keyframes. */
  gopSeconds?: number;
  /** Output frame rate, when known, to set a fixed GOP length in frames. */
  fps?: number;
}

/** libx264 with the seed's low-latency parameters: ultrafast, zerolatency, 2 Mbit/s, keyframe every 2 s. */
export function transcodeArgs(opts: TranscodeOptions = {}): string[] {
  const preset = opts.preset ?? 'ultrafast';
  const tune = opts.tune ?? 'zerolatency';
  const kbps = Math.max(1, Math.round(opts.bitrateKbps ?? 2000));
  const gopS = opts.gopSeconds ?? 2;
  const out = ['-c:v', 'libx264', '-preset', preset];
  if (tune) out.push('-tune', tune);
  out.push('-pix_fmt', 'yuv420p', '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`);
  // Time-based forced keyframes work whatever the source frame rate is; -g bounds it when fps is known.
  out.push('-force_key_frames', `expr:gte(t,n_forced*${gopS})`, '-sc_threshold', '0');
  if (opts.fps && opts.fps > 0) {
    const gop = String(Math.max(1, Math.round(opts.fps * gopS)));
    out.push('-g', gop, '-keyint_min', gop);
  }
  return out;
}

/** Fragmented MP4 on stdout (for MSE/LL consumers): each keyframe starts a fragment. */
export function fmp4OutputArgs(opts: { fragDurationMs?: number } = {}): string[] {
  const out = ['-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof'];
  if (opts.fragDurationMs && opts.fragDurationMs > 0) out.push('-frag_duration', String(Math.round(opts.fragDurationMs * 1000)));
  out.push('pipe:1');
  return out;
}

/**
 * A composable builder: `new FfmpegArgs().global().input(src).add('-map', '0:v:0').add(...transcodeArgs()).output('pipe:1').build()`.
 * Order matters to ffmpeg (input options before -i, output options before the output), so pieces are
 * appended in call order.
 */
export class FfmpegArgs {
  private readonly parts: string[] = [];

  global(opts?: { loglevel?: string; stats?: boolean }): this {
    this.parts.push(...globalArgs(opts));
    return this;
  }

  input(source: InputSource): this {
    this.parts.push(...inputArgs(source));
    return this;
  }

  map(spec: string): this {
    this.parts.push('-map', spec);
    return this;
  }

  transcode(opts?: TranscodeOptions): this {
    this.parts.push(...transcodeArgs(opts));
    return this;
  }

  copyVideo(): this {
    this.parts.push('-c:v', 'copy');
    return this;
  }

  noAudio(): this {
    this.parts.push('-an');
    return this;
  }

  add(...args: Array<string | number>): this {
    for (const a of args) this.parts.push(String(a));
    return this;
  }

  output(target: string): this {
    this.parts.push(target);
    return this;
  }

  build(): string[] {
    return [...this.parts];
  }
}

/** A single loggable line for an argument list: credentials redacted, arguments with spaces quoted. */
export function argsForLog(args: readonly string[]): string {
  return args.map((a) => quoteForLog(redactUrl(a))).join(' ');
}

function quoteForLog(a: string): string {
  if (a === '') return "''";
  return /[\s'"\\$`;&|<>()*?!#~]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a;
}

// ---------------------------------------------------------------------------------------------
// demo: the built-in synthetic camera.

export interface DemoOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Length of one quiet/busy cycle, s (default 60). */
  periodS?: number;
  /** Seconds of movement at the start of each cycle (default 35); the rest of the cycle is still. */
  activeS?: number;
  /** Wall clock used for the phase, ms (default Date.now()); injectable for tests. */
  now?: number;
}

/** `demo:` or `demo:?width=640&height=360&fps=15` → options. Unknown or bad values fall back to defaults. */
export function parseDemoUrl(url: string): DemoOptions {
  const q = url.indexOf('?');
  if (q < 0) return {};
  const params = new URLSearchParams(url.slice(q + 1));
  const num = (k: string): number | undefined => {
    const v = params.get(k);
    if (v === null || v.trim() === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  return { width: num('width') ?? num('w'), height: num('height') ?? num('h'), fps: num('fps') };
}

/**
 * Input args for the synthetic camera: lavfi rawvideo (yuv420p) at real-time pace, so any consumer that
 * wants H.264 must encode it (e.g. add transcodeArgs()). Two blobs the size of a ferret at 640×360
 * (one fast and erratic, one slow) move for activeS seconds of each periodS cycle and stand still for
 * the rest; a third rests in its bed all the time. The background is static, so a motion detector sees
 * only the blobs. Positions depend on wall-clock time: the phase offset is taken from `now` when the
 * args are built, so independent ffmpeg processes draw the blobs at the same place at the same moment.
 */
export function demoInputArgs(opts: DemoOptions = {}): string[] {
  return ['-re', '-f', 'lavfi', '-i', demoGraph(opts)];
}

/** The lavfi filtergraph behind demoInputArgs (exported for tests and docs). */
export function demoGraph(opts: DemoOptions = {}): string {
  const W = even(clamp(opts.width ?? 640, 64, 3840));
  const H = even(clamp(opts.height ?? 360, 64, 2160));
  const fps = clamp(opts.fps ?? 15, 1, 60);
  const period = Math.max(1, opts.periodS ?? 60);
  const active = clamp(opts.activeS ?? 35, 0.5, period);
  const now = opts.now ?? Date.now();
  const offset = ((now / 1000) % period).toFixed(3);

  const k = W / 640;
  const bw = even(60 * k);
  const bh = even(26 * (H / 360));
  const floorTop = Math.round(H * 0.34);

  // s: movement time within the cycle; it stops advancing after `active` seconds. Every trajectory is
  // a sum of sines with whole numbers of periods over `active`, so when s stops (and when the next
  // cycle starts) the blob is where it began: no jump, just a stop.
  const s = `min(mod(t+${offset},${period}),${active})`;
  const w = (n: number, phase = 0): string => `sin(${((2 * Math.PI * n) / active).toFixed(6)}*${s}+${phase})`;
  const cx = (W - bw) / 2;
  const cy = (floorTop + H - bh) / 2;
  const ax = (W - bw) / 2 - 8 * k;
  const ay = (H - floorTop - bh) / 2 - 4;

  // Playing: fast and erratic (two incommensurate-looking whole-cycle frequencies per axis).
  const fastX = `${cx.toFixed(1)}+${ax.toFixed(1)}*(0.6*${w(4)}+0.35*${w(9, 1.3)})`;
  const fastY = `${cy.toFixed(1)}+${ay.toFixed(1)}*(0.55*${w(5, 0.7)}+0.4*${w(13)})`;
  // Exploring: one slow lap of the floor per active period.
  const slowX = `${cx.toFixed(1)}+${(ax * 0.75).toFixed(1)}*${w(1, 2.2)}`;
  const slowY = `${cy.toFixed(1)}+${(ay * 0.6).toFixed(1)}*${w(2, 0.4)}`;

  // Static background (rendered once, then repeated by overlay): a wall gradient, a tiled floor with
  // a fixed texture, a bowl, a litter box and a bed. Non-uniform, so detectors see a scene.
  const tex = `6*sin(X*0.7+Y*1.3)+10*mod(floor(X/${Math.round(64 * k)})+floor(Y/${Math.round(40 * k)}),2)`;
  const px = (wallV: number, floorV: number): string => `if(lt(Y,${floorTop}),${wallV}-30*Y/H,${floorV}+${tex})`;
  const bg =
    `nullsrc=s=${W}x${H}:r=1:d=1,format=gbrp,` +
    `geq=r='${px(196, 98)}':g='${px(190, 112)}':b='${px(178, 102)}',` +
    box(0.06, 0.7, 0.11, 0.11, '0x2a4a8a', W, H) + ',' + // food bowl
    box(0.78, 0.56, 0.17, 0.22, '0x8a8a80', W, H) + ',' + // litter box
    box(0.67, 0.12, 0.26, 0.17, '0x8a2a2a', W, H) + // bed
    ',format=yuv420p[bg]';

  const blob = (label: string, rgb: string): string => {
    const [r, g, b] = [rgb.slice(0, 2), rgb.slice(2, 4), rgb.slice(4, 6)].map((h) => parseInt(h, 16));
    const ell = `lte(pow((X-${(bw - 1) / 2})/${bw / 2},2)+pow((Y-${(bh - 1) / 2})/${bh / 2},2),1)`;
    return `color=c=black:s=${bw}x${bh}:r=1:d=1,format=rgba,geq=r=${r}:g=${g}:b=${b}:a='255*${ell}'[${label}]`;
  };

  const restX = Math.round(W * 0.67 + (W * 0.26 - bw) / 2);
  const restY = Math.round(H * 0.12 + (H * 0.17 - bh) / 2);

  return [
    bg,
    blob('sable', '4a2c18'),
    blob('cream', 'f2e8cc'),
    blob('sleepy', 'c09060'),
    `color=c=black:s=${W}x${H}:r=${fps}[base]`,
    '[base][bg]overlay=eof_action=repeat[l0]',
    `[l0][sleepy]overlay=x=${restX}:y=${restY}:eof_action=repeat[l1]`,
    `[l1][cream]overlay=x='${slowX}':y='${slowY}':eof_action=repeat[l2]`,
    `[l2][sable]overlay=x='${fastX}':y='${fastY}':eof_action=repeat,format=yuv420p[out0]`,
  ].join(';');
}

function box(x: number, y: number, w: number, h: number, color: string, W: number, H: number): string {
  return `drawbox=x=${Math.round(x * W)}:y=${Math.round(y * H)}:w=${Math.round(w * W)}:h=${Math.round(h * H)}:color=${color}:t=fill`;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Number.isFinite(v) ? v : lo));
}

function even(v: number): number {
  return Math.max(2, 2 * Math.round(v / 2));
}
