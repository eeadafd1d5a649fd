// Event clips cut from a camera's live fMP4 stream, without re-encoding.
//
// The camera's HlsPackager keeps a rolling pre-buffer of fragments (default 10 s) and emits every
// new one. A clip starts at the last keyframe at or before (event start − pre-roll), as far as
// the pre-buffer reaches, then follows the live fragments until (event end + post-roll), capped at
// maxS. The file is the init segment plus the fragments with their decode times rebased to 0
// (mp4.ts), written as <clipId>.mp4.part, fsynced and renamed to .mp4 when the clip closes, so a
// crash never leaves a truncated file under the final name. A new init segment (the encoder
// restarted, maybe with other parameters) or a jump back in decode time closes the clip.
//
// The recorder knows nothing about behaviors: triggers.ts decides when clips begin and end.
import { EventEmitter } from 'node:events';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Fragment } from '../hls/packager';
import { hub } from '../hub';
import type { ClipRecord } from '../store/types';
import { fragmentDecodeTimes, rebaseFragment } from './mp4';
import { clipPath, newClipId } from './paths';

/** What the recorder needs of a packager (HlsPackager satisfies it). */
export interface ClipSource {
  fragmentsSince(wallMs: number): Fragment[];
  on(event: 'fragment' | 'init', fn: (arg: any) => void): unknown;
  off(event: 'fragment' | 'init', fn: (arg: any) => void): unknown;
}

export interface ClipRecorderOptions {
  /** Root directory; clips go to <clipsDir>/<camera>/<YYYY-MM-DD>/<clipId>.mp4. */
  clipsDir: string;
  /** Seconds before the event start (as far as the packager's pre-buffer reaches). Default 5. */
  preRollS?: number;
  /** Seconds after the event end. Default 5. */
  postRollS?: number;
  /** Longest clip in seconds. Default 120. */
  maxS?: number;
  /** A clip whose fragments stop arriving (camera gone) closes this long after it should have ended. Default 10. */
  graceS?: number;
  /** The packager of a camera; default the hub's stream for that camera. */
  source?: (camera: string) => ClipSource | undefined;
  /** Finished clips remembered for clipIdFor (by key and episode id). Default 1000. */
  remember?: number;
  now?: () => number;
}

export interface ClipRequest {
  /** The caller's name for this clip (e.g. "<ferretId>|<behavior>|<since>"); a second begin() with it is a no-op. */
  key: string;
  camera: string;
  ferretId: string | null;
  behavior: string | null;
  episodeId?: string | null;
  /** Wall-clock ms the event started. */
  startMs: number;
  /** Wall-clock ms it ended when already known (alerts: the alert time); otherwise call end() later. */
  endMs?: number | null;
}

export type CloseReason = 'end' | 'cap' | 'restart' | 'timeout' | 'shutdown';

export interface ClipRecorderEvents {
  /** A clip file is complete (fsynced, renamed); also re-emitted when an episode id is attached later. */
  clip: [record: ClipRecord, reason: CloseReason | 'episode'];
  started: [info: { id: string; key: string; camera: string }];
  warning: [err: Error];
}

interface Active {
  id: string;
  key: string;
  camera: string;
  ferretId: string | null;
  behavior: string | null;
  episodeId: string | null;
  startMs: number;
  endMs: number | null;
  file: string;
  part: string;
  source: ClipSource;
  onFragment: (f: Fragment) => void;
  onInit: () => void;
  fh?: fsp.FileHandle;
  io: Promise<void>;
  failed?: Error;
  init?: Buffer;
  base?: Map<number, number>;
  firstWall: number | null;
  lastEnd: number | null;
  bytes: number;
  fragments: number;
  timer: NodeJS.Timeout | null;
}

export class ClipRecorder extends EventEmitter<ClipRecorderEvents> {
  readonly clipsDir: string;
  private readonly preMs: number;
  private readonly postMs: number;
  private readonly maxMs: number;
  private readonly graceMs: number;
  private readonly source: (camera: string) => ClipSource | undefined;
  private readonly rememberN: number;
  private readonly now: () => number;
  private readonly active = new Map<string, Active>();
  private readonly closing = new Set<Promise<unknown>>();
  /** Finished clips by key, and episode id → key. */
  private readonly finished = new Map<string, ClipRecord>();
  private readonly byEpisode = new Map<string, string>();
  private closed = false;

  constructor(opts: ClipRecorderOptions) {
    super();
    this.clipsDir = path.resolve(opts.clipsDir);
    this.preMs = Math.max(0, opts.preRollS ?? 5) * 1000;
    this.postMs = Math.max(0, opts.postRollS ?? 5) * 1000;
    this.maxMs = Math.max(1, opts.maxS ?? 120) * 1000;
    this.graceMs = Math.max(0, opts.graceS ?? 10) * 1000;
    this.source = opts.source ?? ((camera) => hub.stream(camera)?.packager);
    this.rememberN = Math.max(1, opts.remember ?? 1000);
    this.now = opts.now ?? Date.now;
  }

