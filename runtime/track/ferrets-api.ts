// Naming ferrets over HTTP (for the dashboard), added once to the API's extension router (mounted
// under /ferretwatch, so Node-RED's httpNodeAuth protects it):
//
//   POST  /ferretwatch/api/ferrets             {name, trackId} | {name, images: [base64 JPEG/PNG, …]}
//   GET   /ferretwatch/api/ferrets/identities  [{ferretId, name, enrolled, lastSeenTs, lastCamera, gallerySize, liveTracks}]
//   PATCH /ferretwatch/api/ferrets/:id         {name}
//
// Bad input is a 400 naming the field; unknown ids and tracks 404; bodies over the limit 413.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { apiExtensions } from '../http/api';
import type { Logger } from '../log';
import { createEnrollTools, embedderKindForDims, embeddingsFromImages, type EnrollTools } from './enroll';
import type { EmbedderKind } from './embedder';
import { identityFile, identityRegistry } from './identity-store';
import { findLiveTrack, liveEmbeddingDims } from './live-tracks';
import { FieldError, validateName } from './names';

export { FieldError, validateName };

/** Request body limit (base64 pictures are ~4/3 of their size). */
export const BODY_LIMIT = '24mb';
export const MAX_IMAGES = 10;
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

const TRACK_ID_RE = /^[A-Za-z0-9_-]{1,64}:t[0-9]{1,9}$/;

export function validateTrackId(v: unknown): string {
  if (typeof v !== 'string' || !TRACK_ID_RE.test(v)) throw new FieldError('trackId', 'trackId must look like "<camera>:t<number>", e.g. "kitchen:t12"');
  return v;
}

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/** base64 strings (a `data:image/…;base64,` prefix is allowed) → bytes. */
export function decodeImages(v: unknown): Buffer[] {
  if (!Array.isArray(v) || v.length === 0) throw new FieldError('images', 'images must be a non-empty array of base64-encoded pictures');
  if (v.length > MAX_IMAGES) throw new FieldError('images', `at most ${MAX_IMAGES} images per request`);
  return v.map((s, i) => {
    if (typeof s !== 'string') throw new FieldError(`images[${i}]`, `images[${i}] must be a base64 string`);
    const b64 = s.replace(/^data:image\/[a-z0-9.+-]+;base64,/i, '').replace(/\s+/g, '');
    if (!b64 || b64.length % 4 === 1 || !BASE64_RE.test(b64)) throw new FieldError(`images[${i}]`, `images[${i}] is not valid base64`);
    const buf = Buffer.from(b64, 'base64');
    if (buf.length > MAX_IMAGE_BYTES) throw new FieldError(`images[${i}]`, `images[${i}] is larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MB`, 413);
    return buf;
  });
}

// The embedder and detector for pictures, loaded on first use and kept (loading takes a second).
let tools: { kind: EmbedderKind; p: Promise<EnrollTools> } | undefined;
let queue: Promise<unknown> = Promise.resolve();

function enrollTools(kind: EmbedderKind): Promise<EnrollTools> {
  if (!tools || tools.kind !== kind) {
    const old = tools;
    tools = { kind, p: createEnrollTools({ kind }) };
    tools.p.catch(() => (tools = undefined));
    old?.p.then((t) => t.release()).catch(() => undefined);
  }
  return tools.p;
}

/** One enrolment at a time: each is a burst of decoding and inference. */
function serialised<T>(fn: () => Promise<T>): Promise<T> {
  const p = queue.then(fn, fn);
  queue = p.catch(() => undefined);
  return p;
}

function save(): void {
  const f = identityFile();
  if (f) {
    f.markDirty();
    f.flush();
  }
}

type Handler = (req: Request, res: Response) => Promise<void> | void;

function handle(fn: Handler) {
  return (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve(fn(req, res)).catch(next);
  };
}

const registered = new WeakSet<object>();
let log: Logger | undefined;

