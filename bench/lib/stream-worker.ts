// A child process that runs only what the node runs for one camera: CameraStream (ffmpeg + the
// in-memory LL-HLS packager) behind the /ferretwatch HTTP router. Benchmarks fork it so that the
// packager's CPU and memory can be read from /proc/<pid> apart from the benchmark itself, the
// browser and the RTSP server. Driven over IPC (see stream-worker-client.ts):
//   → {op:'start', id, camera:{id,url,...}, options}   ← {id, ok, ffmpegPid}
//   → {op:'stats', id, gc?}                            ← {id, ok, stats}
//   → {op:'stop', id, camera}                          ← {id, ok}
//   → {op:'exit'}                                      (stops every stream, then exits)
import * as http from 'node:http';
import express from 'express';
import { hub } from '../../runtime/hub';
import { createApiRouter } from '../../runtime/http/api';
import { CameraStream, DEFAULT_STREAM_OPTIONS, type CameraStreamOptions } from '../../runtime/stream/camera-stream';
import type { CameraConfig } from '../../runtime/camera/config';

export interface WorkerCamera {
  id: string;
  url: string;
  transport?: 'tcp' | 'udp' | 'auto';
}

export interface WorkerRequestCounts {
  /** Playlist requests with _HLS_msn (blocking reload). */
  blockingPlaylist: number;
  /** Playlist requests without it. */
  plainPlaylist: number;
  parts: number;
  /** Part requests that arrived before the part existed (preload hints). */
  earlyParts: number;
  segments: number;
}

export interface WorkerStats {
  pid: number;
  cameras: Record<string, { state: string; ffmpegPid?: number; restarts?: number; lastMsn: number; lastPart: number; arrivalSlackMs: number[] }>;
  memory: NodeJS.MemoryUsage;
  requests: WorkerRequestCounts;
}

type Msg = { op: 'start'; id: number; camera: WorkerCamera; options?: Partial<CameraStreamOptions> } | { op: 'stats'; id: number; gc?: boolean } | { op: 'stop'; id: number; camera: string } | { op: 'exit' };

const owner = {};
const streams = new Map<string, CameraStream>();
/**
 * Per camera, for every fragment: arrival time minus the wall time the packager assigned to the
 * fragment's end (its PROGRAM-DATE-TIME mapping). >= 0 means PDT is not later than arrival;
 * a negative value means the anchor was set late and PDT hides that much latency.
 */
const slack = new Map<string, number[]>();
const requests: WorkerRequestCounts = { blockingPlaylist: 0, plainPlaylist: 0, parts: 0, earlyParts: 0, segments: 0 };

function send(m: unknown): void {
  process.send?.(m);
}

function countRequest(req: express.Request): void {
  const m = /^\/ferretwatch\/hls\/([a-z0-9_-]+)\/([^/?]+)/.exec(req.originalUrl);
  if (!m) return;
  const name = m[2];
  if (name.endsWith('.m3u8')) {
    if (req.query._HLS_msn !== undefined) requests.blockingPlaylist++;
    else requests.plainPlaylist++;
  } else if (name.startsWith('part')) {
    requests.parts++;
    const p = /^part(\d+)\.(\d+)\.m4s$/.exec(name);
    const pkg = hub.stream(m[1])?.packager;
    if (p && pkg && !pkg.getPart(Number(p[1]), Number(p[2]))) requests.earlyParts++;
  } else if (name.startsWith('seg')) requests.segments++;
}

async function startCamera(cam: WorkerCamera, options: Partial<CameraStreamOptions> = {}): Promise<CameraStream> {
  const config: CameraConfig = { id: cam.id, name: cam.id, url: cam.url, transport: cam.transport ?? 'tcp', zones: [], credentials: {} };
  hub.registerCamera(config, owner);
  const stream = new CameraStream(config, { ...DEFAULT_STREAM_OPTIONS, ...options, transcode: { ...DEFAULT_STREAM_OPTIONS.transcode, ...(options.transcode ?? {}) } });
  hub.attachStream(cam.id, stream, owner);
  streams.set(cam.id, stream);
  const sl: number[] = [];
  slack.set(cam.id, sl);
  stream.packager.on('fragment', (f: { wallMs: number; durationS: number }) => {
    if (sl.length < 20_000) sl.push(Date.now() - (f.wallMs + f.durationS * 1000));
  });
  stream.start();
  return stream;
}

async function stopCamera(id: string): Promise<void> {
  const s = streams.get(id);
  if (!s) return;
  streams.delete(id);
  await s.stop();
  s.packager.close();
  hub.detachStream(id, owner);
  hub.unregisterCamera(id, owner);
}

function stats(): WorkerStats {
  const cameras: WorkerStats['cameras'] = {};
  for (const [id, s] of streams) {
    const info = s.packager.info;
    cameras[id] = { state: s.state, ffmpegPid: s.pid, restarts: s.stats.restarts, lastMsn: info.lastMsn, lastPart: info.lastPart, arrivalSlackMs: slack.get(id) ?? [] };
  }
  return { pid: process.pid, cameras, memory: process.memoryUsage(), requests: { ...requests } };
}

async function shutdown(code: number): Promise<never> {
  await Promise.allSettled([...streams.keys()].map(stopCamera));
  process.exit(code);
}

async function main(): Promise<void> {
  const app = express();
  app.use((req, _res, next) => {
    countRequest(req);
    next();
  });
  app.use('/ferretwatch', createApiRouter(hub));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;

  process.on('message', (m: Msg) => {
    void (async () => {
      try {
        if (m.op === 'exit') {
          server.closeAllConnections();
          server.close();
          return void (await shutdown(0));
        }
        if (m.op === 'start') {
          const s = await startCamera(m.camera, m.options);
          return send({ id: m.id, ok: true, ffmpegPid: s.pid });
        }
        if (m.op === 'stop') {
          await stopCamera(m.camera);
          return send({ id: m.id, ok: true });
        }
        if (m.op === 'stats') {
          // Forked with --expose-gc, so memory figures are not just garbage waiting for a collection.
          if (m.gc) (globalThis as { gc?: () => void }).gc?.();
          return send({ id: m.id, ok: true, stats: stats() });
        }
      } catch (e) {
        send({ id: (m as { id?: number }).id, ok: false, error: (e as Error).message });
      }
    })();
  });
  // The parent going away (crash, Ctrl-C) must not leave ffmpeg running.
  process.on('disconnect', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  send({ ready: true, port, pid: process.pid });
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