  /** Clips being written. */
  get recording(): number {
    return this.active.size;
  }

  /**
   * Starts a clip; returns its id, or undefined when the camera has no stream or the requested
   * window is already older than anything buffered. A known key returns the existing clip's id.
   */
  begin(req: ClipRequest): string | undefined {
    if (this.closed) return undefined;
    const known = this.active.get(req.key) ?? this.finished.get(req.key);
    if (known) return known.id;
    const source = this.source(req.camera);
    if (!source) return undefined;

    const wantFrom = req.startMs - this.preMs;
    const endMs = req.endMs ?? null;
    let backlog = source.fragmentsSince(wantFrom);
    const last = backlog[backlog.length - 1];
    // A pre-buffer that ends before the window (a stalled camera) holds nothing worth keeping.
    if (last && last.wallMs + last.durationS * 1000 < wantFrom) backlog = [];
    if (endMs !== null && backlog.length > 0 && backlog[0].wallMs > endMs + this.postMs) return undefined;

    const id = newClipId(req.camera, backlog[0]?.wallMs ?? req.startMs);
    const file = clipPath(this.clipsDir, req.camera, backlog[0]?.wallMs ?? req.startMs, id);
    const c: Active = {
      id,
      key: req.key,
      camera: req.camera,
      ferretId: req.ferretId,
      behavior: req.behavior,
      episodeId: req.episodeId ?? null,
      startMs: req.startMs,
      endMs,
      file,
      part: `${file}.part`,
      source,
      onFragment: (f) => this.accept(c, f),
      // A new encoder session: the clip's decode times and maybe its codec settings end here.
      onInit: () => {
        if (c.firstWall !== null) this.finish(c, 'restart');
      },
      io: Promise.resolve(),
      firstWall: null,
      lastEnd: null,
      bytes: 0,
      fragments: 0,
      timer: null,
    };
    this.active.set(req.key, c);
    if (c.episodeId) this.byEpisode.set(c.episodeId, req.key);
    this.io(c, async () => {
      await fsp.mkdir(path.dirname(c.part), { recursive: true });
      c.fh = await fsp.open(c.part, 'w');
    });
    this.emit('started', { id, key: req.key, camera: req.camera });
    for (const f of backlog) {
      this.accept(c, f);
      if (!this.active.has(req.key)) return id;
    }
    source.on('fragment', c.onFragment);
    source.on('init', c.onInit);
    this.arm(c);
    return id;
  }

  /** The event ended at endMs: the clip closes once the stream passes endMs + post-roll. */
  end(key: string, endMs: number): void {
    const c = this.active.get(key);
    if (!c || !Number.isFinite(endMs)) return;
    c.endMs = endMs;
    if (c.lastEnd !== null && c.lastEnd >= endMs + this.postMs) this.finish(c, 'end');
    else this.arm(c);
  }

  /** Names the episode a clip belongs to (a finished clip is re-emitted so its row is updated). Returns the clip id. */
  attachEpisode(key: string, episodeId: string): string | undefined {
    const c = this.active.get(key);
    if (c) {
      c.episodeId = episodeId;
      this.byEpisode.set(episodeId, key);
      return c.id;
    }
    const rec = this.finished.get(key);
    if (!rec) return undefined;
    this.byEpisode.set(episodeId, key);
    if (rec.episodeId !== episodeId) {
      const updated = { ...rec, episodeId };
      this.finished.set(key, updated);
      this.emit('clip', updated, 'episode');
    }
    return rec.id;
  }

  /** The id of the clip for a key or an episode id, once it holds video (in progress or finished). */
  clipIdFor(keyOrEpisodeId: string): string | undefined {
    const key = this.byEpisode.get(keyOrEpisodeId) ?? keyOrEpisodeId;
    const c = this.active.get(key);
    if (c) return c.fragments > 0 ? c.id : undefined;
    return this.finished.get(key)?.id;
  }

  /** Resolves when every clip closing now has been written (tests; shutdown). */
  async settled(): Promise<void> {
    while (this.closing.size > 0) await Promise.all([...this.closing]);
  }

