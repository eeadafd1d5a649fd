// GET /ferretwatch/api/cameras/<camera>/snapshot.jpg: the latest annotated snapshot. Registered
// once, at import time, on the API's extension router (mounted under /ferretwatch).
import type { Router } from 'express';
import { isValidCameraId } from '../camera/config';
import { apiExtensions } from '../http/api';
import { hub, type Hub } from '../hub';
import { detectRegistry, type DetectRegistry } from './registry';

export function snapshotPath(camera: string): string {
  return `/ferretwatch/api/cameras/${camera}/snapshot.jpg`;
}

const registered = new WeakSet<object>();

/** Adds the route to `router` (once per router). */
export function registerSnapshotRoute(router: Router = apiExtensions, registry: DetectRegistry = detectRegistry, cameras: Pick<Hub, 'camera'> = hub): void {
  if (registered.has(router)) return;
  registered.add(router);
  router.get('/api/cameras/:camera/snapshot.jpg', async (req, res) => {
    const id = req.params.camera;
    if (!isValidCameraId(id)) return void res.status(404).json({ error: 'unknown camera' });
    if (!registry.get(id)) {
      return void res.status(404).json({ error: cameras.camera(id) ? 'camera has no ferret-detect node' : 'unknown camera' });
    }
    let jpg: Buffer | undefined;
    try {
      jpg = await registry.snapshotJpeg(id);
    } catch (err) {
      return void res.status(500).json({ error: `snapshot failed: ${(err as Error).message}` });
    }
    if (!jpg) return void res.status(404).json({ error: 'no snapshot yet (send msg.snapshot = true, or enable snapshots on the node)' });
    res.set('Content-Type', 'image/jpeg');
    res.set('Cache-Control', 'no-store');
    res.send(jpg);
  });
}

registerSnapshotRoute();