/** Adds the routes to `router` once (a later call only sets the logger: the routes exist from import time). */
export function registerFerretRoutes(router: Router = apiExtensions, logger?: Logger): void {
  if (logger) log = logger;
  if (registered.has(router)) return;
  registered.add(router);
  const r = express.Router();
  const json = express.json({ limit: BODY_LIMIT, strict: true });

  r.get('/api/ferrets/identities', (_req, res) => {
    const list = identityRegistry()
      .list()
      .map((i) => ({ ferretId: i.ferretId, name: i.name, enrolled: i.enrolled, lastSeenTs: i.lastSeenTs, lastCamera: i.lastCamera, gallerySize: i.gallerySize, liveTracks: i.liveTracks }));
    res.json(list);
  });

  r.post(
    '/api/ferrets',
    json,
    handle(async (req, res) => {
      const body = req.body as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new FieldError('body', 'the body must be a JSON object {name, trackId} or {name, images}');
      const name = validateName(body.name);
      const hasTrack = body.trackId !== undefined;
      const hasImages = body.images !== undefined;
      if (hasTrack === hasImages) throw new FieldError(hasTrack ? 'images' : 'trackId', 'give exactly one of trackId or images');
      const reg = identityRegistry();
      if (hasTrack) {
        const trackId = validateTrackId(body.trackId);
        const live = findLiveTrack(trackId);
        if (!live) throw new FieldError('trackId', `no live track ${trackId}`, 404);
        const gallery = live.tracker.gallery(trackId, reg.galleryBudget);
        if (!gallery.length) throw new FieldError('trackId', `track ${trackId} has no appearance embeddings to learn from (enable an embedder on ferret-detect)`, 409);
        const a = reg.nameTrack(live.camera, trackId, name, gallery, Date.now());
        save();
        log?.info(`identities: ${trackId} named ${name} (${a.ferretId})`);
        res.status(201).json({ ferretId: a.ferretId, name: a.name, trackId, embeddings: gallery.length });
        return;
      }
      const images = decodeImages(body.images);
      const kind = embedderKindForDims(liveEmbeddingDims());
      const out = await serialised(async () => {
        const t = await enrollTools(kind);
        return embeddingsFromImages(images, t);
      }).catch((err: Error) => {
        if (/^image \d+:/.test(err.message)) {
          const i = Number(/^image (\d+)/.exec(err.message)![1]) - 1;
          throw new FieldError(`images[${i}]`, `images[${i}] could not be decoded as a picture`);
        }
        throw err;
      });
      const a = reg.enroll(name, out.embeddings);
      save();
      log?.info(`identities: ${name} (${a.ferretId}) enrolled from ${images.length} picture(s)`);
      res.status(201).json({
        ferretId: a.ferretId,
        name: a.name,
        embedder: kind,
        embeddings: out.embeddings.length,
        images: out.results.map((x) => ({ source: x.source, score: Math.round(x.score * 100) / 100, box: x.box.map(Math.round) })),
      });
    }),
  );

  r.patch(
    '/api/ferrets/:id',
    json,
    handle((req, res) => {
      const id = String(req.params.id);
      const reg = identityRegistry();
      if (id.length > 64 || !reg.get(id)) throw new FieldError('id', `unknown ferret "${id.slice(0, 64)}"`, 404);
      const body = req.body as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new FieldError('body', 'the body must be a JSON object {name}');
      const name = validateName(body.name);
      const other = reg.findByName(name);
      if (other && other.ferretId !== id) throw new FieldError('name', `${name} is already ${other.ferretId}`, 409);
      reg.rename(id, name);
      save();
      const i = reg.get(id)!;
      res.json({ ferretId: i.ferretId, name: i.name, enrolled: i.enrolled });
    }),
  );

  // JSON errors for this router only (body parser errors included).
  r.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!req.path.startsWith('/api/ferrets')) return next(err);
    const e = err as { type?: string; status?: number; message?: string };
    if (err instanceof FieldError) return void res.status(err.status).json({ error: err.message, field: err.field });
    if (e.type === 'entity.too.large') return void res.status(413).json({ error: `request body larger than ${BODY_LIMIT}`, field: 'body' });
    if (e.type === 'entity.parse.failed') return void res.status(400).json({ error: 'the body is not valid JSON', field: 'body' });
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return void res.status(e.status).json({ error: e.message ?? 'bad request', field: 'body' });
    log?.error(`identities API: ${(err as Error)?.message ?? String(err)}`);
    res.status(500).json({ error: (err as Error)?.message ?? 'internal error' });
  });
  router.use(r);
}

registerFerretRoutes();
