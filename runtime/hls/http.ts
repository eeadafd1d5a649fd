// HTTP face of the packagers, mounted under /ferretwatch by the API router:
//   GET /hls/:camera/index.m3u8   LL playlist (blocking reload via _HLS_msn/_HLS_part)
//   GET /hls/:camera/plain.m3u8   the same segments without part tags, for non-LL clients
//   GET /hls/:camera/init.mp4 | seg<msn>.m4s | part<msn>.<i>.m4s
// Every byte served comes from memory; a URL never reaches the file system, and any name
// parseHlsName does not accept is a 404.

import express from 'express';
import type { Request, Response } from 'express';
import { parseHlsName } from './names';
import type { HlsPackager } from './packager';
import { advancePartLimit } from './playlist';
import type { WaitResult } from './waiters';

export interface HlsRouterOptions {
  /** How long a blocking playlist or hinted-part request is held; default 3 target durations. */
  blockTimeoutMs?: number;
}

export const CAMERA_ID = /^[a-z0-9_-]{1,32}$/;

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
// hls.js and Safari ignore the media type of segments; video/mp4 is what every other client expects.
const MEDIA_TYPE = 'video/mp4';
// Segment and part names are reused after a restart of the process (MSNs start over), so caches
// must forget them soon; the init segment is tiny and may change with the camera's settings.
const MEDIA_CACHE = 'public, max-age=10';
const DIRECTIVE = /^(0|[1-9][0-9]{0,14})$/;

type Lookup = (camera: string) => HlsPackager | undefined;

export function createHlsRouter(lookup: Lookup, opts: HlsRouterOptions = {}): express.Router {
  const router = express.Router();

  router.get('/hls/:camera/:name', async (req: Request, res: Response) => {
    const camera = String(req.params.camera);
    const pkg = CAMERA_ID.test(camera) ? lookup(camera) : undefined;
    if (!pkg) return void res.status(404).json({ error: 'unknown camera' });
    const name = String(req.params.name);
    const timeoutMs = opts.blockTimeoutMs ?? 3 * pkg.info.targetDurationS * 1000;

    if (name === 'index.m3u8') return servePlaylist(req, res, pkg, pkg.ll, timeoutMs);
    if (name === 'plain.m3u8') return servePlaylist(req, res, pkg, false, timeoutMs);

    const parsed = parseHlsName(name);
    if (!parsed) return notFound(res);
    if (parsed.kind === 'init') return sendMedia(res, pkg.getInit(parsed.gen), 'no-cache');
    if (parsed.kind === 'segment') return sendMedia(res, pkg.getSegment(parsed.msn));

    let data = pkg.getPart(parsed.msn, parsed.part);
    // rfc8216bis 6.2.6: a preload-hinted part is requested before it exists; hold the request until
    // the part is complete (then send it whole) or the stream went another way (404).
    if (!data && pkg.ll && pkg.isNextPart(parsed.msn, parsed.part)) {
      const r = await pkg.waitForPart(parsed.msn, parsed.part, timeoutMs, abortOnClose(res));
      if (r === 'aborted') return;
      data = pkg.getPart(parsed.msn, parsed.part);
    }
    sendMedia(res, data);
  });

  // Anything else under /hls (extra path segments, "..", empty names) is not ours to serve.
  router.use('/hls', (_req, res) => notFound(res));
  return router;
}

async function servePlaylist(req: Request, res: Response, pkg: HlsPackager, ll: boolean, timeoutMs: number): Promise<void> {
  let target: { msn: number; part: number } | undefined;
  if (ll) {
    const msnQ = req.query._HLS_msn;
    const partQ = req.query._HLS_part;
    if (partQ !== undefined && msnQ === undefined) return badRequest(res, '_HLS_part requires _HLS_msn');
    if (msnQ !== undefined) {
      const msn = directive(msnQ);
      const part = partQ === undefined ? Infinity : directive(partQ);
      if (msn === undefined || part === undefined) return badRequest(res, 'bad _HLS_msn or _HLS_part');
      target = { msn, part };
    }
  }

  const signal = abortOnClose(res);
  if (!pkg.hasPlaylist) {
    // Nothing to list before the first segment closes: hold the request rather than fail the player.
    const r = await pkg.waitForPart(Math.max(0, pkg.info.lastMsn), Infinity, timeoutMs, signal);
    if (r === 'aborted') return;
    if (!pkg.hasPlaylist) {
      res.set('Retry-After', '1');
      return void res.status(503).json({ error: 'stream not ready' });
    }
  }

  if (target) {
    const info = pkg.info;
    // rfc8216bis 6.2.5.2: more than two segments ahead, or more than the Advance Part Limit of
    // parts past the last one, is a Bad Request rather than a long hold.
    if (target.msn > info.lastSegmentMsn + 2) return badRequest(res, '_HLS_msn is too far ahead');
    if (target.part !== Infinity) {
      const ahead = target.msn === info.lastMsn ? target.part - info.lastPart : target.msn > info.lastMsn ? target.part + 1 : 0;
      if (ahead > advancePartLimit(info.partTargetS)) return badRequest(res, '_HLS_part is too far ahead');
    }
    const r: WaitResult = await pkg.waitForPart(target.msn, target.part, timeoutMs, signal);
    if (r === 'aborted') return;
    // On timeout the current playlist is still the most useful answer: the player reloads again.
  }

  const text = pkg.playlist({ ll });
  if (text === undefined) return void res.status(503).json({ error: 'stream not ready' });
  res.status(200).set({ 'Content-Type': PLAYLIST_TYPE, 'Cache-Control': 'no-cache' }).end(text);
}

function directive(v: unknown): number | undefined {
  return typeof v === 'string' && DIRECTIVE.test(v) ? Number(v) : undefined;
}

/** An AbortSignal that fires when the client goes away before the answer is sent. */
function abortOnClose(res: Response): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}

function sendMedia(res: Response, data: Buffer | undefined, cache = MEDIA_CACHE): void {
  if (!data) return notFound(res);
  if (res.destroyed) return;
  res.status(200).set({ 'Content-Type': MEDIA_TYPE, 'Content-Length': String(data.length), 'Cache-Control': cache }).end(data);
}

function notFound(res: Response): void {
  if (!res.destroyed) res.status(404).json({ error: 'not found' });
}

function badRequest(res: Response, error: string): void {
  res.status(400).json({ error });
}
