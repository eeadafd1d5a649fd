// A live H.264 source that carries the wall clock in its pixels, for measuring glass-to-browser
// latency without trusting EXT-X-PROGRAM-DATE-TIME: ffmpeg renders testsrc2 in real time, stamps
// each frame with the wall-clock time at which the filter saw it (setpts=RTCTIME) as a row of black
// and white cells, encodes it like a camera (libx264 zerolatency) and sends MPEG-TS over UDP. In the
// browser, decodeClockStripe() reads the cells back from a canvas copy of the presented frame.
//
// Cells: BITS bits of (capture ms - epochMs), least significant first, CELL_W x ROW_H pixels each,
// then the same bits inverted in a second row, so a misread cell (compression, scaling) is caught.
import { spawn, type ChildProcess } from 'node:child_process';

export const CLOCK_BITS = 24;
export const CELL_W = 24;
export const ROW_H = 16;

export interface ClockSourceOptions {
  /** udp://127.0.0.1:<port> the stream is sent to. */
  udpPort: number;
  width?: number;
  height?: number;
  fps?: number;
  gopSeconds?: number;
  /** Wall time (ms since epoch, integer) the stamped values count from; must be <= now. */
  epochMs: number;
  ffmpegPath?: string;
}

/** ffmpeg arguments for the clock source. */
export function clockSourceArgs(o: ClockSourceOptions): string[] {
  // Small by default: the source must not steal the CPU the pipeline under test needs.
  const w = o.width ?? 640;
  const h = o.height ?? 360;
  const fps = o.fps ?? 30;
  const gop = Math.round(fps * (o.gopSeconds ?? 1));
  // T after setpts is seconds since epochMs (time base 1 µs); v is the stamped value in ms.
  const v = 'floor(T*1000)';
  const bit = `mod(floor(${v}/pow(2,floor(X/${CELL_W}))),2)`;
  const lum = `if(lt(Y,${ROW_H}),16+219*${bit},235-219*${bit})`;
  const stripeW = CELL_W * CLOCK_BITS;
  const vf = [
    `settb=1/1000000,setpts=RTCTIME-${Math.round(o.epochMs * 1000)}`,
    `split[main][s];[s]crop=${stripeW}:${2 * ROW_H}:0:0,geq=lum='${lum}':cb=128:cr=128[stripe];[main][stripe]overlay=0:0`,
    // Back to a regular frame clock for the encoder.
    `settb=1/${fps},setpts=N`,
  ].join(',');
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-re', '-f', 'lavfi', '-i', `testsrc2=size=${w}x${h}:rate=${fps}`,
    '-vf', vf,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-b:v', '1000k', '-maxrate', '1000k', '-bufsize', '1000k',
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', '0',
    '-f', 'mpegts', '-muxdelay', '0', '-muxpreload', '0', '-flush_packets', '1',
    `udp://127.0.0.1:${o.udpPort}?pkt_size=1316`,
  ];
}

export interface ClockSource {
  readonly pid: number;
  /** URL a camera stream reads (MPEG-TS over UDP). */
  readonly url: string;
  stop(): Promise<void>;
}

export function startClockSource(o: ClockSourceOptions): ClockSource {
  const child: ChildProcess = spawn(o.ffmpegPath ?? 'ffmpeg', clockSourceArgs(o), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-2000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const kill = () => {
    try {
      child.kill('SIGKILL');
    } catch {
      // gone
    }
  };
  process.once('exit', kill);
  return {
    pid: child.pid ?? -1,
    // fifo and overrun options: a slow reader drops old datagrams instead of killing ffmpeg.
    url: `udp://127.0.0.1:${o.udpPort}?fifo_size=100000&overrun_nonfatal=1`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
        kill();
      }
      await exited;
      process.removeListener('exit', kill);
      if (stderr.trim()) console.error(`clock source: ${stderr.trim()}`);
    },
  };
}

/**
 * Browser side (serialised into the page with toString(), so self-contained): decode the stamped
 * value from RGBA pixels of the stripe (width CELL_W*bits, height 2*ROW_H). Returns undefined if a
 * cell and its inverted twin disagree.
 */
export function decodeClockStripe(rgba: Uint8ClampedArray, width: number, bits: number, cellW: number, rowH: number): number | undefined {
  let v = 0;
  for (let b = 0; b < bits; b++) {
    const x = b * cellW + (cellW >> 1);
    const top = rgba[((rowH >> 1) * width + x) * 4 + 1];
    const bottom = rgba[((rowH + (rowH >> 1)) * width + x) * 4 + 1];
    const one = top > 128;
    if (one === bottom > 128) return undefined;
    if (one) v += 2 ** b;
  }
  return v;
}
