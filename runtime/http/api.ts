// HTTP surface under /ferretwatch, mounted on Node-RED's RED.httpNode (so httpNodeAuth and
// httpNodeMiddleware protect it) or on a plain express app (CLI, tests).
// Nothing here touches the file system from a URL, and no answer carries a camera URL's credentials.
import express from 'express';
import type { Hub } from '../hub';
import { isValidCameraId } from '../camera/config';
import { createHlsRouter } from '../hls/http';
import { sanitizeForDisplay } from '../ffmpeg/redact';
import { hlsjsConfigFor } from '../stream/hlsjs-config';
import { registerPlayerRoutes } from './player';

export const BASE_PATH = '/ferretwatch';

function cameraSummary(hub: Hub, id: string) {
  const config = hub.camera(id);
  const stream = hub.stream(id);
  const d = stream?.describe();
  return {
    id,
    name: config?.name ?? id,
    source: config ? sanitizeForDisplay(config.url) : undefined,
    state: d?.state ?? 'idle',
    reason: d?.reason,
    hls: d ? d.url : undefined,
    mode: d?.mode,
    codec: d?.codec,
    width: d?.width,
    height: d?.height,
    fps: d?.fps,
    bitrate: d?.bitrate,
    restarts: d?.restarts,
    zones: config?.zones.map((z) => ({ name: z.name, mask: !!z.mask, points: z.points })) ?? [],
  };
}

/**
 * Routes that later runtime modules (detection snapshots, the store's history API, enrolment)
 * add once, at import time; mounted before the JSON 404.
 */
export const apiExtensions = express.Router();

export function createApiRouter(hub: Hub): express.Router {
  const r = express.Router();
  r.use(createHlsRouter((id) => hub.stream(id)?.packager));

  r.get('/api/cameras', (_req, res) => {
    res.json(hub.cameraIds().map((id) => cameraSummary(hub, id)));
  });

  r.get('/api/stream/hls/:camera', (req, res) => {
    const id = req.params.camera;
    if (!isValidCameraId(id)) return void res.status(404).json({ error: 'unknown camera' });
    const stream = hub.stream(id);
    if (!stream) return void res.status(404).json({ error: hub.camera(id) ? 'camera has no rtsp-hls-stream node' : 'unknown camera' });
    const d = stream.describe();
    const info = stream.packager.info;
    res.json({
      url: d.url,
      plainUrl: d.url.replace(/index\.m3u8$/, 'plain.m3u8'),
      state: d.state,
      reason: d.reason,
      codec: d.codec,
      width: d.width,
      height: d.height,
      fps: d.fps,
      bitrate: d.bitrate,
      ll: info.ll,
      partTarget: info.ll ? info.partTargetS : undefined,
      segmentTarget: info.segmentTargetS,
      hlsjsConfig: hlsjsConfigFor(info),
    });
  });

  registerPlayerRoutes(apiExtensions);
  r.use(apiExtensions);

  r.use('/api', (_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return r;
}

const mounted = new WeakSet<object>();

/** Mounts the router once per express app (Node-RED re-creates nodes on every deploy; the app stays). */
export function mountOnce(app: express.Router, hub: Hub): void {
  if (mounted.has(app)) return;
  mounted.add(app);
  app.use(BASE_PATH, createApiRouter(hub));
}