  /** Closes every clip in progress with what it has, and waits for the files. */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of [...this.active.values()]) this.finish(c, 'shutdown');
    await this.settled();
  }

  /** Removes *.part files left by a crash (call at start-up, before any clip begins). */
  async sweepPartials(): Promise<number> {
    let n = 0;
    const walk = async (dir: string, depth: number): Promise<void> => {
      let entries;
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = path.join(dir, e.name);
        if (e.isDirectory() && depth < 2) await walk(p, depth + 1);
        else if (e.isFile() && e.name.endsWith('.mp4.part') && ![...this.active.values()].some((c) => c.part === p)) {
          await fsp.rm(p, { force: true });
          n++;
        }
      }
    };
    await walk(this.clipsDir, 0);
    return n;
  }

  // ------------------------------------------------------------------------------------------

  private accept(c: Active, f: Fragment): void {
    if (!this.active.has(c.key) || this.active.get(c.key) !== c) return;
    if (c.init && f.init !== c.init) return void this.finish(c, 'restart');
    const fragEnd = f.wallMs + f.durationS * 1000;
    if (c.firstWall === null) {
      // Decodable from a keyframe on only.
      if (!f.keyframe) return;
      c.init = f.init;
      c.base = fragmentDecodeTimes(f.data);
      c.firstWall = f.wallMs;
      this.write(c, [f.init]);
    } else if (fragEnd - c.firstWall > this.maxMs + 1) {
      return void this.finish(c, 'cap');
    }
    let parts: [Buffer, Buffer] | undefined;
    try {
      parts = rebaseFragment(f.data, c.base!);
    } catch (err) {
      this.emit('warning', new Error(`clip ${c.id}: unreadable fragment skipped (${(err as Error).message})`));
      return;
    }
    if (!parts) return void this.finish(c, 'restart');
    this.write(c, parts);
    c.fragments++;
    c.lastEnd = fragEnd;
    if (c.endMs !== null && fragEnd >= c.endMs + this.postMs) this.finish(c, 'end');
    else if (fragEnd - c.firstWall >= this.maxMs - f.durationS * 500) this.finish(c, 'cap');
  }

  private write(c: Active, bufs: Buffer[]): void {
    for (const b of bufs) c.bytes += b.length;
    this.io(c, async () => {
      for (const b of bufs) {
        let off = 0;
        while (off < b.length) off += (await c.fh!.write(b, off, b.length - off)).bytesWritten;
      }
    });
  }

  /** Serialises a clip's file operations; after a failure the rest are skipped and the clip is dropped. */
  private io(c: Active, step: () => Promise<void>): void {
    c.io = c.io.then(async () => {
      if (c.failed) return;
      try {
        await step();
      } catch (err) {
        c.failed = err as Error;
      }
    });
  }

  /** (Re)schedules the close for a clip whose stream stops delivering. */
  private arm(c: Active): void {
    if (c.timer) clearTimeout(c.timer);
    const due = (c.endMs !== null ? c.endMs + this.postMs : (c.firstWall ?? c.startMs - this.preMs) + this.maxMs) + this.graceMs;
    c.timer = setTimeout(() => this.finish(c, 'timeout'), Math.max(0, due - this.now()));
    c.timer.unref();
  }

  private finish(c: Active, reason: CloseReason): void {
    if (this.active.get(c.key) !== c) return;
    this.active.delete(c.key);
    if (c.timer) clearTimeout(c.timer);
    c.source.off('fragment', c.onFragment);
    c.source.off('init', c.onInit);
    const done = c.io
      .then(() => this.complete(c, reason))
      .catch((err: Error) => this.emit('warning', new Error(`clip ${c.id}: ${err.message}`)))
      .finally(() => this.closing.delete(done));
    this.closing.add(done);
  }

  private async complete(c: Active, reason: CloseReason): Promise<void> {
    const fh = c.fh;
    if (c.failed || c.fragments === 0) {
      await fh?.close().catch(() => undefined);
      await fsp.rm(c.part, { force: true }).catch(() => undefined);
      if (c.failed) throw new Error(`could not write ${c.part}: ${c.failed.message}`);
      return;
    }
    await fh!.sync();
    await fh!.close();
    await fsp.rename(c.part, c.file);
    await fsyncDir(path.dirname(c.file));
    const rec: ClipRecord = {
      id: c.id,
      camera: c.camera,
      ferretId: c.ferretId,
      behavior: c.behavior,
      episodeId: c.episodeId,
      start: Math.round(c.firstWall!),
      end: Math.round(c.lastEnd!),
      bytes: c.bytes,
      path: c.file,
    };
    this.remember(c.key, rec);
    this.emit('clip', rec, reason);
  }

  private remember(key: string, rec: ClipRecord): void {
    this.finished.set(key, rec);
    while (this.finished.size > this.rememberN) {
      const [oldKey, old] = this.finished.entries().next().value as [string, ClipRecord];
      this.finished.delete(oldKey);
      if (old.episodeId && this.byEpisode.get(old.episodeId) === oldKey) this.byEpisode.delete(old.episodeId);
    }
  }
}

/** Makes a rename durable (the directory entry), where the platform allows opening a directory. */
async function fsyncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    // not supported here (e.g. Windows); the file itself is synced
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
