// Offline frames for the CLI (detect, analyze): one ffmpeg, no supervisor, no -re, and
// back-pressure instead of latest-frame-wins: every sampled frame is processed, as fast as the
// detector allows. Reading a file is therefore faster than real time whenever inference is.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { globalArgs, inputArgs, demoInputArgs, parseDemoUrl, sourceKind, type RtspTransport } from '../ffmpeg/args';
import { redactText, redactUrl } from '../ffmpeg/redact';
import { resolveFfmpeg } from '../ffmpeg/resolve';
import { parseInputVideo } from '../stream/stderr-info';
import { BufferPool, FrameAssembler } from './frame-assembler';
import { InputSizeWatcher } from './input-size';
import { letterbox, type Letterbox } from './letterbox';
import { frameOutputArgs } from './source-args';

export interface ReadFramesOptions {
  /** File path, rtsp(s)/http(s) URL or `demo:`. */
  input: string;
  width: number;
  height: number;
  /** Sample this many frames per second (ffmpeg's fps filter); undefined = every decoded frame. */
  fps?: number;
  /** Stop after this many frames. */
  maxFrames?: number;
  /** Pace a file at its native rate (-re); default false. */
  realtime?: boolean;
  transport?: RtspTransport;
  ffmpegPath?: string;
}

export interface ReadFrame {
  /** Letterboxed rgb24; valid until the loop asks for the next frame. */
  rgb: Uint8Array;
  width: number;
  height: number;
  srcW: number;
  srcH: number;
  lb: Letterbox;
  /** 0-based index of the delivered frame. */
  index: number;
  /** Seconds from the first delivered frame (index / sampling rate). */
  t: number;
}

function displayName(input: string): string {
  return sourceKind(input) === 'file' ? path.basename(input) : redactUrl(input);
}

/** Yields frames until the input ends or maxFrames; throws with ffmpeg's reason when it fails. */
export async function* readFrames(o: ReadFramesOptions): AsyncGenerator<ReadFrame, void, undefined> {
  const kind = sourceKind(o.input);
  const input =
    kind === 'demo'
      ? demoInputArgs(parseDemoUrl(o.input))
      : inputArgs({ url: o.input, transport: o.transport, realtime: o.realtime === true && kind === 'file' });
  const out = frameOutputArgs({ fps: o.fps, width: o.width, height: o.height });
  const limit = o.maxFrames !== undefined ? ['-frames:v', String(Math.max(1, Math.floor(o.maxFrames)))] : [];
  // The output options must precede pipe:1, which frameOutputArgs ends with.
  const args = [...globalArgs({ loglevel: 'info', stats: false }), ...input, ...out.slice(0, -1), ...limit, out[out.length - 1]];
  const bin = o.ffmpegPath ?? resolveFfmpeg().path;
  const name = displayName(o.input);

  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const watcher = new InputSizeWatcher();
  let sourceFps: number | undefined;
  let tail: string[] = [];
  let sizeResolve: (() => void) | undefined;
  const sizeKnown = new Promise<void>((r) => (sizeResolve = r));
  let partial = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    const lines = (partial + text).split(/\r?\n|\r/);
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (sourceFps === undefined && !watcher.settled) sourceFps = parseInputVideo(line.replace(/^\[\w+\] /, ''))?.fps;
      watcher.push(line);
      if (watcher.settled) sizeResolve?.();
      const clean = line.replace(/^\[\w+\] /, '').trim();
      if (clean) tail = [...tail.slice(-4), redactText(clean)];
    }
  });
  let spawnError: Error | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      spawnError = new Error(err.code === 'ENOENT' ? `ffmpeg not found at ${bin}` : `cannot run ffmpeg: ${err.message}`);
      resolve({ code: null, signal: null });
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  void exited.then(() => sizeResolve?.());

  const fail = async (): Promise<Error> => {
    const { code, signal } = await exited;
    if (spawnError) return spawnError;
    const why = tail.filter((l) => !/^(Input #|Output #|Stream|Duration|Metadata|encoder|Press \[q\])/.test(l)).slice(-2).join(' | ') || tail.slice(-1)[0] || 'no output';
    return new Error(`ffmpeg could not read ${name} (${signal ?? `exit ${code}`}): ${why}`);
  };

  const pool = new BufferPool(o.width * o.height * 3);
  const assembler = new FrameAssembler(pool.bytes, () => pool.take());
  const done: Uint8Array[] = [];
  let index = 0;
  let finished = false;
  try {
    await sizeKnown;
    const size = watcher.current;
    if (!size) throw await fail();
    const lb = letterbox(size.width, size.height, o.width, o.height);
    const rate = o.fps && o.fps > 0 ? o.fps : sourceFps && sourceFps > 0 ? sourceFps : 1;
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      assembler.push(chunk, (b) => done.push(b));
      while (done.length > 0) {
        const rgb = done.shift() as Uint8Array;
        const i = index++;
        yield { rgb, width: o.width, height: o.height, srcW: size.width, srcH: size.height, lb, index: i, t: i / rate };
        pool.give(rgb);
      }
    }
    const { code } = await exited;
    finished = true;
    if (code !== 0 && index === 0) throw await fail();
    if (index === 0) throw new Error(`ffmpeg found no picture in ${name}`);
  } finally {
    if (!finished && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
}
